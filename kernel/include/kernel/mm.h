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

/*
 * The kernel space with 4 KiB pages only, for regions the kernel manages
 * page by page (mmap). The caller owns [va, va + len): these never check
 * that it lies outside the direct map or the image. Because nothing larger
 * than 4 KiB is ever mapped there, unmapping or re-protecting a range that
 * only mm_map_pages() mapped needs no split and cannot fail.
 * Context: they take the vm lock; any CPU; they never yield; mm_unmap_pages()
 * and mm_protect_pages() flush the TLB.
 */

/*
 * Maps [va, va + len) to the frames [pa, pa + len) with vm_prot (VM_*
 * bits of <kernel/vm.h>; VM_WRITE with VM_EXEC is refused).
 *   va, pa, len: page-aligned, len > 0, [va, va + len) canonical.
 * Returns 0; -EINVAL for bad arguments; -EEXIST if a page of the range is
 * mapped already; -ENOMEM if a page table could not be allocated. On error
 * nothing changed.
 */
int __must_check mm_map_pages(uintptr_t va, paddr_t pa, size_t len,
			      unsigned int vm_prot);

/*
 * Unmaps whatever is mapped in [va, va + len) (holes are fine) and frees
 * the page tables left empty, not the frames.
 * Returns 0; -EINVAL for bad arguments; -ENOMEM only if the range cuts a
 * large page (never in a range only mm_map_pages() mapped), with nothing
 * changed.
 */
int mm_unmap_pages(uintptr_t va, size_t len);

/*
 * Gives every page of [va, va + len) the protection vm_prot.
 * Returns 0; -EINVAL for bad arguments or vm_prot; -ENOENT if a page is
 * unmapped; -ENOMEM only as mm_unmap_pages(). On error nothing changed.
 */
int __must_check mm_protect_pages(uintptr_t va, size_t len,
				  unsigned int vm_prot);

/*
 * Looks up the page holding va (any byte address): the physical address
 * of va itself in *pa and the page's VM_* bits (VM_READ included) in
 * *vm_prot; either may be NULL, neither is written on error.
 * Returns 0; -EINVAL if va is not canonical; -ENOENT if it is unmapped.
 */
int mm_query(uintptr_t va, paddr_t *pa, unsigned int *vm_prot);

#endif /* KERNEL_MM_H */
