/* SPDX-License-Identifier: MIT */
/*
 * initrd: the files tests/integration/initrd/rootfs/ holds, packed into
 * the image by the build, read back through <mosaic/initrd.h> with the
 * right kinds, sizes and bytes. With argument "module" the boot loader
 * passed tests/integration/initrd/override/ as a module (tools/run
 * --initrd), which must replace the embedded archive; with "malformed"
 * the module is not an archive and every call must fail cleanly. The
 * embedded archive is also the root of the file system: read through the
 * VFS, read-only, with /tmp writable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mosaic/initrd.h>

#include "itest.h"

#define S_IFMT_ 0170000u
#define S_IFDIR_ 0040000u
#define S_IFREG_ 0100000u
#define S_IFLNK_ 0120000u

static void check_file(const char *path, const char *want)
{
	struct mosaic_initrd_stat st;
	char buf[128];
	size_t n = strlen(want);
	long got;
	int rc;

	rc = mosaic_initrd_stat(path, &st);
	CHECK(rc == 0, "stat %s: %d", path, rc);
	if (rc)
		return;
	CHECK((st.mode & S_IFMT_) == S_IFREG_, "%s: mode %o", path, st.mode);
	CHECK((st.mode & 0400) != 0, "%s: not readable: %o", path, st.mode);
	CHECK(st.size == n, "%s: size %lu, want %lu", path,
	      (unsigned long)st.size, (unsigned long)n);
	CHECK(st.mtime > 0, "%s: mtime %ld", path, (long)st.mtime);
	got = mosaic_initrd_read(path, 0, buf, sizeof(buf));
	CHECK(got == (long)n && memcmp(buf, want, n) == 0, "%s: read %ld bytes",
	      path, got);
	printf("initrd: %s: %lu bytes ok\n", path, (unsigned long)n);
}

static void check_kind(const char *path, unsigned int kind)
{
	struct mosaic_initrd_stat st;
	int rc = mosaic_initrd_stat(path, &st);

	CHECK(rc == 0 && (st.mode & S_IFMT_) == kind, "%s: rc %d mode %o", path,
	      rc, st.mode);
}

static void check_link(const char *path, const char *target)
{
	struct mosaic_initrd_stat st;
	char buf[64];
	long got;

	check_kind(path, S_IFLNK_);
	CHECK(mosaic_initrd_stat(path, &st) == 0 && st.size == strlen(target),
	      "%s: link size", path);
	got = mosaic_initrd_read(path, 0, buf, sizeof(buf) - 1);
	buf[got > 0 ? got : 0] = '\0';
	CHECK(strcmp(buf, target) == 0, "%s -> '%s', want '%s'", path, buf,
	      target);
}

/* The nested 5800-byte file, read in odd-sized pieces at offsets. */
static void check_nested(void)
{
	static char want[6000], got[6000];
	const char *path = "/etc/nested/deep/data.txt";
	size_t n = 0, off = 0;
	long r;
	int i;

	for (i = 0; i < 200; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n,
				      "line %04d of the nested file\n", i);
	while ((r = mosaic_initrd_read(path, off, got + off, 777)) > 0)
		off += (size_t)r;
	CHECK(r == 0 && off == n && memcmp(got, want, n) == 0,
	      "%s: read %lu bytes (last %ld), want %lu", path,
	      (unsigned long)off, r, (unsigned long)n);
	CHECK(mosaic_initrd_read(path, n + 10, got, 10) == 0,
	      "read past the end");
	printf("initrd: %s: %lu bytes ok\n", path, (unsigned long)off);
}

static void check_dir(const char *path, const char *const *names)
{
	char name[64];
	unsigned int i;

	check_kind(path, S_IFDIR_);
	for (i = 0; names[i]; i++) {
		int rc = mosaic_initrd_readdir(path, i, name, sizeof(name));

		CHECK(rc == 0 && strcmp(name, names[i]) == 0,
		      "%s entry %u: rc %d '%s', want '%s'", path, i, rc,
		      rc ? "" : name, names[i]);
	}
	CHECK(mosaic_initrd_readdir(path, i, name, sizeof(name)) == -ENOENT,
	      "%s: more than %u entries", path, i);
}

static void embedded(void)
{
	/* data and tmp are the mount points the build adds (mkinitrd
	 * --mkdir tmp --mkdir data). */
	static const char *const root[] = { "config",	 "data", "etc",
					    "hello.txt", "tmp",	 "www",
					    NULL };
	static const char *const etc[] = { "config.ini", "nested", NULL };
	struct mosaic_initrd_stat st;
	char buf[8];

	check_file("/hello.txt", "hello from the initrd\n");
	check_file("etc/config.ini", "[server]\nport = 8080\nroot = /www\n");
	check_file("/www//./index.html", "<html><body>Mosaic</body></html>\n");
	check_nested();
	check_kind("/", S_IFDIR_);
	check_kind("/etc/nested/deep", S_IFDIR_);
	check_link("/config", "etc/config.ini");
	check_link("/www/hello", "../hello.txt");
	check_dir("/", root);
	check_dir("/etc", etc);
	CHECK(mosaic_initrd_stat("/missing", &st) == -ENOENT, "missing");
	CHECK(mosaic_initrd_stat("/etc/../hello.txt", &st) == -ENOENT,
	      "'..' is the path walker's");
	CHECK(mosaic_initrd_read("/etc", 0, buf, sizeof(buf)) == -EISDIR,
	      "read of a directory");
	CHECK(mosaic_initrd_readdir("/hello.txt", 0, buf, sizeof(buf)) ==
		      -ENOTDIR,
	      "readdir of a file");
}

static void module(void)
{
	struct mosaic_initrd_stat st;

	check_file("/hello.txt", "overridden by the boot module\n");
	check_file("/etc/config.ini", "mode = module\n");
	CHECK(mosaic_initrd_stat("/www", &st) == -ENOENT,
	      "the embedded archive's /www is visible");
	CHECK(mosaic_initrd_stat("/pad.txt", &st) == 0 && st.size == 9120,
	      "/pad.txt");
}

static void malformed(void)
{
	struct mosaic_initrd_stat st;
	char buf[8];

	CHECK(mosaic_initrd_stat("/hello.txt", &st) == -EINVAL, "stat");
	CHECK(mosaic_initrd_read("/", 0, buf, sizeof(buf)) == -EINVAL, "read");
}

/* The same archive through the VFS: it is "/", read-only, with a tmpfs
 * on /tmp (the build adds the mount point). */
static void through_vfs(void)
{
	char a[128], b[128];
	struct stat st;
	struct dirent *de;
	unsigned int seen = 0;
	DIR *d;
	FILE *f;
	long n;
	int fd;

	fd = open("/hello.txt", O_RDONLY);
	CHECK(fd >= 0, "open /hello.txt: %s", strerror(errno));
	n = fd >= 0 ? (long)read(fd, a, sizeof(a)) : -1;
	CHECK(n > 0 && n == mosaic_initrd_read("/hello.txt", 0, b, sizeof(b)) &&
		      memcmp(a, b, (size_t)n) == 0,
	      "read /hello.txt through the VFS: %ld", n);
	if (fd >= 0)
		close(fd);
	CHECK(stat("/etc/nested/deep/data.txt", &st) == 0 &&
		      st.st_size == 5800 && S_ISREG(st.st_mode),
	      "stat data.txt");
	CHECK(lstat("/config", &st) == 0, "lstat /config");
	CHECK(open("/hello.txt", O_WRONLY) == -1 && errno == EROFS,
	      "write-open of the initrd: %s", strerror(errno));
	CHECK(mkdir("/new", 0755) == -1 && errno == EROFS, "mkdir on /: %s",
	      strerror(errno));
	CHECK(unlink("/hello.txt") == -1 && errno == EROFS, "unlink on /: %s",
	      strerror(errno));
	f = fopen("/tmp/written", "w");
	CHECK(f && fputs("tmp works\n", f) >= 0 && fclose(f) == 0,
	      "write /tmp/written");
	CHECK(stat("/tmp/written", &st) == 0 && st.st_size == 10,
	      "stat /tmp/written");
	d = opendir("/");
	CHECK(d != NULL, "opendir /");
	while (d && (de = readdir(d)) != NULL)
		seen += !strcmp(de->d_name, "tmp") ||
			!strcmp(de->d_name, "hello.txt");
	if (d)
		closedir(d);
	CHECK(seen == 2, "readdir / found %u of tmp, hello.txt", seen);
	printf("initrd: mounted at / read-only, /tmp writable\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "module") == 0) {
		module();
	} else if (argc > 1 && strcmp(argv[1], "malformed") == 0) {
		malformed();
	} else {
		embedded();
		through_vfs();
	}
	if (failures)
		return 1;
	printf("TEST PASS\n");
	return 0;
}
