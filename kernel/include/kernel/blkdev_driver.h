/* SPDX-License-Identifier: MIT */
/*
 * Block devices, as drivers implement them (the storage layer's view is
 * <kernel/blkdev.h>). A driver embeds struct blkdev in its own state,
 * fills bd_ops and bd_info (all but bi_name) and calls blkdev_register().
 * The layer checks every request against bd_info before the driver sees
 * it, so ops->submit only receives reads and writes inside the device,
 * aligned, of 1 to bi_max_transfer bytes, no write to a read-only device
 * and no flush to a device without bi_flush; a gathered request
 * (br_nsegs) only to a driver that set bi_max_pages, its pieces whole
 * blocks touching at most bi_max_pages pages in all.
 */
#ifndef KERNEL_BLKDEV_DRIVER_H
#define KERNEL_BLKDEV_DRIVER_H

#include <kernel/blkdev.h>

struct blkdev_ops {
	/*
	 * Required. Starts r, or queues it in the driver when the device is
	 * busy: a request is never refused for lack of room. Returns 0 and
	 * later calls blkdev_complete(r, status) exactly once, or returns a
	 * negative errno (-EIO when the device is broken, -ENOMEM) and never
	 * completes r. Thread or interrupt context; must not sleep.
	 */
	int (*submit)(struct blkdev *bd, struct blk_req *r);
	/*
	 * Optional. A waiter has seen no answer to one of bd's requests
	 * for a while (BLKDEV_STALL_NS, again each time it passes): the
	 * driver takes what the device completed without an interrupt,
	 * notifies it again of what is queued (a repeated notification is
	 * harmless), and says so once on the console when that was what
	 * was missing. Thread context, no lock held; may be called while
	 * requests complete normally.
	 */
	void (*stalled)(struct blkdev *bd);
};

struct blkdev {
	const struct blkdev_ops *bd_ops;
	struct blkdev_info bd_info;
	/* The layer's. */
	struct blkdev_stats bd_stats;
	unsigned int bd_index;
};

/*
 * Names bd ("vd" + a letter, in registration order) and makes it visible.
 * bd lives for ever. Returns 0, -EINVAL for inconsistent bd_info (block
 * size not a power of two in range, size not a multiple of it,
 * bi_max_transfer below the block size), -ENOSPC past 26 devices.
 * Thread context (a driver's probe).
 */
int __must_check blkdev_register(struct blkdev *bd);

/* Ends r with status (0 or a negative errno) and calls its br_done. Any
 * context; the driver calls it exactly once per accepted request. */
void blkdev_complete(struct blk_req *r, int status);

#endif /* KERNEL_BLKDEV_DRIVER_H */
