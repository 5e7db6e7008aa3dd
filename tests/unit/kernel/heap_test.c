/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/mm/heap.c over page ops backed by aligned_alloc():
 * every class, large runs, alignment, calloc/realloc, a seeded 200k-step
 * workload against a model, counters, poisoning, page exhaustion, and each
 * violation heap_violation() reports (caught here with longjmp).
 */

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/page.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define KEY 0x5eed0f4ea9b1e2c3ull
#define KEY2 0x0123456789abcdefull
#define FRESH_PAGE_BYTE 0xcd /* what fake pages start out holding */
#define MODEL_SLOTS 1024
#define MODEL_STEPS 200000
#define MODEL_CHECK_EVERY 4096

/* --- Fake page allocator ---------------------------------------------- */

struct fake_run {
	uintptr_t va;
	size_t npages;
};

struct fake_pages {
	struct fake_run *runs;
	size_t nruns;
	size_t cap;
	size_t live_pages;
	uint64_t alloc_calls;
	long fail_at; /* fail this alloc_pages() call (0-based), or -1 */
	bool fail_all; /* fail every alloc_pages() call */
	bool expect_poison; /* free_pages() checks the run is all poison */
	bool corrupted; /* the test broke the heap: skip final checks */
};

static struct fake_pages fake;

static int fake_alloc_pages(void *ctx, size_t npages, uintptr_t *va)
{
	struct fake_pages *f = ctx;
	void *p;

	assert_ptr_equal(f, &fake);
	assert_true(npages >= 1);
	if (f->fail_all || (long)f->alloc_calls++ == f->fail_at)
		return -ENOMEM;
	p = aligned_alloc(PAGE_SIZE, npages * PAGE_SIZE);
	assert_non_null(p);
	memset(p, FRESH_PAGE_BYTE, npages * PAGE_SIZE);
	if (f->nruns == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->runs = realloc(f->runs, f->cap * sizeof(*f->runs));
		assert_non_null(f->runs);
	}
	f->runs[f->nruns].va = (uintptr_t)p;
	f->runs[f->nruns].npages = npages;
	f->nruns++;
	f->live_pages += npages;
	*va = (uintptr_t)p;
	return 0;
}

static bool all_bytes(const void *p, size_t n, unsigned char b)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != b)
			return false;
	return true;
}

static void fake_free_pages(void *ctx, uintptr_t va, size_t npages)
{
	struct fake_pages *f = ctx;
	size_t i;

	for (i = 0; i < f->nruns && f->runs[i].va != va; i++)
		;
	if (i == f->nruns)
		fail_msg("free_pages(%#lx) of a run never given", (long)va);
	assert_int_equal(f->runs[i].npages, npages);
	if (f->expect_poison)
		assert_true(
			all_bytes((void *)va, npages * PAGE_SIZE, HEAP_POISON));
	free((void *)va);
	f->runs[i] = f->runs[--f->nruns];
	f->live_pages -= npages;
}

static const struct heap_page_ops fake_ops = {
	.alloc_pages = fake_alloc_pages,
	.free_pages = fake_free_pages,
	.ctx = &fake,
};

/* The fake run holding addr, or NULL. */
static const struct fake_run *fake_run_of(uintptr_t addr)
{
	size_t i;

	for (i = 0; i < fake.nruns; i++)
		if (addr >= fake.runs[i].va &&
		    addr < fake.runs[i].va + fake.runs[i].npages * PAGE_SIZE)
			return &fake.runs[i];
	return NULL;
}

static void fake_release_all(void)
{
	size_t i;

	for (i = 0; i < fake.nruns; i++)
		free((void *)fake.runs[i].va);
	free(fake.runs);
	memset(&fake, 0, sizeof(fake));
	fake.fail_at = -1;
}

/* --- Violation hook ----------------------------------------------------- */

static jmp_buf violation_env;
static bool violation_armed;
static const char *violation_what;
static const void *violation_ptr;

void heap_violation(const char *what, const void *ptr)
{
	violation_what = what;
	violation_ptr = ptr;
	if (!violation_armed)
		fail_msg("unexpected heap violation: %s (%p)", what, ptr);
	violation_armed = false;
	longjmp(violation_env, 1);
}

enum op { OP_FREE, OP_ALLOC, OP_USABLE, OP_REALLOC };

/*
 * Runs one heap call and returns the violation it reported, or NULL. The
 * heap may be inconsistent afterwards, so callers mark fake.corrupted
 * unless the report came before any change (double free, foreign).
 */
static const char *violation_of(enum op op, void *p, size_t size)
{
	violation_what = NULL;
	violation_ptr = NULL;
	violation_armed = true;
	if (setjmp(violation_env) == 0) {
		switch (op) {
		case OP_FREE:
			heap_free(p);
			break;
		case OP_ALLOC:
			(void)heap_alloc(size);
			break;
		case OP_USABLE:
			(void)heap_usable_size(p);
			break;
		case OP_REALLOC:
			(void)heap_realloc(p, size);
			break;
		}
		violation_armed = false;
		return NULL;
	}
	return violation_what;
}

static void expect_violation(const char *want, enum op op, void *p, size_t size)
{
	const char *got = violation_of(op, p, size);

	if (!got)
		fail_msg("expected \"%s\", got no violation", want);
	assert_string_equal(got, want);
}

/* --- Fixture ------------------------------------------------------------ */

static void heap_start(uint64_t key, bool poison)
{
	struct heap_config cfg = { .ops = &fake_ops,
				   .key = key,
				   .poison = poison };

	fake_release_all();
	assert_int_equal(heap_init(&cfg), 0);
}

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.fail_at = -1;
	heap_start(KEY, true);
	return 0;
}

static void get_stats(struct heap_stats *st)
{
	memset(st, 0xee, sizeof(*st));
	heap_get_stats(st);
}

/* The heap's page count agrees with the page allocator's. */
static void check_pages_agree(void)
{
	struct heap_stats st;

	get_stats(&st);
	assert_int_equal(st.pages_held, fake.live_pages);
}

/* Nothing is allocated: every counter balances. */
static void check_all_returned(void)
{
	struct heap_stats st;
	unsigned int c;

	get_stats(&st);
	for (c = 0; c < st.nclasses; c++) {
		assert_int_equal(st.cls[c].live, 0);
		assert_int_equal(st.cls[c].allocs, st.cls[c].frees);
	}
	assert_int_equal(st.large_live_pages, 0);
	assert_int_equal(st.large_allocs, st.large_frees);
}

static int teardown(void **state)
{
	(void)state;
	if (!fake.corrupted)
		check_pages_agree();
	fake_release_all();
	return 0;
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

static size_t class_size(unsigned int c)
{
	struct heap_stats st;

	heap_get_stats(&st);
	return st.cls[c].size;
}

static bool is_aligned(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

/* --- Configuration and classes ----------------------------------------- */

static void test_init_rejects_bad_config(void **state)
{
	struct heap_page_ops no_free = { .alloc_pages = fake_alloc_pages };
	struct heap_page_ops no_alloc = { .free_pages = fake_free_pages };
	struct heap_config cfg = { .ops = &fake_ops, .key = KEY };

	(void)state;
	assert_int_equal(heap_init(NULL), -EINVAL);
	cfg.ops = NULL;
	assert_int_equal(heap_init(&cfg), -EINVAL);
	cfg.ops = &no_free;
	assert_int_equal(heap_init(&cfg), -EINVAL);
	cfg.ops = &no_alloc;
	assert_int_equal(heap_init(&cfg), -EINVAL);
	cfg.ops = &fake_ops;
	cfg.key = 0;
	assert_int_equal(heap_init(&cfg), -EINVAL);
	cfg.key = KEY;
	assert_int_equal(heap_init(&cfg), 0);
	/* heap_init() itself takes no pages. */
	assert_int_equal(fake.alloc_calls, 0);
}

static void test_stats_describe_classes(void **state)
{
	struct heap_stats st;
	unsigned int c;

	(void)state;
	get_stats(&st);
	assert_int_equal(st.nclasses, HEAP_NCLASSES);
	for (c = 0; c < 8; c++)
		assert_int_equal(st.cls[c].size, 16 * (c + 1));
	for (c = 8; c < st.nclasses; c++) {
		assert_int_equal(st.cls[c].size % 16, 0);
		assert_true(st.cls[c].size > st.cls[c - 1].size);
		/* Steps of at most 25% past 128 bytes. */
		assert_true(st.cls[c].size * 4 <= st.cls[c - 1].size * 5);
	}
	assert_int_equal(st.cls[st.nclasses - 1].size, HEAP_SMALL_MAX);
	for (c = 0; c < st.nclasses; c++) {
		assert_int_equal(st.cls[c].allocs, 0);
		assert_int_equal(st.cls[c].slabs, 0);
	}
	assert_int_equal(st.pages_held, 0);
}

static void test_every_class_serves_its_sizes(void **state)
{
	struct heap_stats before, after;
	size_t prev = 0, size, req[2];
	unsigned int c, i;
	void *p;

	(void)state;
	for (c = 0; c < HEAP_NCLASSES; c++, prev = size) {
		size = class_size(c);
		req[0] = prev + 1;
		req[1] = size;
		for (i = 0; i < 2; i++) {
			get_stats(&before);
			p = heap_alloc(req[i]);
			assert_non_null(p);
			assert_true(is_aligned(p, HEAP_MIN_ALIGN));
			assert_int_equal(heap_usable_size(p), size);
			memset(p, 0x40 + (int)c, size);
			get_stats(&after);
			assert_int_equal(after.cls[c].allocs,
					 before.cls[c].allocs + 1);
			assert_int_equal(after.cls[c].live, 1);
			heap_free(p);
			get_stats(&after);
			assert_int_equal(after.cls[c].live, 0);
		}
	}
	check_all_returned();
}

static void test_alloc_zero_is_unique(void **state)
{
	void *a, *b;

	(void)state;
	a = heap_alloc(0);
	b = heap_alloc(0);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_true(heap_usable_size(a) >= 1);
	heap_free(a);
	heap_free(b);
	heap_free(NULL);
	assert_int_equal(heap_usable_size(NULL), 0);
	check_all_returned();
}

static void test_large_allocations_are_page_runs(void **state)
{
	static const size_t sizes[] = { HEAP_SMALL_MAX + 1, 4096, 4097, 65536,
					1 << 20 };
	void *p[ARRAY_SIZE(sizes)];
	struct heap_stats st;
	uint64_t pages = 0;
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = heap_alloc(sizes[i]);
		assert_non_null(p[i]);
		assert_true(is_aligned(p[i], PAGE_SIZE));
		assert_int_equal(heap_usable_size(p[i]),
				 PAGE_ALIGN_UP(sizes[i]));
		memset(p[i], 0x77, sizes[i]);
		pages += PAGE_ALIGN_UP(sizes[i]) / PAGE_SIZE;
	}
	get_stats(&st);
	assert_int_equal(st.large_allocs, ARRAY_SIZE(sizes));
	assert_int_equal(st.large_live_pages, pages);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		heap_free(p[i]);
	get_stats(&st);
	assert_int_equal(st.large_frees, ARRAY_SIZE(sizes));
	check_all_returned();
}

/* Requests no page run could hold fail before asking for pages. */
static void test_huge_requests_fail(void **state)
{
	(void)state;
	assert_null(heap_alloc(SIZE_MAX));
	assert_null(heap_alloc((size_t)1 << 50));
	assert_null(heap_alloc_aligned((size_t)1 << 60, 16));
	assert_null(heap_realloc(NULL, SIZE_MAX - 1));
	assert_int_equal(fake.alloc_calls, 0);
}

/* --- Model workload ------------------------------------------------------ */

struct slot {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

static void check_fill(const unsigned char *p, size_t n, unsigned char fill)
{
	uint64_t want = 0x0101010101010101ull * fill, w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		if (w != want)
			fail_msg("contents of %p changed at %zu", (void *)p, i);
	}
	for (; i < n; i++)
		if (p[i] != fill)
			fail_msg("contents of %p changed at %zu", (void *)p, i);
}

static size_t model_size(void)
{
	uint32_t r = rnd() % 100;

	if (r < 60)
		return rnd() % 257;
	if (r < 85)
		return rnd() % 4097;
	if (r < 95)
		return rnd() % 16385;
	return rnd() % 65537;
}

static int cmp_range(const void *a, const void *b)
{
	const uintptr_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* No two live allocations overlap; the counters match the model. */
static void model_check(const struct slot *s)
{
	static uintptr_t ranges[MODEL_SLOTS][2];
	uint64_t small = 0, large = 0, live = 0;
	struct heap_stats st;
	size_t n = 0, i;

	for (i = 0; i < MODEL_SLOTS; i++) {
		if (!s[i].p)
			continue;
		ranges[n][0] = (uintptr_t)s[i].p;
		ranges[n][1] = ranges[n][0] + heap_usable_size(s[i].p);
		if (ranges[n][1] - ranges[n][0] <= HEAP_SMALL_MAX)
			small++;
		else
			large++;
		n++;
	}
	qsort(ranges, n, sizeof(ranges[0]), cmp_range);
	for (i = 1; i < n; i++)
		assert_true(ranges[i - 1][1] <= ranges[i][0]);
	get_stats(&st);
	for (i = 0; i < st.nclasses; i++)
		live += st.cls[i].live;
	assert_int_equal(live, small);
	assert_int_equal(st.large_allocs - st.large_frees, large);
	check_pages_agree();
}

static void model_alloc(struct slot *s, unsigned char fill)
{
	size_t size = model_size(), align = 16;
	uint32_t kind = rnd() % 10;

	if (kind == 0) {
		s->p = heap_calloc(1 + size % 7, size / (1 + size % 7));
		size = (1 + size % 7) * (size / (1 + size % 7));
		assert_non_null(s->p);
		assert_true(all_bytes(s->p, size, 0));
	} else if (kind == 1) {
		align = (size_t)1 << (rnd() % 13);
		s->p = heap_alloc_aligned(align, size);
	} else {
		s->p = heap_alloc(size);
	}
	assert_non_null(s->p);
	assert_true(is_aligned(s->p, align < 16 ? 16 : align));
	assert_true(heap_usable_size(s->p) >= size);
	s->size = size;
	s->fill = fill;
	memset(s->p, fill, size);
}

static void model_step(struct slot *s, unsigned char fill)
{
	size_t size, keep;

	if (!s->p) {
		model_alloc(s, fill);
		return;
	}
	check_fill(s->p, s->size, s->fill);
	if (rnd() % 2) {
		heap_free(s->p);
		s->p = NULL;
		return;
	}
	size = model_size();
	s->p = heap_realloc(s->p, size);
	assert_non_null(s->p);
	assert_true(heap_usable_size(s->p) >= size);
	keep = size < s->size ? size : s->size;
	check_fill(s->p, keep, s->fill);
	memset(s->p, fill, size);
	s->size = size;
	s->fill = fill;
}

static void test_model_random_workload(void **state)
{
	static struct slot slots[MODEL_SLOTS];
	unsigned int i;

	(void)state;
	memset(slots, 0, sizeof(slots));
	rng_state = 42;
	for (i = 0; i < MODEL_STEPS; i++) {
		model_step(&slots[rnd() % MODEL_SLOTS], (unsigned char)i);
		if (i % MODEL_CHECK_EVERY == 0)
			model_check(slots);
	}
	model_check(slots);
	for (i = 0; i < MODEL_SLOTS; i++) {
		if (!slots[i].p)
			continue;
		check_fill(slots[i].p, slots[i].size, slots[i].fill);
		heap_free(slots[i].p);
	}
	check_all_returned();
}

static void test_counters_balance_after_workload(void **state)
{
	enum { N = 600 };
	static void *p[N];
	uint64_t small = 0, large = 0, pages = 0, live = 0;
	struct heap_stats st;
	unsigned int i;
	size_t usable;

	(void)state;
	for (i = 0; i < N; i++) {
		p[i] = heap_alloc((i * 37) % 5000);
		assert_non_null(p[i]);
		usable = heap_usable_size(p[i]);
		if (usable <= HEAP_SMALL_MAX) {
			small++;
		} else {
			large++;
			pages += usable / PAGE_SIZE;
		}
	}
	get_stats(&st);
	for (i = 0; i < st.nclasses; i++)
		live += st.cls[i].live;
	assert_int_equal(live, small);
	assert_int_equal(st.large_allocs, large);
	assert_int_equal(st.large_live_pages, pages);
	for (i = 0; i < N; i += 2)
		heap_free(p[i]);
	for (i = 1; i < N; i += 2)
		heap_free(p[i]);
	check_all_returned();
}

/* --- Violations ------------------------------------------------------------
 */

static void test_double_free_in_cache(void **state)
{
	void *p;

	(void)state;
	p = heap_alloc(32);
	heap_free(p);
	expect_violation(HEAP_VIOLATION_DOUBLE_FREE, OP_FREE, p, 0);
	assert_ptr_equal(violation_ptr, p);
	expect_violation(HEAP_VIOLATION_DOUBLE_FREE, OP_REALLOC, p, 64);
	expect_violation(HEAP_VIOLATION_USE_AFTER_FREE, OP_USABLE, p, 0);
	/* The report changed nothing: the heap goes on working. */
	check_all_returned();
	heap_free(heap_alloc(32));
}

/* Objects flushed from the CPU cache back to their slab are still known. */
static void test_double_free_after_flush(void **state)
{
	enum { N = 200 };
	static void *p[N];
	unsigned int i;

	(void)state;
	for (i = 0; i < N; i++)
		p[i] = heap_alloc(16);
	for (i = 0; i < N; i++)
		heap_free(p[i]);
	for (i = 0; i < N; i++)
		expect_violation(HEAP_VIOLATION_DOUBLE_FREE, OP_FREE, p[i], 0);
	check_all_returned();
}

/*
 * Regression (review): a second free that made the per-CPU cache rotate
 * could empty and destroy the object's slab before the free bit was
 * tested, so the double free went unseen and the heap later handed out
 * frames it no longer owned. Drive random frees and second frees through
 * the two-page 2048-byte class (batch 1: every free rotates) and require
 * every second free to be reported.
 */
static void test_double_free_during_rotation(void **state)
{
	enum { N = 24 };
	void *p[N];
	unsigned int seed = 7, round, i, k;
	const char *got;

	(void)state;
	for (round = 0; round < 200; round++) {
		for (i = 0; i < N; i++)
			p[i] = heap_alloc(2048);
		for (i = 0; i < N; i++) {
			unsigned int j =
				(seed = seed * 1103515245u + 12345u) % N;
			void *tmp = p[i];

			p[i] = p[j];
			p[j] = tmp;
		}
		/* Late in the round, when slabs have emptied and one is kept.
		 */
		k = N - 1 - (seed >> 16) % 8;
		for (i = 0; i <= k; i++)
			heap_free(p[i]);
		got = violation_of(OP_FREE, p[k - 1], 0);
		if (!got)
			fail_msg("second free of %p went unseen (round %u)",
				 p[k - 1], round);
		heap_start(KEY, true);
	}
}

/*
 * Regression (review): a forged link that points an object at itself (the
 * key leaks through one use-after-free read) made malloc return the same
 * object twice without a report.
 */
static void test_self_link_is_caught(void **state)
{
	uintptr_t *a;
	void *b;
	const char *got;

	(void)state;
	heap_free(heap_alloc(64)); /* warm the class */
	a = heap_alloc(64);
	b = heap_alloc(64);
	heap_free(b);
	heap_free(a);
	/* a heads the list: forge a's link to name a itself. */
	*a = (uintptr_t)a ^ KEY ^ (uintptr_t)a;
	got = violation_of(OP_ALLOC, NULL, 64);
	if (!got) {
		/* a was handed out; forge again, as the app can. */
		*a = (uintptr_t)a ^ KEY ^ (uintptr_t)a;
		got = violation_of(OP_ALLOC, NULL, 64);
		if (!got)
			fail_msg("self link handed out an object twice");
	}
	assert_string_equal(got, HEAP_VIOLATION_BAD_LINK);
}

/* A large run is gone once freed, so its second free is foreign. */
static void test_large_double_free_is_foreign(void **state)
{
	void *p = heap_alloc(3 * PAGE_SIZE);

	(void)state;
	heap_free(p);
	expect_violation(HEAP_VIOLATION_FOREIGN_FREE, OP_FREE, p, 0);
}

static void test_foreign_pointers(void **state)
{
	char *host = malloc(64);
	long on_stack = 0;
	char *p, *big;

	(void)state;
	p = heap_alloc(64);
	big = heap_alloc(3 * PAGE_SIZE);
	expect_violation(HEAP_VIOLATION_FOREIGN_FREE, OP_FREE, &on_stack, 0);
	expect_violation(HEAP_VIOLATION_FOREIGN_FREE, OP_FREE, host, 0);
	expect_violation(HEAP_VIOLATION_FOREIGN_FREE, OP_REALLOC, host, 8);
	expect_violation(HEAP_VIOLATION_FOREIGN_USE, OP_USABLE, host, 0);
	expect_violation(HEAP_VIOLATION_MISALIGNED_FREE, OP_FREE, p + 16, 0);
	expect_violation(HEAP_VIOLATION_MISALIGNED_FREE, OP_FREE, p + 1, 0);
	expect_violation(HEAP_VIOLATION_MISALIGNED_USE, OP_USABLE, p + 8, 0);
	expect_violation(HEAP_VIOLATION_MISALIGNED_FREE, OP_FREE, big + 16, 0);
	/* Only a large run's first page is in the table. */
	expect_violation(HEAP_VIOLATION_FOREIGN_FREE, OP_FREE, big + PAGE_SIZE,
			 0);
	free(host);
	heap_free(p);
	heap_free(big);
	check_all_returned();
}

/* The 16 bytes after the last 48-byte object of a page are no object. */
static void test_slab_tail_is_not_an_object(void **state)
{
	char *p = heap_alloc(48);
	char *base = (char *)PAGE_ALIGN_DOWN((uintptr_t)p);

	(void)state;
	expect_violation(HEAP_VIOLATION_MISALIGNED_FREE, OP_FREE,
			 base + 85 * 48, 0);
	heap_free(p);
}

/* Overwriting a cached object's link is caught at the next allocation. */
static void test_corrupt_cache_link(void **state)
{
	unsigned char *p;

	(void)state;
	p = heap_alloc(64);
	heap_free(p);
	memset(p, 0x41, 8);
	expect_violation(HEAP_VIOLATION_BAD_LINK, OP_ALLOC, NULL, 64);
	assert_ptr_equal(violation_ptr, p);
	fake.corrupted = true;
}

/* The 2048-byte class caches one object, whose link must stay 0. */
static void test_corrupt_last_cache_link(void **state)
{
	unsigned char *p;

	(void)state;
	p = heap_alloc(HEAP_SMALL_MAX);
	heap_free(p);
	p[3] ^= 0x10;
	expect_violation(HEAP_VIOLATION_BAD_LINK, OP_ALLOC, NULL,
			 HEAP_SMALL_MAX);
	assert_ptr_equal(violation_ptr, p);
	fake.corrupted = true;
}

/* So is a correctly mangled link that names a live object. */
static void test_link_to_live_object(void **state)
{
	uintptr_t a, b;

	(void)state;
	a = (uintptr_t)heap_alloc(96);
	b = (uintptr_t)heap_alloc(96);
	heap_free((void *)a);
	*(uintptr_t *)a = b ^ KEY ^ a;
	expect_violation(HEAP_VIOLATION_BAD_LINK, OP_ALLOC, NULL, 96);
	fake.corrupted = true;
}

/* A slab's own list is checked when the CPU cache refills from it. */
static void test_corrupt_slab_list(void **state)
{
	enum { CACHED = 16 }; /* one batch of the 48-byte class */
	uintptr_t p[CACHED], base;
	unsigned int i;
	bool taken;
	uintptr_t obj;

	(void)state;
	for (i = 0; i < CACHED; i++)
		p[i] = (uintptr_t)heap_alloc(48);
	base = PAGE_ALIGN_DOWN(p[0]);
	for (obj = base; obj + 48 <= base + PAGE_SIZE; obj += 48) {
		for (taken = false, i = 0; i < CACHED; i++)
			taken |= p[i] == obj;
		if (!taken)
			*(uint64_t *)obj = 0x4242424242424242ull;
	}
	expect_violation(HEAP_VIOLATION_BAD_LINK, OP_ALLOC, NULL, 48);
	fake.corrupted = true;
}

/* Clobbers every copy of `word` in the heap's own pages (not in `skip`). */
static unsigned int clobber_metadata(uintptr_t word,
				     const struct fake_run *skip)
{
	unsigned int i, hits = 0;
	uintptr_t *w, *end;

	for (i = 0; i < fake.nruns; i++) {
		if (&fake.runs[i] == skip)
			continue;
		w = (uintptr_t *)fake.runs[i].va;
		end = w + fake.runs[i].npages * PAGE_SIZE / sizeof(*w);
		for (; w < end; w++) {
			if (*w == word) {
				*w ^= 1ull << 40;
				hits++;
			}
		}
	}
	return hits;
}

static void test_clobbered_large_header(void **state)
{
	void *p = heap_alloc(2 * PAGE_SIZE);

	(void)state;
	assert_true(clobber_metadata((uintptr_t)p, fake_run_of((uintptr_t)p)) >
		    0);
	expect_violation(HEAP_VIOLATION_BAD_LARGE, OP_FREE, p, 0);
	fake.corrupted = true;
}

static void test_clobbered_slab_descriptor(void **state)
{
	void *p = heap_alloc(16);
	uintptr_t base = PAGE_ALIGN_DOWN((uintptr_t)p);

	(void)state;
	assert_true(clobber_metadata(base, fake_run_of(base)) > 0);
	expect_violation(HEAP_VIOLATION_BAD_SLAB, OP_FREE, p, 0);
	fake.corrupted = true;
}

/*
 * A free finds its slab through this CPU's last lookup when the page is
 * the same (the owner hint): the descriptor is still verified then, so a
 * clobbered one is caught on the second free as on the first.
 */
static void test_owner_hint_still_verifies(void **state)
{
	void *p = heap_alloc(16), *q = heap_alloc(16);
	uintptr_t base = PAGE_ALIGN_DOWN((uintptr_t)p);

	(void)state;
	assert_int_equal(PAGE_ALIGN_DOWN((uintptr_t)q), base);
	heap_free(p);
	assert_true(clobber_metadata(base, fake_run_of(base)) > 0);
	expect_violation(HEAP_VIOLATION_BAD_SLAB, OP_FREE, q, 0);
	fake.corrupted = true;
}

static void test_write_after_free(void **state)
{
	unsigned char *p = heap_alloc(64);

	(void)state;
	heap_free(p);
	p[20] = 0;
	expect_violation(HEAP_VIOLATION_WRITE_AFTER_FREE, OP_ALLOC, NULL, 64);
	fake.corrupted = true;
}

/*
 * heap_free() of an object of a front class (up to HEAP_FRONT_MAX bytes)
 * in the page this CPU last freed into takes the fast path (the owner
 * hint's copy of the verified slab descriptor). The first free below sets
 * the hint; each later one must still find the misaligned pointer, the
 * slab's tail, the double free and the write after free, as the long way
 * does. Larger classes always take the long way: same checks, same
 * answers.
 */
static void fast_free_checks(size_t size, bool front)
{
	unsigned char *a = heap_alloc(size), *b = heap_alloc(size);
	uintptr_t base = PAGE_ALIGN_DOWN((uintptr_t)a);
	unsigned int nobj = PAGE_SIZE / size;

	assert_int_equal(PAGE_ALIGN_DOWN((uintptr_t)b), base);
	heap_free(a); /* the long way: sets the hint */
	expect_violation(HEAP_VIOLATION_MISALIGNED_FREE, OP_FREE, b + 8, 0);
	expect_violation(HEAP_VIOLATION_MISALIGNED_FREE, OP_FREE, b + 1, 0);
	if (nobj * size + 16 <= PAGE_SIZE)
		expect_violation(HEAP_VIOLATION_MISALIGNED_FREE, OP_FREE,
				 (void *)(base + nobj * size), 0);
	heap_free(b);
	expect_violation(HEAP_VIOLATION_DOUBLE_FREE, OP_FREE, b, 0);
	assert_ptr_equal(violation_ptr, b);
	expect_violation(HEAP_VIOLATION_DOUBLE_FREE, OP_FREE, a, 0);
	if (!front)
		return;
	/* The front hands b out first: its last byte was written. */
	b[size - 1] = 0;
	expect_violation(HEAP_VIOLATION_WRITE_AFTER_FREE, OP_ALLOC, NULL, size);
	assert_ptr_equal(violation_ptr, b);
	fake.corrupted = true;
}

static void test_fast_free_checks_16(void **state)
{
	(void)state;
	fast_free_checks(16, true);
}

static void test_fast_free_checks_48(void **state)
{
	(void)state;
	fast_free_checks(48, true);
}

static void test_fast_free_checks_128(void **state)
{
	(void)state;
	fast_free_checks(128, true);
}

/* A class without a front (magazines only), the long way. */
static void test_fast_free_checks_448(void **state)
{
	(void)state;
	fast_free_checks(448, false);
	check_all_returned();
}

/* Once the front is full frees go the long way, into the magazine, and
 * every object comes back, each once; a second free is caught on either
 * side. */
static void test_fast_free_beyond_front(void **state)
{
	enum { N = 3 * HEAP_FRONT_SLOTS };
	void *p[N], *q[N];
	unsigned int i, j;

	(void)state;
	for (i = 0; i < N; i++)
		p[i] = heap_alloc(64);
	for (i = 0; i < N; i++)
		heap_free(p[i]);
	for (i = 0; i < N; i++)
		expect_violation(HEAP_VIOLATION_DOUBLE_FREE, OP_FREE, p[i], 0);
	for (i = 0; i < N; i++) {
		q[i] = heap_alloc(64);
		for (j = 0; j < i; j++)
			assert_ptr_not_equal(q[i], q[j]);
	}
	for (i = 0; i < N; i++)
		heap_free(q[i]);
	check_all_returned();
}

/* --- Mangling ---------------------------------------------------------------
 */

/*
 * Walks a CPU cache list from `slot` with next = *slot ^ key ^ slot: it
 * must visit want[n - 1] down to want[0], then end in 0, and no stored
 * word may be the raw pointer it encodes.
 */
static void check_chain(uint64_t key, uintptr_t slot, const uintptr_t *want,
			unsigned int n)
{
	uintptr_t next;

	while (n-- > 0) {
		assert_int_equal(slot, want[n]);
		next = *(uintptr_t *)slot ^ key ^ slot;
		assert_int_not_equal(*(uintptr_t *)slot, next);
		slot = next;
	}
	assert_int_equal(slot, 0);
}

/*
 * Frees two batches of 16-byte objects (16 each) in shuffled order, after
 * filling the front with objects of a batch before them: the older batch
 * and the newer one each form a list of their own.
 */
static void check_links_round_trip(uint64_t key)
{
	enum { N = 32, BATCH = 16 };
	uintptr_t p[N], t;
	void *filler[BATCH];
	unsigned int i, j;

	for (i = 0; i < BATCH; i++)
		filler[i] = heap_alloc(16);
	for (i = 0; i < N; i++)
		p[i] = (uintptr_t)heap_alloc(16);
	for (i = 0; i < HEAP_FRONT_SLOTS; i++)
		heap_free(filler[i]);
	for (i = N - 1; i > 0; i--) {
		j = rnd() % (i + 1);
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	for (i = 0; i < N; i++)
		heap_free((void *)p[i]);
	check_chain(key, p[N - 1], p + N / 2, N / 2);
	check_chain(key, p[N / 2 - 1], p, N / 2);
	for (i = HEAP_FRONT_SLOTS; i < BATCH; i++)
		heap_free(filler[i]);
}

/*
 * The front keeps the last HEAP_FRONT_SLOTS frees of a small class and
 * hands them out newest first; frees beyond it go to the magazine. A
 * second free is caught on either side, and the counters balance.
 */
static void test_front_holds_last_frees(void **state)
{
	enum { N = HEAP_FRONT_SLOTS + 4 };
	void *p[N], *q;
	unsigned int i;

	(void)state;
	for (i = 0; i < N; i++)
		p[i] = heap_alloc(HEAP_FRONT_MAX);
	for (i = 0; i < N; i++)
		heap_free(p[i]);
	expect_violation(HEAP_VIOLATION_DOUBLE_FREE, OP_FREE, p[0], 0);
	expect_violation(HEAP_VIOLATION_DOUBLE_FREE, OP_FREE, p[N - 1], 0);
	expect_violation(HEAP_VIOLATION_USE_AFTER_FREE, OP_USABLE, p[1], 0);
	for (i = HEAP_FRONT_SLOTS; i-- > 0;) {
		q = heap_alloc(HEAP_FRONT_MAX - 15);
		assert_ptr_equal(q, p[i]);
		/* Handed out with its first word cleared, the rest poison. */
		assert_int_equal(*(uintptr_t *)q, 0);
		assert_int_equal(((unsigned char *)q)[8], HEAP_POISON);
	}
	for (i = 0; i < HEAP_FRONT_SLOTS; i++)
		heap_free(p[i]);
	check_all_returned();
}

/* Without poisoning a front object's first word is still checked. */
static void test_front_link_checked_without_poison(void **state)
{
	uintptr_t *p;

	(void)state;
	heap_start(KEY, false);
	p = heap_alloc(32);
	heap_free(p);
	*p = 0;
	expect_violation(HEAP_VIOLATION_BAD_LINK, OP_ALLOC, NULL, 32);
	assert_ptr_equal(violation_ptr, p);
	fake.corrupted = true;
}

static void test_links_are_mangled(void **state)
{
	(void)state;
	rng_state = 7;
	check_links_round_trip(KEY);
	heap_start(KEY2, false);
	check_links_round_trip(KEY2);
	check_all_returned();
}

/* --- calloc, aligned, realloc ----------------------------------------------
 */

static void test_calloc_zeroes_and_checks_overflow(void **state)
{
	unsigned char *p;

	(void)state;
	assert_null(heap_calloc(SIZE_MAX / 2 + 1, 2));
	assert_null(heap_calloc(2, SIZE_MAX / 2 + 1));
	assert_null(heap_calloc(SIZE_MAX, SIZE_MAX));
	p = heap_calloc(0, 5);
	assert_non_null(p);
	heap_free(p);
	p = heap_alloc(64);
	memset(p, 0xff, 64);
	heap_free(p);
	p = heap_calloc(4, 16);
	assert_true(all_bytes(p, 64, 0));
	heap_free(p);
	p = heap_calloc(3, 10000);
	assert_true(all_bytes(p, 30000, 0));
	heap_free(p);
	check_all_returned();
}

static void test_aligned_alloc(void **state)
{
	static const size_t sizes[] = { 0,    1,    15,	  16,	17,   100,
					127,  128,  129,  1000, 1023, 1024,
					1025, 1536, 2047, 2048, 2049, 3000,
					4095, 4096, 4097, 10000 };
	size_t align, i;
	void *p;

	(void)state;
	for (align = 1; align <= 65536; align *= 2) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			p = heap_alloc_aligned(align, sizes[i]);
			assert_non_null(p);
			assert_true(is_aligned(p, align < 16 ? 16 : align));
			assert_true(heap_usable_size(p) >= sizes[i]);
			memset(p, 0x5a, sizes[i]);
			heap_free(p);
		}
	}
	assert_null(heap_alloc_aligned(0, 16));
	assert_null(heap_alloc_aligned(24, 16));
	assert_null(heap_alloc_aligned(3, 16));
	check_all_returned();
}

static void *realloc_checked(void *p, size_t old, size_t size)
{
	unsigned char *n = heap_realloc(p, size);
	size_t keep = old < size ? old : size;

	assert_non_null(n);
	assert_true(heap_usable_size(n) >= size);
	assert_true(all_bytes(n, keep, 0x3c));
	memset(n, 0x3c, size);
	return n;
}

static void test_realloc_keeps_contents(void **state)
{
	static const size_t steps[] = { 10,   100, 2000, 3000, 20000,
					5000, 100, 16,	 0,    70000 };
	size_t old = 0, i;
	void *p = NULL;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		p = realloc_checked(p, old, steps[i]);
		old = steps[i];
	}
	heap_free(p);
	check_all_returned();
}

static void test_realloc_in_place(void **state)
{
	void *p = heap_alloc(100), *q;

	(void)state;
	assert_ptr_equal(heap_realloc(p, 110), p); /* same 112-byte class */
	assert_ptr_equal(heap_realloc(p, 112), p);
	assert_ptr_equal(heap_realloc(p, 97), p);
	q = heap_realloc(p, 113);
	assert_ptr_not_equal(q, p);
	heap_free(q);
	p = heap_alloc(10000); /* three pages */
	assert_ptr_equal(heap_realloc(p, 12288), p);
	assert_ptr_equal(heap_realloc(p, 7000), p);
	q = heap_realloc(p, 5000);
	assert_ptr_not_equal(q, p);
	heap_free(q);
	check_all_returned();
}

static void test_realloc_failure_keeps_block(void **state)
{
	unsigned char *p = heap_alloc(10000);

	(void)state;
	memset(p, 0x3c, 10000);
	fake.fail_all = true;
	assert_null(heap_realloc(p, 100000));
	assert_null(heap_alloc(100000));
	fake.fail_all = false;
	assert_true(all_bytes(p, 10000, 0x3c));
	heap_free(p);
	check_all_returned();
}

/* --- Poison, pages ---------------------------------------------------------
 */

static void test_poison_fills_freed_memory(void **state)
{
	unsigned char *p;
	size_t size;
	unsigned int c;

	(void)state;
	for (c = 0; c < HEAP_NCLASSES; c++) {
		size = class_size(c);
		p = heap_alloc(size);
		memset(p, 0x11, size);
		heap_free(p);
		/* The first 8 bytes hold the mangled link. */
		assert_true(all_bytes(p + 8, size - 8, HEAP_POISON));
	}
	p = heap_alloc(3 * PAGE_SIZE);
	memset(p, 0x11, 3 * PAGE_SIZE);
	fake.expect_poison = true;
	heap_free(p);
	fake.expect_poison = false;
	check_all_returned();
}

static void test_no_poison_leaves_freed_memory(void **state)
{
	unsigned char *p;

	(void)state;
	heap_start(KEY, false);
	p = heap_alloc(256);
	memset(p, 0x11, 256);
	heap_free(p);
	assert_true(all_bytes(p + 8, 248, 0x11));
	/* Without poison there is no check, so this goes unnoticed. */
	p[100] = 0;
	heap_free(heap_alloc(256));
	check_all_returned();
}

/* Many slabs of a class, then free: the empty ones go back to the pages. */
static void test_empty_slabs_are_returned(void **state)
{
	enum { N = 16 * 10 }; /* ten slabs of 256-byte objects */
	static void *p[N];
	struct heap_stats st;
	unsigned int i;

	(void)state;
	for (i = 0; i < N; i++)
		p[i] = heap_alloc(256);
	get_stats(&st);
	assert_int_equal(st.cls[11].size, 256);
	assert_int_equal(st.cls[11].slabs, 10);
	for (i = 0; i < N; i++)
		heap_free(p[i]);
	get_stats(&st);
	/* One kept empty, one pinned by the CPU cache at most. */
	assert_true(st.cls[11].slabs <= 2);
	check_all_returned();
}

/* Enough slabs and runs to grow the page table several times. */
static void test_table_grows(void **state)
{
	enum { NSMALL = 2000, NLARGE = 300 };
	static void *p[NSMALL + NLARGE];
	struct heap_stats st;
	unsigned int i, j;
	void *t, *large;

	(void)state;
	for (i = 0; i < NSMALL + NLARGE; i++) {
		p[i] = heap_alloc(i < NSMALL ? 2048 : 5000);
		assert_non_null(p[i]);
		memset(p[i], (int)i, i < NSMALL ? 2048 : 5000);
	}
	get_stats(&st);
	assert_int_equal(st.cls[HEAP_NCLASSES - 1].slabs, NSMALL / 4);
	large = p[NSMALL];
	rng_state = 99;
	for (i = NSMALL + NLARGE - 1; i > 0; i--) {
		j = rnd() % (i + 1);
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	for (i = 0; i < NSMALL + NLARGE; i++) {
		assert_true(heap_usable_size(p[i]) >= 2048);
		heap_free(p[i]);
	}
	check_all_returned();
	expect_violation(HEAP_VIOLATION_FOREIGN_FREE, OP_FREE, large, 0);
}

/* A fixed workload that needs pages, for page exhaustion injection. */
static unsigned int exhaust_workload(void **p, unsigned int n)
{
	unsigned int i, got = 0;

	for (i = 0; i < n; i++) {
		p[i] = heap_alloc(i % 3 == 0 ? 2048 : i % 3 == 1 ? 100 : 3000);
		got += p[i] != NULL;
	}
	return got;
}

/* Failing the Nth page request makes one allocation fail and loses nothing. */
static void test_page_exhaustion_fails_cleanly(void **state)
{
	enum { N = 300 }; /* 50 pages of slabs, 100 runs: the table grows */
	static void *p[N];
	unsigned int i, got;
	long fail;

	(void)state;
	for (fail = 0;; fail++) {
		heap_start(KEY, true);
		fake.fail_at = fail;
		got = exhaust_workload(p, N);
		if (fake.alloc_calls <= (uint64_t)fail)
			break; /* the workload never reached call `fail` */
		assert_true(got >= N - 1 && got < N);
		check_pages_agree();
		for (i = 0; i < N; i++)
			heap_free(p[i]);
		check_all_returned();
		check_pages_agree();
	}
	assert_int_equal(got, N);
	assert_true(fail > 100);
	for (i = 0; i < N; i++)
		heap_free(p[i]);
	check_all_returned();
}

#define CASE(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_init_rejects_bad_config),
		CASE(test_stats_describe_classes),
		CASE(test_every_class_serves_its_sizes),
		CASE(test_alloc_zero_is_unique),
		CASE(test_large_allocations_are_page_runs),
		CASE(test_huge_requests_fail),
		CASE(test_model_random_workload),
		CASE(test_counters_balance_after_workload),
		CASE(test_double_free_in_cache),
		CASE(test_double_free_during_rotation),
		CASE(test_self_link_is_caught),
		CASE(test_double_free_after_flush),
		CASE(test_large_double_free_is_foreign),
		CASE(test_owner_hint_still_verifies),
		CASE(test_foreign_pointers),
		CASE(test_slab_tail_is_not_an_object),
		CASE(test_corrupt_cache_link),
		CASE(test_corrupt_last_cache_link),
		CASE(test_link_to_live_object),
		CASE(test_corrupt_slab_list),
		CASE(test_clobbered_large_header),
		CASE(test_clobbered_slab_descriptor),
		CASE(test_write_after_free),
		CASE(test_fast_free_checks_16),
		CASE(test_fast_free_checks_48),
		CASE(test_fast_free_checks_128),
		CASE(test_fast_free_checks_448),
		CASE(test_fast_free_beyond_front),
		CASE(test_links_are_mangled),
		CASE(test_calloc_zeroes_and_checks_overflow),
		CASE(test_aligned_alloc),
		CASE(test_realloc_keeps_contents),
		CASE(test_realloc_in_place),
		CASE(test_realloc_failure_keeps_block),
		CASE(test_front_holds_last_frees),
		CASE(test_front_link_checked_without_poison),
		CASE(test_poison_fills_freed_memory),
		CASE(test_no_poison_leaves_freed_memory),
		CASE(test_empty_slabs_are_returned),
		CASE(test_table_grows),
		CASE(test_page_exhaustion_fails_cleanly),
	};

	return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
