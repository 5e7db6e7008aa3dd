/* SPDX-License-Identifier: MIT */
/*
 * Page-table builder for x86-64 4-level paging (Intel SDM vol. 3A §4.5):
 * maps, unmaps and re-protects ranges with 4 KiB, 2 MiB and 1 GiB pages,
 * splitting large pages as needed. It holds no inline asm and never loads
 * CR3: table memory, TLB flushes and CR3 belong to the caller (struct
 * vm_ops), so host tests run it over malloc'd memory. No LA57, no PAT.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/page.h>

/* Protection bits (prot arguments and results). */
#define VM_READ 0x1 /* always implied for a present mapping */
#define VM_WRITE 0x2
#define VM_EXEC 0x4 /* without it the entry has NX set */
#define VM_UNCACHED 0x8 /* PCD|PWT: strong uncacheable, for MMIO */
#define VM_GLOBAL 0x10 /* G: survives CR3 loads (needs CR4.PGE) */
#define VM_PROT_MASK 0x1f

/*
 * Where the builder gets table memory and how it flushes the TLB. One
 * instance is shared by every space that uses it and must outlive them.
 */
struct vm_ops {
	/*
	 * Required. Allocates one 4 KiB-aligned page below 2^52 for a page
	 * table and stores its physical address in *out. Contents may be
	 * anything: vm zeroes every table before linking it. Returns 0 or
	 * -ENOMEM. May be called several times by one vm_ call, always
	 * before that call changes anything.
	 */
	int (*alloc_table)(void *ctx, paddr_t *out);
	/* Required. Gives back a page from alloc_table. */
	void (*free_table)(void *ctx, paddr_t pa);
	/*
	 * Required. Invalidates the TLB for [va, va + len) on every CPU that
	 * may use the space, and the paging-structure caches (INVLPG and a
	 * CR3 load both do), before returning. Called once per changing
	 * vm_unmap()/vm_protect(), after the entries changed and before any
	 * table they freed is passed to free_table. len is a multiple of
	 * 4 KiB and may be up to the whole range; va + len may wrap to 0.
	 */
	void (*flush)(void *ctx, uintptr_t va, size_t len);
	void *ctx; /* passed to the three callbacks */
	uintptr_t virt_offset; /* pointer to table = its physical + this */
};

/*
 * One address space. Callers embed it and may read vs_root (the value
 * for CR3) after vm_space_init(); they never write either field.
 * Locking: [O] not thread-safe, callers serialise every vm_ call on one
 * space (the hardware may read the tables concurrently; vm orders its
 * stores so that it always sees a consistent tree).
 */
struct vm_space {
	paddr_t vs_root; /* [O] physical address of the PML4 */
	const struct vm_ops *vs_ops; /* [O] */
};

/*
 * Visitor for vm_walk(): one leaf mapping of size bytes, va -> pa, with
 * prot (VM_READ always set). Returns 0 to go on, anything else to stop.
 */
typedef int (*vm_walk_fn)(void *arg, uintptr_t va, paddr_t pa, size_t size,
			  unsigned int prot);

/*
 * Creates an empty space: allocates and zeroes its PML4.
 *   s: the space to fill; untouched on error.
 *   ops: callbacks and table memory, kept by pointer.
 * Returns 0; -EINVAL if ops or a required callback is NULL; -ENOMEM if
 * alloc_table failed; -EIO if it returned a misaligned address or one at
 * or above 2^52 (that page is not freed: it is not a valid page).
 * Context: may sleep only if alloc_table does.
 */
int __must_check vm_space_init(struct vm_space *s, const struct vm_ops *ops);

/*
 * Maps [va, va + len) to [pa, pa + len). Each page is the largest of
 * 1 GiB, 2 MiB and 4 KiB that is no larger than max_page and than what is
 * left of the range, and to which both va and pa are aligned.
 * Entries get A and D preset (so the CPU never writes leaves), NX unless
 * VM_EXEC, RW if VM_WRITE, PCD|PWT if VM_UNCACHED, G if VM_GLOBAL; never
 * US. Intermediate entries are P|RW: permissions live in the leaves.
 *   s: an initialised space.
 *   va, pa, len: 4 KiB-aligned, len > 0; [va, va + len) canonical
 *     (48-bit) and within one half; pa + len <= 2^52.
 *   prot: VM_* bits. W^X is policy: VM_WRITE with VM_EXEC is refused.
 *   max_page: PAGE_SIZE, PAGE_SIZE_2M or PAGE_SIZE_1G.
 * Needed tables are counted and all allocated before any entry changes,
 * so every failure leaves the space exactly as it was. No flush is
 * needed or done: only non-present entries change (SDM vol. 3A
 * §4.10.2: not-present entries are never cached).
 * Returns 0; -EINVAL for bad arguments as above; -EEXIST if any page in
 * the range is already mapped; -ENOMEM if a table allocation failed;
 * -EIO if alloc_table returned an invalid address (see vm_space_init).
 * Context: caller serialises calls on s; may sleep only if alloc_table
 * does.
 */
int __must_check vm_map(struct vm_space *s, uintptr_t va, paddr_t pa,
			size_t len, unsigned int prot, size_t max_page);

/*
 * Unmaps whatever is mapped in [va, va + len); holes are fine. A large
 * page only partly inside the range is first split (its other part keeps
 * its translation and prot, in smaller pages). Tables left empty are
 * freed, after the flush; the root is kept. Mapped frames are not freed.
 * If anything was unmapped, calls flush once with [va, va + len) widened
 * to the bounds of any large page that was split.
 *   va, len: as for vm_map().
 * Returns 0 (also when nothing was mapped); -EINVAL for bad arguments;
 * -ENOMEM or -EIO if a table needed for a split could not be had, with
 * the space unchanged (splits are allocated before anything changes).
 * Context: as vm_map(); also runs flush.
 */
int __must_check vm_unmap(struct vm_space *s, uintptr_t va, size_t len);

/*
 * Replaces the protection of every page in [va, va + len) with prot (the
 * whole of it: VM_UNCACHED and VM_GLOBAL too), splitting large pages
 * only partly inside the range as vm_unmap() does. Then calls flush once,
 * as vm_unmap() does.
 *   va, len: as for vm_map(); prot: as for vm_map().
 * Returns 0; -EINVAL for bad arguments or prot; -ENOENT if any page in
 * the range is unmapped; -ENOMEM or -EIO as vm_unmap(). On error nothing
 * changed.
 * Context: as vm_unmap().
 */
int __must_check vm_protect(struct vm_space *s, uintptr_t va, size_t len,
			    unsigned int prot);

/*
 * Looks up the mapping of va (any byte address).
 *   pa: receives the physical address of va itself (page base plus
 *     offset); prot: its VM_* bits, VM_READ included; page_size: the size
 *     of the page that maps it. Each may be NULL; none is written on error.
 * Returns 0; -EINVAL if va is not canonical; -ENOENT if it is unmapped.
 * Context: caller serialises it against changes to s; never sleeps.
 */
int vm_query(const struct vm_space *s, uintptr_t va, paddr_t *pa,
	     unsigned int *prot, size_t *page_size);

/*
 * Calls fn for every leaf mapping in increasing address order (high-half
 * addresses sign-extended, so after the low half), one call per page,
 * whatever its size. Stops at the first non-zero return of fn.
 *   fn, arg: the visitor and its argument; fn must not change s.
 * Returns 0 after visiting everything, or fn's non-zero value.
 * Context: as vm_query(); sleeps only if fn does.
 */
int vm_walk(const struct vm_space *s, vm_walk_fn fn, void *arg);

/*
 * The W^X audit: looks for a leaf that is both writable and executable,
 * reading each entry once (a large page costs what a small one does).
 *   leaves: receives the number of leaves visited (all of them, on 0).
 *   bad_va: on -EEXIST, receives the first address of the first such
 *     leaf in vm_walk() order; untouched otherwise.
 * Returns 0 if there is none, -EEXIST if there is one.
 * Context: as vm_query().
 */
int vm_audit_wx(const struct vm_space *s, size_t *leaves, uintptr_t *bad_va);

/*
 * Frees every table of s, the PML4 included, through free_table; not the
 * mapped frames. No flush: s must not be loaded on any CPU. Afterwards s
 * may only be passed to vm_space_init().
 * Context: may sleep only if free_table does.
 */
void vm_space_destroy(struct vm_space *s);

#endif /* KERNEL_VM_H */
