/* SPDX-License-Identifier: MIT */
/*
 * Binary buddy allocator over 4 KiB frames (Knuth, TAOCP vol. 1, 2.5).
 * One state byte per frame says whether it heads a free, allocated or
 * cached block, and of which order; the free lists are doubly linked,
 * and every link is checked against the state bytes before it is
 * followed. Blocks under 2 MiB hold their own links; larger ones keep
 * theirs in a side table next to the state bytes (one slot per 2 MiB),
 * so that setting up the allocator writes into no free block: under a
 * hypervisor that backs guest RAM with 2 MiB host pages, each first
 * write into one makes the host clear all of it (~0.2 ms each under
 * QEMU), and a fresh boot would otherwise touch one per large block.
 */
#include <kernel/pmm.h>

#include <stdbool.h>

#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define PMM_ORDERS (PMM_MAX_ORDER + 1)
/*
 * Ends a free list. Frame 0 lies below PMM_LOW_RESERVED_BYTES, so it is
 * never a block, and a zeroed struct pmm is a valid empty allocator.
 */
#define PMM_NIL 0ull
#define PMM_LOW_PFNS (PMM_LOW_RESERVED_BYTES >> PAGE_SHIFT)
#define PMM_NR_CPUS CONFIG_MAX_CPUS

BUILD_ASSERT(PMM_LOW_PFNS >= 1);
BUILD_ASSERT(PMM_MAX_ORDER < 32);
BUILD_ASSERT(PMM_CACHE_PAGES >= 2 && PMM_CACHE_PAGES % 2 == 0);

/*
 * A frame's state byte: kind in bits 7..5, block order in bits 4..0.
 * Only the first frame of a block (its head) has a kind other than NONE.
 */
enum pmm_kind {
	PMM_K_NONE = 0, /* block tail, reserved, metadata or hole */
	PMM_K_FREE = 2, /* head of a block on free list [order] */
	PMM_K_ALLOC = 3, /* head of an allocated block */
	PMM_K_CACHED = 4, /* order-0 frame in a per-CPU cache */
	PMM_K_LOST = 5, /* head of a free block dropped with a corrupt list */
};

#define PMM_ST(kind, order) ((uint8_t)((kind) << 5 | (order)))

/*
 * Free-list links: in the first 16 bytes of a free block under
 * PMM_SIDE_ORDER, in the side table for larger ones. A block of order
 * PMM_SIDE_ORDER or more is aligned to 2^PMM_SIDE_ORDER frames, so each
 * such stretch heads at most one of them: one slot each.
 */
#define PMM_SIDE_ORDER 9

struct pmm_link {
	uint64_t pl_next; /* frame number of the next free block, or PMM_NIL */
	uint64_t pl_prev; /* frame number of the previous one, or PMM_NIL */
};

/*
 * Locking: [I] immutable after pmm_init  [G] pmm lock  [c] owning CPU
 * only, with interrupts off (irq_push_off)
 */
struct pmm {
	uintptr_t p_virt_offset; /* [I] physical + this = writable pointer */
	uint64_t p_lo_pfn; /* [I] first frame p_state describes */
	uint64_t p_hi_pfn; /* [I] frame after the last one */
	uint64_t p_total_pages; /* [I] */
	uint64_t p_meta_pages; /* [I] */
	/*
	 * [G] one byte per frame of [lo, hi). The cache layer also flips
	 * ALLOC(0) <-> CACHED outside the lock, with a byte cmpxchg for
	 * frees (two CPUs freeing one frame cannot both win).
	 */
	uint8_t *p_state;
	/* [G] links of free blocks of order >= PMM_SIDE_ORDER, slot
	 * (pfn >> PMM_SIDE_ORDER) - (p_lo_pfn >> PMM_SIDE_ORDER); read only
	 * for blocks whose state says free head of such an order. */
	struct pmm_link *p_side;
	uint64_t p_head[PMM_ORDERS]; /* [G] first free block, or PMM_NIL */
	uint64_t p_count[PMM_ORDERS]; /* [G] blocks on each list */
	uint64_t p_corrupt_lists; /* [G] */
	uint64_t p_lost_pages; /* [G] */
};

/* A CPU's stack of free order-0 frames, each in state CACHED. */
struct pmm_cache {
	uint64_t pc_pfn[PMM_CACHE_PAGES]; /* [c] */
	unsigned int pc_count; /* [c]; pmm_get_stats reads it racily */
};

/* The boot memory map as pmm_init received it. */
struct pmm_map {
	const struct pmm_range *pm_usable;
	size_t pm_n_usable;
	const struct pmm_range *pm_reserved;
	size_t pm_n_reserved;
};

static struct pmm pmm;
static struct pmm_cache pmm_caches[PMM_NR_CPUS];
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");

/* The calling CPU's index into pmm_caches (interrupts off). */
static unsigned int pmm_cpu_id(void)
{
	return cpu_id();
}

static bool pmm_pfn_managed(uint64_t pfn)
{
	return pfn >= pmm.p_lo_pfn && pfn < pmm.p_hi_pfn;
}

static uint8_t *pmm_st(uint64_t pfn)
{
	return &pmm.p_state[pfn - pmm.p_lo_pfn];
}

/* Where the links of free block pfn of `order` live. */
static struct pmm_link *pmm_link_of(uint64_t pfn, unsigned int order)
{
	if (order >= PMM_SIDE_ORDER)
		return &pmm.p_side[(pfn >> PMM_SIDE_ORDER) -
				   (pmm.p_lo_pfn >> PMM_SIDE_ORDER)];
	return (struct pmm_link *)(uintptr_t)((pfn << PAGE_SHIFT) +
					      pmm.p_virt_offset);
}

/* True if pfn may stand as a link on list `order`: NIL or a free head. */
static bool pmm_link_valid(uint64_t pfn, unsigned int order)
{
	if (pfn == PMM_NIL)
		return true;
	return pmm_pfn_managed(pfn) && !(pfn & ((1ull << order) - 1)) &&
	       *pmm_st(pfn) == PMM_ST(PMM_K_FREE, order);
}

/*
 * Called when list `order` holds a link that names no free block of that
 * order, or a neighbour that does not point back: something wrote into a
 * free block. The links cannot be trusted, so the list is not walked;
 * instead every frame whose state says "free head of this order" is
 * marked LOST and never handed out again. Caller holds the pmm lock.
 */
static void pmm_list_drop(unsigned int order)
{
	uint64_t step = 1ull << order;
	uint64_t pfn = (pmm.p_lo_pfn + step - 1) & ~(step - 1);
	uint64_t lost = 0;

	for (; pfn < pmm.p_hi_pfn; pfn += step) {
		if (*pmm_st(pfn) != PMM_ST(PMM_K_FREE, order))
			continue;
		*pmm_st(pfn) = PMM_ST(PMM_K_LOST, order);
		lost += step;
	}
	pmm.p_head[order] = PMM_NIL;
	pmm.p_count[order] = 0;
	pmm.p_corrupt_lists++;
	pmm.p_lost_pages += lost;
	log_warn(
		"mosaic: pmm: dropped a corrupt free list (order %u, %llu pages)\n",
		order, (unsigned long long)lost);
}

/* Pushes block pfn on list `order` and marks it free. Holds pmm lock. */
static void pmm_list_push(uint64_t pfn, unsigned int order)
{
	struct pmm_link *l = pmm_link_of(pfn, order);
	uint64_t head = pmm.p_head[order];

	l->pl_next = head;
	l->pl_prev = PMM_NIL;
	if (head != PMM_NIL)
		pmm_link_of(head, order)->pl_prev = pfn;
	pmm.p_head[order] = pfn;
	pmm.p_count[order]++;
	*pmm_st(pfn) = PMM_ST(PMM_K_FREE, order);
}

/* True if free block pfn's neighbours on list `order` point back at it. */
static bool pmm_links_ok(uint64_t pfn, unsigned int order, uint64_t next,
			 uint64_t prev)
{
	if (next == pfn || prev == pfn || !pmm_link_valid(next, order) ||
	    !pmm_link_valid(prev, order))
		return false;
	if ((prev == PMM_NIL) != (pmm.p_head[order] == pfn))
		return false;
	if (prev != PMM_NIL && pmm_link_of(prev, order)->pl_next != pfn)
		return false;
	return next == PMM_NIL || pmm_link_of(next, order)->pl_prev == pfn;
}

/*
 * Unlinks block pfn, whose state says free head of `order`, and sets its
 * state to NONE. Returns 0, or -EUCLEAN after dropping a corrupt list.
 * Caller holds the pmm lock.
 */
static int pmm_list_remove(uint64_t pfn, unsigned int order)
{
	struct pmm_link *l = pmm_link_of(pfn, order);
	uint64_t next = l->pl_next;
	uint64_t prev = l->pl_prev;

	if (!pmm_links_ok(pfn, order, next, prev)) {
		pmm_list_drop(order);
		return -EUCLEAN;
	}
	if (prev == PMM_NIL)
		pmm.p_head[order] = next;
	else
		pmm_link_of(prev, order)->pl_next = next;
	if (next != PMM_NIL)
		pmm_link_of(next, order)->pl_prev = prev;
	pmm.p_count[order]--;
	*pmm_st(pfn) = PMM_ST(PMM_K_NONE, 0);
	return 0;
}

/*
 * Takes the first block off list `order`. Returns its frame (state NONE),
 * or PMM_NIL if the list is empty or was found corrupt and dropped.
 * Caller holds the pmm lock.
 */
static uint64_t pmm_list_pop(unsigned int order)
{
	uint64_t pfn = pmm.p_head[order];

	if (pfn == PMM_NIL)
		return PMM_NIL;
	if (!pmm_link_valid(pfn, order)) {
		pmm_list_drop(order);
		return PMM_NIL;
	}
	if (pmm_list_remove(pfn, order))
		return PMM_NIL;
	return pfn;
}

/*
 * Takes a block of exactly `order` off the lists, splitting a larger one
 * if needed; a list found corrupt is skipped like an empty one. Returns
 * its first frame (state NONE, the caller sets it) or PMM_NIL.
 * Caller holds the pmm lock.
 */
static uint64_t pmm_buddy_alloc(unsigned int order)
{
	unsigned int k;
	uint64_t pfn;

	for (k = order; k <= PMM_MAX_ORDER; k++) {
		pfn = pmm_list_pop(k);
		if (pfn == PMM_NIL)
			continue;
		while (k > order) {
			k--;
			pmm_list_push(pfn + (1ull << k), k);
		}
		return pfn;
	}
	return PMM_NIL;
}

/*
 * Puts block pfn of `order` (allocated or cached, checked by the caller)
 * on the lists, merged with every free buddy. Caller holds the pmm lock.
 */
static void pmm_buddy_free(uint64_t pfn, unsigned int order)
{
	uint64_t buddy;

	*pmm_st(pfn) = PMM_ST(PMM_K_NONE, 0);
	for (; order < PMM_MAX_ORDER; order++) {
		buddy = pfn ^ (1ull << order);
		if (!pmm_pfn_managed(buddy) ||
		    *pmm_st(buddy) != PMM_ST(PMM_K_FREE, order))
			break;
		if (pmm_list_remove(buddy, order))
			break;
		pfn &= ~(1ull << order);
	}
	pmm_list_push(pfn, order);
}

/* Returns pa's frame if it heads an allocated block of `order`, else NIL. */
static uint64_t pmm_alloc_head(paddr_t pa, unsigned int order)
{
	uint64_t pfn = pa >> PAGE_SHIFT;

	if (order > PMM_MAX_ORDER || (pa & ((PAGE_SIZE << order) - 1)))
		return PMM_NIL;
	if (!pmm_pfn_managed(pfn) || *pmm_st(pfn) != PMM_ST(PMM_K_ALLOC, order))
		return PMM_NIL;
	return pfn;
}

static struct pmm_cache *pmm_cache_local(void)
{
	return &pmm_caches[pmm_cpu_id()];
}

/* Returns the oldest n frames of c to the buddy lists; keeps hot ones. */
static void pmm_cache_spill(struct pmm_cache *c, unsigned int n)
{
	unsigned int i;

	spin_lock(&pmm_lock);
	for (i = 0; i < n; i++)
		pmm_buddy_free(c->pc_pfn[i], 0);
	spin_unlock(&pmm_lock);
	for (i = n; i < c->pc_count; i++)
		c->pc_pfn[i - n] = c->pc_pfn[i];
	c->pc_count -= n;
}

/* Moves up to PMM_CACHE_PAGES / 2 frames from the buddy lists into c. */
static void pmm_cache_refill(struct pmm_cache *c)
{
	uint64_t pfn;

	spin_lock(&pmm_lock);
	while (c->pc_count < PMM_CACHE_PAGES / 2) {
		pfn = pmm_buddy_alloc(0);
		if (pfn == PMM_NIL)
			break;
		*pmm_st(pfn) = PMM_ST(PMM_K_CACHED, 0);
		c->pc_pfn[c->pc_count++] = pfn;
	}
	spin_unlock(&pmm_lock);
}

/* Allocates a block of `order` and marks it allocated. Takes the lock. */
static uint64_t pmm_take(unsigned int order)
{
	uint64_t pfn;

	spin_lock(&pmm_lock);
	pfn = pmm_buddy_alloc(order);
	if (pfn != PMM_NIL)
		*pmm_st(pfn) = PMM_ST(PMM_K_ALLOC, order);
	spin_unlock(&pmm_lock);
	return pfn;
}

int pmm_alloc(unsigned int order, paddr_t *out)
{
	struct pmm_cache *c;
	uint64_t pfn;

	if (order > PMM_MAX_ORDER || !out)
		return -EINVAL;
	pfn = pmm_take(order);
	if (pfn == PMM_NIL) {
		/* Cached frames may complete a buddy; other CPUs' stay put. */
		irq_push_off();
		c = pmm_cache_local();
		if (c->pc_count)
			pmm_cache_spill(c, c->pc_count);
		irq_pop();
		pfn = pmm_take(order);
	}
	if (pfn == PMM_NIL)
		return -ENOMEM;
	*out = pfn << PAGE_SHIFT;
	return 0;
}

/*
 * Frees frames [pfn, end) as maximal naturally aligned blocks. No two of
 * them are buddies (a pair would have been taken as one larger block),
 * so the lists start fully merged without going through pmm_buddy_free.
 */
static void pmm_run_add(uint64_t pfn, uint64_t end)
{
	unsigned int order;

	while (pfn < end) {
		order = (unsigned int)__builtin_ctzll(pfn);
		if (order > PMM_MAX_ORDER)
			order = PMM_MAX_ORDER;
		while (pfn + (1ull << order) > end)
			order--;
		pmm_list_push(pfn, order);
		pfn += 1ull << order;
	}
}

int pmm_alloc_pages(size_t n, paddr_t *out)
{
	unsigned int order = 0;
	uint64_t pfn, i;

	if (!out || n == 0 || n > (1ull << PMM_MAX_ORDER))
		return -EINVAL;
	while ((1ull << order) < n)
		order++;
	spin_lock(&pmm_lock);
	pfn = pmm_buddy_alloc(order);
	if (pfn != PMM_NIL) {
		for (i = 0; i < n; i++)
			*pmm_st(pfn + i) = PMM_ST(PMM_K_ALLOC, 0);
		/*
		 * The tail's buddies all lie in the block: allocated, or
		 * other pieces of the tail, which pmm_run_add() keeps whole.
		 */
		pmm_run_add(pfn + n, pfn + (1ull << order));
	}
	spin_unlock(&pmm_lock);
	if (pfn == PMM_NIL)
		return -ENOMEM;
	*out = pfn << PAGE_SHIFT;
	return 0;
}

int pmm_free(paddr_t pa, unsigned int order)
{
	uint64_t pfn;

	spin_lock(&pmm_lock);
	pfn = pmm_alloc_head(pa, order);
	if (pfn != PMM_NIL)
		pmm_buddy_free(pfn, order);
	spin_unlock(&pmm_lock);
	return pfn == PMM_NIL ? -EINVAL : 0;
}

int pmm_alloc_page(paddr_t *out)
{
	struct pmm_cache *c;
	uint64_t pfn;

	if (!out)
		return -EINVAL;
	irq_push_off();
	c = pmm_cache_local();
	if (c->pc_count == 0)
		pmm_cache_refill(c);
	if (c->pc_count == 0) {
		irq_pop();
		return -ENOMEM;
	}
	pfn = c->pc_pfn[--c->pc_count];
	__atomic_store_n(pmm_st(pfn), PMM_ST(PMM_K_ALLOC, 0), __ATOMIC_RELAXED);
	irq_pop();
	*out = pfn << PAGE_SHIFT;
	return 0;
}

int pmm_free_page(paddr_t pa)
{
	struct pmm_cache *c;
	uint64_t pfn = pa >> PAGE_SHIFT;
	uint8_t expected = PMM_ST(PMM_K_ALLOC, 0);

	/* Claim the frame (ALLOC(0) -> CACHED) with one cmpxchg, so two
	 * CPUs freeing it cannot both win. */
	if ((pa & (PAGE_SIZE - 1)) || !pmm_pfn_managed(pfn) ||
	    !__atomic_compare_exchange_n(pmm_st(pfn), &expected,
					 PMM_ST(PMM_K_CACHED, 0), false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return -EINVAL;
	irq_push_off();
	c = pmm_cache_local();
	if (c->pc_count == PMM_CACHE_PAGES)
		pmm_cache_spill(c, PMM_CACHE_PAGES / 2);
	c->pc_pfn[c->pc_count++] = pfn;
	irq_pop();
	return 0;
}

void pmm_get_stats(struct pmm_stats *st)
{
	unsigned int k, cpu;

	memset(st, 0, sizeof(*st));
	spin_lock(&pmm_lock);
	for (cpu = 0; cpu < PMM_NR_CPUS; cpu++)
		st->cached_pages += pmm_caches[cpu].pc_count;
	st->free_by_order[0] = st->cached_pages;
	for (k = 0; k <= PMM_MAX_ORDER; k++) {
		st->free_by_order[k] += pmm.p_count[k];
		st->free_pages += st->free_by_order[k] << k;
		if (st->free_by_order[k])
			st->largest_free_order = k;
	}
	st->total_pages = pmm.p_total_pages;
	st->used_pages = st->total_pages - st->free_pages;
	st->meta_pages = pmm.p_meta_pages;
	st->corrupt_lists = pmm.p_corrupt_lists;
	st->lost_pages = pmm.p_lost_pages;
	spin_unlock(&pmm_lock);
}

/*
 * Rounds usable range r inwards, above the low reserved area, to frames
 * [*b, *e). Returns false if no frame is left.
 */
static bool pmm_usable_pfns(const struct pmm_range *r, uint64_t *b, uint64_t *e)
{
	*b = (r->base >> PAGE_SHIFT) + !!(r->base & (PAGE_SIZE - 1));
	*e = r->end >> PAGE_SHIFT;
	if (*b < PMM_LOW_PFNS)
		*b = PMM_LOW_PFNS;
	return *b < *e;
}

/* Rounds reserved range r outwards to frames [*b, *e). False if empty. */
static bool pmm_reserved_pfns(const struct pmm_range *r, uint64_t *b,
			      uint64_t *e)
{
	*b = r->base >> PAGE_SHIFT;
	*e = (r->end >> PAGE_SHIFT) + !!(r->end & (PAGE_SIZE - 1));
	return r->base < r->end;
}

/* True if frames [b, e) meet any reserved range. */
static bool pmm_hits_reserved(const struct pmm_map *m, uint64_t b, uint64_t e)
{
	uint64_t rb, re;
	size_t i;

	for (i = 0; i < m->pm_n_reserved; i++) {
		if (pmm_reserved_pfns(&m->pm_reserved[i], &rb, &re) && rb < e &&
		    b < re)
			return true;
	}
	return false;
}

/* Frames [*lo, *hi) span every usable frame. False if there is none. */
static bool pmm_span(const struct pmm_map *m, uint64_t *lo, uint64_t *hi)
{
	uint64_t b, e;
	size_t i;

	*lo = UINT64_MAX;
	*hi = 0;
	for (i = 0; i < m->pm_n_usable; i++) {
		if (!pmm_usable_pfns(&m->pm_usable[i], &b, &e))
			continue;
		if (b < *lo)
			*lo = b;
		if (e > *hi)
			*hi = e;
	}
	return *lo < *hi;
}

/* True if [pfn, pfn + pages) lies in [b, e) and clear of reserved ones. */
static bool pmm_meta_fits(const struct pmm_map *m, uint64_t b, uint64_t e,
			  uint64_t pfn, uint64_t pages)
{
	return pfn >= b && pfn + pages <= e &&
	       !pmm_hits_reserved(m, pfn, pfn + pages);
}

/*
 * Finds `pages` frames inside one usable range and clear of every
 * reserved range for the state array. Within a range the lowest fit
 * starts at the range's start or at a reserved range's end, so only
 * those are tried. Returns 0 and the first frame in *out, or -ENOMEM.
 */
static int pmm_meta_place(const struct pmm_map *m, uint64_t pages,
			  uint64_t *out)
{
	uint64_t b, e, rb, re;
	size_t i, j;

	for (i = 0; i < m->pm_n_usable; i++) {
		if (!pmm_usable_pfns(&m->pm_usable[i], &b, &e))
			continue;
		if (pmm_meta_fits(m, b, e, b, pages)) {
			*out = b;
			return 0;
		}
		for (j = 0; j < m->pm_n_reserved; j++) {
			if (pmm_reserved_pfns(&m->pm_reserved[j], &rb, &re) &&
			    pmm_meta_fits(m, b, e, re, pages)) {
				*out = re;
				return 0;
			}
		}
	}
	return -ENOMEM;
}

/*
 * The first usable frame at or after pfn, and in *end the end of the
 * stretch of usable frames from there (ranges may overlap or touch).
 * Returns p_hi_pfn if there is none.
 */
static uint64_t pmm_next_usable(const struct pmm_map *m, uint64_t pfn,
				uint64_t *end)
{
	uint64_t b, e, first = pmm.p_hi_pfn;
	bool grew = true;
	size_t i;

	for (i = 0; i < m->pm_n_usable; i++) {
		if (pmm_usable_pfns(&m->pm_usable[i], &b, &e) && e > pfn &&
		    (b > pfn ? b : pfn) < first)
			first = b > pfn ? b : pfn;
	}
	*end = first;
	while (grew) {
		grew = false;
		for (i = 0; i < m->pm_n_usable; i++) {
			if (pmm_usable_pfns(&m->pm_usable[i], &b, &e) &&
			    b <= *end && e > *end) {
				*end = e;
				grew = true;
			}
		}
	}
	return first;
}

/*
 * If pfn is reserved (the state array [meta, meta_end) included), the
 * first frame after the reserved stretch holding it; else pfn itself.
 * In *next, the first reserved frame after pfn (or UINT64_MAX).
 */
/* Reserved stretch i of m's (i == pm_n_reserved: the state array at
 * [meta, meta_end)) as frames [*b, *e); false when it holds none. */
static bool pmm_reserved_i(const struct pmm_map *m, uint64_t meta,
			   uint64_t meta_end, size_t i, uint64_t *b,
			   uint64_t *e)
{
	if (i < m->pm_n_reserved)
		return pmm_reserved_pfns(&m->pm_reserved[i], b, e);
	*b = meta;
	*e = meta_end;
	return true;
}

static uint64_t pmm_skip_reserved(const struct pmm_map *m, uint64_t meta,
				  uint64_t meta_end, uint64_t pfn,
				  uint64_t *next)
{
	uint64_t b, e, at = pfn;
	size_t i;

	for (i = 0; i <= m->pm_n_reserved; i++) {
		if (pmm_reserved_i(m, meta, meta_end, i, &b, &e) && b <= at &&
		    e > at) {
			/* Start over past it: another range may hold e. */
			at = e;
			i = (size_t)-1;
		}
	}
	*next = UINT64_MAX;
	for (i = 0; i <= m->pm_n_reserved; i++)
		if (pmm_reserved_i(m, meta, meta_end, i, &b, &e) && b > at &&
		    b < *next)
			*next = b;
	return at;
}

/*
 * Turns every usable frame outside the reserved ranges and the state
 * array into free blocks, one run at a time: the work grows with the
 * number of ranges and blocks, not of frames. Returns the frames.
 */
static uint64_t pmm_runs_add(const struct pmm_map *m, uint64_t meta_pfn)
{
	uint64_t meta_end = meta_pfn + pmm.p_meta_pages;
	uint64_t pfn = pmm.p_lo_pfn, uend, rnext, at, added = 0;

	while ((pfn = pmm_next_usable(m, pfn, &uend)) < pmm.p_hi_pfn) {
		at = pmm_skip_reserved(m, meta_pfn, meta_end, pfn, &rnext);
		if (at > pfn) {
			pfn = at;
			continue;
		}
		if (uend > rnext)
			uend = rnext;
		pmm_run_add(pfn, uend);
		added += uend - pfn;
		pfn = uend;
	}
	return added;
}

int pmm_init(const struct pmm_range *usable, size_t n_usable,
	     const struct pmm_range *reserved, size_t n_reserved,
	     uintptr_t virt_offset)
{
	const struct pmm_map m = { usable, n_usable, reserved, n_reserved };
	uint64_t lo, hi, meta_pfn, meta_pages, free_pages, state_bytes;
	uint64_t side_slots;

	memset(&pmm, 0, sizeof(pmm));
	memset(pmm_caches, 0, sizeof(pmm_caches));
	if (!usable || (!reserved && n_reserved))
		return -EINVAL;
	if (!pmm_span(&m, &lo, &hi))
		return -ENOMEM;
	/* The state bytes, then the side table (never written here: only
	 * pushes fill slots, and only slots of free heads are read). */
	state_bytes = (hi - lo + sizeof(struct pmm_link) - 1) &
		      ~(uint64_t)(sizeof(struct pmm_link) - 1);
	side_slots = ((hi - 1) >> PMM_SIDE_ORDER) - (lo >> PMM_SIDE_ORDER) + 1;
	meta_pages = (state_bytes + side_slots * sizeof(struct pmm_link) +
		      PAGE_SIZE - 1) >>
		     PAGE_SHIFT;
	if (pmm_meta_place(&m, meta_pages, &meta_pfn))
		return -ENOMEM;

	pmm.p_virt_offset = virt_offset;
	pmm.p_lo_pfn = lo;
	pmm.p_hi_pfn = hi;
	pmm.p_meta_pages = meta_pages;
	pmm.p_state =
		(uint8_t *)(uintptr_t)((meta_pfn << PAGE_SHIFT) + virt_offset);
	pmm.p_side = (struct pmm_link *)(pmm.p_state + state_bytes);
	/* Every frame starts as NONE; the free blocks then mark heads. */
	memset(pmm.p_state, PMM_ST(PMM_K_NONE, 0), hi - lo);
	free_pages = pmm_runs_add(&m, meta_pfn);
	if (!free_pages) {
		memset(&pmm, 0, sizeof(pmm));
		return -ENOMEM;
	}
	pmm.p_total_pages = meta_pages + free_pages;
	return 0;
}
