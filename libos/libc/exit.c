/* SPDX-License-Identifier: MIT */
/* exit, _Exit, abort and atexit over the kernel's kernel_exit()/panic(). */
#include <signal.h>
#include <stdlib.h>

#include <kernel/init.h>
#include <kernel/panic.h>
#include <kernel/power.h>

#include "libc_impl.h"

#define ATEXIT_MAX 32

/* [o] main task only until pthreads arrive (#5). */
static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_count;

int atexit(void (*fn)(void))
{
	if (atexit_count == ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_count++] = fn;
	return 0;
}

void exit(int status)
{
	while (atexit_count > 0)
		atexit_fns[--atexit_count]();
	libc_stdio_flush_all();
	/* The file systems' write-back, when the image links one. */
	initcalls_run("exit");
	kernel_exit(status);
}

/* What write() wrote survives _Exit(), as the page cache does on Linux:
 * the disks are written back (but stdio's buffers are dropped). */
void _Exit(int status)
{
	initcalls_run("exit");
	kernel_exit(status);
}

/* POSIX: SIGABRT's handler runs first, if there is one; if it returns,
 * the microapp still ends, as with no handler. */
void abort(void)
{
	struct sigaction act;
	sigset_t abrt, pending;

	if (sigaction(SIGABRT, NULL, &act) == 0 && act.sa_handler != SIG_DFL &&
	    act.sa_handler != SIG_IGN) {
		sigemptyset(&abrt);
		sigaddset(&abrt, SIGABRT);
		sigpending(&pending);
		/* A pending SIGABRT is delivered by the unblocking itself. */
		sigprocmask(SIG_UNBLOCK, &abrt, NULL);
		if (sigismember(&pending, SIGABRT) != 1)
			raise(SIGABRT);
	}
	libc_stdio_flush_all();
	fault_or_panic(FAULT_CODE_ABORT, "abort() called");
}

int abs(int v)
{
	return v < 0 ? -v : v;
}

long labs(long v)
{
	return v < 0 ? -v : v;
}
