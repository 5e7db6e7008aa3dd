/* SPDX-License-Identifier: MIT */
/* Runs the initcalls of one level (<kernel/init.h>). */
#include <kernel/init.h>
#include <kernel/log.h>
#include <kernel/string.h>
#include <kernel/sections.h>

void initcalls_run(const char *level)
{
	const struct initcall *ic;

	for (ic = __initcall_start; ic < __initcall_end; ic++) {
		int rc;

		if (kstrcmp(ic->ic_level, level) != 0)
			continue;
		log_debug("init: %s\n", ic->ic_name);
		rc = ic->ic_fn();
		if (rc)
			log_err("mosaic: %s failed (%d), going on without it\n",
				ic->ic_name, rc);
	}
}

bool initcall_is_linked(const char *name)
{
	for (const struct initcall *ic = __initcall_start; ic < __initcall_end;
	     ic++)
		if (kstrcmp(ic->ic_name, name) == 0)
			return true;
	return false;
}
