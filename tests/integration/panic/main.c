/* SPDX-License-Identifier: MIT */
/*
 * Integration test: faults end the image with one parseable panic record
 * that names the faulting function. argv[1] picks the fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* noipa: the compiler may not learn that these never return, so their
 * calls stay calls and main() appears in the backtrace. */
__attribute__((noinline, noipa)) static void crash_ud2(void)
{
	__builtin_trap();
}

__attribute__((noinline, noipa)) static int crash_null(volatile int *p)
{
	return *p;
}

/* Recurses until `limit` (argv-controlled, so the compiler cannot prove the
 * recursion infinite); with a huge limit it runs into the guard page. */
__attribute__((noinline, noipa)) static int recurse(volatile char *prev,
						    int depth, int limit)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	if (prev)
		frame[1] = prev[0];
	if (depth == limit)
		return frame[1];
	return recurse(frame, depth + 1, limit) + frame[1];
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	printf("panic test: %s\n", what);
	if (strcmp(what, "ud2") == 0)
		crash_ud2();
	else if (strcmp(what, "null") == 0)
		crash_null(NULL);
	else if (strcmp(what, "overflow") == 0)
		recurse(NULL, 0, argc + 1000000);
	else if (strcmp(what, "abort") == 0)
		abort();
	printf("TEST FAIL: survived '%s'\n", what);
	return 1;
}
