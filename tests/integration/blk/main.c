/* SPDX-License-Identifier: MIT */
/*
 * Integration test: virtio-blk end to end through <mosaic/blk.h>, on
 * every transport (modern and legacy PCI with MSI-X or INTx, virtio-mmio
 * versions 1 and 2). The host checks the image afterwards (check.py).
 *   pattern      write the pattern of check.py over the whole disk with
 *                buffers of several sizes and alignments (heap, stack,
 *                static), flush, read it all back and compare
 *   two SEED     pattern on vda with I/O on vdb in between (two disks
 *                sharing an interrupt line)
 *   verify       read the disk and check the pattern the host wrote
 *   async N      N requests in flight at once: writes, then reads waited
 *                for in reverse order, each checked
 *   readonly     the disk is read-only: writes fail with EROFS
 *   nodisk       no disk: open fails with ENODEV, said in one line
 *   badreq       misaligned, too long and out-of-range requests fail
 *                with EINVAL, a read into read-only memory with EFAULT,
 *                and none reaches the device
 */
#include <errno.h>
#include <mosaic/blk.h>
#include <mosaic/mapp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <itest.h>

/* The 8-byte little-endian word at byte offset `off` (a multiple of 8);
 * check.py computes the same. */
static uint64_t word_at(uint64_t off, uint64_t seed)
{
	uint64_t x = (off + seed) * 0x9e3779b97f4a7c15ull;

	return x ^ (x >> 29);
}

static void fill(void *buf, uint64_t off, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t w = word_at(off + i, seed);

		memcpy((char *)buf + i, &w, 8);
	}
}

/* Returns the offset of the first bad word, or -1. */
static int64_t verify(const void *buf, uint64_t off, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t w;

		memcpy(&w, (const char *)buf + i, 8);
		if (w != word_at(off + i, seed))
			return (int64_t)(off + i);
	}
	return -1;
}

static mosaic_blk_t open_disk(struct mosaic_blk_info *info)
{
	mosaic_blk_t bd;
	char id[21];
	int rc;

	rc = mosaic_blk_open("vda", &bd);
	if (rc) {
		printf("blk: no disk vda (%s)\n", strerror(-rc));
		return NULL;
	}
	CHECK(mosaic_blk_info(bd, info) == 0, "info");
	rc = mosaic_blk_get_id(bd, id);
	printf("blk: %s %llu bytes, block %u, max transfer %u, %s%s, id '%s' "
	       "(%d)\n",
	       info->name, (unsigned long long)info->size, info->block_size,
	       info->max_transfer, info->read_only ? "read-only" : "writable",
	       info->has_flush ? ", write cache" : "", rc ? "" : id, rc);
	return bd;
}

static uint8_t static_buf[12288] __attribute__((aligned(4096)));

static void pattern(uint64_t seed)
{
	struct mosaic_blk_info info;
	struct mosaic_blk_stats st;
	mosaic_blk_t bd = open_disk(&info);
	uint8_t stack_buf[1536];
	uint64_t off = 0;
	unsigned int round = 0;
	size_t big = 256 * 1024;
	uint8_t *heap = malloc(big + 4096);
	int64_t bad;

	CHECK(bd && heap, "disk and memory");
	if (!bd || !heap)
		return;
	/* Sizes and alignments change from request to request: page-aligned
	 * static memory, a stack buffer that crosses pages, heap memory at
	 * an offset of 512 (so a request spans one page more than its size),
	 * and requests longer than max_transfer (split by the layer). */
	while (off < info.size) {
		uint8_t *buf;
		size_t len;

		switch (round++ % 4) {
		case 0:
			buf = static_buf;
			len = sizeof(static_buf);
			break;
		case 1:
			buf = stack_buf;
			len = sizeof(stack_buf);
			break;
		case 2:
			buf = heap + 512;
			len = big;
			break;
		default:
			buf = heap;
			len = 4096;
			break;
		}
		if (len > info.size - off)
			len = info.size - off;
		fill(buf, off, len, seed);
		CHECK(mosaic_blk_write(bd, off, buf, len) == 0, "write at %llu",
		      (unsigned long long)off);
		off += len;
	}
	CHECK(mosaic_blk_flush(bd) == 0, "flush");
	for (off = 0; off < info.size; off += big) {
		size_t len = info.size - off < big ? info.size - off : big;

		memset(heap + 512, 0, len);
		CHECK(mosaic_blk_read(bd, off, heap + 512, len) == 0,
		      "read at %llu", (unsigned long long)off);
		bad = verify(heap + 512, off, len, seed);
		CHECK(bad < 0, "pattern differs at byte %lld", (long long)bad);
	}
	CHECK(mosaic_blk_stats(bd, &st) == 0, "stats");
	printf("blk: %llu writes (%llu bytes), %llu reads (%llu bytes), "
	       "%llu flushes, %llu errors\n",
	       (unsigned long long)st.writes,
	       (unsigned long long)st.write_bytes, (unsigned long long)st.reads,
	       (unsigned long long)st.read_bytes,
	       (unsigned long long)st.flushes, (unsigned long long)st.errors);
	CHECK(st.write_bytes == info.size && st.read_bytes == info.size,
	      "byte counts");
	CHECK(!info.has_flush || st.flushes == 1,
	      "one flush reached the device");
	free(heap);
}

/* The pattern on vda while vdb (QEMU's null device: reads give zeros)
 * is read and written in turns, interrupts of both on one line. */
static void two(uint64_t seed)
{
	mosaic_blk_t b;
	uint8_t *buf = malloc(65536);
	unsigned int i;
	int rc;

	CHECK(buf && mosaic_blk_count() == 2, "two disks");
	rc = mosaic_blk_open("vdb", &b);
	CHECK(rc == 0, "open vdb: %d", rc);
	if (!buf || rc)
		return;
	pattern(seed);
	for (i = 0; i < 16; i++) {
		memset(buf, 0xee, 65536);
		CHECK(mosaic_blk_write(b, (uint64_t)i * 65536, buf, 65536) == 0,
		      "vdb write %u", i);
		CHECK(mosaic_blk_read(b, (uint64_t)i * 65536, buf, 65536) == 0,
		      "vdb read %u", i);
		CHECK(buf[0] == 0 && buf[65535] == 0, "vdb reads zeros");
	}
	free(buf);
}

static void verify_disk(uint64_t seed)
{
	struct mosaic_blk_info info;
	mosaic_blk_t bd = open_disk(&info);
	uint8_t *buf = malloc(65536);
	uint64_t off;

	CHECK(bd && buf, "disk and memory");
	if (!bd || !buf)
		return;
	for (off = 0; off < info.size; off += 65536) {
		size_t len = info.size - off < 65536 ? info.size - off : 65536;
		int64_t bad;

		CHECK(mosaic_blk_read(bd, off, buf, len) == 0, "read at %llu",
		      (unsigned long long)off);
		bad = verify(buf, off, len, seed);
		CHECK(bad < 0, "host pattern differs at byte %lld",
		      (long long)bad);
	}
	free(buf);
}

static void async(unsigned int n)
{
	struct mosaic_blk_info info;
	mosaic_blk_t bd = open_disk(&info);
	struct mosaic_blk_req *reqs = calloc(n, sizeof(*reqs));
	uint8_t *bufs = malloc((size_t)n * 4096);
	unsigned int *order = calloc(n, sizeof(*order));
	unsigned int i, done_early = 0, seen, spins, overtook = 0;
	int rc;

	CHECK(bd && reqs && bufs && order, "disk and memory");
	if (!bd || !reqs || !bufs || !order || (uint64_t)n * 8192 > info.size)
		return;
	/* Writes at every other 4 KiB block, all submitted before any wait. */
	for (i = 0; i < n; i++) {
		fill(bufs + (size_t)i * 4096, (uint64_t)i * 8192, 4096, 7);
		rc = mosaic_blk_submit(bd, &reqs[i], MOSAIC_BLK_WRITE,
				       (uint64_t)i * 8192,
				       bufs + (size_t)i * 4096, 4096);
		CHECK(rc == 0, "submit write %u: %d", i, rc);
	}
	for (i = n; i-- > 0;)
		CHECK(mosaic_blk_wait(&reqs[i]) == 0, "write %u", i);
	memset(bufs, 0, (size_t)n * 4096);
	for (i = 0; i < n; i++) {
		rc = mosaic_blk_submit(bd, &reqs[i], MOSAIC_BLK_READ,
				       (uint64_t)i * 8192,
				       bufs + (size_t)i * 4096, 4096);
		CHECK(rc == 0, "submit read %u: %d", i, rc);
	}
	for (i = 0; i < n; i++)
		done_early += (unsigned int)mosaic_blk_done(&reqs[i]);
	/* Watch completions arrive (bounded: the waits below end it) and
	 * count those that overtook an earlier request. */
	for (seen = 0, spins = 0; seen < n && spins < 1000000; spins++) {
		for (i = 0; i < n; i++) {
			if (!order[i] && mosaic_blk_done(&reqs[i])) {
				order[i] = ++seen;
				overtook += i > 0 && !order[i - 1];
			}
		}
		mapp_yield();
	}
	for (i = n; i-- > 0;) {
		CHECK(mosaic_blk_wait(&reqs[i]) == 0, "read %u", i);
		CHECK(verify(bufs + (size_t)i * 4096, (uint64_t)i * 8192, 4096,
			     7) < 0,
		      "read %u data", i);
	}
	if (info.has_flush) {
		CHECK(mosaic_blk_submit(bd, &reqs[0], MOSAIC_BLK_FLUSH, 0, NULL,
					0) == 0,
		      "submit flush");
		CHECK(mosaic_blk_wait(&reqs[0]) == 0, "flush");
	}
	printf("blk: %u requests in flight, %u complete before the first wait, "
	       "%u overtook an earlier one\n",
	       n, done_early, overtook);
	free(order);
	free(reqs);
	free(bufs);
}

static void readonly(void)
{
	struct mosaic_blk_info info;
	mosaic_blk_t bd = open_disk(&info);
	struct mosaic_blk_req req = { 0 };
	char *buf = malloc(4096);
	int rc;

	CHECK(bd && buf, "disk and memory");
	if (!bd || !buf)
		return;
	CHECK(info.read_only, "device reports read-only");
	rc = mosaic_blk_write(bd, 0, buf, 4096);
	CHECK(rc == -EROFS, "write gives %d", rc);
	rc = mosaic_blk_submit(bd, &req, MOSAIC_BLK_WRITE, 0, buf, 4096);
	CHECK(rc == -EROFS, "async write gives %d", rc);
	CHECK(mosaic_blk_read(bd, 0, buf, 4096) == 0, "read");
	printf("blk: write refused: %s\n", strerror(-rc));
	free(buf);
}

static const char ro_block[1024] = "ro";

static void badreq(void)
{
	struct mosaic_blk_info info;
	mosaic_blk_t bd = open_disk(&info);
	struct mosaic_blk_stats st;
	struct mosaic_blk_req req = { 0 };
	char *buf = malloc(2 << 20);
	int rc;

	CHECK(bd && buf, "disk and memory");
	if (!bd || !buf)
		return;
	CHECK(mosaic_blk_read(bd, 1, buf, 512) == -EINVAL, "odd offset");
	CHECK(mosaic_blk_read(bd, 0, buf, 100) == -EINVAL, "odd length");
	CHECK(mosaic_blk_read(bd, info.size, buf, 512) == -EINVAL, "at end");
	CHECK(mosaic_blk_read(bd, info.size - 512, buf, 1024) == -EINVAL,
	      "across end");
	CHECK(mosaic_blk_read(bd, UINT64_MAX - 511, buf, 512) == -EINVAL,
	      "wrapping offset");
	rc = mosaic_blk_submit(bd, &req, MOSAIC_BLK_READ, 0, buf,
			       (size_t)info.max_transfer + info.block_size);
	CHECK(rc == -EINVAL, "async above max_transfer gives %d", rc);
	rc = mosaic_blk_submit(bd, &req, (enum mosaic_blk_op)9, 0, buf, 512);
	CHECK(rc == -EINVAL, "bad op gives %d", rc);
	/* The device may not write where the app could not: read-only
	 * data is refused before anything is sent. */
	rc = mosaic_blk_read(bd, 0, (void *)ro_block, sizeof(ro_block));
	CHECK(rc == -EFAULT, "read into read-only memory gives %d", rc);
	CHECK(ro_block[0] == 'r', "read-only memory unchanged");
	/* A synchronous read above max_transfer is split and works. */
	if (info.size >= (2 << 20))
		CHECK(mosaic_blk_read(bd, 0, buf, 2 << 20) == 0, "long read");
	/* Only the read-only buffer got as far as the driver, which
	 * refused it before the device saw it (counted as one error). */
	CHECK(mosaic_blk_stats(bd, &st) == 0 && st.errors == 1, "errors %llu",
	      (unsigned long long)st.errors);
	free(buf);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "pattern")) {
		pattern(argc > 2 ? strtoull(argv[2], NULL, 0) : 1);
	} else if (!strcmp(what, "two")) {
		two(argc > 2 ? strtoull(argv[2], NULL, 0) : 1);
	} else if (!strcmp(what, "verify")) {
		verify_disk(argc > 2 ? strtoull(argv[2], NULL, 0) : 1);
	} else if (!strcmp(what, "async")) {
		async(argc > 2 ? (unsigned int)atoi(argv[2]) : 64);
	} else if (!strcmp(what, "readonly")) {
		readonly();
	} else if (!strcmp(what, "badreq")) {
		badreq();
	} else if (!strcmp(what, "nodisk")) {
		mosaic_blk_t bd;
		int rc = mosaic_blk_open("vda", &bd);

		CHECK(rc == -ENODEV && mosaic_blk_count() == 0,
		      "open without a disk gives %d", rc);
		printf("blk: no disk: %s\n", strerror(-rc));
	} else {
		printf("usage: blk pattern|verify|async N|readonly|nodisk|badreq\n");
		return 2;
	}
	if (!failures)
		printf("TEST PASS\n");
	return failures ? 1 : 0;
}
