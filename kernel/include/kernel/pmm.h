/* SPDX-License-Identifier: MIT */
/*
 * Physical frame allocator: a binary buddy allocator over 4 KiB frames,
 * orders 0..PMM_MAX_ORDER (4 KiB to 1 GiB), with a small per-CPU cache in
 * front of order 0. It hands out physical addresses only; mapping them is
 * the caller's business (the kernel's direct map is the identity).
 */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/page.h>

/* Largest block order: 2^18 frames of 4 KiB = 1 GiB. */
#define PMM_MAX_ORDER 18
/* Pages each CPU's order-0 cache holds at most; it refills/spills half. */
#define PMM_CACHE_PAGES 16
/* Memory below this is never handed out, whatever the memory map says. */
#define PMM_LOW_RESERVED_BYTES 0x10000ul

/* A physical address range [base, end); empty when end <= base. */
struct pmm_range {
	paddr_t base;
	paddr_t end;
};

/*
 * A snapshot filled by pmm_get_stats(). Counts are in 4 KiB pages unless
 * the name says blocks. Invariants: total_pages = free_pages + used_pages
 * and free_pages = sum over k of (free_by_order[k] << k).
 */
struct pmm_stats {
	uint64_t total_pages; /* usable frames, minus reserved, incl. meta */
	uint64_t free_pages; /* in the buddy lists or a per-CPU cache */
	uint64_t used_pages; /* allocated, metadata or lost to corruption */
	unsigned int largest_free_order; /* 0 also when free_pages is 0 */
	/* Free blocks of each order; cached pages count as order-0 blocks. */
	uint64_t free_by_order[PMM_MAX_ORDER + 1];
	uint64_t cached_pages; /* part of free_pages, held by CPU caches */
	uint64_t meta_pages; /* part of used_pages: the frame state array */
	uint64_t corrupt_lists; /* free lists dropped after a bad link */
	uint64_t lost_pages; /* part of used_pages: free blocks dropped */
};

/*
 * Builds the allocator from the boot memory map. Called once at boot,
 * before any other pmm_ call, on the boot CPU with nothing else running;
 * calling it again discards all previous state (host tests do).
 *
 * usable, n_usable: RAM ranges, in any order, possibly overlapping each
 *   other and the reserved ranges, not necessarily page-aligned (they are
 *   rounded inwards). Everything below PMM_LOW_RESERVED_BYTES is ignored.
 * reserved, n_reserved: ranges never to hand out (image, boot modules,
 *   ACPI tables, trampoline page...), rounded outwards. reserved may be
 *   NULL when n_reserved is 0. Neither array is kept after the call.
 * virt_offset: added to a physical address to get a pointer the allocator
 *   may write through (0 for the kernel's identity direct map).
 *
 * The frame state array (1 byte per frame from the lowest to the highest
 * usable frame) is carved from usable memory and counts as used. Runs in
 * time linear in that span.
 *
 * Returns 0; -EINVAL if usable is NULL, or reserved is NULL with
 * n_reserved > 0; -ENOMEM if no usable frame is left or the state array
 * fits nowhere. On error the allocator is left empty (every alloc fails).
 */
int __must_check pmm_init(const struct pmm_range *usable, size_t n_usable,
			  const struct pmm_range *reserved, size_t n_reserved,
			  uintptr_t virt_offset);

/*
 * Allocates 2^order contiguous frames aligned to their size, contents
 * undefined, and stores the physical address of the first in *out.
 * A free list found corrupt on the way (a link that does not name a free
 * block of that order) is dropped, with its blocks, and counted in
 * pmm_stats.corrupt_lists; the search then goes on with the next order.
 *
 * Before failing it returns the calling CPU's cached frames to the buddy
 * lists, where they may merge, and tries again.
 *
 * Returns 0; -EINVAL if order > PMM_MAX_ORDER or out is NULL; -ENOMEM if
 * no block of that order or larger is free (*out untouched on error).
 * Context: any task context; takes the pmm lock (none yet, see #4).
 */
int __must_check pmm_alloc(unsigned int order, paddr_t *out);

/*
 * Returns the block at pa, obtained from pmm_alloc(order) (or, for order
 * 0, pmm_alloc_page()), to the buddy lists, merging it with free buddies.
 *
 * Returns 0; -EINVAL, with no state changed, if pa is not the head of an
 * allocated block of exactly this order: never handed out, misaligned,
 * wrong order, already free (double free) or order > PMM_MAX_ORDER.
 * Context: any task context; takes the pmm lock (none yet, see #4).
 */
int pmm_free(paddr_t pa, unsigned int order);

/*
 * Allocates one frame through the calling CPU's cache, refilling it with
 * PMM_CACHE_PAGES / 2 frames from the buddy lists when it is empty.
 *
 * Returns 0 and the frame's physical address in *out; -EINVAL if out is
 * NULL; -ENOMEM if no frame is free. Context: as pmm_alloc().
 */
int __must_check pmm_alloc_page(paddr_t *out);

/*
 * Allocates n contiguous frames, each as if by pmm_alloc_page(): each is
 * given back on its own with pmm_free_page(). They come from the buddy
 * lists (the smallest block that holds n, its tail freed again), never
 * from the per-CPU caches, so this fails on fragmented memory where n
 * single frames would not: callers fall back to those.
 *
 * Returns 0 and the first frame's physical address in *out; -EINVAL if
 * out is NULL, n is 0 or n > 2^PMM_MAX_ORDER; -ENOMEM if no free block
 * is large enough. Context: as pmm_alloc().
 */
int __must_check pmm_alloc_pages(size_t n, paddr_t *out);

/*
 * Returns one frame from pmm_alloc_page() or pmm_alloc(0) to the calling
 * CPU's cache, spilling PMM_CACHE_PAGES / 2 frames to the buddy lists
 * when it is full.
 *
 * Returns 0; -EINVAL, with no state changed, in the cases of pmm_free().
 * Context: as pmm_free().
 */
int pmm_free_page(paddr_t pa);

/*
 * Fills *st with a consistent snapshot of the counters (see struct
 * pmm_stats). Context: any task context; takes the pmm lock.
 */
void pmm_get_stats(struct pmm_stats *st);

#endif /* KERNEL_PMM_H */
