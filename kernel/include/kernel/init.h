/* SPDX-License-Identifier: MIT */
/*
 * Initcalls: how drivers and libos hook into boot without the kernel naming
 * them. kernel_main() runs each level in order; within a level, calls run
 * in link order and must not depend on each other.
 */
#ifndef KERNEL_INIT_H
#define KERNEL_INIT_H

#include <kernel/compiler.h>

/*
 * Levels, in the order they run:
 *   console  consoles; runs first, before the command line is read, so
 *            nothing here may log at info level or depend on options
 *   core     kernel subsystems
 *   device   device drivers
 *   late     libos services that need devices
 * The digit in the section name sets the order (linker SORT).
 */
#define INIT_LEVEL_console "0"
#define INIT_LEVEL_core "1"
#define INIT_LEVEL_device "2"
#define INIT_LEVEL_late "3"

struct initcall {
	int (*ic_fn)(void); /* returns 0 or a negative errno */
	const char *ic_name;
	const char *ic_level;
};

/*
 * Registers fn to run at `level` (one of the names above). A failing
 * initcall is logged with its name and boot goes on.
 */
#define INITCALL(level, fn)                                                    \
	static const struct initcall __initcall_##fn __used __section(         \
		".initcall." INIT_LEVEL_##level)                               \
		__aligned(8) = { fn, #fn, #level }

/*
 * Runs every initcall of `level` ("console", "core", ...). Called by
 * kernel_main() only.
 */
void initcalls_run(const char *level);

#endif /* KERNEL_INIT_H */
