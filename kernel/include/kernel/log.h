/* SPDX-License-Identifier: MIT */
/*
 * Kernel logging: printk() always prints; log_*() print when their level is
 * at or above the threshold set by `mosaic.log=error|warn|info|debug`
 * (default warn, so a healthy boot prints nothing but the application's
 * output). Formats are those of <kernel/fmt.h>: no floating point.
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include <kernel/compiler.h>

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* Prints to the console whatever the level. Any context. */
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);

/* Prints when `level` passes the threshold. Any context. */
void log_printf(enum log_level level, const char *fmt, ...) __printf(2, 3);

/* True when messages at `level` would be printed (skip costly set-up). */
bool log_is_enabled(enum log_level level);

#define log_err(...) log_printf(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif /* KERNEL_LOG_H */
