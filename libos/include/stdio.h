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
#include <sys/types.h> /* ssize_t, for getline() */

typedef struct mosaic_file FILE;

extern FILE *const stdin;
extern FILE *const stdout;
extern FILE *const stderr;

#define EOF (-1)

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
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
 * outside ASCII), EIO (the stream had an error already), the
 * descriptor's write errors (EBADF, ENOSPC, ...), ENOMEM (asprintf).
 *
 * fprintf/vfprintf/printf/vprintf hold the stream's lock for the whole
 * call, so concurrent calls never interleave. snprintf/vsnprintf store at
 * most (size) - 1 bytes and a NUL when (size) > 0; (buf) may be NULL if
 * (size) is 0. dprintf/vdprintf write through write() (gathered in a
 * small buffer, not a stream), after flushing stdout or stderr for fd 1
 * or 2. asprintf/vasprintf store a
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

/*
 * The scanf family (C11 7.21.6.2): white space in the format skips any
 * white space in the input, other bytes must match; conversions d i u o x
 * X p (integers, %i by prefix 0x/0), a e f g A E F G (floating point,
 * inf/infinity/nan and hexadecimal included, correctly rounded), s c [
 * (scansets with ranges, ^ and ] first; %lc %ls %l[ store wchar_t), n
 * (bytes read so far, not counted) and %%; '*' suppresses the assignment,
 * a field width limits the bytes a field takes, and the length modifiers
 * are hh h l ll j z t L. Behaviour matches glibc where C leaves room:
 * overflowing integers wrap as strtol's result cast to the type, and a
 * number field is the longest prefix of the grammar ("1e+" reads 1).
 *
 * Each returns the number of items assigned, or EOF if the input ended
 * (or failed) before any was. fscanf/vfscanf/scanf/vscanf read through
 * the stream, holding its lock for the whole call, and push back at most
 * the one byte that ended the last field; stdin has no input yet, so
 * scanf() returns EOF.
 */
int scanf(const char *fmt, ...) __attribute__((format(scanf, 1, 2)));
int fscanf(FILE *f, const char *fmt, ...) __attribute__((format(scanf, 2, 3)));
int sscanf(const char *str, const char *fmt, ...)
	__attribute__((format(scanf, 2, 3)));
int vscanf(const char *fmt, va_list ap);
int vfscanf(FILE *f, const char *fmt, va_list ap);
int vsscanf(const char *str, const char *fmt, va_list ap);

/*
 * Byte input. fgetc/getc/getchar return the next byte as an unsigned
 * char, or EOF at the end of the input (feof() then returns non-zero,
 * and stays so until clearerr()) or on an error (ferror()). stdin ends at
 * once: the console has no input driver yet.
 */
int fgetc(FILE *f);
int getc(FILE *f);
int getchar(void);
/* Pushes (c) back onto (f), to be read next, and clears its end-of-file
 * indicator; one byte at a time. Returns (c) as an unsigned char, or EOF
 * if (c) is EOF or a byte is already pushed back. */
int ungetc(int c, FILE *f);
/* Non-zero once a read on (f) met the end of its input. */
int feof(FILE *f);
/* Reads up to (size) - 1 bytes into (s), up to and including a newline,
 * and ends them with a NUL. Returns (s), or NULL if nothing was read
 * (end of input) or on an error. gets() is not provided. */
char *fgets(char *s, int size, FILE *f);
/*
 * POSIX getdelim/getline: reads up to and including (delim) ('\n' for
 * getline) or the end of the input into (*lineptr), a malloc'd buffer of
 * (*n) bytes, which is grown with realloc() as needed (a NULL (*lineptr)
 * starts a new one); the caller frees it. Returns the bytes read, without
 * the NUL, or -1 at the end of the input with nothing read, on an error,
 * or with errno EINVAL (a NULL argument) or ENOMEM.
 */
ssize_t getdelim(char **lineptr, size_t *n, int delim, FILE *f);
ssize_t getline(char **lineptr, size_t *n, FILE *f);

/* Prints "s: " (unless s is NULL or empty), the message for errno and a
 * newline to stderr. */
void perror(const char *s);

/* Files (libc file.c, over the VFS). */
int rename(const char *from, const char *to);
int renameat(int ofd, const char *from, int nfd, const char *to);

/*
 * Streams on files: fopen() modes r, w, a, r+, w+, a+ (b and e
 * accepted), fully buffered (BUFSIZ) with a read buffer; fseek/ftell
 * work on files. tmpfile() opens an unlinked file in /tmp. The standard
 * streams (stdin, stdout, stderr, and fdopen(0..2)) read and write
 * through descriptors 0-2, the console at start (which cannot seek:
 * ESPIPE), so dup2() onto them redirects them; fclose() only flushes
 * them. freopen() keeps the FILE and its descriptor number (stdout stays
 * 1); a NULL path is EINVAL. fflush() on an input stream gives back its
 * read-ahead (the descriptor moves back); fflush(NULL) flushes every
 * output stream. setvbuf() never frees a buffer the caller gave.
 */
FILE *fopen(const char *path, const char *mode);
FILE *freopen(const char *path, const char *mode, FILE *f);
FILE *tmpfile(void);
int remove(const char *path);
FILE *fdopen(int fd, const char *mode);
int fileno(FILE *f);
int fclose(FILE *f);
size_t fread(void *buf, size_t size, size_t n, FILE *f);
int fseek(FILE *f, long off, int whence);
long ftell(FILE *f);
int fseeko(FILE *f, off_t off, int whence);
off_t ftello(FILE *f);
void rewind(FILE *f);

#endif /* MOSAIC_STDIO_H */
