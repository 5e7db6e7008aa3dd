/* SPDX-License-Identifier: MIT */
/*
 * The block cache: a write-back buffer cache over one block device, for
 * the file systems. Memory is bounded (the limit given at creation);
 * clean buffers that nobody holds are evicted least-recently-used first,
 * and when only dirty ones are left the oldest changes are written back
 * to make room. Sequential misses start asynchronous read-ahead of the
 * following blocks. Write-back sends each run of adjacent dirty blocks
 * as one gathered request when the device takes them (bi_max_pages).
 * bcache_sync() writes every dirty buffer and then flushes the device's
 * write cache, so data it reports written is on stable storage.
 *
 * A buffer is one cache block (bc_block_size bytes, a multiple of the
 * device's block size). Holding a buffer (between bcache_get() and
 * bcache_put()) keeps it in memory; its contents are protected by the
 * buffer's own lock, which bcache_get() takes and bcache_put() releases.
 * A holder calls bbuf_dirty() before it changes the data.
 *
 * Write order. Changes are grouped in epochs: bcache_barrier() ends the
 * current one. The cache guarantees that the device never holds a change
 * of an epoch while missing a change of an earlier one, even if the
 * machine stops at any moment: after a crash the device holds every
 * epoch up to some k whole, plus, for each block, either its contents at
 * the end of epoch k or at the end of epoch k + 1 (a block write is
 * assumed atomic). Within an epoch, blocks reach the device in any order.
 * How:
 *  - each dirty block is tagged with the epoch of its latest change; when
 *    bbuf_dirty() is called on a block whose unwritten change belongs to
 *    an earlier epoch, that content is first kept as a frozen copy for
 *    its epoch (or, when memory is short, written out with everything
 *    before it), so later changes never ride along with an older epoch;
 *  - write-back (sync, eviction) always writes from the oldest epoch
 *    that has dirty blocks, one writer at a time, and before the first
 *    write of a later epoch it waits for the earlier writes and flushes
 *    the device's volatile cache (only when the device has one);
 *  - bbuf_dirty() waits while the buffer is being written, so the device
 *    never reads a half-made change of a later epoch;
 *  - a write that fails stays dirty, and nothing of a later epoch is
 *    written until it succeeds.
 * The guarantee covers changes made between bbuf_dirty() and the put
 * that precede the barrier: a caller must not call bcache_barrier()
 * while its own change to a held buffer is unfinished, nor let another
 * task change a buffer while it syncs (file systems serialise both).
 * Without any barrier the cache behaves as one epoch: any order.
 *
 * All functions run in thread context and may sleep.
 */
#ifndef KERNEL_BCACHE_H
#define KERNEL_BCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

struct blkdev;
struct bcache;
struct bbuf;

struct bcache_config {
	uint32_t bc_block_size; /* 0: the device's block size */
	size_t bc_mem_limit; /* bytes of buffer data; at least 16 blocks */
	/* Blocks read ahead on a sequential miss, adjacent ones in one
	 * gathered request when the device takes them; 0 disables. */
	unsigned int bc_readahead;
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
 * Writes back (bcache_sync()) and frees everything. Returns 0, or the
 * first write-back error (the cache is destroyed either way; what could
 * not be written is lost). No buffer may be held.
 */
int bcache_destroy(struct bcache *c);

/*
 * Returns block `blockno` held and locked in *out, reading it from the
 * device unless cached. Returns 0; -EINVAL beyond the device's last
 * whole cache block (a partial one at its end is not used); -EIO when
 * the read failed (nothing is cached then); -ENOMEM when no room can be
 * made: every buffer is held, or every change of the oldest epoch is in
 * a buffer its holder is changing (between bbuf_dirty() and the put);
 * the write-back error (-EIO) when room was needed and every other
 * change of the oldest epoch failed to write, one after the other (each
 * stays dirty). Eviction may write a held buffer that its holder has not
 * dirtied since getting it.
 */
int __must_check bcache_get(struct bcache *c, uint64_t blockno,
			    struct bbuf **out);

/*
 * As bcache_get(), for a block the caller will overwrite whole: it is
 * not read from the device; its data is zeroed and it is marked dirty
 * (bbuf_dirty() is implied).
 */
int __must_check bcache_get_new(struct bcache *c, uint64_t blockno,
				struct bbuf **out);

/*
 * As bcache_get(), for a caller that only reads the buffer and never
 * calls bbuf_dirty() on it (that panics): a lent buffer (bcache_lend())
 * is then read where it is instead of being copied first.
 */
int __must_check bcache_get_ro(struct bcache *c, uint64_t blockno,
			       struct bbuf **out);

/*
 * Lends bytes [off, off + len) of block `blockno` (read in unless
 * cached) to a netbuf, not copied: zero-copy sending from the cache.
 * The bytes stay as they are until the last reference to the netbuf is
 * put (from any context), even when the block changes or leaves the
 * cache meanwhile: a later bcache_get()/get_new()/write of a lent block
 * first moves the buffer onto a copy, and eviction leaves the lent area
 * to the netbufs. Lent areas do not count against the memory limit
 * (the network stack's send buffers bound them). Returns 0 and the
 * netbuf in *out; -EINVAL for an empty or out-of-block range; the
 * errors of bcache_get().
 */
struct netbuf;
int __must_check bcache_lend(struct bcache *c, uint64_t blockno, uint32_t off,
			     uint32_t len, struct netbuf **out);

/* Whether the cache holds block blockno now: a hint, which may change as
 * soon as it is given. */
bool bcache_cached(struct bcache *c, uint64_t blockno);

/* The buffer's data (bc_block_size bytes) and block number. The data
 * pointer stays the same from the get to the put. */
void *bbuf_data(struct bbuf *b);
uint64_t bbuf_blockno(const struct bbuf *b);

/*
 * Marks a held buffer as modified, in the current epoch: call it before
 * changing the data (changes made until bcache_put() belong to it).
 * Waits for a write of the buffer in flight; may keep a frozen copy of
 * the former contents for an earlier epoch, or write earlier epochs out
 * when the memory limit leaves no room for one. If that write fails, the
 * order of this block against its epoch is given up (counted in
 * bcache_stats.order_lost; the error stays for the next sync). May yield.
 */
void bbuf_dirty(struct bbuf *b);

/* Unlocks and releases a held buffer. */
void bcache_put(struct bbuf *b);

/*
 * Ends the current epoch: every change made before the call reaches the
 * device before any change made after it (see "Write order"). Costs
 * nothing when no change was made since the last barrier. Does no I/O.
 */
void bcache_barrier(struct bcache *c);

/*
 * Ends the current epoch, then writes every dirty buffer, epoch by epoch
 * (each in block order, a flush between epochs), and flushes the device
 * (when it has a write cache). Returns 0 or the first error; a buffer
 * whose write failed stays dirty, so nothing is lost and a later sync
 * retries it, and the epochs after it are not written. Held buffers are
 * written as they are (sync does not wait for their holders).
 */
int __must_check bcache_sync(struct bcache *c);

/*
 * Reads blocks [first, first + n) into buf (n * bc_block_size bytes): a
 * block the cache holds is copied from it (its latest contents, dirty or
 * not); the runs it does not hold go from the device straight into buf,
 * in requests as large as the device takes, and are not cached (a large
 * sequential read would only push out what is worth keeping); the blocks
 * it copies from the cache start no read-ahead (it reads what follows
 * itself). The caller keeps the blocks from being changed meanwhile (a
 * file system holds its lock). Returns 0; -EINVAL beyond the device;
 * -EIO; the errors of bcache_get().
 */
int __must_check bcache_read_blocks(struct bcache *c, uint64_t first,
				    uint32_t n, void *buf);

/* Byte-granular helpers over get/put: copy len bytes at byte offset off
 * (any alignment, may span blocks). Return 0 or an error of bcache_get. */
int __must_check bcache_read(struct bcache *c, uint64_t off, void *buf,
			     size_t len);
int __must_check bcache_write(struct bcache *c, uint64_t off, const void *buf,
			      size_t len);

struct bcache_stats {
	uint64_t hits, misses, readahead, evictions, writebacks;
	uint64_t barriers; /* epochs ended with changes in them */
	uint64_t flushes; /* device flushes (between epochs and by sync) */
	uint64_t order_lost; /* changes let out of order after a write error */
	uint64_t lends; /* bcache_lend() successes */
	uint64_t unshares; /* lent buffers moved onto a copy by a get */
	uint64_t direct; /* blocks bcache_read_blocks() read past the cache */
	size_t mem_used; /* bytes of buffer data now allocated */
	size_t dirty; /* dirty buffers now */
	size_t frozen; /* copies kept now for earlier epochs */
};
void bcache_get_stats(struct bcache *c, struct bcache_stats *st);

#endif /* KERNEL_BCACHE_H */
