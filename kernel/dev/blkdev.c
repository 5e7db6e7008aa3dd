// SPDX-License-Identifier: MIT
/*
 * The block device layer (<kernel/blkdev.h>, <kernel/blkdev_driver.h>):
 * names devices, checks every request against the device's geometry
 * before its driver sees it, counts, and turns asynchronous requests into
 * the synchronous helpers by sleeping on a wait queue.
 */
#include <kernel/blkdev_driver.h>
#include <kernel/errno.h>
#include <kernel/init.h>
#include <kernel/log.h>
#include <kernel/page.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/time.h>

#define BLKDEV_MAX 26

static struct blkdev *devs[BLKDEV_MAX];
static unsigned int ndevs;
static struct spinlock devs_lock = SPINLOCK_INIT("blkdev");

/* One lock for every synchronous waiter: completions only take it to set
 * a flag and wake one task, so it is never held for long. A global lock
 * (not one in the waiter's frame) means the completing CPU never touches
 * the waiter's stack after the waiter may have returned. */
static struct spinlock wait_lock = SPINLOCK_INIT("blkdev wait");

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int blkdev_register(struct blkdev *bd)
{
	struct blkdev_info *bi = &bd->bd_info;

	if (!bd->bd_ops || !bd->bd_ops->submit || !is_pow2(bi->bi_block_size) ||
	    bi->bi_block_size < 512 || bi->bi_block_size > 65536 ||
	    bi->bi_size % bi->bi_block_size ||
	    bi->bi_max_transfer < bi->bi_block_size)
		return -EINVAL;
	/* Whole blocks per request keep the alignment check simple. */
	bi->bi_max_transfer -= bi->bi_max_transfer % bi->bi_block_size;
	spin_lock(&devs_lock);
	if (ndevs == BLKDEV_MAX) {
		spin_unlock(&devs_lock);
		return -ENOSPC;
	}
	bd->bd_index = ndevs;
	bi->bi_name[0] = 'v';
	bi->bi_name[1] = 'd';
	bi->bi_name[2] = (char)('a' + ndevs);
	bi->bi_name[3] = '\0';
	memset(&bd->bd_stats, 0, sizeof(bd->bd_stats));
	devs[ndevs] = bd;
	/* Lock-free readers (blkdev_count()) see the entry with the count. */
	__atomic_store_n(&ndevs, ndevs + 1, __ATOMIC_RELEASE);
	spin_unlock(&devs_lock);
	log_info("blk: %s: %lu MiB (%lu bytes), block %u%s%s\n", bi->bi_name,
		 (unsigned long)(bi->bi_size >> 20), (unsigned long)bi->bi_size,
		 bi->bi_block_size, bi->bi_read_only ? ", read-only" : "",
		 bi->bi_flush ? ", write cache" : "");
	return 0;
}

unsigned int blkdev_count(void)
{
	/* Whoever looks for devices of this class gets its drivers linked
	 * (blkdev_get()/_find() go through here too). */
	DRIVER_CLASS_USE(blk);
	return __atomic_load_n(&ndevs, __ATOMIC_ACQUIRE);
}

struct blkdev *blkdev_get(unsigned int i)
{
	return i < blkdev_count() ? devs[i] : NULL;
}

struct blkdev *blkdev_find(const char *name)
{
	unsigned int i, n = blkdev_count();

	if (!name)
		return NULL;
	for (i = 0; i < n; i++)
		if (kstrcmp(devs[i]->bd_info.bi_name, name) == 0)
			return devs[i];
	return NULL;
}

const struct blkdev_info *blkdev_info(const struct blkdev *bd)
{
	return &bd->bd_info;
}

static void count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* Checks op on [off, off + len) against the device; 0 or the error
 * blkdev_submit() documents. `whole` allows lengths above one request. */
static int check(const struct blkdev *bd, enum blk_op op, uint64_t off,
		 const void *buf, size_t len, bool whole)
{
	const struct blkdev_info *bi = &bd->bd_info;
	uint64_t bs = bi->bi_block_size;

	switch (op) {
	case BLK_READ:
	case BLK_WRITE:
		if (!buf || !len || (!whole && len > bi->bi_max_transfer) ||
		    off % bs || len % bs || off > bi->bi_size ||
		    len > bi->bi_size - off)
			return -EINVAL;
		if (op == BLK_WRITE && bi->bi_read_only)
			return -EROFS;
		return 0;
	case BLK_FLUSH:
		return bi->bi_flush ? 0 : -EOPNOTSUPP;
	case BLK_GET_ID:
		return buf && len >= BLKDEV_ID_MAX ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/* The pieces of a gathered read or write: each a non-empty multiple of
 * the block size, adding up to br_len, within bi_max_pages pages. */
static int check_segs(const struct blkdev *bd, const struct blk_req *r)
{
	const struct blkdev_info *bi = &bd->bd_info;
	uint64_t total = 0, pages = 0;
	unsigned int i;

	if (r->br_op != BLK_READ && r->br_op != BLK_WRITE)
		return -EINVAL;
	if (!bi->bi_max_pages)
		return -EOPNOTSUPP;
	if (!r->br_segs || r->br_nsegs > bi->bi_max_pages)
		return -EINVAL;
	for (i = 0; i < r->br_nsegs; i++) {
		uintptr_t a = (uintptr_t)r->br_segs[i].bs_buf;
		size_t n = r->br_segs[i].bs_len;

		if (!a || !n || n % bi->bi_block_size ||
		    n > bi->bi_max_transfer)
			return -EINVAL;
		total += n;
		pages +=
			((a & (PAGE_SIZE - 1)) + n + PAGE_SIZE - 1) / PAGE_SIZE;
	}
	return total == r->br_len && pages <= bi->bi_max_pages ? 0 : -EINVAL;
}

int blkdev_submit(struct blkdev *bd, struct blk_req *r)
{
	int rc;

	if (!r || !r->br_done)
		return -EINVAL;
	if (r->br_nsegs) {
		rc = check_segs(bd, r);
		if (rc)
			return rc;
	}
	rc = check(bd, r->br_op, r->br_off,
		   r->br_nsegs ? r->br_segs[0].bs_buf : r->br_buf, r->br_len,
		   false);
	if (rc)
		return rc;
	r->br_status = 0;
	r->br_priv[0] = (uintptr_t)bd;
	rc = bd->bd_ops->submit(bd, r);
	if (rc)
		count(&bd->bd_stats.bs_errors, 1);
	return rc;
}

void blkdev_complete(struct blk_req *r, int status)
{
	struct blkdev *bd = (struct blkdev *)r->br_priv[0];
	struct blkdev_stats *st = &bd->bd_stats;

	r->br_status = status;
	if (status) {
		count(&st->bs_errors, 1);
	} else if (r->br_op == BLK_READ) {
		count(&st->bs_reads, 1);
		count(&st->bs_read_bytes, r->br_len);
	} else if (r->br_op == BLK_WRITE) {
		count(&st->bs_writes, 1);
		count(&st->bs_write_bytes, r->br_len);
	} else if (r->br_op == BLK_FLUSH) {
		count(&st->bs_flushes, 1);
	}
	r->br_done(r);
}

void blkdev_get_stats(const struct blkdev *bd, struct blkdev_stats *st)
{
	const struct blkdev_stats *s = &bd->bd_stats;

	st->bs_reads = __atomic_load_n(&s->bs_reads, __ATOMIC_RELAXED);
	st->bs_writes = __atomic_load_n(&s->bs_writes, __ATOMIC_RELAXED);
	st->bs_flushes = __atomic_load_n(&s->bs_flushes, __ATOMIC_RELAXED);
	st->bs_read_bytes =
		__atomic_load_n(&s->bs_read_bytes, __ATOMIC_RELAXED);
	st->bs_write_bytes =
		__atomic_load_n(&s->bs_write_bytes, __ATOMIC_RELAXED);
	st->bs_errors = __atomic_load_n(&s->bs_errors, __ATOMIC_RELAXED);
}

/* Synchronous helpers --------------------------------------------------- */

static void wait_done(struct blk_req *r)
{
	struct blk_wait *w = r->br_arg;

	spin_lock(&wait_lock);
	(void)waitq_wake_one(&w->bw_wq, 0);
	/* Last touch of w: a caller polling blkdev_done() may reuse it as
	 * soon as it sees this. */
	__atomic_store_n(&w->bw_done, true, __ATOMIC_RELEASE);
	spin_unlock(&wait_lock);
}

/* w's request of len bytes at off, completing into w; data not set. */
static void wait_init(struct blk_wait *w, enum blk_op op, uint64_t off,
		      size_t len)
{
	memset(w, 0, sizeof(*w));
	w->bw_req.br_op = op;
	w->bw_req.br_off = off;
	w->bw_req.br_len = len;
	w->bw_req.br_done = wait_done;
	w->bw_req.br_arg = w;
}

int blkdev_start(struct blkdev *bd, struct blk_wait *w, enum blk_op op,
		 uint64_t off, void *buf, size_t len)
{
	wait_init(w, op, off, len);
	w->bw_req.br_buf = buf;
	return blkdev_submit(bd, &w->bw_req);
}

int blkdev_start_segs(struct blkdev *bd, struct blk_wait *w, enum blk_op op,
		      uint64_t off, const struct blk_seg *segs,
		      unsigned int nsegs)
{
	size_t len = 0;
	unsigned int i;

	if (!nsegs || !segs)
		return -EINVAL;
	for (i = 0; i < nsegs; i++)
		len += segs[i].bs_len;
	wait_init(w, op, off, len);
	w->bw_req.br_segs = segs;
	w->bw_req.br_nsegs = nsegs;
	return blkdev_submit(bd, &w->bw_req);
}

/* A request outstanding this long is reported (once) while the wait goes
 * on: the device may be slow, but a silent hang helps nobody. */
#define WAIT_REPORT_NS (30ull * 1000000000ull)

int blkdev_wait(struct blk_wait *w)
{
	const struct blk_req *r = &w->bw_req;
	struct blkdev *bd = (void *)r->br_priv[0];
	uint64_t start = time_ns();
	bool reported = false;

	spin_lock(&wait_lock);
	while (!w->bw_done) {
		if (waitq_wait(&w->bw_wq, &wait_lock,
			       time_ns() + BLKDEV_STALL_NS,
			       NULL) != -ETIMEDOUT ||
		    w->bw_done)
			continue;
		/* A lost interrupt or notification must not hang the
		 * caller: the driver looks again (without our lock: a
		 * completion it finds takes it). */
		spin_unlock(&wait_lock);
		blkdev_stalled(bd);
		spin_lock(&wait_lock);
		if (!reported && !w->bw_done &&
		    time_ns() - start >= WAIT_REPORT_NS) {
			reported = true;
			log_warn("blk: %s: request (op %d, %lu bytes at %lu) "
				 "not answered for %llu s; still waiting\n",
				 bd->bd_info.bi_name, (int)r->br_op,
				 (unsigned long)r->br_len,
				 (unsigned long)r->br_off,
				 WAIT_REPORT_NS / 1000000000ull);
		}
	}
	spin_unlock(&wait_lock);
	return w->bw_req.br_status;
}

void blkdev_stalled(struct blkdev *bd)
{
	if (bd->bd_ops->stalled)
		bd->bd_ops->stalled(bd);
}

bool blkdev_done(const struct blk_wait *w)
{
	return __atomic_load_n(&w->bw_done, __ATOMIC_ACQUIRE);
}

static int sync_one(struct blkdev *bd, enum blk_op op, uint64_t off, void *buf,
		    size_t len)
{
	struct blk_wait w;
	int rc;

	rc = blkdev_start(bd, &w, op, off, buf, len);
	return rc ? rc : blkdev_wait(&w);
}

/* Pieces of one long synchronous transfer kept in flight at once. */
#define SYNC_PIECES 8

/* A transfer longer than one request. Out of line: its ~0.8 KiB of
 * requests stay off the stack of the common single-request case. */
static __attribute__((noinline)) int sync_pieces(struct blkdev *bd,
						 enum blk_op op, uint64_t off,
						 void *buf, size_t len)
{
	struct blk_wait w[SYNC_PIECES];
	size_t max = bd->bd_info.bi_max_transfer;
	int rc, err;

	/* All or nothing is checked before the first piece starts. */
	rc = check(bd, op, off, buf, len, true);
	if (rc)
		return rc;
	/* A transfer longer than one request goes out as several at once,
	 * so the device can work on them together; the first error wins,
	 * and every piece started is waited for before returning. */
	while (len && !rc) {
		unsigned int n, i;

		for (n = 0; n < SYNC_PIECES && len; n++) {
			size_t k = len < max ? len : max;

			rc = blkdev_start(bd, &w[n], op, off, buf, k);
			if (rc)
				break;
			off += k;
			buf = (char *)buf + k;
			len -= k;
		}
		for (i = 0; i < n; i++) {
			err = blkdev_wait(&w[i]);
			if (err && !rc)
				rc = err;
		}
	}
	return rc;
}

static int sync_rw(struct blkdev *bd, enum blk_op op, uint64_t off, void *buf,
		   size_t len)
{
	if (!len)
		return 0;
	if (len <= bd->bd_info.bi_max_transfer)
		return sync_one(bd, op, off, buf, len);
	return sync_pieces(bd, op, off, buf, len);
}

int blkdev_read(struct blkdev *bd, uint64_t off, void *buf, size_t len)
{
	return sync_rw(bd, BLK_READ, off, buf, len);
}

int blkdev_write(struct blkdev *bd, uint64_t off, const void *buf, size_t len)
{
	return sync_rw(bd, BLK_WRITE, off, (void *)buf, len);
}

int blkdev_flush(struct blkdev *bd)
{
	if (!bd->bd_info.bi_flush)
		return 0;
	return sync_one(bd, BLK_FLUSH, 0, NULL, 0);
}

int blkdev_get_id(struct blkdev *bd, char *buf)
{
	char id[BLKDEV_ID_MAX];
	size_t i;
	int rc;

	memset(id, 0, sizeof(id));
	rc = sync_one(bd, BLK_GET_ID, 0, id, sizeof(id));
	if (rc)
		return rc;
	/* The device's bytes: keep printable ones up to the first NUL. */
	for (i = 0; i < BLKDEV_ID_MAX && id[i]; i++)
		buf[i] = (id[i] >= 0x20 && id[i] < 0x7f) ? id[i] : '?';
	buf[i] = '\0';
	return 0;
}
