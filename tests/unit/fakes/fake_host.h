/* SPDX-License-Identifier: MIT */
/*
 * Between fake_sched.c (kernel side) and fake_host.c (POSIX side), which
 * cannot share a translation unit: <kernel/sched.h> and <pthread.h> both
 * declare sched_yield(). One global "gate" (a mutex and a condition
 * variable on CLOCK_MONOTONIC) carries every fake wake-up.
 */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <stdbool.h>
#include <stdint.h>

void host_gate_lock(void);
void host_gate_unlock(void);
/* Caller holds the gate. Wakes every sleeper (each re-checks its flag). */
void host_gate_broadcast(void);
/* Caller holds the gate. Sleeps until a broadcast or until the monotonic
 * clock reaches deadline_ns (0: none); false on timeout. */
bool host_gate_wait(uint64_t deadline_ns);

uint64_t host_now_ns(void);
void host_yield(void);
/* Reports a panic: in a fake_expect_panic() child, exits it; else aborts. */
void host_panic(const char *msg) __attribute__((noreturn));

#endif /* FAKE_HOST_H */
