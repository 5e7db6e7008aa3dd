/* SPDX-License-Identifier: MIT */
/* <kernel/boot_tsc.h>: the value boot/entry.S stored at entry. */
#include <kernel/boot_tsc.h>

/* Written once by boot/entry.S in 32-bit mode, read-only afterwards. */
extern uint64_t boot_entry_tsc_value;

uint64_t boot_entry_tsc(void)
{
	return boot_entry_tsc_value;
}
