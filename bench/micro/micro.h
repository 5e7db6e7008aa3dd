/* SPDX-License-Identifier: MIT */
/*
 * bench/micro: what the shared benchmark (micro.c) needs from the side it
 * is built for: mosaic.c (the Mosaic app, also using <mosaic/...> calls)
 * or linux.c (the static Linux binary of bench/micro.py's guest).
 */
#ifndef BENCH_MICRO_H
#define BENCH_MICRO_H

#include <stdint.h>

/*
 * Guest instructions so far: under QEMU -icount shift=0 the TSC advances
 * one tick per instruction (of all vCPUs together) on both sides.
 */
static inline uint64_t micro_now(void)
{
	return __builtin_ia32_rdtsc();
}

/*
 * Keeps the calling thread on CPU `cpu` when the side can pin a POSIX
 * thread. Returns 0 or a negative errno; the caller checks the CPU it
 * ends up on with sched_getcpu() either way.
 */
int micro_pin(int cpu);

/*
 * Starts fn(arg) as a thread kept on CPU `cpu`: on Linux a pthread pinned
 * with sched_setaffinity(), on Mosaic a microapp spawned with that CPU
 * mask (its POSIX threads cannot be pinned). One such thread per CPU at a
 * time; cpu is 0 or 1. Returns 0 or a negative errno.
 */
int micro_start_on(int cpu, void (*fn)(void *arg), void *arg);

/* Waits for the thread micro_start_on() started on `cpu` to end. Returns 0
 * or a negative errno. */
int micro_join_started(int cpu);

/*
 * Runs the side's own test `name` with count `n` and prints its "micro"
 * line. Returns 1 when it ran, 0 when the side has no such test, or a
 * negative errno after printing a "micro error:" line.
 */
int micro_side_run(const char *name, long n);

#endif /* BENCH_MICRO_H */
