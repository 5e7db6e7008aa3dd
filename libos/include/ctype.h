/* SPDX-License-Identifier: MIT */
/*
 * <ctype.h> (C11 7.4) for the C locale, the only one there is: ASCII
 * classes, nothing above 127. Each function takes an int that is EOF or
 * an unsigned char value; like glibc, any other value is accepted and
 * belongs to no class. All are pure, take no lock and never yield.
 */
#ifndef MOSAIC_CTYPE_H
#define MOSAIC_CTYPE_H

/* Non-zero when (c) is in the class, 0 otherwise. */
int isalnum(int c); /* isalpha || isdigit */
int isalpha(int c); /* 'A'..'Z', 'a'..'z' */
int isblank(int c); /* ' ', '\t' */
int iscntrl(int c); /* 0..31, 127 */
int isdigit(int c); /* '0'..'9' */
int isgraph(int c); /* '!'..'~' */
int islower(int c); /* 'a'..'z' */
int isprint(int c); /* ' '..'~' */
int ispunct(int c); /* isgraph && !isalnum */
int isspace(int c); /* ' ', '\t', '\n', '\v', '\f', '\r' */
int isupper(int c); /* 'A'..'Z' */
int isxdigit(int c); /* '0'..'9', 'A'..'F', 'a'..'f' */
/* POSIX (XSI, obsolescent): 0..127. */
int isascii(int c);

/*
 * The other case of a letter; any other (c) unchanged, except that (c) in
 * -128..-2 (a negative plain char) comes back as the unsigned char value
 * c + 256, as in glibc.
 */
int tolower(int c);
int toupper(int c);
/* POSIX (XSI, obsolescent): the low 7 bits of (c). */
int toascii(int c);

#endif /* MOSAIC_CTYPE_H */
