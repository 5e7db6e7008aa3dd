/* SPDX-License-Identifier: MIT */
/*
 * <strings.h>: POSIX.1-2008 case-insensitive comparison and ffs, plus the
 * legacy BSD bzero/bcmp/index/rindex that old programs still call. C
 * locale only: case folding maps 'A'..'Z' to 'a'..'z' and nothing else.
 */
#ifndef MOSAIC_STRINGS_H
#define MOSAIC_STRINGS_H

#include <stddef.h>

/*
 * Compare (a) and (b) ignoring ASCII case, as strcmp/strncmp do on their
 * lowercased bytes (unsigned char); <0, 0 or >0. strncasecmp looks at no
 * more than (n) bytes.
 */
int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

/* The 1-based index of the least significant set bit of (v); 0 when (v)
 * is 0. ffsl and ffsll are the GNU versions for long and long long. */
int ffs(int v);
int ffsl(long v);
int ffsll(long long v);

/* Legacy BSD names: memset(dst, 0, n); memcmp(a, b, n) != 0 (only zero or
 * non-zero is meaningful); strchr; strrchr. */
void bzero(void *dst, size_t n);
int bcmp(const void *a, const void *b, size_t n);
char *index(const char *s, int c);
char *rindex(const char *s, int c);

#endif /* MOSAIC_STRINGS_H */
