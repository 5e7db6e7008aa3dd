/* SPDX-License-Identifier: MIT */
/*
 * Raw block devices for microapps: the disks the appliance was given
 * ("vda", "vdb", ... in the order the monitor lists them), read and
 * written directly, synchronously or with many requests in flight. File
 * systems come through <stdio.h>/<fcntl.h> instead; this is for
 * appliances that manage a disk themselves (a log, a key-value store).
 *
 * Offsets and lengths are bytes, multiples of the device's block size.
 * Buffers may be anywhere in the microapp's memory. Errors are negative
 * errno values: -ENODEV (no such device), -EINVAL (misaligned, beyond the
 * end, or too long for one request), -EROFS (the device is read-only),
 * -EOPNOTSUPP (no such operation on this device), -EIO (the device failed
 * the request or broke the virtio rules). A call that waits parks only
 * its own microapp.
 */
#ifndef MOSAIC_BLK_H
#define MOSAIC_BLK_H

#include <stddef.h>
#include <stdint.h>

typedef struct blkdev *mosaic_blk_t;

struct mosaic_blk_info {
	char name[16];
	uint64_t size; /* bytes */
	uint32_t block_size; /* bytes, a power of two */
	uint32_t max_transfer; /* the longest asynchronous request, bytes */
	int read_only; /* 1: writes fail with -EROFS */
	int has_flush; /* 1: the device has a write cache that flush empties */
};

/* The number of block devices. */
unsigned int mosaic_blk_count(void);

/* Opens the device called `name` ("vda") or, when name is NULL, the
 * first one. Returns 0 and the handle in *out, or -ENODEV. */
int mosaic_blk_open(const char *name, mosaic_blk_t *out);

/* Fills *info. Returns 0. */
int mosaic_blk_info(mosaic_blk_t bd, struct mosaic_blk_info *info);

/* Synchronous reads and writes of any length (split as needed), and
 * flush: returns once earlier completed writes are on stable storage
 * (0 also when the device has no write cache). */
int mosaic_blk_read(mosaic_blk_t bd, uint64_t off, void *buf, size_t len);
int mosaic_blk_write(mosaic_blk_t bd, uint64_t off, const void *buf,
		     size_t len);
int mosaic_blk_flush(mosaic_blk_t bd);

/* The device's serial number or id string (at most 20 characters) into
 * buf (at least 21 bytes), NUL-terminated. */
int mosaic_blk_get_id(mosaic_blk_t bd, char *buf);

/*
 * Asynchronous requests. The caller owns the request structure and
 * leaves it alone between mosaic_blk_submit() and the wait that returns
 * its result. Requests complete in any order.
 */
enum mosaic_blk_op {
	MOSAIC_BLK_READ = 1,
	MOSAIC_BLK_WRITE = 2,
	MOSAIC_BLK_FLUSH = 3,
};

struct mosaic_blk_req {
	uint64_t opaque[16]; /* Mosaic's; zero before the first use */
};

/*
 * Starts op on len bytes at off (unused for flush) from or into buf;
 * len at most max_transfer. Returns 0 (wait for the result with
 * mosaic_blk_wait()) or a negative errno (nothing was started).
 */
int mosaic_blk_submit(mosaic_blk_t bd, struct mosaic_blk_req *req,
		      enum mosaic_blk_op op, uint64_t off, void *buf,
		      size_t len);

/* Waits until req completes; returns its result (0 or a negative errno). */
int mosaic_blk_wait(struct mosaic_blk_req *req);

/* Returns 1 when req has completed (mosaic_blk_wait() will not wait),
 * 0 otherwise. Never waits. */
int mosaic_blk_done(const struct mosaic_blk_req *req);

/* Counters of the device since boot. */
struct mosaic_blk_stats {
	uint64_t reads, writes, flushes, read_bytes, write_bytes, errors;
};
int mosaic_blk_stats(mosaic_blk_t bd, struct mosaic_blk_stats *st);

#endif /* MOSAIC_BLK_H */
