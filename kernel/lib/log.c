/* SPDX-License-Identifier: MIT */
/*
 * printk and levelled logging over the console. Output is formatted into a
 * small buffer and written in runs, so a line costs one console call.
 * Owns the `mosaic.log=` option.
 */
#include <kernel/log.h>

#include <kernel/console.h>
#include <kernel/errno.h>
#include <kernel/fmt.h>
#include <kernel/param.h>
#include <kernel/string.h>

struct log_buf {
	char lb_data[160];
	size_t lb_len;
};

/* [a] read anywhere, written once while parsing the command line. */
static enum log_level log_threshold = LOG_WARN;

static void log_flush(struct log_buf *b)
{
	if (b->lb_len)
		console_write(b->lb_data, b->lb_len);
	b->lb_len = 0;
}

static void log_emit(void *ctx, const char *s, size_t len)
{
	struct log_buf *b = ctx;

	while (len) {
		size_t n = sizeof(b->lb_data) - b->lb_len;

		if (n > len)
			n = len;
		memcpy(b->lb_data + b->lb_len, s, n);
		b->lb_len += n;
		s += n;
		len -= n;
		if (b->lb_len == sizeof(b->lb_data))
			log_flush(b);
	}
}

void vprintk(const char *fmt, va_list ap)
{
	struct log_buf b;

	b.lb_len = 0;
	fmt_vformat(log_emit, &b, fmt, ap);
	log_flush(&b);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

bool log_is_enabled(enum log_level level)
{
	return level <= log_threshold;
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_is_enabled(level))
		return;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

static int log_set_level(const char *value)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	unsigned int i;

	for (i = 0; value && i < sizeof(names) / sizeof(names[0]); i++) {
		if (kstrcmp(value, names[i]) == 0) {
			log_threshold = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}
KERNEL_PARAM("log", log_set_level, "error|warn|info|debug");
