/* SPDX-License-Identifier: MIT */
/*
 * The kernel heap: HEAP_NCLASSES size classes served from one- or two-page
 * slabs through per-CPU caches, and large allocations (over HEAP_SMALL_MAX
 * bytes) as runs of pages. Hardened: double frees, foreign pointers and
 * corrupted metadata are reported through heap_violation(). libc's malloc
 * family wraps it; it knows nothing of mmap or of tasks.
 */
#ifndef KERNEL_HEAP_H
#define KERNEL_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

/* Small classes: 16..128 in steps of 16, then four per doubling to 2048. */
#define HEAP_NCLASSES 24
#define HEAP_SMALL_MAX 2048
/* Each CPU keeps its last frees of up to HEAP_FRONT_MAX bytes, this many
 * per class, in front of its other caches (heap.c). */
#define HEAP_FRONT_SLOTS 8
#define HEAP_FRONT_MAX 128
/* Every allocation is aligned to at least this. */
#define HEAP_MIN_ALIGN 16
/* Freed memory is filled with this byte when heap_config.poison is set. */
#define HEAP_POISON 0x6b

/*
 * What heap_violation() is told. The pointer checks run in heap_free() and
 * heap_realloc() ("free") and in heap_usable_size() ("use"): the pointer
 * is in no slab or large allocation's first page (foreign), is not where
 * an object or the allocation starts (misaligned), or names a free object.
 */
#define HEAP_VIOLATION_DOUBLE_FREE "double free"
#define HEAP_VIOLATION_FOREIGN_FREE "free of a foreign pointer"
#define HEAP_VIOLATION_MISALIGNED_FREE "free of a misaligned pointer"
#define HEAP_VIOLATION_USE_AFTER_FREE "use after free"
#define HEAP_VIOLATION_FOREIGN_USE "use of a foreign pointer"
#define HEAP_VIOLATION_MISALIGNED_USE "use of a misaligned pointer"
/*
 * A free object's link does not name a free object of its class (of its
 * slab, on a slab's list); found before the link is followed, when the
 * object is allocated or moved back to its slab.
 */
#define HEAP_VIOLATION_BAD_LINK "corrupted free-list link"
/* The side-table record of a slab or large allocation fails its check. */
#define HEAP_VIOLATION_BAD_SLAB "corrupted slab descriptor"
#define HEAP_VIOLATION_BAD_LARGE "corrupted large-allocation header"
/* With poison on: a freed object was written before its reallocation. */
#define HEAP_VIOLATION_WRITE_AFTER_FREE "write after free"

/*
 * Where the heap gets its pages. Both members are required; the heap calls
 * them with its lock held, so they must neither yield nor call the heap.
 */
struct heap_page_ops {
	/*
	 * Maps `npages` (>= 1) contiguous pages and stores their page-aligned
	 * address in *va. The contents need not be zeroed. Returns 0 or
	 * -ENOMEM.
	 */
	int (*alloc_pages)(void *ctx, size_t npages, uintptr_t *va);
	/* Returns exactly a run alloc_pages() gave: same va, same npages. */
	void (*free_pages)(void *ctx, uintptr_t va, size_t npages);
	void *ctx; /* passed back to both */
};

struct heap_config {
	const struct heap_page_ops *ops; /* copied; must not be NULL */
	/* Mangles free-list links; random per boot, never 0. */
	uint64_t key;
	/*
	 * Fill freed memory with HEAP_POISON and check it is intact when the
	 * memory is handed out again (CONFIG_DEBUG builds pass true).
	 */
	bool poison;
};

/*
 * Starts the heap with (cfg). Call once at boot, before any other heap_
 * function; until then every allocation fails. Calling it again (tests do)
 * forgets the previous heap without returning its pages. Allocates
 * nothing itself. Returns 0, or -EINVAL when cfg, cfg->ops, one of its
 * functions or cfg->key is missing.
 */
int __must_check heap_init(const struct heap_config *cfg);

/*
 * Returns at least `size` bytes aligned to HEAP_MIN_ALIGN (sizes over
 * HEAP_SMALL_MAX are page-aligned), or NULL when pages run out.
 * heap_alloc(0) returns a unique minimal allocation. The memory is not
 * zeroed. Lock-free while this CPU's cache for the class has objects.
 */
void *heap_alloc(size_t size);

/*
 * heap_alloc() that calls on_fail() (when not NULL), with interrupts as
 * the caller had them, before it returns NULL: malloc() sets errno there
 * and needs no code of its own on the common path.
 */
void *heap_alloc_or(size_t size, void (*on_fail)(void));

/*
 * Like heap_alloc() with the address a multiple of `align`, a power of two
 * (NULL otherwise). align <= HEAP_MIN_ALIGN is heap_alloc(); larger
 * alignments use a class whose size is a multiple of align, else pages
 * (any alignment, over-allocating align - PAGE_SIZE bytes above a page).
 */
void *heap_alloc_aligned(size_t align, size_t size);

/* heap_alloc(n * size) zeroed; NULL when n * size overflows. */
void *heap_calloc(size_t n, size_t size);

/*
 * Resizes the allocation at `p` to `size` bytes, keeping the first
 * min(old, size) bytes. Returns p itself when size fits and would not use
 * a smaller class (for a large allocation: size is still large and more
 * than half of its usable size), else a new allocation after freeing p.
 * heap_realloc(NULL, size) is heap_alloc(size); heap_realloc(p, 0) returns a
 * minimal allocation, like heap_alloc(0). On failure returns NULL and leaves p
 * allocated and unchanged. A bad p is reported as heap_free() would.
 */
void *heap_realloc(void *p, size_t size);

/*
 * Returns the allocation at `p` (NULL does nothing). A pointer the heap
 * does not hold, one into the middle of an object, an object that is
 * already free, and metadata found corrupted on the way are reported
 * through heap_violation(). Lock-free while this CPU's cache for the class
 * has room. The object joins the freeing CPU's cache (no cross-CPU
 * return yet).
 *
 * Limits: a large allocation is known only while it lives, so freeing it
 * twice is reported as a foreign pointer (or, once its pages belong to a
 * new large allocation, frees that one); the same holds for a small object
 * whose slab was returned to the page allocator.
 */
void heap_free(void *p);

/*
 * Returns how many bytes from `p` the caller may use (>= what it asked
 * for), or 0 for NULL. A bad p is reported through heap_violation().
 */
size_t heap_usable_size(const void *p);

struct heap_class_stats {
	size_t size; /* object size in bytes */
	uint64_t allocs; /* objects handed out, ever */
	uint64_t frees; /* objects given back, ever */
	uint64_t live; /* allocs - frees */
	uint64_t slabs; /* slabs held now */
};

struct heap_stats {
	unsigned int nclasses; /* HEAP_NCLASSES */
	struct heap_class_stats cls[HEAP_NCLASSES];
	uint64_t large_allocs;
	uint64_t large_frees;
	uint64_t large_live_pages; /* pages held by live large allocations */
	/* All pages the heap holds: slabs, large runs and its own metadata. */
	uint64_t pages_held;
};

/*
 * Fills *st with counters summed over all CPUs. Objects sitting in a CPU
 * cache count as freed, so a workload that frees all it allocated leaves
 * live == 0 in every class. Takes the heap lock; a snapshot, not atomic.
 */
void heap_get_stats(struct heap_stats *st);

/*
 * Told of a violation of the heap's contract (one of the HEAP_VIOLATION_
 * strings) at `ptr`. Provided by the kernel (kernel/mm/heap_report.c, a
 * panic) or by the tests; never returns, and the heap may be left
 * inconsistent. Called with the heap lock possibly held.
 */
void heap_violation(const char *what, const void *ptr) __noreturn;

#endif /* KERNEL_HEAP_H */
