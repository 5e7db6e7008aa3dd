/* SPDX-License-Identifier: MIT */
/*
 * When the image started: boot/entry.S reads the TSC as the first thing
 * each entry point (multiboot1/2 and PVH) does, before it has a stack, so
 * boot-time measurements can split firmware and loader time (everything
 * before that read) from the image's own (everything after).
 */
#ifndef KERNEL_BOOT_TSC_H
#define KERNEL_BOOT_TSC_H

#include <stdint.h>

/*
 * The TSC of the boot CPU at the image's first instruction. Under QEMU
 * with -icount shift=0 the TSC counts guest instructions since reset, so
 * this is the firmware's and loader's share of the boot. 0 only if the
 * image was entered some other way than the three entry points. Any
 * context; the value never changes after entry.
 */
uint64_t boot_entry_tsc(void);

#endif /* KERNEL_BOOT_TSC_H */
