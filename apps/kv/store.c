/* SPDX-License-Identifier: MIT */
/*
 * kv's item store (store.h): chained hash table keyed with SipHash-2-4
 * (Aumasson and Bernstein, 2012), doubled when it fills up, one LRU list
 * across all items, items reference-counted so readers use them without
 * the lock. Expired items are dropped lazily when looked up or when they
 * reach the LRU tail. Not here: slabs, per-class LRUs, persistence.
 */
#include "store.h"

#include <errno.h>
#include <mosaic/siphash.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KV_BUCKETS_MIN 1024u
#define KV_BUCKETS_MAX (1u << 26)

/*
 * Locking: [I] immutable once stored  [a] atomic ops only
 *          [L] kv_store.st_lock (of the store the item is linked in)
 */
struct kv_item {
	struct kv_item *it_hnext; /* [L] hash chain */
	struct kv_item *it_prev, *it_next; /* [L] LRU, head = newest */
	int64_t it_exp; /* [L] Unix time it expires; 0 never */
	bool it_fetched; /* [L] read since stored */
	uint32_t it_refs; /* [a] the table's + one per holder */
	uint64_t it_hash; /* [I] */
	uint64_t it_cas; /* [I] set when stored */
	uint32_t it_flags; /* [I] */
	uint32_t it_nkey; /* [I] */
	uint32_t it_nbytes; /* [I] */
	char it_data[]; /* [I] key, then value */
};

/* Locking: [I] set at creation  [L] st_lock */
struct kv_store {
	pthread_mutex_t st_lock;
	size_t st_limit_bytes; /* [I] */
	size_t st_max_item_bytes; /* [I] */
	uint64_t st_key[2]; /* [I] hash key */
	struct kv_item **st_buckets; /* [L] */
	size_t st_nbuckets; /* [L] a power of two */
	struct kv_item *st_lru_head, *st_lru_tail; /* [L] */
	uint64_t st_next_cas; /* [L] */
	int64_t st_flush_at; /* [L] pending delayed flush_all; 0 none */
	struct kv_store_stats st_stats; /* [L] */
};

/* ---- items */

size_t kv_item_size(size_t nkey, size_t nbytes)
{
	return sizeof(struct kv_item) + nkey + nbytes;
}

/* Protocol exptime to an absolute Unix time (0 never; 1 long past). */
static int64_t exptime_abs(int64_t exptime, int64_t now)
{
	if (exptime == 0)
		return 0;
	if (exptime < 0)
		return 1;
	if (exptime <= KV_REL_EXPTIME_MAX)
		return now + exptime;
	return exptime;
}

static bool item_is_expired(const struct kv_item *it, int64_t now)
{
	return it->it_exp != 0 && it->it_exp <= now;
}

static struct kv_item *item_new(const struct kv_store *st, const char *key,
				size_t nkey, size_t nbytes)
{
	struct kv_item *it = malloc(kv_item_size(nkey, nbytes));

	if (!it)
		return NULL;
	memset(it, 0, sizeof(*it));
	it->it_refs = 1;
	it->it_nkey = (uint32_t)nkey;
	it->it_nbytes = (uint32_t)nbytes;
	it->it_hash = mosaic_siphash24(st->st_key, key, nkey);
	memcpy(it->it_data, key, nkey);
	return it;
}

int kv_item_alloc(struct kv_store *st, const char *key, size_t nkey,
		  uint32_t flags, int64_t exptime, size_t nbytes, int64_t now,
		  struct kv_item **out)
{
	struct kv_item *it;

	if (nkey == 0 || nkey > KV_KEY_MAX)
		return -EINVAL;
	if (nbytes > st->st_max_item_bytes ||
	    kv_item_size(nkey, nbytes) > st->st_limit_bytes)
		return -E2BIG;
	it = item_new(st, key, nkey, nbytes);
	if (!it)
		return -ENOMEM;
	it->it_flags = flags;
	it->it_exp = exptime_abs(exptime, now);
	*out = it;
	return 0;
}

void kv_item_put(struct kv_item *it)
{
	if (it && __atomic_sub_fetch(&it->it_refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(it);
}

static void item_get_ref(struct kv_item *it)
{
	__atomic_add_fetch(&it->it_refs, 1, __ATOMIC_RELAXED);
}

const char *kv_item_key(const struct kv_item *it)
{
	return it->it_data;
}

size_t kv_item_nkey(const struct kv_item *it)
{
	return it->it_nkey;
}

char *kv_item_value(struct kv_item *it)
{
	return it->it_data + it->it_nkey;
}

size_t kv_item_nbytes(const struct kv_item *it)
{
	return it->it_nbytes;
}

uint32_t kv_item_flags(const struct kv_item *it)
{
	return it->it_flags;
}

uint64_t kv_item_cas(const struct kv_item *it)
{
	return it->it_cas;
}

/* ---- table and LRU; every function below runs with st_lock held. */

static struct kv_item **bucket_of(struct kv_store *st, uint64_t hash)
{
	return &st->st_buckets[hash & (st->st_nbuckets - 1)];
}

static struct kv_item *table_find(struct kv_store *st, const char *key,
				  size_t nkey, uint64_t hash)
{
	struct kv_item *it = *bucket_of(st, hash);

	for (; it; it = it->it_hnext)
		if (it->it_hash == hash && it->it_nkey == nkey &&
		    memcmp(it->it_data, key, nkey) == 0)
			return it;
	return NULL;
}

static void lru_remove(struct kv_store *st, struct kv_item *it)
{
	if (it->it_prev)
		it->it_prev->it_next = it->it_next;
	else
		st->st_lru_head = it->it_next;
	if (it->it_next)
		it->it_next->it_prev = it->it_prev;
	else
		st->st_lru_tail = it->it_prev;
	it->it_prev = it->it_next = NULL;
}

static void lru_push_head(struct kv_store *st, struct kv_item *it)
{
	it->it_prev = NULL;
	it->it_next = st->st_lru_head;
	if (st->st_lru_head)
		st->st_lru_head->it_prev = it;
	else
		st->st_lru_tail = it;
	st->st_lru_head = it;
}

/* Doubles the table; on allocation failure the chains just get longer. */
static void table_grow(struct kv_store *st)
{
	size_t n = st->st_nbuckets * 2;
	struct kv_item **nb;

	if (n > KV_BUCKETS_MAX)
		return;
	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	for (size_t i = 0; i < st->st_nbuckets; i++) {
		struct kv_item *it = st->st_buckets[i], *next;

		for (; it; it = next) {
			next = it->it_hnext;
			it->it_hnext = nb[it->it_hash & (n - 1)];
			nb[it->it_hash & (n - 1)] = it;
		}
	}
	free(st->st_buckets);
	st->st_buckets = nb;
	st->st_nbuckets = n;
	st->st_stats.hash_buckets = n;
}

static void item_unlink(struct kv_store *st, struct kv_item *it)
{
	struct kv_item **pp = bucket_of(st, it->it_hash);

	while (*pp != it)
		pp = &(*pp)->it_hnext;
	*pp = it->it_hnext;
	it->it_hnext = NULL;
	lru_remove(st, it);
	st->st_stats.curr_items--;
	st->st_stats.bytes -= kv_item_size(it->it_nkey, it->it_nbytes);
	kv_item_put(it);
}

/* Frees least recently used items until `need` more bytes fit. */
static void make_room(struct kv_store *st, size_t need, int64_t now)
{
	while (st->st_lru_tail &&
	       st->st_stats.bytes + need > st->st_limit_bytes) {
		struct kv_item *victim = st->st_lru_tail;

		if (item_is_expired(victim, now)) {
			st->st_stats.reclaimed++;
			if (!victim->it_fetched)
				st->st_stats.expired_unfetched++;
		} else {
			st->st_stats.evictions++;
		}
		item_unlink(st, victim);
	}
}

/* Links `it` (which fits: kv_item_alloc() checked), replacing `old`. */
static void item_link(struct kv_store *st, struct kv_item *it,
		      struct kv_item *old, int64_t now)
{
	if (old)
		item_unlink(st, old);
	make_room(st, kv_item_size(it->it_nkey, it->it_nbytes), now);
	it->it_cas = ++st->st_next_cas;
	it->it_fetched = false;
	item_get_ref(it);
	it->it_hnext = *bucket_of(st, it->it_hash);
	*bucket_of(st, it->it_hash) = it;
	lru_push_head(st, it);
	st->st_stats.curr_items++;
	st->st_stats.total_items++;
	st->st_stats.bytes += kv_item_size(it->it_nkey, it->it_nbytes);
	if (st->st_stats.curr_items > st->st_nbuckets + st->st_nbuckets / 2)
		table_grow(st);
}

static void flush_all_items(struct kv_store *st)
{
	while (st->st_lru_head)
		item_unlink(st, st->st_lru_head);
}

/* Runs a delayed flush_all whose time has come. */
static void flush_if_due(struct kv_store *st, int64_t now)
{
	if (st->st_flush_at != 0 && st->st_flush_at <= now) {
		st->st_flush_at = 0;
		flush_all_items(st);
	}
}

/* The live item for key, dropping it if it has expired. */
static struct kv_item *item_find(struct kv_store *st, const char *key,
				 size_t nkey, int64_t now)
{
	uint64_t hash = mosaic_siphash24(st->st_key, key, nkey);
	struct kv_item *it;

	flush_if_due(st, now);
	it = table_find(st, key, nkey, hash);
	if (it && item_is_expired(it, now)) {
		st->st_stats.reclaimed++;
		if (!it->it_fetched)
			st->st_stats.expired_unfetched++;
		item_unlink(st, it);
		return NULL;
	}
	return it;
}

/* ---- commands */

int kv_store_create(size_t limit_bytes, size_t max_item_bytes,
		    const uint64_t seed[2], struct kv_store **out)
{
	struct kv_store *st;

	if (limit_bytes == 0)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->st_buckets = calloc(KV_BUCKETS_MIN, sizeof(*st->st_buckets));
	if (!st->st_buckets) {
		free(st);
		return -ENOMEM;
	}
	pthread_mutex_init(&st->st_lock, NULL);
	st->st_nbuckets = KV_BUCKETS_MIN;
	st->st_stats.hash_buckets = KV_BUCKETS_MIN;
	st->st_limit_bytes = limit_bytes;
	st->st_max_item_bytes = max_item_bytes;
	st->st_key[0] = seed[0];
	st->st_key[1] = seed[1];
	*out = st;
	return 0;
}

void kv_store_destroy(struct kv_store *st)
{
	flush_all_items(st);
	pthread_mutex_destroy(&st->st_lock);
	free(st->st_buckets);
	free(st);
}

/* append/prepend: a new item holding both values, old flags and exptime. */
static int item_concat(struct kv_store *st, struct kv_item *old,
		       struct kv_item *add, bool append, struct kv_item **out)
{
	size_t n = (size_t)old->it_nbytes + add->it_nbytes;
	struct kv_item *it;
	char *v;

	if (n > st->st_max_item_bytes ||
	    kv_item_size(old->it_nkey, n) > st->st_limit_bytes)
		return -E2BIG;
	it = item_new(st, old->it_data, old->it_nkey, n);
	if (!it)
		return -ENOMEM;
	it->it_flags = old->it_flags;
	it->it_exp = old->it_exp;
	v = kv_item_value(it);
	if (append) {
		memcpy(v, kv_item_value(old), old->it_nbytes);
		memcpy(v + old->it_nbytes, kv_item_value(add), add->it_nbytes);
	} else {
		memcpy(v, kv_item_value(add), add->it_nbytes);
		memcpy(v + add->it_nbytes, kv_item_value(old), old->it_nbytes);
	}
	*out = it;
	return 0;
}

static int update_locked(struct kv_store *st, enum kv_op op, struct kv_item *it,
			 uint64_t cas_unique, int64_t now)
{
	struct kv_item *old = item_find(st, it->it_data, it->it_nkey, now);
	struct kv_item *cat;
	int rc;

	switch (op) {
	case KV_OP_SET:
		break;
	case KV_OP_ADD:
		if (old) {
			/* memcached counts a refused add as a use. */
			lru_remove(st, old);
			lru_push_head(st, old);
			return KV_NOT_STORED;
		}
		break;
	case KV_OP_REPLACE:
		if (!old)
			return KV_NOT_STORED;
		break;
	case KV_OP_APPEND:
	case KV_OP_PREPEND:
		if (!old)
			return KV_NOT_STORED;
		rc = item_concat(st, old, it, op == KV_OP_APPEND, &cat);
		if (rc)
			return rc;
		item_link(st, cat, old, now);
		kv_item_put(cat);
		return KV_STORED;
	case KV_OP_CAS:
		if (!old) {
			st->st_stats.cas_misses++;
			return KV_NOT_FOUND;
		}
		if (old->it_cas != cas_unique) {
			st->st_stats.cas_badval++;
			return KV_EXISTS;
		}
		st->st_stats.cas_hits++;
		break;
	}
	item_link(st, it, old, now);
	return KV_STORED;
}

int kv_store_update(struct kv_store *st, enum kv_op op, struct kv_item *it,
		    uint64_t cas_unique, int64_t now)
{
	int rc;

	/* Only a fresh item: readers take a stored item's fields unlocked. */
	if (it->it_cas != 0)
		return -EINVAL;
	pthread_mutex_lock(&st->st_lock);
	rc = update_locked(st, op, it, cas_unique, now);
	pthread_mutex_unlock(&st->st_lock);
	return rc;
}

int kv_store_get(struct kv_store *st, const char *key, size_t nkey, int64_t now,
		 struct kv_item **out)
{
	struct kv_item *it;

	pthread_mutex_lock(&st->st_lock);
	it = item_find(st, key, nkey, now);
	if (it) {
		st->st_stats.get_hits++;
		it->it_fetched = true;
		lru_remove(st, it);
		lru_push_head(st, it);
		item_get_ref(it);
	} else {
		st->st_stats.get_misses++;
	}
	pthread_mutex_unlock(&st->st_lock);
	*out = it;
	return it ? 0 : -ENOENT;
}

int kv_store_delete(struct kv_store *st, const char *key, size_t nkey,
		    int64_t now)
{
	struct kv_item *it;

	pthread_mutex_lock(&st->st_lock);
	it = item_find(st, key, nkey, now);
	if (it) {
		st->st_stats.delete_hits++;
		item_unlink(st, it);
	} else {
		st->st_stats.delete_misses++;
	}
	pthread_mutex_unlock(&st->st_lock);
	return it ? KV_DELETED : KV_NOT_FOUND;
}

/* A value of 1-20 decimal digits that fits in 64 bits. */
static bool parse_counter(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int arith_locked(struct kv_store *st, struct kv_item *old, bool incr,
			uint64_t delta, int64_t now, uint64_t *result)
{
	char digits[24];
	struct kv_item *it;
	uint64_t v;
	int n;

	if (!parse_counter(kv_item_value(old), old->it_nbytes, &v))
		return KV_NON_NUMERIC;
	if (incr)
		v += delta; /* wraps, as the protocol says */
	else
		v = v > delta ? v - delta : 0;
	*result = v;
	n = 0;
	do
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	it = item_new(st, old->it_data, old->it_nkey, (size_t)n);
	if (!it)
		return -ENOMEM;
	memcpy(kv_item_value(it), digits + sizeof(digits) - n, (size_t)n);
	it->it_flags = old->it_flags;
	it->it_exp = old->it_exp;
	item_link(st, it, old, now);
	kv_item_put(it);
	return KV_STORED;
}

int kv_store_arith(struct kv_store *st, const char *key, size_t nkey, bool incr,
		   uint64_t delta, int64_t now, uint64_t *result)
{
	struct kv_item *old;
	int rc = KV_NOT_FOUND;

	pthread_mutex_lock(&st->st_lock);
	old = item_find(st, key, nkey, now);
	if (old)
		rc = arith_locked(st, old, incr, delta, now, result);
	if (rc == KV_NOT_FOUND)
		(*(incr ? &st->st_stats.incr_misses
			: &st->st_stats.decr_misses))++;
	else if (rc == KV_STORED)
		(*(incr ? &st->st_stats.incr_hits : &st->st_stats.decr_hits))++;
	pthread_mutex_unlock(&st->st_lock);
	return rc;
}

int kv_store_touch(struct kv_store *st, const char *key, size_t nkey,
		   int64_t exptime, int64_t now)
{
	struct kv_item *it;

	pthread_mutex_lock(&st->st_lock);
	it = item_find(st, key, nkey, now);
	if (it) {
		st->st_stats.touch_hits++;
		it->it_exp = exptime_abs(exptime, now);
		lru_remove(st, it);
		lru_push_head(st, it);
	} else {
		st->st_stats.touch_misses++;
	}
	pthread_mutex_unlock(&st->st_lock);
	return it ? KV_TOUCHED : KV_NOT_FOUND;
}

void kv_store_flush(struct kv_store *st, int64_t delay, int64_t now)
{
	pthread_mutex_lock(&st->st_lock);
	if (delay <= 0) {
		st->st_flush_at = 0;
		flush_all_items(st);
	} else {
		st->st_flush_at = exptime_abs(delay, now);
		flush_if_due(st, now);
	}
	pthread_mutex_unlock(&st->st_lock);
}

void kv_store_get_stats(struct kv_store *st, struct kv_store_stats *out)
{
	pthread_mutex_lock(&st->st_lock);
	*out = st->st_stats;
	pthread_mutex_unlock(&st->st_lock);
}

void kv_store_reset_stats(struct kv_store *st)
{
	struct kv_store_stats *s = &st->st_stats;
	struct kv_store_stats keep;

	pthread_mutex_lock(&st->st_lock);
	keep = *s;
	memset(s, 0, sizeof(*s));
	s->curr_items = keep.curr_items;
	s->bytes = keep.bytes;
	s->hash_buckets = keep.hash_buckets;
	pthread_mutex_unlock(&st->st_lock);
}
