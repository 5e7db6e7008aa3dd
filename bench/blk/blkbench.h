/* SPDX-License-Identifier: MIT */
/*
 * The disk benchmark's three phases, shared by the Mosaic app (main.c,
 * over <mosaic/blk.h>) and the Linux guest's program (linux_blkbench.c,
 * over /dev/vda with O_DIRECT), so both do exactly the same I/O and print
 * the same lines. bench/blk.py runs both and compares them.
 */
#ifndef BENCH_BLKBENCH_H
#define BENCH_BLKBENCH_H

#include <stddef.h>
#include <stdint.h>

#define BLKBENCH_SEQ_BYTES (1u << 20) /* one sequential request */
#define BLKBENCH_RAND_BYTES 4096u /* one random read, 4 KiB-aligned */
#define BLKBENCH_PASSES_DEFAULT 32ul /* sequential passes over the disk */
#define BLKBENCH_READS_DEFAULT 20000ul /* random reads */

/* How one guest reaches the disk. Every call is synchronous (queue depth
 * 1) and returns 0 or a negative errno. */
struct blkbench_io {
	int (*bi_read)(void *ctx, uint64_t off, void *buf, size_t len);
	int (*bi_write)(void *ctx, uint64_t off, const void *buf, size_t len);
	int (*bi_flush)(void *ctx); /* what was written is on the disk */
	void *bi_ctx;
};

/*
 * Runs the phases on the first `size` bytes of the disk (rounded down to
 * a MiB), each timed with CLOCK_MONOTONIC, and prints one line per phase:
 *   blkbench seqwrite passes=P bytes=B ns=T       P passes of 1 MiB
 *                                                 writes, then a flush
 *   blkbench seqread passes=P bytes=B ns=T sum=S  P passes of 1 MiB reads
 *   blkbench randread ops=N bytes=B ns=T sum=S    N 4 KiB reads at
 *                                                 xorshift64 offsets
 *                                                 (fixed seed)
 * then "blkbench done". B counts every pass. Writes stamp the first 8
 * bytes of each 4 KiB block with a function of its offset; S adds up the
 * stamps read, so a reader can check the data without copying it
 * (bench/blk.py computes the expected sums). Returns 0, or a negative
 * errno after printing "blkbench error: ...".
 */
int blkbench_run(const struct blkbench_io *io, uint64_t size,
		 unsigned long passes, unsigned long reads);

#endif /* BENCH_BLKBENCH_H */
