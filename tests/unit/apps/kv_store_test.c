/* SPDX-License-Identifier: MIT */
/*
 * Host tests of apps/kv/store.c (cmocka, ASan + UBSan): every command's
 * outcomes, expiry and delayed flush against a caller-supplied clock,
 * exact LRU eviction order under a byte budget, table growth, references
 * that outlive an item's removal, and threads racing on one counter.
 */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NOW 1700000000 /* any Unix time well past 30 days */
#define MIB (1u << 20)

static const uint64_t seed[2] = { 0x0123456789abcdefull, 42 };

static struct kv_store *new_store(size_t limit)
{
	struct kv_store *st;

	assert_int_equal(kv_store_create(limit, MIB, seed, &st), 0);
	return st;
}

static int put(struct kv_store *st, enum kv_op op, const char *key,
	       const char *val, uint32_t flags, int64_t exptime, uint64_t cas,
	       int64_t now)
{
	struct kv_item *it;
	int rc = kv_item_alloc(st, key, strlen(key), flags, exptime,
			       strlen(val), now, &it);

	if (rc)
		return rc;
	memcpy(kv_item_value(it), val, strlen(val));
	rc = kv_store_update(st, op, it, cas, now);
	kv_item_put(it);
	return rc;
}

static int set(struct kv_store *st, const char *key, const char *val)
{
	return put(st, KV_OP_SET, key, val, 0, 0, 0, NOW);
}

/* The value of key as a C string in buf, or NULL when absent. */
static const char *get_at(struct kv_store *st, const char *key, int64_t now,
			  char *buf, size_t size)
{
	struct kv_item *it;

	if (kv_store_get(st, key, strlen(key), now, &it))
		return NULL;
	assert_true(kv_item_nbytes(it) < size);
	memcpy(buf, kv_item_value(it), kv_item_nbytes(it));
	buf[kv_item_nbytes(it)] = '\0';
	kv_item_put(it);
	return buf;
}

static const char *get(struct kv_store *st, const char *key)
{
	static char buf[256];

	return get_at(st, key, NOW, buf, sizeof(buf));
}

static bool has(struct kv_store *st, const char *key)
{
	struct kv_item *it;

	if (kv_store_get(st, key, strlen(key), NOW, &it))
		return false;
	kv_item_put(it);
	return true;
}

static uint64_t cas_of(struct kv_store *st, const char *key)
{
	struct kv_item *it;
	uint64_t cas;

	assert_int_equal(kv_store_get(st, key, strlen(key), NOW, &it), 0);
	cas = kv_item_cas(it);
	kv_item_put(it);
	return cas;
}

static void test_storage_commands(void **state)
{
	struct kv_store *st = new_store(MIB);
	uint64_t cas;

	(void)state;
	assert_int_equal(put(st, KV_OP_ADD, "a", "1", 5, 0, 0, NOW), KV_STORED);
	assert_int_equal(put(st, KV_OP_ADD, "a", "2", 0, 0, 0, NOW),
			 KV_NOT_STORED);
	assert_int_equal(put(st, KV_OP_REPLACE, "b", "2", 0, 0, 0, NOW),
			 KV_NOT_STORED);
	assert_int_equal(put(st, KV_OP_REPLACE, "a", "3", 0, 0, 0, NOW),
			 KV_STORED);
	assert_int_equal(put(st, KV_OP_APPEND, "a", "45", 9, 0, 0, NOW),
			 KV_STORED);
	assert_int_equal(put(st, KV_OP_PREPEND, "a", "<", 9, 0, 0, NOW),
			 KV_STORED);
	assert_int_equal(put(st, KV_OP_APPEND, "zz", "x", 0, 0, 0, NOW),
			 KV_NOT_STORED);
	assert_string_equal(get(st, "a"), "<345");
	cas = cas_of(st, "a");
	assert_int_equal(put(st, KV_OP_CAS, "a", "c", 0, 0, cas + 1, NOW),
			 KV_EXISTS);
	assert_int_equal(put(st, KV_OP_CAS, "a", "c", 0, 0, cas, NOW),
			 KV_STORED);
	assert_true(cas_of(st, "a") > cas);
	assert_int_equal(put(st, KV_OP_CAS, "a", "d", 0, 0, cas, NOW),
			 KV_EXISTS);
	assert_int_equal(put(st, KV_OP_CAS, "nope", "d", 0, 0, 1, NOW),
			 KV_NOT_FOUND);
	assert_int_equal(kv_store_delete(st, "a", 1, NOW), KV_DELETED);
	assert_int_equal(kv_store_delete(st, "a", 1, NOW), KV_NOT_FOUND);
	assert_null(get(st, "a"));
	kv_store_destroy(st);
}

static void test_append_keeps_flags(void **state)
{
	struct kv_store *st = new_store(MIB);
	struct kv_item *it;

	(void)state;
	put(st, KV_OP_SET, "f", "x", 77, 0, 0, NOW);
	put(st, KV_OP_APPEND, "f", "y", 1, -1, 0, NOW);
	assert_int_equal(kv_store_get(st, "f", 1, NOW, &it), 0);
	assert_int_equal(kv_item_flags(it), 77);
	assert_int_equal(kv_item_nbytes(it), 2);
	kv_item_put(it);
	kv_store_destroy(st);
}

static void test_limits(void **state)
{
	struct kv_store *st = new_store(4 * MIB);
	char key[KV_KEY_MAX + 2];
	struct kv_item *it;

	(void)state;
	memset(key, 'k', sizeof(key));
	assert_int_equal(kv_item_alloc(st, key, 0, 0, 0, 1, NOW, &it), -EINVAL);
	assert_int_equal(
		kv_item_alloc(st, key, KV_KEY_MAX + 1, 0, 0, 1, NOW, &it),
		-EINVAL);
	assert_int_equal(
		kv_item_alloc(st, key, KV_KEY_MAX, 0, 0, MIB + 1, NOW, &it),
		-E2BIG);
	assert_int_equal(
		kv_item_alloc(st, key, KV_KEY_MAX, 0, 0, MIB, NOW, &it), 0);
	memset(kv_item_value(it), 'v', MIB);
	assert_int_equal(kv_store_update(st, KV_OP_SET, it, 0, NOW), KV_STORED);
	kv_item_put(it);
	/* appending to a full-size item would pass the max item size */
	assert_int_equal(put(st, KV_OP_APPEND, "", "x", 0, 0, 0, NOW), -EINVAL);
	memset(key, 'k', KV_KEY_MAX);
	key[KV_KEY_MAX] = '\0';
	assert_int_equal(put(st, KV_OP_APPEND, key, "x", 0, 0, 0, NOW), -E2BIG);
	kv_store_destroy(st);
}

static void test_expiry(void **state)
{
	struct kv_store *st = new_store(MIB);
	char buf[16];

	(void)state;
	put(st, KV_OP_SET, "neg", "v", 0, -1, 0, NOW);
	put(st, KV_OP_SET, "rel", "v", 0, 10, 0, NOW);
	put(st, KV_OP_SET, "abs", "v", 0, NOW + 20, 0, NOW);
	put(st, KV_OP_SET, "old", "v", 0, KV_REL_EXPTIME_MAX + 1, 0, NOW);
	put(st, KV_OP_SET, "max", "v", 0, KV_REL_EXPTIME_MAX, 0, NOW);
	assert_null(get(st, "neg"));
	assert_null(get(st, "old"));
	assert_non_null(get_at(st, "rel", NOW + 9, buf, sizeof(buf)));
	assert_null(get_at(st, "rel", NOW + 10, buf, sizeof(buf)));
	assert_non_null(get_at(st, "abs", NOW + 19, buf, sizeof(buf)));
	assert_null(get_at(st, "abs", NOW + 20, buf, sizeof(buf)));
	assert_non_null(get_at(st, "max", NOW + KV_REL_EXPTIME_MAX - 1, buf,
			       sizeof(buf)));
	/* touch: a new lifetime, or none */
	put(st, KV_OP_SET, "t", "v", 0, 5, 0, NOW);
	assert_int_equal(kv_store_touch(st, "t", 1, 0, NOW + 1), KV_TOUCHED);
	assert_non_null(get_at(st, "t", NOW + 100, buf, sizeof(buf)));
	assert_int_equal(kv_store_touch(st, "t", 1, -1, NOW + 100), KV_TOUCHED);
	assert_int_equal(kv_store_touch(st, "t", 1, 0, NOW + 100),
			 KV_NOT_FOUND);
	/* an expired item is absent for add, present for nothing */
	assert_int_equal(put(st, KV_OP_REPLACE, "neg", "w", 0, 0, 0, NOW),
			 KV_NOT_STORED);
	assert_int_equal(put(st, KV_OP_ADD, "neg", "w", 0, 0, 0, NOW),
			 KV_STORED);
	kv_store_destroy(st);
}

static void test_flush(void **state)
{
	struct kv_store *st = new_store(MIB);
	struct kv_store_stats s;
	char buf[16];

	(void)state;
	set(st, "a", "1");
	kv_store_flush(st, 0, NOW);
	assert_null(get(st, "a"));
	set(st, "a", "1");
	kv_store_flush(st, 30, NOW);
	put(st, KV_OP_SET, "b", "2", 0, 0, 0, NOW + 29);
	assert_non_null(get_at(st, "a", NOW + 29, buf, sizeof(buf)));
	assert_null(get_at(st, "b", NOW + 30, buf, sizeof(buf)));
	assert_null(get_at(st, "a", NOW + 30, buf, sizeof(buf)));
	put(st, KV_OP_SET, "c", "3", 0, 0, 0, NOW + 31);
	assert_non_null(get_at(st, "c", NOW + 100, buf, sizeof(buf)));
	kv_store_get_stats(st, &s);
	assert_int_equal(s.curr_items, 1);
	kv_store_destroy(st);
}

static uint64_t arith(struct kv_store *st, const char *key, bool incr,
		      uint64_t delta, int want)
{
	uint64_t v = 12345;

	assert_int_equal(
		kv_store_arith(st, key, strlen(key), incr, delta, NOW, &v),
		want);
	return v;
}

static void test_arith(void **state)
{
	struct kv_store *st = new_store(MIB);

	(void)state;
	set(st, "n", "99");
	assert_int_equal(arith(st, "n", true, 1, KV_STORED), 100);
	assert_string_equal(get(st, "n"), "100");
	assert_int_equal(arith(st, "n", false, 1, KV_STORED), 99);
	assert_string_equal(get(st, "n"), "99");
	assert_int_equal(arith(st, "n", false, 1000, KV_STORED), 0);
	set(st, "n", "18446744073709551615");
	assert_int_equal(arith(st, "n", true, 2, KV_STORED), 1);
	set(st, "n", "18446744073709551616");
	arith(st, "n", true, 1, KV_NON_NUMERIC);
	const char *bad[] = { "",   "abc", "1a",
			      "-1", " 1",  "123456789012345678901" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set(st, "n", bad[i]);
		arith(st, "n", false, 1, KV_NON_NUMERIC);
		assert_string_equal(get(st, "n"), bad[i]);
	}
	arith(st, "missing", true, 1, KV_NOT_FOUND);
	kv_store_destroy(st);
}

/* Items of 1000-byte values in a budget of exactly `fit` of them. */
static void test_lru_eviction(void **state)
{
	const size_t fit = 10, vlen = 1000;
	struct kv_store *st = new_store(fit * kv_item_size(3, vlen));
	struct kv_store_stats s;
	char key[16], val[1001];

	(void)state;
	memset(val, 'v', vlen);
	val[vlen] = '\0';
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		assert_int_equal(set(st, key, val), KV_STORED);
	}
	assert_true(has(st, "k00")); /* k01 is now the oldest */
	kv_store_touch(st, "k02", 3, 0, NOW); /* and touch counts as use */
	for (int i = 10; i < 13; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		assert_int_equal(set(st, key, val), KV_STORED);
	}
	assert_false(has(st, "k01"));
	assert_false(has(st, "k03"));
	assert_false(has(st, "k04"));
	assert_true(has(st, "k00"));
	assert_true(has(st, "k02"));
	assert_true(has(st, "k05"));
	kv_store_get_stats(st, &s);
	assert_int_equal(s.evictions, 3);
	assert_int_equal(s.curr_items, fit);
	assert_int_equal(s.bytes, fit * kv_item_size(3, vlen));
	/* replacing an item frees its old bytes first: nothing evicted */
	assert_int_equal(set(st, "k00", val), KV_STORED);
	kv_store_get_stats(st, &s);
	assert_int_equal(s.evictions, 3);
	kv_store_destroy(st);
}

static void test_growth(void **state)
{
	struct kv_store *st = new_store(256 * MIB);
	struct kv_store_stats s;
	char key[16], buf[16];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		assert_int_equal(set(st, key, key), KV_STORED);
	}
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		assert_string_equal(get_at(st, key, NOW, buf, sizeof(buf)),
				    key);
	}
	kv_store_get_stats(st, &s);
	assert_int_equal(s.curr_items, 20000);
	assert_true(s.hash_buckets >= 16384);
	kv_store_destroy(st);
}

/* A reader's reference keeps the bytes valid after delete or flush. */
static void test_reference_outlives_item(void **state)
{
	struct kv_store *st = new_store(MIB);
	struct kv_item *it;

	(void)state;
	set(st, "r", "still here");
	assert_int_equal(kv_store_get(st, "r", 1, NOW, &it), 0);
	kv_store_delete(st, "r", 1, NOW);
	set(st, "r", "replaced");
	kv_store_flush(st, 0, NOW);
	kv_store_destroy(st);
	assert_memory_equal(kv_item_value(it), "still here", 10);
	kv_item_put(it);
}

struct racer {
	struct kv_store *st;
	int rounds;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	uint64_t v;

	for (int i = 0; i < r->rounds; i++) {
		if (kv_store_arith(r->st, "c", 1, true, 1, NOW, &v) !=
		    KV_STORED)
			return arg;
		if (set(r->st, "other", "x") != KV_STORED)
			return arg;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct racer r = { .st = new_store(MIB), .rounds = 5000 };
	pthread_t t[4];
	void *ret;

	(void)state;
	set(r.st, "c", "0");
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	assert_string_equal(get(r.st, "c"), "20000");
	kv_store_destroy(r.st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storage_commands),
		cmocka_unit_test(test_append_keeps_flags),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_arith),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_reference_outlives_item),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
