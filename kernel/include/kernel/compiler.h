/* SPDX-License-Identifier: MIT */
/*
 * Compiler helpers used across the image: attributes, compile-time
 * assertions, container_of and friends. Nothing here generates code.
 */
#ifndef KERNEL_COMPILER_H
#define KERNEL_COMPILER_H

#include <stddef.h>

#define __must_check __attribute__((warn_unused_result))
#define __noreturn __attribute__((noreturn))
/* Rarely run: optimised for size and placed apart from hot code, and
 * calls to it are predicted not taken. For set-up and error paths of
 * files built for speed. */
#define __cold __attribute__((cold))
#define __printf(f, a) __attribute__((format(printf, f, a)))
#define __used __attribute__((used))
#define __section(s) __attribute__((section(s)))
#define __aligned(n) __attribute__((aligned(n)))
#define __packed __attribute__((packed))
#define __unused __attribute__((unused))
/* Inlined even at -Os: a few instructions on a hot path, not a call.
 * (Host tests may have glibc's, which means the same.) */
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define fallthrough __attribute__((fallthrough))

/* Pins a layout shared with hardware, a loader or a hypervisor. */
#define BUILD_ASSERT(cond) _Static_assert(cond, #cond)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member)                                        \
	((type *)((char *)(ptr)-offsetof(type, member)))

#define IS_ENABLED(cfg) (cfg)

#endif /* KERNEL_COMPILER_H */
