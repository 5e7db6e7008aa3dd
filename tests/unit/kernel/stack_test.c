/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the guarded stack allocator (kernel/mm/stack.c) over fake
 * frames and a fake page table: placement at the top of a slot, guard
 * reporting by name, rollback when frames run out, and free/reuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include <kernel/stack.h>
#include <kernel/vm.h>

/* --- fakes: frames are malloc'd pages, the page table a small array --- */

#define MAP_MAX 4096

static struct {
	uintptr_t va;
	paddr_t pa;
	unsigned int prot;
} maps[MAP_MAX];
static int nmaps, frames_live, frames_limit = -1;
char boot_stack_guard[4096]; /* the boot stack's guard page stand-in */

int pmm_alloc_page(paddr_t *out)
{
	void *p;

	/* frames_limit >= 0 caps the frames live at once. */
	if (frames_limit >= 0 && frames_live >= frames_limit)
		return -ENOMEM;
	p = aligned_alloc(4096, 4096);
	assert_non_null(p);
	frames_live++;
	*out = (paddr_t)(uintptr_t)p;
	return 0;
}

/*
 * Runs for pmm_alloc_pages(): one malloc'd block each, freed when its
 * last page comes back. runs_enabled off: the fake has no runs to give.
 */
#define RUN_MAX 64
static struct {
	char *base;
	size_t n, freed;
} runs[RUN_MAX];
static bool runs_enabled;
static int runs_given;

int pmm_alloc_pages(size_t n, paddr_t *out)
{
	int i;

	if (!runs_enabled ||
	    (frames_limit >= 0 && frames_live + (int)n > frames_limit))
		return -ENOMEM;
	for (i = 0; i < RUN_MAX && runs[i].base; i++)
		;
	assert_true(i < RUN_MAX);
	runs[i].base = aligned_alloc(4096, n * 4096);
	assert_non_null(runs[i].base);
	memset(runs[i].base, 0xa5, n * 4096);
	runs[i].n = n;
	runs[i].freed = 0;
	frames_live += (int)n;
	runs_given++;
	*out = (paddr_t)(uintptr_t)runs[i].base;
	return 0;
}

int pmm_free_page(paddr_t pa)
{
	char *p = (char *)(uintptr_t)pa;
	int i;

	frames_live--;
	for (i = 0; i < RUN_MAX; i++) {
		if (runs[i].base && p >= runs[i].base &&
		    p < runs[i].base + runs[i].n * 4096) {
			if (++runs[i].freed == runs[i].n) {
				free(runs[i].base);
				runs[i].base = NULL;
			}
			return 0;
		}
	}
	free(p);
	return 0;
}

static int find(uintptr_t va)
{
	int i;

	for (i = 0; i < nmaps; i++)
		if (maps[i].va == va)
			return i;
	return -1;
}

int mm_map_pages(uintptr_t va, paddr_t pa, size_t len, unsigned int prot)
{
	size_t off;

	assert_true(len > 0 && len % 4096 == 0);
	for (off = 0; off < len; off += 4096) {
		assert_true(find(va + off) < 0);
		assert_true(nmaps < MAP_MAX);
		maps[nmaps++] = (typeof(maps[0])){ va + off, pa + off, prot };
	}
	return 0;
}

int mm_unmap_pages(uintptr_t va, size_t len)
{
	size_t off;

	assert_int_equal(len % 4096, 0);
	for (off = 0; off < len; off += 4096) {
		int i = find(va + off);

		if (i >= 0)
			maps[i] = maps[--nmaps];
	}
	return 0;
}

int mm_query(uintptr_t va, paddr_t *pa, unsigned int *prot)
{
	int i = find(va & ~4095ul);

	if (i < 0)
		return -ENOENT;
	if (pa)
		*pa = maps[i].pa + (va & 4095);
	if (prot)
		*prot = maps[i].prot | VM_READ;
	return 0;
}

void *heap_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}

/* --- tests ------------------------------------------------------------- */

static void test_stack_sits_at_slot_top(void **state)
{
	struct kstack st;
	uintptr_t va;

	(void)state;
	assert_int_equal(stack_alloc(&st, 3 * 4096 - 100, "t1"), 0);
	assert_int_equal(st.ks_top - st.ks_bottom, 3 * 4096);
	/* A small stack: a 64 KiB slot in the small region. */
	assert_int_equal(st.ks_top % STACK_SMALL_SLOT_SIZE, 0);
	assert_true(st.ks_bottom >= STACK_SMALL_BASE);
	for (va = st.ks_bottom; va < st.ks_top; va += 4096) {
		unsigned int prot;

		assert_int_equal(mm_query(va, NULL, &prot), 0);
		assert_int_equal(prot, VM_READ | VM_WRITE);
	}
	assert_int_equal(mm_query(st.ks_bottom - 4096, NULL, NULL), -ENOENT);
	assert_int_equal(frames_live, 3);
	stack_free(&st);
	stack_cache_drain();
	assert_int_equal(frames_live, 0);
	assert_int_equal(nmaps, 0);
}

static void test_freed_stacks_are_reused_mapped(void **state)
{
	struct kstack a, b, c;

	(void)state;
	assert_int_equal(stack_alloc(&a, 8192, "a"), 0);
	stack_free(&a);
	/* Kept mapped: no frames come or go, and the guard names nobody. */
	assert_int_equal(frames_live, 2);
	assert_null(stack_guard_owner(a.ks_bottom - 8));
	assert_int_equal(stack_alloc(&b, 8192, "b"), 0);
	assert_int_equal(b.ks_top, a.ks_top);
	assert_int_equal(frames_live, 2);
	assert_string_equal(stack_guard_owner(b.ks_bottom - 8), "b");
	/* Another size does not take it. */
	assert_int_equal(stack_alloc(&c, 4096, "c"), 0);
	assert_int_not_equal(c.ks_top, b.ks_top);
	stack_free(&b);
	stack_free(&c);
	stack_cache_drain();
	assert_int_equal(frames_live, 0);
	assert_int_equal(nmaps, 0);
}

static void test_no_frames_drains_the_cache(void **state)
{
	struct kstack a, b;

	(void)state;
	assert_int_equal(stack_alloc(&a, 3 * 4096, "a"), 0);
	stack_free(&a);
	frames_limit = 3; /* all of them are parked in the cache */
	assert_int_equal(stack_alloc(&b, 2 * 4096, "b"), 0);
	frames_limit = -1;
	assert_int_equal(frames_live, 2);
	stack_free(&b);
	stack_cache_drain();
	assert_int_equal(frames_live, 0);
}

static void test_large_stack_takes_a_large_slot(void **state)
{
	struct kstack st, small;

	(void)state;
	assert_int_equal(stack_alloc(&st, STACK_SMALL_MAX + 1, "big"), 0);
	assert_int_equal(st.ks_top % STACK_SLOT_SIZE, 0);
	assert_true(st.ks_top <= STACK_SMALL_BASE);
	assert_int_equal(st.ks_top - st.ks_bottom, STACK_SMALL_MAX + 4096);
	assert_string_equal(stack_guard_owner(st.ks_bottom - 1), "big");
	/* Anywhere below it in its slot names it. */
	assert_string_equal(stack_guard_owner(st.ks_top - STACK_SLOT_SIZE),
			    "big");
	assert_int_equal(stack_alloc(&small, STACK_SMALL_MAX, "small"), 0);
	assert_true(small.ks_bottom >= STACK_SMALL_BASE);
	assert_int_equal(small.ks_top - small.ks_bottom, STACK_SMALL_MAX);
	/* Its guard is the one page below, inside its 64 KiB slot. */
	assert_string_equal(stack_guard_owner(small.ks_bottom - 1), "small");
	assert_null(stack_guard_owner(small.ks_bottom - 4097));
	stack_free(&st);
	stack_free(&small);
	stack_cache_drain();
	assert_int_equal(frames_live, 0);
}

static void test_guard_names_its_stack(void **state)
{
	struct kstack a, b;

	(void)state;
	assert_int_equal(stack_alloc(&a, 8192, "alpha"), 0);
	assert_int_equal(stack_alloc(&b, 4096, "beta"), 0);
	assert_string_equal(stack_guard_owner(a.ks_bottom - 8), "alpha");
	assert_string_equal(stack_guard_owner(b.ks_bottom - 4096), "beta");
	assert_null(stack_guard_owner(a.ks_bottom)); /* inside the stack */
	assert_null(stack_guard_owner(0x1000));
	assert_string_equal(stack_guard_owner((uintptr_t)boot_stack_guard + 5),
			    "boot");
	stack_free(&a);
	assert_null(stack_guard_owner(a.ks_bottom - 8)); /* slot freed */
	stack_free(&b);
	stack_cache_drain();
}

static void test_bad_sizes(void **state)
{
	struct kstack st;

	(void)state;
	assert_int_equal(stack_alloc(&st, 0, "z"), -EINVAL);
	assert_int_equal(stack_alloc(&st, STACK_SIZE_MAX + 1, "z"), -EINVAL);
	assert_int_equal(nmaps, 0);
}

static void test_no_frames_rolls_back(void **state)
{
	struct kstack st;

	(void)state;
	frames_limit = 2;
	assert_int_equal(stack_alloc(&st, 4 * 4096, "big"), -ENOMEM);
	frames_limit = -1;
	assert_int_equal(frames_live, 0);
	assert_int_equal(nmaps, 0);
	/* The slot was not taken: a later stack works. */
	assert_int_equal(stack_alloc(&st, 4096, "small"), 0);
	stack_free(&st);
	stack_cache_drain();
}

static void test_slots_are_reused(void **state)
{
	struct kstack st[40];
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		assert_int_equal(stack_alloc(&st[i], 4096, "many"), 0);
	for (i = 0; i < 40; i += 2)
		stack_free(&st[i]);
	for (i = 0; i < 40; i += 2)
		assert_int_equal(stack_alloc(&st[i], 4096, "again"), 0);
	for (i = 0; i < 40; i++) {
		int j;

		for (j = i + 1; j < 40; j++)
			assert_int_not_equal(st[i].ks_top, st[j].ks_top);
		stack_free(&st[i]);
	}
	stack_cache_drain();
	assert_int_equal(frames_live, 0);
}

/*
 * With a run of frames to be had, a stack takes it, zeroed, in one
 * mapping of consecutive frames; its pages still go back one by one.
 * Without one (fragmented memory), it falls back to single frames.
 */
static void test_stack_takes_a_run(void **state)
{
	struct kstack st;
	uintptr_t va;
	paddr_t pa, first;
	size_t i;

	(void)state;
	runs_enabled = true;
	runs_given = 0;
	assert_int_equal(stack_alloc(&st, 5 * 4096, "run"), 0);
	assert_int_equal(runs_given, 1);
	assert_int_equal(frames_live, 5);
	assert_int_equal(mm_query(st.ks_bottom, &first, NULL), 0);
	for (va = st.ks_bottom; va < st.ks_top; va += 4096) {
		assert_int_equal(mm_query(va, &pa, NULL), 0);
		assert_int_equal(pa, first + (va - st.ks_bottom));
		for (i = 0; i < 4096; i++)
			assert_int_equal(((char *)(uintptr_t)pa)[i], 0);
	}
	assert_int_equal(mm_query(st.ks_bottom - 4096, NULL, NULL), -ENOENT);
	stack_free(&st);
	stack_cache_drain();
	assert_int_equal(frames_live, 0);
	assert_int_equal(nmaps, 0);

	/* No run: five single frames instead. */
	runs_enabled = false;
	assert_int_equal(stack_alloc(&st, 5 * 4096, "single"), 0);
	assert_int_equal(runs_given, 1);
	assert_int_equal(frames_live, 5);
	stack_free(&st);
	stack_cache_drain();
	assert_int_equal(frames_live, 0);
	assert_int_equal(nmaps, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_sits_at_slot_top),
		cmocka_unit_test(test_large_stack_takes_a_large_slot),
		cmocka_unit_test(test_guard_names_its_stack),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_no_frames_rolls_back),
		cmocka_unit_test(test_freed_stacks_are_reused_mapped),
		cmocka_unit_test(test_no_frames_drains_the_cache),
		cmocka_unit_test(test_slots_are_reused),
		cmocka_unit_test(test_stack_takes_a_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
