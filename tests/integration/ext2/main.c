/* SPDX-License-Identifier: MIT */
/*
 * Integration test: ext2 on a virtio-blk disk made on the host by
 * `mke2fs -d` (disk.py make). Modes (argv[1]):
 *  - ops: with the disk at /data (mosaic.disk=), read what the host put
 *    there, then write, rename, delete, make and remove directories,
 *    symlinks, hard links, a sparse file, truncate, unlink an open file,
 *    append, stdio; umount and mount again; exit. disk.py check then
 *    finds exactly that with e2fsck and debugfs.
 *  - mount: mount() and umount() at run time and their refusals.
 *  - readonly: the disk is read-only (device or features): writes fail
 *    with EROFS, reads work.
 *  - crashprep / crash ROUND: the crash test's workload (crash.py): files
 *    written and fsynced, "fsync N done" after each, with renames and
 *    deletions in between, until QEMU is killed.
 * Contents are gen(seed, len): the generator disk.py also has.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <itest.h>

#define BIG_LEN 300000
#define SPARSE_OFF (20 << 20)

static void gen(uint32_t seed, uint8_t *p, size_t len)
{
	uint32_t x = seed;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

static uint8_t *alloc_gen(uint32_t seed, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (p)
		gen(seed, p, len);
	return p;
}

/* Reads the whole of path (at most cap bytes) into buf; the length or -1. */
static ssize_t slurp(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, done = 0;

	if (fd < 0)
		return -1;
	while ((size_t)done < cap &&
	       (n = read(fd, (char *)buf + done, cap - (size_t)done)) > 0)
		done += n;
	close(fd);
	return done;
}

static int spit(const char *path, const void *buf, size_t len, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	return close(fd) == 0 && n == (ssize_t)len ? 0 : -1;
}

static bool file_is(const char *path, const void *want, size_t len)
{
	uint8_t *got = malloc(len + 16);
	ssize_t n = got ? slurp(path, got, len + 16) : -1;
	bool same = n == (ssize_t)len && !memcmp(got, want, len);

	free(got);
	return same;
}

/* --- ops --- */

static void read_seed(void)
{
	uint8_t *big = alloc_gen(7, BIG_LEN), *buf = malloc(BIG_LEN + 16);
	char link[64];
	struct stat st;
	ssize_t n;

	CHECK(file_is("/data/seed/hello.txt", "hello from the host\n", 20),
	      "seed/hello.txt");
	n = buf ? slurp("/data/seed/big.bin", buf, BIG_LEN + 16) : -1;
	CHECK(n == BIG_LEN && big && !memcmp(buf, big, BIG_LEN),
	      "seed/big.bin: %zd bytes", n);
	CHECK(file_is("/data/seed/sub/deep/file.txt", "deep\n", 5),
	      "seed/sub/deep/file.txt");
	n = readlink("/data/seed/link", link, sizeof(link));
	CHECK(n == 9 && !memcmp(link, "hello.txt", 9), "readlink %zd", n);
	CHECK(file_is("/data/seed/link", "hello from the host\n", 20),
	      "through the symlink");
	CHECK(stat("/data/seed/sparse", &st) == 0 && st.st_size == 8 << 20 &&
		      st.st_blocks < 64,
	      "sparse size %lld blocks %lld", (long long)st.st_size,
	      (long long)st.st_blocks);
	n = -1;
	if (buf) {
		int fd = open("/data/seed/sparse", O_RDONLY);

		n = pread(fd, buf, 16, (4 << 20) - 8);
		close(fd);
	}
	CHECK(n == 16 && !memcmp(buf, "\0\0\0\0\0\0\0\0middle\0\0", 16),
	      "sparse contents");
	CHECK(stat("/data/lost+found", &st) == 0 && S_ISDIR(st.st_mode),
	      "lost+found");
	free(big);
	free(buf);
}

static void write_files(void)
{
	uint8_t *a = alloc_gen(1, 100000), *t = alloc_gen(3, 50000);
	char buf[64];
	int fd;

	CHECK(mkdir("/data/out", 0755) == 0, "mkdir out: %d", errno);
	fd = open("/data/out/a.bin", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0 && write(fd, a, 60000) == 60000 &&
		      write(fd, a + 60000, 40000) == 40000 && fsync(fd) == 0 &&
		      close(fd) == 0,
	      "a.bin");
	CHECK(file_is("/data/out/a.bin", a, 100000), "a.bin read back");
	CHECK(link("/data/out/a.bin", "/data/out/a.hard") == 0, "link");
	CHECK(symlink("a.bin", "/data/out/fast") == 0, "fast symlink");
	memset(buf, 'x', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	CHECK(symlink(buf, "/data/out/slow") == 0, "slow symlink");
	/* sparse: one block 20 MiB in */
	fd = open("/data/out/sparse.bin", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0 && pwrite(fd, "END", 3, SPARSE_OFF) == 3 &&
		      close(fd) == 0,
	      "sparse");
	/* truncated down into a block, then extended */
	fd = open("/data/out/trunc.bin", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, t, 50000) == 50000 &&
		      ftruncate(fd, 1234) == 0 && ftruncate(fd, 3000) == 0 &&
		      close(fd) == 0,
	      "trunc");
	CHECK(truncate("/data/out/a.hard", 100000) == 0, "truncate no-op");
	free(a);
	free(t);
}

static void change_names(void)
{
	struct stat st;
	uint8_t buf[5000];
	int fd;

	CHECK(spit("/data/out/b.txt", "bee\n", 4, O_EXCL) == 0, "b.txt");
	CHECK(rename("/data/out/b.txt", "/data/moved.txt") == 0, "rename out");
	CHECK(spit("/data/out/old.txt", "old\n", 4, O_EXCL) == 0 &&
		      spit("/data/out/new.txt", "new\n", 4, O_EXCL) == 0 &&
		      rename("/data/out/new.txt", "/data/out/old.txt") == 0,
	      "rename over");
	CHECK(spit("/data/out/del.bin", "gone", 4, O_EXCL) == 0 &&
		      unlink("/data/out/del.bin") == 0,
	      "unlink");
	/* unlinked while open: still there until the close */
	gen(5, buf, sizeof(buf));
	fd = open("/data/out/open.bin", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, buf, sizeof(buf)) == sizeof(buf),
	      "open.bin");
	CHECK(unlink("/data/out/open.bin") == 0 &&
		      stat("/data/out/open.bin", &st) == -1 && errno == ENOENT,
	      "unlink open");
	memset(buf, 0, sizeof(buf));
	CHECK(pread(fd, buf, sizeof(buf), 0) == sizeof(buf) && buf[0] != 0 &&
		      fstat(fd, &st) == 0 && st.st_nlink == 0,
	      "read after unlink");
	CHECK(close(fd) == 0, "close");
	CHECK(mkdir("/data/out/d1", 0755) == 0 &&
		      mkdir("/data/out/d1/d2", 0700) == 0 &&
		      rmdir("/data/out/d1") == -1 && errno == ENOTEMPTY &&
		      rmdir("/data/out/d1/d2") == 0,
	      "dirs");
	CHECK(mkdir("/data/out/mv", 0755) == 0 &&
		      rename("/data/out/mv", "/data/seed/sub/mv") == 0 &&
		      stat("/data/seed/sub/mv/..", &st) == 0,
	      "rename a directory across");
	CHECK(spit("/data/seed/hello.txt", "changed by the guest\n", 21,
		   O_TRUNC) == 0,
	      "overwrite");
}

static void append_and_stdio(void)
{
	char line[32];
	FILE *f;
	int fd;

	fd = open("/data/out/log.txt", O_WRONLY | O_CREAT | O_APPEND, 0644);
	for (int i = 0; i < 100 && fd >= 0; i++) {
		int n = snprintf(line, sizeof(line), "line %d\n", i);

		CHECK(write(fd, line, (size_t)n) == n, "append %d", i);
	}
	CHECK(fd >= 0 && fdatasync(fd) == 0 && close(fd) == 0, "log.txt");
	f = fopen("/data/out/stdio.txt", "w");
	CHECK(f && fprintf(f, "stdio %d\n", 42) == 9 && fclose(f) == 0,
	      "stdio");
}

static void list_out(void)
{
	static const char *const want[] = {
		".",	   "..",   "a.bin",	 "a.hard",
		"fast",	   "slow", "sparse.bin", "trunc.bin",
		"old.txt", "d1",   "log.txt",	 "stdio.txt",
	};
	unsigned int seen = 0, n = 0;
	struct dirent *de;
	DIR *d = opendir("/data/out");

	CHECK(d != NULL, "opendir");
	while (d && (de = readdir(d))) {
		n++;
		for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]);
		     i++)
			if (!strcmp(de->d_name, want[i]))
				seen |= 1u << i;
	}
	if (d)
		closedir(d);
	CHECK(n == 12 && seen == 0xfff, "readdir: %u names, mask %#x", n, seen);
}

/* umount refused while busy, then done; mount again and read. */
static void remount(void)
{
	uint8_t *a = alloc_gen(1, 100000);
	char cwd[64];
	int fd = open("/data/out/a.bin", O_RDONLY);

	CHECK(umount("/data") == -1 && errno == EBUSY,
	      "umount with a file open");
	close(fd);
	CHECK(chdir("/data/out") == 0 && getcwd(cwd, sizeof(cwd)) &&
		      !strcmp(cwd, "/data/out"),
	      "chdir in");
	CHECK(umount("/data") == -1 && errno == EBUSY, "umount with cwd in it");
	CHECK(chdir("/") == 0, "chdir out");
	CHECK(umount2("/data", MNT_DETACH) == -1 && errno == EINVAL, "umount2");
	CHECK(umount("/data") == 0, "umount: %d", errno);
	CHECK(access("/data/out", F_OK) == -1 && errno == ENOENT,
	      "mount point empty again");
	CHECK(umount("/data") == -1 && errno == EINVAL, "umount twice");
	CHECK(mount("/dev/vda", "/data", "ext2", 0, NULL) == 0, "mount: %d",
	      errno);
	CHECK(mount("vda", "/tmp", "ext2", 0, NULL) == -1 && errno == EBUSY,
	      "mounted twice");
	CHECK(file_is("/data/out/a.bin", a, 100000), "a.bin after remount");
	free(a);
}

static void ops(void)
{
	read_seed();
	write_files();
	change_names();
	append_and_stdio();
	list_out();
	remount();
}

/* --- mount --- */

static void mount_calls(void)
{
	struct stat st;

	CHECK(mkdir("/tmp/disk", 0755) == 0, "mkdir");
	CHECK(mount("vdq", "/tmp/disk", "ext2", 0, NULL) == -1 &&
		      errno == ENOENT,
	      "no such disk");
	CHECK(mount("vda", "/tmp/disk", "ext4", 0, NULL) == -1 &&
		      errno == ENODEV,
	      "fstype");
	CHECK(mount("vda", "/tmp/disk", "ext2", 0x40000000ul, NULL) == -1 &&
		      errno == EINVAL,
	      "flags");
	CHECK(mount("vda", "/tmp/nope", "ext2", 0, NULL) == -1 &&
		      errno == ENOENT,
	      "no mount point");
	CHECK(mount("vda", "/tmp/disk", "ext2", MS_RDONLY, NULL) == 0,
	      "mount ro: %d", errno);
	CHECK(file_is("/tmp/disk/seed/hello.txt", "hello from the host\n", 20),
	      "read");
	CHECK(spit("/tmp/disk/x", "x", 1, 0) == -1 && errno == EROFS, "EROFS");
	CHECK(umount("/tmp/disk") == 0, "umount ro");
	CHECK(mount("vda", "/tmp/disk", "ext2", MS_NOATIME, "") == 0,
	      "mount rw: %d", errno);
	CHECK(spit("/tmp/disk/made.txt", "made at run time\n", 17, O_EXCL) == 0,
	      "write");
	CHECK(rmdir("/tmp/disk") == -1 && errno == EBUSY, "rmdir mount point");
	CHECK(umount("/tmp/disk") == 0, "umount");
	CHECK(stat("/tmp/disk/made.txt", &st) == -1 && errno == ENOENT,
	      "unmounted");
	/* mounted again at exit-time: exit() writes it back */
	CHECK(mount("vda", "/tmp/disk", "ext2", 0, NULL) == 0, "mount again");
	CHECK(spit("/tmp/disk/at-exit.txt", "written back by exit\n", 21,
		   O_EXCL) == 0,
	      "write before exit");
}

static void readonly(void)
{
	struct stat st;

	CHECK(file_is("/data/seed/hello.txt", "hello from the host\n", 20),
	      "read");
	CHECK(spit("/data/new", "x", 1, 0) == -1 && errno == EROFS, "create");
	CHECK(spit("/data/seed/hello.txt", "x", 1, O_TRUNC) == -1 &&
		      errno == EROFS,
	      "overwrite");
	CHECK(mkdir("/data/d", 0755) == -1 && errno == EROFS, "mkdir");
	CHECK(unlink("/data/seed/hello.txt") == -1 && errno == EROFS, "unlink");
	CHECK(stat("/data/seed/hello.txt", &st) == 0 && st.st_size == 20,
	      "unchanged");
}

/* --- crash --- */

static size_t crash_len(unsigned int round, unsigned int i)
{
	static const size_t sizes[] = { 1, 700, 4096, 5000, 13000, 70000 };

	return sizes[(round * 7 + i) % 6] + i;
}

/* The churn between fsyncs: a temporary file renamed over a fixed name,
 * a big file rewritten, a directory made and the previous one removed,
 * a hard link made and dropped. Nothing of it is fsynced. */
static void crash_churn(unsigned int i, uint8_t *buf, size_t len)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "/data/crash/tmp%u", i);
	spit(tmp, buf, len / 3 + 1, O_TRUNC);
	rename(tmp, "/data/crash/current");
	spit("/data/crash/big", buf, len, i % 3 ? O_APPEND : O_TRUNC);
	link("/data/crash/current", "/data/crash/current.link");
	snprintf(tmp, sizeof(tmp), "/data/crash/d%u", i);
	mkdir(tmp, 0755);
	snprintf(tmp, sizeof(tmp), "/data/crash/d%u", i - 1);
	rmdir(tmp);
	unlink("/data/crash/current.link");
}

/* Writes /data/crash/r<round>-f<i> (in pieces) and fsyncs it, saying
 * "fsync i start" before and "fsync i done" after, with churn in
 * between. Runs until killed. */
static void crash(unsigned int round)
{
	static uint8_t buf[70100];
	char path[64];

	mkdir("/data/crash", 0755);
	for (unsigned int i = 0;; i++) {
		size_t len = crash_len(round, i), half = len / 2;
		int fd;

		gen(round * 1000 + i, buf, len);
		crash_churn(i, buf, len);
		printf("fsync %u start\n", i);
		snprintf(path, sizeof(path), "/data/crash/r%u-f%u", round, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		CHECK(fd >= 0 && write(fd, buf, half) == (ssize_t)half &&
			      write(fd, buf + half, len - half) ==
				      (ssize_t)(len - half) &&
			      fsync(fd) == 0 && close(fd) == 0,
		      "crash file %u", i);
		printf("fsync %u done\n", i);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "ops"))
		ops();
	else if (!strcmp(mode, "mount"))
		mount_calls();
	else if (!strcmp(mode, "readonly"))
		readonly();
	else if (!strcmp(mode, "crashprep"))
		CHECK(mkdir("/data/crash", 0755) == 0, "mkdir crash");
	else if (!strcmp(mode, "crash") && argc > 2)
		crash((unsigned int)atoi(argv[2]));
	else
		CHECK(0, "unknown mode '%s'", mode);
	if (!failures)
		printf("TEST PASS\n");
	return failures != 0;
}
