/* SPDX-License-Identifier: MIT */
/*
 * Initcalls: how drivers and libos hook into boot without the kernel naming
 * them. kernel_main() runs the boot levels in order, libc the app and exit
 * levels; within a level, calls must not depend on each other's order.
 *
 * Selection by use: an INITCALL() is always linked. An INITCALL_ON_USE()
 * entry is linked (with everything only it reaches) only when a function
 * that is itself linked names it with INITCALL_USE(), so a subsystem's
 * start-up goes into the image exactly when a caller of the subsystem
 * does. Drivers are selected by class the same way (DRIVER_CLASS_USE()).
 */
#ifndef KERNEL_INIT_H
#define KERNEL_INIT_H

#include <stdbool.h>

#include <kernel/compiler.h>

/*
 * Levels, in the order they run:
 *   console  consoles; runs first, before the command line is read, so
 *            nothing here may log at info level or depend on options
 *   core     kernel subsystems
 *   bus      bus enumeration (linked only with a driver or a device
 *            listing: kernel/dev/dev.c), after the CPUs are up
 *   device   device drivers
 *   late     libos services that need devices
 *   app      libos services that start in the first microapp, after the
 *            file descriptors and before main() (libc's start runs it)
 *   exit     at exit() and _Exit(), after stdio is flushed (libc runs it)
 * The digit in the section name groups a level (linker SORT).
 */
#define INIT_LEVEL_console "0"
#define INIT_LEVEL_core "1"
#define INIT_LEVEL_bus "2"
#define INIT_LEVEL_device "3"
#define INIT_LEVEL_late "4"
#define INIT_LEVEL_app "5"
#define INIT_LEVEL_exit "6"

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
 * Registers fn to run at `level` like INITCALL(), but only in an image
 * where a linked function says INITCALL_USE(fn): otherwise the linker's
 * garbage collection drops the entry, fn and all that only fn reaches.
 * The entry is a global symbol, initcall_<fn>, in a section of its own
 * (both needed: ld -r would merge same-named sections, and the users may
 * sit in other files); the layer's exports list localizes it.
 */
#define INITCALL_ON_USE(level, fn)                                             \
	extern const struct initcall initcall_##fn;                            \
	const struct initcall initcall_##fn __used __section(                  \
		".initcall." INIT_LEVEL_##level "." #fn)                       \
		__aligned(8) = { fn, #fn, #level }

/*
 * Inside a function: links the INITCALL_ON_USE() entry of fn whenever
 * this function is linked. It emits a relocation of type R_X86_64_NONE
 * (no bytes change), which --gc-sections follows like a call.
 */
#ifndef UNIT_TEST
#define INITCALL_USE(fn) __asm__(".reloc ., R_X86_64_NONE, initcall_" #fn)
#else
/* A host unit test links chosen files: nothing to select. */
#define INITCALL_USE(fn) ((void)0)
#endif

/*
 * Inside a function: links the drivers of device class `cls` (net, blk,
 * rng) whenever this function is linked. The build generates the class
 * lists from drivers/module.mk (DRIVERS-<cls>: the drivers'
 * INITCALL_ON_USE() functions), so no kernel file names a driver.
 */
#ifndef UNIT_TEST
#define DRIVER_CLASS_USE(cls)                                                  \
	__asm__(".reloc ., R_X86_64_NONE, driver_class_" #cls)
#else
#define DRIVER_CLASS_USE(cls) ((void)0)
#endif

/*
 * Runs every initcall of `level` ("console", "core", ...). Called by
 * kernel_main() for the boot levels and by libc for "app" and "exit".
 */
void initcalls_run(const char *level);

/*
 * Whether this image links the initcall named `name` (its function's
 * name): how a run-time request names a feature the image left out
 * instead of failing obscurely. Any context.
 */
bool initcall_is_linked(const char *name);

#endif /* KERNEL_INIT_H */
