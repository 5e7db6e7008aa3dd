/* SPDX-License-Identifier: MIT */
/*
 * Integration test: files on the tmpfs root and on /tmp through the libc
 * calls and stdio: create, write, read back, seek, dup, rename, links,
 * directories, unlink of an open file, getcwd and chdir; then the review
 * findings of issue #8 end to end: stdout redirected by dup2() and
 * freopen(), getcwd(NULL, 0), O_CREAT on directories and through
 * dangling symlinks, umask and chmod, and a tmpfs (mosaic.tmpfs=256K,
 * test.cfg) filled by empty files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <itest.h>

static void test_fd(const char *dir)
{
	char path[64], buf[32];
	struct stat st;
	int fd, fd2;

	snprintf(path, sizeof(path), "%s/a.txt", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 3, "open %s: %d errno %d", path, fd, errno);
	CHECK(write(fd, "hello world", 11) == 11, "write");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	fd2 = dup(fd);
	CHECK(read(fd2, buf, 5) == 5 && !memcmp(buf, "hello", 5), "dup read");
	CHECK(lseek(fd, 0, SEEK_CUR) == 5, "shared offset");
	CHECK(pread(fd, buf, 5, 6) == 5 && !memcmp(buf, "world", 5), "pread");
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 11,
	      "fstat");
	CHECK(open(path, O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 &&
		      errno == EEXIST,
	      "O_EXCL");
	close(fd2);
	snprintf(buf, sizeof(buf), "%s/b.txt", dir);
	CHECK(rename(path, buf) == 0, "rename");
	CHECK(stat(path, &st) == -1 && errno == ENOENT, "old name gone");
	CHECK(unlink(buf) == 0, "unlink open file");
	CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "hello", 5),
	      "read after unlink");
	CHECK(close(fd) == 0 && close(fd) == -1 && errno == EBADF, "close");
}

static void test_dirs(void)
{
	char cwd[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	CHECK(mkdir("/tmp/d", 0755) == 0, "mkdir");
	CHECK(mkdir("/tmp/d", 0755) == -1 && errno == EEXIST, "mkdir again");
	CHECK(symlink("d", "/tmp/l") == 0, "symlink");
	CHECK(chdir("/tmp/l") == 0, "chdir");
	CHECK(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/tmp/d"), "getcwd %s",
	      cwd);
	CHECK(close(creat("f", 0644)) == 0, "creat");
	CHECK(link("f", "g") == 0, "link");
	d = opendir(".");
	CHECK(d != NULL, "opendir");
	while (d && (de = readdir(d)))
		n++;
	CHECK(n == 4, "readdir %d entries", n);
	if (d)
		closedir(d);
	CHECK(rmdir("/tmp/d") == -1 && errno == ENOTEMPTY, "rmdir non-empty");
	CHECK(chdir("..") == 0 && getcwd(cwd, sizeof(cwd)) &&
		      !strcmp(cwd, "/tmp"),
	      "chdir .. %s", cwd);
	CHECK(open("/nope/x", O_RDONLY) == -1 && errno == ENOENT, "ENOENT");
}

static void test_stdio(void)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	f = fopen("/tmp/s.txt", "w+");
	CHECK(f != NULL, "fopen");
	if (!f)
		return;
	fprintf(f, "line %d\nsecond\n", 1);
	CHECK(ftell(f) == 14, "ftell %ld", ftell(f));
	rewind(f);
	CHECK(getline(&line, &cap, f) == 7 && !strcmp(line, "line 1\n"),
	      "getline");
	CHECK(fseek(f, -7, SEEK_END) == 0 && getline(&line, &cap, f) == 7 &&
		      !strcmp(line, "second\n"),
	      "fseek");
	CHECK(getline(&line, &cap, f) == -1 && feof(f), "eof");
	CHECK(fclose(f) == 0, "fclose");
	free(line);
	f = fopen("/tmp/s.txt", "a");
	CHECK(f && fputs("third\n", f) >= 0 && fclose(f) == 0, "append");
	f = fopen("/tmp/s.txt", "r");
	char buf[600] = { 0 };
	CHECK(f && fread(buf, 1, sizeof(buf), f) == 20, "fread");
	if (f)
		fclose(f);
	/* dprintf on a file descriptor, longer than its 256-byte gathering
	 * buffer; on a bad one, write()'s EBADF. */
	int fd = open("/tmp/d.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0 && dprintf(fd, "%d:%300s|", 42, "x") == 304,
	      "dprintf to a file");
	if (fd >= 0)
		close(fd);
	fd = open("/tmp/d.txt", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 304 && buf[0] == '4' &&
		      buf[302] == 'x' && buf[303] == '|',
	      "dprintf output read back");
	if (fd >= 0)
		close(fd);
	CHECK(dprintf(99, "x") == -1 && errno == EBADF, "dprintf(99)");
}

/* The whole of path (at most size - 1 bytes), NUL-terminated. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return n;
}

static void test_redirect(void)
{
	char buf[64];
	int fd, saved;

	fflush(stdout);
	saved = dup(1);
	fd = open("/tmp/out.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0 && dup2(fd, 1) == 1, "dup2 onto 1");
	printf("redirected %d\n", 1);
	dup2(saved, 1);
	close(fd);
	CHECK(slurp("/tmp/out.txt", buf, sizeof(buf)) == 13 &&
		      !strcmp(buf, "redirected 1\n"),
	      "printf after dup2(fd, 1): '%s'", buf);
	CHECK(freopen("/tmp/out2.txt", "w", stdout) == stdout &&
		      fileno(stdout) == 1,
	      "freopen(stdout)");
	printf("reopened\n");
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	CHECK(slurp("/tmp/out2.txt", buf, sizeof(buf)) == 9 &&
		      !strcmp(buf, "reopened\n"),
	      "printf after freopen: '%s'", buf);
}

static void test_review(void)
{
	struct stat st;
	char *cwd;
	FILE *f;
	int fd;

	CHECK(chdir("/tmp") == 0, "chdir");
	cwd = getcwd(NULL, 0);
	CHECK(cwd && !strcmp(cwd, "/tmp"), "getcwd(NULL, 0)");
	free(cwd);
	CHECK(open("/tmp", O_RDONLY | O_CREAT, 0644) == -1 && errno == EISDIR,
	      "O_CREAT on a directory");
	CHECK(symlink("/tmp/made", "/tmp/dangling") == 0, "symlink");
	f = fopen("/tmp/dangling", "w");
	CHECK(f && fputs("via link", f) >= 0 && fclose(f) == 0,
	      "fopen through a dangling symlink");
	CHECK(stat("/tmp/made", &st) == 0 && st.st_size == 8 &&
		      (st.st_mode & 07777) == 0644,
	      "target made, mode %o", (unsigned)st.st_mode);
	CHECK(umask(077) == 022, "umask");
	fd = open("/tmp/private", O_CREAT | O_WRONLY, 0666);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600,
	      "umask applied");
	CHECK(fchmod(fd, 0755) == 0 && access("/tmp/private", X_OK) == 0,
	      "fchmod");
	CHECK(chmod("/tmp/private", 0644) == 0 &&
		      access("/tmp/private", X_OK) == -1 && errno == EACCES,
	      "chmod, access");
	close(fd);
	umask(022);
}

/* Nodes and names count against mosaic.tmpfs=256K. */
static void test_tmpfs_full(void)
{
	char path[300];
	int i, fd = 0;

	for (i = 0; i < 100000; i++) {
		snprintf(path, sizeof(path), "/tmp/%06d%0200d", i, 0);
		fd = open(path, O_CREAT | O_WRONLY, 0644);
		if (fd < 0)
			break;
		close(fd);
	}
	CHECK(fd < 0 && errno == ENOSPC && i < 2000,
	      "empty files fill the tmpfs: %d files, errno %d", i, errno);
	while (i-- > 0) {
		snprintf(path, sizeof(path), "/tmp/%06d%0200d", i, 0);
		if (unlink(path))
			break;
	}
	fd = open("/tmp/after", O_CREAT | O_WRONLY, 0644);
	CHECK(i == -1 && fd >= 0, "space back after unlink");
	close(fd);
}

int main(void)
{
	test_fd("/tmp");
	test_fd("");
	test_dirs();
	test_stdio();
	test_redirect();
	test_review();
	test_tmpfs_full();
	CHECK(isatty(1) && !isatty(0), "isatty");
	if (!failures)
		printf("TEST PASS\n");
	return failures != 0;
}
