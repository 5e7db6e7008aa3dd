/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the guarded stack allocator (kernel/mm/stack.c) over fake
 * frames and a fake page table: placement at the top of a slot, guard
 * reporting by name, rollback when frames run out, and free/reuse.
 */
#include <setjmp.h>
#include <stdarg.h>
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

	if (frames_limit == 0)
		return -ENOMEM;
	if (frames_limit > 0)
		frames_limit--;
	p = aligned_alloc(4096, 4096);
	assert_non_null(p);
	frames_live++;
	*out = (paddr_t)(uintptr_t)p;
	return 0;
}

int pmm_free_page(paddr_t pa)
{
	free((void *)(uintptr_t)pa);
	frames_live--;
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
	assert_int_equal(len, 4096);
	assert_true(find(va) < 0);
	assert_true(nmaps < MAP_MAX);
	maps[nmaps++] = (typeof(maps[0])){ va, pa, prot };
	return 0;
}

int mm_unmap_pages(uintptr_t va, size_t len)
{
	int i = find(va);

	assert_int_equal(len, 4096);
	if (i >= 0)
		maps[i] = maps[--nmaps];
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
	assert_int_equal(st.ks_top % STACK_SLOT_SIZE, 0);
	assert_true(st.ks_bottom >= STACK_REGION_BASE);
	for (va = st.ks_bottom; va < st.ks_top; va += 4096) {
		unsigned int prot;

		assert_int_equal(mm_query(va, NULL, &prot), 0);
		assert_int_equal(prot, VM_READ | VM_WRITE);
	}
	assert_int_equal(mm_query(st.ks_bottom - 4096, NULL, NULL), -ENOENT);
	assert_int_equal(frames_live, 3);
	stack_free(&st);
	assert_int_equal(frames_live, 0);
	assert_int_equal(nmaps, 0);
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
	assert_int_equal(frames_live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_sits_at_slot_top),
		cmocka_unit_test(test_guard_names_its_stack),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_no_frames_rolls_back),
		cmocka_unit_test(test_slots_are_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
