/* SPDX-License-Identifier: MIT */
/*
 * Host tests for kernel/dev/netbuf.c: allocation limits and counters,
 * header room (push, pull, append, trim) at its exact bounds, reference
 * counting over fragment chains (including a long chain put without
 * recursion), external areas and slices returning their memory exactly
 * once, copying out of and linearising a chain, and a put with no
 * reference left reported as a heap violation. The heap is malloc with
 * fault injection and a live count.
 */
#include <kernel/netbuf.h>

#include <kernel/errno.h>
#include <kernel/heap.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Fakes ------------------------------------------------------------------- */

static unsigned int heap_fail_at; /* the nth allocation from now fails */
static long heap_live;
static jmp_buf violation_jmp;
static bool violation_armed;
static const char *violation_what;

void *heap_alloc(size_t size)
{
	void *p;

	if (heap_fail_at && --heap_fail_at == 0)
		return NULL;
	p = malloc(size ? size : 1);
	if (p)
		heap_live++;
	return p;
}

void heap_free(void *p)
{
	if (!p)
		return;
	heap_live--;
	free(p);
}

void heap_violation(const char *what, const void *ptr)
{
	(void)ptr;
	if (!violation_armed)
		fail_msg("unexpected heap violation: %s", what);
	violation_what = what;
	longjmp(violation_jmp, 1);
}

/* Helpers ----------------------------------------------------------------- */

static struct netbuf_stats stats0;

static int setup(void **state)
{
	(void)state;
	heap_fail_at = 0;
	heap_live = 0;
	netbuf_get_stats(&stats0);
	return 0;
}

/* Every test ends with the heap and the live counters as they began. */
static int teardown(void **state)
{
	struct netbuf_stats st;

	(void)state;
	netbuf_get_stats(&st);
	assert_int_equal(heap_live, 0);
	assert_int_equal(st.ns_live, stats0.ns_live);
	assert_int_equal(st.ns_live_bytes, stats0.ns_live_bytes);
	return 0;
}

static struct netbuf *alloc_fill(size_t headroom, const char *text)
{
	size_t n = strlen(text);
	struct netbuf *nb = netbuf_alloc(headroom, n);

	assert_non_null(nb);
	memcpy(netbuf_append(nb, n), text, n);
	return nb;
}

static unsigned int ext_calls;
static void *ext_arg_seen;

static void ext_done(void *arg)
{
	ext_calls++;
	ext_arg_seen = arg;
}

/* Tests ------------------------------------------------------------------- */

static void test_alloc_layout_and_counters(void **state)
{
	struct netbuf_stats st;
	struct netbuf *nb;

	(void)state;
	nb = netbuf_alloc(160, 1500);
	assert_non_null(nb);
	assert_int_equal(nb->nb_len, 0);
	assert_int_equal(nb->nb_cap, 1660);
	assert_int_equal(nb->nb_refs, 1);
	assert_int_equal(netbuf_headroom(nb), 160);
	assert_int_equal(netbuf_tailroom(nb), 1500);
	assert_ptr_equal(nb->nb_data, nb->nb_base + 160);
	assert_null(nb->nb_frag);
	assert_null(nb->nb_release);
	assert_int_equal(nb->nb_flags, 0);
	netbuf_get_stats(&st);
	assert_int_equal(st.ns_allocs, stats0.ns_allocs + 1);
	assert_int_equal(st.ns_live, stats0.ns_live + 1);
	assert_int_equal(st.ns_live_bytes, stats0.ns_live_bytes + 1660);
	netbuf_put(nb);
	netbuf_get_stats(&st);
	assert_int_equal(st.ns_live, stats0.ns_live);
	assert_int_equal(st.ns_live_bytes, stats0.ns_live_bytes);
}

static void test_alloc_refuses_overflow_and_counts_failures(void **state)
{
	struct netbuf_stats st;

	(void)state;
	assert_null(netbuf_alloc(SIZE_MAX, 2));
	assert_null(netbuf_alloc(1, UINT32_MAX));
	assert_null(netbuf_alloc((size_t)UINT32_MAX + 1, 0));
	heap_fail_at = 1;
	assert_null(netbuf_alloc(0, 64));
	heap_fail_at = 1;
	assert_null(netbuf_ext("abc", 3, NULL, NULL));
	assert_null(netbuf_ext("abc", (size_t)UINT32_MAX + 1, NULL, NULL));
	netbuf_get_stats(&st);
	assert_int_equal(st.ns_alloc_fail, stats0.ns_alloc_fail + 6);
	assert_int_equal(st.ns_allocs, stats0.ns_allocs);
	/* The largest area that fits the 32-bit capacity is not refused by
	 * the size checks (the heap may still say no). */
	heap_fail_at = 1;
	assert_null(netbuf_alloc(0, UINT32_MAX));
}

static void test_push_pull_append_trim_bounds(void **state)
{
	struct netbuf *nb;
	uint8_t *p;

	(void)state;
	nb = netbuf_alloc(8, 16);
	assert_non_null(nb);
	p = netbuf_append(nb, 16);
	assert_ptr_equal(p, nb->nb_base + 8);
	assert_null(netbuf_append(nb, 1)); /* no tailroom left */
	assert_int_equal(nb->nb_len, 16);
	assert_null(netbuf_push(nb, 9)); /* one more than the headroom */
	assert_ptr_equal(nb->nb_data, nb->nb_base + 8);
	assert_ptr_equal(netbuf_push(nb, 8), nb->nb_base);
	assert_int_equal(nb->nb_len, 24);
	assert_int_equal(netbuf_headroom(nb), 0);
	assert_null(netbuf_pull(nb, 25));
	assert_int_equal(nb->nb_len, 24);
	assert_ptr_equal(netbuf_pull(nb, 24), nb->nb_base);
	assert_int_equal(nb->nb_len, 0);
	assert_int_equal(netbuf_headroom(nb), 24);
	assert_int_equal(netbuf_tailroom(nb), 0);
	netbuf_push(nb, 10);
	netbuf_trim(nb, 20); /* longer: no change */
	assert_int_equal(nb->nb_len, 10);
	netbuf_trim(nb, 3);
	assert_int_equal(nb->nb_len, 3);
	assert_int_equal(netbuf_tailroom(nb), 7);
	netbuf_put(nb);
}

static void test_put_chain_and_shared_pieces(void **state)
{
	struct netbuf *a = alloc_fill(4, "head"), *b = alloc_fill(0, "mid");
	struct netbuf *c = alloc_fill(0, "tail");

	(void)state;
	a->nb_frag = b;
	b->nb_frag = c;
	/* Someone else holds the middle piece: putting the frame frees the
	 * head only, and the middle piece keeps the tail alive. */
	netbuf_ref(b);
	assert_int_equal(heap_live, 3);
	netbuf_put(a);
	assert_int_equal(heap_live, 2);
	assert_int_equal(b->nb_refs, 1);
	assert_memory_equal(c->nb_data, "tail", 4);
	netbuf_put(b);
	assert_int_equal(heap_live, 0);
	netbuf_put(NULL); /* ignored */
}

/* A long chain is put iteratively: no stack growth per piece. */
static void test_put_long_chain(void **state)
{
	enum { N = 100000 };
	struct netbuf *head = NULL;
	unsigned int i;

	(void)state;
	for (i = 0; i < N; i++) {
		struct netbuf *nb = netbuf_alloc(0, 1);

		assert_non_null(nb);
		nb->nb_frag = head;
		head = nb;
	}
	assert_int_equal(heap_live, N);
	netbuf_put(head);
	assert_int_equal(heap_live, 0);
}

static void test_ext_releases_once_with_its_arg(void **state)
{
	static const char data[] = "file data kept elsewhere";
	struct netbuf *nb;
	int token;

	(void)state;
	ext_calls = 0;
	nb = netbuf_ext(data, sizeof(data), ext_done, &token);
	assert_non_null(nb);
	assert_ptr_equal(nb->nb_data, data); /* not copied */
	assert_int_equal(nb->nb_len, sizeof(data));
	assert_int_equal(netbuf_headroom(nb), 0);
	assert_null(netbuf_push(nb, 1));
	netbuf_ref(nb);
	netbuf_put(nb);
	assert_int_equal(ext_calls, 0);
	netbuf_put(nb);
	assert_int_equal(ext_calls, 1);
	assert_ptr_equal(ext_arg_seen, &token);
	/* No hook is fine. */
	nb = netbuf_ext(data, 4, NULL, NULL);
	netbuf_put(nb);
}

static void test_slice_holds_its_source(void **state)
{
	struct netbuf *src = alloc_fill(0, "0123456789"), *s, *t;

	(void)state;
	assert_null(netbuf_slice(src, 11, 0));
	assert_null(netbuf_slice(src, 4, 7));
	assert_null(netbuf_slice(src, 1, SIZE_MAX));
	assert_int_equal(src->nb_refs, 1);
	s = netbuf_slice(src, 2, 5);
	assert_non_null(s);
	assert_int_equal(src->nb_refs, 2);
	assert_ptr_equal(s->nb_data, src->nb_data + 2);
	assert_int_equal(s->nb_len, 5);
	t = netbuf_slice(src, 10, 0); /* empty, at the end */
	assert_non_null(t);
	netbuf_put(src); /* the slices keep it */
	assert_memory_equal(s->nb_data, "23456", 5);
	netbuf_put(t);
	assert_int_equal(src->nb_refs, 1);
	netbuf_put(s);
	/* The slice's allocation failing leaves the source untouched. */
	src = alloc_fill(0, "abc");
	heap_fail_at = 1;
	assert_null(netbuf_slice(src, 0, 3));
	assert_int_equal(src->nb_refs, 1);
	netbuf_put(src);
}

static void test_copy_out_across_pieces(void **state)
{
	struct netbuf *a = alloc_fill(0, "abc"), *b = alloc_fill(0, "");
	struct netbuf *c = alloc_fill(0, "defgh");
	char buf[16];

	(void)state;
	a->nb_frag = b; /* an empty piece in between */
	b->nb_frag = c;
	assert_int_equal(netbuf_frame_len(a), 8);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(netbuf_copy_out(a, 0, buf, 8), 0);
	assert_string_equal(buf, "abcdefgh");
	memset(buf, 0, sizeof(buf));
	assert_int_equal(netbuf_copy_out(a, 2, buf, 3), 0);
	assert_string_equal(buf, "cde");
	memset(buf, 0, sizeof(buf));
	assert_int_equal(netbuf_copy_out(a, 8, buf, 0), 0);
	assert_int_equal(netbuf_copy_out(a, 6, buf, 3), -EINVAL);
	assert_int_equal(netbuf_copy_out(a, SIZE_MAX, buf, 2), -EINVAL);
	assert_int_equal(buf[0], 0); /* nothing copied on failure */
	netbuf_put(a);
}

static void test_linearize_copies_frame_and_fields(void **state)
{
	struct netbuf *a = alloc_fill(20, "hdr:"), *l;

	(void)state;
	a->nb_frag = netbuf_ext("payload", 7, NULL, NULL);
	a->nb_flags = NB_CSUM_PARTIAL;
	a->nb_csum_start = 34;
	a->nb_csum_off = 16;
	a->nb_queue = 3;
	l = netbuf_linearize(a, 48);
	assert_non_null(l);
	assert_null(l->nb_frag);
	assert_int_equal(l->nb_len, 11);
	assert_memory_equal(l->nb_data, "hdr:payload", 11);
	assert_int_equal(netbuf_headroom(l), 48);
	assert_int_equal(l->nb_flags, NB_CSUM_PARTIAL);
	assert_int_equal(l->nb_csum_start, 34);
	assert_int_equal(l->nb_csum_off, 16);
	assert_int_equal(l->nb_queue, 3);
	netbuf_put(a);
	netbuf_put(l);
	a = alloc_fill(0, "x");
	heap_fail_at = 1;
	assert_null(netbuf_linearize(a, 0));
	netbuf_put(a);
}

static unsigned int released;
static struct netbuf *released_nb;

static void driver_release(struct netbuf *nb)
{
	released++;
	released_nb = nb;
	/* The hook owns nb: the piece after it was already put. */
	assert_null(nb->nb_frag);
}

static void test_init_over_driver_area(void **state)
{
	static uint8_t area[256];
	struct netbuf nb, *tail = alloc_fill(0, "tail");
	int owner;

	(void)state;
	memset(&nb, 0xa5, sizeof(nb));
	netbuf_init(&nb, area, sizeof(area), 16, driver_release, &owner);
	assert_ptr_equal(nb.nb_base, area);
	assert_ptr_equal(nb.nb_data, area + 16);
	assert_int_equal(nb.nb_len, 0);
	assert_int_equal(nb.nb_cap, 256);
	assert_int_equal(nb.nb_refs, 1);
	assert_ptr_equal(nb.nb_owner, &owner);
	assert_null(nb.nb_next);
	assert_null(nb.nb_frag);
	assert_null(nb.nb_dev);
	assert_int_equal(nb.nb_flags, 0);
	assert_int_equal(nb.nb_priv[0], 0);
	nb.nb_frag = tail;
	released = 0;
	netbuf_put(&nb);
	assert_int_equal(released, 1);
	assert_ptr_equal(released_nb, &nb);
	assert_int_equal(heap_live, 0); /* the tail was put */
	/* Headroom beyond the area is clamped to it. */
	netbuf_init(&nb, area, 8, 100, driver_release, NULL);
	assert_ptr_equal(nb.nb_data, area + 8);
	assert_int_equal(netbuf_tailroom(&nb), 0);
}

static void test_put_without_reference_is_a_violation(void **state)
{
	static uint8_t area[16];
	struct netbuf nb;

	(void)state;
	netbuf_init(&nb, area, sizeof(area), 0, driver_release, NULL);
	released = 0;
	netbuf_put(&nb);
	assert_int_equal(released, 1);
	violation_armed = true;
	if (setjmp(violation_jmp) == 0) {
		netbuf_put(&nb);
		fail_msg("second put went unnoticed");
	}
	violation_armed = false;
	assert_string_equal(violation_what, "netbuf put with no reference");
	assert_int_equal(released, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alloc_layout_and_counters,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_alloc_refuses_overflow_and_counts_failures, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_push_pull_append_trim_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_put_chain_and_shared_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_long_chain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_ext_releases_once_with_its_arg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slice_holds_its_source,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_out_across_pieces,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_linearize_copies_frame_and_fields, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_init_over_driver_area,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_put_without_reference_is_a_violation, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
