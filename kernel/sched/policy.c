/* SPDX-License-Identifier: MIT */
/*
 * Placement and stealing decisions (policy.h): linear scans over per-CPU
 * counts, with no state, no locks and no allocation. The scheduler feeds
 * them lock-free snapshots; the answers are hints, never invariants.
 */
#include "policy.h"

#include <stdbool.h>

/* Whether CPU i is in `allowed` (0 allows all; a mask names CPUs < 64). */
static bool cpu_allowed(uint64_t allowed, unsigned int i)
{
	if (!allowed)
		return true;
	return i < 64 && ((allowed >> i) & 1);
}

int policy_place(const uint32_t *load, unsigned int n, uint64_t allowed,
		 int prefer)
{
	int best = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (cpu_allowed(allowed, i) &&
		    (best < 0 || load[i] < load[best]))
			best = (int)i;
	}
	if (best >= 0 && prefer >= 0 && (unsigned int)prefer < n &&
	    cpu_allowed(allowed, (unsigned int)prefer) &&
	    load[prefer] == load[best])
		best = prefer;
	return best;
}

int policy_victim(const uint32_t *queued, unsigned int n, unsigned int self)
{
	unsigned int cpu, i;
	int best = -1;

	if (!n)
		return -1;
	/* Scan from self + 1 round to self, so the first CPU seen among
	 * the busiest is the next one after self. */
	cpu = self % n;
	for (i = 0; i < n; i++) {
		cpu = cpu + 1 == n ? 0 : cpu + 1;
		if (cpu == self || !queued[cpu])
			continue;
		if (best < 0 || queued[cpu] > queued[best])
			best = (int)cpu;
	}
	return best;
}
