/* SPDX-License-Identifier: MIT */
/* <mosaic/bootstats.h> over <kernel/boot_tsc.h> and libc's start. */
#include <mosaic/bootstats.h>

#include <kernel/boot_tsc.h>
#include <kernel/time.h>

/* Stamped by libos/libc/start.c right before it calls main(). */
extern uint64_t libc_main_tsc;

int mosaic_bootstats(struct mosaic_bootstats *bs)
{
	if (!bs)
		return -1;
	bs->bs_entry_tsc = boot_entry_tsc();
	bs->bs_main_tsc = libc_main_tsc;
	bs->bs_tsc_hz = time_tsc_hz();
	return 0;
}
