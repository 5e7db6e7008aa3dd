/* SPDX-License-Identifier: MIT */
/*
 * Placement and stealing decisions of the scheduler, as pure functions of
 * per-CPU counts so the host tests can check them (sched.c gathers the
 * counts without locks: a slightly stale answer only costs balance).
 */
#ifndef SCHED_POLICY_H
#define SCHED_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The CPU for a new or woken task: among CPUs 0..n-1 allowed by `allowed`
 * (bit i = CPU i; 0 allows all), one with the smallest load[i] (tasks
 * queued plus the one running, idle counts 0). Ties go to `prefer` when it
 * is among them (-1 for none), else to the lowest id.
 * Returns the CPU, or -1 when no CPU below n is allowed.
 */
int policy_place(const uint32_t *load, unsigned int n, uint64_t allowed,
		 int prefer);

/*
 * The CPU an idle CPU `self` should steal from: the one with the most
 * queued (not running) tasks, at least 1, other than self; ties to the
 * lowest id after self (round robin from self + 1), so idle CPUs spread
 * over victims. Returns the CPU, or -1 when nothing is queued anywhere.
 */
int policy_victim(const uint32_t *queued, unsigned int n, unsigned int self);

/*
 * How many of the `queued` tasks on a CPU another CPU may steal: all of
 * them, except behind a batch waker (`behind_batch`, <kernel/sched.h>'s
 * sched_set_batch_waker()), which keeps one: the next task there runs
 * as soon as the waker blocks, on the CPU that just woke it, and moving
 * it would only add a cross-CPU hand-off (and, on a lock the waker still
 * holds, a block). What is queued beyond that one is fair game.
 */
static inline uint32_t policy_stealable(uint32_t queued, bool behind_batch)
{
	return behind_batch && queued ? queued - 1 : queued;
}

#endif /* SCHED_POLICY_H */
