/* SPDX-License-Identifier: MIT */
/*
 * libc's file calls and stdio (libos/libc/file.c, stdio.c) on the host,
 * over the real VFS, tmpfs and descriptor table, with the console
 * captured. The libc objects see Mosaic's headers and mosaic_* names
 * (files_names.h); this file sees glibc's, whose struct stat and O_*,
 * AT_* and errno values are Linux's, as Mosaic's are.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include <fs/fd.h>
#include <fs/tmpfs.h>
#include <fs/vfs.h>
#include <kernel/console.h>
#include <kernel/sync.h>

#include "fake_host.h"
#include "fake_sched.h"

/* --- what the libc objects export, under their mosaic_* names --- */

typedef struct mosaic_file MFILE;
extern MFILE *const mosaic_stdin, *const mosaic_stdout, *const mosaic_stderr;

MFILE *mosaic_fopen(const char *path, const char *mode);
MFILE *mosaic_fdopen(int fd, const char *mode);
MFILE *mosaic_freopen(const char *path, const char *mode, MFILE *f);
int mosaic_fclose(MFILE *f);
int mosaic_fflush(MFILE *f);
int mosaic_fileno(MFILE *f);
int mosaic_fputs(const char *s, MFILE *f);
int mosaic_fgetc(MFILE *f);
int mosaic_ungetc(int c, MFILE *f);
char *mosaic_fgets(char *s, int size, MFILE *f);
size_t mosaic_fread(void *buf, size_t size, size_t n, MFILE *f);
int mosaic_fprintf(MFILE *f, const char *fmt, ...);
int mosaic_printf(const char *fmt, ...);
int mosaic_puts(const char *s);
int mosaic_dprintf(int fd, const char *fmt, ...);
int mosaic_setvbuf(MFILE *f, char *buf, int mode, size_t size);
int mosaic_ferror(MFILE *f);
void mosaic_clearerr(MFILE *f);
int mosaic_fseek(MFILE *f, long off, int whence);
long mosaic_ftell(MFILE *f);
void libc_stdio_flush_all(void);
void libc_files_init(void);

int mosaic_open(const char *path, int flags, ...);
int mosaic_openat(int dirfd, const char *path, int flags, ...);
int mosaic_creat(const char *path, mode_t mode);
int mosaic_close(int fd);
ssize_t mosaic_read(int fd, void *buf, size_t len);
ssize_t mosaic_write(int fd, const void *buf, size_t len);
ssize_t mosaic_pread(int fd, void *buf, size_t len, off_t off);
ssize_t mosaic_pwrite(int fd, const void *buf, size_t len, off_t off);
ssize_t mosaic_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t mosaic_writev(int fd, const struct iovec *iov, int iovcnt);
off_t mosaic_lseek(int fd, off_t off, int whence);
int mosaic_dup(int fd);
int mosaic_dup2(int fd, int fd2);
int mosaic_dup3(int fd, int fd2, int flags);
int mosaic_fcntl(int fd, int cmd, ...);
int mosaic_fstat(int fd, struct stat *st);
int mosaic_stat(const char *path, struct stat *st);
int mosaic_fstatat(int dirfd, const char *path, struct stat *st, int flags);
int mosaic_access(const char *path, int mode);
int mosaic_faccessat(int dirfd, const char *path, int mode, int flags);
int mosaic_mkdir(const char *path, mode_t mode);
int mosaic_chdir(const char *path);
char *mosaic_getcwd(char *buf, size_t size);
int mosaic_symlink(const char *target, const char *path);
int mosaic_unlink(const char *path);
int mosaic_isatty(int fd);
int mosaic_ftruncate(int fd, off_t len);
mode_t mosaic_umask(mode_t mask);
int mosaic_chmod(const char *path, mode_t mode);
int mosaic_fchmod(int fd, mode_t mode);
int mosaic_fchmodat(int dirfd, const char *path, mode_t mode, int flags);
ssize_t libc_sendfile_copy(int out, int in, off_t *off, size_t count);

/* --- fakes: the console, the boot mounts, yielding --- */

static char con[4096];
static size_t con_len;

void console_write(const char *s, size_t len)
{
	if (len > sizeof(con) - con_len)
		len = sizeof(con) - con_len;
	memcpy(con + con_len, s, len);
	con_len += len;
}

static struct tmpfs *root_fs, *tmp_fs;

/* No disks on this command line. */
void vfs_disks_check(void)
{
}

/* What the "app" initcall of an image that resolves paths does. */
int vfs_boot(void)
{
	int err = tmpfs_create(1 << 20, &root_fs);

	if (!err)
		err = vfs_set_root(tmpfs_root(root_fs), "tmpfs", 0);
	if (!err)
		err = vfs_mkdir(NULL, "/tmp", 0777);
	if (!err)
		err = tmpfs_create(256 << 10, &tmp_fs);
	if (!err)
		err = vfs_mount("/tmp", tmpfs_root(tmp_fs), "tmpfs", 0);
	return err;
}

void sched_yield_cpu(void);

void sched_yield_cpu(void)
{
	host_yield();
}

static int setup(void **state)
{
	(void)state;
	con_len = 0;
	libc_files_init();
	assert_int_equal(vfs_boot(), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mosaic_fflush(NULL);
	mosaic_clearerr(mosaic_stdin);
	mosaic_clearerr(mosaic_stdout);
	mosaic_clearerr(mosaic_stderr);
	mosaic_umask(022);
	fd_reset();
	vfs_reset();
	tmpfs_destroy(tmp_fs);
	tmpfs_destroy(root_fs);
	return 0;
}

/* --- helpers --- */

/* The whole content of path, NUL-terminated, in buf. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = mosaic_open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = mosaic_read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_int_equal(mosaic_close(fd), 0);
	return n;
}

static void put_file(const char *path, const char *text)
{
	int fd = mosaic_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(mosaic_write(fd, text, strlen(text)),
			 (ssize_t)strlen(text));
	assert_int_equal(mosaic_close(fd), 0);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(mosaic_stat(path, &st), 0);
	return st.st_mode;
}

static bool con_is(const char *text)
{
	return con_len == strlen(text) && !memcmp(con, text, con_len);
}

/* A descriptor of a kind of its own, for the tests: writes go to
 * hook_out and may call back into stdio; reads can block. */
static char hook_out[256];
static size_t hook_len;
static bool hook_flush_all; /* fo_write calls libc_stdio_flush_all() */
static bool hook_fail; /* fo_write fails with EIO */
static int hook_calls;

static ssize_t hook_write(struct file *f, const void *buf, size_t len,
			  int64_t *off, bool append)
{
	(void)f, (void)off, (void)append;
	hook_calls++;
	if (hook_fail)
		return -EIO;
	/* As an assertion that fails here would: stdio flushes on the way
	 * out, while this task holds the stream and the file. */
	if (hook_flush_all)
		libc_stdio_flush_all();
	if (len > sizeof(hook_out) - hook_len)
		len = sizeof(hook_out) - hook_len;
	memcpy(hook_out + hook_len, buf, len);
	hook_len += len;
	return (ssize_t)len;
}

static struct sem hook_sem = SEM_INIT("hook", 0);
static bool hook_reader_done; /* [a] */

static ssize_t hook_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	(void)f, (void)off;
	/* Blocks (bounded, so that a broken flush ends the test rather
	 * than hanging it) until the test lets it go. */
	if (sem_timeddown(&hook_sem, host_now_ns() + 20000000000ull) == 0 &&
	    len) {
		*(char *)buf = 'r';
		return 1;
	}
	return 0;
}

static int hook_stat(struct file *f, struct vattr *va)
{
	(void)f;
	memset(va, 0, sizeof(*va));
	va->va_mode = VFS_IFCHR | 0600;
	return 0;
}

static const struct file_ops hook_ops = {
	.fo_read = hook_read,
	.fo_write = hook_write,
	.fo_stat = hook_stat,
};

static int hook_fd(void)
{
	struct file *f;
	int fd;

	hook_len = 0;
	hook_calls = 0;
	hook_flush_all = hook_fail = false;
	assert_int_equal(file_alloc(&hook_ops, FILE_RDWR, NULL, &f), 0);
	fd = fd_install(f, 3, false);
	assert_true(fd >= 3);
	return fd;
}

/* --- 1. freopen --- */

static void test_freopen_same_object(void **state)
{
	char buf[64];
	MFILE *f;
	int fd;

	(void)state;
	f = mosaic_fopen("/tmp/a", "w");
	assert_non_null(f);
	fd = mosaic_fileno(f);
	assert_int_equal(mosaic_fputs("first", f), 0);
	/* Review finding: f was freed and another object returned. */
	assert_ptr_equal(mosaic_freopen("/tmp/b", "w", f), f);
	assert_int_equal(mosaic_fileno(f), fd);
	assert_int_equal(mosaic_fputs("second", f), 0);
	assert_int_equal(mosaic_fclose(f), 0);
	assert_int_equal(slurp("/tmp/a", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "first");
	assert_int_equal(slurp("/tmp/b", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "second");
	/* Reading, then reopened read-only elsewhere: a fresh state. */
	f = mosaic_fopen("/tmp/a", "r");
	assert_non_null(f);
	assert_int_equal(mosaic_fgetc(f), 'f');
	assert_ptr_equal(mosaic_freopen("/tmp/b", "r", f), f);
	assert_non_null(mosaic_fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "second");
	/* POSIX: the old file is closed even when the new one cannot be
	 * opened; the object stays valid for fclose(). */
	errno = 0;
	assert_null(mosaic_freopen("/nope/c", "r", f));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(mosaic_fcntl(fd, F_GETFD), -1);
	assert_int_equal(mosaic_fgetc(f), EOF);
	assert_true(mosaic_ferror(f));
	assert_int_equal(mosaic_fclose(f), EOF);
	assert_int_equal(con_len, 0);
}

static void test_freopen_stdout(void **state)
{
	char buf[64];

	(void)state;
	assert_ptr_equal(mosaic_freopen("/tmp/out", "w", mosaic_stdout),
			 mosaic_stdout);
	assert_int_equal(mosaic_fileno(mosaic_stdout), 1);
	assert_int_equal(mosaic_printf("to the file %d\n", 42), 15);
	assert_int_equal(slurp("/tmp/out", buf, sizeof(buf)), 15);
	assert_string_equal(buf, "to the file 42\n");
	assert_int_equal(con_len, 0);
	/* "a" appends; stdin can be reopened too. */
	assert_ptr_equal(mosaic_freopen("/tmp/out", "a", mosaic_stdout),
			 mosaic_stdout);
	assert_int_equal(mosaic_puts("more"), 0);
	assert_ptr_equal(mosaic_freopen("/tmp/out", "r", mosaic_stdin),
			 mosaic_stdin);
	assert_int_equal(mosaic_fileno(mosaic_stdin), 0);
	assert_non_null(mosaic_fgets(buf, sizeof(buf), mosaic_stdin));
	assert_string_equal(buf, "to the file 42\n");
	assert_non_null(mosaic_fgets(buf, sizeof(buf), mosaic_stdin));
	assert_string_equal(buf, "more\n");
	assert_int_equal(con_len, 0);
}

/* --- 2. setvbuf --- */

static void test_setvbuf_caller_buffer(void **state)
{
	static char mine[64];
	struct stat st;
	char buf[64];
	MFILE *f;

	(void)state;
	f = mosaic_fopen("/tmp/v", "w");
	assert_non_null(f);
	assert_int_equal(mosaic_setvbuf(f, mine, _IOFBF, sizeof(mine)), 0);
	assert_int_equal(mosaic_fputs("abc", f), 0);
	assert_memory_equal(mine, "abc", 3);
	assert_int_equal(mosaic_stat("/tmp/v", &st), 0);
	assert_int_equal(st.st_size, 0);
	/* Review finding: fclose freed the caller's buffer (ASan). */
	assert_int_equal(mosaic_fclose(f), 0);
	assert_int_equal(slurp("/tmp/v", buf, sizeof(buf)), 3);
	/* Unbuffered, then line buffered with a buffer of stdio's own. */
	f = mosaic_fopen("/tmp/v", "w");
	assert_non_null(f);
	assert_int_equal(mosaic_setvbuf(f, NULL, _IONBF, 0), 0);
	assert_int_equal(mosaic_fputs("x", f), 0);
	assert_int_equal(slurp("/tmp/v", buf, sizeof(buf)), 1);
	assert_int_equal(mosaic_setvbuf(f, mine, _IOLBF, sizeof(mine)), 0);
	assert_int_equal(mosaic_fputs("yz", f), 0);
	assert_int_equal(slurp("/tmp/v", buf, sizeof(buf)), 1);
	assert_int_equal(mosaic_fputs("\n", f), 0);
	assert_int_equal(slurp("/tmp/v", buf, sizeof(buf)), 4);
	assert_int_equal(mosaic_setvbuf(f, NULL, 7, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mosaic_fclose(f), 0);
	/* stderr, unbuffered, gets a buffer when asked to buffer. */
	assert_int_equal(mosaic_setvbuf(mosaic_stderr, NULL, _IOLBF, 0), 0);
	assert_int_equal(mosaic_fputs("err", mosaic_stderr), 0);
	assert_int_equal(con_len, 0);
	assert_int_equal(mosaic_fputs("\n", mosaic_stderr), 0);
	assert_true(con_is("err\n"));
	assert_int_equal(mosaic_setvbuf(mosaic_stderr, NULL, _IONBF, 0), 0);
}

/* --- 3. the flush on the way out --- */

static void test_flush_all_inside_stdio(void **state)
{
	char buf[64];
	MFILE *h, *f;
	int fd;

	(void)state;
	fd = hook_fd();
	h = mosaic_fdopen(fd, "w");
	f = mosaic_fopen("/tmp/pending", "w");
	assert_non_null(h);
	assert_non_null(f);
	assert_int_equal(mosaic_fputs("file data", f), 0);
	assert_int_equal(mosaic_fputs("con", mosaic_stdout), 0);
	/* An "assertion" inside h's write: the flush must skip h, whose
	 * lock this task holds (review finding: it self-deadlocked), and
	 * still flush the others. */
	hook_flush_all = true;
	assert_int_equal(mosaic_fputs("hook data", h), 0);
	assert_int_equal(mosaic_fflush(h), 0);
	assert_int_equal(hook_calls, 1);
	assert_int_equal(hook_len, 9);
	assert_memory_equal(hook_out, "hook data", 9);
	assert_int_equal(slurp("/tmp/pending", buf, sizeof(buf)), 9);
	assert_true(con_is("con"));
	/* Again from fflush(NULL), which holds the stream list: the
	 * nested flush must not take it again. */
	assert_int_equal(mosaic_fputs("more", h), 0);
	assert_int_equal(mosaic_fputs(" and more", f), 0);
	assert_int_equal(mosaic_fflush(NULL), 0);
	assert_int_equal(hook_len, 13);
	assert_int_equal(slurp("/tmp/pending", buf, sizeof(buf)), 18);
	/* Inside the VFS (an assertion in a filesystem): file streams
	 * would take the VFS lock again and are left; the console is not. */
	assert_int_equal(mosaic_fputs("!", f), 0);
	assert_int_equal(mosaic_fputs("!", mosaic_stdout), 0);
	vfs_lock();
	libc_stdio_flush_all();
	vfs_unlock();
	assert_true(con_is("con!"));
	assert_int_equal(slurp("/tmp/pending", buf, sizeof(buf)), 18);
	hook_flush_all = false;
	assert_int_equal(mosaic_fclose(f), 0);
	assert_int_equal(slurp("/tmp/pending", buf, sizeof(buf)), 19);
	assert_int_equal(mosaic_fclose(h), 0);
}

static MFILE *blocked_stream;

static int blocked_reader(void *arg)
{
	(void)arg;
	/* Holds the stream's lock while its read blocks. */
	(void)mosaic_fgetc(blocked_stream);
	__atomic_store_n(&hook_reader_done, true, __ATOMIC_RELEASE);
	return 0;
}

static void test_flush_all_blocked_reader(void **state)
{
	struct fake_task *t;
	char buf[16];
	MFILE *f;

	(void)state;
	blocked_stream = mosaic_fdopen(hook_fd(), "r");
	f = mosaic_fopen("/tmp/w", "w");
	assert_non_null(blocked_stream);
	assert_non_null(f);
	assert_int_equal(mosaic_fputs("w", f), 0);
	__atomic_store_n(&hook_reader_done, false, __ATOMIC_RELAXED);
	t = fake_task_start(blocked_reader, NULL);
	assert_true(fake_wait_sleepers(1));
	/* exit() must not wait for a reader that may never come back; the
	 * other streams are flushed all the same. */
	libc_stdio_flush_all();
	assert_false(__atomic_load_n(&hook_reader_done, __ATOMIC_ACQUIRE));
	assert_int_equal(slurp("/tmp/w", buf, sizeof(buf)), 1);
	sem_up(&hook_sem);
	assert_int_equal(fake_task_join(t), 0);
	assert_true(hook_reader_done);
	assert_int_equal(mosaic_fclose(blocked_stream), 0);
	assert_int_equal(mosaic_fclose(f), 0);
}

static bool churn_stop; /* [a] */

static int flusher(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&churn_stop, __ATOMIC_ACQUIRE))
		(void)mosaic_fflush(NULL);
	return 0;
}

/* Review finding: the walk took the list head under the lock and went
 * on without it, while fclose() freed streams (ASan sees it). */
static void test_flush_all_races_fclose(void **state)
{
	struct fake_task *t;
	MFILE *f[4];

	(void)state;
	__atomic_store_n(&churn_stop, false, __ATOMIC_RELAXED);
	t = fake_task_start(flusher, NULL);
	for (int i = 0; i < 2000; i++) {
		for (int j = 0; j < 4; j++) {
			f[j] = mosaic_fopen("/tmp/churn", "w");
			assert_non_null(f[j]);
			assert_int_equal(mosaic_fputs("x", f[j]), 0);
		}
		for (int j = 0; j < 4; j++)
			assert_int_equal(mosaic_fclose(f[j]), 0);
	}
	__atomic_store_n(&churn_stop, true, __ATOMIC_RELEASE);
	assert_int_equal(fake_task_join(t), 0);
}

/* --- 5. the standard streams go through descriptors 0-2 --- */

static void test_dup2_redirects_stdio(void **state)
{
	char buf[64];
	int fd, saved;

	(void)state;
	assert_int_equal(mosaic_printf("console %d\n", 1), 10);
	assert_true(con_is("console 1\n"));
	saved = mosaic_dup(1);
	fd = mosaic_open("/tmp/o", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 3);
	/* Review finding: stdout kept writing to the console. */
	assert_int_equal(mosaic_dup2(fd, 1), 1);
	assert_int_equal(mosaic_printf("file %d\n", 2), 7);
	assert_int_equal(mosaic_dprintf(1, "dprintf\n"), 8);
	assert_int_equal(mosaic_dup2(fd, 2), 2);
	assert_int_equal(mosaic_fputs("stderr\n", mosaic_stderr), 0);
	assert_int_equal(slurp("/tmp/o", buf, sizeof(buf)), 22);
	assert_string_equal(buf, "file 2\ndprintf\nstderr\n");
	assert_true(con_is("console 1\n"));
	/* Back to the console. */
	assert_int_equal(mosaic_dup2(saved, 1), 1);
	assert_int_equal(mosaic_puts("back"), 0);
	assert_true(con_is("console 1\nback\n"));
	/* No descriptor 1: stdout fails as on Linux. */
	assert_int_equal(mosaic_close(1), 0);
	assert_int_equal(mosaic_printf("lost\n"), -1);
	assert_int_equal(errno, EBADF);
	assert_true(mosaic_ferror(mosaic_stdout));
	mosaic_clearerr(mosaic_stdout);
	assert_int_equal(mosaic_dup2(saved, 1), 1);
	/* stdin reads descriptor 0. */
	put_file("/tmp/in", "line one\n");
	fd = mosaic_open("/tmp/in", O_RDONLY);
	assert_int_equal(mosaic_dup2(fd, 0), 0);
	assert_non_null(mosaic_fgets(buf, sizeof(buf), mosaic_stdin));
	assert_string_equal(buf, "line one\n");
	assert_int_equal(mosaic_fgetc(mosaic_stdin), EOF);
	assert_true(con_is("console 1\nback\n"));
}

/* --- 6. getcwd --- */

static void test_getcwd(void **state)
{
	char buf[16], *p;

	(void)state;
	assert_int_equal(mosaic_mkdir("/tmp/dir", 0755), 0);
	assert_int_equal(mosaic_chdir("/tmp/dir"), 0);
	/* glibc: a NULL buffer is allocated, as long as needed. */
	p = mosaic_getcwd(NULL, 0);
	assert_non_null(p);
	assert_string_equal(p, "/tmp/dir");
	free(p);
	p = mosaic_getcwd(NULL, 64);
	assert_non_null(p);
	assert_string_equal(p, "/tmp/dir");
	free(p);
	errno = 0;
	assert_null(mosaic_getcwd(NULL, 4));
	assert_int_equal(errno, ERANGE);
	errno = 0;
	assert_null(mosaic_getcwd(buf, 8));
	assert_int_equal(errno, ERANGE);
	assert_ptr_equal(mosaic_getcwd(buf, 9), buf);
	assert_string_equal(buf, "/tmp/dir");
	errno = 0;
	assert_null(mosaic_getcwd(buf, 0));
	assert_int_equal(errno, EINVAL);
}

/* --- 7 and the open() flags --- */

static int open_errno(const char *path, int flags)
{
	errno = 0;
	if (mosaic_open(path, flags, 0644) != -1)
		return 0;
	return errno;
}

static void test_open_flags(void **state)
{
	struct stat st;
	int fd;

	(void)state;
	/* Review finding: O_CREAT on an existing directory opened it. */
	assert_int_equal(open_errno("/tmp", O_RDONLY | O_CREAT), EISDIR);
	assert_int_equal(open_errno("/tmp", O_WRONLY), EISDIR);
	assert_int_equal(open_errno("/tmp", O_RDWR), EISDIR);
	assert_int_equal(open_errno("/tmp", O_RDONLY | O_TRUNC), EISDIR);
	assert_int_equal(open_errno("/tmp/new/", O_WRONLY | O_CREAT), EISDIR);
	assert_int_equal(open_errno(".", O_RDONLY | O_CREAT), EISDIR);
	fd = mosaic_open("/tmp", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(mosaic_close(fd), 0);
	put_file("/tmp/f", "content");
	assert_int_equal(open_errno("/tmp/f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	assert_int_equal(open_errno("/tmp/f/", O_RDONLY), ENOTDIR);
	assert_int_equal(open_errno("/tmp/f", O_ACCMODE), EINVAL);
	assert_int_equal(open_errno("/tmp", O_RDONLY | O_CREAT | O_DIRECTORY),
			 EINVAL);
	/* Linux's O_PATH and O_TMPFILE are refused, not ignored. */
	assert_int_equal(open_errno("/tmp/f", O_RDONLY | 010000000), EINVAL);
	assert_int_equal(open_errno("/tmp", O_RDWR | 020200000), EINVAL);
	/* O_NOFOLLOW: ELOOP on a symlink, with O_CREAT too. */
	assert_int_equal(mosaic_symlink("f", "/tmp/l"), 0);
	assert_int_equal(open_errno("/tmp/l", O_RDONLY | O_NOFOLLOW), ELOOP);
	assert_int_equal(open_errno("/tmp/l", O_WRONLY | O_CREAT | O_NOFOLLOW),
			 ELOOP);
	/* O_TRUNC truncates even read-only (Linux). */
	fd = mosaic_open("/tmp/l", O_RDONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(mosaic_fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(mosaic_write(fd, "x", 1), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(mosaic_close(fd), 0);
	assert_int_equal(open_errno("/nope/x", O_RDONLY), ENOENT);
	assert_int_equal(open_errno("", O_RDONLY), ENOENT);
}

/* --- 8. fflush on input, fflush(NULL) --- */

static void test_fflush_input(void **state)
{
	char buf[32];
	MFILE *f, *g;
	int fd, wfd;

	(void)state;
	put_file("/tmp/in", "0123456789");
	f = mosaic_fopen("/tmp/in", "r");
	assert_non_null(f);
	fd = mosaic_fileno(f);
	assert_int_equal(mosaic_fgetc(f), '0');
	assert_int_equal(mosaic_lseek(fd, 0, SEEK_CUR), 10); /* read ahead */
	/* glibc: the read-ahead is given back, the descriptor moves back to
	 * the stream's position (review finding: fflush ignored input). */
	assert_int_equal(mosaic_fflush(f), 0);
	assert_int_equal(mosaic_lseek(fd, 0, SEEK_CUR), 1);
	wfd = mosaic_open("/tmp/in", O_WRONLY);
	assert_int_equal(mosaic_pwrite(wfd, "AB", 2, 1), 2);
	assert_int_equal(mosaic_fgetc(f), 'A');
	assert_int_equal(mosaic_ungetc('z', f), 'z');
	assert_int_equal(mosaic_fflush(f), 0);
	assert_int_equal(mosaic_lseek(fd, 0, SEEK_CUR), 1);
	assert_int_equal(mosaic_fgetc(f), 'A');
	assert_int_equal(mosaic_ftell(f), 2);
	assert_int_equal(mosaic_close(wfd), 0);
	assert_int_equal(mosaic_fclose(f), 0);
	/* fflush(NULL): every output stream, the standard ones too. */
	f = mosaic_fopen("/tmp/x", "w");
	g = mosaic_fopen("/tmp/y", "w+");
	assert_int_equal(mosaic_fputs("xx", f), 0);
	assert_int_equal(mosaic_fputs("yyy", g), 0);
	assert_int_equal(mosaic_fputs("partial", mosaic_stdout), 0);
	assert_int_equal(con_len, 0);
	assert_int_equal(mosaic_fflush(NULL), 0);
	assert_int_equal(slurp("/tmp/x", buf, sizeof(buf)), 2);
	assert_int_equal(slurp("/tmp/y", buf, sizeof(buf)), 3);
	assert_true(con_is("partial"));
	assert_int_equal(mosaic_fclose(f), 0);
	assert_int_equal(mosaic_fclose(g), 0);
	/* ... and says when one failed. */
	f = mosaic_fdopen(hook_fd(), "w");
	assert_int_equal(mosaic_fputs("fails", f), 0);
	hook_fail = true;
	assert_int_equal(mosaic_fflush(NULL), EOF);
	assert_true(mosaic_ferror(f));
	hook_fail = false;
	assert_int_equal(mosaic_fclose(f), 0);
}

/* --- 9. ftell with appends --- */

static void test_ftell_append(void **state)
{
	char buf[32];
	MFILE *f;
	int fd;

	(void)state;
	put_file("/tmp/a", "12345");
	f = mosaic_fopen("/tmp/a", "a");
	assert_non_null(f);
	assert_int_equal(mosaic_ftell(f), 5);
	assert_int_equal(mosaic_fputs("ab", f), 0);
	assert_int_equal(mosaic_ftell(f), 7);
	/* Another writer appends meanwhile: the buffer goes after it
	 * (review finding: ftell counted from the last write's offset). */
	fd = mosaic_open("/tmp/a", O_WRONLY | O_APPEND);
	assert_int_equal(mosaic_write(fd, "XYZ", 3), 3);
	assert_int_equal(mosaic_close(fd), 0);
	assert_int_equal(mosaic_ftell(f), 10);
	assert_int_equal(mosaic_fclose(f), 0);
	assert_int_equal(slurp("/tmp/a", buf, sizeof(buf)), 10);
	assert_string_equal(buf, "12345XYZab");
	/* "a+" reads from the start and appends. */
	f = mosaic_fopen("/tmp/a", "a+");
	assert_int_equal(mosaic_ftell(f), 0);
	assert_int_equal(mosaic_fgetc(f), '1');
	assert_int_equal(mosaic_fseek(f, 0, SEEK_CUR), 0);
	assert_int_equal(mosaic_fputs("!", f), 0);
	assert_int_equal(mosaic_ftell(f), 11);
	assert_int_equal(mosaic_fclose(f), 0);
	assert_int_equal(slurp("/tmp/a", buf, sizeof(buf)), 11);
	assert_string_equal(buf, "12345XYZab!");
	/* A plain "w" stream counts from its offset. */
	f = mosaic_fopen("/tmp/a", "r+");
	assert_int_equal(mosaic_fseek(f, 3, SEEK_SET), 0);
	assert_int_equal(mosaic_fputs("__", f), 0);
	assert_int_equal(mosaic_ftell(f), 5);
	assert_int_equal(mosaic_fclose(f), 0);
	assert_int_equal(slurp("/tmp/a", buf, sizeof(buf)), 11);
	assert_string_equal(buf, "123__XYZab!");
	/* The console cannot tell. */
	assert_int_equal(mosaic_ftell(mosaic_stdout), -1);
	assert_int_equal(errno, ESPIPE);
}

/* --- 10. O_CREAT through symlinks --- */

static void test_create_through_symlink(void **state)
{
	MFILE *f;
	int fd;

	(void)state;
	assert_int_equal(mosaic_symlink("/tmp/target", "/tmp/link"), 0);
	/* O_EXCL: the link holds the name. */
	assert_int_equal(open_errno("/tmp/link", O_WRONLY | O_CREAT | O_EXCL),
			 EEXIST);
	assert_int_equal(open_errno("/tmp/target", O_RDONLY), ENOENT);
	/* Review finding: a dangling link gave ENOENT; Linux creates. */
	fd = mosaic_open("/tmp/link", O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(mosaic_write(fd, "t", 1), 1);
	assert_int_equal(mosaic_close(fd), 0);
	assert_int_equal(mode_of("/tmp/target"), S_IFREG | 0600);
	assert_int_equal(mosaic_symlink("sub/new", "/tmp/rel"), 0);
	assert_int_equal(open_errno("/tmp/rel", O_WRONLY | O_CREAT), ENOENT);
	assert_int_equal(mosaic_mkdir("/tmp/sub", 0755), 0);
	f = mosaic_fopen("/tmp/rel", "w");
	assert_non_null(f);
	assert_int_equal(mosaic_fclose(f), 0);
	assert_int_equal(mode_of("/tmp/sub/new"), S_IFREG | 0644);
}

/* --- 11. umask, chmod, access --- */

static void test_permissions(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(mosaic_umask(022), 022);
	fd = mosaic_open("/tmp/f", O_WRONLY | O_CREAT, 0666);
	assert_true(fd >= 0);
	assert_int_equal(mode_of("/tmp/f"), S_IFREG | 0644);
	assert_int_equal(mosaic_umask(077), 022);
	assert_int_equal(mosaic_mkdir("/tmp/d", 0777), 0);
	assert_int_equal(mode_of("/tmp/d"), S_IFDIR | 0700);
	assert_int_equal(mosaic_close(mosaic_creat("/tmp/c", 04666)), 0);
	assert_int_equal(mode_of("/tmp/c"), S_IFREG | 04600);
	assert_int_equal(mosaic_umask(0), 077);
	/* Stored bits; root needs an x bit to execute, nothing to read or
	 * write. */
	assert_int_equal(mosaic_access("/tmp/f", R_OK | W_OK), 0);
	assert_int_equal(mosaic_access("/tmp/f", X_OK), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(mosaic_chmod("/tmp/f", 0751), 0);
	assert_int_equal(mode_of("/tmp/f"), S_IFREG | 0751);
	assert_int_equal(mosaic_access("/tmp/f", X_OK), 0);
	assert_int_equal(mosaic_fchmod(fd, 0600), 0);
	assert_int_equal(mode_of("/tmp/f"), S_IFREG | 0600);
	assert_int_equal(mosaic_close(fd), 0);
	assert_int_equal(mosaic_access("/tmp/d", X_OK), 0);
	assert_int_equal(mosaic_access("/tmp/none", F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(mosaic_access("/tmp/f", 8), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mosaic_faccessat(AT_FDCWD, "/tmp/f", R_OK, AT_EACCESS),
			 0);
	assert_int_equal(mosaic_symlink("f", "/tmp/l"), 0);
	assert_int_equal(
		mosaic_fchmodat(AT_FDCWD, "/tmp/l", 0644, AT_SYMLINK_NOFOLLOW),
		-1);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(mosaic_fchmodat(AT_FDCWD, "/tmp/l", 0640, 0), 0);
	assert_int_equal(mode_of("/tmp/f"), S_IFREG | 0640);
	assert_int_equal(mosaic_fchmod(1, 0600), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mosaic_chmod("/tmp/none", 0600), -1);
	assert_int_equal(errno, ENOENT);
}

/* --- the rest of issue #8's list --- */

static void test_sendfile(void **state)
{
	char buf[32];
	off_t off = 2;
	int in, out, ro;

	(void)state;
	put_file("/tmp/src", "0123456789");
	in = mosaic_open("/tmp/src", O_RDONLY);
	out = mosaic_open("/tmp/dst", O_WRONLY | O_CREAT, 0644);
	assert_int_equal(libc_sendfile_copy(out, in, &off, 5), 5);
	assert_int_equal(off, 7);
	assert_int_equal(mosaic_lseek(in, 0, SEEK_CUR), 0);
	assert_int_equal(libc_sendfile_copy(out, in, NULL, 100), 10);
	assert_int_equal(slurp("/tmp/dst", buf, sizeof(buf)), 15);
	assert_string_equal(buf, "234560123456789");
	/* A failing write is an error, and in's offset does not move
	 * (review finding: 0 was returned). */
	ro = mosaic_open("/tmp/dst", O_RDONLY);
	assert_int_equal(mosaic_lseek(in, 3, SEEK_SET), 3);
	assert_int_equal(libc_sendfile_copy(ro, in, NULL, 4), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(mosaic_lseek(in, 0, SEEK_CUR), 3);
	assert_int_equal(mosaic_close(ro), 0);
	assert_int_equal(mosaic_close(in), 0);
	assert_int_equal(mosaic_close(out), 0);
}

static void test_descriptor_calls(void **state)
{
	char a[4], b[8], buf[32];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct iovec wv[3] = { { "ab", 2 }, { "", 0 }, { "cdefghij", 8 } };
	struct stat st;
	int fd, dfd, fd2;

	(void)state;
	fd = mosaic_open("/tmp/v", O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(mosaic_writev(fd, wv, 3), 10);
	assert_int_equal(mosaic_lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(mosaic_readv(fd, iov, 2), 10);
	assert_memory_equal(a, "abcd", 4);
	assert_memory_equal(b, "efghij", 6);
	assert_int_equal(mosaic_readv(fd, iov, -1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mosaic_pread(fd, buf, 3, 7), 3);
	assert_memory_equal(buf, "hij", 3);
	assert_int_equal(mosaic_ftruncate(fd, 4), 0);
	assert_int_equal(mosaic_fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 4);
	/* dup3: O_CLOEXEC only, never onto itself. */
	assert_int_equal(mosaic_dup3(fd, 9, O_CLOEXEC), 9);
	assert_int_equal(mosaic_fcntl(9, F_GETFD), FD_CLOEXEC);
	assert_int_equal(mosaic_dup3(fd, fd, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mosaic_dup3(fd, 10, O_APPEND), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mosaic_dup2(fd, fd), fd);
	assert_int_equal(mosaic_dup2(99, 5), -1);
	assert_int_equal(errno, EBADF);
	/* openat/fstatat relative to a directory descriptor. */
	assert_int_equal(mosaic_mkdir("/tmp/d", 0755), 0);
	dfd = mosaic_open("/tmp/d", O_RDONLY | O_DIRECTORY);
	fd2 = mosaic_openat(dfd, "g", O_WRONLY | O_CREAT, 0600);
	assert_true(fd2 >= 0);
	assert_int_equal(mosaic_fstatat(dfd, "g", &st, 0), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	assert_int_equal(mosaic_symlink("g", "/tmp/d/s"), 0);
	assert_int_equal(mosaic_fstatat(dfd, "s", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(mosaic_fstatat(fd, "g", &st, 0), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(mosaic_fstatat(dfd, "g", &st, 0x1000), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mosaic_openat(55, "g", O_RDONLY), -1);
	assert_int_equal(errno, EBADF);
	assert_true(mosaic_isatty(1));
	assert_false(mosaic_isatty(fd));
	assert_int_equal(mosaic_lseek(1, 0, SEEK_CUR), -1);
	assert_int_equal(errno, ESPIPE);
	assert_int_equal(mosaic_close(fd2), 0);
	assert_int_equal(mosaic_close(dfd), 0);
	assert_int_equal(mosaic_close(9), 0);
	assert_int_equal(mosaic_close(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_freopen_same_object, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_freopen_stdout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_setvbuf_caller_buffer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_all_inside_stdio,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_all_blocked_reader,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_all_races_fclose,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dup2_redirects_stdio,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_getcwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_flags, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fflush_input, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ftell_append, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_through_symlink,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sendfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descriptor_calls, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
