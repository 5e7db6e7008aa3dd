/* SPDX-License-Identifier: MIT */
/*
 * The memory layer's set-up and the kernel address space: frames (pmm),
 * the page tables the kernel runs on (vm), the heap (heap). The direct map
 * is the identity: RAM, ACPI and firmware areas are mapped at their
 * physical address, read/write and never executable; the image is mapped
 * per section (text R+X, rodata R, data/bss R+W); the low 64 KiB and the
 * boot stack's guard page are never mapped.
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <stdbool.h>
#include <stddef.h>

#include <kernel/compiler.h>
#include <kernel/page.h>

struct boot_info;

/*
 * Builds the kernel page tables, switches to them, starts the frame
 * allocator over the rest of RAM and the heap. Called once by
 * kernel_main() on the boot CPU; panics when memory cannot be set up.
 */
void mm_init(const struct boot_info *bi);

/*
 * Maps device memory [pa, pa + len) uncached and non-executable at its
 * identity address (pa need not be page-aligned). Returns 0, or -EINVAL
 * (bad range), -EEXIST (part of it is mapped with other attributes) or
 * -ENOMEM. Already mapped identical pages are fine. Boot CPU, may not be
 * called from IRQ context.
 */
int __must_check mm_map_mmio(paddr_t pa, size_t len);

/* True when every byte of [va, va + len) is mapped (any permissions).
 * Any context, including the panic path; before mm_init() it answers for
 * the boot identity map. */
bool mm_is_mapped(uintptr_t va, size_t len);

#endif /* KERNEL_MM_H */
