/* SPDX-License-Identifier: MIT */
/*
 * <string.h>: C11 7.24 plus the POSIX.1-2008 and common BSD/GNU additions
 * (memccpy, memrchr, stpcpy, strdup, strtok_r, strsep, strlcpy, ...). Only
 * the C locale exists, so strcoll is strcmp and strxfrm a bounded copy.
 * Unless a function says otherwise it takes no lock and never yields;
 * arguments that overlap where the standard forbids it give undefined
 * results, as everywhere.
 */
#ifndef MOSAIC_STRING_H
#define MOSAIC_STRING_H

#include <stddef.h>

/*
 * Memory blocks. memcpy, memmove, memset and memcmp are the kernel's
 * (<kernel/string.h> says why). memcmp and the other comparisons compare
 * bytes as unsigned char and return <0, 0 or >0.
 */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
/* Like memcpy, but (dst) and (src) may overlap. */
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
/* The first of the (n) bytes at (s) equal to (unsigned char)(c), or NULL. */
void *memchr(const void *s, int c, size_t n);
/* Like memchr, but the last such byte. */
void *memrchr(const void *s, int c, size_t n);
/* The first occurrence of needle (nlen bytes) in hay (hlen bytes); hay
 * itself for an empty needle (GNU). */
void *memmem(const void *hay, size_t hlen, const void *needle, size_t nlen);
/*
 * Copies bytes from (src) to (dst) up to and including the first byte
 * equal to (unsigned char)(c), at most (n). Returns the byte after that
 * copy of (c) in (dst), or NULL when (c) was not among the (n) bytes.
 */
void *memccpy(void *restrict dst, const void *restrict src, int c, size_t n);

/* Lengths and comparisons of NUL-terminated strings. */
size_t strlen(const char *s);
/* strlen(s), but reads at most (max) bytes and returns at most (max). */
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* C locale: the same as strcmp. */
int strcoll(const char *a, const char *b);
/*
 * Copies (src) into (dst) transformed so that strcmp on the results
 * orders as strcoll on the originals (in the C locale, unchanged) when the
 * result fits in (n) bytes with its NUL. Returns strlen(src); when that is
 * >= (n) the contents of (dst) are unspecified.
 */
size_t strxfrm(char *restrict dst, const char *restrict src, size_t n);

/* Searching. The terminating NUL is part of the string for strchr,
 * strrchr and strchrnul, so (c) == 0 finds it. */
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* Like strchr, but returns the terminating NUL instead of NULL. */
char *strchrnul(const char *s, int c);
/* The first occurrence of (needle) in (hay); (hay) when (needle) is "". */
char *strstr(const char *hay, const char *needle);
/* The length of the leading part of (s) made only of bytes in (accept). */
size_t strspn(const char *s, const char *accept);
/* The length of the leading part of (s) made only of bytes not in
 * (reject). */
size_t strcspn(const char *s, const char *reject);
/* The first byte of (s) that is in (accept), or NULL. */
char *strpbrk(const char *s, const char *accept);

/*
 * Splits a string into tokens separated by runs of bytes from (delim).
 * The first call passes the string as (s), later calls pass NULL; each
 * returns the next token, NUL-terminated in place, or NULL when none is
 * left. strtok keeps its position in one static slot shared by every
 * microapp (not thread-safe); strtok_r keeps it in (*save).
 */
char *strtok(char *restrict s, const char *restrict delim);
char *strtok_r(char *restrict s, const char *restrict delim,
	       char **restrict save);
/*
 * Returns *(sp) and ends that token at the first byte from (delim),
 * setting *(sp) past it, or to NULL when there is none. Empty tokens are
 * returned (unlike strtok). Returns NULL when *(sp) is NULL.
 */
char *strsep(char **sp, const char *delim);

/* Copying. strcpy/strcat/stpcpy need room for the whole result. */
char *strcpy(char *restrict dst, const char *restrict src);
/* Copies at most (n) bytes and pads (dst) with NULs up to (n); does not
 * terminate (dst) when strlen(src) >= (n). */
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
char *strcat(char *restrict dst, const char *restrict src);
/* Appends at most (n) bytes of (src) to (dst), then a NUL. */
char *strncat(char *restrict dst, const char *restrict src, size_t n);
/* Like strcpy, but returns the NUL written at the end of (dst). */
char *stpcpy(char *restrict dst, const char *restrict src);
/* Like strncpy, but returns (dst) + strnlen(src, n). */
char *stpncpy(char *restrict dst, const char *restrict src, size_t n);
/*
 * BSD bounded copies: strlcpy copies at most (size) - 1 bytes and
 * terminates (dst) when (size) > 0; strlcat appends to (dst) so that the
 * result fits in (size) bytes. Both return the length of the string they
 * tried to create (strlen(src), plus strnlen(dst, size) for strlcat), so
 * a result >= (size) means truncation.
 */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
size_t strlcat(char *restrict dst, const char *restrict src, size_t size);

/*
 * New copies on the heap (malloc), which the caller frees: strdup of the
 * whole string, strndup of at most (n) bytes, always terminated. NULL with
 * errno ENOMEM when the heap is exhausted.
 */
char *strdup(const char *s);
char *strndup(const char *s, size_t n);

/*
 * The message for error number (errnum), as glibc prints it ("No such
 * file or directory"; "Unknown error N" for numbers <errno.h> does not
 * define). The string must not be modified; for unknown numbers it lives
 * in a static buffer that the next such call overwrites.
 */
char *strerror(int errnum);
/*
 * POSIX strerror_r: copies the message for (errnum) into (buf) of (len)
 * bytes, truncated and terminated when too long (when (len) > 0). Returns
 * 0, EINVAL for an unknown number (buf still gets "Unknown error N",
 * truncated or not) or ERANGE when a known message was truncated. errno
 * is not changed.
 */
int strerror_r(int errnum, char *buf, size_t len);

#endif /* MOSAIC_STRING_H */
