/* SPDX-License-Identifier: MIT */
/*
 * Where the application starts: the kernel calls libc_start() (through
 * KERNEL_APP_ENTRY) with argv/envp from the command line; libc opens the
 * descriptors, runs the "app" initcalls of the services this image links
 * (the network stack, mosaic.disk= mounts: <kernel/init.h>), calls main()
 * and passes its return value to exit().
 */
#include <stdint.h>
#include <stdlib.h>

#include <kernel/app.h>
#include <kernel/init.h>

#include "libc_impl.h"

char **environ;

/* The TSC just before main(), for <mosaic/bootstats.h>. */
uint64_t libc_main_tsc;

int main(int argc, char **argv, char **envp);

static int libc_start(int argc, char **argv, char **envp)
{
	environ = envp;
	libc_files_init();
	initcalls_run("app");
	libc_main_tsc = __builtin_ia32_rdtsc();
	exit(main(argc, argv, envp));
}
KERNEL_APP_ENTRY(libc_start);
