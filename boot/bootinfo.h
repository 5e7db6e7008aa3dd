/* SPDX-License-Identifier: MIT */
/*
 * Private to boot/: turning each loader's hand-off structure into the one
 * struct boot_info. The parsers only read memory; `base` is added to every
 * physical address they follow, so host tests can hand them a buffer
 * (base = buffer address) while the image passes 0 (identity map).
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <stdint.h>

#include <boot/boot_info.h>

/* boot/ sees no kernel header; this equals EINVAL in <kernel/errno.h>. */
#define BOOT_EINVAL 22

/*
 * Each parser fills `bi` from the loader's structure at physical address
 * `info`. They return 0, or a negative errno value with a reason in
 * bi->error (-BOOT_EINVAL: the structure is malformed or has no memory map).
 * bi must be zeroed by the caller; version and loader are set here.
 */
int bootinfo_from_mb1(struct boot_info *bi, uintptr_t base, uint32_t info);
int bootinfo_from_mb2(struct boot_info *bi, uintptr_t base, uint32_t info);
int bootinfo_from_pvh(struct boot_info *bi, uintptr_t base, uint32_t info);

/*
 * Adds one loader memory range (unsorted, possibly overlapping) to bi.
 * Unknown types become BOOT_MEM_RESERVED; zero-length ranges are ignored.
 */
void bootinfo_mmap_add(struct boot_info *bi, uint64_t base, uint64_t length,
		       uint32_t type);

/*
 * Sorts bi->mmap, resolves overlaps (the more restrictive type wins) and
 * merges touching ranges of one type. Called by each parser at the end.
 */
void bootinfo_mmap_normalise(struct boot_info *bi);

/*
 * Scans for an ACPI RSDP signature with a valid checksum in the first KiB
 * of the EBDA (segment `ebda_segment`, 0 to skip) and in 0xE0000-0xFFFFF,
 * reading through `base`. Returns the physical address or 0.
 */
uint64_t bootinfo_find_rsdp(uintptr_t base, uint32_t ebda_segment);

#endif /* BOOT_BOOTINFO_H */
