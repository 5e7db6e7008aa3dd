/* SPDX-License-Identifier: MIT */
/*
 * bench/boot.py's probe: prints where the boot stood when the image's
 * first instruction ran and when main() was called, as TSC values (guest
 * instructions since reset under -icount shift=0), then exits 0.
 */
#include <inttypes.h>
#include <stdio.h>

#include <mosaic/bootstats.h>

int main(void)
{
	struct mosaic_bootstats bs;

	if (mosaic_bootstats(&bs)) {
		printf("bootstats error: mosaic_bootstats failed\n");
		return 1;
	}
	if (mosaic_bootstats(NULL) != -1) {
		printf("bootstats error: NULL accepted\n");
		return 1;
	}
	/* The TSC only moves forward on the boot CPU: a zero or reversed
	 * pair means a stamp was never taken. */
	if (!bs.bs_entry_tsc || bs.bs_main_tsc <= bs.bs_entry_tsc) {
		printf("bootstats error: entry %" PRIu64 ", main %" PRIu64 "\n",
		       bs.bs_entry_tsc, bs.bs_main_tsc);
		return 1;
	}
	printf("bootstats entry=%" PRIu64 " main=%" PRIu64 " hz=%" PRIu64 "\n",
	       bs.bs_entry_tsc, bs.bs_main_tsc, bs.bs_tsc_hz);
	return 0;
}
