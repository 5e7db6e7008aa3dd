/* SPDX-License-Identifier: MIT */
/*
 * The block cache: a write-back buffer cache over one block device, for
 * the file systems. Memory is bounded (the limit given at creation);
 * clean buffers that nobody holds are evicted least-recently-used first,
 * and when only dirty ones are left they are written back to make room.
 * Sequential misses start asynchronous read-ahead of the following
 * blocks. bcache_sync() writes every dirty buffer and then flushes the
 * device's write cache, so data it reports written is on stable storage.
 *
 * A buffer is one cache block (bc_block_size bytes, a multiple of the
 * device's block size). Holding a buffer (between bcache_get() and
 * bcache_put()) keeps it in memory; its contents are protected by the
 * buffer's own lock, which bcache_get() takes and bcache_put() releases.
 * All functions run in thread context and may sleep.
 */
#ifndef KERNEL_BCACHE_H
#define KERNEL_BCACHE_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

struct blkdev;
struct bcache;
struct bbuf;

struct bcache_config {
	uint32_t bc_block_size; /* 0: the device's block size */
	size_t bc_mem_limit; /* bytes of buffer data; at least 16 blocks */
	unsigned int bc_readahead; /* blocks read ahead on a sequential miss;
				    * 0 disables */
};

/*
 * Creates a cache over bd. Returns 0 and the cache in *out; -EINVAL for
 * a block size that is not a power-of-two multiple of the device's or a
 * limit below 16 blocks; -ENOMEM.
 */
int __must_check bcache_create(struct blkdev *bd,
			       const struct bcache_config *cfg,
			       struct bcache **out);

/*
 * Writes back and frees everything. Returns 0, or the first write-back
 * error (the cache is destroyed either way). No buffer may be held.
 */
int bcache_destroy(struct bcache *c);

/*
 * Returns block `blockno` held and locked in *out, reading it from the
 * device unless cached. Returns 0; -EINVAL beyond the device's last
 * whole cache block (a partial one at its end is not used); -EIO when
 * the read failed (nothing is cached then); -ENOMEM when every buffer is
 * held and the limit is reached; the write-back error (-EIO) when room
 * was needed and every unheld dirty buffer failed to write, one after the
 * other (each stays dirty).
 */
int __must_check bcache_get(struct bcache *c, uint64_t blockno,
			    struct bbuf **out);

/*
 * As bcache_get(), for a block the caller will overwrite whole: it is
 * not read from the device; its data is zeroed and it is marked dirty.
 */
int __must_check bcache_get_new(struct bcache *c, uint64_t blockno,
				struct bbuf **out);

/* The buffer's data (bc_block_size bytes) and block number. */
void *bbuf_data(struct bbuf *b);
uint64_t bbuf_blockno(const struct bbuf *b);

/* Marks a held buffer as modified: it will be written back. */
void bbuf_dirty(struct bbuf *b);

/* Unlocks and releases a held buffer. */
void bcache_put(struct bbuf *b);

/*
 * Writes every dirty buffer, then flushes the device (when it has a
 * write cache). Returns 0 or the first error; a buffer whose write
 * failed stays dirty, so nothing is lost and a later sync retries it.
 * Held buffers are written as they are (sync does not wait for their
 * holders); one dirtied again during its write stays dirty.
 */
int __must_check bcache_sync(struct bcache *c);

/* Byte-granular helpers over get/put: copy len bytes at byte offset off
 * (any alignment, may span blocks). Return 0 or an error of bcache_get. */
int __must_check bcache_read(struct bcache *c, uint64_t off, void *buf,
			     size_t len);
int __must_check bcache_write(struct bcache *c, uint64_t off, const void *buf,
			      size_t len);

struct bcache_stats {
	uint64_t hits, misses, readahead, evictions, writebacks;
	size_t mem_used; /* bytes of buffer data now allocated */
	size_t dirty; /* dirty buffers now */
};
void bcache_get_stats(struct bcache *c, struct bcache_stats *st);

#endif /* KERNEL_BCACHE_H */
