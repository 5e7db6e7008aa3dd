/* SPDX-License-Identifier: MIT */
/* The table of declared `mosaic.` options (<kernel/param.h>). */
#include <kernel/param.h>

#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/sections.h>

int kparam_apply(const char *name, const char *value, const char **help)
{
	const struct kparam *p;

	for (p = __kparam_start; p < __kparam_end; p++) {
		if (kstrcmp(p->kp_name, name) == 0) {
			if (help)
				*help = p->kp_help;
			return p->kp_set(value);
		}
	}
	return -ENOENT;
}

void kparam_list(char *buf, unsigned long size)
{
	const struct kparam *p;
	size_t used = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (p = __kparam_start; p < __kparam_end && used < size; p++) {
		used += kstrlcpy(buf + used, used ? " mosaic." : "mosaic.",
				 size - used);
		if (used < size)
			used += kstrlcpy(buf + used, p->kp_name, size - used);
	}
}
