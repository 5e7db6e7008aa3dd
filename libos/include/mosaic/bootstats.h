/* SPDX-License-Identifier: MIT */
/*
 * How long the appliance took to reach main(), in TSC ticks, for boot
 * benchmarks. Both stamps are absolute TSC values of the boot CPU: the
 * TSC counts from the machine's reset, so bs_entry_tsc is what the
 * firmware and the loader cost, and bs_main_tsc - bs_entry_tsc what the
 * image itself did before main() (kernel initialisation, the libc's).
 *
 * Under QEMU with -icount shift=0 (one nanosecond of guest time per
 * instruction) the TSC advances one tick per guest instruction, so these
 * count instructions exactly and repeat from run to run; bs_tsc_hz is then
 * 1 GHz. Without icount they are plain cycles of a TSC whose rate is
 * bs_tsc_hz.
 */
#ifndef MOSAIC_BOOTSTATS_H
#define MOSAIC_BOOTSTATS_H

#include <stdint.h>

struct mosaic_bootstats {
	uint64_t bs_entry_tsc; /* TSC at the image's first instruction */
	uint64_t bs_main_tsc; /* TSC just before the libc called main() */
	uint64_t bs_tsc_hz; /* the kernel's TSC rate, Hz; 0 if unknown */
};

/*
 * Fills *bs. Returns 0, or -1 when bs is NULL. Any task, any time after
 * main() started (before that bs_main_tsc is 0).
 */
int mosaic_bootstats(struct mosaic_bootstats *bs);

#endif /* MOSAIC_BOOTSTATS_H */
