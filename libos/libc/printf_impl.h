/* SPDX-License-Identifier: MIT */
/*
 * libc's printf engine (printf.c, printf_float.c), shared with stdio.c and
 * the host unit test; never seen by applications. It depends only on
 * freestanding headers and <errno.h>, so it builds on the host unchanged.
 */
#ifndef LIBOS_LIBC_PRINTF_IMPL_H
#define LIBOS_LIBC_PRINTF_IMPL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Output sink: called with (len) > 0 bytes at (s), not NUL-terminated and
 * valid only during the call; (ctx) is what the caller of
 * libc_vformat() passed. The sink cannot fail (a stream records its own
 * error) and must not re-enter the engine with the same (ctx).
 */
typedef void (*printf_emit_fn)(void *ctx, const char *s, size_t len);

/*
 * Formats (fmt) with its arguments (ap) as C11 7.21.6.1 and POSIX printf
 * do, with glibc's output wherever the standards leave a choice, and hands
 * the bytes to (emit) with (ctx), staged in runs of up to 256 bytes (a
 * longer %s string arrives whole).
 *
 * Supported: flags - + space # 0; width and precision as digits or '*';
 * length modifiers hh h l ll j z t L (L also on integers, as ll, as glibc
 * does); conversions d i u o x X c s p n % e E f F g G a A, %lc and %ls
 * (C locale: code points up to 0x7f). Floating point is exact and rounded
 * to nearest, ties to even, for double and the x87 long double. Not
 * supported: positional arguments (%1$d) and glibc's %m; an unknown
 * directive is copied out literally and consumes no argument.
 *
 * Returns the number of bytes emitted, or:
 *  -EOVERFLOW  a width or precision, or the total, exceeds INT_MAX; the
 *              output of earlier fields stays emitted.
 *  -EILSEQ     a %lc or %ls character has no encoding in the C locale.
 *  -EINVAL     (emit) or (fmt) is NULL.
 *
 * Context: any task; does not allocate, lock or yield, but (emit) may.
 * Stack at -O2 on x86-64: about 1.7 KiB, 3.9 KiB for a long double %e
 * %f %g (its digit state), plus what (emit) needs.
 */
int libc_vformat(printf_emit_fn emit, void *ctx, const char *fmt, va_list ap);

/*
 * As libc_vformat(), storing into (buf) of (size) bytes with C11
 * vsnprintf semantics: at most (size) - 1 bytes of output, then a NUL when
 * (size) > 0, also after an error. (buf) may be NULL when (size) is 0.
 * Returns the length of the complete output, or a negative errno as
 * libc_vformat() (and -EINVAL for a NULL (buf) with (size) > 0).
 */
int libc_vsnformat(char *buf, size_t size, const char *fmt, va_list ap);

/* ---- Between printf.c and printf_float.c only. ---- */

#define PF_LEFT 0x01 /* '-' */
#define PF_PLUS 0x02 /* '+' */
#define PF_SPACE 0x04 /* ' ' */
#define PF_ALT 0x08 /* '#' */
#define PF_ZERO 0x10 /* '0' */

/* One directive after its '*' arguments were read. */
struct pf_spec {
	unsigned int flags;
	size_t width;
	int prec; /* -1 when absent */
	bool long_double; /* the L modifier */
	char conv;
};

#define PF_STAGE_BYTES 256

/* State of one libc_vformat() call. */
struct pf_out {
	printf_emit_fn emit;
	void *ctx;
	size_t count; /* bytes accepted so far, staged or emitted */
	int err; /* 0 or a negative errno; stops formatting */
	size_t staged;
	char stage[PF_STAGE_BYTES];
};

/*
 * Accounts for a field of (len) bytes before it is produced: false, with
 * out->err set to -EOVERFLOW, when the total would pass INT_MAX.
 */
bool pf_reserve(struct pf_out *out, size_t len);
/* Queues (len) bytes for the sink. */
void pf_put(struct pf_out *out, const char *s, size_t len);
/* Queues (n) copies of (c). */
void pf_fill(struct pf_out *out, char c, size_t n);
/* The sign a non-negative number shows under '+' and ' ', or '\0'. */
char pf_plus_sign(const struct pf_spec *spec);

/* Converts e E f F g G a A, reading a double or (L) a long double. */
void pf_float(struct pf_out *out, const struct pf_spec *spec, va_list *ap);

#endif /* LIBOS_LIBC_PRINTF_IMPL_H */
