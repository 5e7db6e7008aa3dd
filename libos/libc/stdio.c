/* SPDX-License-Identifier: MIT */
/*
 * FILE streams over the console and the printf family, which formats with
 * libc's engine (printf.c, printf_float.c: C11 7.21.6.1, glibc's output);
 * one printf call is one critical section on its stream. Input: getc,
 * ungetc, fgets, getline and the scanf family (scanf.c's engine) read
 * through file_source(), where stdin ends at once until the console has
 * an input driver. Streams on files (fopen, fdopen of a file descriptor)
 * go through the descriptors (file.c) with a BUFSIZ write buffer and a
 * BUFSIZ read buffer, locked by a mutex (their I/O may sleep); the
 * console streams keep their spinlock (printf from any context).
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/console.h>
#include <kernel/spinlock.h>
#include <kernel/sync.h>
#include <fcntl.h>
#include <unistd.h>

#include "enosys_impl.h"
#include "libc_impl.h"
#include "printf_impl.h"
#include "scanf_impl.h"

/* Locking: [L] f_lock, so lines from microapps on several CPUs stay
 * whole (a printf() is one critical section). */
struct mosaic_file {
	struct spinlock f_lock;
	int f_fd;
	int f_mode; /* _IOFBF, _IOLBF or _IONBF */
	int f_error;
	int f_eof; /* input: the end-of-file indicator */
	int f_unget; /* input: a byte pushed back by ungetc(), or EOF */
	size_t f_len;
	size_t f_cap;
	char *f_buf;
	/* streams on files only: */
	bool f_dyn; /* [I] from fopen/fdopen, freed by fclose */
	struct mutex f_mutex; /* locks the stream instead of f_lock */
	char *f_rbuf; /* [L] read buffer, BUFSIZ */
	size_t f_rpos, f_rlen; /* [L] unread bytes: f_rbuf[f_rpos..f_rlen) */
	struct mosaic_file *f_next; /* [open_lock] */
};

static struct spinlock open_lock = SPINLOCK_INIT("stdio");
static struct mosaic_file *open_files; /* [open_lock] */

static void flock(struct mosaic_file *f)
{
	if (f->f_dyn)
		mutex_lock(&f->f_mutex);
	else
		spin_lock(&f->f_lock);
}

static void funlock(struct mosaic_file *f)
{
	if (f->f_dyn)
		mutex_unlock(&f->f_mutex);
	else
		spin_unlock(&f->f_lock);
}

static char stdout_buf[BUFSIZ];

static struct mosaic_file files[3] = {
	{ .f_lock = SPINLOCK_INIT("stdin"),
	  .f_fd = 0,
	  .f_mode = _IONBF,
	  .f_unget = EOF },
	{ .f_lock = SPINLOCK_INIT("stdout"),
	  .f_fd = 1,
	  .f_mode = _IOLBF,
	  .f_unget = EOF,
	  .f_cap = BUFSIZ,
	  .f_buf = stdout_buf },
	{ .f_lock = SPINLOCK_INIT("stderr"),
	  .f_fd = 2,
	  .f_mode = _IONBF,
	  .f_unget = EOF },
};

FILE *const stdin = &files[0];
FILE *const stdout = &files[1];
FILE *const stderr = &files[2];

/* Drops what the read buffer holds, moving the descriptor back to the
 * stream's position. Caller holds the stream's lock. */
static void drop_read_locked(FILE *f)
{
	off_t back = (off_t)(f->f_rlen - f->f_rpos) + (f->f_unget != EOF);

	if (f->f_dyn && back)
		(void)libc_fd_seek(f->f_fd, -back, SEEK_CUR);
	f->f_rpos = f->f_rlen = 0;
	f->f_unget = EOF;
}

static int file_sink(FILE *f, const char *s, size_t len)
{
	ssize_t n;

	if (!f->f_dyn) {
		if (f->f_fd != 1 && f->f_fd != 2) {
			f->f_error = 1;
			return EOF;
		}
		console_write(s, len);
		return 0;
	}
	if (f->f_rlen || f->f_unget != EOF)
		drop_read_locked(f);
	while (len) {
		n = libc_fd_write(f->f_fd, s, len);
		if (n <= 0) {
			f->f_error = 1;
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

int fflush(FILE *f)
{
	int rc;

	if (!f) {
		libc_stdio_flush_all();
		return 0;
	}
	flock(f);
	rc = flush_locked(f);
	funlock(f);
	return rc;
}

void libc_stdio_flush_all(void)
{
	struct mosaic_file *f;

	fflush(stdout);
	fflush(stderr);
	/* Streams are only freed by fclose(), which the app must not race
	 * with exit(). */
	spin_lock(&open_lock);
	f = open_files;
	spin_unlock(&open_lock);
	for (; f; f = f->f_next)
		fflush(f);
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

static int file_put(FILE *f, const char *s, size_t len)
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
	return file_put(f, buf, size * n) ? 0 : n;
}

int fputc(int c, FILE *f)
{
	char ch = (char)c;

	return file_put(f, &ch, 1) ? EOF : (unsigned char)c;
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
	return file_put(f, s, strlen(s)) ? EOF : 0;
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
	if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF)
		return -1;
	flock(f);
	flush_locked(f);
	f->f_mode = mode;
	if (buf && size) {
		f->f_buf = buf;
		f->f_cap = size;
	}
	funlock(f);
	return 0;
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
	int n, err;

	flock(f);
	n = libc_vformat(file_emit, f, fmt, ap);
	err = f->f_error;
	funlock(f);
	if (err && n >= 0) {
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

static void console_emit(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	console_write(s, len);
}

/* vdprintf() on a descriptor other than the console: output gathered in
 * a small buffer and handed to write(); the first error sticks. */
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

	if (fd == 1 || fd == 2) {
		/* Like write(): what the stream holds goes out first. */
		fflush(fd == 1 ? stdout : stderr);
		return posix_ret(libc_vformat(console_emit, NULL, fmt, ap));
	}
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
 * many, 0 at the end of the input, or -1 on an error. The one place an
 * input driver plugs in. Caller holds f->f_lock.
 */
static ssize_t file_source(FILE *f, void *buf, size_t len)
{
	ssize_t n;

	if (!f->f_dyn)
		return f->f_fd == 0 ? 0 : -1; /* no console input yet */
	if (f->f_len && flush_locked(f))
		return -1;
	n = libc_fd_read(f->f_fd, buf, len);
	return n < 0 ? -1 : n;
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

static FILE *stream_new(int fd)
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
	f->f_unget = EOF;
	f->f_dyn = true;
	f->f_mutex = (struct mutex)MUTEX_INIT("FILE");
	spin_lock(&open_lock);
	f->f_next = open_files;
	open_files = f;
	spin_unlock(&open_lock);
	return f;
}

static void stream_free(FILE *f)
{
	struct mosaic_file **pp;

	spin_lock(&open_lock);
	for (pp = &open_files; *pp && *pp != f; pp = &(*pp)->f_next)
		;
	if (*pp)
		*pp = f->f_next;
	spin_unlock(&open_lock);
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
	f = stream_new(fd);
	if (!f)
		close(fd);
	return f;
}

FILE *fdopen(int fd, const char *mode)
{
	if (mode_flags(mode) < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (fd >= 0 && fd <= 2)
		return &files[fd];
	if (fcntl(fd, F_GETFD) < 0)
		return NULL; /* errno is EBADF */
	return stream_new(fd);
}

int fileno(FILE *f)
{
	return f->f_fd;
}

int fclose(FILE *f)
{
	int rc;

	if (!f->f_dyn)
		return fflush(f) ? EOF : 0; /* the console streams stay */
	rc = fflush(f) ? EOF : 0;
	if (close(f->f_fd))
		rc = EOF;
	stream_free(f);
	return rc;
}

FILE *freopen(const char *path, const char *mode, FILE *f)
{
	FILE *nf;

	if (!path || !f->f_dyn) {
		errno = EINVAL; /* no reopening of the console streams */
		return NULL;
	}
	fclose(f);
	nf = fopen(path, mode);
	return nf;
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

int fseeko(FILE *f, off_t off, int whence)
{
	off_t rc;

	if (!f->f_dyn) {
		errno = ESPIPE; /* the console cannot seek */
		return -1;
	}
	flock(f);
	if (f->f_len && flush_locked(f)) {
		funlock(f);
		return -1;
	}
	if (whence == SEEK_CUR)
		off -= (off_t)(f->f_rlen - f->f_rpos) + (f->f_unget != EOF);
	f->f_rpos = f->f_rlen = 0;
	f->f_unget = EOF;
	rc = libc_fd_seek(f->f_fd, off, whence);
	if (rc >= 0)
		f->f_eof = 0;
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

off_t ftello(FILE *f)
{
	off_t pos;

	if (!f->f_dyn) {
		errno = ESPIPE;
		return -1;
	}
	flock(f);
	pos = libc_fd_seek(f->f_fd, 0, SEEK_CUR);
	if (pos >= 0)
		pos += (off_t)f->f_len - (off_t)(f->f_rlen - f->f_rpos) -
		       (f->f_unget != EOF);
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
	if (!f->f_dyn) {
		clearerr(f);
		errno = ESPIPE;
		return;
	}
	fseeko(f, 0, SEEK_SET);
	clearerr(f);
}
