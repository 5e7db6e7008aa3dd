/* SPDX-License-Identifier: MIT */
/*
 * OS options on the kernel command line: `mosaic.NAME=VALUE`. A module
 * declares the options it owns with KERNEL_PARAM; an option nobody declares
 * is refused at boot (DESIGN.md §1), never silently ignored.
 */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#include <kernel/compiler.h>

struct kparam {
	const char *kp_name; /* without the "mosaic." prefix */
	/*
	 * Applies the value (NULL when the option had no '='). Returns 0, or
	 * -EINVAL for a value it does not accept; prints nothing (the caller
	 * prints one line with kp_help).
	 */
	int (*kp_set)(const char *value);
	const char *kp_help; /* short form of the accepted values */
};

#define KERNEL_PARAM(name, set, help)                                          \
	static const struct kparam __kparam_##set __used __section(".kparam")  \
		__aligned(8) = { name, set, help }

/*
 * Applies option `name` (without "mosaic.") with `value` (may be NULL).
 * Returns 0, -ENOENT if no module declares the option, or the handler's
 * error; then *help (if help is non-NULL) is the option's kp_help.
 */
int __must_check kparam_apply(const char *name, const char *value,
			      const char **help);

/*
 * Writes the declared option names, space-separated and each with the
 * "mosaic." prefix, into buf (always NUL-terminated when size > 0).
 */
void kparam_list(char *buf, unsigned long size);

#endif /* KERNEL_PARAM_H */
