/* SPDX-License-Identifier: MIT */
/*
 * Freestanding printf engine: the integer, character, string and pointer
 * conversions of C11 7.21.6.1, with output byte-for-byte equal to glibc's.
 * It backs the kernel's printk (libc's printf family has its own engine
 * with floating point, libos/libc/printf.c). It has no floating point, no
 * %n, no wide characters and no positional (%1$d) arguments.
 */

#ifndef KERNEL_FMT_H
#define KERNEL_FMT_H

#include <kernel/compiler.h>
#include <stdarg.h>
#include <stddef.h>

/*
 * Output sink for fmt_vformat(). Called with (len) > 0 bytes at (s), which
 * are not NUL-terminated and are valid only during the call. (ctx) is the
 * pointer the caller passed to fmt_vformat(). The sink cannot fail and
 * must not call back into the fmt_ functions with the same (ctx).
 */
typedef void (*fmt_emit_fn)(void *ctx, const char *s, size_t len);

/*
 * Formats (fmt) and its arguments and hands the result to (emit), passing
 * (ctx) through.
 *
 * Supported: conversions d i u o x X c s p %%; flags - + space # 0; a field
 * width and a precision, each either decimal digits or '*' (a negative '*'
 * width means the '-' flag, a negative '*' precision means none); length
 * modifiers hh h l ll j z t. For these the output equals glibc's, including
 * "(null)" for a NULL %s (nothing if the precision is below 6), "(nil)" for
 * a NULL %p and "0x" plus lower-case hex for any other %p (which honours the
 * + space 0 flags and the precision, as glibc does).
 *
 * Not supported, and copied to the output literally from the '%' up to and
 * including the conversion character, consuming no argument (not even for
 * a '*'):
 *  - floating point: e f g a E F G A, and any conversion with the L
 *    modifier, because the kernel is built without SSE;
 *  - %n in every form: this engine never writes through an argument;
 *  - wide characters (%lc %ls, and with ll);
 *  - anything else, such as %m, %1$d or a '%' at the very end of (fmt).
 * Callers that cannot accept this must not pass such formats; the
 * fmt_format() attribute lets the compiler check literal formats.
 *
 * Output is emitted in runs, never byte by byte: one call for each stretch
 * of literal text ("%%" ends a stretch) and one for each converted field
 * of up to 64 bytes. A wider field arrives in several calls: its padding
 * in pieces of up to 64 bytes and a longer %s string whole. A format with
 * no directive yields exactly one call, an empty one none.
 *
 * Returns the number of bytes emitted (like printf), or:
 *  -EINVAL     (emit) or (fmt) is NULL; nothing was emitted.
 *  -EOVERFLOW  a width or precision does not fit in an int (including a
 *              '*' width of INT_MIN), or the total would exceed INT_MAX.
 *              What was emitted before that field stays emitted.
 *
 * Context: any, including IRQ context; does not allocate, lock or yield
 * (but (emit) may). Needs about 500 bytes of stack at -O2 on x86-64 (650
 * through fmt_snprintf()), plus what (emit) needs.
 */
int fmt_vformat(fmt_emit_fn emit, void *ctx, const char *fmt, va_list ap)
	__printf(3, 0);

/* As fmt_vformat(), with the arguments passed directly. */
int fmt_format(fmt_emit_fn emit, void *ctx, const char *fmt, ...)
	__printf(3, 4);

/*
 * Formats like fmt_vformat() into (buf), which holds (size) bytes, with
 * C99 vsnprintf semantics: at most (size) - 1 bytes of output are stored,
 * followed by a NUL whenever (size) > 0, even when the output is
 * truncated or an error occurs. Nothing is written when (size) is 0, and
 * (buf) may then be NULL. Bytes of (buf) after the NUL are left untouched.
 *
 * Returns the length the complete output has (excluding the NUL), so the
 * output was truncated exactly when the result is >= (size), or:
 *  -EINVAL     (fmt) is NULL, or (buf) is NULL while (size) > 0.
 *  -EOVERFLOW  as for fmt_vformat(); (buf) holds the output produced
 *              before the failing field, NUL-terminated.
 *
 * Context: any; does not allocate, lock or yield.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__printf(3, 0);

/* As fmt_vsnprintf(), with the arguments passed directly. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif /* KERNEL_FMT_H */
