/* SPDX-License-Identifier: MIT */
/*
 * The phases of blkbench.h, built into both guests' programs: plain C
 * over struct blkbench_io, clock_gettime() and printf(), nothing else.
 */
#include "blkbench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLKBENCH_SEED 0x9e3779b97f4a7c15ull
#define STAMP_MUL 0xd6e8feb86659fd93ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64 (Marsaglia 2003, shifts 13/7/17); bench/blk.py has a copy. */
static uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static uint64_t stamp_of(uint64_t off)
{
	return (off + 1) * STAMP_MUL;
}

static void stamp(unsigned char *buf, uint64_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += BLKBENCH_RAND_BYTES) {
		uint64_t s = stamp_of(off + i);

		memcpy(buf + i, &s, sizeof(s));
	}
}

static uint64_t sum_stamps(const unsigned char *buf, size_t len)
{
	uint64_t sum = 0, s;
	size_t i;

	for (i = 0; i < len; i += BLKBENCH_RAND_BYTES) {
		memcpy(&s, buf + i, sizeof(s));
		sum += s;
	}
	return sum;
}

static int fail(const char *what, uint64_t off, int rc)
{
	printf("blkbench error: %s at byte %llu: %s\n", what,
	       (unsigned long long)off, strerror(-rc));
	return rc;
}

static int seq_write(const struct blkbench_io *io, unsigned char *buf,
		     uint64_t size, unsigned long passes)
{
	uint64_t off, t0 = now_ns();
	unsigned long p;
	int rc;

	for (p = 0; p < passes; p++) {
		for (off = 0; off < size; off += BLKBENCH_SEQ_BYTES) {
			stamp(buf, off, BLKBENCH_SEQ_BYTES);
			rc = io->bi_write(io->bi_ctx, off, buf,
					  BLKBENCH_SEQ_BYTES);
			if (rc)
				return fail("write", off, rc);
		}
	}
	rc = io->bi_flush(io->bi_ctx);
	if (rc)
		return fail("flush", size, rc);
	printf("blkbench seqwrite passes=%lu bytes=%llu ns=%llu\n", passes,
	       (unsigned long long)size * passes,
	       (unsigned long long)(now_ns() - t0));
	return 0;
}

static int seq_read(const struct blkbench_io *io, unsigned char *buf,
		    uint64_t size, unsigned long passes)
{
	uint64_t off, sum = 0, t0 = now_ns();
	unsigned long p;
	int rc;

	for (p = 0; p < passes; p++) {
		for (off = 0; off < size; off += BLKBENCH_SEQ_BYTES) {
			rc = io->bi_read(io->bi_ctx, off, buf,
					 BLKBENCH_SEQ_BYTES);
			if (rc)
				return fail("read", off, rc);
			sum += sum_stamps(buf, BLKBENCH_SEQ_BYTES);
		}
	}
	printf("blkbench seqread passes=%lu bytes=%llu ns=%llu sum=0x%016llx\n",
	       passes, (unsigned long long)size * passes,
	       (unsigned long long)(now_ns() - t0), (unsigned long long)sum);
	return 0;
}

static int rand_read(const struct blkbench_io *io, unsigned char *buf,
		     uint64_t size, unsigned long reads)
{
	uint64_t state = BLKBENCH_SEED, blocks = size / BLKBENCH_RAND_BYTES;
	uint64_t off, sum = 0, t0 = now_ns();
	unsigned long i;
	int rc;

	for (i = 0; i < reads; i++) {
		off = xorshift64(&state) % blocks * BLKBENCH_RAND_BYTES;
		rc = io->bi_read(io->bi_ctx, off, buf, BLKBENCH_RAND_BYTES);
		if (rc)
			return fail("random read", off, rc);
		sum += sum_stamps(buf, BLKBENCH_RAND_BYTES);
	}
	printf("blkbench randread ops=%lu bytes=%llu ns=%llu sum=0x%016llx\n",
	       reads, (unsigned long long)reads * BLKBENCH_RAND_BYTES,
	       (unsigned long long)(now_ns() - t0), (unsigned long long)sum);
	return 0;
}

int blkbench_run(const struct blkbench_io *io, uint64_t size,
		 unsigned long passes, unsigned long reads)
{
	void *buf;
	int rc;

	size -= size % BLKBENCH_SEQ_BYTES;
	if (size == 0 || passes == 0) {
		printf("blkbench error: %s\n",
		       size ? "no passes" : "disk smaller than 1 MiB");
		return -EINVAL;
	}
	/* Page-aligned, as O_DIRECT wants; Mosaic takes any buffer. */
	if (posix_memalign(&buf, 4096, BLKBENCH_SEQ_BYTES)) {
		printf("blkbench error: no memory for a 1 MiB buffer\n");
		return -ENOMEM;
	}
	memset(buf, 0xa5, BLKBENCH_SEQ_BYTES);
	rc = seq_write(io, buf, size, passes);
	if (!rc)
		rc = seq_read(io, buf, size, passes);
	if (!rc)
		rc = rand_read(io, buf, size, reads);
	if (!rc)
		printf("blkbench done\n");
	free(buf);
	return rc;
}
