/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/mm/vmem.c: argument checks, first fit, merging and
 * splitting, and random runs of every call against a page-bitmap model,
 * with -ENOMEM injected by a fake heap_alloc that fails its Nth call. The
 * test provides heap_alloc/heap_free and counts live nodes.
 */

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/page.h>
#include <kernel/vmem.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NPAGES 256
#define LOW_BASE 0x100000000000ul
/* An arena that ends at the last page of the address space. */
#define HIGH_BASE (0ul - (NPAGES + 1) * PAGE_SIZE)
#define RANDOM_OPS 50000

/* --- fake heap ------------------------------------------------------ */

static struct {
	long calls; /* heap_alloc calls, failed ones included */
	long fail_at; /* fail the call with this number; 0: never */
	long live; /* nodes handed out and not freed */
} fh;

void *heap_alloc(size_t size)
{
	if (++fh.calls == fh.fail_at)
		return NULL;
	fh.live++;
	return malloc(size);
}

void heap_free(void *p)
{
	if (!p)
		return;
	fh.live--;
	free(p);
}

/* --- the model ------------------------------------------------------ */

static struct vmem vm;
static uintptr_t base;
static bool taken[NPAGES];

static uintptr_t va_of(long page)
{
	return base + (uintptr_t)page * PAGE_SIZE;
}

static bool in_arena(long p, long n)
{
	return n > 0 && p >= 0 && p + n <= NPAGES;
}

static bool model_all(long p, long n, bool want)
{
	long i;

	for (i = p; i < p + n; i++)
		if (taken[i] != want)
			return false;
	return true;
}

static void model_set(long p, long n, bool v)
{
	long i;

	for (i = p; i < p + n; i++)
		taken[i] = v;
}

/* Maximal runs of taken pages: the number of nodes vmem must hold. */
static long model_runs(void)
{
	long i, runs = 0;

	for (i = 0; i < NPAGES; i++)
		if (taken[i] && (i == 0 || !taken[i - 1]))
			runs++;
	return runs;
}

static long model_find(long n)
{
	long p;

	for (p = 0; p + n <= NPAGES; p++)
		if (model_all(p, n, false))
			return p;
	return -1;
}

/* The arena matches the model page by page and holds one node per run. */
static void check_model(void)
{
	long i;

	for (i = 0; i < NPAGES; i++)
		assert_int_equal(vmem_is_free(&vm, va_of(i), PAGE_SIZE),
				 !taken[i]);
	assert_int_equal(fh.live, model_runs());
}

static int setup_arena(uintptr_t b)
{
	base = b;
	memset(taken, 0, sizeof(taken));
	memset(&fh, 0, sizeof(fh));
	return vmem_init(&vm, base, NPAGES * PAGE_SIZE);
}

static int setup_low(void **state)
{
	(void)state;
	return setup_arena(LOW_BASE);
}

static int setup_high(void **state)
{
	(void)state;
	return setup_arena(HIGH_BASE);
}

static int teardown(void **state)
{
	(void)state;
	vmem_destroy(&vm);
	assert_int_equal(fh.live, 0);
	return 0;
}

/* --- fixed cases ---------------------------------------------------- */

static void test_init_args(void **state)
{
	struct vmem v;

	(void)state;
	assert_int_equal(vmem_init(NULL, LOW_BASE, PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_init(&v, LOW_BASE, 0), -EINVAL);
	assert_int_equal(vmem_init(&v, LOW_BASE + 1, PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_init(&v, LOW_BASE, PAGE_SIZE + 1), -EINVAL);
	assert_int_equal(vmem_init(&v, 0ul - PAGE_SIZE, PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_init(&v, 0, 0ul - PAGE_SIZE), 0);
	vmem_destroy(&v);
}

static void test_range_args(void **state)
{
	uintptr_t out = 1;

	(void)state;
	assert_int_equal(vmem_alloc(&vm, 0, &out), -EINVAL);
	assert_int_equal(vmem_alloc(&vm, 100, &out), -EINVAL);
	assert_int_equal(vmem_alloc(&vm, PAGE_SIZE, NULL), -EINVAL);
	assert_int_equal(vmem_alloc(NULL, PAGE_SIZE, &out), -EINVAL);
	assert_int_equal(vmem_find(&vm, 0, &out), -EINVAL);
	assert_int_equal(out, 1);
	assert_int_equal(vmem_reserve(&vm, va_of(0) + 8, PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_reserve(&vm, va_of(-1), PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_reserve(&vm, va_of(NPAGES), PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_reserve(&vm, va_of(NPAGES - 1), 2 * PAGE_SIZE),
			 -EINVAL);
	assert_int_equal(vmem_reserve(&vm, va_of(1), 0ul - PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_claim(&vm, va_of(0), 0), -EINVAL);
	assert_int_equal(vmem_clear(&vm, va_of(0), PAGE_SIZE / 2), -EINVAL);
	assert_false(vmem_is_free(&vm, va_of(NPAGES), PAGE_SIZE));
	assert_true(vmem_is_free(&vm, va_of(0), NPAGES * PAGE_SIZE));
	assert_int_equal(fh.calls, 0);
}

static void test_first_fit(void **state)
{
	uintptr_t a, b, c, d;

	(void)state;
	assert_int_equal(vmem_alloc(&vm, 2 * PAGE_SIZE, &a), 0);
	assert_int_equal(vmem_alloc(&vm, 3 * PAGE_SIZE, &b), 0);
	assert_int_equal(vmem_alloc(&vm, PAGE_SIZE, &c), 0);
	assert_int_equal(a, va_of(0));
	assert_int_equal(b, va_of(2));
	assert_int_equal(c, va_of(5));
	assert_int_equal(fh.live, 1); /* adjacent: one extent */
	assert_int_equal(vmem_release(&vm, b, 3 * PAGE_SIZE), 0);
	assert_int_equal(fh.live, 2);
	/* Too big for the hole: after c. Fits the hole: in it. */
	assert_int_equal(vmem_alloc(&vm, 4 * PAGE_SIZE, &d), 0);
	assert_int_equal(d, va_of(6));
	assert_int_equal(vmem_find(&vm, 2 * PAGE_SIZE, &d), 0);
	assert_int_equal(d, va_of(2));
	assert_int_equal(vmem_alloc(&vm, 3 * PAGE_SIZE, &d), 0);
	assert_int_equal(d, va_of(2));
	assert_int_equal(fh.live, 1);
	assert_int_equal(vmem_alloc(&vm, (NPAGES - 9) * PAGE_SIZE, &d),
			 -ENOMEM);
	assert_int_equal(vmem_alloc(&vm, (NPAGES - 10) * PAGE_SIZE, &d), 0);
	assert_int_equal(d, va_of(10));
	assert_int_equal(vmem_find(&vm, PAGE_SIZE, &d), -ENOMEM);
	assert_int_equal(vmem_alloc(&vm, PAGE_SIZE, &d), -ENOMEM);
	assert_int_equal(fh.live, 1);
}

static void test_reserve_release(void **state)
{
	(void)state;
	assert_int_equal(vmem_reserve(&vm, va_of(10), 10 * PAGE_SIZE), 0);
	assert_int_equal(vmem_reserve(&vm, va_of(19), 2 * PAGE_SIZE), -EEXIST);
	assert_int_equal(vmem_reserve(&vm, va_of(5), 6 * PAGE_SIZE), -EEXIST);
	assert_int_equal(vmem_reserve(&vm, va_of(20), PAGE_SIZE), 0);
	assert_int_equal(vmem_reserve(&vm, va_of(9), PAGE_SIZE), 0);
	assert_int_equal(fh.live, 1);
	/* [9, 21) taken: release checks every page. */
	assert_int_equal(vmem_release(&vm, va_of(8), 2 * PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_release(&vm, va_of(20), 2 * PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_release(&vm, va_of(30), PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_release(&vm, va_of(12), 2 * PAGE_SIZE), 0);
	assert_int_equal(fh.live, 2);
	assert_int_equal(vmem_release(&vm, va_of(12), PAGE_SIZE), -EINVAL);
	assert_int_equal(vmem_release(&vm, va_of(9), 3 * PAGE_SIZE), 0);
	assert_int_equal(vmem_release(&vm, va_of(14), 7 * PAGE_SIZE), 0);
	assert_int_equal(fh.live, 0);
	assert_true(vmem_is_free(&vm, va_of(0), NPAGES * PAGE_SIZE));
}

static void test_claim_clear(void **state)
{
	(void)state;
	assert_int_equal(vmem_reserve(&vm, va_of(2), PAGE_SIZE), 0);
	assert_int_equal(vmem_reserve(&vm, va_of(5), PAGE_SIZE), 0);
	assert_int_equal(vmem_reserve(&vm, va_of(8), PAGE_SIZE), 0);
	assert_int_equal(fh.live, 3);
	/* Over all three and the holes: one node left, none allocated. */
	fh.fail_at = fh.calls + 1;
	assert_int_equal(vmem_claim(&vm, va_of(1), 9 * PAGE_SIZE), 0);
	assert_int_equal(fh.live, 1);
	assert_false(vmem_is_free(&vm, va_of(1), PAGE_SIZE));
	assert_false(vmem_is_free(&vm, va_of(9), PAGE_SIZE));
	assert_true(vmem_is_free(&vm, va_of(10), PAGE_SIZE));
	/* A hole in the middle needs a node; the failure changes nothing. */
	assert_int_equal(vmem_clear(&vm, va_of(4), 2 * PAGE_SIZE), -ENOMEM);
	assert_false(vmem_is_free(&vm, va_of(4), PAGE_SIZE));
	fh.fail_at = 0;
	assert_int_equal(vmem_clear(&vm, va_of(4), 2 * PAGE_SIZE), 0);
	assert_int_equal(fh.live, 2);
	/* Clearing over holes and both ends needs nothing. */
	fh.fail_at = fh.calls + 1;
	assert_int_equal(vmem_clear(&vm, va_of(0), 20 * PAGE_SIZE), 0);
	assert_int_equal(fh.live, 0);
	assert_int_equal(vmem_clear(&vm, va_of(0), 20 * PAGE_SIZE), 0);
	/* A claim touching nothing needs a node. */
	assert_int_equal(vmem_claim(&vm, va_of(3), PAGE_SIZE), -ENOMEM);
	assert_true(vmem_is_free(&vm, va_of(0), NPAGES * PAGE_SIZE));
}

static void test_whole_arena(void **state)
{
	uintptr_t out;

	(void)state;
	assert_int_equal(vmem_alloc(&vm, NPAGES * PAGE_SIZE, &out), 0);
	assert_int_equal(out, va_of(0));
	assert_int_equal(vmem_alloc(&vm, PAGE_SIZE, &out), -ENOMEM);
	assert_int_equal(vmem_release(&vm, va_of(NPAGES - 1), PAGE_SIZE), 0);
	assert_int_equal(vmem_alloc(&vm, PAGE_SIZE, &out), 0);
	assert_int_equal(out, va_of(NPAGES - 1));
	assert_int_equal(vmem_release(&vm, va_of(0), NPAGES * PAGE_SIZE), 0);
	assert_int_equal(fh.live, 0);
}

/* --- random runs against the model ---------------------------------- */

enum op { OP_ALLOC, OP_FIND, OP_RESERVE, OP_RELEASE, OP_CLAIM, OP_CLEAR };

/* Result and new model state of one op; *page gets where alloc puts it. */
static int model_op(enum op op, long p, long n, bool aligned, long *page)
{
	if (op == OP_ALLOC || op == OP_FIND) {
		if (!aligned || n <= 0)
			return -EINVAL;
		*page = n <= NPAGES ? model_find(n) : -1;
		if (*page < 0)
			return -ENOMEM;
		if (op == OP_ALLOC)
			model_set(*page, n, true);
		return 0;
	}
	if (!aligned || !in_arena(p, n))
		return -EINVAL;
	if (op == OP_RESERVE && !model_all(p, n, false))
		return -EEXIST;
	if (op == OP_RELEASE && !model_all(p, n, true))
		return -EINVAL;
	model_set(p, n, op == OP_RESERVE || op == OP_CLAIM);
	return 0;
}

static int real_op(enum op op, uintptr_t va, size_t len, uintptr_t *out)
{
	switch (op) {
	case OP_ALLOC:
		return vmem_alloc(&vm, len, out);
	case OP_FIND:
		return vmem_find(&vm, len, out);
	case OP_RESERVE:
		return vmem_reserve(&vm, va, len);
	case OP_RELEASE:
		return vmem_release(&vm, va, len);
	case OP_CLAIM:
		return vmem_claim(&vm, va, len);
	default:
		return vmem_clear(&vm, va, len);
	}
}

/* Mostly small ranges near taken space, some out of bounds or unaligned. */
static void pick_args(long *p, long *n, bool *aligned)
{
	*p = rand() % (NPAGES + 8) - 4;
	*n = rand() % 8 == 0 ? rand() % (NPAGES + 4) : rand() % 12;
	*aligned = rand() % 32 != 0;
}

/*
 * One random op, with the next heap_alloc failing when inject is set. A
 * node is needed exactly when the op adds a run of taken pages; then the
 * call must fail with -ENOMEM and change nothing.
 */
static void random_step(bool inject)
{
	bool before[NPAGES], aligned, need;
	long p, n, page = -1, runs = model_runs(), calls = fh.calls;
	enum op op = (enum op)(rand() % 6);
	uintptr_t va, out = 0;
	size_t len;
	int want, got;

	pick_args(&p, &n, &aligned);
	va = va_of(p) + (aligned ? 0 : 512);
	len = (size_t)n * PAGE_SIZE + (aligned ? 0 : 512);
	memcpy(before, taken, sizeof(taken));
	want = model_op(op, p, n, aligned, &page);
	need = want == 0 && model_runs() > runs;
	if (inject)
		fh.fail_at = fh.calls + 1;
	got = real_op(op, va, len, &out);
	fh.fail_at = 0;
	if (inject && need) {
		want = -ENOMEM;
		memcpy(taken, before, sizeof(taken));
	}
	assert_int_equal(got, want);
	if (got == 0 && (op == OP_ALLOC || op == OP_FIND))
		assert_int_equal(out, va_of(page));
	/* One heap_alloc call exactly when a node is needed, else none. */
	assert_int_equal(fh.calls - calls, need);
	check_model();
}

static void random_run(unsigned int seed, int inject_one_in)
{
	long i;

	srand(seed);
	for (i = 0; i < RANDOM_OPS; i++) {
		random_step(inject_one_in && rand() % inject_one_in == 0);
		/* Drain now and then so that both full and empty are seen. */
		if (rand() % 5000 == 0) {
			assert_int_equal(
				vmem_clear(&vm, va_of(0), NPAGES * PAGE_SIZE),
				0);
			model_set(0, NPAGES, false);
			check_model();
		}
	}
}

static void test_random(void **state)
{
	(void)state;
	random_run(1, 0);
}

static void test_random_enomem(void **state)
{
	(void)state;
	random_run(2, 3);
}

/*
 * A scripted sequence rerun with the Nth heap_alloc failing, for every N
 * it reaches: each failing call changes nothing and a retry succeeds.
 */
static void test_fail_every_call(void **state)
{
	static const struct {
		enum op op;
		long p, n;
	} script[] = {
		{ OP_RESERVE, 10, 5 }, { OP_ALLOC, 0, 3 },
		{ OP_RESERVE, 30, 2 }, { OP_CLAIM, 12, 20 },
		{ OP_RELEASE, 20, 2 }, { OP_CLEAR, 0, 11 },
		{ OP_ALLOC, 0, 1 },    { OP_CLAIM, 100, 1 },
		{ OP_CLEAR, 0, 40 },
	};
	size_t s;
	long fail;

	(void)state;
	for (fail = 1; fail <= 8; fail++) {
		assert_int_equal(setup_arena(LOW_BASE), 0);
		fh.fail_at = fail;
		for (s = 0; s < sizeof(script) / sizeof(script[0]); s++) {
			long page;
			bool before[NPAGES];
			uintptr_t out;
			int rc;

			memcpy(before, taken, sizeof(taken));
			assert_int_equal(model_op(script[s].op, script[s].p,
						  script[s].n, true, &page),
					 0);
			rc = real_op(script[s].op, va_of(script[s].p),
				     script[s].n * PAGE_SIZE, &out);
			if (rc == -ENOMEM) {
				memcpy(taken, before, sizeof(taken));
				check_model();
				rc = real_op(script[s].op, va_of(script[s].p),
					     script[s].n * PAGE_SIZE, &out);
				memcpy(taken, before, sizeof(taken));
				model_op(script[s].op, script[s].p, script[s].n,
					 true, &page);
			}
			assert_int_equal(rc, 0);
			check_model();
		}
		vmem_destroy(&vm);
		assert_int_equal(fh.live, 0);
	}
}

#define LOW_TEST(f) cmocka_unit_test_setup_teardown(f, setup_low, teardown)
#define HIGH_TEST(f) cmocka_unit_test_setup_teardown(f, setup_high, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_args),
		LOW_TEST(test_range_args),
		HIGH_TEST(test_range_args),
		LOW_TEST(test_first_fit),
		HIGH_TEST(test_first_fit),
		LOW_TEST(test_reserve_release),
		LOW_TEST(test_claim_clear),
		LOW_TEST(test_whole_arena),
		HIGH_TEST(test_whole_arena),
		LOW_TEST(test_random),
		HIGH_TEST(test_random),
		LOW_TEST(test_random_enomem),
		HIGH_TEST(test_random_enomem),
		LOW_TEST(test_fail_every_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
