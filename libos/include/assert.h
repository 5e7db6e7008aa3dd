/* SPDX-License-Identifier: MIT */
/*
 * <assert.h> (C11 7.2). A failed assertion prints a fault record
 * ("assertion failed: EXPR (FILE:LINE, FUNC)") and ends the calling
 * microapp, which its supervisor may restart; in main() it ends the
 * appliance with a panic record. Like every <assert.h>, this header may be
 * included again after NDEBUG changes.
 */
#undef assert

#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e)                                                              \
	((e) ? (void)0 : __assert_fail(#e, __FILE__, __LINE__, __func__))
#endif

#ifndef MOSAIC_ASSERT_H
#define MOSAIC_ASSERT_H

#define static_assert _Static_assert

void __assert_fail(const char *expr, const char *file, int line,
		   const char *func) __attribute__((noreturn));

#endif /* MOSAIC_ASSERT_H */
