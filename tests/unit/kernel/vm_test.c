/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/mm/vm.c over a fake physical pool of malloc'd
 * pages: page-size choice, splits, W^X, argument checks, the high half,
 * -ENOMEM at every allocation point, flush ordering, table accounting and
 * a randomized run against a page-granular model.
 */

#include <kernel/errno.h>
#include <kernel/page.h>
#include <kernel/vm.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* --- fake physical memory ------------------------------------------ */

#define POOL_PAGES 4096
/* Fake physical address of the pool's first page: not 0, below 2^52. */
#define POOL_PA 0x7f00000000ull
#define ALLOC_POISON 0xa5 /* P set: vm must zero what it links */
#define FREE_POISON 0xa5

/* Hardware format (SDM vol. 3A §4.5), to check raw entries. */
#define HW_P 0x1ull
#define HW_RW 0x2ull
#define HW_US 0x4ull
#define HW_PWT 0x8ull
#define HW_PCD 0x10ull
#define HW_A 0x20ull
#define HW_D 0x40ull
#define HW_PS 0x80ull
#define HW_G 0x100ull
#define HW_NX (1ull << 63)
#define HW_ADDR 0x000ffffffffff000ull

#define FLUSH_LOG 8

struct flush_rec {
	uintptr_t va;
	size_t len;
};

struct fake {
	uint8_t *mem;
	bool used[POOL_PAGES];
	long live; /* tables handed out and not freed */
	long allocs; /* successful alloc_table calls */
	long frees;
	long calls; /* alloc_table calls, failed ones included */
	long fail_at; /* fail the call whose number this is; 0: never */
	bool bad_pa; /* hand out a misaligned address */
	unsigned int flushes;
	struct flush_rec flush_log[FLUSH_LOG];
	/*
	 * Freeing a table that was linked at op_begin() with no flush since
	 * is a bug (CPUs may still cache it); flush_mark == ~0u: no check.
	 */
	unsigned int flush_mark;
	bool linked[POOL_PAGES];
	unsigned int frees_before_flush;
};

static struct fake fk;
static struct vm_space sp;

static int fake_alloc(void *ctx, paddr_t *out)
{
	unsigned int i;

	(void)ctx;
	if (++fk.calls == fk.fail_at)
		return -ENOMEM;
	for (i = 0; i < POOL_PAGES && fk.used[i]; i++)
		;
	if (i == POOL_PAGES)
		return -ENOMEM;
	fk.used[i] = true;
	memset(fk.mem + (size_t)i * PAGE_SIZE, ALLOC_POISON, PAGE_SIZE);
	fk.live++;
	fk.allocs++;
	*out = POOL_PA + (paddr_t)i * PAGE_SIZE + (fk.bad_pa ? 8 : 0);
	return 0;
}

static void fake_free(void *ctx, paddr_t pa)
{
	size_t i = (pa - POOL_PA) / PAGE_SIZE;

	(void)ctx;
	assert_true(pa >= POOL_PA && pa % PAGE_SIZE == 0);
	assert_true(i < POOL_PAGES && fk.used[i]);
	if (fk.flush_mark != ~0u && fk.flushes == fk.flush_mark && fk.linked[i])
		fk.frees_before_flush++;
	fk.used[i] = false;
	fk.frees++;
	memset(fk.mem + i * PAGE_SIZE, FREE_POISON, PAGE_SIZE);
	fk.live--;
}

static void fake_flush(void *ctx, uintptr_t va, size_t len)
{
	(void)ctx;
	assert_true(len > 0 && len % PAGE_SIZE == 0 && va % PAGE_SIZE == 0);
	if (fk.flushes < FLUSH_LOG)
		fk.flush_log[fk.flushes] = (struct flush_rec){ va, len };
	fk.flushes++;
}

static struct vm_ops ops = {
	.alloc_table = fake_alloc,
	.free_table = fake_free,
	.flush = fake_flush,
};

static int setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.flush_mark = ~0u;
	fk.mem = aligned_alloc(PAGE_SIZE, (size_t)POOL_PAGES * PAGE_SIZE);
	assert_non_null(fk.mem);
	ops.virt_offset = (uintptr_t)fk.mem - POOL_PA;
	assert_int_equal(vm_space_init(&sp, &ops), 0);
	assert_int_equal(fk.live, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fk.flush_mark = ~0u; /* destroy frees without a flush, by contract */
	if (sp.vs_ops)
		vm_space_destroy(&sp);
	assert_int_equal(fk.live, 0);
	assert_int_equal(fk.frees_before_flush, 0);
	free(fk.mem);
	return 0;
}

static uint64_t *raw_table(paddr_t pa)
{
	assert_true(pa >= POOL_PA && pa < POOL_PA + POOL_PAGES * PAGE_SIZE);
	return (uint64_t *)(uintptr_t)(pa + ops.virt_offset);
}

/*
 * Counts the tables under the level-l table at pa, itself included, and
 * checks that none but the root is empty and that no entry has US set.
 * With mark, records them in fk.linked.
 */
static long raw_count_tables(paddr_t pa, int l, bool mark)
{
	uint64_t *t = raw_table(pa);
	long n = 1, present = 0;
	unsigned int i;

	if (mark)
		fk.linked[(pa - POOL_PA) / PAGE_SIZE] = true;
	for (i = 0; i < 512; i++) {
		if (!(t[i] & HW_P))
			continue;
		present++;
		assert_false(t[i] & HW_US);
		if (l > 0 && (l == 3 || !(t[i] & HW_PS))) {
			assert_int_equal(t[i] & ~HW_ADDR & ~HW_A, HW_P | HW_RW);
			n += raw_count_tables(t[i] & HW_ADDR, l - 1, mark);
		}
	}
	if (l < 3)
		assert_true(present > 0);
	return n;
}

/* Every table in the tree is one the fake handed out, and vice versa. */
static void check_tables(void)
{
	assert_int_equal(raw_count_tables(sp.vs_root, 3, false), fk.live);
}

/* The raw entry that maps va: a leaf; fails the test if there is none. */
static uint64_t *raw_leaf(uintptr_t va)
{
	uint64_t *pte;
	int l;

	for (l = 3;; l--) {
		pte = raw_table(l == 3 ? sp.vs_root : *pte & HW_ADDR) +
		      ((va >> (12 + 9 * l)) & 511);
		assert_true(*pte & HW_P);
		if (l == 0 || (l < 3 && (*pte & HW_PS)))
			return pte;
	}
}

/* Starts an op: tables linked now must not be freed before a flush. */
static void op_begin(void)
{
	memset(fk.linked, 0, sizeof(fk.linked));
	assert_int_equal(raw_count_tables(sp.vs_root, 3, true), fk.live);
	fk.flush_mark = fk.flushes;
}

/* --- walk dumps ----------------------------------------------------- */

struct leaf {
	uintptr_t va;
	paddr_t pa;
	size_t size;
	unsigned int prot;
};

struct dump {
	struct leaf *v;
	size_t n, cap;
};

static int dump_add(void *arg, uintptr_t va, paddr_t pa, size_t size,
		    unsigned int prot)
{
	struct dump *d = arg;

	if (d->n > 0)
		assert_true(va >= d->v[d->n - 1].va + d->v[d->n - 1].size);
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
		assert_non_null(d->v);
	}
	d->v[d->n++] = (struct leaf){ va, pa, size, prot };
	return 0;
}

static struct dump dump_take(void)
{
	struct dump d = { 0 };

	assert_int_equal(vm_walk(&sp, dump_add, &d), 0);
	return d;
}

static void dump_check_same(struct dump *a)
{
	struct dump b = dump_take();

	assert_int_equal(a->n, b.n);
	if (a->n)
		assert_memory_equal(a->v, b.v, a->n * sizeof(*a->v));
	free(b.v);
}

static void dump_check_leaf(const struct dump *d, size_t i, uintptr_t va,
			    paddr_t pa, size_t size, unsigned int prot)
{
	assert_true(i < d->n);
	assert_int_equal(d->v[i].va, va);
	assert_int_equal(d->v[i].pa, pa);
	assert_int_equal(d->v[i].size, size);
	assert_int_equal(d->v[i].prot, prot);
}

/* --- helpers -------------------------------------------------------- */

static void check_query(uintptr_t va, paddr_t pa, unsigned int prot,
			size_t size)
{
	paddr_t got_pa = 0;
	unsigned int got_prot = 0;
	size_t got_size = 0;

	assert_int_equal(vm_query(&sp, va, &got_pa, &got_prot, &got_size), 0);
	assert_int_equal(got_pa, pa);
	assert_int_equal(got_prot, prot);
	assert_int_equal(got_size, size);
}

static void check_unmapped(uintptr_t va)
{
	assert_int_equal(vm_query(&sp, va, NULL, NULL, NULL), -ENOENT);
}

#define RW (VM_READ | VM_WRITE)
#define RX (VM_READ | VM_EXEC)
#define G1 PAGE_SIZE_1G
#define M2 PAGE_SIZE_2M
#define K4 PAGE_SIZE

/* --- tests ---------------------------------------------------------- */

static int bad_alloc(void *ctx, paddr_t *out)
{
	(void)ctx;
	*out = 1ull << 52;
	return 0;
}

static void test_init_args(void **state)
{
	struct vm_ops bad = ops;
	struct vm_space s2 = { 0 };

	(void)state;
	assert_int_equal(vm_space_init(&s2, NULL), -EINVAL);
	bad.flush = NULL;
	assert_int_equal(vm_space_init(&s2, &bad), -EINVAL);
	bad = ops;
	bad.free_table = NULL;
	assert_int_equal(vm_space_init(&s2, &bad), -EINVAL);
	bad = ops;
	bad.alloc_table = bad_alloc;
	assert_int_equal(vm_space_init(&s2, &bad), -EIO);
	fk.fail_at = fk.calls + 1;
	assert_int_equal(vm_space_init(&s2, &ops), -ENOMEM);
	fk.bad_pa = true;
	assert_int_equal(vm_space_init(&s2, &ops), -EIO);
	fk.live--; /* that page was not a valid table: vm keeps it */
	fk.bad_pa = false;
	assert_null(s2.vs_ops);
	assert_int_equal(fk.live, 1);
}

static void test_map_4k(void **state)
{
	(void)state;
	assert_int_equal(vm_map(&sp, 0x400000, 0x12345000, K4, RW, G1), 0);
	check_query(0x400000, 0x12345000, RW, K4);
	check_query(0x400123, 0x12345123, RW, K4);
	check_query(0x400fff, 0x12345fff, RW, K4);
	check_unmapped(0x401000);
	check_unmapped(0x3ff000);
	assert_int_equal(fk.live, 4);
	assert_int_equal(fk.flushes, 0);
	check_tables();
}

static void test_map_2m_1g(void **state)
{
	(void)state;
	assert_int_equal(vm_map(&sp, 0x40200000, 0x80200000, M2, RX, G1), 0);
	check_query(0x40200000, 0x80200000, RX, M2);
	check_query(0x403fffff, 0x803fffff, RX, M2);
	check_unmapped(0x40400000);
	assert_int_equal(fk.live, 3);
	assert_int_equal(vm_map(&sp, 0x80000000, 0x1c0000000, G1, 0, G1), 0);
	check_query(0x80000000, 0x1c0000000, VM_READ, G1);
	check_query(0xbfffffff, 0x1ffffffff, VM_READ, G1);
	check_unmapped(0xc0000000);
	assert_int_equal(fk.live, 3);
	check_tables();
}

/* 2 x 4K, 2M, 1G, 2M, 3 x 4K, each the largest that fits. */
static void test_map_mixed_sizes(void **state)
{
	const uintptr_t va = 0x3fdfe000, end = 0x80203000;
	struct dump d;

	(void)state;
	assert_int_equal(vm_map(&sp, va, va, end - va, RW, G1), 0);
	d = dump_take();
	assert_int_equal(d.n, 8);
	dump_check_leaf(&d, 0, 0x3fdfe000, 0x3fdfe000, K4, RW);
	dump_check_leaf(&d, 1, 0x3fdff000, 0x3fdff000, K4, RW);
	dump_check_leaf(&d, 2, 0x3fe00000, 0x3fe00000, M2, RW);
	dump_check_leaf(&d, 3, 0x40000000, 0x40000000, G1, RW);
	dump_check_leaf(&d, 4, 0x80000000, 0x80000000, M2, RW);
	dump_check_leaf(&d, 5, 0x80200000, 0x80200000, K4, RW);
	dump_check_leaf(&d, 7, 0x80202000, 0x80202000, K4, RW);
	free(d.v);
	check_tables();
}

/* [0x200000, 0x40600000): 511 x 2M up to 1G, then 6M left: 3 x 2M. */
static void test_map_2m_run(void **state)
{
	struct dump d;
	size_t i;

	(void)state;
	assert_int_equal(vm_map(&sp, 0x200000, 0x200000, 0x40400000, RW, G1),
			 0);
	d = dump_take();
	assert_int_equal(d.n, 514);
	for (i = 0; i < d.n; i++)
		dump_check_leaf(&d, i, 0x200000 + i * M2, 0x200000 + i * M2, M2,
				RW);
	free(d.v);
}

/* Page size follows the alignment of pa as much as of va. */
static void test_map_pa_alignment(void **state)
{
	(void)state;
	assert_int_equal(vm_map(&sp, 0x40000000, 0x200000, G1, RW, G1), 0);
	check_query(0x40000000, 0x200000, RW, M2);
	check_query(0x7fffffff, 0x401fffff, RW, M2);
	assert_int_equal(vm_map(&sp, 0x80000000, 0x3000, M2, RW, G1), 0);
	check_query(0x80000000, 0x3000, RW, K4);
	check_query(0x801ff000, 0x202000, RW, K4);
	check_tables();
}

static void test_max_page(void **state)
{
	struct dump d;

	(void)state;
	assert_int_equal(vm_map(&sp, G1, G1, 4 * M2, RW, K4), 0);
	d = dump_take();
	assert_int_equal(d.n, 4 * 512);
	free(d.v);
	check_query(G1 + M2 + 0x10, G1 + M2 + 0x10, RW, K4);
	assert_int_equal(vm_map(&sp, 2 * G1, 0, G1, RW, M2), 0);
	check_query(2 * G1, 0, RW, M2);
	check_query(3 * G1 - 1, G1 - 1, RW, M2);
	assert_int_equal(vm_map(&sp, 4 * G1, 0, G1, RW, 0), -EINVAL);
	assert_int_equal(vm_map(&sp, 4 * G1, 0, G1, RW, 2 * K4), -EINVAL);
	assert_int_equal(vm_map(&sp, 4 * G1, 0, G1, RW, 2 * G1), -EINVAL);
	check_tables();
}

/* Every overlap is refused and leaves the tree exactly as it was. */
static void test_map_eexist(void **state)
{
	static const struct {
		uintptr_t va;
		size_t len;
	} tries[] = {
		{ 0x40000000, G1 },	  { 0x40200000, K4 },
		{ 0x3ffff000, 0x2000 },	  { 0x7ffff000, 0x2000 },
		{ 0x80000000, M2 },	  { 0x801ff000, K4 },
		{ 0x7fe00000, 0x400000 }, { 0, 4 * G1 },
	};
	struct dump d;
	long live;
	size_t i;

	(void)state;
	assert_int_equal(vm_map(&sp, 0x40000000, 0x40000000, G1, RW, G1), 0);
	assert_int_equal(vm_map(&sp, 0x801ff000, 0x5000, K4, RW, G1), 0);
	d = dump_take();
	live = fk.live;
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		assert_int_equal(vm_map(&sp, tries[i].va, 0x100000000,
					tries[i].len, RW, G1),
				 -EEXIST);
		dump_check_same(&d);
		assert_int_equal(fk.live, live);
	}
	free(d.v);
	assert_int_equal(fk.flushes, 0);
}

static void test_unmap_splits_2m(void **state)
{
	const uintptr_t va = 0x40200000;
	const paddr_t pa = 0x80000000;
	struct dump d;

	(void)state;
	assert_int_equal(vm_map(&sp, va, pa, M2, VM_READ | VM_GLOBAL, G1), 0);
	op_begin();
	assert_int_equal(vm_unmap(&sp, va + 0x100000, K4), 0);
	check_unmapped(va + 0x100000);
	check_unmapped(va + 0x100fff);
	check_query(va, pa, VM_READ | VM_GLOBAL, K4);
	check_query(va + 0xff123, pa + 0xff123, VM_READ | VM_GLOBAL, K4);
	check_query(va + 0x101000, pa + 0x101000, VM_READ | VM_GLOBAL, K4);
	check_query(va + M2 - 1, pa + M2 - 1, VM_READ | VM_GLOBAL, K4);
	d = dump_take();
	assert_int_equal(d.n, 511);
	free(d.v);
	/* Split entries are 4K leaves: no PS (bit 7 is PAT there). */
	assert_int_equal(*raw_leaf(va + K4),
			 (pa + K4) | HW_P | HW_A | HW_D | HW_G | HW_NX);
	assert_int_equal(fk.flushes, 1);
	assert_int_equal(fk.flush_log[0].va, va);
	assert_int_equal(fk.flush_log[0].len, M2);
	check_tables();

	op_begin();
	assert_int_equal(vm_unmap(&sp, va, M2), 0);
	assert_int_equal(fk.live, 1); /* every empty table was freed */
	assert_int_equal(fk.flushes, 2);
}

static void test_protect_1g_subrange(void **state)
{
	const uintptr_t va = 0x40000000;
	const paddr_t pa = 0x100000000;
	long allocs = fk.allocs;

	(void)state;
	assert_int_equal(vm_map(&sp, va, pa, G1, RX, G1), 0);
	allocs = fk.allocs;
	assert_int_equal(vm_protect(&sp, va + 0x201000, 0x3000, RW), 0);
	assert_int_equal(fk.allocs - allocs, 2); /* one PD, one PT */
	check_query(va + 0x201000, pa + 0x201000, RW, K4);
	check_query(va + 0x203fff, pa + 0x203fff, RW, K4);
	check_query(va + 0x200000, pa + 0x200000, RX, K4);
	check_query(va + 0x204000, pa + 0x204000, RX, K4);
	check_query(va, pa, RX, M2);
	check_query(va + 0x400000, pa + 0x400000, RX, M2);
	check_query(va + G1 - 1, pa + G1 - 1, RX, M2);
	assert_int_equal(*raw_leaf(va + G1 - M2),
			 (pa + G1 - M2) | HW_P | HW_A | HW_D | HW_PS);
	assert_int_equal(*raw_leaf(va + 0x202000),
			 (pa + 0x202000) | HW_P | HW_RW | HW_A | HW_D | HW_NX);
	assert_int_equal(fk.flushes, 1);
	assert_int_equal(fk.flush_log[0].va, va);
	assert_int_equal(fk.flush_log[0].len, G1);
	check_tables();
}

/* Splits at both ends, in one large page or two, cost what they need. */
static void test_split_counts(void **state)
{
	long a;

	(void)state;
	assert_int_equal(vm_map(&sp, G1, 0, 2 * G1, RW, G1), 0);
	a = fk.allocs;
	assert_int_equal(vm_unmap(&sp, G1 + 0x1000, 0x3000), 0);
	assert_int_equal(fk.allocs - a, 2);
	a = fk.allocs;
	assert_int_equal(vm_unmap(&sp, G1 + 0x1ff000, 0x3000), 0);
	assert_int_equal(fk.allocs - a, 1); /* the PD exists already */
	a = fk.allocs;
	/* From a split 1G page into a whole one: PT, then PD + PT. */
	assert_int_equal(vm_protect(&sp, 2 * G1 - M2 - K4, 2 * M2 + 3 * K4, 0),
			 0);
	assert_int_equal(fk.allocs - a, 3);
	check_query(2 * G1 - M2 - K4, G1 - M2 - K4, VM_READ, K4);
	check_query(2 * G1 - M2 - 2 * K4, G1 - M2 - 2 * K4, RW, K4);
	check_query(2 * G1 - M2, G1 - M2, VM_READ, M2);
	check_query(2 * G1, G1, VM_READ, M2);
	check_query(2 * G1 + M2 + K4, G1 + M2 + K4, VM_READ, K4);
	check_query(2 * G1 + M2 + 2 * K4, G1 + M2 + 2 * K4, RW, K4);
	check_query(2 * G1 + 2 * M2, G1 + 2 * M2, RW, M2);

	/* Start in a hole, end 2M-aligned inside a 1G page: one PD. */
	assert_int_equal(vm_map(&sp, 4 * G1, 0, G1, RW, G1), 0);
	a = fk.allocs;
	assert_int_equal(vm_unmap(&sp, 3 * G1, G1 + M2), 0);
	assert_int_equal(fk.allocs - a, 1);
	check_unmapped(4 * G1 + M2 - 1);
	check_query(4 * G1 + M2, M2, RW, M2);
	check_tables();
}

static void test_wx_and_prot_bits(void **state)
{
	unsigned int wx = VM_WRITE | VM_EXEC;

	(void)state;
	assert_int_equal(vm_map(&sp, 0, 0, K4, wx, G1), -EINVAL);
	assert_int_equal(vm_map(&sp, 0, 0, K4, RW | VM_EXEC, G1), -EINVAL);
	assert_int_equal(vm_map(&sp, 0, 0, K4, 0x20, G1), -EINVAL);
	assert_int_equal(fk.live, 1);
	assert_int_equal(vm_map(&sp, 0, 0, K4, VM_UNCACHED | RW, G1), 0);
	check_query(0, 0, VM_UNCACHED | RW, K4);
	assert_int_equal(vm_protect(&sp, 0, K4, wx), -EINVAL);
	assert_int_equal(vm_protect(&sp, 0, K4, 0x40), -EINVAL);
	check_query(0, 0, VM_UNCACHED | RW, K4);
	assert_int_equal(vm_protect(&sp, 0, K4, VM_EXEC | VM_GLOBAL), 0);
	check_query(0, 0, RX | VM_GLOBAL, K4);
}

static void test_bad_args(void **state)
{
	const uintptr_t hole = 0x0000800000000000ul;

	(void)state;
	assert_int_equal(vm_map(&sp, 0x1800, 0, K4, RW, G1), -EINVAL);
	assert_int_equal(vm_map(&sp, 0x1000, 0x800, K4, RW, G1), -EINVAL);
	assert_int_equal(vm_map(&sp, 0x1000, 0, 0x800, RW, G1), -EINVAL);
	assert_int_equal(vm_map(&sp, 0x1000, 0, 0, RW, G1), -EINVAL);
	assert_int_equal(vm_map(&sp, -0x1000ul, 0, 0x2000, RW, G1), -EINVAL);
	assert_int_equal(vm_map(&sp, hole, 0, K4, RW, G1), -EINVAL);
	assert_int_equal(vm_map(&sp, hole - K4, 0, 2 * K4, RW, G1), -EINVAL);
	assert_int_equal(vm_map(&sp, 0, (1ull << 52) - K4, 2 * K4, RW, G1),
			 -EINVAL);
	assert_int_equal(vm_map(&sp, 0, 0, (size_t)1 << 53, RW, G1), -EINVAL);
	assert_int_equal(vm_unmap(&sp, 0x1800, K4), -EINVAL);
	assert_int_equal(vm_unmap(&sp, 0, 0), -EINVAL);
	assert_int_equal(vm_unmap(&sp, hole, K4), -EINVAL);
	assert_int_equal(vm_unmap(&sp, -0x1000ul, 0x2000), -EINVAL);
	assert_int_equal(vm_protect(&sp, 0x1000, 0x10, RW), -EINVAL);
	assert_int_equal(vm_protect(&sp, hole - K4, 2 * K4, RW), -EINVAL);
	assert_int_equal(vm_query(&sp, hole, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(vm_query(&sp, -1ul, NULL, NULL, NULL), -ENOENT);
	/* The last page below the hole is fine, as is 2^52 - 4K. */
	assert_int_equal(vm_map(&sp, hole - K4, (1ull << 52) - K4, K4, RW, G1),
			 0);
	check_query(hole - 1, (1ull << 52) - 1, RW, K4);
	assert_int_equal(fk.live, 4);
	assert_int_equal(fk.flushes, 0);
}

static void test_high_half(void **state)
{
	const uintptr_t hi = 0xffff800000000000ul, top = 0xffffffffc0000000ul;
	struct dump d;

	(void)state;
	assert_int_equal(vm_map(&sp, hi, 0x200000, M2 + K4, RW, G1), 0);
	assert_int_equal(vm_map(&sp, top, 0x40000000, G1, RX, G1), 0);
	assert_int_equal(vm_map(&sp, 0x1000, 0x1000, K4, 0, G1), 0);
	check_query(hi + 0x10, 0x200010, RW, M2);
	check_query(hi + M2, 0x400000, RW, K4);
	check_query(-1ul, 0x7fffffff, RX, G1);
	d = dump_take();
	assert_int_equal(d.n, 4);
	dump_check_leaf(&d, 0, 0x1000, 0x1000, K4, VM_READ);
	dump_check_leaf(&d, 1, hi, 0x200000, M2, RW);
	dump_check_leaf(&d, 2, hi + M2, 0x400000, K4, RW);
	dump_check_leaf(&d, 3, top, 0x40000000, G1, RX);
	free(d.v);

	/* The range ends at 2^64: va + len wraps to 0, last does not. */
	op_begin();
	assert_int_equal(vm_unmap(&sp, -0x1000ul, 0x1000), 0);
	check_unmapped(-1ul);
	check_query(-0x1001ul, 0x7fffefff, RX, K4);
	check_query(top, 0x40000000, RX, M2);
	assert_int_equal(fk.flush_log[0].va, top);
	assert_int_equal(fk.flush_log[0].len, G1);
	assert_int_equal(vm_protect(&sp, top, G1 - K4, VM_READ), 0);
	check_query(-0x1001ul, 0x7fffefff, VM_READ, K4);
	op_begin();
	assert_int_equal(vm_unmap(&sp, hi, 0 - hi), 0);
	check_unmapped(top);
	check_unmapped(hi);
	check_query(0x1000, 0x1000, VM_READ, K4);
	assert_int_equal(fk.live, 4);
	check_tables();
}

static void test_unmap_holes(void **state)
{
	(void)state;
	op_begin();
	assert_int_equal(vm_unmap(&sp, 0, G1), 0);
	assert_int_equal(fk.flushes, 0); /* nothing was mapped */
	assert_int_equal(vm_map(&sp, 0x10000, 0x10000, 0x3000, RW, G1), 0);
	assert_int_equal(vm_map(&sp, 0x200000, 0x200000, M2, RW, G1), 0);
	op_begin();
	assert_int_equal(vm_unmap(&sp, 0x11000, 0x300000), 0);
	check_query(0x10000, 0x10000, RW, K4);
	check_unmapped(0x11000);
	check_unmapped(0x12000);
	check_unmapped(0x200000);
	check_unmapped(0x310fff);
	check_query(0x311000, 0x311000, RW, K4);
	assert_int_equal(fk.flushes, 1);
	assert_int_equal(fk.flush_log[0].va, 0x11000);
	assert_int_equal(fk.flush_log[0].len, 0x3ef000); /* to 2M's end */
	check_tables();
}

static void test_protect_hole(void **state)
{
	struct dump d;
	long allocs;

	(void)state;
	assert_int_equal(vm_map(&sp, G1, 0, M2, RW, G1), 0);
	assert_int_equal(vm_map(&sp, G1 + 2 * M2, 0, G1 - 2 * M2, RW, G1), 0);
	d = dump_take();
	allocs = fk.allocs;
	assert_int_equal(vm_protect(&sp, G1 + K4, 3 * M2, VM_READ), -ENOENT);
	assert_int_equal(vm_protect(&sp, G1 + M2, K4, VM_READ), -ENOENT);
	assert_int_equal(vm_protect(&sp, 0, K4, VM_READ), -ENOENT);
	dump_check_same(&d);
	free(d.v);
	assert_int_equal(fk.allocs, allocs);
	assert_int_equal(fk.flushes, 0);
	assert_int_equal(vm_protect(&sp, G1 + 2 * M2, G1 - 2 * M2, 0), 0);
	assert_int_equal(fk.allocs, allocs);
	check_query(2 * G1 - 1, G1 - 2 * M2 - 1, VM_READ, M2);
}

static void test_raw_entries(void **state)
{
	uint64_t *pml4 = raw_table(sp.vs_root), *pdpt, *pd, *pt;

	(void)state;
	assert_int_equal(vm_map(&sp, 0x1000, 0x5000, K4, RW, G1), 0);
	assert_int_equal(vm_map(&sp, 0x200000, 0x400000, M2,
				RX | VM_UNCACHED | VM_GLOBAL, G1),
			 0);
	assert_int_equal(vm_map(&sp, G1, 0x80000000, G1, VM_READ, G1), 0);
	assert_int_equal(pml4[0] & ~HW_ADDR, HW_P | HW_RW);
	pdpt = raw_table(pml4[0] & HW_ADDR);
	assert_int_equal(pdpt[1],
			 0x80000000 | HW_P | HW_A | HW_D | HW_PS | HW_NX);
	assert_int_equal(pdpt[0] & ~HW_ADDR, HW_P | HW_RW);
	pd = raw_table(pdpt[0] & HW_ADDR);
	assert_int_equal(pd[1], 0x400000 | HW_P | HW_A | HW_D | HW_PS | HW_PCD |
					HW_PWT | HW_G);
	pt = raw_table(pd[0] & HW_ADDR);
	assert_int_equal(pt[1], 0x5000 | HW_P | HW_RW | HW_A | HW_D | HW_NX);
	assert_int_equal(pt[0], 0);
	assert_int_equal(pt[2], 0);
}

static int walk_stop_at_3(void *arg, uintptr_t va, paddr_t pa, size_t size,
			  unsigned int prot)
{
	int *calls = arg;

	(void)va;
	(void)pa;
	(void)size;
	(void)prot;
	return ++*calls == 3 ? 42 : 0;
}

static void test_walk_stops(void **state)
{
	int calls = 0;

	(void)state;
	assert_int_equal(vm_walk(&sp, walk_stop_at_3, &calls), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(vm_map(&sp, 0, 0, 8 * K4, RW, G1), 0);
	assert_int_equal(vm_walk(&sp, walk_stop_at_3, &calls), 42);
	assert_int_equal(calls, 3);
}

/*
 * The W^X audit reads every leaf once: it finds a writable and executable
 * leaf of each size (vm_map refuses to make one, so the test writes it),
 * the first in address order, and counts leaves of every size.
 */
static void test_audit_wx(void **state)
{
	size_t leaves = 99;
	uintptr_t bad = 1;
	uint64_t *pte;

	(void)state;
	assert_int_equal(vm_audit_wx(&sp, &leaves, &bad), 0);
	assert_int_equal(leaves, 0);
	assert_int_equal(vm_map(&sp, 0x10000, 0x10000, 3 * K4, RX, G1), 0);
	assert_int_equal(vm_map(&sp, M2, M2, 3 * M2, RW, G1), 0);
	assert_int_equal(vm_map(&sp, 2 * G1, 0, G1, VM_READ, G1), 0);
	assert_int_equal(vm_map(&sp, 0xffff800000000000ul, 0x1000, K4, RW, G1),
			 0);
	assert_int_equal(vm_audit_wx(&sp, &leaves, &bad), 0);
	assert_int_equal(leaves, 3 + 3 + 1 + 1);
	assert_int_equal(bad, 1);

	pte = raw_leaf(0xffff800000000000ul);
	*pte &= ~HW_NX;
	assert_int_equal(vm_audit_wx(&sp, &leaves, &bad), -EEXIST);
	assert_int_equal(bad, 0xffff800000000000ul);
	pte = raw_leaf(2 * G1);
	*pte = (*pte | HW_RW) & ~HW_NX;
	assert_int_equal(vm_audit_wx(&sp, &leaves, &bad), -EEXIST);
	assert_int_equal(bad, 2 * G1);
	pte = raw_leaf(2 * M2);
	*pte &= ~HW_NX;
	assert_int_equal(vm_audit_wx(&sp, &leaves, &bad), -EEXIST);
	assert_int_equal(bad, 2 * M2);
	pte = raw_leaf(0x11000);
	*pte |= HW_RW;
	assert_int_equal(vm_audit_wx(&sp, &leaves, &bad), -EEXIST);
	assert_int_equal(bad, 0x11000);
	assert_int_equal(leaves, 2);
	/* Writable, or executable, alone is fine. */
	*pte &= ~HW_RW;
	*raw_leaf(2 * M2) |= HW_NX;
	*raw_leaf(2 * G1) &= ~HW_RW;
	*raw_leaf(0xffff800000000000ul) |= HW_NX;
	assert_int_equal(vm_audit_wx(&sp, &leaves, &bad), 0);
}

/*
 * A long 4 KiB run fills whole page tables at once: every entry from an
 * unaligned start across two table boundaries gets its own frame, and a
 * mapped page anywhere inside a later table makes the whole call fail
 * with nothing changed.
 */
static void test_map_long_run(void **state)
{
	uintptr_t va = M2 - 3 * K4;
	size_t n = 2 * 512 + 7, i;
	long live;

	(void)state;
	assert_int_equal(vm_map(&sp, 3 * M2 + 5 * K4, 0x9000, K4, RW, G1), 0);
	live = fk.live;
	assert_int_equal(vm_map(&sp, va, 0x40000000, n * K4 + 2 * M2, RW, K4),
			 -EEXIST);
	assert_int_equal(fk.live, live);
	check_unmapped(va);
	assert_int_equal(vm_map(&sp, va, 0x40000000, n * K4, RW, K4), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(*raw_leaf(va + i * K4),
				 (0x40000000 + i * K4) | HW_P | HW_RW | HW_A |
					 HW_D | HW_NX);
	check_unmapped(va - K4);
	check_unmapped(va + n * K4);
	check_query(3 * M2 + 5 * K4, 0x9000, RW, K4);
	check_tables();
}

/* --- -ENOMEM at every allocation point ---------------------------- */

/* A space with 4K, 2M and 1G pages and partly built tables. */
static void build_base(void)
{
	assert_int_equal(vm_map(&sp, G1, G1, 2 * G1, RX, G1), 0);
	assert_int_equal(vm_map(&sp, 4 * G1 - 4 * M2, 0, 4 * M2, RW, G1), 0);
	assert_int_equal(vm_map(&sp, 0x7000, 0x7000, K4, RW, G1), 0);
}

/* 4K, 2M, 2 x 4K from 4G + 0x1ff000: new PD and PT, then a PT. */
static int op_map_many(void)
{
	const uintptr_t va = 4 * G1 + 0x1ff000;

	return vm_map(&sp, va, va, 0x203000, RW, G1);
}

/* 4K, 2M | 2M, 3 x 4K across a PML4 boundary: PDPT, PD, PT | 3 more. */
static int op_map_far(void)
{
	return vm_map(&sp, 0xffff8fffffdff000ul, 0x1ff000, K4 + 2 * M2 + 3 * K4,
		      0, M2);
}

static int op_unmap_split(void)
{
	return vm_unmap(&sp, G1 + 0x1000, G1);
}

static int op_protect_split(void)
{
	return vm_protect(&sp, 4 * G1 - 3 * M2 - K4, M2 + 2 * K4, VM_READ);
}

static int op_protect_inner(void)
{
	return vm_protect(&sp, 2 * G1 + 0x3000, 0x5000, VM_READ);
}

/*
 * Runs op with the 1st, 2nd, ... allocation failing until it succeeds;
 * each failure must leave the same tree and table count. Returns how
 * many allocations the successful run made.
 */
static long enomem_sweep(int (*op)(void))
{
	struct dump d;
	long n, live, allocs;
	int rc;

	build_base();
	d = dump_take();
	live = fk.live;
	for (n = 1;; n++) {
		fk.fail_at = fk.calls + n;
		allocs = fk.allocs;
		op_begin();
		rc = op();
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_int_equal(fk.live, live);
		assert_int_equal(fk.allocs - allocs, n - 1);
		dump_check_same(&d);
		check_tables();
	}
	fk.fail_at = 0;
	free(d.v);
	check_tables();
	assert_int_equal(fk.allocs - allocs, n - 1);
	return n - 1;
}

static void test_enomem_map(void **state)
{
	(void)state;
	/* PT at 0, PD and PT at 1G-2M (the 1G page is 1G..3G). */
	assert_int_equal(enomem_sweep(op_map_many), 3);
	check_query(4 * G1 + 0x1ff000, 4 * G1 + 0x1ff000, RW, K4);
	check_query(4 * G1 + 0x200000, 4 * G1 + 0x200000, RW, M2);
	check_query(4 * G1 + 0x401fff, 4 * G1 + 0x401fff, RW, K4);
	check_unmapped(4 * G1 + 0x402000);
}

static void test_enomem_map_far(void **state)
{
	(void)state;
	assert_int_equal(enomem_sweep(op_map_far), 6);
	check_query(0xffff8fffffdff000ul, 0x1ff000, VM_READ, K4);
	check_query(0xffff8fffffe00000ul, 0x200000, VM_READ, M2);
	check_query(0xffff900000000000ul, 0x400000, VM_READ, M2);
	check_query(0xffff900000202fffull, 0x602fff, VM_READ, K4);
}

static void test_enomem_unmap(void **state)
{
	(void)state;
	assert_int_equal(enomem_sweep(op_unmap_split), 4);
	check_query(G1, G1, RX, K4);
	check_unmapped(2 * G1);
	check_query(2 * G1 + 0x1000, 2 * G1 + 0x1000, RX, K4);
	check_query(2 * G1 + M2, 2 * G1 + M2, RX, M2);
}

static void test_enomem_protect(void **state)
{
	(void)state;
	assert_int_equal(enomem_sweep(op_protect_split), 2);
	check_query(4 * G1 - 3 * M2 - K4,
		    4 * G1 - 3 * M2 - K4 - 4 * G1 + 4 * M2, VM_READ, K4);
	assert_int_equal(fk.frees_before_flush, 0);
}

static void test_enomem_protect_inner(void **state)
{
	(void)state;
	assert_int_equal(enomem_sweep(op_protect_inner), 2);
	check_query(2 * G1 + 0x3000, 2 * G1 + 0x3000, VM_READ, K4);
	check_query(2 * G1 + 0x8000, 2 * G1 + 0x8000, RX, K4);
}

static void test_destroy_frees_all(void **state)
{
	(void)state;
	build_base();
	assert_int_equal(vm_unmap(&sp, G1 + K4, K4), 0);
	assert_int_equal(vm_map(&sp, 0xffffff8000000000ul, 0, 5 * M2, 0, G1),
			 0);
	assert_true(fk.live > 5);
	vm_space_destroy(&sp);
	assert_int_equal(fk.live, 0);
	assert_int_equal(fk.allocs, fk.frees);
	assert_null(sp.vs_ops);
}

/* --- randomized, against a model ----------------------------------- */

#define RAND_OPS 3000
#define MODEL_UNITS 2048

/* One unit is the smallest piece the ops touch; ops align to it. */
struct model {
	uintptr_t base;
	unsigned int unit_shift;
	paddr_t pa[MODEL_UNITS];
	unsigned int prot[MODEL_UNITS]; /* 0: unmapped; else VM_READ | ... */
};

static uint64_t lcg_state;

/* Knuth's MMIX LCG; the high bits are the good ones. */
static uint32_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(lcg_state >> 33);
}

static unsigned int rand_prot(void)
{
	unsigned int prot = lcg() & VM_PROT_MASK;

	if ((prot & (VM_WRITE | VM_EXEC)) == (VM_WRITE | VM_EXEC) && lcg() % 8)
		prot &= lcg() % 2 ? ~VM_WRITE : ~VM_EXEC;
	return prot;
}

/* Units per next larger page: ops often start or end on one. */
#define LARGE_UNITS 512

/* A unit index, often at or just after a larger page boundary. */
static size_t rand_index(void)
{
	size_t i = lcg() % MODEL_UNITS;

	switch (lcg() % 4) {
	case 0:
		return i & ~(size_t)(LARGE_UNITS - 1);
	case 1:
		return (i & ~(size_t)(LARGE_UNITS - 1)) + lcg() % 3;
	default:
		return i;
	}
}

/*
 * A length in units for a range from start: short, about one larger page,
 * or long; clamped to the window.
 */
static size_t rand_len_units(size_t start)
{
	size_t max = MODEL_UNITS - start, n;

	switch (lcg() % 4) {
	case 0:
		n = 1 + lcg() % 8;
		break;
	case 1:
		n = LARGE_UNITS * (1 + lcg() % 2);
		break;
	case 2:
		n = LARGE_UNITS + lcg() % 5 - 2;
		break;
	default:
		n = 1 + lcg() % (MODEL_UNITS / 2);
		break;
	}
	return n < max ? n : max;
}

static bool model_any(const struct model *m, size_t i, size_t n, bool mapped)
{
	for (; n > 0; i++, n--)
		if ((m->prot[i] != 0) == mapped)
			return true;
	return false;
}

static void model_check(const struct model *m)
{
	size_t unit = (size_t)1 << m->unit_shift, i;
	uintptr_t off, va;
	paddr_t pa;
	unsigned int prot;

	for (i = 0; i < MODEL_UNITS; i++) {
		off = (lcg() % (unit / K4)) * K4 + lcg() % K4;
		va = m->base + i * unit + off;
		if (!m->prot[i]) {
			check_unmapped(va);
			continue;
		}
		assert_int_equal(vm_query(&sp, va, &pa, &prot, NULL), 0);
		assert_int_equal(pa, m->pa[i] + off);
		assert_int_equal(prot, m->prot[i]);
	}
}

static int rand_map(struct model *m, size_t i, size_t n)
{
	static const size_t max_pages[] = { K4, M2, G1, G1 };
	size_t unit = (size_t)1 << m->unit_shift, k;
	unsigned int prot = rand_prot();
	paddr_t pa;
	int rc;

	/* Same alignment as va often, any unit-aligned pa sometimes. */
	pa = lcg() % 4 ? (i * unit) + (paddr_t)(lcg() % 64) * G1
		       : (paddr_t)(lcg() % (1u << 20)) * unit;
	rc = vm_map(&sp, m->base + i * unit, pa, n * unit, prot,
		    max_pages[lcg() % 4]);
	if ((prot & (VM_WRITE | VM_EXEC)) == (VM_WRITE | VM_EXEC))
		assert_int_equal(rc, -EINVAL);
	else if (model_any(m, i, n, true))
		assert_int_equal(rc, -EEXIST);
	else
		assert_true(rc == 0 || rc == -ENOMEM);
	if (rc)
		return rc;
	for (k = 0; k < n; k++) {
		m->pa[i + k] = pa + k * unit;
		m->prot[i + k] = prot | VM_READ;
	}
	return 0;
}

static int rand_protect(struct model *m, size_t i, size_t n)
{
	size_t unit = (size_t)1 << m->unit_shift;
	unsigned int prot = rand_prot();
	int rc;

	rc = vm_protect(&sp, m->base + i * unit, n * unit, prot);
	if ((prot & (VM_WRITE | VM_EXEC)) == (VM_WRITE | VM_EXEC))
		assert_int_equal(rc, -EINVAL);
	else if (model_any(m, i, n, false))
		assert_int_equal(rc, -ENOENT);
	else
		assert_true(rc == 0 || rc == -ENOMEM);
	if (rc)
		return rc;
	for (; n > 0; i++, n--)
		m->prot[i] = prot | VM_READ;
	return 0;
}

static int rand_unmap(struct model *m, size_t i, size_t n)
{
	size_t unit = (size_t)1 << m->unit_shift;
	int rc;

	rc = vm_unmap(&sp, m->base + i * unit, n * unit);
	assert_true(rc == 0 || rc == -ENOMEM);
	if (rc)
		return rc;
	for (; n > 0; i++, n--)
		m->prot[i] = 0;
	return 0;
}

/* One random op; with fault injection armed, -ENOMEM is allowed. */
static void rand_step(struct model *m)
{
	size_t i = rand_index(), n = rand_len_units(i);
	bool inject = lcg() % 8 == 0;
	unsigned int op = lcg() % 5; /* 2 map : 1 protect : 2 unmap */
	long live = fk.live;
	int rc;

	fk.fail_at = inject ? fk.calls + 1 + lcg() % 3 : 0;
	op_begin();
	if (op < 2)
		rc = rand_map(m, i, n);
	else if (op == 2)
		rc = rand_protect(m, i, n);
	else
		rc = rand_unmap(m, i, n);
	if (rc == -ENOMEM) {
		assert_true(inject);
		assert_int_equal(fk.live, live);
	}
	fk.fail_at = 0;
	model_check(m);
	check_tables();
}

static int count_large(void *arg, uintptr_t va, paddr_t pa, size_t size,
		       unsigned int prot)
{
	size_t *large = arg;

	(void)va;
	(void)pa;
	(void)prot;
	if (size == large[0])
		large[1]++;
	return 0;
}

/* Runs RAND_OPS ops; pages of LARGE_UNITS units must show up often. */
static void rand_run(struct model *m, uint64_t seed)
{
	size_t unit = (size_t)1 << m->unit_shift;
	size_t large[2] = { unit * LARGE_UNITS, 0 };
	int i, ops_with_large = 0;

	lcg_state = seed;
	for (i = 0; i < RAND_OPS; i++) {
		rand_step(m);
		large[1] = 0;
		assert_int_equal(vm_walk(&sp, count_large, large), 0);
		ops_with_large += large[1] > 0;
	}
	assert_true(ops_with_large > RAND_OPS / 30);
	op_begin();
	assert_int_equal(vm_unmap(&sp, m->base, MODEL_UNITS * unit), 0);
	assert_int_equal(fk.live, 1);
}

static void test_random_4k(void **state)
{
	static struct model m;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.base = G1 - 2 * M2; /* 8 MiB across a 1 GiB boundary */
	m.unit_shift = PAGE_SHIFT;
	rand_run(&m, 0x5eed0001);
}

static void test_random_2m(void **state)
{
	static struct model m;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.base = 0xffff800000000000ul + 511 * G1; /* 4 GiB, crosses 512G */
	m.unit_shift = 21;
	rand_run(&m, 0x5eed0002);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_args, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_2m_1g, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_mixed_sizes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_2m_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_pa_alignment, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_max_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_eexist, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmap_splits_2m, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_protect_1g_subrange, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_counts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wx_and_prot_bits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_high_half, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmap_holes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_protect_hole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_raw_entries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_audit_wx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_long_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_stops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_enomem_map, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_enomem_map_far, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_enomem_unmap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_enomem_protect, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_enomem_protect_inner,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_frees_all, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_random_4k, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_random_2m, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
