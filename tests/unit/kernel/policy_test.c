/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/sched/policy.c: placement (least load, ties to
 * `prefer` then to the lowest id, affinity masks with bits at or above n,
 * n = 0, 1, 64 and more) and victim choice (most queued, round robin from
 * self + 1 on ties, nothing to steal), what may be stolen from behind a
 * batch waker, then placement and victims against a brute-force
 * reading of the contract on random inputs.
 */
#include "policy.h"

#include <kernel/compiler.h>

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* --- policy_place --- */

static void test_place_least_loaded(void **state)
{
	const uint32_t load[] = { 3, 1, 2, 5 };

	(void)state;
	assert_int_equal(policy_place(load, 4, 0, -1), 1);
	assert_int_equal(policy_place(load, 4, 0, 2), 1); /* not tied */
	assert_int_equal(policy_place(load, 4, 0xd, -1), 2); /* 1 excluded */
	assert_int_equal(policy_place(load, 4, 0x9, -1), 0);
	assert_int_equal(policy_place(load, 4, 0x8, 0), 3); /* 0 not allowed */
}

static void test_place_all_equal(void **state)
{
	const uint32_t load[] = { 4, 4, 4, 4, 4 };

	(void)state;
	assert_int_equal(policy_place(load, 5, 0, -1), 0);
	assert_int_equal(policy_place(load, 5, 0x1c, -1), 2);
	assert_int_equal(policy_place(load, 5, 0, 3), 3);
	assert_int_equal(policy_place(load, 5, 0x1c, 4), 4);
}

static void test_place_ties(void **state)
{
	const uint32_t load[] = { 2, 0, 1, 0, 0 };

	(void)state;
	assert_int_equal(policy_place(load, 5, 0, -1), 1); /* lowest id */
	assert_int_equal(policy_place(load, 5, 0, 3), 3); /* prefer wins */
	assert_int_equal(policy_place(load, 5, 0, 4), 4);
	assert_int_equal(policy_place(load, 5, 0, 1), 1);
	/* prefer is not among the least loaded. */
	assert_int_equal(policy_place(load, 5, 0, 0), 1);
	assert_int_equal(policy_place(load, 5, 0, 2), 1);
	/* prefer tied but not allowed: the lowest allowed id instead. */
	assert_int_equal(policy_place(load, 5, 0x12, 3), 1);
	assert_int_equal(policy_place(load, 5, 0x18, 1), 3);
}

static void test_place_prefer_out_of_range(void **state)
{
	const uint32_t load[] = { 0, 0, 0 };

	(void)state;
	assert_int_equal(policy_place(load, 3, 0, 3), 0);
	assert_int_equal(policy_place(load, 3, 0, 63), 0);
	assert_int_equal(policy_place(load, 3, 0, 1000), 0);
	assert_int_equal(policy_place(load, 3, 0, -2), 0);
	assert_int_equal(policy_place(load, 3, 0, -1000000), 0);
}

static void test_place_mask_bits_above_n(void **state)
{
	const uint32_t load[] = { 9, 9, 9, 9 };

	(void)state;
	/* Only CPUs that do not exist are allowed. */
	assert_int_equal(policy_place(load, 4, 0x10, -1), -1);
	assert_int_equal(policy_place(load, 4, ~0xfull, -1), -1);
	assert_int_equal(policy_place(load, 4, 1ull << 63, 2), -1);
	/* Bits above n are ignored when some below are set. */
	assert_int_equal(policy_place(load, 4, 0xf0 | 0x4, -1), 2);
	assert_int_equal(policy_place(load, 4, ~0ull, -1), 0);
	assert_int_equal(policy_place(load, 4, ~0ull, 3), 3);
	/* prefer above n but allowed by the mask: ignored. */
	assert_int_equal(policy_place(load, 4, 0x21, 5), 0);
}

static void test_place_n_zero(void **state)
{
	const uint32_t load[] = { 0 };

	(void)state;
	assert_int_equal(policy_place(load, 0, 0, -1), -1);
	assert_int_equal(policy_place(load, 0, ~0ull, 0), -1);
}

static void test_place_n_one(void **state)
{
	const uint32_t load[] = { 17 };

	(void)state;
	assert_int_equal(policy_place(load, 1, 0, -1), 0);
	assert_int_equal(policy_place(load, 1, 1, -1), 0);
	assert_int_equal(policy_place(load, 1, 1, 0), 0);
	assert_int_equal(policy_place(load, 1, 3, 1), 0);
	assert_int_equal(policy_place(load, 1, 2, -1), -1);
	assert_int_equal(policy_place(load, 1, 2, 0), -1);
}

static void test_place_n_64(void **state)
{
	uint32_t load[64];
	unsigned int i;

	(void)state;
	for (i = 0; i < 64; i++)
		load[i] = 100 - i; /* CPU 63 is the least loaded */
	assert_int_equal(policy_place(load, 64, 0, -1), 63);
	assert_int_equal(policy_place(load, 64, ~0ull, -1), 63);
	assert_int_equal(policy_place(load, 64, 1ull << 63, -1), 63);
	assert_int_equal(policy_place(load, 64, 1ull << 62, 63), 62);
	assert_int_equal(policy_place(load, 64, (1ull << 63) - 1, -1), 62);
	for (i = 0; i < 64; i++)
		load[i] = 1;
	assert_int_equal(policy_place(load, 64, 0, -1), 0);
	assert_int_equal(policy_place(load, 64, 0, 63), 63);
	assert_int_equal(
		policy_place(load, 64, (1ull << 63) | (1ull << 40), -1), 40);
}

/* CPUs 64 and up exist only for an all-allowed mask. */
static void test_place_n_above_64(void **state)
{
	uint32_t load[70];
	unsigned int i;

	(void)state;
	for (i = 0; i < 70; i++)
		load[i] = i < 64 ? 5 : 2;
	assert_int_equal(policy_place(load, 70, 0, -1), 64);
	assert_int_equal(policy_place(load, 70, 0, 69), 69);
	assert_int_equal(policy_place(load, 70, ~0ull, -1), 0);
	assert_int_equal(policy_place(load, 70, ~0ull, 66), 0);
}

static void test_place_extreme_loads(void **state)
{
	const uint32_t load[] = { UINT32_MAX, UINT32_MAX - 1, UINT32_MAX };

	(void)state;
	assert_int_equal(policy_place(load, 3, 0, -1), 1);
	assert_int_equal(policy_place(load, 3, 0x5, 2), 2);
	assert_int_equal(policy_place(load, 3, 0x5, -1), 0);
}

/* The contract, read literally: scan all allowed CPUs for the minimum,
 * then take prefer if it is tied, else the first one tied. */
static int ref_place(const uint32_t *load, unsigned int n, uint64_t allowed,
		     int prefer)
{
	uint64_t min = UINT64_MAX;
	unsigned int i;
	bool ok;

	for (i = 0; i < n; i++) {
		ok = !allowed || (i < 64 && (allowed & (1ull << i)));
		if (ok && load[i] < min)
			min = load[i];
	}
	if (min == UINT64_MAX)
		return -1;
	if (prefer >= 0 && (unsigned int)prefer < n &&
	    (!allowed || (prefer < 64 && (allowed & (1ull << prefer)))) &&
	    load[prefer] == min)
		return prefer;
	for (i = 0; i < n; i++) {
		ok = !allowed || (i < 64 && (allowed & (1ull << i)));
		if (ok && load[i] == min)
			return (int)i;
	}
	return -1;
}

static void test_place_random(void **state)
{
	uint32_t load[72];
	uint64_t seed = 0xfeedface12345678ull, allowed;
	unsigned int n, i, round;
	int prefer;

	(void)state;
	for (round = 0; round < 20000; round++) {
		n = (unsigned int)(xorshift(&seed) % 73);
		for (i = 0; i < n; i++)
			load[i] = (uint32_t)(xorshift(&seed) % 4);
		allowed = xorshift(&seed);
		if (round % 4 == 0)
			allowed = 0;
		else if (round % 4 == 1)
			allowed &= xorshift(&seed) & xorshift(&seed);
		prefer = (int)(xorshift(&seed) % 80) - 4;
		assert_int_equal(policy_place(load, n, allowed, prefer),
				 ref_place(load, n, allowed, prefer));
	}
}

/* --- policy_victim --- */

static void test_victim_nothing_queued(void **state)
{
	const uint32_t queued[] = { 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(policy_victim(queued, 4, 0), -1);
	assert_int_equal(policy_victim(queued, 4, 3), -1);
	assert_int_equal(policy_victim(queued, 0, 0), -1);
}

static void test_victim_only_self_queued(void **state)
{
	const uint32_t queued[] = { 0, 0, 7, 0 };

	(void)state;
	assert_int_equal(policy_victim(queued, 4, 2), -1);
	assert_int_equal(policy_victim(queued, 4, 0), 2);
	assert_int_equal(policy_victim(queued, 4, 3), 2);
}

static void test_victim_busiest(void **state)
{
	const uint32_t queued[] = { 1, 0, 5, 3, 5, 9 };

	(void)state;
	assert_int_equal(policy_victim(queued, 6, 0), 5);
	assert_int_equal(policy_victim(queued, 6, 4), 5);
	/* self's own queue does not count, however long. */
	assert_int_equal(policy_victim(queued, 6, 5), 2);
	/* Fewer CPUs: 5 is not among them. */
	assert_int_equal(policy_victim(queued, 5, 1), 2);
	assert_int_equal(policy_victim(queued, 5, 3), 4);
}

static void test_victim_round_robin(void **state)
{
	const uint32_t all[] = { 2, 2, 2, 2 };
	const uint32_t alt[] = { 3, 0, 3, 0, 1 };
	unsigned int self;

	(void)state;
	for (self = 0; self < 4; self++)
		assert_int_equal(policy_victim(all, 4, self), (self + 1) % 4);
	/* Ties among CPUs 0 and 2: the first after self, wrapping. */
	assert_int_equal(policy_victim(alt, 5, 0), 2);
	assert_int_equal(policy_victim(alt, 5, 1), 2);
	assert_int_equal(policy_victim(alt, 5, 2), 0);
	assert_int_equal(policy_victim(alt, 5, 3), 0);
	assert_int_equal(policy_victim(alt, 5, 4), 0);
}

/* --- policy_stealable --- */

static void test_stealable(void **state)
{
	(void)state;
	/* Behind an ordinary task (or an idle CPU): everything queued. */
	assert_int_equal(policy_stealable(0, false), 0);
	assert_int_equal(policy_stealable(1, false), 1);
	assert_int_equal(policy_stealable(7, false), 7);
	assert_int_equal(policy_stealable(UINT32_MAX, false), UINT32_MAX);
	/* Behind a batch waker: all but the one that runs there next. */
	assert_int_equal(policy_stealable(0, true), 0);
	assert_int_equal(policy_stealable(1, true), 0);
	assert_int_equal(policy_stealable(2, true), 1);
	assert_int_equal(policy_stealable(7, true), 6);
	assert_int_equal(policy_stealable(UINT32_MAX, true), UINT32_MAX - 1);
}

/* The scheduler's use: victims chosen from stealable counts. */
static void test_victim_behind_batch_waker(void **state)
{
	const bool batch[] = { true, false, false, true };
	const uint32_t raw[] = { 1, 0, 0, 2 };
	uint32_t queued[4];
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++)
		queued[i] = policy_stealable(raw[i], batch[i]);
	/* CPU 0's one task stays; CPU 3 gives up its second. */
	assert_int_equal(policy_victim(queued, 4, 1), 3);
	assert_int_equal(policy_victim(queued, 4, 2), 3);
	assert_int_equal(policy_victim(queued, 4, 3), -1);
	assert_int_equal(policy_victim(queued, 3, 1), -1);
	/* The same counts behind ordinary tasks: CPU 0 is a victim. */
	for (i = 0; i < 4; i++)
		queued[i] = policy_stealable(raw[i], false);
	assert_int_equal(policy_victim(queued, 3, 1), 0);
	assert_int_equal(policy_victim(queued, 4, 1), 3);
}

static void test_victim_n_one(void **state)
{
	const uint32_t queued[] = { 12 };

	(void)state;
	assert_int_equal(policy_victim(queued, 1, 0), -1);
}

static void test_victim_n_64(void **state)
{
	uint32_t queued[64];
	unsigned int self;

	(void)state;
	memset(queued, 0, sizeof(queued));
	queued[63] = 1;
	assert_int_equal(policy_victim(queued, 64, 0), 63);
	assert_int_equal(policy_victim(queued, 64, 63), -1);
	queued[0] = 1;
	assert_int_equal(policy_victim(queued, 64, 63), 0);
	assert_int_equal(policy_victim(queued, 64, 62), 63);
	for (self = 0; self < 64; self++)
		queued[self] = UINT32_MAX;
	for (self = 0; self < 64; self++)
		assert_int_equal(policy_victim(queued, 64, self),
				 (self + 1) % 64);
}

/* A self that is not one of the n CPUs (an offline CPU asking): any
 * busiest CPU may be chosen, nothing is excluded. */
static void test_victim_self_out_of_range(void **state)
{
	const uint32_t queued[] = { 0, 4, 4 };

	(void)state;
	assert_int_equal(policy_victim(queued, 3, 7), 2); /* 7 % 3 = 1 */
	assert_int_equal(policy_victim(queued, 3, 3), 1);
	assert_int_equal(policy_victim(queued, 3, UINT32_MAX), 1);
}

/* The contract, read literally: the maximum over others, then the first
 * tied CPU among self + 1, self + 2, ... modulo n. */
static int ref_victim(const uint32_t *queued, unsigned int n, unsigned int self)
{
	uint32_t max = 0;
	unsigned int i, cpu;

	for (i = 0; i < n; i++) {
		if (i != self && queued[i] > max)
			max = queued[i];
	}
	if (!max)
		return -1;
	for (i = 1; i <= n; i++) {
		cpu = (self + i) % n;
		if (cpu != self && queued[cpu] == max)
			return (int)cpu;
	}
	return -1;
}

static void test_victim_random(void **state)
{
	uint32_t queued[64];
	uint64_t seed = 0x1234abcd9876ef01ull;
	unsigned int n, i, self, round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		n = 1 + (unsigned int)(xorshift(&seed) % 64);
		for (i = 0; i < n; i++)
			queued[i] = (uint32_t)(xorshift(&seed) % 3);
		if (round % 5 == 0)
			memset(queued, 0, sizeof(queued));
		self = (unsigned int)(xorshift(&seed) % n);
		if (round % 7 == 0)
			queued[self] = 100; /* self busiest: still skipped */
		assert_int_equal(policy_victim(queued, n, self),
				 ref_victim(queued, n, self));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_least_loaded),
		cmocka_unit_test(test_place_all_equal),
		cmocka_unit_test(test_place_ties),
		cmocka_unit_test(test_place_prefer_out_of_range),
		cmocka_unit_test(test_place_mask_bits_above_n),
		cmocka_unit_test(test_place_n_zero),
		cmocka_unit_test(test_place_n_one),
		cmocka_unit_test(test_place_n_64),
		cmocka_unit_test(test_place_n_above_64),
		cmocka_unit_test(test_place_extreme_loads),
		cmocka_unit_test(test_place_random),
		cmocka_unit_test(test_stealable),
		cmocka_unit_test(test_victim_behind_batch_waker),
		cmocka_unit_test(test_victim_nothing_queued),
		cmocka_unit_test(test_victim_only_self_queued),
		cmocka_unit_test(test_victim_busiest),
		cmocka_unit_test(test_victim_round_robin),
		cmocka_unit_test(test_victim_n_one),
		cmocka_unit_test(test_victim_n_64),
		cmocka_unit_test(test_victim_self_out_of_range),
		cmocka_unit_test(test_victim_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
