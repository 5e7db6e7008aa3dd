/* SPDX-License-Identifier: MIT */
/*
 * Where the application starts: the kernel calls libc_start() (through
 * KERNEL_APP_ENTRY) with argv/envp from the command line; libc calls
 * main() and passes its return value to exit().
 */
#include <stdlib.h>

#include <kernel/app.h>
#include <net/netd.h>

#include "libc_impl.h"

char **environ;

int main(int argc, char **argv, char **envp);

static int libc_start(int argc, char **argv, char **envp)
{
	environ = envp;
	libc_files_init();
	net_start_boot();
	exit(main(argc, argv, envp));
}
KERNEL_APP_ENTRY(libc_start);
