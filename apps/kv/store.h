/* SPDX-License-Identifier: MIT */
/*
 * kv's item store: a hash table of items keyed by byte strings, with a
 * memory budget enforced by evicting the least recently used items, the
 * expiry rules and CAS counter of memcached's protocol (doc/protocol.txt).
 * It knows nothing of sockets or the text protocol, so it builds on the
 * host too. Every function here is safe to call from any thread: one
 * mutex inside the store serialises them, and none blocks on anything
 * else. Times are Unix seconds supplied by the caller (`now`).
 */
#ifndef KV_STORE_H
#define KV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest key the protocol allows. */
#define KV_KEY_MAX 250
/* Relative expiry times go up to this; larger ones are Unix times. */
#define KV_REL_EXPTIME_MAX (60 * 60 * 24 * 30)

struct kv_store;

/*
 * An item: key, value, flags and CAS unique, all immutable once it is
 * stored, so a reader holding a reference may use them without the store's
 * lock. References come from kv_item_alloc() and kv_store_get(); each is
 * dropped with kv_item_put().
 */
struct kv_item;

/* Storage commands. */
enum kv_op {
	KV_OP_SET,
	KV_OP_ADD, /* only when the key is absent */
	KV_OP_REPLACE, /* only when the key is present */
	KV_OP_APPEND, /* value after the present one; flags/exptime kept */
	KV_OP_PREPEND, /* value before the present one */
	KV_OP_CAS, /* only when present with the given CAS unique */
};

/* Outcomes; each maps to one protocol reply. */
enum kv_status {
	KV_STORED,
	KV_NOT_STORED,
	KV_EXISTS, /* cas: the item changed since the client read it */
	KV_NOT_FOUND,
	KV_DELETED,
	KV_TOUCHED,
	KV_NON_NUMERIC, /* incr/decr of a value that is not a number */
};

/* Counters, as memcached's "stats" names them. */
struct kv_store_stats {
	uint64_t curr_items, total_items, bytes;
	uint64_t evictions, reclaimed, expired_unfetched;
	uint64_t get_hits, get_misses;
	uint64_t delete_hits, delete_misses;
	uint64_t incr_hits, incr_misses, decr_hits, decr_misses;
	uint64_t cas_hits, cas_misses, cas_badval;
	uint64_t touch_hits, touch_misses;
	uint64_t hash_buckets;
};

/*
 * Creates an empty store.
 *   limit_bytes: memory budget for stored items, counted as key + value +
 *     a fixed per-item overhead (kv_item_size()); storing past it evicts
 *     least recently used items.
 *   max_item_bytes: the largest value accepted.
 *   seed: two random words keying the hash, so that clients cannot
 *     choose keys that all land in one bucket.
 * Returns 0 and *out, -EINVAL (a zero limit), or -ENOMEM.
 */
int kv_store_create(size_t limit_bytes, size_t max_item_bytes,
		    const uint64_t seed[2], struct kv_store **out);

/* Frees the store and every item no reader holds (callers drop theirs). */
void kv_store_destroy(struct kv_store *st);

/* The number of bytes an item with these lengths is charged. */
size_t kv_item_size(size_t nkey, size_t nbytes);

/*
 * Allocates an unlinked item whose value (nbytes, uninitialised) the
 * caller fills through kv_item_value() before kv_store_update().
 *   key, nkey: 1..KV_KEY_MAX bytes (the caller validated the characters).
 *   exptime: as the protocol says: 0 never, negative already expired, up
 *     to KV_REL_EXPTIME_MAX seconds from `now`, else a Unix time.
 * Returns 0 and *out (one reference), -EINVAL (bad key length), -E2BIG
 * (nbytes above the store's max item size or its whole budget), -ENOMEM.
 */
int kv_item_alloc(struct kv_store *st, const char *key, size_t nkey,
		  uint32_t flags, int64_t exptime, size_t nbytes, int64_t now,
		  struct kv_item **out);

/* Drops a reference; the last one frees the item. NULL is ignored. */
void kv_item_put(struct kv_item *it);

const char *kv_item_key(const struct kv_item *it);
size_t kv_item_nkey(const struct kv_item *it);
/* Writable only between kv_item_alloc() and kv_store_update(). */
char *kv_item_value(struct kv_item *it);
size_t kv_item_nbytes(const struct kv_item *it);
uint32_t kv_item_flags(const struct kv_item *it);
uint64_t kv_item_cas(const struct kv_item *it);

/*
 * Runs storage command `op` with `it`, fresh from kv_item_alloc() and
 * given here once (the caller keeps its reference and still drops it).
 * cas_unique is used by KV_OP_CAS only. Returns KV_STORED,
 * KV_NOT_STORED, KV_EXISTS, KV_NOT_FOUND (cas), -EINVAL (`it` was given
 * before), -E2BIG (append/prepend would pass the max item size) or
 * -ENOMEM. Append and prepend store a new item and leave `it` unused.
 */
int kv_store_update(struct kv_store *st, enum kv_op op, struct kv_item *it,
		    uint64_t cas_unique, int64_t now);

/*
 * Looks key up and marks it recently used. Returns 0 and *out (a
 * reference for the caller), or -ENOENT (absent, expired or flushed).
 */
int kv_store_get(struct kv_store *st, const char *key, size_t nkey, int64_t now,
		 struct kv_item **out);

/* Returns KV_DELETED or KV_NOT_FOUND. */
int kv_store_delete(struct kv_store *st, const char *key, size_t nkey,
		    int64_t now);

/*
 * incr (incr true; wraps at 2^64) or decr (stops at 0) of a value that
 * is a decimal number of at most 20 digits. Returns KV_STORED with the
 * new value in *result, KV_NOT_FOUND, KV_NON_NUMERIC, or -ENOMEM.
 */
int kv_store_arith(struct kv_store *st, const char *key, size_t nkey, bool incr,
		   uint64_t delta, int64_t now, uint64_t *result);

/* Sets a new exptime. Returns KV_TOUCHED or KV_NOT_FOUND. */
int kv_store_touch(struct kv_store *st, const char *key, size_t nkey,
		   int64_t exptime, int64_t now);

/*
 * flush_all: every item present when `delay` (an exptime: 0 or negative
 * means now) comes is dropped. A later flush replaces a pending one.
 */
void kv_store_flush(struct kv_store *st, int64_t delay, int64_t now);

/* Copies the counters. */
void kv_store_get_stats(struct kv_store *st, struct kv_store_stats *out);

/* Zeroes the hit/miss counters (not the item, byte and bucket counts). */
void kv_store_reset_stats(struct kv_store *st);

#endif /* KV_STORE_H */
