/* SPDX-License-Identifier: MIT */
/*
 * Anonymous mappings (<kernel/mmap.h>). A vmem arena says which parts of
 * the region are taken; a sorted list of records (start, pages, a frame and
 * a prot per page) says what backs them, since PROT_NONE pages keep frames
 * that the page tables do not show. Each call takes frames, records, page
 * tables and vmem nodes first and changes nothing it cannot undo before.
 */
#include <kernel/mmap.h>

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/page.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/spinlock.h>
#include <kernel/sync.h>
#include <kernel/string.h>
#include <kernel/vm.h>
#include <kernel/vmem.h>

#define MMAP_END (MMAP_BASE + MMAP_SIZE)
#define PROT_ALL (MMAP_PROT_READ | MMAP_PROT_WRITE | MMAP_PROT_EXEC)
/* In a record being built, a page that needs a fresh frame (no old one). */
#define PG_FRESH 0x80

/*
 * The pages [mr_start, mr_start + mr_pages * PAGE_SIZE) of one mapping.
 * Both arrays live in the record's heap block, after the header; cutting
 * pages off the front moves the pointers and off the back lowers mr_pages
 * (the block keeps its size until freed).
 * Locking: [G] the mmap lock.
 */
struct mmap_rec {
	struct mmap_rec *mr_next; /* [G] next higher record, or NULL */
	uintptr_t mr_start; /* [G] page-aligned */
	size_t mr_pages; /* [G] > 0 */
	paddr_t *mr_frames; /* [G] the frame of each page */
	uint8_t *mr_prot; /* [G] MMAP_PROT_* of each; NONE: not present */
};

/* Locking: [G] the mmap lock, a sleeping mutex: zeroing a large mapping
 * takes a while, and nobody else has to spin or keep interrupts off for
 * it. mmap is called from tasks only. */
static struct mutex mmap_lock = MUTEX_INIT("mmap");
static struct {
	bool ready; /* [G] space is initialised */
	struct vmem space; /* [G] taken space is the union of the records */
	struct mmap_rec *recs; /* [G] ascending, disjoint */
} region;

typedef int (*page_fn)(struct mmap_rec *r, size_t i, void *arg);

/*
 * Unmapping or re-protecting 4 KiB pages that the records say are mapped
 * cannot fail (no split is ever needed), nor can freeing a frame they own;
 * if it does, the records lie.
 */
static void must(int rc)
{
	if (rc)
		PANIC("mmap: records out of step with page tables or frames "
		      "(%d)",
		      rc);
}

static unsigned int vm_prot_of(unsigned int prot)
{
	return VM_READ | (prot & MMAP_PROT_WRITE ? VM_WRITE : 0) |
	       (prot & MMAP_PROT_EXEC ? VM_EXEC : 0);
}

static int prot_check(unsigned int prot)
{
	if (prot & ~PROT_ALL)
		return -EINVAL;
	if ((prot & MMAP_PROT_WRITE) && (prot & MMAP_PROT_EXEC))
		return -EACCES;
	return 0;
}

static bool in_region(uintptr_t va, size_t len)
{
	return va >= MMAP_BASE && va < MMAP_END && len <= MMAP_END - va;
}

static void region_init(void)
{
	if (region.ready)
		return;
	if (vmem_init(&region.space, MMAP_BASE, MMAP_SIZE))
		PANIC("mmap: cannot set up the region");
	region.ready = true;
}

static uintptr_t rec_va(const struct mmap_rec *r, size_t i)
{
	return r->mr_start + i * PAGE_SIZE;
}

static uintptr_t rec_end(const struct mmap_rec *r)
{
	return rec_va(r, r->mr_pages);
}

/* A record with room for pages pages (at most MMAP_SIZE / PAGE_SIZE). */
static struct mmap_rec *rec_alloc(uintptr_t start, size_t pages)
{
	struct mmap_rec *r;

	r = heap_alloc(sizeof(*r) + pages * (sizeof(paddr_t) + 1));
	if (!r)
		return NULL;
	r->mr_next = NULL;
	r->mr_start = start;
	r->mr_pages = pages;
	r->mr_frames = (paddr_t *)(r + 1);
	r->mr_prot = (uint8_t *)(r->mr_frames + pages);
	return r;
}

static void rec_insert(struct mmap_rec *n)
{
	struct mmap_rec **link = &region.recs;

	while (*link && (*link)->mr_start < n->mr_start)
		link = &(*link)->mr_next;
	n->mr_next = *link;
	*link = n;
}

/*
 * Calls fn for every recorded page in [a, b), in address order, and stops
 * at its first non-zero return, which it returns. fn must not change the
 * record list.
 */
static int for_each_page(uintptr_t a, uintptr_t b, page_fn fn, void *arg)
{
	struct mmap_rec *r;
	size_t i, hi;
	int rc;

	for (r = region.recs; r && r->mr_start < b; r = r->mr_next) {
		if (rec_end(r) <= a)
			continue;
		i = a > r->mr_start ? (a - r->mr_start) / PAGE_SIZE : 0;
		hi = rec_end(r) > b ? (b - r->mr_start) / PAGE_SIZE
				    : r->mr_pages;
		for (; i < hi; i++) {
			rc = fn(r, i, arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* True when every page of [a, b) is recorded. */
static bool is_covered(uintptr_t a, uintptr_t b)
{
	const struct mmap_rec *r;

	for (r = region.recs; r && a < b; r = r->mr_next) {
		if (rec_end(r) <= a)
			continue;
		if (r->mr_start > a)
			return false;
		a = rec_end(r);
	}
	return a >= b;
}

/*
 * Dropping [a, b) from the records cuts one in two only when it reaches
 * past both ends; *out gets a record for that tail, or NULL if none is cut.
 * Returns 0 or -ENOMEM.
 */
static int spare_for(uintptr_t a, uintptr_t b, struct mmap_rec **out)
{
	struct mmap_rec *r = region.recs;

	*out = NULL;
	while (r && rec_end(r) <= a)
		r = r->mr_next;
	if (!r || r->mr_start >= a || rec_end(r) <= b)
		return 0;
	*out = rec_alloc(b, (rec_end(r) - b) / PAGE_SIZE);
	return *out ? 0 : -ENOMEM;
}

/* Drops [a, b) from the records, not its frames; spare is spare_for()'s. */
static void recs_cut(uintptr_t a, uintptr_t b, struct mmap_rec *spare)
{
	struct mmap_rec **link = &region.recs, *r;
	size_t k;

	while ((r = *link) && rec_end(r) <= a)
		link = &r->mr_next;
	if (spare) {
		k = (b - r->mr_start) / PAGE_SIZE;
		memcpy(spare->mr_frames, r->mr_frames + k,
		       spare->mr_pages * sizeof(paddr_t));
		memcpy(spare->mr_prot, r->mr_prot + k, spare->mr_pages);
		spare->mr_next = r->mr_next;
		r->mr_next = spare;
		r->mr_pages = (a - r->mr_start) / PAGE_SIZE;
		return;
	}
	if (r && r->mr_start < a) {
		r->mr_pages = (a - r->mr_start) / PAGE_SIZE;
		link = &r->mr_next;
	}
	while ((r = *link) && rec_end(r) <= b) {
		*link = r->mr_next;
		heap_free(r);
	}
	if (r && r->mr_start < b) {
		k = (b - r->mr_start) / PAGE_SIZE;
		r->mr_frames += k;
		r->mr_prot += k;
		r->mr_pages -= k;
		r->mr_start = b;
	}
}

/* --- Building a mapping --------------------------------------------- */

/*
 * While a new record n is built, n->mr_prot[i] says what page i has now:
 * PG_FRESH (nothing: it gets a new frame) or the prot of the old mapping
 * whose frame it takes over (a MAP_FIXED replacement reuses frames).
 */
static bool pg_hidden(uint8_t state)
{
	return state == PG_FRESH || state == MMAP_PROT_NONE;
}

static int adopt_old(struct mmap_rec *r, size_t i, void *arg)
{
	struct mmap_rec *n = arg;
	size_t j = (rec_va(r, i) - n->mr_start) / PAGE_SIZE;

	n->mr_frames[j] = r->mr_frames[i];
	n->mr_prot[j] = r->mr_prot[i];
	return 0;
}

static void free_fresh(struct mmap_rec *n, size_t upto)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (n->mr_prot[i] == PG_FRESH)
			must(pmm_free_page(n->mr_frames[i]));
}

/* Gives each PG_FRESH page a zeroed frame (reached through the direct
 * map); on failure gives back those it took. */
static int fill_fresh(struct mmap_rec *n)
{
	size_t i;
	int rc;

	for (i = 0; i < n->mr_pages; i++) {
		if (n->mr_prot[i] != PG_FRESH)
			continue;
		rc = pmm_alloc_page(&n->mr_frames[i]);
		if (rc) {
			free_fresh(n, i);
			return rc;
		}
		memset((void *)(uintptr_t)n->mr_frames[i], 0, PAGE_SIZE);
	}
	return 0;
}

/* Unmaps the pages of n below upto that show_new() mapped. */
static void hide_new(struct mmap_rec *n, size_t upto)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (pg_hidden(n->mr_prot[i]))
			must(mm_unmap_pages(rec_va(n, i), PAGE_SIZE));
}

/* Maps, with prot, every page of n that is not present yet. */
static int show_new(struct mmap_rec *n, unsigned int prot)
{
	size_t i;
	int rc;

	if (prot == MMAP_PROT_NONE)
		return 0;
	for (i = 0; i < n->mr_pages; i++) {
		if (!pg_hidden(n->mr_prot[i]))
			continue;
		rc = mm_map_pages(rec_va(n, i), n->mr_frames[i], PAGE_SIZE,
				  vm_prot_of(prot));
		if (rc) {
			hide_new(n, i);
			return rc;
		}
	}
	return 0;
}

/* Cannot fail: re-protects or unmaps the pages that were present, zeroes
 * the frames taken over, and puts n in place of what it replaces. */
static void commit_new(struct mmap_rec *n, unsigned int prot,
		       struct mmap_rec *spare)
{
	size_t i;

	for (i = 0; i < n->mr_pages; i++) {
		uint8_t old = n->mr_prot[i];
		uintptr_t va = rec_va(n, i);

		if (old != PG_FRESH && old != MMAP_PROT_NONE) {
			if (prot != MMAP_PROT_NONE)
				must(mm_protect_pages(va, PAGE_SIZE,
						      vm_prot_of(prot)));
			else
				must(mm_unmap_pages(va, PAGE_SIZE));
		}
		if (old != PG_FRESH)
			memset((void *)(uintptr_t)n->mr_frames[i], 0,
			       PAGE_SIZE);
		n->mr_prot[i] = (uint8_t)prot;
	}
	recs_cut(n->mr_start, rec_end(n), spare);
	rec_insert(n);
}

/* Maps pages pages at va with prot over whatever is there. */
static int map_at(uintptr_t va, size_t pages, unsigned int prot)
{
	uintptr_t end = va + pages * PAGE_SIZE;
	struct mmap_rec *n, *spare;
	int rc;

	n = rec_alloc(va, pages);
	if (!n)
		return -ENOMEM;
	memset(n->mr_prot, PG_FRESH, pages);
	(void)for_each_page(va, end, adopt_old, n);
	rc = fill_fresh(n);
	if (rc)
		goto err_free_rec;
	rc = spare_for(va, end, &spare);
	if (rc)
		goto err_free_frames;
	rc = show_new(n, prot);
	if (rc)
		goto err_free_spare;
	rc = vmem_claim(&region.space, va, end - va);
	if (rc)
		goto err_hide;
	commit_new(n, prot, spare);
	return 0;

err_hide:
	hide_new(n, prot == MMAP_PROT_NONE ? 0 : pages);
err_free_spare:
	heap_free(spare);
err_free_frames:
	free_fresh(n, pages);
err_free_rec:
	heap_free(n);
	return rc;
}

/* The hint (rounded up) when its whole range is free, else first fit. */
static int pick_va(uintptr_t hint, size_t len, uintptr_t *va)
{
	uintptr_t h = PAGE_ALIGN_UP(hint);

	if (in_region(hint, 1) && vmem_is_free(&region.space, h, len)) {
		*va = h;
		return 0;
	}
	return vmem_find(&region.space, len, va);
}

static int anon_locked(uintptr_t hint, size_t len, unsigned int prot,
		       bool fixed, uintptr_t *out)
{
	uintptr_t va = hint;
	int rc;

	if (!out || len == 0)
		return -EINVAL;
	rc = prot_check(prot);
	if (rc)
		return rc;
	if (fixed && (hint & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (len > MMAP_SIZE)
		return -ENOMEM;
	len = PAGE_ALIGN_UP(len);
	if (fixed && !in_region(hint, len))
		return -EINVAL;
	region_init();
	if (!fixed) {
		rc = pick_va(hint, len, &va);
		if (rc)
			return rc;
	}
	rc = map_at(va, len / PAGE_SIZE, prot);
	if (rc)
		return rc;
	*out = va;
	return 0;
}

/* --- Unmapping and re-protecting ------------------------------------- */

static int free_frame(struct mmap_rec *r, size_t i, void *arg)
{
	(void)arg;
	must(pmm_free_page(r->mr_frames[i]));
	return 0;
}

static int unmap_locked(uintptr_t va, size_t len)
{
	struct mmap_rec *spare;
	int rc;

	if (len == 0 || (va & (PAGE_SIZE - 1)) || len > MMAP_SIZE)
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	if (!in_region(va, len))
		return -EINVAL;
	if (!region.ready)
		return 0;
	rc = spare_for(va, va + len, &spare);
	if (rc)
		return rc;
	rc = vmem_clear(&region.space, va, len);
	if (rc) {
		heap_free(spare);
		return rc;
	}
	/* Unmap (and flush) before the frames can be handed out again. */
	must(mm_unmap_pages(va, len));
	(void)for_each_page(va, va + len, free_frame, NULL);
	recs_cut(va, va + len, spare);
	return 0;
}

struct show_arg {
	unsigned int vm_prot;
	uintptr_t stop; /* where mapping failed */
};

/* Maps a page that PROT_NONE had hidden. */
static int show_hidden(struct mmap_rec *r, size_t i, void *arg)
{
	struct show_arg *sa = arg;
	int rc;

	if (r->mr_prot[i] != MMAP_PROT_NONE)
		return 0;
	rc = mm_map_pages(rec_va(r, i), r->mr_frames[i], PAGE_SIZE,
			  sa->vm_prot);
	if (rc)
		sa->stop = rec_va(r, i);
	return rc;
}

/* Undoes show_hidden(): the records still say PROT_NONE. */
static int hide_again(struct mmap_rec *r, size_t i, void *arg)
{
	(void)arg;
	if (r->mr_prot[i] == MMAP_PROT_NONE)
		must(mm_unmap_pages(rec_va(r, i), PAGE_SIZE));
	return 0;
}

/* Cannot fail: pages that were present get the new prot or go. */
static int set_prot(struct mmap_rec *r, size_t i, void *arg)
{
	unsigned int prot = *(const unsigned int *)arg, old = r->mr_prot[i];
	uintptr_t va = rec_va(r, i);

	if (old != MMAP_PROT_NONE && prot == MMAP_PROT_NONE)
		must(mm_unmap_pages(va, PAGE_SIZE));
	else if (old != MMAP_PROT_NONE && old != prot)
		must(mm_protect_pages(va, PAGE_SIZE, vm_prot_of(prot)));
	r->mr_prot[i] = (uint8_t)prot;
	return 0;
}

static int protect_locked(uintptr_t va, size_t len, unsigned int prot)
{
	struct show_arg sa = { .vm_prot = vm_prot_of(prot) };
	int rc;

	if (va & (PAGE_SIZE - 1))
		return -EINVAL;
	rc = prot_check(prot);
	if (rc || len == 0)
		return rc;
	if (len > MMAP_SIZE)
		return -ENOMEM;
	len = PAGE_ALIGN_UP(len);
	if (!region.ready || !in_region(va, len) || !is_covered(va, va + len))
		return -ENOMEM;
	if (prot != MMAP_PROT_NONE) {
		rc = for_each_page(va, va + len, show_hidden, &sa);
		if (rc) {
			(void)for_each_page(va, sa.stop, hide_again, NULL);
			return rc;
		}
	}
	(void)for_each_page(va, va + len, set_prot, &prot);
	return 0;
}

int mmap_anon(uintptr_t hint, size_t len, unsigned int prot, bool fixed,
	      uintptr_t *out)
{
	int rc;

	mutex_lock(&mmap_lock);
	rc = anon_locked(hint, len, prot, fixed, out);
	mutex_unlock(&mmap_lock);
	return rc;
}

int mmap_unmap(uintptr_t va, size_t len)
{
	int rc;

	mutex_lock(&mmap_lock);
	rc = unmap_locked(va, len);
	mutex_unlock(&mmap_lock);
	return rc;
}

int mmap_protect(uintptr_t va, size_t len, unsigned int prot)
{
	int rc;

	mutex_lock(&mmap_lock);
	rc = protect_locked(va, len, prot);
	mutex_unlock(&mmap_lock);
	return rc;
}
