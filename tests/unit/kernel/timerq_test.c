/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/sched/timerq.c: random insert/re-arm/remove/pop
 * sequences against a sorted-array model with the heap's links checked
 * after each step, removal of the root, of a first child, of a middle
 * sibling and of a subtree, pop_expired at its boundaries, equal deadlines,
 * and 100,000-node queues drained in order on a 64 KiB thread stack (the
 * pairing must not recurse).
 */
#include <kernel/timerq.h>

#include <kernel/compiler.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* --- structure checker: an explicit stack, so it works on any shape --- */

/*
 * Checks every link of q's heap: the root has no prev or next, each child
 * list is doubly linked with its first node pointing back to the parent,
 * no child expires before its parent, every node is marked queued, and
 * there are tq_count nodes. Returns the number of nodes seen.
 */
static uint32_t check_heap(const struct timerq *q)
{
	struct timer_node **todo;
	struct timer_node *n, *c, *prev;
	size_t top = 0;
	uint32_t seen = 0;

	if (!q->tq_root) {
		assert_int_equal(q->tq_count, 0);
		return 0;
	}
	todo = malloc(sizeof(*todo) * ((size_t)q->tq_count + 1));
	assert_non_null(todo);
	assert_null(q->tq_root->tn_prev);
	assert_null(q->tq_root->tn_next);
	todo[top++] = q->tq_root;
	while (top) {
		n = todo[--top];
		assert_true(n->tn_queued);
		seen++;
		assert_true(seen <= q->tq_count);
		prev = n;
		for (c = n->tn_child; c; c = c->tn_next) {
			assert_ptr_equal(c->tn_prev, prev);
			assert_true(c->tn_deadline >= n->tn_deadline);
			assert_true(top < (size_t)q->tq_count + 1);
			todo[top++] = c;
			prev = c;
		}
	}
	free(todo);
	assert_int_equal(seen, q->tq_count);
	return seen;
}

/* --- model: a sorted array of the queued deadlines --- */

struct model {
	uint64_t *m_sorted;
	uint32_t m_count;
};

static void model_add(struct model *m, uint64_t d)
{
	uint32_t i = m->m_count;

	while (i > 0 && m->m_sorted[i - 1] > d) {
		m->m_sorted[i] = m->m_sorted[i - 1];
		i--;
	}
	m->m_sorted[i] = d;
	m->m_count++;
}

static void model_del(struct model *m, uint64_t d)
{
	uint32_t i;

	for (i = 0; i < m->m_count && m->m_sorted[i] != d; i++)
		;
	assert_true(i < m->m_count);
	memmove(&m->m_sorted[i], &m->m_sorted[i + 1],
		(m->m_count - i - 1) * sizeof(uint64_t));
	m->m_count--;
}

/* Compares q with the model: count, earliest deadline. */
static void model_check(const struct model *m, const struct timerq *q)
{
	struct timer_node *f = timerq_first(q);

	assert_int_equal(q->tq_count, m->m_count);
	if (!m->m_count) {
		assert_null(f);
		return;
	}
	assert_non_null(f);
	assert_true(timer_queued(f));
	assert_int_equal(f->tn_deadline, m->m_sorted[0]);
}

/* A deadline that often repeats, with the extremes now and then. */
static uint64_t rand_deadline(uint64_t *seed)
{
	uint64_t r = xorshift(seed);

	switch (r % 64) {
	case 0:
		return 0;
	case 1:
		return UINT64_MAX;
	case 2:
		return r; /* anywhere */
	default:
		return (r >> 8) % 500;
	}
}

/*
 * `ops` random operations on `pool` nodes: insert (a re-arm if queued),
 * remove (queued or not), pop_expired at a time near the earliest
 * deadline, and the odd drain of everything expired. The whole heap is
 * checked every `check_every` operations.
 */
static void run_random(uint32_t pool, uint32_t ops, uint32_t check_every,
		       uint64_t seed)
{
	struct timer_node *nodes = calloc(pool, sizeof(*nodes));
	struct model m = { calloc(pool, sizeof(uint64_t)), 0 };
	struct timerq q;
	struct timer_node *n, *p;
	uint64_t now, d;
	uint32_t op, k;

	assert_non_null(nodes);
	assert_non_null(m.m_sorted);
	timerq_init(&q);
	for (op = 0; op < ops; op++) {
		n = &nodes[xorshift(&seed) % pool];
		k = (uint32_t)(xorshift(&seed) % 16);
		if (k < 7) {
			d = rand_deadline(&seed);
			if (timer_queued(n))
				model_del(&m, n->tn_deadline);
			timerq_insert(&q, n, d);
			model_add(&m, d);
			assert_true(timer_queued(n));
			assert_int_equal(n->tn_deadline, d);
		} else if (k < 11) {
			bool was = timer_queued(n);

			if (was)
				model_del(&m, n->tn_deadline);
			assert_int_equal(timerq_remove(&q, n), was);
			assert_false(timer_queued(n));
		} else if (k < 15) {
			p = timerq_first(&q);
			now = p ? p->tn_deadline : 0;
			if (now && xorshift(&seed) % 2)
				now--; /* just before: nothing expires */
			p = timerq_pop_expired(&q, now);
			if (m.m_count && m.m_sorted[0] <= now) {
				assert_non_null(p);
				assert_int_equal(p->tn_deadline, m.m_sorted[0]);
				assert_false(timer_queued(p));
				model_del(&m, p->tn_deadline);
			} else {
				assert_null(p);
			}
		} else {
			now = (xorshift(&seed) >> 8) % 500;
			while ((p = timerq_pop_expired(&q, now))) {
				assert_int_equal(p->tn_deadline, m.m_sorted[0]);
				model_del(&m, p->tn_deadline);
			}
			assert_true(!m.m_count || m.m_sorted[0] > now);
		}
		model_check(&m, &q);
		if (op % check_every == 0)
			check_heap(&q);
	}
	check_heap(&q);
	while ((p = timerq_pop_expired(&q, UINT64_MAX))) {
		assert_int_equal(p->tn_deadline, m.m_sorted[0]);
		model_del(&m, p->tn_deadline);
	}
	assert_int_equal(m.m_count, 0);
	model_check(&m, &q);
	free(m.m_sorted);
	free(nodes);
}

static void test_random_small_pool(void **state)
{
	(void)state;
	run_random(8, 20000, 1, 0x9e3779b97f4a7c15ull);
}

static void test_random_medium_pool(void **state)
{
	(void)state;
	run_random(300, 50000, 1, 0x0123456789abcdefull);
}

static void test_random_large_pool(void **state)
{
	(void)state;
	run_random(5000, 200000, 499, 0xdeadbeefcafef00dull);
}

/* Pops everything with now = UINT64_MAX; expects `want` in this order. */
static void drain_expect(struct timerq *q, struct timer_node *const *want,
			 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		check_heap(q);
		assert_ptr_equal(timerq_pop_expired(q, UINT64_MAX), want[i]);
		assert_false(timer_queued(want[i]));
	}
	assert_null(timerq_pop_expired(q, UINT64_MAX));
	assert_null(timerq_first(q));
	assert_int_equal(q->tq_count, 0);
}

static void test_empty(void **state)
{
	struct timer_node n = { 0 };
	struct timerq q;

	(void)state;
	memset(&q, 0xa5, sizeof(q));
	timerq_init(&q);
	assert_null(timerq_first(&q));
	assert_int_equal(q.tq_count, 0);
	assert_null(timerq_pop_expired(&q, 0));
	assert_null(timerq_pop_expired(&q, UINT64_MAX));
	assert_false(timerq_remove(&q, &n));
	assert_false(timer_queued(&n));
	assert_int_equal(q.tq_count, 0);
}

static void test_single(void **state)
{
	struct timer_node n = { 0 };
	struct timerq q;

	(void)state;
	timerq_init(&q);
	timerq_insert(&q, &n, 42);
	assert_true(timer_queued(&n));
	assert_ptr_equal(timerq_first(&q), &n);
	assert_int_equal(q.tq_count, 1);
	check_heap(&q);
	assert_true(timerq_remove(&q, &n));
	assert_false(timerq_remove(&q, &n)); /* the second time: no-op */
	assert_null(timerq_first(&q));
	assert_int_equal(q.tq_count, 0);
	/* A removed node can be queued again. */
	timerq_insert(&q, &n, 7);
	assert_ptr_equal(timerq_pop_expired(&q, 7), &n);
	assert_int_equal(q.tq_count, 0);
}

/*
 * Inserting a(10), b(20), c(30), d(40) in that order gives the root a
 * with children d, c, b: d is a first child, c a middle sibling, b the
 * last. The shape is asserted so each test removes what it says.
 */
static void build_fan(struct timerq *q, struct timer_node *t)
{
	memset(t, 0, 4 * sizeof(*t));
	timerq_init(q);
	timerq_insert(q, &t[0], 10);
	timerq_insert(q, &t[1], 20);
	timerq_insert(q, &t[2], 30);
	timerq_insert(q, &t[3], 40);
	check_heap(q);
	assert_ptr_equal(q->tq_root, &t[0]);
	assert_ptr_equal(t[0].tn_child, &t[3]);
	assert_ptr_equal(t[3].tn_prev, &t[0]);
	assert_ptr_equal(t[3].tn_next, &t[2]);
	assert_ptr_equal(t[2].tn_prev, &t[3]);
	assert_ptr_equal(t[2].tn_next, &t[1]);
	assert_null(t[1].tn_next);
}

static void test_remove_root(void **state)
{
	struct timer_node t[4];
	struct timerq q;
	struct timer_node *const want[] = { &t[1], &t[2], &t[3] };

	(void)state;
	build_fan(&q, t);
	assert_true(timerq_remove(&q, &t[0]));
	assert_false(timer_queued(&t[0]));
	assert_int_equal(q.tq_count, 3);
	assert_ptr_equal(timerq_first(&q), &t[1]);
	drain_expect(&q, want, ARRAY_SIZE(want));
}

static void test_remove_first_child(void **state)
{
	struct timer_node t[4];
	struct timerq q;
	struct timer_node *const want[] = { &t[0], &t[1], &t[2] };

	(void)state;
	build_fan(&q, t);
	assert_true(timerq_remove(&q, &t[3]));
	assert_ptr_equal(t[0].tn_child, &t[2]);
	assert_ptr_equal(t[2].tn_prev, &t[0]);
	drain_expect(&q, want, ARRAY_SIZE(want));
}

static void test_remove_middle_sibling(void **state)
{
	struct timer_node t[4];
	struct timerq q;
	struct timer_node *const want[] = { &t[0], &t[1], &t[3] };

	(void)state;
	build_fan(&q, t);
	assert_true(timerq_remove(&q, &t[2]));
	assert_ptr_equal(t[3].tn_next, &t[1]);
	assert_ptr_equal(t[1].tn_prev, &t[3]);
	drain_expect(&q, want, ARRAY_SIZE(want));
}

static void test_remove_last_sibling(void **state)
{
	struct timer_node t[4];
	struct timerq q;
	struct timer_node *const want[] = { &t[0], &t[2], &t[3] };

	(void)state;
	build_fan(&q, t);
	assert_true(timerq_remove(&q, &t[1]));
	assert_null(t[2].tn_next);
	drain_expect(&q, want, ARRAY_SIZE(want));
}

/* A non-root node with children of its own: its subtree goes back in. */
static void test_remove_inner_subtree(void **state)
{
	struct timer_node t[9], *inner = NULL, *p;
	struct timerq q;
	uint64_t last = 0;
	unsigned int i, left = 0;

	(void)state;
	memset(t, 0, sizeof(t));
	timerq_init(&q);
	for (i = 0; i < ARRAY_SIZE(t); i++)
		timerq_insert(&q, &t[i], 100 + i);
	/* Popping the root pairs its 8 children into a deeper tree. */
	assert_ptr_equal(timerq_pop_expired(&q, 100), &t[0]);
	check_heap(&q);
	for (i = 1; i < ARRAY_SIZE(t); i++) {
		if (&t[i] != q.tq_root && t[i].tn_child)
			inner = &t[i];
	}
	assert_non_null(inner);
	assert_true(timerq_remove(&q, inner));
	check_heap(&q);
	assert_int_equal(q.tq_count, 7);
	while ((p = timerq_pop_expired(&q, UINT64_MAX))) {
		assert_ptr_not_equal(p, inner);
		assert_true(p->tn_deadline > last);
		last = p->tn_deadline;
		left++;
	}
	assert_int_equal(left, 7);
}

static void test_pop_expired_boundaries(void **state)
{
	struct timer_node a = { 0 }, b = { 0 }, lo = { 0 }, hi = { 0 };
	struct timerq q;

	(void)state;
	timerq_init(&q);
	timerq_insert(&q, &a, 100);
	timerq_insert(&q, &b, 101);
	assert_null(timerq_pop_expired(&q, 0));
	assert_null(timerq_pop_expired(&q, 99));
	assert_int_equal(q.tq_count, 2);
	assert_ptr_equal(timerq_pop_expired(&q, 100), &a); /* deadline == now */
	assert_null(timerq_pop_expired(&q, 100));
	assert_ptr_equal(timerq_first(&q), &b);
	assert_ptr_equal(timerq_pop_expired(&q, 1000), &b); /* well past */
	assert_null(timerq_pop_expired(&q, 1000));

	/* The extremes of the clock. */
	timerq_insert(&q, &hi, UINT64_MAX);
	timerq_insert(&q, &lo, 0);
	assert_ptr_equal(timerq_pop_expired(&q, 0), &lo);
	assert_null(timerq_pop_expired(&q, 0));
	assert_null(timerq_pop_expired(&q, UINT64_MAX - 1));
	assert_ptr_equal(timerq_pop_expired(&q, UINT64_MAX), &hi);
	assert_int_equal(q.tq_count, 0);
}

static void test_rearm(void **state)
{
	struct timer_node a = { 0 }, b = { 0 }, c = { 0 };
	struct timerq q;
	struct timer_node *const want[] = { &b, &c, &a };

	(void)state;
	timerq_init(&q);
	timerq_insert(&q, &a, 10);
	timerq_insert(&q, &b, 20);
	timerq_insert(&q, &c, 30);
	timerq_insert(&q, &a, 40); /* the root moves later */
	assert_int_equal(q.tq_count, 3);
	check_heap(&q);
	timerq_insert(&q, &c, 25); /* a child moves earlier, not first */
	assert_int_equal(q.tq_count, 3);
	assert_int_equal(c.tn_deadline, 25);
	drain_expect(&q, want, ARRAY_SIZE(want));
}

#define EQUAL_N 1000

static void test_equal_deadlines(void **state)
{
	static struct timer_node t[EQUAL_N], other;
	static unsigned char got[EQUAL_N];
	struct timer_node *p;
	struct timerq q;
	unsigned int i, n = 0;

	(void)state;
	memset(t, 0, sizeof(t));
	memset(got, 0, sizeof(got));
	timerq_init(&q);
	for (i = 0; i < EQUAL_N; i++)
		timerq_insert(&q, &t[i], 5000);
	timerq_insert(&q, &other, 5001);
	check_heap(&q);
	/* Cancel every third node, some from the middle of the heap. */
	for (i = 0; i < EQUAL_N; i += 3)
		assert_true(timerq_remove(&q, &t[i]));
	check_heap(&q);
	assert_null(timerq_pop_expired(&q, 4999));
	while ((p = timerq_pop_expired(&q, 5000))) {
		i = (unsigned int)(p - t);
		assert_true(i < EQUAL_N);
		assert_true(i % 3 != 0);
		assert_false(got[i]);
		got[i] = 1;
		n++;
		if (n % 64 == 0)
			check_heap(&q);
	}
	assert_int_equal(n, EQUAL_N - (EQUAL_N + 2) / 3);
	assert_ptr_equal(timerq_first(&q), &other);
	assert_int_equal(q.tq_count, 1);
}

/* --- 100,000 nodes on a small stack --- */

#define BIG_N 100000
#define SMALL_STACK (64u << 10)

enum big_order { BIG_ASCENDING, BIG_DESCENDING, BIG_RANDOM };

struct big_job {
	enum big_order bj_order;
	struct timer_node *bj_nodes;
	const char *bj_error; /* NULL when all went well */
};

/*
 * Inserts BIG_N nodes in the given order, cancels a tenth of them (the
 * ascending order leaves a root with BIG_N - 1 children, the descending
 * one a chain BIG_N deep: each would overflow a recursive pairing), then
 * drains the rest and checks the order. Runs on the small thread stack,
 * so it returns what went wrong (NULL for nothing) instead of asserting.
 */
static const char *big_check(enum big_order order, struct timer_node *t)
{
	struct timer_node *p;
	struct timerq q;
	uint64_t seed = 0x5eed5eed5eedull, d, last = 0;
	uint32_t i, popped = 0;

	timerq_init(&q);
	for (i = 0; i < BIG_N; i++) {
		if (order == BIG_ASCENDING)
			d = i;
		else if (order == BIG_DESCENDING)
			d = BIG_N - i;
		else
			d = xorshift(&seed) % (BIG_N * 4);
		timerq_insert(&q, &t[i], d);
	}
	if (q.tq_count != BIG_N)
		return "count after insert";
	for (i = 1; i < BIG_N; i += 10) {
		if (!timerq_remove(&q, &t[i]))
			return "remove";
	}
	while ((p = timerq_pop_expired(&q, UINT64_MAX))) {
		if (p->tn_deadline < last)
			return "out of order";
		if (timer_queued(p) || (p - t) % 10 == 1)
			return "bad node";
		last = p->tn_deadline;
		popped++;
	}
	if (popped != BIG_N - BIG_N / 10 || q.tq_count || timerq_first(&q))
		return "count after drain";
	return NULL;
}

static void *big_run(void *arg)
{
	struct big_job *job = arg;

	job->bj_error = big_check(job->bj_order, job->bj_nodes);
	return NULL;
}

static void run_big(enum big_order order)
{
	struct big_job job = { order, calloc(BIG_N, sizeof(struct timer_node)),
			       NULL };
	pthread_attr_t attr;
	pthread_t th;

	assert_non_null(job.bj_nodes);
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, SMALL_STACK), 0);
	assert_int_equal(pthread_create(&th, &attr, big_run, &job), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	pthread_attr_destroy(&attr);
	free(job.bj_nodes);
	if (job.bj_error)
		fail_msg("order %d: %s", (int)order, job.bj_error);
}

static void test_big_ascending(void **state)
{
	(void)state;
	run_big(BIG_ASCENDING);
}

static void test_big_descending(void **state)
{
	(void)state;
	run_big(BIG_DESCENDING);
}

static void test_big_random(void **state)
{
	(void)state;
	run_big(BIG_RANDOM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_remove_root),
		cmocka_unit_test(test_remove_first_child),
		cmocka_unit_test(test_remove_middle_sibling),
		cmocka_unit_test(test_remove_last_sibling),
		cmocka_unit_test(test_remove_inner_subtree),
		cmocka_unit_test(test_pop_expired_boundaries),
		cmocka_unit_test(test_rearm),
		cmocka_unit_test(test_equal_deadlines),
		cmocka_unit_test(test_random_small_pool),
		cmocka_unit_test(test_random_medium_pool),
		cmocka_unit_test(test_random_large_pool),
		cmocka_unit_test(test_big_ascending),
		cmocka_unit_test(test_big_descending),
		cmocka_unit_test(test_big_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
