/* SPDX-License-Identifier: MIT */
/*
 * Splits the kernel command line into the application's argv and envp and
 * the OS options (DESIGN.md §1). Words are separated by blanks; "double"
 * and 'single' quotes group, and a backslash outside single quotes takes the
 * next character literally. A word is:
 *   mosaic.NAME[=VALUE]  an OS option (see <kernel/param.h>)
 *   virtio_mmio.device=VALUE  the OS option "virtio_mmio.device", which
 *                        QEMU -M microvm appends for each virtio-mmio
 *                        device; taken even after "--"
 *   --                   the end of options: every later word is argv
 *   NAME=VALUE           an environment variable (NAME a C identifier)
 *   anything else        the next argv entry
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <kernel/compiler.h>

#define CMDLINE_ARGS_MAX 64
#define CMDLINE_ENV_MAX 64
#define CMDLINE_OPTS_MAX 32

struct cmdline_opt {
	char *co_name; /* after "mosaic.", before '=' */
	char *co_value; /* after '=', or NULL when there was none */
};

struct cmdline {
	int cl_argc;
	char *cl_argv[CMDLINE_ARGS_MAX + 1]; /* NULL-terminated */
	int cl_envc;
	char *cl_envp[CMDLINE_ENV_MAX + 1]; /* NULL-terminated */
	int cl_optc;
	struct cmdline_opt cl_opts[CMDLINE_OPTS_MAX];
};

/*
 * Parses `buf` in place (it is modified and must outlive `cl`); argv[0] is
 * `argv0`. Returns 0, -EINVAL for an unterminated quote, or -E2BIG when a
 * list overflows. On error `cl` is unspecified. `mosaic.` alone or
 * `mosaic.=x` give an option with an empty name (no module owns it).
 */
int __must_check cmdline_parse(char *buf, char *argv0, struct cmdline *cl);

#endif /* KERNEL_CMDLINE_H */
