/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/mm/pmm.c over a malloc'd arena standing in for RAM
 * at a fake physical base: layout after init, placement and alignment of
 * every block, coalescing, a random run against a model, invalid frees,
 * the per-CPU cache, corrupted free-list links and tiny memories.
 */

#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/pmm.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MIB (1ull << 20)
#define BIG_BYTES (64 * MIB)
#define BIG_BASE 0x100000000ull /* fake physical address of the arena */
#define MAX_PAGES (BIG_BYTES / PAGE_SIZE)
#define RANDOM_OPS 100000
#define MAX_LIVE 4096
#define LOW_BYTES 0x10000ull

/* The fake RAM and the memory map the current test gave pmm_init. */
static uint8_t *arena;
static paddr_t arena_base;
static uint64_t arena_bytes;
static bool usable_map[MAX_PAGES]; /* frame may be handed out */
static bool live_map[MAX_PAGES]; /* frame is in a live allocation */

/* A big map: unsorted, overlapping, unaligned usable ranges and holes. */
static const struct pmm_range big_usable[] = {
	{ BIG_BASE + 32 * MIB + 123, BIG_BASE + 64 * MIB },
	{ BIG_BASE + 0x1000, BIG_BASE + 20 * MIB + 0x800 },
	{ BIG_BASE + 16 * MIB, BIG_BASE + 40 * MIB },
	{ BIG_BASE + 50 * MIB, BIG_BASE + 52 * MIB },
};
static const struct pmm_range big_reserved[] = {
	{ BIG_BASE + 4 * MIB, BIG_BASE + 4 * MIB + 1 },
	{ BIG_BASE + 10 * MIB - 0x800, BIG_BASE + 12 * MIB + 0x10 },
	{ BIG_BASE + 63 * MIB, BIG_BASE + 70 * MIB },
	{ BIG_BASE + 30 * MIB, BIG_BASE + 30 * MIB },
	{ 0, 0x100000 },
};
/* A plain map: one aligned range, no holes, so splits are predictable. */
static const struct pmm_range plain_usable[] = {
	{ BIG_BASE, BIG_BASE + 64 * MIB },
};

static uint64_t frame_index(paddr_t pa)
{
	return (pa - arena_base) / PAGE_SIZE;
}

static void *pa_ptr(paddr_t pa)
{
	return arena + (pa - arena_base);
}

/* Warnings pmm.c logged since the last pmm_init (one per dropped list). */
static uint64_t warn_count;

void log_printf(enum log_level level, const char *fmt, ...)
{
	(void)fmt;
	assert_int_equal(level, LOG_WARN);
	warn_count++;
}

/* The big arena is shared by all tests that use it; each re-inits. */
static uint8_t *big_arena;

static int group_setup(void **state)
{
	(void)state;
	big_arena = aligned_alloc(PAGE_SIZE, BIG_BYTES);
	return big_arena ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	free(big_arena);
	return 0;
}

static int setup_big(void **state)
{
	(void)state;
	arena = big_arena;
	arena_base = BIG_BASE;
	arena_bytes = BIG_BYTES;
	return 0;
}

static int setup_tiny(void **state)
{
	(void)state;
	arena = aligned_alloc(PAGE_SIZE, 2 * MIB);
	arena_base = 0;
	arena_bytes = 2 * MIB;
	return arena ? 0 : -1;
}

static int teardown_tiny(void **state)
{
	(void)state;
	free(arena);
	arena = NULL;
	return 0;
}

static bool in_ranges(const struct pmm_range *r, size_t n, paddr_t pa,
		      bool whole)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].end <= r[i].base)
			continue;
		if (whole && r[i].base <= pa && pa + PAGE_SIZE <= r[i].end)
			return true;
		if (!whole && r[i].base < pa + PAGE_SIZE && pa < r[i].end)
			return true;
	}
	return false;
}

/* Computes usable_map independently of pmm.c, then calls pmm_init. */
static int init_with(const struct pmm_range *u, size_t nu,
		     const struct pmm_range *r, size_t nr)
{
	uint64_t i;
	paddr_t pa;

	memset(live_map, 0, sizeof(live_map));
	warn_count = 0;
	for (i = 0; i < arena_bytes / PAGE_SIZE; i++) {
		pa = arena_base + i * PAGE_SIZE;
		usable_map[i] = pa >= LOW_BYTES && in_ranges(u, nu, pa, true) &&
				!in_ranges(r, nr, pa, false);
	}
	return pmm_init(u, nu, r, nr, (uintptr_t)arena - arena_base);
}

static uint64_t usable_count(void)
{
	uint64_t i, n = 0;

	for (i = 0; i < arena_bytes / PAGE_SIZE; i++)
		n += usable_map[i];
	return n;
}

static void get_stats(struct pmm_stats *st)
{
	uint64_t sum = 0;
	unsigned int k;

	memset(st, 0x5a, sizeof(*st));
	pmm_get_stats(st);
	for (k = 0; k <= PMM_MAX_ORDER; k++)
		sum += st->free_by_order[k] << k;
	assert_int_equal(sum, st->free_pages);
	assert_int_equal(st->total_pages, st->free_pages + st->used_pages);
	assert_true(st->used_pages >= st->meta_pages + st->lost_pages);
	assert_true(st->cached_pages <= PMM_CACHE_PAGES);
	assert_int_equal(st->corrupt_lists, warn_count);
	if (st->free_pages)
		assert_true(st->free_by_order[st->largest_free_order] > 0);
	for (k = st->largest_free_order + 1; k <= PMM_MAX_ORDER; k++)
		assert_int_equal(st->free_by_order[k], 0);
}

static void assert_stats_equal(const struct pmm_stats *a,
			       const struct pmm_stats *b)
{
	unsigned int k;

	assert_int_equal(a->total_pages, b->total_pages);
	assert_int_equal(a->free_pages, b->free_pages);
	assert_int_equal(a->used_pages, b->used_pages);
	assert_int_equal(a->largest_free_order, b->largest_free_order);
	for (k = 0; k <= PMM_MAX_ORDER; k++)
		assert_int_equal(a->free_by_order[k], b->free_by_order[k]);
	assert_int_equal(a->cached_pages, b->cached_pages);
	assert_int_equal(a->meta_pages, b->meta_pages);
	assert_int_equal(a->corrupt_lists, b->corrupt_lists);
	assert_int_equal(a->lost_pages, b->lost_pages);
}

/* Checks a new block: aligned, usable, overlapping no live block. */
static void block_take(paddr_t pa, unsigned int order)
{
	uint64_t i, first;

	assert_int_equal(pa & ((PAGE_SIZE << order) - 1), 0);
	assert_true(pa >= arena_base);
	assert_true(pa + (PAGE_SIZE << order) <= arena_base + arena_bytes);
	first = frame_index(pa);
	for (i = first; i < first + (1ull << order); i++) {
		assert_true(usable_map[i]);
		assert_false(live_map[i]);
		live_map[i] = true;
	}
}

static void block_drop(paddr_t pa, unsigned int order)
{
	uint64_t i, first = frame_index(pa);

	for (i = first; i < first + (1ull << order); i++)
		live_map[i] = false;
}

/* Writes tag into the first and last word of every frame of a block. */
static void pattern_fill(paddr_t pa, unsigned int order, uint64_t tag)
{
	uint64_t i, *w;

	for (i = 0; i < (1ull << order); i++) {
		w = pa_ptr(pa + i * PAGE_SIZE);
		w[0] = tag ^ i;
		w[PAGE_SIZE / 8 - 1] = ~tag ^ i;
	}
}

static void pattern_check(paddr_t pa, unsigned int order, uint64_t tag)
{
	uint64_t i, *w;

	for (i = 0; i < (1ull << order); i++) {
		w = pa_ptr(pa + i * PAGE_SIZE);
		assert_int_equal(w[0], tag ^ i);
		assert_int_equal(w[PAGE_SIZE / 8 - 1], ~tag ^ i);
	}
}

static uint64_t lcg_state;

/* Deterministic pseudo-random numbers (Knuth's MMIX LCG), 31 bits. */
static uint64_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return lcg_state >> 33;
}

/* Returns the calling CPU's cached frames to the buddy lists. */
static void cache_drain(void)
{
	paddr_t pa;

	assert_int_equal(pmm_alloc(PMM_MAX_ORDER, &pa), -ENOMEM);
}

static void init_big(void)
{
	assert_int_equal(init_with(big_usable, ARRAY_SIZE(big_usable),
				   big_reserved, ARRAY_SIZE(big_reserved)),
			 0);
}

/*
 * The metadata pmm.c must take for frames [lo, hi): a state byte each
 * (padded to 16), then a 16-byte link slot per 2 MiB stretch the span
 * meets, for the free blocks of 2 MiB and more.
 */
static uint64_t meta_pages_for(uint64_t lo, uint64_t hi)
{
	uint64_t state = (hi - lo + 15) & ~15ull;
	uint64_t side = ((hi - 1) >> 9) - (lo >> 9) + 1;

	return (state + side * 16 + PAGE_SIZE - 1) / PAGE_SIZE;
}

static void init_plain(void)
{
	assert_int_equal(
		init_with(plain_usable, ARRAY_SIZE(plain_usable), NULL, 0), 0);
}

/* total = independently counted usable frames; metadata as above. */
static void test_init_counts(void **state)
{
	struct pmm_stats st;
	uint64_t span;

	(void)state;
	init_big();
	get_stats(&st);
	span = (BIG_BASE + 64 * MIB - (BIG_BASE + 0x1000)) / PAGE_SIZE;
	assert_int_equal(st.total_pages, usable_count());
	assert_int_equal(
		st.meta_pages,
		meta_pages_for((BIG_BASE + 0x1000) / PAGE_SIZE,
			       (BIG_BASE + 0x1000) / PAGE_SIZE + span));
	assert_int_equal(st.used_pages, st.meta_pages);
	assert_int_equal(st.cached_pages, 0);
	assert_int_equal(st.corrupt_lists, 0);
}

/* An aligned range becomes maximal aligned blocks around the array. */
static void test_init_maximal_blocks(void **state)
{
	uint64_t want[PMM_MAX_ORDER + 1] = { 0 };
	uint64_t meta = meta_pages_for(BIG_BASE / PAGE_SIZE,
				       (BIG_BASE + 64 * MIB) / PAGE_SIZE);
	uint64_t f, n = 64 * MIB / PAGE_SIZE;
	struct pmm_stats st;
	unsigned int k;
	paddr_t pa;

	(void)state;
	init_plain();
	get_stats(&st);
	assert_int_equal(st.meta_pages, meta);
	assert_true(meta > 4 && meta < 8);
	/* Frames [meta, n): each step the largest aligned block that fits. */
	for (f = meta; f < n; f += 1ull << k) {
		k = (unsigned int)__builtin_ctzll(f);
		while (f + (1ull << k) > n)
			k--;
		want[k]++;
	}
	assert_int_equal(st.largest_free_order, 13);
	for (k = 0; k <= PMM_MAX_ORDER; k++)
		assert_int_equal(st.free_by_order[k], want[k]);
	assert_int_equal(pmm_alloc(13, &pa), 0);
	assert_int_equal(pa, BIG_BASE + 32 * MIB);
	assert_int_equal(pmm_alloc(13, &pa), -ENOMEM);
}

/*
 * Allocates every frame at `order` until -ENOMEM, checks and fills each,
 * and returns how many blocks it got (their addresses in out).
 */
static uint64_t alloc_all(unsigned int order, paddr_t *out, uint64_t max)
{
	uint64_t n = 0;
	paddr_t pa;

	while (pmm_alloc(order, &pa) == 0) {
		assert_true(n < max);
		block_take(pa, order);
		pattern_fill(pa, order, pa * 31 + order);
		out[n++] = pa;
	}
	return n;
}

static void test_exhaust_and_coalesce(void **state)
{
	static paddr_t blocks[MAX_PAGES];
	struct pmm_stats st0, st;
	uint64_t n, i, j;
	paddr_t pa;

	(void)state;
	init_big();
	get_stats(&st0);
	n = alloc_all(0, blocks, MAX_PAGES);
	assert_int_equal(n, st0.free_pages);
	get_stats(&st);
	assert_int_equal(st.free_pages, 0);
	assert_int_equal(st.used_pages, st.total_pages);
	assert_int_equal(pmm_alloc_page(&pa), -ENOMEM);
	assert_int_equal(pmm_alloc(1, &pa), -ENOMEM);
	for (i = 0; i < n; i++)
		pattern_check(blocks[i], 0, blocks[i] * 31);
	/* Free in a shuffled order so merges happen in every direction. */
	lcg_state = 1;
	for (i = n - 1; i > 0; i--) {
		j = lcg() % (i + 1);
		pa = blocks[i];
		blocks[i] = blocks[j];
		blocks[j] = pa;
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(pmm_free(blocks[i], 0), 0);
		block_drop(blocks[i], 0);
	}
	get_stats(&st);
	assert_stats_equal(&st, &st0);
}

/* Allocates from the largest order down to 0, then frees it all. */
static void test_mixed_orders(void **state)
{
	static paddr_t blocks[PMM_MAX_ORDER + 1][MAX_PAGES / 8];
	static uint64_t count[PMM_MAX_ORDER + 1];
	struct pmm_stats st0, st;
	uint64_t i, pages = 0;
	int k;

	(void)state;
	init_big();
	get_stats(&st0);
	for (k = PMM_MAX_ORDER; k >= 0; k--) {
		count[k] = alloc_all(k, blocks[k], MAX_PAGES / 8);
		pages += count[k] << k;
	}
	assert_int_equal(pages, st0.free_pages);
	assert_true(count[10] > 0);
	for (k = 0; k <= PMM_MAX_ORDER; k++) {
		for (i = 0; i < count[k]; i++) {
			pattern_check(blocks[k][i], k, blocks[k][i] * 31 + k);
			assert_int_equal(pmm_free(blocks[k][i], k), 0);
			block_drop(blocks[k][i], k);
		}
	}
	get_stats(&st);
	assert_stats_equal(&st, &st0);
}

struct live_block {
	paddr_t lb_pa;
	unsigned int lb_order;
	uint64_t lb_tag;
};

static struct live_block lives[MAX_LIVE];
static uint64_t n_lives, live_pages, enomem_count;

static unsigned int random_order(void)
{
	uint64_t r = lcg() % 16;

	if (r < 8)
		return 0;
	if (r < 12)
		return 1 + lcg() % 2;
	if (r < 15)
		return 3 + lcg() % 4;
	return 7 + lcg() % 6;
}

static void random_alloc(void)
{
	unsigned int order = random_order();
	bool page = order == 0 && (lcg() & 1);
	struct pmm_stats st;
	paddr_t pa;
	int rc;

	rc = page ? pmm_alloc_page(&pa) : pmm_alloc(order, &pa);
	if (rc == -ENOMEM) {
		enomem_count++;
		get_stats(&st);
		assert_true(st.free_pages == 0 ||
			    st.largest_free_order < order);
		return;
	}
	assert_int_equal(rc, 0);
	block_take(pa, order);
	lives[n_lives] = (struct live_block){ pa, order, lcg() };
	pattern_fill(pa, order, lives[n_lives].lb_tag);
	n_lives++;
	live_pages += 1ull << order;
}

static void random_free(uint64_t i)
{
	struct live_block b = lives[i];

	pattern_check(b.lb_pa, b.lb_order, b.lb_tag);
	block_drop(b.lb_pa, b.lb_order);
	if (b.lb_order == 0 && (lcg() & 1))
		assert_int_equal(pmm_free_page(b.lb_pa), 0);
	else
		assert_int_equal(pmm_free(b.lb_pa, b.lb_order), 0);
	lives[i] = lives[--n_lives];
	live_pages -= 1ull << b.lb_order;
}

static void test_random_vs_model(void **state)
{
	struct pmm_stats st0, st;
	uint64_t op;

	(void)state;
	init_big();
	get_stats(&st0);
	n_lives = live_pages = enomem_count = 0;
	lcg_state = 12345;
	for (op = 0; op < RANDOM_OPS; op++) {
		if (n_lives == 0 || (n_lives < MAX_LIVE && lcg() % 100 < 55))
			random_alloc();
		else
			random_free(lcg() % n_lives);
		if (op % 997)
			continue;
		get_stats(&st);
		assert_int_equal(st.free_pages, st0.free_pages - live_pages);
	}
	assert_true(enomem_count > 0);
	while (n_lives)
		random_free(n_lives - 1);
	cache_drain();
	get_stats(&st);
	assert_stats_equal(&st, &st0);
}

/* Every kind of bad free is refused and changes nothing. */
static void test_invalid_free(void **state)
{
	struct pmm_stats st0, st;
	paddr_t a, b, c;

	(void)state;
	init_big();
	assert_int_equal(pmm_alloc(2, &a), 0);
	assert_int_equal(pmm_alloc(0, &b), 0);
	assert_int_equal(pmm_alloc_page(&c), 0);
	assert_int_equal(pmm_free_page(c), 0);
	assert_int_equal(pmm_free(b, 0), 0);
	get_stats(&st0);

	assert_int_equal(pmm_free(b, 0), -EINVAL); /* double free */
	assert_int_equal(pmm_free_page(b), -EINVAL);
	assert_int_equal(pmm_free_page(c), -EINVAL); /* double, cached */
	assert_int_equal(pmm_free(c, 0), -EINVAL);
	assert_int_equal(pmm_free(a, 1), -EINVAL); /* wrong order */
	assert_int_equal(pmm_free(a, 3), -EINVAL);
	assert_int_equal(pmm_free_page(a), -EINVAL);
	assert_int_equal(pmm_free(a + 0x800, 2), -EINVAL); /* misaligned */
	assert_int_equal(pmm_free(a + PAGE_SIZE, 0), -EINVAL); /* tail */
	assert_int_equal(pmm_free(a, PMM_MAX_ORDER + 1), -EINVAL);
	assert_int_equal(pmm_free(0, 0), -EINVAL); /* foreign */
	assert_int_equal(pmm_free(0x5000, 0), -EINVAL);
	assert_int_equal(pmm_free(BIG_BASE, 0), -EINVAL);
	assert_int_equal(pmm_free(BIG_BASE + 4 * MIB, 0), -EINVAL);
	assert_int_equal(pmm_free(BIG_BASE + 128 * MIB, 0), -EINVAL);
	assert_int_equal(pmm_free(~0ull & ~(PAGE_SIZE - 1), 0), -EINVAL);
	assert_int_equal(pmm_alloc(PMM_MAX_ORDER + 1, &b), -EINVAL);
	assert_int_equal(pmm_alloc(0, NULL), -EINVAL);
	assert_int_equal(pmm_alloc_page(NULL), -EINVAL);
	get_stats(&st);
	assert_stats_equal(&st, &st0);
	assert_int_equal(pmm_free(a, 2), 0);
}

/* Cache refills half when empty, spills half when full, counts free. */
static void test_cache_refill_spill(void **state)
{
	static paddr_t pages[64];
	struct pmm_stats st0, st;
	unsigned int i, cached = 0;

	(void)state;
	init_plain();
	get_stats(&st0);
	for (i = 0; i < 64; i++) {
		if (cached == 0)
			cached = PMM_CACHE_PAGES / 2;
		cached--;
		assert_int_equal(pmm_alloc_page(&pages[i]), 0);
		block_take(pages[i], 0);
		get_stats(&st);
		assert_int_equal(st.cached_pages, cached);
		assert_int_equal(st.free_pages, st0.free_pages - i - 1);
	}
	for (i = 0; i < 64; i++) {
		if (cached == PMM_CACHE_PAGES)
			cached = PMM_CACHE_PAGES / 2;
		cached++;
		block_drop(pages[i], 0);
		assert_int_equal(pmm_free_page(pages[i]), 0);
		get_stats(&st);
		assert_int_equal(st.cached_pages, cached);
		assert_int_equal(st.free_pages, st0.free_pages - 63 + i);
	}
	/* The hottest frame comes back first. */
	assert_int_equal(pmm_alloc_page(&pages[0]), 0);
	assert_int_equal(pages[0], pages[63]);
	assert_int_equal(pmm_free(pages[0], 0), 0);
	cache_drain();
	get_stats(&st);
	assert_stats_equal(&st, &st0);
}

/*
 * Leaves free order-0 blocks at p[0], p[2], p[4] (list head p[4]), their
 * buddies p[1], p[3], p[5] and p[6], p[7] allocated.
 */
static void make_order0_list(paddr_t p[8])
{
	/* The frames between the metadata and the first 8-aligned frame are
	 * reserved, so that the eight frames below come from one block. */
	const struct pmm_range r[] = {
		{ BIG_BASE + meta_pages_for(BIG_BASE / PAGE_SIZE,
					    (BIG_BASE + 64 * MIB) / PAGE_SIZE) *
				     PAGE_SIZE,
		  BIG_BASE + 8 * PAGE_SIZE },
	};
	struct pmm_stats st;
	int i;

	assert_int_equal(init_with(plain_usable, ARRAY_SIZE(plain_usable), r,
				   ARRAY_SIZE(r)),
			 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(pmm_alloc(0, &p[i]), 0);
	for (i = 1; i < 8; i++)
		assert_int_equal(p[i], p[0] + i * PAGE_SIZE);
	assert_int_equal(p[0] & (2 * PAGE_SIZE - 1), 0);
	for (i = 0; i < 6; i += 2)
		assert_int_equal(pmm_free(p[i], 0), 0);
	get_stats(&st);
	assert_int_equal(st.free_by_order[0], 3);
}

/* Allocates every free frame; none of them may be one of bad[]. */
static uint64_t alloc_all_but(paddr_t *blocks, const paddr_t *bad, int n_bad)
{
	uint64_t n, i;
	int j;

	n = alloc_all(0, blocks, MAX_PAGES);
	for (i = 0; i < n; i++) {
		for (j = 0; j < n_bad; j++)
			assert_true(blocks[i] != bad[j]);
	}
	return n;
}

/*
 * After a list was dropped: the n_bad dropped frames are never handed out
 * or accepted back, not even once every other frame, including the
 * n_held ones the test still holds, has been freed and merged.
 */
static void check_dropped(const paddr_t *bad, int n_bad, const paddr_t *held,
			  int n_held)
{
	static paddr_t blocks[MAX_PAGES];
	struct pmm_stats st;
	uint64_t n, i;
	int j;

	get_stats(&st);
	assert_int_equal(st.corrupt_lists, 1);
	assert_int_equal(st.lost_pages, n_bad);
	n = alloc_all_but(blocks, bad, n_bad);
	assert_int_equal(n, st.free_pages);
	for (j = 0; j < n_bad; j++) {
		assert_int_equal(pmm_free(bad[j], 0), -EINVAL);
		assert_int_equal(pmm_free_page(bad[j]), -EINVAL);
	}
	for (j = 0; j < n_held; j++) {
		assert_int_equal(pmm_free(held[j], 0), 0);
		block_drop(held[j], 0);
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(pmm_free(blocks[i], 0), 0);
		block_drop(blocks[i], 0);
	}
	get_stats(&st);
	assert_int_equal(st.corrupt_lists, 1);
	assert_int_equal(st.free_pages, st.total_pages - st.meta_pages - n_bad);
	n = alloc_all_but(blocks, bad, n_bad);
	assert_int_equal(n, st.free_pages);
}

/* Garbage (wild links) in a free block: detected, never followed. */
static void test_corrupt_garbage(void **state)
{
	paddr_t p[8], pa;

	(void)state;
	make_order0_list(p);
	memset(pa_ptr(p[2]), 0xdb, PAGE_SIZE);
	assert_int_equal(pmm_alloc(0, &pa), 0);
	assert_true(pa != p[0] && pa != p[2] && pa != p[4]);
	block_take(pa, 0);
	check_dropped((paddr_t[]){ p[0], p[2], p[4] }, 3,
		      (paddr_t[]){ p[1], p[3], p[5], p[6], p[7], pa }, 6);
}

/* A stale copy of another free block's links: plausible but wrong. */
static void test_corrupt_plausible(void **state)
{
	paddr_t p[8], pa;

	(void)state;
	make_order0_list(p);
	memcpy(pa_ptr(p[4]), pa_ptr(p[0]), 64);
	assert_int_equal(pmm_alloc_page(&pa), 0);
	assert_true(pa != p[0] && pa != p[2] && pa != p[4]);
	block_take(pa, 0);
	check_dropped((paddr_t[]){ p[0], p[2], p[4] }, 3,
		      (paddr_t[]){ p[1], p[3], p[5], p[6], p[7], pa }, 6);
}

/*
 * Stale bytes restored into a free block make it link to a block that is
 * allocated, whose owner restored stale bytes too, so the two point at
 * each other like list neighbours. Only the frame state tells them apart.
 */
static void test_corrupt_stale_link(void **state)
{
	uint8_t old_p2[64], old_p4[64];
	paddr_t p[8], pa;

	(void)state;
	make_order0_list(p);
	memcpy(old_p2, pa_ptr(p[2]), sizeof(old_p2));
	memcpy(old_p4, pa_ptr(p[4]), sizeof(old_p4));
	assert_int_equal(pmm_alloc(0, &pa), 0);
	assert_int_equal(pa, p[4]);
	assert_int_equal(pmm_alloc(0, &pa), 0);
	assert_int_equal(pa, p[2]);
	memcpy(pa_ptr(p[2]), old_p2, sizeof(old_p2)); /* the test owns p[2] */
	assert_int_equal(pmm_free(p[4], 0), 0);
	memcpy(pa_ptr(p[4]), old_p4, sizeof(old_p4));
	assert_int_equal(pmm_alloc(0, &pa), 0);
	assert_true(pa != p[0] && pa != p[2] && pa != p[4]);
	block_take(pa, 0);
	check_dropped((paddr_t[]){ p[0], p[4] }, 2,
		      (paddr_t[]){ p[1], p[2], p[3], p[5], p[6], p[7], pa }, 7);
}

/* A merge that would unlink a corrupted buddy drops the list instead. */
static void test_corrupt_buddy_merge(void **state)
{
	struct pmm_stats st;
	paddr_t p[8];

	(void)state;
	make_order0_list(p);
	assert_int_equal(pmm_free(p[1], 0), 0); /* merges p[0], p[1] */
	memset(pa_ptr(p[2]), 0xff, 64);
	assert_int_equal(pmm_free(p[3], 0), 0);
	get_stats(&st);
	assert_int_equal(st.corrupt_lists, 1);
	assert_int_equal(st.lost_pages, 2); /* p[2] and p[4] */
	assert_int_equal(pmm_free(p[3], 0), -EINVAL); /* p[3] is free */
	check_dropped((paddr_t[]){ p[2], p[4] }, 2,
		      (paddr_t[]){ p[5], p[6], p[7] }, 3);
}

/*
 * Blocks of 2 MiB and more keep their links in the side table after the
 * state bytes (at the arena's start for the plain map): garbage there is
 * caught like garbage in a small block, and the list is dropped.
 */
static void test_corrupt_side_table(void **state)
{
	const uint64_t order = 9, lo_slot = (BIG_BASE / PAGE_SIZE) >> 9;
	uint64_t *side = (uint64_t *)pa_ptr(BIG_BASE + 64 * MIB / PAGE_SIZE);
	struct pmm_stats st;
	paddr_t a, b, c, pa;

	(void)state;
	init_plain();
	assert_int_equal(pmm_alloc(order, &a), 0);
	assert_int_equal(pmm_alloc(order, &b), 0);
	assert_int_equal(pmm_alloc(order, &c), 0);
	assert_int_equal(b, a + 2 * MIB);
	assert_int_equal(c, b + 2 * MIB);
	assert_int_equal(pmm_free(a, order), 0); /* its buddy is in use */
	assert_int_equal(pmm_free(c, order), 0); /* b is its buddy */
	/* The list is c, a; a's slot says a stale neighbour. */
	side[2 * ((a / PAGE_SIZE >> 9) - lo_slot) + 1] = b / PAGE_SIZE;
	memset(pa_ptr(a), 0, PAGE_SIZE); /* the block's bytes do not matter */
	assert_int_equal(pmm_alloc(order, &pa), 0);
	assert_true(pa != a && pa != c);
	get_stats(&st);
	assert_int_equal(st.corrupt_lists, 1);
	assert_int_equal(st.lost_pages, 2 << order);
	assert_int_equal(pmm_free(a, order), -EINVAL);
	assert_int_equal(pmm_free(c, order), -EINVAL);
	assert_int_equal(pmm_free(pa, order), 0);
	assert_int_equal(pmm_free(b, order), 0);
	assert_int_equal(warn_count, 1);
}

/* 2 MiB of RAM with the low 1 MiB reserved: one metadata page. */
static void test_tiny_ram(void **state)
{
	static const struct pmm_range u[] = { { 0, 2 * MIB } };
	static const struct pmm_range r[] = { { 0, 1 * MIB } };
	static paddr_t blocks[512];
	struct pmm_stats st0, st;
	uint64_t n, i;

	(void)state;
	assert_int_equal(init_with(u, 1, r, 1), 0);
	get_stats(&st0);
	assert_int_equal(st0.total_pages, 256);
	assert_int_equal(st0.meta_pages, 1);
	assert_int_equal(st0.free_pages, 255);
	for (n = 0; pmm_alloc_page(&blocks[n]) == 0; n++)
		block_take(blocks[n], 0);
	assert_int_equal(n, 255);
	for (i = 0; i < n; i++)
		assert_int_equal(pmm_free_page(blocks[i]), 0);
	cache_drain();
	get_stats(&st);
	assert_stats_equal(&st, &st0);
	assert_int_equal(st.largest_free_order, 7);
}

/* A map that claims page 0 and the low 64 KiB usable: they stay unused. */
static void test_low_memory_never_used(void **state)
{
	static const struct pmm_range u[] = { { 0x10000, 2 * MIB },
					      { 0, 0x20000 } };
	static paddr_t blocks[512];
	struct pmm_stats st;
	uint64_t n, i;

	(void)state;
	assert_int_equal(init_with(u, 2, NULL, 0), 0);
	get_stats(&st);
	assert_int_equal(st.total_pages, 512 - 16);
	assert_int_equal(st.meta_pages, 1);
	n = alloc_all(0, blocks, 512);
	assert_int_equal(n, 512 - 17);
	for (i = 0; i < n; i++)
		assert_true(blocks[i] >= LOW_BYTES);
}

static void test_init_errors(void **state)
{
	static const struct pmm_range u[] = {
		{ BIG_BASE, BIG_BASE + PAGE_SIZE },
		{ BIG_BASE + 64 * MIB - PAGE_SIZE, BIG_BASE + 64 * MIB },
	};
	static const struct pmm_range low[] = { { 0, LOW_BYTES } };
	static const struct pmm_range odd[] = { { BIG_BASE + 1,
						  BIG_BASE + PAGE_SIZE } };
	struct pmm_stats st;
	paddr_t pa;

	(void)state;
	assert_int_equal(pmm_init(NULL, 1, NULL, 0, 0), -EINVAL);
	assert_int_equal(pmm_init(plain_usable, 1, NULL, 1, 0), -EINVAL);
	assert_int_equal(init_with(u, 2, NULL, 0), -ENOMEM); /* no room */
	assert_int_equal(init_with(low, 1, NULL, 0), -ENOMEM);
	assert_int_equal(init_with(odd, 1, NULL, 0), -ENOMEM);
	assert_int_equal(init_with(u, 0, NULL, 0), -ENOMEM);
	assert_int_equal(init_with(plain_usable, 1, plain_usable, 1), -ENOMEM);
	assert_int_equal(init_with(u, 1, NULL, 0), -ENOMEM); /* all meta */
	get_stats(&st);
	assert_int_equal(st.total_pages, 0);
	assert_int_equal(st.free_pages, 0);
	assert_int_equal(pmm_alloc(0, &pa), -ENOMEM);
	assert_int_equal(pmm_alloc_page(&pa), -ENOMEM);
	assert_int_equal(pmm_free(BIG_BASE, 0), -EINVAL);
}

/*
 * pmm_alloc_pages(): n usable frames in a row, each freed on its own; the
 * rest of the block it split stays free, and after the frees everything
 * is as before (merged back whole).
 */
static void test_alloc_pages_run(void **state)
{
	struct pmm_stats before, st;
	paddr_t pa, pb;
	uint64_t i;

	(void)state;
	init_plain();
	get_stats(&before);
	assert_int_equal(pmm_alloc_pages(0, &pa), -EINVAL);
	assert_int_equal(pmm_alloc_pages(5, NULL), -EINVAL);
	assert_int_equal(pmm_alloc_pages((1ull << PMM_MAX_ORDER) + 1, &pa),
			 -EINVAL);
	assert_int_equal(pmm_alloc_pages(5, &pa), 0);
	for (i = 0; i < 5; i++)
		block_take(pa + i * PAGE_SIZE, 0);
	pattern_fill(pa, 0, 1);
	get_stats(&st);
	assert_int_equal(st.free_pages, before.free_pages - 5);
	/* The tail of the order-3 block is free: an order-1 block in it. */
	assert_int_equal(pmm_alloc(1, &pb), 0);
	assert_int_equal(pb, pa + 6 * PAGE_SIZE);
	assert_int_equal(pmm_free(pb, 1), 0);
	/* Each frame is an order-0 allocation: not a block of 5 or 8. */
	assert_int_equal(pmm_free(pa, 3), -EINVAL);
	for (i = 0; i < 5; i++) {
		assert_int_equal(pmm_free_page(pa + i * PAGE_SIZE), 0);
		block_drop(pa + i * PAGE_SIZE, 0);
	}
	assert_int_equal(pmm_free_page(pa), -EINVAL);
	cache_drain();
	get_stats(&st);
	assert_stats_equal(&st, &before);
}

#define BIG_TEST(f) cmocka_unit_test_setup(f, setup_big)
#define TINY_TEST(f)                                                           \
	cmocka_unit_test_setup_teardown(f, setup_tiny, teardown_tiny)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BIG_TEST(test_init_counts),
		BIG_TEST(test_init_maximal_blocks),
		BIG_TEST(test_exhaust_and_coalesce),
		BIG_TEST(test_mixed_orders),
		BIG_TEST(test_random_vs_model),
		BIG_TEST(test_invalid_free),
		BIG_TEST(test_cache_refill_spill),
		BIG_TEST(test_corrupt_garbage),
		BIG_TEST(test_corrupt_plausible),
		BIG_TEST(test_corrupt_stale_link),
		BIG_TEST(test_corrupt_buddy_merge),
		BIG_TEST(test_corrupt_side_table),
		TINY_TEST(test_tiny_ram),
		TINY_TEST(test_low_memory_never_used),
		BIG_TEST(test_init_errors),
		BIG_TEST(test_alloc_pages_run),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
