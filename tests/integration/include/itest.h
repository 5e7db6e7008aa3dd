/* SPDX-License-Identifier: MIT */
/*
 * What the integration test apps share: CHECK() records a failure as a
 * "TEST FAIL: ..." line (tools/testrun rejects those) and counts it in
 * `failures`, safely from any CPU; now_ns() is CLOCK_MONOTONIC in ns.
 * Each test is one file, so the definitions here are per test.
 */
#ifndef ITEST_H
#define ITEST_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

static int failures __attribute__((unused));

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("TEST FAIL: " __VA_ARGS__);                     \
			printf("\n");                                          \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);    \
		}                                                              \
	} while (0)

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif /* ITEST_H */
