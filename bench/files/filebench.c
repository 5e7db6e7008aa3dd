/* SPDX-License-Identifier: MIT */
/*
 * File system figures for bench/files.py, POSIX calls only, so that the
 * same file is the Mosaic appliance (make APP=bench/files) and, built with
 * -DFILEBENCH_LINUX -static, the Linux guest's program. Works on an ext2
 * file system mounted on DIR from DEVICE:
 *   create  NFILES files of FILEKIB KiB each in DIR/files, each one
 *           open, write, fsync, close (no sync() on Mosaic: an fsync per
 *           file on both sides);
 *   write   one file of MIB MiB in 1 MiB writes, then fsync (timed);
 *   randread  after unmounting and mounting DEVICE again (a cold cache
 *           on both sides; the Linux guest also drops its caches),
 *           RANDREADS preads of 4 KiB at 4 KiB-aligned offsets of the file
 *           from a fixed xorshift64 sequence, each checked by its stamp;
 *   read    the file back in 1 MiB reads after another unmount and mount,
 *           checked against what was written;
 *   reread  the same again without a remount (whatever each cache kept);
 *   sendfile  (when PORT is given and not 0) listens on TCP PORT, prints
 *           "filebench listening port=PORT", accepts one connection and
 *           sends it the whole file with sendfile() from offset 0, then
 *           shuts its side down and waits for the peer to close: timed
 *           from the accept to the peer's close, so that every byte was
 *           delivered. Mosaic also reports how many bytes TCP sent from
 *           the file system's own buffers (lent=, -1 on Linux).
 * The big file's bytes are known to the reader (bench/files.py checks
 * every one it receives): byte i of each MiB is i % 251, but the first 8
 * bytes of every 4 KiB, which hold (offset + 1) * STAMP_MUL, offset being
 * theirs in the file, as a little-endian 64-bit value.
 * Each phase is timed with CLOCK_MONOTONIC and printed as one line
 * "filebench PHASE key=value ...", then "filebench done". After each
 * phase, the device's requests during it, as the guest counted them
 * (Mosaic: <mosaic/blk.h>'s counters; Linux: /sys/block/NAME/stat,
 * whose flushes field needs Linux 5.5), are printed as "filebench
 * io_PHASE reads=N rbytes=N writes=N wbytes=N flushes=N" (-1: unknown),
 * so that both sides' request counts and sizes can be compared.
 * Usage: filebench DIR DEVICE [NFILES [FILEKIB [MIB [PORT]]]]
 *        filebench exit STATUS   (Linux build only: leave QEMU through
 *                                 isa-debug-exit, STATUS * 2 + 1)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef FILEBENCH_LINUX
#include <sys/io.h>
#else
#include <mosaic/blk.h>
#include <mosaic/netstats.h>
#endif

#define CHUNK (1u << 20)
#define STAMP 4096u
#define STAMP_MUL 0xD6E8FEB86659FD93ull
#define NFILES_DEFAULT 2000ul
#define FILEKIB_DEFAULT 1ul
#define MIB_DEFAULT 64ul
#define RANDREADS 2000ul
#define RAND_SEED 0x9E3779B97F4A7C15ull

static char buf[CHUNK];

/* The device's request counters ("filebench io_PHASE ..."). */
struct iostat {
	long long reads, rbytes, writes, wbytes, flushes;
};

static const char *io_dev; /* DEVICE's name without "/dev/" */
static struct iostat io_last;

#ifdef FILEBENCH_LINUX
/* /sys/block/NAME/stat: reads, merges, sectors, ticks, writes, merges,
 * sectors, ticks, in flight, ..., discards (4), flushes, flush ticks. */
static void io_read(struct iostat *st)
{
	long long f[17];
	char path[128];
	int n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/sys/block/%s/stat", io_dev);
	fp = fopen(path, "r");
	while (fp && n < 17 && fscanf(fp, "%lld", &f[n]) == 1)
		n++;
	if (fp)
		fclose(fp);
	*st = (struct iostat){ -1, -1, -1, -1, -1 };
	if (n >= 7)
		*st = (struct iostat){ f[0], f[2] * 512, f[4], f[6] * 512, -1 };
	if (n >= 16)
		st->flushes = f[15];
}
#else
static void io_read(struct iostat *st)
{
	struct mosaic_blk_stats ms;
	mosaic_blk_t bd;

	*st = (struct iostat){ -1, -1, -1, -1, -1 };
	if (mosaic_blk_open(io_dev, &bd) || mosaic_blk_stats(bd, &ms))
		return;
	*st = (struct iostat){ (long long)ms.reads, (long long)ms.read_bytes,
			       (long long)ms.writes, (long long)ms.write_bytes,
			       (long long)ms.flushes };
}
#endif

static long long io_diff(long long now, long long then)
{
	return now < 0 || then < 0 ? -1 : now - then;
}

/* Prints what the device did since the last call, as phase's. */
static void io_phase(const char *phase)
{
	struct iostat now;

	io_read(&now);
	printf("filebench io_%s reads=%lld rbytes=%lld writes=%lld "
	       "wbytes=%lld flushes=%lld\n",
	       phase, io_diff(now.reads, io_last.reads),
	       io_diff(now.rbytes, io_last.rbytes),
	       io_diff(now.writes, io_last.writes),
	       io_diff(now.wbytes, io_last.wbytes),
	       io_diff(now.flushes, io_last.flushes));
	io_last = now;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int fail(const char *what, const char *path)
{
	printf("filebench error: %s %s: %s\n", what, path, strerror(errno));
	return -1;
}

/* Writes all of len or fails: a short write is an error here. */
static int write_all(int fd, const char *p, size_t len, const char *path)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				errno = EIO;
			return fail("write", path);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The bytes between the stamps: a period prime to 4096, so that bytes
 * shifted within a block or a block from elsewhere do not match. */
static void fill(void)
{
	for (size_t i = 0; i < CHUNK; i++)
		buf[i] = (char)(i % 251);
}

/* Every 4 KiB of the big file starts with a value derived from its
 * offset, so that a read of the wrong block is seen. */
static void stamp(uint64_t off)
{
	for (size_t i = 0; i < CHUNK; i += STAMP) {
		uint64_t v = (off + i + 1) * STAMP_MUL;

		memcpy(buf + i, &v, sizeof(v));
	}
}

static unsigned long check(uint64_t off, size_t len)
{
	unsigned long bad = 0;

	for (size_t i = 0; i + sizeof(uint64_t) <= len; i += STAMP) {
		uint64_t v;

		memcpy(&v, buf + i, sizeof(v));
		bad += v != (off + i + 1) * STAMP_MUL;
	}
	return bad;
}

static int create_files(const char *dir, unsigned long n, unsigned long kib)
{
	char path[512];
	size_t len = kib << 10;
	long long t0;

	snprintf(path, sizeof(path), "%s/files", dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		return fail("mkdir", path);
	memset(buf, 'f', len);
	t0 = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/files/f%06lu", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return fail("open", path);
		if (write_all(fd, buf, len, path)) {
			close(fd);
			return -1;
		}
		if (fsync(fd)) {
			fail("fsync", path);
			close(fd);
			return -1;
		}
		if (close(fd))
			return fail("close", path);
	}
	printf("filebench create files=%lu bytes=%zu ns=%lld\n", n, len,
	       now_ns() - t0);
	return 0;
}

static int write_big(const char *path, unsigned long mib)
{
	long long t0;
	int fd;

	fill();
	t0 = now_ns();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail("open", path);
	for (unsigned long i = 0; i < mib; i++) {
		stamp((uint64_t)i * CHUNK);
		if (write_all(fd, buf, CHUNK, path)) {
			close(fd);
			return -1;
		}
	}
	if (fsync(fd)) {
		fail("fsync", path);
		close(fd);
		return -1;
	}
	if (close(fd))
		return fail("close", path);
	printf("filebench write bytes=%llu ns=%lld\n",
	       (unsigned long long)mib * CHUNK, now_ns() - t0);
	return 0;
}

static int read_big(const char *phase, const char *path, unsigned long mib)
{
	unsigned long long total = 0, want = (unsigned long long)mib * CHUNK;
	unsigned long bad = 0;
	long long t0 = now_ns();
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail("open", path);
	for (;;) {
		size_t got = 0;

		while (got < CHUNK) {
			ssize_t n = read(fd, buf + got, CHUNK - got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				fail("read", path);
				close(fd);
				return -1;
			}
			if (n == 0)
				break;
			got += (size_t)n;
		}
		if (!got)
			break;
		bad += check(total, got);
		total += got;
	}
	close(fd);
	printf("filebench %s bytes=%llu ns=%lld bad=%lu\n", phase, total,
	       now_ns() - t0, bad + (total != want));
	return 0;
}

/* Random 4 KiB reads of the file, as a database's lookups would do. */
static int read_random(const char *path, unsigned long mib)
{
	uint64_t x = RAND_SEED, blocks = (uint64_t)mib * CHUNK / STAMP;
	unsigned long bad = 0;
	long long t0 = now_ns();
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail("open", path);
	for (unsigned long i = 0; i < RANDREADS; i++) {
		uint64_t off, v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		off = x % blocks * STAMP;
		if (pread(fd, buf, STAMP, (off_t)off) != STAMP) {
			fail("pread", path);
			close(fd);
			return -1;
		}
		memcpy(&v, buf, sizeof(v));
		bad += v != (off + 1) * STAMP_MUL;
	}
	close(fd);
	printf("filebench randread reads=%lu ns=%lld bad=%lu\n",
	       (unsigned long)RANDREADS, now_ns() - t0, bad);
	return 0;
}

/* Empties both guests' caches of the file system: an unmount writes it
 * back and forgets it (Mosaic frees its block cache, Linux its pages);
 * the drop_caches write exists only on Linux and is harmless elsewhere. */
static int remount(const char *dir, const char *dev)
{
	int fd;

	if (umount(dir))
		return fail("umount", dir);
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3\n", 2) != 2)
			fail("write", "/proc/sys/vm/drop_caches");
		close(fd);
	}
	if (mount(dev, dir, "ext2", 0, NULL))
		return fail("mount", dev);
	return 0;
}

static long long lent_bytes(void)
{
#ifdef FILEBENCH_LINUX
	return -1;
#else
	unsigned long long v;

	return mosaic_netstat("tcp_lent_bytes", &v) ? -1 : (long long)v;
#endif
}

static int listen_on(unsigned short port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return fail("socket", "AF_INET");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		fail("bind/listen", "0.0.0.0");
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends all of the file from offset 0 to the one peer that connects. The
 * peer only reads, then closes when it has everything: its close ends the
 * timing, so that it covers delivery, not just queueing. */
static int send_big(const char *path, unsigned long mib, unsigned short port)
{
	unsigned long long want = (unsigned long long)mib * CHUNK;
	long long t0, ns, lent0, lent;
	off_t off = 0;
	int fd, lfd, c = -1, ret = -1;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail("open", path);
	lfd = listen_on(port);
	if (lfd < 0)
		goto out_file;
	printf("filebench listening port=%u\n", port);
	do
		c = accept(lfd, NULL, NULL);
	while (c < 0 && errno == EINTR);
	if (c < 0) {
		fail("accept", "the host's connection");
		goto out_listen;
	}
	lent0 = lent_bytes();
	t0 = now_ns();
	while ((unsigned long long)off < want) {
		size_t left = (size_t)(want - (unsigned long long)off);
		ssize_t n = sendfile(c, fd, &off, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* 0: the file ended before what was written did. */
			if (n == 0)
				errno = EIO;
			fail("sendfile", path);
			goto out_conn;
		}
	}
	if (shutdown(c, SHUT_WR)) {
		fail("shutdown", "the host's connection");
		goto out_conn;
	}
	for (;;) {
		ssize_t n = read(c, buf, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail("read", "the host's connection");
			goto out_conn;
		}
		if (n == 0)
			break;
	}
	ns = now_ns() - t0;
	lent = lent_bytes();
	printf("filebench sendfile bytes=%llu ns=%lld lent=%lld\n",
	       (unsigned long long)off, ns,
	       lent < 0 || lent0 < 0 ? -1 : lent - lent0);
	ret = 0;
out_conn:
	close(c);
out_listen:
	close(lfd);
out_file:
	close(fd);
	return ret;
}

#ifdef FILEBENCH_LINUX
#define DEBUG_EXIT_PORT 0x501

static int debug_exit(int status)
{
	if (ioperm(DEBUG_EXIT_PORT, 1, 1)) {
		perror("filebench: ioperm");
		return 1;
	}
	outb((unsigned char)status, DEBUG_EXIT_PORT);
	return 1; /* not reached when QEMU has the device */
}
#endif

int main(int argc, char **argv)
{
	unsigned long nfiles = NFILES_DEFAULT, kib = FILEKIB_DEFAULT;
	unsigned long mib = MIB_DEFAULT, port = 0;
	char big[512];
	const char *dir, *dev;

	setvbuf(stdout, NULL, _IOLBF, 0);
#ifdef FILEBENCH_LINUX
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return debug_exit(atoi(argv[2]));
#endif
	if (argc < 3 || argc > 7) {
		printf("filebench error: usage: filebench DIR DEVICE "
		       "[NFILES [FILEKIB [MIB [PORT]]]]\n");
		return 2;
	}
	dir = argv[1];
	dev = argv[2];
	if (argc > 3)
		nfiles = strtoul(argv[3], NULL, 0);
	if (argc > 4)
		kib = strtoul(argv[4], NULL, 0);
	if (argc > 5)
		mib = strtoul(argv[5], NULL, 0);
	if (argc > 6)
		port = strtoul(argv[6], NULL, 0);
	if (!kib || kib > CHUNK >> 10 || !mib || port > 65535) {
		printf("filebench error: FILEKIB must be 1..1024, MIB >= 1, "
		       "PORT 0..65535\n");
		return 2;
	}
	snprintf(big, sizeof(big), "%s/big", dir);
	io_dev = strncmp(dev, "/dev/", 5) ? dev : dev + 5;
	io_read(&io_last);
	if (create_files(dir, nfiles, kib))
		return 1;
	io_phase("create");
	if (write_big(big, mib))
		return 1;
	io_phase("write");
	if (remount(dir, dev))
		return 1;
	io_phase("remount");
	if (read_random(big, mib))
		return 1;
	io_phase("randread");
	if (remount(dir, dev))
		return 1;
	io_phase("remount2");
	if (read_big("read", big, mib))
		return 1;
	io_phase("read");
	if (read_big("reread", big, mib))
		return 1;
	io_phase("reread");
	if (port && send_big(big, mib, (unsigned short)port))
		return 1;
	io_phase("sendfile");
	printf("filebench done\n");
	return 0;
}
