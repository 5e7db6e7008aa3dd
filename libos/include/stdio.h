/* SPDX-License-Identifier: MIT */
/*
 * Standard I/O, the start of Mosaic's libc: FILE streams over the console
 * (stdout line-buffered, stderr unbuffered) and the printf family. The
 * libc issue (#5) adds files, scanf and floating-point conversions; until
 * then %e/%f/%g/%a are printed literally.
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

#endif /* MOSAIC_STDIO_H */
