/* SPDX-License-Identifier: MIT */
/*
 * Standard I/O, the start of Mosaic's libc: FILE streams over the console
 * (stdout line-buffered, stderr unbuffered) and the printf family. The
 * libc issue (#5) adds files and scanf.
 */
#ifndef MOSAIC_STDIO_H
#define MOSAIC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

typedef struct mosaic_file FILE;

extern FILE *const stdin;
extern FILE *const stdout;
extern FILE *const stderr;

#define EOF (-1)
#define BUFSIZ 1024
#define _IOFBF 0
#define _IOLBF 1
#define _IONBF 2

int putchar(int c);
int puts(const char *s);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int fputs(const char *s, FILE *f);
size_t fwrite(const void *buf, size_t size, size_t n, FILE *f);
int fflush(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);
int setvbuf(FILE *f, char *buf, int mode, size_t size);

/*
 * The printf family (C11 7.21.6, POSIX): flags - + space # 0, width and
 * precision (digits or '*'), length modifiers hh h l ll j z t L, and
 * conversions d i u o x X c s p n % e E f F g G a A (%lc, %ls: ASCII in
 * the C locale). Output equals glibc's, floating point included: exact
 * decimal expansions rounded to nearest, ties to even, for double and
 * long double. Positional arguments (%1$d) and %m are not supported; an
 * unknown directive is copied out as written.
 *
 * Each returns the number of bytes written (snprintf/vsnprintf: the
 * length the whole output has, without the NUL), or -1 with errno set:
 * EOVERFLOW (the length would exceed INT_MAX), EILSEQ (a wide character
 * outside ASCII), EIO (the stream has an error), EBADF (dprintf on an fd
 * other than 1 or 2), ENOMEM (asprintf).
 *
 * fprintf/vfprintf/printf/vprintf hold the stream's lock for the whole
 * call, so concurrent calls never interleave. snprintf/vsnprintf store at
 * most (size) - 1 bytes and a NUL when (size) > 0; (buf) may be NULL if
 * (size) is 0. dprintf/vdprintf write unbuffered to fd 1 or 2 (the
 * console) after flushing that stream. asprintf/vasprintf store a
 * malloc'd string in (*strp), to be freed by the caller, or NULL on error.
 * None of them allocates except asprintf/vasprintf.
 */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vprintf(const char *fmt, va_list ap);
int vfprintf(FILE *f, const char *fmt, va_list ap);
int sprintf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsprintf(char *buf, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vdprintf(int fd, const char *fmt, va_list ap);
int asprintf(char **strp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vasprintf(char **strp, const char *fmt, va_list ap);

/* Prints "s: " (unless s is NULL or empty), the message for errno and a
 * newline to stderr. */
void perror(const char *s);

#endif /* MOSAIC_STDIO_H */
