/* SPDX-License-Identifier: MIT */
/*
 * FILE streams over the console and the printf family, which formats with
 * libc's engine (printf.c, printf_float.c: C11 7.21.6.1, glibc's output);
 * one printf call is one critical section on its stream. Input: getc,
 * ungetc, fgets, getline and the scanf family (scanf.c's engine) read
 * through file_source(), where stdin ends at once until the console has
 * an input driver. Files arrive with the libc issue (#5).
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/console.h>
#include <kernel/spinlock.h>

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
};

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

static int file_sink(FILE *f, const char *s, size_t len)
{
	if (f->f_fd != 1 && f->f_fd != 2) {
		f->f_error = 1;
		return EOF;
	}
	console_write(s, len);
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
	spin_lock(&f->f_lock);
	rc = flush_locked(f);
	spin_unlock(&f->f_lock);
	return rc;
}

void libc_stdio_flush_all(void)
{
	fflush(stdout);
	fflush(stderr);
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

	spin_lock(&f->f_lock);
	rc = put_locked(f, s, len);
	spin_unlock(&f->f_lock);
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

	spin_lock(&stdout->f_lock);
	rc = put_locked(stdout, s, strlen(s));
	if (!rc)
		rc = put_locked(stdout, "\n", 1);
	spin_unlock(&stdout->f_lock);
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
	spin_lock(&f->f_lock);
	flush_locked(f);
	f->f_mode = mode;
	if (buf && size) {
		f->f_buf = buf;
		f->f_cap = size;
	}
	spin_unlock(&f->f_lock);
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

	spin_lock(&f->f_lock);
	n = libc_vformat(file_emit, f, fmt, ap);
	err = f->f_error;
	spin_unlock(&f->f_lock);
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

int vdprintf(int fd, const char *fmt, va_list ap)
{
	/* TODO(libc): go through write() once descriptors reach files #8 */
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	/* Like write(): what the stream holds goes out first. */
	fflush(fd == 1 ? stdout : stderr);
	return posix_ret(libc_vformat(console_emit, NULL, fmt, ap));
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
	(void)buf;
	(void)len;
	if (f->f_fd == 0)
		return 0; /* TODO(libc): console input, with descriptors #8 */
	return -1;
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
	n = file_source(f, &c, 1);
	if (n == 1)
		return c;
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

	spin_lock(&f->f_lock);
	c = getc_locked(f);
	spin_unlock(&f->f_lock);
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
	spin_lock(&f->f_lock);
	c = ungetc_locked(c, f);
	spin_unlock(&f->f_lock);
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
	spin_lock(&f->f_lock);
	while (i < size - 1 && (c = getc_locked(f)) != EOF) {
		s[i++] = (char)c;
		if (c == '\n')
			break;
	}
	spin_unlock(&f->f_lock);
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
	spin_lock(&f->f_lock);
	for (;;) {
		c = getc_locked(f);
		if (c == EOF)
			break;
		if (len + 2 > *n) {
			size_t cap = *n < 64 ? 128 : *n * 2;
			char *p = realloc(*lineptr, cap);

			if (!p) {
				f->f_error = 1;
				spin_unlock(&f->f_lock);
				return -1; /* errno is ENOMEM */
			}
			*lineptr = p;
			*n = cap;
		}
		(*lineptr)[len++] = (char)c;
		if (c == delim)
			break;
	}
	spin_unlock(&f->f_lock);
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

	spin_lock(&f->f_lock);
	n = libc_vscan(&src, fmt, ap);
	spin_unlock(&f->f_lock);
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

/* --- Streams beyond the console (the storage issue brings files) --- */

FILE *fopen(const char *path, const char *mode)
{
	(void)path;
	(void)mode;
	LIBC_ENOSYS(fopen, "storage");
	return NULL;
}

FILE *freopen(const char *path, const char *mode, FILE *f)
{
	(void)path;
	(void)mode;
	(void)f;
	LIBC_ENOSYS(freopen, "storage");
	return NULL;
}

FILE *tmpfile(void)
{
	LIBC_ENOSYS(tmpfile, "storage");
	return NULL;
}

int remove(const char *path)
{
	(void)path;
	return LIBC_ENOSYS(remove, "storage");
}

FILE *fdopen(int fd, const char *mode)
{
	(void)mode;
	if (fd >= 0 && fd <= 2)
		return &files[fd];
	errno = EBADF;
	return NULL;
}

int fileno(FILE *f)
{
	return f->f_fd;
}

/* The console streams stay open for good: fclose() flushes. */
int fclose(FILE *f)
{
	return fflush(f) ? EOF : 0;
}

size_t fread(void *buf, size_t size, size_t n, FILE *f)
{
	unsigned char *p = buf;
	size_t i, total;
	int c;

	if (!size || !n || __builtin_mul_overflow(size, n, &total))
		return 0;
	spin_lock(&f->f_lock);
	for (i = 0; i < total; i++) {
		c = getc_locked(f);
		if (c == EOF)
			break;
		p[i] = (unsigned char)c;
	}
	spin_unlock(&f->f_lock);
	return i / size;
}

/* The console cannot seek. */
int fseek(FILE *f, long off, int whence)
{
	(void)f;
	(void)off;
	(void)whence;
	errno = ESPIPE;
	return -1;
}

long ftell(FILE *f)
{
	(void)f;
	errno = ESPIPE;
	return -1;
}

void rewind(FILE *f)
{
	clearerr(f);
	errno = ESPIPE;
}
