/* SPDX-License-Identifier: MIT */
/*
 * A virtual-address range allocator: hands out and takes back page-aligned
 * ranges of one arena [base, end), first fit. It only does the bookkeeping
 * (taken extents in a sorted list of heap nodes); it never touches page
 * tables or frames, holds no lock and no global, so host tests run it.
 */
#ifndef KERNEL_VMEM_H
#define KERNEL_VMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

struct vmem_extent;

/*
 * One arena. Callers embed it and touch none of its fields.
 * Locking: [O] not thread-safe: the owner serialises every vmem_ call on
 * one arena.
 */
struct vmem {
	uintptr_t vr_base; /* [O] first address of the arena */
	uintptr_t vr_end; /* [O] one past its last byte */
	/* [O] taken extents, ascending, disjoint and never adjacent */
	struct vmem_extent *vr_taken;
};

/*
 * Starts an arena over [base, base + len) with everything free. Allocates
 * nothing. An arena that held extents must be vmem_destroy()ed first.
 *   vm: the arena to fill; untouched on error.
 *   base, len: page-aligned, len > 0, base + len <= UINTPTR_MAX.
 * Returns 0, or -EINVAL for a NULL vm or a bad range.
 */
int __must_check vmem_init(struct vmem *vm, uintptr_t base, size_t len);

/*
 * Frees every node, leaving the arena all free. Safe on an arena that
 * vmem_init() filled and on one already destroyed.
 */
void vmem_destroy(struct vmem *vm);

/*
 * Below, a range (va, len) is valid when va and len are page-aligned,
 * len > 0 and [va, va + len) lies inside the arena; -EINVAL otherwise.
 * Every function that changes the arena needs at most one new node, from
 * heap_alloc(); when that fails it returns -ENOMEM with nothing changed.
 * None of them yields unless heap_alloc() does.
 */

/*
 * Takes the lowest free range of len bytes (first fit) and stores its
 * address in *out (untouched on error).
 * Returns 0; -EINVAL if len is 0 or not page-aligned or out is NULL;
 * -ENOMEM if no free range is large enough or a node could not be had.
 */
int __must_check vmem_alloc(struct vmem *vm, size_t len, uintptr_t *out);

/*
 * What vmem_alloc() would return, without taking it: the lowest free
 * range of len bytes, in *out. Changes nothing and allocates nothing.
 * Returns 0; -EINVAL as vmem_alloc(); -ENOMEM if no free range is large
 * enough.
 */
int __must_check vmem_find(const struct vmem *vm, size_t len, uintptr_t *out);

/* True when (va, len) is a valid range and no page of it is taken. */
bool vmem_is_free(const struct vmem *vm, uintptr_t va, size_t len);

/*
 * Takes exactly [va, va + len).
 * Returns 0; -EINVAL for an invalid range; -EEXIST if any page of it is
 * taken already; -ENOMEM if a node could not be had.
 */
int __must_check vmem_reserve(struct vmem *vm, uintptr_t va, size_t len);

/*
 * Gives back [va, va + len), any part of taken space (it need not match
 * an earlier vmem_alloc or vmem_reserve: a piece in the middle of a taken
 * extent splits it, which needs a node).
 * Returns 0; -EINVAL for an invalid range or if any page of it is free;
 * -ENOMEM if a node could not be had.
 */
int __must_check vmem_release(struct vmem *vm, uintptr_t va, size_t len);

/*
 * Takes [va, va + len) whether or not parts of it are taken already (what
 * a fixed mapping that replaces others needs). A node is needed only when
 * the range touches no taken extent.
 * Returns 0; -EINVAL for an invalid range; -ENOMEM if a node could not be
 * had.
 */
int __must_check vmem_claim(struct vmem *vm, uintptr_t va, size_t len);

/*
 * Gives back whatever is taken in [va, va + len); free parts are fine (an
 * unmap over holes). A node is needed only when one taken extent reaches
 * past both ends of the range.
 * Returns 0; -EINVAL for an invalid range; -ENOMEM if a node could not be
 * had.
 */
int __must_check vmem_clear(struct vmem *vm, uintptr_t va, size_t len);

#endif /* KERNEL_VMEM_H */
