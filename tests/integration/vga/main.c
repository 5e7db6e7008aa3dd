/* SPDX-License-Identifier: MIT */
/*
 * Integration test: without a serial port the console falls back to VGA
 * text mode. The test runs with no COM1, so its only voice is the exit
 * status: it prints a marker, then looks for it in VGA text memory (which
 * the direct map covers at its physical address, 0xb8000).
 */
#include <stdio.h>
#include <string.h>

#define VGA_TEXT 0xb8000ul
#define VGA_CELLS (80 * 25)

static const char marker[] = "VGA-MARKER-7f3a";

static int screen_has(const char *s)
{
	const volatile unsigned short *cell =
		(const volatile unsigned short *)VGA_TEXT;
	size_t n = strlen(s), i, j;

	for (i = 0; i + n <= VGA_CELLS; i++) {
		for (j = 0; j < n && (char)(cell[i + j] & 0xff) == s[j]; j++)
			;
		if (j == n)
			return 1;
	}
	return 0;
}

int main(void)
{
	printf("%s\n", marker);
	fflush(stdout);
	return screen_has(marker) ? 0 : 1;
}
