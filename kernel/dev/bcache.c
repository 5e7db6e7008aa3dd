/* SPDX-License-Identifier: MIT */
/*
 * The block cache (<kernel/bcache.h>): buffers in a hash table by block
 * number and on one LRU list, memory bounded by evicting clean unheld
 * buffers first and writing back dirty ones only when nothing else is
 * left. Sequential gets start asynchronous read-ahead. No journaling and
 * no write ordering beyond "sync writes, then flushes": that is the file
 * systems' business.
 *
 * Lock order: a buffer's b_lock, then the cache's c_lock (both mutexes),
 * then c_ra_lock (a spinlock shared with read-ahead completions, which
 * run in interrupt context). Nobody sleeps on a b_lock while holding
 * c_lock, and no I/O is done with c_lock held. Write-back never takes
 * b_lock: it pins the buffer (b_refs) and snapshots b_gen, so a holder
 * may go on modifying it (and sync may run while the caller holds
 * buffers); a buffer dirtied again during its write stays dirty.
 */
#include <kernel/bcache.h>

#include <kernel/blkdev.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/sync.h>

#define BCACHE_MIN_BLOCKS 16
#define HASH_MAX_BITS 16
#define DMA_ALIGN_MAX 4096u
/* Block numbers sync sorts at once: up to this many on the heap, and
 * SYNC_STACK_BATCH on the stack when that allocation fails. */
#define SYNC_BATCH_MAX 4096u
#define SYNC_STACK_BATCH 16u

enum ra_state {
	RA_NONE = 0, /* no read-ahead pending or unconsumed */
	RA_INFLIGHT, /* submitted; not evictable, getters wait */
	RA_OK, /* the read completed; the next holder marks it valid */
	RA_FAILED, /* the read failed; the next holder reads it again */
};

/* What a get does to the buffer's contents. */
enum fill {
	FILL_READ, /* bcache_get(): read it unless valid */
	FILL_ZERO, /* bcache_get_new(): zero it, dirty */
	FILL_NONE, /* a whole-block bcache_write(): the caller fills it */
};

/*
 * Locking: [I] immutable while in the cache  [C] c_lock  [B] b_lock
 *          [R] c_ra_lock  [A] the read-ahead submitter, until submitted
 * b_refs counts holders, getters about to lock b_lock and writers: a
 * buffer with b_refs == 0 has no b_lock owner and no write in flight.
 */
struct bbuf {
	struct bcache *b_cache; /* [I] */
	uint64_t b_blockno; /* [I] */
	void *b_data; /* [I] the pointer; contents [B] or in I/O */
	struct mutex b_lock;

	struct bbuf *b_hnext; /* [C] hash chain */
	struct bbuf *b_lru_prev, *b_lru_next; /* [C] */
	unsigned int b_refs; /* [C] */
	bool b_dirtied; /* [B] the holder called bbuf_dirty() */
	uint32_t b_gen; /* [C] bumped by bbuf_dirty() */
	bool b_dirty; /* [C] implies b_valid */
	bool b_writing; /* [C] a write-back is in flight */
	bool b_ra_marker; /* [C] read ahead and not yet got */

	bool b_valid; /* [B] b_data holds the block (or newer) */

	enum ra_state b_ra; /* [R] */

	struct bbuf *b_ra_next; /* [A] */
	struct blk_req b_req; /* [A], then the device's until br_done */
};

struct bcache {
	struct blkdev *c_bd; /* [I] */
	uint32_t c_bs; /* [I] bytes per buffer */
	size_t c_align; /* [I] of b_data */
	size_t c_limit; /* [I] bytes of buffer data */
	uint64_t c_nblocks; /* [I] whole cache blocks on the device */
	unsigned int c_ra; /* [I] read-ahead window, blocks */
	unsigned int c_hash_bits; /* [I] */
	struct bbuf **c_hash; /* [I] the array; the chains [C] */
	struct mutex c_lock;

	struct cond c_wb_cond; /* with c_lock: a write-back ended */
	struct bbuf *c_lru_head, *c_lru_tail; /* [C] head: least recent */
	size_t c_mem_used; /* [C] */
	size_t c_ndirty; /* [C] */
	unsigned int c_nwriting; /* [C] buffers with b_writing */
	uint64_t c_last; /* [C] block of the last bcache_get() */
	bool c_last_valid; /* [C] */
	uint64_t c_hits, c_misses, c_readahead; /* [C] */
	uint64_t c_evictions, c_writebacks; /* [C] */

	struct spinlock c_ra_lock;
	struct waitq c_ra_wq; /* [R] read-ahead completions */
	unsigned int c_ra_inflight; /* [R] */
};

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* --- index: hash chains and the LRU list, all [C] --- */

static struct bbuf **hash_slot(struct bcache *c, uint64_t blockno)
{
	uint64_t h = blockno * 0x9e3779b97f4a7c15ull;

	return &c->c_hash[h >> (64 - c->c_hash_bits)];
}

static struct bbuf *hash_find(struct bcache *c, uint64_t blockno)
{
	struct bbuf *b;

	for (b = *hash_slot(c, blockno); b; b = b->b_hnext)
		if (b->b_blockno == blockno)
			return b;
	return NULL;
}

static void hash_remove(struct bcache *c, struct bbuf *b)
{
	struct bbuf **pp = hash_slot(c, b->b_blockno);

	while (*pp != b)
		pp = &(*pp)->b_hnext;
	*pp = b->b_hnext;
}

static void lru_remove(struct bcache *c, struct bbuf *b)
{
	if (b->b_lru_prev)
		b->b_lru_prev->b_lru_next = b->b_lru_next;
	else
		c->c_lru_head = b->b_lru_next;
	if (b->b_lru_next)
		b->b_lru_next->b_lru_prev = b->b_lru_prev;
	else
		c->c_lru_tail = b->b_lru_prev;
}

static void lru_append(struct bcache *c, struct bbuf *b)
{
	b->b_lru_next = NULL;
	b->b_lru_prev = c->c_lru_tail;
	if (c->c_lru_tail)
		c->c_lru_tail->b_lru_next = b;
	else
		c->c_lru_head = b;
	c->c_lru_tail = b;
}

static void lru_touch(struct bcache *c, struct bbuf *b)
{
	lru_remove(c, b);
	lru_append(c, b);
}

/* Allocates an invalid buffer for blockno and indexes it as most
 * recently used. Caller holds c_lock and checked the limit. */
static struct bbuf *buf_new(struct bcache *c, uint64_t blockno)
{
	struct bbuf *b = heap_alloc(sizeof(*b));

	if (!b)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->b_data = heap_alloc_aligned(c->c_align, c->c_bs);
	if (!b->b_data) {
		heap_free(b);
		return NULL;
	}
	b->b_cache = c;
	b->b_blockno = blockno;
	mutex_init(&b->b_lock, "bbuf");
	b->b_hnext = *hash_slot(c, blockno);
	*hash_slot(c, blockno) = b;
	lru_append(c, b);
	c->c_mem_used += c->c_bs;
	return b;
}

/* Takes b out of the index. Caller holds c_lock; b_refs is 0. */
static void buf_unlink(struct bcache *c, struct bbuf *b)
{
	hash_remove(c, b);
	lru_remove(c, b);
	c->c_mem_used -= c->c_bs;
}

static void buf_free(struct bbuf *b)
{
	heap_free(b->b_data);
	heap_free(b);
}

/* --- read-ahead completion state, [R] --- */

/* Interrupt context: records the outcome and wakes every waiter. After
 * the unlock nothing here touches b or c (bcache_destroy() may free c
 * once c_ra_inflight is 0). */
static void ra_done(struct blk_req *r)
{
	struct bbuf *b = r->br_arg;
	struct bcache *c = b->b_cache;

	spin_lock(&c->c_ra_lock);
	b->b_ra = r->br_status ? RA_FAILED : RA_OK;
	c->c_ra_inflight--;
	(void)waitq_wake_all(&c->c_ra_wq);
	spin_unlock(&c->c_ra_lock);
}

static bool ra_is_inflight(struct bcache *c, struct bbuf *b)
{
	bool busy;

	spin_lock(&c->c_ra_lock);
	busy = b->b_ra == RA_INFLIGHT;
	spin_unlock(&c->c_ra_lock);
	return busy;
}

/* Sleeps until no read-ahead is in flight. Caller holds no c_lock. */
static void ra_wait_all(struct bcache *c)
{
	spin_lock(&c->c_ra_lock);
	while (c->c_ra_inflight)
		(void)waitq_wait(&c->c_ra_wq, &c->c_ra_lock, 0, NULL);
	spin_unlock(&c->c_ra_lock);
}

/* Waits for b's read-ahead, if any, and consumes its outcome. Caller
 * holds b_lock. */
static void ra_reap(struct bcache *c, struct bbuf *b)
{
	enum ra_state st;

	spin_lock(&c->c_ra_lock);
	while (b->b_ra == RA_INFLIGHT)
		(void)waitq_wait(&c->c_ra_wq, &c->c_ra_lock, 0, NULL);
	st = b->b_ra;
	b->b_ra = RA_NONE;
	spin_unlock(&c->c_ra_lock);
	if (st == RA_OK)
		b->b_valid = true;
}

/* --- write-back and eviction --- */

/*
 * Writes b back if dirty. Caller holds c_lock and a reference on b; the
 * lock is dropped during the write. Returns 0 or the write's error (b
 * then stays dirty). May yield.
 */
static int buf_write(struct bcache *c, struct bbuf *b)
{
	uint32_t gen;
	int rc;

	/* Two writes of one block in flight could land in either order. */
	while (b->b_writing)
		cond_wait(&c->c_wb_cond, &c->c_lock);
	if (!b->b_dirty)
		return 0;
	b->b_writing = true;
	c->c_nwriting++;
	gen = b->b_gen;
	mutex_unlock(&c->c_lock);
	rc = blkdev_write(c->c_bd, b->b_blockno * c->c_bs, b->b_data, c->c_bs);
	mutex_lock(&c->c_lock);
	b->b_writing = false;
	c->c_nwriting--;
	cond_broadcast(&c->c_wb_cond);
	if (rc)
		return rc;
	c->c_writebacks++;
	/* Dirtied again meanwhile (bbuf_dirty() or a dirtying holder's
	 * put bumps b_gen): stays dirty. */
	if (b->b_gen == gen) {
		b->b_dirty = false;
		c->c_ndirty--;
	}
	return 0;
}

/*
 * Frees the least recently used clean, unheld buffer that no read is
 * filling; for read-ahead (for_ra), not one read ahead and unused yet.
 * Caller holds c_lock. Returns false when there is none.
 */
static bool evict_clean(struct bcache *c, bool for_ra)
{
	struct bbuf *b;

	for (b = c->c_lru_head; b; b = b->b_lru_next) {
		if (b->b_refs || b->b_dirty || (for_ra && b->b_ra_marker) ||
		    ra_is_inflight(c, b))
			continue;
		buf_unlink(c, b);
		buf_free(b);
		c->c_evictions++;
		return true;
	}
	return false;
}

static struct bbuf *lru_first_dirty_unheld(struct bcache *c)
{
	struct bbuf *b;

	for (b = c->c_lru_head; b; b = b->b_lru_next)
		if (!b->b_refs && b->b_dirty)
			return b;
	return NULL;
}

static size_t count_dirty_unheld(struct bcache *c)
{
	struct bbuf *b;
	size_t n = 0;

	for (b = c->c_lru_head; b; b = b->b_lru_next)
		n += !b->b_refs && b->b_dirty;
	return n;
}

/*
 * Makes room for one more buffer. Caller holds c_lock; *fails counts the
 * write-backs that failed during the caller's current attempt (start at
 * 0). Returns 0 when there is room (the lock was held throughout);
 * -EAGAIN when the lock was dropped on the way (the caller must look the
 * block up again); -ENOMEM when every buffer is held; or a write-back
 * error once every unheld dirty buffer failed. May yield.
 */
static int make_room(struct bcache *c, size_t *fails)
{
	struct bbuf *b;
	int rc;

	if (c->c_mem_used + c->c_bs <= c->c_limit || evict_clean(c, false))
		return 0;
	b = lru_first_dirty_unheld(c);
	if (b) {
		b->b_refs++;
		rc = buf_write(c, b);
		b->b_refs--;
		if (!rc)
			return -EAGAIN;
		/* One block that cannot be written must not wedge the cache:
		 * it goes to the young end and the next oldest is tried,
		 * until each unheld dirty buffer has failed once. */
		lru_touch(c, b);
		if (++*fails > count_dirty_unheld(c))
			return rc;
		return -EAGAIN;
	}
	/* Writers and read-ahead pin buffers only for a while. */
	if (c->c_nwriting) {
		cond_wait(&c->c_wb_cond, &c->c_lock);
		return -EAGAIN;
	}
	spin_lock(&c->c_ra_lock);
	rc = c->c_ra_inflight ? -EAGAIN : -ENOMEM;
	spin_unlock(&c->c_ra_lock);
	if (rc == -EAGAIN) {
		mutex_unlock(&c->c_lock);
		ra_wait_all(c);
		mutex_lock(&c->c_lock);
	}
	return rc;
}

/* --- read-ahead --- */

static void ra_submit(struct bcache *c, struct bbuf *b)
{
	struct blk_req *r = &b->b_req;
	int rc;

	memset(r, 0, sizeof(*r));
	r->br_op = BLK_READ;
	r->br_off = b->b_blockno * c->c_bs;
	r->br_buf = b->b_data;
	r->br_len = c->c_bs;
	r->br_done = ra_done;
	r->br_arg = b;
	rc = blkdev_submit(c->c_bd, r);
	if (rc) {
		/* Not queued, so br_done will not run: end it here. */
		r->br_status = rc;
		ra_done(r);
	}
}

/* Indexes an in-flight read-ahead buffer for blockno, if memory allows
 * without writing anything back. Caller holds c_lock. */
static struct bbuf *ra_buf_new(struct bcache *c, uint64_t blockno)
{
	struct bbuf *b;

	if (c->c_mem_used + c->c_bs > c->c_limit && !evict_clean(c, true))
		return NULL;
	b = buf_new(c, blockno);
	if (!b)
		return NULL;
	b->b_ra_marker = true;
	spin_lock(&c->c_ra_lock);
	b->b_ra = RA_INFLIGHT;
	c->c_ra_inflight++;
	spin_unlock(&c->c_ra_lock);
	c->c_readahead++;
	return b;
}

/*
 * Starts reads of the blocks from `first` on that are not cached, up to
 * the window and the device's end; stops when memory runs out. Caller
 * holds no c_lock. May yield (on c_lock only).
 */
static void readahead(struct bcache *c, uint64_t first)
{
	uint64_t end = first + c->c_ra, k;
	struct bbuf *head = NULL, **tail = &head, *b;

	if (end > c->c_nblocks)
		end = c->c_nblocks;
	mutex_lock(&c->c_lock);
	for (k = first; k < end; k++) {
		if (hash_find(c, k))
			continue;
		b = ra_buf_new(c, k);
		if (!b)
			break;
		*tail = b;
		tail = &b->b_ra_next;
	}
	*tail = NULL;
	mutex_unlock(&c->c_lock);
	/* In flight, the buffers are neither evicted nor handed out. */
	while (head) {
		b = head;
		head = b->b_ra_next;
		ra_submit(c, b);
	}
}

/* --- get and put --- */

/*
 * Finds blockno's buffer or makes a new one (its b_lock already taken:
 * nobody else has seen it). Caller holds c_lock, which may be dropped
 * and retaken. Returns 0 (found), 1 (new) or a negative errno.
 */
static int buf_find_or_new(struct bcache *c, uint64_t blockno,
			   struct bbuf **out)
{
	size_t fails = 0;
	int rc;

	do {
		*out = hash_find(c, blockno);
		if (*out)
			return 0;
		rc = make_room(c, &fails);
	} while (rc == -EAGAIN);
	if (rc)
		return rc;
	*out = buf_new(c, blockno);
	if (!*out)
		return -ENOMEM;
	(void)mutex_trylock(&(*out)->b_lock);
	return 1;
}

/*
 * Returns blockno's buffer referenced and locked in *out. Sets *ra when
 * this get continues a sequential run past a miss or a read-ahead block.
 * Takes c_lock, then (without it) b_lock. May yield.
 */
static int buf_pin(struct bcache *c, uint64_t blockno, enum fill fill,
		   struct bbuf **out, bool *ra)
{
	struct bbuf *b;
	int rc;

	mutex_lock(&c->c_lock);
	rc = buf_find_or_new(c, blockno, &b);
	if (rc < 0)
		goto out_unlock;
	b->b_refs++;
	lru_touch(c, b);
	if (rc)
		c->c_misses++;
	else
		c->c_hits++;
	if (fill == FILL_READ) {
		*ra = (rc || b->b_ra_marker) && c->c_last_valid &&
		      c->c_last + 1 == blockno;
		c->c_last = blockno;
		c->c_last_valid = true;
	}
	b->b_ra_marker = false;
	*out = b;
out_unlock:
	mutex_unlock(&c->c_lock);
	if (rc == 0)
		mutex_lock(&b->b_lock);
	return rc < 0 ? rc : 0;
}

/*
 * Unlocks b and drops the caller's reference. A buffer left invalid (its
 * read failed) leaves the cache with its last reference.
 */
static void buf_release(struct bcache *c, struct bbuf *b)
{
	/* Only a b_lock holder makes b valid, and every one has a
	 * reference: if ours is the last, nobody can change this. */
	bool valid = b->b_valid;
	bool drop = false;

	bool dirtied = b->b_dirtied;

	b->b_dirtied = false;
	mutex_unlock(&b->b_lock);
	mutex_lock(&c->c_lock);
	/* The holder may have changed the data after its bbuf_dirty() (as
	 * get_new's caller does) while a write-back took the old bytes: the
	 * put dirties it again, so that write cannot leave it clean. */
	if (dirtied) {
		if (!b->b_dirty) {
			b->b_dirty = true;
			c->c_ndirty++;
		}
		b->b_gen++;
	}
	if (--b->b_refs == 0) {
		if (valid) {
			lru_touch(c, b);
		} else {
			buf_unlink(c, b);
			drop = true;
		}
	}
	mutex_unlock(&c->c_lock);
	if (drop)
		buf_free(b);
}

/* Caller holds b_lock. */
static int buf_fill(struct bcache *c, struct bbuf *b, enum fill fill)
{
	int rc;

	switch (fill) {
	case FILL_READ:
		if (b->b_valid)
			return 0;
		rc = blkdev_read(c->c_bd, b->b_blockno * c->c_bs, b->b_data,
				 c->c_bs);
		if (rc)
			return rc;
		break;
	case FILL_ZERO:
		memset(b->b_data, 0, c->c_bs);
		bbuf_dirty(b);
		break;
	case FILL_NONE:
		break;
	}
	b->b_valid = true;
	return 0;
}

static int cache_get(struct bcache *c, uint64_t blockno, enum fill fill,
		     struct bbuf **out)
{
	struct bbuf *b;
	bool ra = false;
	int rc;

	if (blockno >= c->c_nblocks)
		return -EINVAL;
	rc = buf_pin(c, blockno, fill, &b, &ra);
	if (rc)
		return rc;
	/* Also for get_new: a late read-ahead must not overwrite it. */
	ra_reap(c, b);
	rc = buf_fill(c, b, fill);
	if (rc) {
		buf_release(c, b);
		return rc;
	}
	if (ra)
		readahead(c, blockno + 1);
	*out = b;
	return 0;
}

int bcache_get(struct bcache *c, uint64_t blockno, struct bbuf **out)
{
	return cache_get(c, blockno, FILL_READ, out);
}

int bcache_get_new(struct bcache *c, uint64_t blockno, struct bbuf **out)
{
	return cache_get(c, blockno, FILL_ZERO, out);
}

void *bbuf_data(struct bbuf *b)
{
	return b->b_data;
}

uint64_t bbuf_blockno(const struct bbuf *b)
{
	return b->b_blockno;
}

void bbuf_dirty(struct bbuf *b)
{
	struct bcache *c = b->b_cache;

	b->b_dirtied = true; /* the caller holds b_lock */
	mutex_lock(&c->c_lock);
	if (!b->b_dirty) {
		b->b_dirty = true;
		c->c_ndirty++;
	}
	b->b_gen++;
	mutex_unlock(&c->c_lock);
}

void bcache_put(struct bbuf *b)
{
	buf_release(b->b_cache, b);
}

/* --- sync --- */

/* a[0..n) is a max-heap but for a[i]; moves a[i] down into place. */
static void maxheap_sift_down(uint64_t *a, size_t n, size_t i)
{
	for (;;) {
		size_t big = i, l = 2 * i + 1, r = l + 1;
		uint64_t t;

		if (l < n && a[l] > a[big])
			big = l;
		if (r < n && a[r] > a[big])
			big = r;
		if (big == i)
			return;
		t = a[i];
		a[i] = a[big];
		a[big] = t;
		i = big;
	}
}

static void maxheap_sift_up(uint64_t *a, size_t i)
{
	while (i > 0 && a[(i - 1) / 2] < a[i]) {
		uint64_t t = a[i];

		a[i] = a[(i - 1) / 2];
		a[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

/*
 * Stores in a[] the (at most cap) smallest numbers of dirty blocks at or
 * above `from`, ascending; returns how many. Takes c_lock.
 */
static size_t sync_collect(struct bcache *c, uint64_t from, uint64_t *a,
			   size_t cap)
{
	struct bbuf *b;
	size_t n = 0, i;
	uint64_t t;

	mutex_lock(&c->c_lock);
	for (b = c->c_lru_head; b; b = b->b_lru_next) {
		if (!b->b_dirty || b->b_blockno < from)
			continue;
		if (n < cap) {
			a[n] = b->b_blockno;
			maxheap_sift_up(a, n++);
		} else if (b->b_blockno < a[0]) {
			a[0] = b->b_blockno;
			maxheap_sift_down(a, n, 0);
		}
	}
	mutex_unlock(&c->c_lock);
	for (i = n; i > 1; i--) {
		t = a[0];
		a[0] = a[i - 1];
		a[i - 1] = t;
		maxheap_sift_down(a, i - 1, 0);
	}
	return n;
}

/* Writes blockno back if it is still cached and dirty. Takes c_lock. */
static int sync_block(struct bcache *c, uint64_t blockno)
{
	struct bbuf *b;
	int rc = 0;

	mutex_lock(&c->c_lock);
	b = hash_find(c, blockno);
	if (b && b->b_dirty) {
		b->b_refs++;
		rc = buf_write(c, b);
		b->b_refs--;
	}
	mutex_unlock(&c->c_lock);
	return rc;
}

/* Writes every dirty buffer in block order, in batches of cap. */
static int sync_batches(struct bcache *c, uint64_t *batch, size_t cap)
{
	uint64_t from = 0;
	size_t n, i;
	int rc = 0, err;

	do {
		n = sync_collect(c, from, batch, cap);
		for (i = 0; i < n; i++) {
			err = sync_block(c, batch[i]);
			if (err && !rc)
				rc = err;
		}
		if (n)
			from = batch[n - 1] + 1;
	} while (n == cap);
	return rc;
}

int bcache_sync(struct bcache *c)
{
	uint64_t stack_batch[SYNC_STACK_BATCH];
	uint64_t *batch = NULL;
	size_t cap;
	int rc, err;

	mutex_lock(&c->c_lock);
	cap = c->c_ndirty < SYNC_BATCH_MAX ? c->c_ndirty : SYNC_BATCH_MAX;
	mutex_unlock(&c->c_lock);
	if (cap > SYNC_STACK_BATCH)
		batch = heap_alloc(cap * sizeof(*batch));
	if (!batch) {
		batch = stack_batch;
		cap = SYNC_STACK_BATCH;
	}
	rc = sync_batches(c, batch, cap);
	if (batch != stack_batch)
		heap_free(batch);
	/* Even after a failed write: what was written becomes durable. */
	if (blkdev_info(c->c_bd)->bi_flush) {
		err = blkdev_flush(c->c_bd);
		if (err && !rc)
			rc = err;
	}
	return rc;
}

/* --- byte helpers --- */

int bcache_read(struct bcache *c, uint64_t off, void *buf, size_t len)
{
	struct bbuf *b;
	size_t boff, n;
	int rc;

	if (off + len < off)
		return -EINVAL;
	while (len) {
		boff = off % c->c_bs;
		n = c->c_bs - boff < len ? c->c_bs - boff : len;
		rc = bcache_get(c, off / c->c_bs, &b);
		if (rc)
			return rc;
		memcpy(buf, (char *)b->b_data + boff, n);
		bcache_put(b);
		buf = (char *)buf + n;
		off += n;
		len -= n;
	}
	return 0;
}

int bcache_write(struct bcache *c, uint64_t off, const void *buf, size_t len)
{
	struct bbuf *b;
	size_t boff, n;
	int rc;

	if (off + len < off)
		return -EINVAL;
	while (len) {
		boff = off % c->c_bs;
		n = c->c_bs - boff < len ? c->c_bs - boff : len;
		rc = cache_get(c, off / c->c_bs,
			       n == c->c_bs ? FILL_NONE : FILL_READ, &b);
		if (rc)
			return rc;
		memcpy((char *)b->b_data + boff, buf, n);
		bbuf_dirty(b);
		bcache_put(b);
		buf = (const char *)buf + n;
		off += n;
		len -= n;
	}
	return 0;
}

/* --- life cycle and stats --- */

static unsigned int hash_bits_for(size_t nbufs)
{
	unsigned int bits = 4;

	while (bits < HASH_MAX_BITS && ((size_t)1 << bits) < nbufs)
		bits++;
	return bits;
}

static void cache_init(struct bcache *c, struct blkdev *bd,
		       const struct bcache_config *cfg, uint32_t bs)
{
	const struct blkdev_info *bi = blkdev_info(bd);
	size_t nbufs = cfg->bc_mem_limit / bs;

	c->c_bd = bd;
	c->c_bs = bs;
	c->c_align = bs < DMA_ALIGN_MAX ? bs : DMA_ALIGN_MAX;
	c->c_limit = cfg->bc_mem_limit;
	c->c_nblocks = bi->bi_size / bs;
	/* At most half the cache, so read-ahead never evicts its own
	 * blocks before they are used; one request per buffer. */
	c->c_ra = cfg->bc_readahead < nbufs / 2 ? cfg->bc_readahead
						: (unsigned int)(nbufs / 2);
	if (bs > bi->bi_max_transfer)
		c->c_ra = 0;
	mutex_init(&c->c_lock, "bcache");
	cond_init(&c->c_wb_cond, "bcache writeback");
	spin_init(&c->c_ra_lock, "bcache readahead");
	c->c_ra_wq = (struct waitq)WAITQ_INIT;
}

int bcache_create(struct blkdev *bd, const struct bcache_config *cfg,
		  struct bcache **out)
{
	const struct blkdev_info *bi;
	struct bcache *c;
	size_t hash_bytes;
	uint32_t bs;

	if (!bd || !cfg || !out)
		return -EINVAL;
	bi = blkdev_info(bd);
	bs = cfg->bc_block_size ? cfg->bc_block_size : bi->bi_block_size;
	if (!is_pow2(bs) || bs < bi->bi_block_size ||
	    cfg->bc_mem_limit / BCACHE_MIN_BLOCKS < bs)
		return -EINVAL;
	c = heap_alloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	c->c_hash_bits = hash_bits_for(cfg->bc_mem_limit / bs);
	hash_bytes = sizeof(*c->c_hash) << c->c_hash_bits;
	c->c_hash = heap_alloc(hash_bytes);
	if (!c->c_hash)
		goto err_free_cache;
	memset(c->c_hash, 0, hash_bytes);
	cache_init(c, bd, cfg, bs);
	*out = c;
	return 0;

err_free_cache:
	heap_free(c);
	return -ENOMEM;
}

int bcache_destroy(struct bcache *c)
{
	struct bbuf *b, *next;
	int rc;

	if (!c)
		return 0;
	ra_wait_all(c);
	rc = bcache_sync(c);
	for (b = c->c_lru_head; b; b = next) {
		next = b->b_lru_next;
		buf_free(b);
	}
	heap_free(c->c_hash);
	heap_free(c);
	return rc;
}

void bcache_get_stats(struct bcache *c, struct bcache_stats *st)
{
	mutex_lock(&c->c_lock);
	st->hits = c->c_hits;
	st->misses = c->c_misses;
	st->readahead = c->c_readahead;
	st->evictions = c->c_evictions;
	st->writebacks = c->c_writebacks;
	st->mem_used = c->c_mem_used;
	st->dirty = c->c_ndirty;
	mutex_unlock(&c->c_lock);
}
