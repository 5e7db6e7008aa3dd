/* SPDX-License-Identifier: MIT */
/*
 * The Linux guest's side of bench/blk.py: blkbench.c's three phases on a
 * block device opened with O_DIRECT (no page cache), pread/pwrite one
 * request at a time (queue depth 1, like dd), fsync as the flush. Built
 * on the host with `gcc -static`; runs as the guest's /init's helper.
 * Usage: linux_blkbench DEVICE [PASSES [READS]]   the benchmark
 *        linux_blkbench now              CLOCK_MONOTONIC in ns (for dd)
 *        linux_blkbench exit STATUS      leave QEMU through isa-debug-exit
 *                                        (port 0x501: QEMU exits with
 *                                        STATUS * 2 + 1, as tools/run maps)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "blkbench.h"

#define DEBUG_EXIT_PORT 0x501

static int whole(ssize_t done, size_t len)
{
	if (done < 0)
		return -errno;
	return (size_t)done == len ? 0 : -EIO;
}

static int dev_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return whole(pread(*(int *)ctx, buf, len, (off_t)off), len);
}

static int dev_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	return whole(pwrite(*(int *)ctx, buf, len, (off_t)off), len);
}

static int dev_flush(void *ctx)
{
	return fsync(*(int *)ctx) ? -errno : 0;
}

static int debug_exit(int status)
{
	if (ioperm(DEBUG_EXIT_PORT, 1, 1)) {
		perror("linux_blkbench: ioperm");
		return 1;
	}
	outb((unsigned char)status, DEBUG_EXIT_PORT);
	return 1; /* not reached when QEMU has the device */
}

/* A block device's size, or a regular file's (to try it on the host). */
static int disk_size(int fd, uint64_t *size)
{
	off_t end;

	if (!ioctl(fd, BLKGETSIZE64, size))
		return 0;
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return -1;
	*size = (uint64_t)end;
	return 0;
}

static int bench(const char *dev, unsigned long passes, unsigned long reads)
{
	struct blkbench_io io = {
		.bi_read = dev_read,
		.bi_write = dev_write,
		.bi_flush = dev_flush,
	};
	uint64_t size;
	int fd, rc;

	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0 || disk_size(fd, &size)) {
		printf("blkbench error: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	printf("blkbench disk bytes=%llu\n", (unsigned long long)size);
	io.bi_ctx = &fd;
	rc = blkbench_run(&io, size, passes, reads);
	close(fd);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct timespec ts;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "now")) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%lld\n",
		       (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return debug_exit(atoi(argv[2]));
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: linux_blkbench DEVICE [PASSES [READS]] "
				"| now | exit STATUS\n");
		return 2;
	}
	return bench(
		argv[1],
		argc > 2 ? strtoul(argv[2], NULL, 0) : BLKBENCH_PASSES_DEFAULT,
		argc > 3 ? strtoul(argv[3], NULL, 0) : BLKBENCH_READS_DEFAULT);
}
