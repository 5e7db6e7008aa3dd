/* SPDX-License-Identifier: MIT */
/*
 * FILE streams and the printf family, which formats with libc's engine
 * (printf.c, printf_float.c: C11 7.21.6.1, glibc's output); one printf
 * call is one critical section on its stream. Every stream, stdin,
 * stdout and stderr included, reads and writes through its descriptor
 * (file.c), so dup2() onto 0-2 and freopen() redirect the standard
 * streams as on Linux. Input: getc, ungetc, fgets, getline and the scanf
 * family (scanf.c's engine) read through file_source(). Streams from
 * fopen/fdopen have a BUFSIZ write buffer and a BUFSIZ read buffer;
 * stdout is line buffered, stdin and stderr unbuffered. Each stream is
 * locked by a mutex (its I/O may sleep): stdio is for tasks, not IRQ
 * handlers.
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <fs/fd.h>
#include <fs/vfs.h>
#include <kernel/sched.h>
#include <kernel/sync.h>
#include <kernel/time.h>
#include <fcntl.h>
#include <unistd.h>

#include "libc_impl.h"
#include "printf_impl.h"
#include "scanf_impl.h"

/* Locking: [L] f_lock, so a printf() from one task is never cut by
 * another's output; [O] open_lock; [I] immutable. */
struct mosaic_file {
	struct mutex f_lock;
	int f_fd; /* [L] the descriptor, or -1 after a failed freopen */
	int f_mode; /* [L] _IOFBF, _IOLBF or _IONBF */
	int f_error; /* [L] */
	int f_eof; /* [L] input: the end-of-file indicator */
	int f_unget; /* [L] input: a byte pushed back by ungetc(), or EOF */
	size_t f_len; /* [L] output bytes waiting in f_buf */
	size_t f_cap; /* [L] */
	char *f_buf; /* [L] output buffer, or NULL (unbuffered) */
	bool f_own_buf; /* [L] f_buf is stdio's to free, not the caller's */
	bool f_dyn; /* [I] from fopen/fdopen, freed by fclose */
	char *f_rbuf; /* [L] read buffer (BUFSIZ), or NULL: byte by byte */
	size_t f_rpos, f_rlen; /* [L] unread bytes: f_rbuf[f_rpos..f_rlen) */
	struct mosaic_file *f_next; /* [O] */
};

/* Lock order: open_lock, then a stream's f_lock. */
static struct mutex open_lock = MUTEX_INIT("stdio");
static struct mosaic_file *open_files; /* [O] */

static void flock(struct mosaic_file *f)
{
	mutex_lock(&f->f_lock);
}

static void funlock(struct mosaic_file *f)
{
	mutex_unlock(&f->f_lock);
}

static char stdout_buf[BUFSIZ];

static struct mosaic_file files[3] = {
	{ .f_lock = MUTEX_INIT("stdin"),
	  .f_fd = 0,
	  .f_mode = _IONBF,
	  .f_unget = EOF },
	{ .f_lock = MUTEX_INIT("stdout"),
	  .f_fd = 1,
	  .f_mode = _IOLBF,
	  .f_unget = EOF,
	  .f_cap = BUFSIZ,
	  .f_buf = stdout_buf },
	{ .f_lock = MUTEX_INIT("stderr"),
	  .f_fd = 2,
	  .f_mode = _IONBF,
	  .f_unget = EOF },
};

FILE *const stdin = &files[0];
FILE *const stdout = &files[1];
FILE *const stderr = &files[2];

static bool has_input(FILE *f)
{
	return f->f_rpos < f->f_rlen || f->f_unget != EOF;
}

/* Gives back the input the stream holds (read buffer, pushed-back byte)
 * by moving the descriptor back to the stream's position. A descriptor
 * that cannot seek keeps it, still to be read (glibc does the same).
 * Caller holds f->f_lock. 0, or EOF with errno. */
static int drop_input_locked(FILE *f)
{
	off_t back = (off_t)(f->f_rlen - f->f_rpos) + (f->f_unget != EOF);
	off_t rc;

	if (!back) {
		f->f_rpos = f->f_rlen = 0;
		return 0;
	}
	rc = libc_fd_seek(f->f_fd, -back, SEEK_CUR);
	if (rc == -ESPIPE)
		return 0;
	f->f_rpos = f->f_rlen = 0;
	f->f_unget = EOF;
	if (rc < 0) {
		f->f_error = 1;
		errno = (int)-rc;
		return EOF;
	}
	return 0;
}

/* Writes len bytes to the descriptor. Caller holds f->f_lock. */
static int file_sink(FILE *f, const char *s, size_t len)
{
	ssize_t n;

	/* Reading and writing share the descriptor's offset. */
	if (has_input(f) && drop_input_locked(f))
		return EOF;
	while (len) {
		n = libc_fd_write(f->f_fd, s, len);
		if (n <= 0) {
			f->f_error = 1;
			errno = n < 0 ? (int)-n : EIO;
			return EOF;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int flush_locked(FILE *f)
{
	int rc = 0;

	if (f->f_len)
		rc = file_sink(f, f->f_buf, f->f_len);
	f->f_len = 0;
	return rc;
}

/*
 * Flushing every stream. exit(), abort(), assert() and fatal signals
 * flush on their way out, and may be running inside a stdio call of the
 * same task (an assertion or fault under a stream's lock, or under a
 * lock the stream's descriptor takes): waiting for such a lock would
 * deadlock, so the stream is skipped (its buffer may be half-updated
 * anyway). Another task holds a stream for one call at a time, but that
 * call may block for good (a reader on a socket): the way out waits at
 * most FLUSH_WAIT_NS in all for such streams, then leaves their output
 * behind. fflush(NULL) waits as long as it takes, but for the streams
 * it would deadlock on.
 */
#define FLUSH_WAIT_NS 1000000000ull

/* One flush of every stream: bounded (the way out) or not. */
struct flush_run {
	bool fr_bounded;
	uint64_t fr_deadline_ns; /* set at the first stream found busy */
};

/* True when writing to fd would take a lock the caller holds: the
 * file's own, or the VFS lock for a file in the VFS. */
static bool fd_held_by_me(int fd)
{
	struct file *fp;
	bool held;

	if (fd_get(fd, &fp))
		return false;
	held = mutex_is_owned(&fp->f_lock) || (fp->f_vn && vfs_lock_held());
	file_put(fp);
	return held;
}

/* Takes m unless the caller owns it, or (bounded run) the run's time
 * is up. */
static bool lock_unless_mine(struct mutex *m, struct flush_run *run)
{
	for (;;) {
		if (mutex_trylock(m))
			return true;
		if (mutex_is_owned(m))
			return false;
		if (!run->fr_bounded) {
			mutex_lock(m);
			return true;
		}
		if (!run->fr_deadline_ns)
			run->fr_deadline_ns = time_ns() + FLUSH_WAIT_NS;
		else if (time_ns() >= run->fr_deadline_ns)
			return false;
		sched_yield_cpu();
	}
}

/* Flushes f's output unless that could deadlock (see above). */
static int flush_unless_mine(FILE *f, struct flush_run *run)
{
	int rc = 0;

	if (!lock_unless_mine(&f->f_lock, run))
		return 0;
	if (f->f_len && !fd_held_by_me(f->f_fd))
		rc = flush_locked(f);
	funlock(f);
	return rc;
}

static int flush_all(bool bounded)
{
	struct flush_run run = { bounded, 0 };
	struct mosaic_file *f;
	int rc = 0;

	for (int i = 0; i < 3; i++)
		rc |= flush_unless_mine(&files[i], &run);
	/* The list lock is held across the walk: fclose() unlinks a
	 * stream under it before freeing it. */
	if (!lock_unless_mine(&open_lock, &run))
		return rc ? EOF : 0;
	for (f = open_files; f; f = f->f_next)
		rc |= flush_unless_mine(f, &run);
	mutex_unlock(&open_lock);
	return rc ? EOF : 0;
}

void libc_stdio_flush_all(void)
{
	(void)flush_all(true);
}

void libc_stdio_flush_std(void)
{
	struct flush_run run = { false, 0 };

	(void)flush_unless_mine(stdout, &run);
	(void)flush_unless_mine(stderr, &run);
}

int fflush(FILE *f)
{
	int rc;

	if (!f)
		return flush_all(false);
	flock(f);
	rc = flush_locked(f);
	/* An input stream gives back what it read ahead (glibc). */
	if (!rc)
		rc = drop_input_locked(f);
	funlock(f);
	return rc;
}

/* Caller holds f->f_lock. */
static int put_locked(FILE *f, const char *s, size_t len)
{
	if (f->f_mode == _IONBF || !f->f_buf)
		return file_sink(f, s, len);
	while (len) {
		size_t n = f->f_cap - f->f_len;

		if (n > len)
			n = len;
		memcpy(f->f_buf + f->f_len, s, n);
		f->f_len += n;
		s += n;
		len -= n;
		if (f->f_len == f->f_cap && flush_locked(f))
			return EOF;
	}
	if (f->f_mode == _IOLBF && f->f_len && memchr(f->f_buf, '\n', f->f_len))
		return flush_locked(f);
	return 0;
}

static int stream_put(FILE *f, const char *s, size_t len)
{
	int rc;

	flock(f);
	rc = put_locked(f, s, len);
	funlock(f);
	return rc;
}

size_t fwrite(const void *buf, size_t size, size_t n, FILE *f)
{
	if (!size || !n)
		return 0;
	return stream_put(f, buf, size * n) ? 0 : n;
}

int fputc(int c, FILE *f)
{
	char ch = (char)c;

	return stream_put(f, &ch, 1) ? EOF : (unsigned char)c;
}

int putc(int c, FILE *f)
{
	return fputc(c, f);
}

int putchar(int c)
{
	return fputc(c, stdout);
}

int fputs(const char *s, FILE *f)
{
	return stream_put(f, s, strlen(s)) ? EOF : 0;
}

int puts(const char *s)
{
	int rc;

	flock(stdout);
	rc = put_locked(stdout, s, strlen(s));
	if (!rc)
		rc = put_locked(stdout, "\n", 1);
	funlock(stdout);
	return rc ? EOF : 0;
}

int ferror(FILE *f)
{
	return f->f_error;
}

void clearerr(FILE *f)
{
	f->f_error = 0;
	f->f_eof = 0;
}

int setvbuf(FILE *f, char *buf, int mode, size_t size)
{
	int rc;

	if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF) {
		errno = EINVAL;
		return -1;
	}
	flock(f);
	rc = flush_locked(f);
	f->f_mode = mode;
	if (buf && size) {
		/* The caller's buffer stays the caller's: never freed here
		 * (review finding: fclose freed it). */
		if (f->f_own_buf)
			free(f->f_buf);
		f->f_buf = buf;
		f->f_cap = size;
		f->f_own_buf = false;
	} else if (mode != _IONBF && !f->f_buf) {
		f->f_buf = malloc(BUFSIZ);
		f->f_cap = f->f_buf ? BUFSIZ : 0;
		f->f_own_buf = f->f_buf != NULL;
	}
	funlock(f);
	return rc ? -1 : 0;
}

static void file_emit(void *ctx, const char *s, size_t len)
{
	put_locked(ctx, s, len);
}

/* The engine returns a negative errno; POSIX callers get -1 and errno. */
static int posix_ret(int n)
{
	if (n >= 0)
		return n;
	errno = -n;
	return -1;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	int n, had, failed;

	flock(f);
	had = f->f_error;
	f->f_error = 0;
	n = libc_vformat(file_emit, f, fmt, ap);
	failed = f->f_error;
	f->f_error |= had;
	funlock(f);
	if (failed && n >= 0)
		return -1; /* errno from the descriptor */
	if (had && n >= 0) {
		errno = EIO;
		return -1;
	}
	return posix_ret(n);
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return posix_ret(libc_vsnformat(buf, size, fmt, ap));
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vsprintf(char *buf, const char *fmt, va_list ap)
{
	/* No size: the caller promises room, as C says; the engine never
	 * forms an end pointer from it. */
	return vsnprintf(buf, (size_t)-1 >> 1, fmt, ap);
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}

/* vdprintf(): output gathered in a small buffer and handed to write();
 * the first error sticks. */
struct fd_sink {
	int fs_fd;
	int fs_errno;
	size_t fs_len;
	char fs_buf[256];
};

static void fd_sink_flush(struct fd_sink *o)
{
	size_t done = 0;

	while (done < o->fs_len && !o->fs_errno) {
		ssize_t n = write(o->fs_fd, o->fs_buf + done, o->fs_len - done);

		if (n < 0)
			o->fs_errno = errno;
		else
			done += (size_t)n;
	}
	o->fs_len = 0;
}

static void fd_emit(void *ctx, const char *s, size_t len)
{
	struct fd_sink *o = ctx;

	while (len && !o->fs_errno) {
		size_t k = sizeof(o->fs_buf) - o->fs_len;

		if (k > len)
			k = len;
		memcpy(o->fs_buf + o->fs_len, s, k);
		o->fs_len += k;
		s += k;
		len -= k;
		if (o->fs_len == sizeof(o->fs_buf))
			fd_sink_flush(o);
	}
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
	struct fd_sink o;
	int n;

	/* What the standard stream holds goes out first, wherever the
	 * descriptor leads. */
	if (fd == 1 || fd == 2)
		(void)fflush(fd == 1 ? stdout : stderr);
	o.fs_fd = fd;
	o.fs_errno = 0;
	o.fs_len = 0;
	n = libc_vformat(fd_emit, &o, fmt, ap);
	fd_sink_flush(&o);
	if (o.fs_errno) {
		errno = o.fs_errno;
		return -1;
	}
	return posix_ret(n);
}

int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vdprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

int vasprintf(char **strp, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	*strp = NULL;
	va_copy(aq, ap);
	n = libc_vsnformat(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return posix_ret(n);
	*strp = malloc((size_t)n + 1);
	if (!*strp)
		return -1; /* errno is ENOMEM */
	return posix_ret(libc_vsnformat(*strp, (size_t)n + 1, fmt, ap));
}

int asprintf(char **strp, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(strp, fmt, ap);
	va_end(ap);
	return n;
}

void perror(const char *s)
{
	int err = errno;

	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, strerror(err));
	else
		fprintf(stderr, "%s\n", strerror(err));
	errno = err;
}

/*
 * Input. Reads up to (len) bytes of (f)'s input into (buf); returns how
 * many, 0 at the end of the input (at once on the console's descriptor
 * 0, which has no input device yet), or -1 on an error (errno set).
 * Caller holds f->f_lock.
 */
static ssize_t file_source(FILE *f, void *buf, size_t len)
{
	ssize_t n;

	if (f->f_len && flush_locked(f))
		return -1;
	n = libc_fd_read(f->f_fd, buf, len);
	if (n < 0) {
		errno = (int)-n;
		return -1;
	}
	return n;
}

/* Caller holds f->f_lock. */
static int getc_locked(FILE *f)
{
	unsigned char c;
	ssize_t n;

	if (f->f_unget != EOF) {
		int u = f->f_unget;

		f->f_unget = EOF;
		return u;
	}
	if (f->f_eof)
		return EOF; /* sticky, as in C11 and glibc 2.28 on */
	if (f->f_rbuf) {
		if (f->f_rpos == f->f_rlen) {
			f->f_rpos = f->f_rlen = 0;
			n = file_source(f, f->f_rbuf, BUFSIZ);
			if (n > 0)
				f->f_rlen = (size_t)n;
		} else {
			n = 1;
		}
		if (n > 0)
			return (unsigned char)f->f_rbuf[f->f_rpos++];
		goto end;
	}
	n = file_source(f, &c, 1);
	if (n == 1)
		return c;
end:
	if (n == 0)
		f->f_eof = 1;
	else
		f->f_error = 1;
	return EOF;
}

/* Caller holds f->f_lock. */
static int ungetc_locked(int c, FILE *f)
{
	if (c == EOF || f->f_unget != EOF)
		return EOF;
	f->f_unget = (unsigned char)c;
	f->f_eof = 0;
	return (unsigned char)c;
}

int fgetc(FILE *f)
{
	int c;

	flock(f);
	c = getc_locked(f);
	funlock(f);
	return c;
}

int getc(FILE *f)
{
	return fgetc(f);
}

int getchar(void)
{
	return fgetc(stdin);
}

int ungetc(int c, FILE *f)
{
	flock(f);
	c = ungetc_locked(c, f);
	funlock(f);
	return c;
}

int feof(FILE *f)
{
	return f->f_eof;
}

char *fgets(char *s, int size, FILE *f)
{
	int i = 0, c = 0;

	if (size <= 0)
		return NULL;
	flock(f);
	while (i < size - 1 && (c = getc_locked(f)) != EOF) {
		s[i++] = (char)c;
		if (c == '\n')
			break;
	}
	funlock(f);
	if (!i || (c == EOF && ferror(f)))
		return NULL;
	s[i] = '\0';
	return s;
}

ssize_t getdelim(char **lineptr, size_t *n, int delim, FILE *f)
{
	size_t len = 0;
	int c;

	if (!lineptr || !n) {
		errno = EINVAL;
		return -1;
	}
	if (!*lineptr)
		*n = 0;
	flock(f);
	for (;;) {
		c = getc_locked(f);
		if (c == EOF)
			break;
		if (len + 2 > *n) {
			size_t cap = *n < 64 ? 128 : *n * 2;
			char *p = realloc(*lineptr, cap);

			if (!p) {
				f->f_error = 1;
				funlock(f);
				return -1; /* errno is ENOMEM */
			}
			*lineptr = p;
			*n = cap;
		}
		(*lineptr)[len++] = (char)c;
		if (c == delim)
			break;
	}
	funlock(f);
	if (!len) {
		/* POSIX: still a terminated (empty) buffer when possible. */
		if (*lineptr && *n)
			(*lineptr)[0] = '\0';
		return -1;
	}
	(*lineptr)[len] = '\0';
	return (ssize_t)len;
}

ssize_t getline(char **lineptr, size_t *n, FILE *f)
{
	return getdelim(lineptr, n, '\n', f);
}

static int scan_get(void *ctx)
{
	return getc_locked(ctx);
}

static void scan_unget(void *ctx, int c)
{
	ungetc_locked(c, ctx);
}

int vfscanf(FILE *f, const char *fmt, va_list ap)
{
	const struct libc_scan_src src = { scan_get, scan_unget, f };
	int n;

	flock(f);
	n = libc_vscan(&src, fmt, ap);
	funlock(f);
	return n;
}

int fscanf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfscanf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vscanf(const char *fmt, va_list ap)
{
	return vfscanf(stdin, fmt, ap);
}

int scanf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfscanf(stdin, fmt, ap);
	va_end(ap);
	return n;
}

/* --- Streams on files --- */

/* fopen() mode to open() flags; -1 for a bad mode. */
static int mode_flags(const char *mode)
{
	int flags;

	switch (mode[0]) {
	case 'r':
		flags = O_RDONLY;
		break;
	case 'w':
		flags = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case 'a':
		flags = O_WRONLY | O_CREAT | O_APPEND;
		break;
	default:
		return -1;
	}
	for (const char *p = mode + 1; *p; p++) {
		if (*p == '+')
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		else if (*p == 'x')
			flags |= O_EXCL;
		else if (*p == 'e')
			flags |= O_CLOEXEC;
	}
	return flags;
}

/* "a" (append, no reading) starts at the end, so that ftell() tells
 * where output goes, as glibc does. */
static void start_append(int fd, int flags)
{
	if ((flags & O_APPEND) && (flags & O_ACCMODE) == O_WRONLY)
		(void)libc_fd_seek(fd, 0, SEEK_END);
}

static FILE *stream_new(int fd, int flags)
{
	struct mosaic_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->f_buf = malloc(BUFSIZ);
	f->f_rbuf = malloc(BUFSIZ);
	if (!f->f_buf || !f->f_rbuf) {
		free(f->f_buf);
		free(f->f_rbuf);
		free(f);
		return NULL;
	}
	f->f_fd = fd;
	f->f_mode = _IOFBF;
	f->f_cap = BUFSIZ;
	f->f_own_buf = true;
	f->f_unget = EOF;
	f->f_dyn = true;
	f->f_lock = (struct mutex)MUTEX_INIT("FILE");
	start_append(fd, flags);
	mutex_lock(&open_lock);
	f->f_next = open_files;
	open_files = f;
	mutex_unlock(&open_lock);
	return f;
}

/* Takes f off the list, so that no flush finds it any more. */
static void stream_unlink(FILE *f)
{
	struct mosaic_file **pp;

	mutex_lock(&open_lock);
	for (pp = &open_files; *pp && *pp != f; pp = &(*pp)->f_next)
		;
	if (*pp)
		*pp = f->f_next;
	mutex_unlock(&open_lock);
}

static void stream_free(FILE *f)
{
	if (f->f_own_buf)
		free(f->f_buf);
	free(f->f_rbuf);
	free(f);
}

FILE *fopen(const char *path, const char *mode)
{
	int flags = mode_flags(mode), fd;
	FILE *f;

	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, flags, 0666);
	if (fd < 0)
		return NULL;
	f = stream_new(fd, flags);
	if (!f)
		close(fd);
	return f;
}

FILE *fdopen(int fd, const char *mode)
{
	int flags = mode_flags(mode);

	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (fd >= 0 && fd <= 2)
		return &files[fd];
	if (fcntl(fd, F_GETFD) < 0)
		return NULL; /* errno is EBADF */
	return stream_new(fd, flags);
}

int fileno(FILE *f)
{
	return f->f_fd;
}

int fclose(FILE *f)
{
	int rc;

	if (!f->f_dyn)
		return fflush(f) ? EOF : 0; /* the standard streams stay */
	stream_unlink(f);
	rc = fflush(f) ? EOF : 0;
	if (close(f->f_fd))
		rc = EOF;
	stream_free(f);
	return rc;
}

/* Points f at fd (or nothing, -1) with a fresh state. Caller holds
 * f->f_lock. */
static void stream_reset_locked(FILE *f, int fd)
{
	f->f_fd = fd;
	f->f_error = 0;
	f->f_eof = 0;
	f->f_unget = EOF;
	f->f_len = 0;
	f->f_rpos = f->f_rlen = 0;
}

/*
 * The same FILE object on another file: callers keep their pointer
 * (freopen(path, "w", stdout) is the usual use; review finding: f was
 * freed and a new object returned). As glibc does, the new file takes
 * over f's descriptor number, so stdout stays descriptor 1. POSIX: the
 * old file is closed even when the new one cannot be opened (then f
 * has no descriptor and its I/O fails with EBADF until fclose()).
 */
static void close_keep_errno(int fd)
{
	int err = errno;

	(void)close(fd);
	errno = err;
}

/* Moves the open file at fd to descriptor to (closing what was there);
 * to, or -1 with both closed. */
static int move_fd(int fd, int to, int cloexec)
{
	int rc = dup3(fd, to, cloexec);

	close_keep_errno(fd);
	if (rc < 0)
		close_keep_errno(to);
	return rc;
}

FILE *freopen(const char *path, const char *mode, FILE *f)
{
	int flags = mode_flags(mode), fd;

	if (flags < 0 || !path) {
		errno = EINVAL; /* no mode change of the open file */
		return NULL;
	}
	flock(f);
	(void)flush_locked(f); /* POSIX: a failure to flush is ignored */
	fd = open(path, flags, 0666);
	if (fd >= 0 && f->f_fd >= 0 && fd != f->f_fd)
		fd = move_fd(fd, f->f_fd, flags & O_CLOEXEC);
	else if (fd < 0 && f->f_fd >= 0)
		close_keep_errno(f->f_fd);
	stream_reset_locked(f, fd);
	if (fd >= 0)
		start_append(fd, flags);
	funlock(f);
	return fd >= 0 ? f : NULL;
}

FILE *tmpfile(void)
{
	static unsigned int seq;
	char name[40];
	FILE *f;

	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "/tmp/.tmpfile-%u",
			 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
		f = fopen(name, "w+x");
		if (f) {
			unlink(name);
			return f;
		}
		if (errno != EEXIST)
			return NULL;
	}
	return NULL;
}

size_t fread(void *buf, size_t size, size_t n, FILE *f)
{
	unsigned char *p = buf;
	size_t i, total;
	int c;

	if (!size || !n || __builtin_mul_overflow(size, n, &total))
		return 0;
	flock(f);
	for (i = 0; i < total; i++) {
		c = getc_locked(f);
		if (c == EOF)
			break;
		p[i] = (unsigned char)c;
	}
	funlock(f);
	return i / size;
}

/* Bytes the stream has read ahead of its position. */
static off_t input_ahead(FILE *f)
{
	return (off_t)(f->f_rlen - f->f_rpos) + (f->f_unget != EOF);
}

int fseeko(FILE *f, off_t off, int whence)
{
	off_t rc;

	flock(f);
	if (f->f_len && flush_locked(f)) {
		funlock(f);
		return -1;
	}
	if (whence == SEEK_CUR)
		off -= input_ahead(f);
	rc = libc_fd_seek(f->f_fd, off, whence);
	if (rc >= 0) {
		f->f_rpos = f->f_rlen = 0;
		f->f_unget = EOF;
		f->f_eof = 0;
	}
	funlock(f);
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return 0;
}

int fseek(FILE *f, long off, int whence)
{
	return fseeko(f, off, whence);
}

/* Where output waiting in the buffer will land: at pos, or at the end of
 * the file when the descriptor appends (review finding: ftell() counted
 * from the offset of the last write). Negative errno on failure. */
static off_t output_base(int fd, off_t pos)
{
	struct file *fp;
	struct vattr va;
	int err = fd_get(fd, &fp);

	if (err)
		return err;
	if (file_get_flags(fp) & FILE_APPEND) {
		err = file_stat(fp, &va);
		pos = err ? err : va.va_size;
	}
	file_put(fp);
	return pos;
}

off_t ftello(FILE *f)
{
	off_t pos;

	flock(f);
	pos = libc_fd_seek(f->f_fd, 0, SEEK_CUR);
	if (pos >= 0)
		pos = pos < input_ahead(f) ? -EINVAL : pos - input_ahead(f);
	if (pos >= 0 && f->f_len) {
		pos = output_base(f->f_fd, pos);
		if (pos >= 0)
			pos += (off_t)f->f_len;
	}
	funlock(f);
	if (pos < 0) {
		errno = (int)-pos;
		return -1;
	}
	return pos;
}

long ftell(FILE *f)
{
	return ftello(f);
}

void rewind(FILE *f)
{
	(void)fseeko(f, 0, SEEK_SET);
	clearerr(f);
}
