/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line to argv/envp/options (rules in <kernel/cmdline.h>).
 * Parsing is in place: words are unquoted by copying each byte at most
 * once toward the front of the buffer.
 */
#include <stdbool.h>
#include <stddef.h>

#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <kernel/string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Unquotes the word starting at *src into dst (dst <= *src), stops at an
 * unquoted blank or the end. Advances *src past the word. Returns the end
 * of the written word, or NULL for an unterminated quote.
 */
static char *take_word(char **src, char *dst)
{
	char *s = *src;
	char quote = 0;

	for (; *s; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
			else if (*s == '\\' && quote == '"' && s[1])
				*dst++ = *++s;
			else
				*dst++ = *s;
		} else if (is_blank(*s)) {
			break;
		} else if (*s == '"' || *s == '\'') {
			quote = *s;
		} else if (*s == '\\' && s[1]) {
			*dst++ = *++s;
		} else {
			*dst++ = *s;
		}
	}
	*src = s;
	return quote ? NULL : dst;
}

static bool is_env(const char *w)
{
	const char *p = w;

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	      *p == '_'))
		return false;
	for (p++; *p && *p != '='; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	}
	return *p == '=';
}

static int add_option(struct cmdline *cl, char *w, size_t prefix)
{
	struct cmdline_opt *o;
	char *eq;

	if (cl->cl_optc >= CMDLINE_OPTS_MAX)
		return -E2BIG;
	o = &cl->cl_opts[cl->cl_optc++];
	o->co_name = w + prefix;
	o->co_value = NULL;
	for (eq = o->co_name; *eq && *eq != '='; eq++)
		;
	if (*eq) {
		*eq = '\0';
		o->co_value = eq + 1;
	}
	return 0; /* an empty name is refused by the option table */
}

/* The one word a monitor adds in the Linux syntax (QEMU -M microvm). */
#define MONITOR_MMIO "virtio_mmio.device="

static int classify(struct cmdline *cl, char *w, bool *args_only)
{
	if (!*args_only && kstrcmp(w, "--") == 0) {
		*args_only = true;
		return 0;
	}
	/* Monitors append these after whatever the user gave, "--"
	 * included, so they are taken wherever they are. */
	if (kstrncmp(w, MONITOR_MMIO, sizeof(MONITOR_MMIO) - 1) == 0)
		return add_option(cl, w, 0);
	if (!*args_only && kstrncmp(w, "mosaic.", 7) == 0)
		return add_option(cl, w, sizeof("mosaic.") - 1);
	if (!*args_only && is_env(w)) {
		if (cl->cl_envc >= CMDLINE_ENV_MAX)
			return -E2BIG;
		cl->cl_envp[cl->cl_envc++] = w;
		return 0;
	}
	if (cl->cl_argc >= CMDLINE_ARGS_MAX)
		return -E2BIG;
	cl->cl_argv[cl->cl_argc++] = w;
	return 0;
}

int cmdline_parse(char *buf, char *argv0, struct cmdline *cl)
{
	bool args_only = false;
	char *src = buf, *dst = buf;
	int rc;

	cl->cl_argc = 1;
	cl->cl_argv[0] = argv0;
	cl->cl_envc = 0;
	cl->cl_optc = 0;
	for (;;) {
		char *word, *end;

		while (is_blank(*src))
			src++;
		if (!*src)
			break;
		word = dst;
		end = take_word(&src, dst);
		if (!end)
			return -EINVAL;
		/* The terminator lands on a byte already consumed. */
		if (*src)
			src++;
		*end = '\0';
		dst = end + 1;
		rc = classify(cl, word, &args_only);
		if (rc)
			return rc;
	}
	cl->cl_argv[cl->cl_argc] = NULL;
	cl->cl_envp[cl->cl_envc] = NULL;
	return 0;
}
