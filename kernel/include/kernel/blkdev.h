/* SPDX-License-Identifier: MIT */
/*
 * Block devices, as the storage layer sees them (drivers implement them
 * through <kernel/blkdev_driver.h>). A device is named "vda", "vdb", ...
 * in the order drivers registered them. Requests address bytes: offset
 * and length are multiples of the device's block size. A request is
 * asynchronous: blkdev_submit() queues it and its completion function
 * runs later, once; many may be in flight and they may complete in any
 * order. The synchronous helpers below sleep until completion.
 *
 * Buffers may be any mapped kernel or microapp memory (heap, stack,
 * static); the driver finds its physical pages. Errors: -EIO for a device
 * error or a device that broke the virtio rules, -EROFS for a write to a
 * read-only device, -EINVAL for a misaligned or out-of-range request,
 * -EOPNOTSUPP for an operation the device lacks.
 */
#ifndef KERNEL_BLKDEV_H
#define KERNEL_BLKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/sched.h>

struct blkdev;

#define BLKDEV_NAME_MAX 16
#define BLKDEV_ID_MAX 20 /* a device id string, not NUL-terminated */

struct blkdev_info {
	char bi_name[BLKDEV_NAME_MAX]; /* NUL-terminated */
	uint64_t bi_size; /* bytes, a multiple of bi_block_size */
	uint32_t bi_block_size; /* power of two, 512 to 65536 */
	uint32_t bi_max_transfer; /* largest single request, bytes */
	/* Pages a request's data may touch in all, counting each piece of
	 * a gathered request (br_nsegs) apart; 0: gathered requests are
	 * refused (-EOPNOTSUPP). */
	uint32_t bi_max_pages;
	bool bi_read_only;
	bool bi_flush; /* has a volatile write cache that flush empties */
};

enum blk_op {
	BLK_READ = 1,
	BLK_WRITE,
	BLK_FLUSH, /* br_off/br_len unused; done when earlier completed
		    * writes are on stable storage */
	BLK_GET_ID, /* br_buf receives up to BLKDEV_ID_MAX bytes */
};

/* One piece of a gathered request's data. */
struct blk_seg {
	void *bs_buf;
	size_t bs_len; /* bytes, a multiple of the device's block size */
};

/*
 * One request. The caller fills the first block and keeps the structure
 * alive, untouched, until br_done has been called. The data of a read or
 * write is br_buf, or (br_nsegs > 0) the br_segs pieces one after the
 * other, which then must add up to br_len and touch at most
 * bi_max_pages pages in all; the pieces stay the caller's, untouched,
 * until br_done too.
 */
struct blk_req {
	enum blk_op br_op;
	uint64_t br_off; /* bytes */
	void *br_buf; /* unused when br_nsegs > 0 */
	size_t br_len; /* bytes; 1 to bi_max_transfer for read and write */
	const struct blk_seg *br_segs;
	unsigned int br_nsegs; /* 0: the data is br_buf */
	/*
	 * Called once with br_status set, in interrupt context or (when
	 * blkdev_submit() fails nothing is called) never: it must not sleep,
	 * yield or take a sleeping lock; waking a wait queue is fine.
	 */
	void (*br_done)(struct blk_req *r);
	void *br_arg; /* the caller's */
	int br_status; /* out: 0 or a negative errno */
	/* The layer's and the driver's; callers do not touch. */
	struct blk_req *br_next;
	uintptr_t br_priv[2];
};

/* The number of registered devices, and device i (0-based) or NULL. */
unsigned int blkdev_count(void);
struct blkdev *blkdev_get(unsigned int i);

/* The device named `name` ("vda"), or NULL. */
struct blkdev *blkdev_find(const char *name);

/* The device's geometry; constant after registration. */
const struct blkdev_info *blkdev_info(const struct blkdev *bd);

/*
 * Queues r. Returns 0 (br_done will be called exactly once), or a
 * negative errno with nothing queued and br_done never called: -EINVAL
 * (bad op, offset, length or a NULL callback), -EROFS, -EOPNOTSUPP,
 * -EIO (the device is broken). Thread or interrupt context; never
 * sleeps.
 */
int __must_check blkdev_submit(struct blkdev *bd, struct blk_req *r);

/*
 * Synchronous forms: submit and sleep until done. Lengths above
 * bi_max_transfer are split. Return 0 or a negative errno as above.
 * Thread context; may sleep.
 */
int __must_check blkdev_read(struct blkdev *bd, uint64_t off, void *buf,
			     size_t len);
int __must_check blkdev_write(struct blkdev *bd, uint64_t off, const void *buf,
			      size_t len);
/* Returns 0 at once on a device without a write cache. */
int __must_check blkdev_flush(struct blkdev *bd);
/* Copies the device's id (up to BLKDEV_ID_MAX bytes, NUL-terminated) to
 * buf of size >= BLKDEV_ID_MAX + 1. */
int __must_check blkdev_get_id(struct blkdev *bd, char *buf);

/*
 * A request with a completion a task can sleep on, for callers that keep
 * several in flight and then wait for each (libos's <mosaic/blk.h>).
 * The structure is the caller's; its fields are the layer's.
 */
struct blk_wait {
	struct blk_req bw_req;
	struct waitq bw_wq;
	bool bw_done;
};

/* Starts op on w (any earlier use of w must have been waited for).
 * Returns 0, or a negative errno as blkdev_submit() with nothing
 * started. Thread or interrupt context; never sleeps. */
int __must_check blkdev_start(struct blkdev *bd, struct blk_wait *w,
			      enum blk_op op, uint64_t off, void *buf,
			      size_t len);

/* As blkdev_start(), for a read or write of the nsegs pieces at segs
 * (struct blk_req says what they may be), kept by the caller until
 * waited for: one request, as large as the device takes. -EOPNOTSUPP
 * when the device takes no gathered requests (bi_max_pages 0). */
int __must_check blkdev_start_segs(struct blkdev *bd, struct blk_wait *w,
				   enum blk_op op, uint64_t off,
				   const struct blk_seg *segs,
				   unsigned int nsegs);

/* Sleeps until w's request completed; returns its status. Thread
 * context. */
int blkdev_wait(struct blk_wait *w);

/* True once w's request completed. Any context. */
bool blkdev_done(const struct blk_wait *w);

/*
 * How long a wait for one of bd's requests may go without an answer
 * before the waiter calls blkdev_stalled() (and again each time it
 * passes). blkdev_wait() does so itself; a caller that waits for its own
 * br_done callbacks must do the same, or a lost interrupt hangs it.
 */
#define BLKDEV_STALL_NS 1000000000ull

/* A waiter saw no answer from bd for BLKDEV_STALL_NS: the driver
 * takes completions that raised no interrupt and notifies the device
 * again. Thread context, no lock held. */
void blkdev_stalled(struct blkdev *bd);

/* Counters since registration (monotonic, any context). */
struct blkdev_stats {
	uint64_t bs_reads, bs_writes, bs_flushes;
	uint64_t bs_read_bytes, bs_write_bytes;
	uint64_t bs_errors;
};
void blkdev_get_stats(const struct blkdev *bd, struct blkdev_stats *st);

#endif /* KERNEL_BLKDEV_H */
