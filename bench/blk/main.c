/* SPDX-License-Identifier: MIT */
/*
 * Mosaic's side of bench/blk.py: blkbench.c's three phases on disk vda
 * through the raw block API, synchronous calls only (queue depth 1, as
 * the Linux side's pread/pwrite). Usage (kernel command line):
 * [PASSES [READS]], passes over the disk for the sequential phases and
 * the number of random 4 KiB reads (defaults in blkbench.h).
 */
#include <mosaic/blk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkbench.h"

static int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return mosaic_blk_read(ctx, off, buf, len);
}

static int disk_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	return mosaic_blk_write(ctx, off, buf, len);
}

static int disk_flush(void *ctx)
{
	return mosaic_blk_flush(ctx);
}

int main(int argc, char **argv)
{
	unsigned long passes = BLKBENCH_PASSES_DEFAULT;
	unsigned long reads = BLKBENCH_READS_DEFAULT;
	struct mosaic_blk_info info;
	struct blkbench_io io = {
		.bi_read = disk_read,
		.bi_write = disk_write,
		.bi_flush = disk_flush,
	};
	mosaic_blk_t bd;
	int rc;

	if (argc > 1)
		passes = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		reads = strtoul(argv[2], NULL, 0);
	rc = mosaic_blk_open("vda", &bd);
	if (rc) {
		printf("blkbench error: no disk vda: %s\n", strerror(-rc));
		return 1;
	}
	mosaic_blk_info(bd, &info);
	if (info.read_only) {
		printf("blkbench error: vda is read-only\n");
		return 1;
	}
	printf("blkbench disk bytes=%llu block=%u max_transfer=%u\n",
	       (unsigned long long)info.size, info.block_size,
	       info.max_transfer);
	io.bi_ctx = bd;
	return blkbench_run(&io, info.size, passes, reads) ? 1 : 0;
}
