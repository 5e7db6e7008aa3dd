/* SPDX-License-Identifier: MIT */
/*
 * The block cache (<kernel/bcache.h>): buffers in a hash table by block
 * number and on one LRU list, memory bounded by evicting clean unheld
 * buffers first and writing back dirty ones only when nothing else is
 * left. Sequential gets start asynchronous read-ahead. Write-back is
 * ordered by epochs (the header's "Write order" says what is promised):
 * every unwritten change is a version of its block tagged with an epoch,
 * on one list sorted by epoch (c_dirty: a new tag is always the open
 * epoch, so appending keeps the order), and writers take versions from
 * its head only.
 *
 * Lock order: a buffer's b_lock, then c_wb_lock (the one writer: sync,
 * eviction, bbuf_dirty()'s write-out), then the cache's c_lock (all
 * mutexes), then c_ra_lock (a spinlock shared with read-ahead
 * completions, which run in interrupt context). Nobody sleeps on a
 * b_lock while holding c_lock or c_wb_lock, and no I/O is done with
 * c_lock held. Write-back never takes b_lock: it pins the buffer
 * (b_refs) and snapshots b_gen, so a holder may keep it (and sync may run
 * while the caller holds buffers); bbuf_dirty() waits for a write in
 * flight, and a buffer dirtied again by its holder's put during its
 * write stays dirty.
 */
#include <kernel/bcache.h>

#include <kernel/blkdev.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/netbuf.h>
#include <kernel/page.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/sync.h>
#include <kernel/time.h>

#define BCACHE_MIN_BLOCKS 16
#define HASH_MAX_BITS 16
#define DMA_ALIGN_MAX 4096u
/* Block numbers a write-out sorts at once: up to this many on the heap,
 * and SYNC_STACK_BATCH on the stack when that allocation fails (or when
 * memory is short, as in bbuf_dirty()). */
#define SYNC_BATCH_MAX 4096u
#define SYNC_STACK_BATCH 16u
/* Requests in flight at once (sync and eviction): one request at a
 * time leaves the device idle between them. */
#define WB_QD 16u
/* Versions one write-out takes at once; adjacent blocks among them go to
 * the device as one gathered request (as many as it takes), since each
 * request costs far more than the bytes it carries. */
#define WB_BATCH 1024u
/* Versions an eviction writes at once (picked and sorted one by one). */
#define EVICT_BATCH 64u

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
 *          [W] c_wb_lock
 */

/* An unwritten version of a block: the buffer's own data (its live
 * version, b_ver) or a frozen copy kept for an earlier epoch. */
struct bver {
	struct bver *v_prev, *v_next; /* [C] on c_dirty */
	struct bbuf *v_buf; /* [I] */
	void *v_data; /* [I] the pointer: b_data, or the copy */
	uint64_t v_epoch; /* [C] of the latest change it holds */
	struct bver *v_fnext; /* [C] the buffer's next frozen copy */
};

/* One version being written back ([W]: the writer's). */
struct wb_slot {
	struct bver *s_ver;
	uint64_t s_epoch;
	uint32_t s_gen; /* b_gen when the write started */
	bool s_live; /* s_ver is the buffer's own version */
	int s_rc;
};

/* One request of a write-out: slots [r_first, r_first + r_n) ([W]). */
struct wb_req {
	unsigned int r_first, r_n;
	bool r_started;
	struct blk_wait r_wait;
};

/*
 * b_refs counts holders, getters about to lock b_lock and writers: a
 * buffer with b_refs == 0 has no b_lock owner and no write in flight.
 * A buffer with frozen copies is dirty (their epochs are older than its
 * own), so it is never evicted before they are written.
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
	bool b_modifying; /* [C] bbuf_dirty() since the last put */
	bool b_dirty; /* [C] b_ver is on c_dirty; implies b_valid */
	bool b_writing; /* [C] a write-back of b_data is in flight */
	bool b_ra_marker; /* [C] read ahead and not yet got */
	struct bver b_ver; /* [C] the live version */
	struct bver *b_frozen; /* [C] frozen copies, any order */

	bool b_valid; /* [B] b_data holds the block (or newer) */
	bool b_ro; /* [B] got by bcache_get_ro(): never dirtied */

	enum ra_state b_ra; /* [R] */

	struct bbuf *b_ra_next; /* [A] */
	struct blk_req b_req; /* [A], then the device's until br_done */

	struct blend *b_lend; /* [L] the netbufs lent b_data, or NULL */
};

/*
 * Lending (bcache_lend()). A buffer's data area may be lent to netbufs
 * that a network stack sends from; the area must then stay unchanged
 * until the last of them is put, which may be long after, in interrupt
 * context. A blend records that: while attached to its buffer (l_buf)
 * the area is the buffer's and the buffer frees it when evicted; a get
 * that may change the buffer first moves the buffer to a fresh copy
 * (unshare()), and eviction leaves the area where it is: both detach the
 * blend, which then owns the area and frees it with its last netbuf.
 * Nothing but lend_lock is needed to put a netbuf.
 *
 * Locking: [L] lend_lock, a spinlock shared by every cache (netbufs
 * are put in interrupt context); nothing is taken under it.
 */
struct blend {
	struct bbuf *l_buf; /* [L] NULL once detached */
	void *l_data; /* [I] the area */
	unsigned int l_refs; /* [L] netbufs */
};

static struct spinlock lend_lock = SPINLOCK_INIT("bcache lend");

struct bcache {
	struct blkdev *c_bd; /* [I] */
	uint32_t c_bs; /* [I] bytes per buffer */
	size_t c_align; /* [I] of b_data */
	size_t c_limit; /* [I] bytes of buffer data */
	uint64_t c_nblocks; /* [I] whole cache blocks on the device */
	unsigned int c_ra; /* [I] read-ahead window, blocks */
	unsigned int c_hash_bits; /* [I] */
	bool c_has_flush; /* [I] the device has a volatile write cache */
	struct bbuf **c_hash; /* [I] the array; the chains [C] */
	struct mutex c_wb_lock;
	struct mutex c_lock;

	struct wb_slot *c_slots; /* [W] c_wb_max of them */
	struct blk_seg *c_segs; /* [W] the pieces, one per slot */
	struct wb_req *c_reqs; /* [W] WB_QD of them */
	unsigned int c_wb_max; /* [I] slots */
	uint32_t c_max_pages; /* [I] a gathered request's; 0: none */
	bool c_unflushed; /* [W] writes since the last flush */
	uint64_t c_unflushed_epoch; /* [W] the epoch of the last of them */

	struct cond c_wb_cond; /* with c_lock: a write-back ended */
	struct bbuf *c_lru_head, *c_lru_tail; /* [C] head: least recent */
	struct bver *c_dirty_head, *c_dirty_tail; /* [C] head: oldest epoch */
	uint64_t c_epoch; /* [C] the open epoch */
	bool c_epoch_used; /* [C] a version was tagged with it */
	size_t c_mem_used; /* [C] buffers and frozen copies */
	size_t c_ndirty; /* [C] */
	size_t c_nfrozen; /* [C] */
	unsigned int c_nwriting; /* [C] buffers with b_writing */
	uint64_t c_last; /* [C] block of the last bcache_get() */
	bool c_last_valid; /* [C] */
	uint64_t c_hits, c_misses, c_readahead; /* [C] */
	uint64_t c_evictions, c_writebacks; /* [C] */
	uint64_t c_barriers, c_flushes, c_order_lost; /* [C] */
	uint64_t c_lends, c_unshares; /* [C] */
	uint64_t c_direct; /* [C] blocks bcache_read_blocks() read uncached */

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
	b->b_ver.v_buf = b;
	b->b_ver.v_data = b->b_data;
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

/* Frees b, whose area goes with its blend when it is lent. */
static void buf_free(struct bbuf *b)
{
	struct blend *l;

	spin_lock(&lend_lock);
	l = b->b_lend;
	if (l) {
		l->l_buf = NULL;
		b->b_lend = NULL;
	}
	spin_unlock(&lend_lock);
	if (!l)
		heap_free(b->b_data);
	heap_free(b);
}

/* The release hook of a lent netbuf: any context. */
static void lend_put(void *arg)
{
	struct blend *l = arg;
	void *area = NULL;
	bool last;

	spin_lock(&lend_lock);
	last = --l->l_refs == 0;
	if (last) {
		if (l->l_buf)
			l->l_buf->b_lend = NULL;
		else
			area = l->l_data;
	}
	spin_unlock(&lend_lock);
	if (last) {
		if (area)
			heap_free(area);
		heap_free(l);
	}
}

/*
 * Moves held buffer b off its lent area, onto a copy: the lent bytes
 * must not change, and the holder may change the buffer. Caller holds
 * b_lock and not c_lock. Returns 0 or -ENOMEM. May yield.
 */
static int unshare(struct bcache *c, struct bbuf *b)
{
	void *area = heap_alloc_aligned(c->c_align, c->c_bs);

	if (!area)
		return -ENOMEM;
	mutex_lock(&c->c_lock);
	/* A write in flight reads the old area: the blend could free it
	 * as soon as it is detached. */
	while (b->b_writing)
		cond_wait(&c->c_wb_cond, &c->c_lock);
	/* Always a copy, even for a get_new: bbuf_dirty() may keep the
	 * old contents for an earlier epoch. The lent bytes do not change
	 * (we hold b_lock). */
	memcpy(area, b->b_data, c->c_bs);
	spin_lock(&lend_lock);
	if (b->b_lend) {
		b->b_lend->l_buf = NULL;
		b->b_lend = NULL;
		b->b_data = area;
		b->b_ver.v_data = area;
		area = NULL;
	}
	spin_unlock(&lend_lock);
	if (!area)
		c->c_unshares++;
	mutex_unlock(&c->c_lock);
	if (area) /* the last netbuf went meanwhile: the area is b's */
		heap_free(area);
	return 0;
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

/*
 * One wait for read-ahead completions, caller holding c_ra_lock. A wait
 * that times out asks the driver to look again (<kernel/blkdev.h>): a
 * lost interrupt must not hang the reader for good.
 */
static void ra_wait_one(struct bcache *c)
{
	if (waitq_wait(&c->c_ra_wq, &c->c_ra_lock, time_ns() + BLKDEV_STALL_NS,
		       NULL) != -ETIMEDOUT)
		return;
	spin_unlock(&c->c_ra_lock);
	blkdev_stalled(c->c_bd);
	spin_lock(&c->c_ra_lock);
}

/* Sleeps until no read-ahead is in flight. Caller holds no c_lock. */
static void ra_wait_all(struct bcache *c)
{
	spin_lock(&c->c_ra_lock);
	while (c->c_ra_inflight)
		ra_wait_one(c);
	spin_unlock(&c->c_ra_lock);
}

/* Waits for b's read-ahead, if any, and consumes its outcome. Caller
 * holds b_lock. */
static void ra_reap(struct bcache *c, struct bbuf *b)
{
	enum ra_state st;

	spin_lock(&c->c_ra_lock);
	while (b->b_ra == RA_INFLIGHT)
		ra_wait_one(c);
	st = b->b_ra;
	b->b_ra = RA_NONE;
	spin_unlock(&c->c_ra_lock);
	if (st == RA_OK)
		b->b_valid = true;
}

/* --- versions: the dirty list, all [C] --- */

static void dirty_insert_after(struct bcache *c, struct bver *pos,
			       struct bver *v)
{
	v->v_prev = pos;
	v->v_next = pos ? pos->v_next : c->c_dirty_head;
	if (v->v_next)
		v->v_next->v_prev = v;
	else
		c->c_dirty_tail = v;
	if (pos)
		pos->v_next = v;
	else
		c->c_dirty_head = v;
}

static void dirty_remove(struct bcache *c, struct bver *v)
{
	if (v->v_prev)
		v->v_prev->v_next = v->v_next;
	else
		c->c_dirty_head = v->v_next;
	if (v->v_next)
		v->v_next->v_prev = v->v_prev;
	else
		c->c_dirty_tail = v->v_prev;
}

/* Moves v behind the other versions of its epoch. */
static void dirty_rotate(struct bcache *c, struct bver *v)
{
	struct bver *last = v;

	while (last->v_next && last->v_next->v_epoch == v->v_epoch)
		last = last->v_next;
	if (last == v)
		return;
	dirty_remove(c, v);
	dirty_insert_after(c, last, v);
}

/* Tags b's live contents with the open epoch. The caller made sure they
 * hold no change of an earlier epoch that is not also elsewhere (or gave
 * that order up). */
static void live_tag(struct bcache *c, struct bbuf *b)
{
	if (b->b_dirty) {
		if (b->b_ver.v_epoch == c->c_epoch)
			return;
		dirty_remove(c, &b->b_ver);
	} else {
		b->b_dirty = true;
		c->c_ndirty++;
	}
	b->b_ver.v_epoch = c->c_epoch;
	dirty_insert_after(c, c->c_dirty_tail, &b->b_ver);
	c->c_epoch_used = true;
}

static void epoch_end(struct bcache *c)
{
	if (!c->c_epoch_used)
		return;
	c->c_epoch++;
	c->c_epoch_used = false;
	c->c_barriers++;
}

/* The version of blockno tagged with epoch e, or NULL. */
static struct bver *ver_find(struct bcache *c, uint64_t blockno, uint64_t e)
{
	struct bbuf *b = hash_find(c, blockno);
	struct bver *v;

	if (!b)
		return NULL;
	if (b->b_dirty && b->b_ver.v_epoch == e)
		return &b->b_ver;
	for (v = b->b_frozen; v; v = v->v_fnext)
		if (v->v_epoch == e)
			return v;
	return NULL;
}

static void frozen_drop(struct bcache *c, struct bver *v)
{
	struct bver **pp = &v->v_buf->b_frozen;

	while (*pp != v)
		pp = &(*pp)->v_fnext;
	*pp = v->v_fnext;
	dirty_remove(c, v);
	heap_free(v->v_data);
	heap_free(v);
	c->c_mem_used -= c->c_bs;
	c->c_nfrozen--;
}

/* --- write-back --- */

/* Flushes the device. Caller holds c_wb_lock and c_lock, which is
 * dropped meanwhile. */
static int flush_locked(struct bcache *c)
{
	int rc;

	mutex_unlock(&c->c_lock);
	rc = blkdev_flush(c->c_bd);
	mutex_lock(&c->c_lock);
	c->c_flushes++;
	if (!rc)
		c->c_unflushed = false;
	return rc;
}

/*
 * Before the first write of epoch e: the writes of earlier epochs must
 * be durable first, so the device is flushed. Returns 0 when nothing was
 * needed, -EAGAIN after a flush (c_lock was dropped: versions may have
 * changed, look again), or the flush's error. Caller holds c_wb_lock
 * and c_lock.
 */
static int flush_before(struct bcache *c, uint64_t e)
{
	int rc;

	if (!c->c_unflushed || c->c_unflushed_epoch >= e)
		return 0;
	rc = flush_locked(c);
	return rc ? rc : -EAGAIN;
}

/* Pins v for its write: what ver_end() needs after the I/O. */
static void ver_begin(struct bcache *c, struct wb_slot *s, struct bver *v)
{
	struct bbuf *b = v->v_buf;

	s->s_ver = v;
	s->s_live = v == &b->b_ver;
	s->s_epoch = v->v_epoch;
	s->s_gen = b->b_gen;
	b->b_refs++;
	if (s->s_live) {
		b->b_writing = true;
		c->c_nwriting++;
	}
}

/* The write of s ended with rc: a version written whole is clean (a
 * frozen copy is freed). Caller holds c_lock. Returns rc. */
static int ver_end(struct bcache *c, struct wb_slot *s, int rc)
{
	struct bver *v = s->s_ver;
	struct bbuf *b = v->v_buf;

	if (s->s_live) {
		b->b_writing = false;
		c->c_nwriting--;
		cond_broadcast(&c->c_wb_cond);
	}
	b->b_refs--;
	if (rc)
		return rc;
	c->c_writebacks++;
	if (c->c_has_flush) {
		c->c_unflushed = true;
		c->c_unflushed_epoch = s->s_epoch;
	}
	if (!s->s_live) {
		frozen_drop(c, v);
	} else if (b->b_gen == s->s_gen) {
		/* Not dirtied again by a holder's put meanwhile. */
		dirty_remove(c, v);
		b->b_dirty = false;
		c->c_ndirty--;
	}
	return 0;
}

/* Pages of memory a piece at p of n bytes touches. */
static size_t pages_of(const void *p, size_t n)
{
	return (((uintptr_t)p & (PAGE_SIZE - 1)) + n + PAGE_SIZE - 1) /
	       PAGE_SIZE;
}

/* How many slots from i on (at most n - i) one request carries: blocks
 * that follow each other on the device, within what it takes. */
static unsigned int run_from(struct bcache *c, unsigned int i, unsigned int n)
{
	const struct blkdev_info *bi = blkdev_info(c->c_bd);
	struct wb_slot *s = c->c_slots;
	size_t pages = pages_of(s[i].s_ver->v_data, c->c_bs);
	unsigned int k = 1;

	if (!c->c_max_pages)
		return 1;
	while (i + k < n &&
	       s[i + k].s_ver->v_buf->b_blockno ==
		       s[i].s_ver->v_buf->b_blockno + k &&
	       (size_t)(k + 1) * c->c_bs <= bi->bi_max_transfer) {
		pages += pages_of(s[i + k].s_ver->v_data, c->c_bs);
		if (pages > c->c_max_pages)
			break;
		k++;
	}
	return k;
}

/* Starts request q for slots [first, first + n). */
static void req_start(struct bcache *c, struct wb_req *q, unsigned int first,
		      unsigned int n)
{
	struct wb_slot *s = &c->c_slots[first];
	uint64_t off = s->s_ver->v_buf->b_blockno * c->c_bs;
	unsigned int i;
	int rc;

	q->r_first = first;
	q->r_n = n;
	if (n == 1) {
		rc = blkdev_start(c->c_bd, &q->r_wait, BLK_WRITE, off,
				  s->s_ver->v_data, c->c_bs);
	} else {
		for (i = 0; i < n; i++) {
			c->c_segs[first + i].bs_buf = s[i].s_ver->v_data;
			c->c_segs[first + i].bs_len = c->c_bs;
		}
		rc = blkdev_start_segs(c->c_bd, &q->r_wait, BLK_WRITE, off,
				       &c->c_segs[first], n);
	}
	q->r_started = rc == 0;
	for (i = 0; i < n; i++)
		s[i].s_rc = rc;
}

/* Waits for request q (if started) and gives its status to its slots. */
static void req_wait(struct bcache *c, struct wb_req *q)
{
	unsigned int i;
	int rc;

	if (!q->r_started)
		return;
	rc = blkdev_wait(&q->r_wait);
	for (i = 0; i < q->r_n; i++)
		c->c_slots[q->r_first + i].s_rc = rc;
}

/*
 * Writes the n (1..c_wb_max) versions of c_slots, one epoch's (the
 * oldest; flush_before() done), each a different block, in ascending
 * block order: runs of adjacent blocks go out as one request each, up to
 * WB_QD requests in flight, so the device sees few large requests in a
 * queue instead of one block at a time. Caller holds c_wb_lock and
 * c_lock, which is dropped during the I/O. Stores each status in s_rc;
 * returns the first error, or 0. A version may be freed by this call (a
 * frozen copy written): do not use s_ver after it but for failed slots.
 * May yield.
 */
static int vers_write(struct bcache *c, size_t n)
{
	struct wb_slot *s = c->c_slots;
	unsigned int i, k, issued = 0, waited = 0;
	int rc = 0;

	for (i = 0; i < n; i++)
		ver_begin(c, &s[i], s[i].s_ver);
	mutex_unlock(&c->c_lock);
	for (i = 0; i < n; i += k) {
		if (issued - waited == WB_QD)
			req_wait(c, &c->c_reqs[waited++ % WB_QD]);
		k = run_from(c, i, (unsigned int)n);
		req_start(c, &c->c_reqs[issued++ % WB_QD], i, k);
	}
	while (waited < issued)
		req_wait(c, &c->c_reqs[waited++ % WB_QD]);
	mutex_lock(&c->c_lock);
	for (i = 0; i < n; i++) {
		int err = ver_end(c, &s[i], s[i].s_rc);

		if (err && !rc)
			rc = err;
	}
	return rc;
}

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
 * Stores in a[] the (at most cap) smallest numbers of blocks at or above
 * `from` that have a version in epoch e, the oldest (so its versions
 * lead c_dirty), ascending; returns how many. Caller holds c_lock.
 */
static size_t epoch_collect(struct bcache *c, uint64_t e, uint64_t from,
			    uint64_t *a, size_t cap)
{
	struct bver *v;
	size_t n = 0, i;
	uint64_t t, blk;

	for (v = c->c_dirty_head; v && v->v_epoch == e; v = v->v_next) {
		blk = v->v_buf->b_blockno;
		if (blk < from)
			continue;
		if (n < cap) {
			a[n] = blk;
			maxheap_sift_up(a, n++);
		} else if (blk < a[0]) {
			a[0] = blk;
			maxheap_sift_down(a, n, 0);
		}
	}
	for (i = n; i > 1; i--) {
		t = a[0];
		a[0] = a[i - 1];
		a[i - 1] = t;
		maxheap_sift_down(a, i - 1, 0);
	}
	return n;
}

/*
 * Writes every version of epoch e (the oldest) in block order, in
 * batches of cap. Caller holds c_wb_lock and c_lock (dropped during
 * I/O). Returns 0 or the first error, after trying them all.
 */
static int epoch_write(struct bcache *c, uint64_t e, uint64_t *batch,
		       size_t cap)
{
	uint64_t from = 0;
	size_t n, i;
	int rc = 0, err;

	do {
		n = epoch_collect(c, e, from, batch, cap);
		for (i = 0; i < n;) {
			size_t k = 0, j;

			err = flush_before(c, e);
			if (err == -EAGAIN)
				continue;
			if (err)
				return err;
			/* Found again under the lock this write holds. */
			for (j = i; j < n && k < c->c_wb_max; j++) {
				struct bver *v = ver_find(c, batch[j], e);

				if (v)
					c->c_slots[k++].s_ver = v;
			}
			i = j;
			err = k ? vers_write(c, k) : 0;
			if (err && !rc)
				rc = err;
		}
		if (n)
			from = batch[n - 1] + 1;
	} while (n == cap);
	return rc;
}

/*
 * Writes the epochs older than `stop`, oldest first, stopping at the
 * first that fails. Caller holds c_wb_lock and c_lock. May yield.
 */
static int epochs_write(struct bcache *c, uint64_t stop, uint64_t *batch,
			size_t cap)
{
	int rc = 0;

	while (!rc && c->c_dirty_head && c->c_dirty_head->v_epoch < stop)
		rc = epoch_write(c, c->c_dirty_head->v_epoch, batch, cap);
	return rc;
}

/* Writes every epoch up to `last` with a small batch on the stack (for
 * bbuf_dirty(), when memory is short). Takes c_wb_lock and c_lock. */
static int write_through(struct bcache *c, uint64_t last)
{
	uint64_t batch[SYNC_STACK_BATCH];
	int rc;

	mutex_lock(&c->c_wb_lock);
	mutex_lock(&c->c_lock);
	rc = epochs_write(c, last + 1, batch, SYNC_STACK_BATCH);
	mutex_unlock(&c->c_lock);
	mutex_unlock(&c->c_wb_lock);
	return rc;
}

/* --- eviction --- */

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

/* A holder is changing v's data (held buffers not being changed are
 * stable: holders change data only after bbuf_dirty()). */
static bool ver_is_busy(const struct bver *v)
{
	return v == &v->v_buf->b_ver && v->v_buf->b_modifying;
}

/* The first version of the oldest epoch that eviction may write (a
 * frozen copy, or a buffer nobody is changing), and how many there are. */
static struct bver *evict_pick(struct bcache *c, size_t *count)
{
	struct bver *v, *first = NULL;

	*count = 0;
	for (v = c->c_dirty_head; v && v->v_epoch == c->c_dirty_head->v_epoch;
	     v = v->v_next) {
		if (ver_is_busy(v))
			continue;
		if (!first)
			first = v;
		++*count;
	}
	return first;
}

/*
 * Writes up to EVICT_BATCH versions of the oldest epoch back to make room (a
 * batch, in block order: the writes go out together, and the next
 * evictions find clean buffers). Caller holds c_wb_lock and c_lock;
 * *fails counts the writes that failed during the caller's current
 * attempt. Returns 0 (room may have been made: look again) or a write
 * error once every candidate failed.
 */
static int evict_write(struct bcache *c, size_t *fails)
{
	struct wb_slot *s = c->c_slots;
	size_t count, k = 0, i, j;
	struct bver *v = evict_pick(c, &count);
	int rc = flush_before(c, v ? v->v_epoch : 0);

	if (!v || rc == -EAGAIN)
		return 0;
	if (rc)
		return rc;
	for (; v && v->v_epoch == c->c_dirty_head->v_epoch && k < EVICT_BATCH &&
	       k < c->c_wb_max;
	     v = v->v_next) {
		if (ver_is_busy(v))
			continue;
		for (j = k++; j > 0 && s[j - 1].s_ver->v_buf->b_blockno >
					       v->v_buf->b_blockno;
		     j--)
			s[j].s_ver = s[j - 1].s_ver;
		s[j].s_ver = v;
	}
	rc = vers_write(c, k);
	if (!rc)
		return 0;
	/* A block that cannot be written must not wedge the cache: it
	 * goes behind the others of its epoch and the next are tried,
	 * until each has failed once. Later epochs must wait for it. */
	for (i = 0; i < k; i++) {
		if (!s[i].s_rc)
			continue;
		dirty_rotate(c, s[i].s_ver);
		if (++*fails >= count)
			return s[i].s_rc;
	}
	return 0;
}

/*
 * Makes room for one more buffer. Caller holds c_lock; *fails counts the
 * write-backs that failed during the caller's current attempt (start at
 * 0). Returns 0 when there is room (the lock was held throughout);
 * -EAGAIN when the lock was dropped on the way (the caller must look the
 * block up again); -ENOMEM when nothing can be evicted or written; or
 * a write-back error once every writable version of the oldest epoch
 * failed. May yield.
 */
static int make_room(struct bcache *c, size_t *fails)
{
	size_t count;
	int rc;

	if (c->c_mem_used + c->c_bs <= c->c_limit || evict_clean(c, false))
		return 0;
	if (evict_pick(c, &count)) {
		mutex_unlock(&c->c_lock);
		mutex_lock(&c->c_wb_lock);
		mutex_lock(&c->c_lock);
		rc = evict_write(c, fails);
		mutex_unlock(&c->c_wb_lock);
		return rc ? rc : -EAGAIN;
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

/* --- changing a buffer --- */

/*
 * Keeps b's contents as a frozen copy for their epoch, so that the live
 * buffer can take changes of the open epoch (b is then left clean, for
 * live_tag()). Caller holds c_lock; b is dirty in an earlier epoch and
 * not being written. Returns 0, or -ENOMEM when the limit or the heap
 * leaves no room for the copy.
 */
static int freeze(struct bcache *c, struct bbuf *b)
{
	struct bver *v;

	if (c->c_mem_used + c->c_bs > c->c_limit && !evict_clean(c, false))
		return -ENOMEM;
	v = heap_alloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->v_data = heap_alloc_aligned(c->c_align, c->c_bs);
	if (!v->v_data) {
		heap_free(v);
		return -ENOMEM;
	}
	memcpy(v->v_data, b->b_data, c->c_bs);
	v->v_buf = b;
	v->v_epoch = b->b_ver.v_epoch;
	v->v_fnext = b->b_frozen;
	b->b_frozen = v;
	dirty_insert_after(c, &b->b_ver, v);
	dirty_remove(c, &b->b_ver);
	b->b_dirty = false;
	c->c_ndirty--;
	c->c_mem_used += c->c_bs;
	c->c_nfrozen++;
	return 0;
}

/*
 * Makes b ready to take changes of the open epoch: waits for its write
 * in flight, and keeps an earlier epoch's change it holds as a frozen
 * copy or, without room for one, writes that epoch and those before it.
 * Caller holds b_lock and c_lock (dropped and retaken on the way).
 */
static void buf_prepare(struct bcache *c, struct bbuf *b)
{
	uint64_t epoch;
	int rc;

	for (;;) {
		if (b->b_writing) {
			cond_wait(&c->c_wb_cond, &c->c_lock);
			continue;
		}
		if (!b->b_dirty || b->b_ver.v_epoch == c->c_epoch)
			return;
		if (!freeze(c, b))
			return;
		epoch = b->b_ver.v_epoch;
		mutex_unlock(&c->c_lock);
		rc = write_through(c, epoch);
		mutex_lock(&c->c_lock);
		if (rc && !b->b_writing && b->b_dirty &&
		    b->b_ver.v_epoch < c->c_epoch) {
			c->c_order_lost++;
			return;
		}
	}
}

void bbuf_dirty(struct bbuf *b)
{
	struct bcache *c = b->b_cache;

	if (unlikely(b->b_ro))
		panic("bcache: block %llu got read-only is dirtied",
		      (unsigned long long)b->b_blockno);
	b->b_dirtied = true; /* the caller holds b_lock */
	mutex_lock(&c->c_lock);
	buf_prepare(c, b);
	live_tag(c, b);
	b->b_modifying = true;
	b->b_gen++;
	mutex_unlock(&c->c_lock);
}

void bcache_barrier(struct bcache *c)
{
	mutex_lock(&c->c_lock);
	epoch_end(c);
	mutex_unlock(&c->c_lock);
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

/*
 * Adjacent read-ahead blocks go to the device as one gathered request:
 * a request costs far more than the bytes it carries, and a window of
 * single-block reads kept the device busy with tiny ones. The group is
 * the submitter's until submitted, then the completion's, which frees it.
 */
struct ra_group {
	struct blk_req g_req;
	unsigned int g_n;
	struct bbuf **g_bufs; /* g_n, in block order */
	struct blk_seg *g_segs; /* g_n */
};

/* Interrupt context: as ra_done() for every block of the group. */
static void ra_group_done(struct blk_req *r)
{
	struct ra_group *g = r->br_arg;
	struct bcache *c = g->g_bufs[0]->b_cache;
	enum ra_state st = r->br_status ? RA_FAILED : RA_OK;
	unsigned int i;

	spin_lock(&c->c_ra_lock);
	for (i = 0; i < g->g_n; i++)
		g->g_bufs[i]->b_ra = st;
	c->c_ra_inflight -= g->g_n;
	(void)waitq_wake_all(&c->c_ra_wq);
	spin_unlock(&c->c_ra_lock);
	heap_free(g);
}

/* How many buffers of the list at b (at least 1) follow each other on
 * the device within what one gathered request takes. */
static unsigned int ra_run(struct bcache *c, struct bbuf *b)
{
	const struct blkdev_info *bi = blkdev_info(c->c_bd);
	size_t pages = pages_of(b->b_data, c->c_bs);
	unsigned int n = 1;
	struct bbuf *x;

	if (!c->c_max_pages)
		return 1;
	for (x = b->b_ra_next; x && x->b_blockno == b->b_blockno + n;
	     x = x->b_ra_next) {
		pages += pages_of(x->b_data, c->c_bs);
		if (pages > c->c_max_pages ||
		    (size_t)(n + 1) * c->c_bs > bi->bi_max_transfer)
			break;
		n++;
	}
	return n;
}

/* Submits the n buffers from b (a run, ra_run()) as one request, or one
 * by one when memory for the group is short. Returns the buffer after
 * them. */
static struct bbuf *ra_submit_run(struct bcache *c, struct bbuf *b,
				  unsigned int n)
{
	struct ra_group *g = NULL;
	struct bbuf *next;
	unsigned int i;
	int rc;

	if (n > 1)
		g = heap_alloc(sizeof(*g) +
			       n * (sizeof(*g->g_bufs) + sizeof(*g->g_segs)));
	if (!g) {
		for (i = 0; i < n; i++, b = next) {
			next = b->b_ra_next;
			ra_submit(c, b);
		}
		return b;
	}
	g->g_n = n;
	g->g_segs = (struct blk_seg *)(g + 1);
	g->g_bufs = (struct bbuf **)(g->g_segs + n);
	memset(&g->g_req, 0, sizeof(g->g_req));
	g->g_req.br_op = BLK_READ;
	g->g_req.br_off = b->b_blockno * c->c_bs;
	g->g_req.br_len = (size_t)n * c->c_bs;
	g->g_req.br_segs = g->g_segs;
	g->g_req.br_nsegs = n;
	g->g_req.br_done = ra_group_done;
	g->g_req.br_arg = g;
	for (i = 0; i < n; i++, b = b->b_ra_next) {
		g->g_bufs[i] = b;
		g->g_segs[i].bs_buf = b->b_data;
		g->g_segs[i].bs_len = c->c_bs;
	}
	/* b is the next run's now: read before the request may end. */
	rc = blkdev_submit(c->c_bd, &g->g_req);
	if (rc) {
		g->g_req.br_status = rc;
		ra_group_done(&g->g_req);
	}
	return b;
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
	while (head)
		head = ra_submit_run(c, head, ra_run(c, head));
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
	b->b_ro = false;
	mutex_unlock(&b->b_lock);
	mutex_lock(&c->c_lock);
	/* The holder changes the data after its bbuf_dirty() (as get_new's
	 * caller does) while a sync may take the bytes: the put dirties it
	 * again, so that write cannot leave it clean. */
	if (dirtied) {
		if (!b->b_dirty)
			live_tag(c, b);
		b->b_gen++;
		b->b_modifying = false;
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
		/* A new buffer is zeroed before it is dirty (a sync never
		 * sees its old bytes); a cached one after (bbuf_dirty() may
		 * need them for an earlier epoch). */
		if (b->b_valid) {
			bbuf_dirty(b);
			memset(b->b_data, 0, c->c_bs);
		} else {
			memset(b->b_data, 0, c->c_bs);
			b->b_valid = true;
			bbuf_dirty(b);
		}
		return 0;
	case FILL_NONE:
		return 0; /* bcache_write() fills it and makes it valid */
	}
	b->b_valid = true;
	return 0;
}

/* How a get treats the buffer besides its fill. */
enum {
	/* The caller only reads the buffer (or lends it), so a lent area
	 * may stay. */
	GET_SHARE = 1,
	/* No read-ahead: the caller reads the blocks that follow itself
	 * (bcache_read_blocks()), so a read-ahead would race it with
	 * single-block requests for the same blocks. */
	GET_NO_RA = 2,
};

static int cache_get(struct bcache *c, uint64_t blockno, enum fill fill,
		     unsigned int how, struct bbuf **out)
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
	/* Before the fill, which may overwrite the data. Unlocked look:
	 * only a b_lock holder attaches a blend, and we hold it; a put
	 * may detach one meanwhile, which unshare() sees. */
	rc = !(how & GET_SHARE) && b->b_lend ? unshare(c, b) : 0;
	if (!rc)
		rc = buf_fill(c, b, fill);
	if (rc) {
		buf_release(c, b);
		return rc;
	}
	if (ra && !(how & GET_NO_RA))
		readahead(c, blockno + 1);
	*out = b;
	return 0;
}

int bcache_get(struct bcache *c, uint64_t blockno, struct bbuf **out)
{
	return cache_get(c, blockno, FILL_READ, 0, out);
}

int bcache_get_new(struct bcache *c, uint64_t blockno, struct bbuf **out)
{
	return cache_get(c, blockno, FILL_ZERO, 0, out);
}

int bcache_get_ro(struct bcache *c, uint64_t blockno, struct bbuf **out)
{
	int rc = cache_get(c, blockno, FILL_READ, GET_SHARE, out);

	if (!rc)
		(*out)->b_ro = true;
	return rc;
}

int bcache_lend(struct bcache *c, uint64_t blockno, uint32_t off, uint32_t len,
		struct netbuf **out)
{
	struct blend *l, *spare;
	struct bbuf *b;
	int rc;

	if (len == 0 || off > c->c_bs || len > c->c_bs - off)
		return -EINVAL;
	spare = heap_alloc(sizeof(*spare));
	if (!spare)
		return -ENOMEM;
	rc = cache_get(c, blockno, FILL_READ, GET_SHARE, &b);
	if (rc) {
		heap_free(spare);
		return rc;
	}
	spin_lock(&lend_lock);
	l = b->b_lend;
	if (!l) {
		l = spare;
		spare = NULL;
		l->l_buf = b;
		l->l_data = b->b_data;
		l->l_refs = 0;
		b->b_lend = l;
	}
	l->l_refs++;
	spin_unlock(&lend_lock);
	if (spare)
		heap_free(spare);
	*out = netbuf_ext((uint8_t *)b->b_data + off, len, lend_put, l);
	if (!*out) {
		lend_put(l);
		rc = -ENOMEM;
	} else {
		mutex_lock(&c->c_lock);
		c->c_lends++;
		mutex_unlock(&c->c_lock);
	}
	bcache_put(b);
	return rc;
}

void *bbuf_data(struct bbuf *b)
{
	return b->b_data;
}

uint64_t bbuf_blockno(const struct bbuf *b)
{
	return b->b_blockno;
}

void bcache_put(struct bbuf *b)
{
	buf_release(b->b_cache, b);
}

/* --- sync --- */

int bcache_sync(struct bcache *c)
{
	uint64_t stack_batch[SYNC_STACK_BATCH];
	uint64_t *batch = NULL, stop;
	size_t cap;
	int rc, err;

	mutex_lock(&c->c_lock);
	cap = c->c_ndirty + c->c_nfrozen;
	mutex_unlock(&c->c_lock);
	cap = cap < SYNC_BATCH_MAX ? cap : SYNC_BATCH_MAX;
	if (cap > SYNC_STACK_BATCH)
		batch = heap_alloc(cap * sizeof(*batch));
	if (!batch) {
		batch = stack_batch;
		cap = SYNC_STACK_BATCH;
	}
	mutex_lock(&c->c_wb_lock);
	mutex_lock(&c->c_lock);
	/* Only what exists now: changes made meanwhile belong to later
	 * epochs, so a busy cache cannot keep sync going forever. */
	epoch_end(c);
	stop = c->c_epoch;
	rc = epochs_write(c, stop, batch, cap);
	/* Even after a failed write: what was written becomes durable. */
	if (c->c_has_flush) {
		err = flush_locked(c);
		if (err && !rc)
			rc = err;
	}
	mutex_unlock(&c->c_lock);
	mutex_unlock(&c->c_wb_lock);
	if (batch != stack_batch)
		heap_free(batch);
	return rc;
}

/* --- byte helpers --- */

bool bcache_cached(struct bcache *c, uint64_t blockno)
{
	bool held;

	mutex_lock(&c->c_lock);
	held = hash_find(c, blockno) != NULL;
	mutex_unlock(&c->c_lock);
	return held;
}

int bcache_read_blocks(struct bcache *c, uint64_t first, uint32_t n, void *buf)
{
	uint8_t *p = buf;
	struct bbuf *b;
	uint32_t i = 0, j;
	int rc;

	if (first >= c->c_nblocks || n > c->c_nblocks - first)
		return -EINVAL;
	while (i < n) {
		mutex_lock(&c->c_lock);
		for (j = i; j < n && !hash_find(c, first + j); j++)
			;
		if (j > i)
			c->c_direct += j - i;
		mutex_unlock(&c->c_lock);
		if (j > i) {
			rc = blkdev_read(c->c_bd, (first + i) * c->c_bs,
					 p + (size_t)i * c->c_bs,
					 (size_t)(j - i) * c->c_bs);
			if (rc)
				return rc;
			i = j;
			continue;
		}
		rc = cache_get(c, first + i, FILL_READ, GET_SHARE | GET_NO_RA,
			       &b);
		if (rc)
			return rc;
		b->b_ro = true;
		memcpy(p + (size_t)i * c->c_bs, b->b_data, c->c_bs);
		bcache_put(b);
		i++;
	}
	return 0;
}

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
		rc = bcache_get_ro(c, off / c->c_bs, &b);
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
			       n == c->c_bs ? FILL_NONE : FILL_READ, 0, &b);
		if (rc)
			return rc;
		/* As in buf_fill(): a new buffer is filled, then dirty. */
		if (b->b_valid) {
			bbuf_dirty(b);
			memcpy((char *)b->b_data + boff, buf, n);
		} else {
			memcpy(b->b_data, buf, n);
			b->b_valid = true;
			bbuf_dirty(b);
		}
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
	c->c_has_flush = bi->bi_flush;
	/* At most half the cache, so read-ahead never evicts its own
	 * blocks before they are used; one request per buffer. */
	c->c_ra = cfg->bc_readahead < nbufs / 2 ? cfg->bc_readahead
						: (unsigned int)(nbufs / 2);
	if (bs > bi->bi_max_transfer)
		c->c_ra = 0;
	/* A write-out never holds more versions than the cache has room
	 * for, nor more than WB_BATCH. */
	c->c_wb_max = nbufs < WB_BATCH ? (unsigned int)nbufs : WB_BATCH;
	c->c_max_pages = bi->bi_max_pages;
	mutex_init(&c->c_wb_lock, "bcache writeback");
	mutex_init(&c->c_lock, "bcache");
	cond_init(&c->c_wb_cond, "bcache write");
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
	c->c_slots = heap_alloc(c->c_wb_max * sizeof(*c->c_slots));
	c->c_segs = heap_alloc(c->c_wb_max * sizeof(*c->c_segs));
	c->c_reqs = heap_alloc(WB_QD * sizeof(*c->c_reqs));
	if (!c->c_slots || !c->c_segs || !c->c_reqs)
		goto err_free_wb;
	*out = c;
	return 0;

err_free_wb:
	heap_free(c->c_reqs);
	heap_free(c->c_segs);
	heap_free(c->c_slots);
	heap_free(c->c_hash);
err_free_cache:
	heap_free(c);
	return -ENOMEM;
}

int bcache_destroy(struct bcache *c)
{
	struct bbuf *b, *next;
	struct bver *v;
	int rc;

	if (!c)
		return 0;
	ra_wait_all(c);
	rc = bcache_sync(c);
	for (b = c->c_lru_head; b; b = next) {
		next = b->b_lru_next;
		while ((v = b->b_frozen)) {
			b->b_frozen = v->v_fnext;
			heap_free(v->v_data);
			heap_free(v);
		}
		buf_free(b);
	}
	heap_free(c->c_reqs);
	heap_free(c->c_segs);
	heap_free(c->c_slots);
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
	st->barriers = c->c_barriers;
	st->flushes = c->c_flushes;
	st->order_lost = c->c_order_lost;
	st->lends = c->c_lends;
	st->unshares = c->c_unshares;
	st->direct = c->c_direct;
	st->mem_used = c->c_mem_used;
	st->dirty = c->c_ndirty;
	st->frozen = c->c_nfrozen;
	mutex_unlock(&c->c_lock);
}
