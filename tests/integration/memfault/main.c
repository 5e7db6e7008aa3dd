/* SPDX-License-Identifier: MIT */
/*
 * Integration test: the memory protections hold. argv[1] picks an access
 * that must fault (W^X, NX, unmapped low memory, heap misuse); each ends
 * the image with a panic record naming what happened. `stress` must not
 * fault: it fills the heap twice and checks both rounds get the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*fn_t)(void);

static unsigned char data_code[16] = { 0xc3 }; /* ret, in .data */
static const char rodata_str[] = "read-only";

/* noipa: the compiler must not see through these accesses. */
__attribute__((noinline, noipa)) static void poke(volatile char *p, char v)
{
	*p = v;
}

__attribute__((noinline, noipa)) static char peek(volatile char *p)
{
	return *p;
}

__attribute__((noinline, noipa)) static void jump(void *code)
{
	((fn_t)code)();
}

static void exec_stack(void)
{
	unsigned char code[16] = { 0xc3 };

	jump(code);
}

static void exec_heap(void)
{
	unsigned char *code = malloc(16);

	code[0] = 0xc3;
	jump(code);
}

static void double_free(void)
{
	void *p = malloc(32);

	free(p);
	free(p);
}

static void foreign_free(void)
{
	static char not_heap[64];

	free(not_heap + 16);
}

/* Takes blocks of mixed sizes until the heap is exhausted, checks each
 * one's pattern, frees them all; returns the bytes it got. */
static unsigned long fill_heap(void)
{
	static void *blocks[65536];
	static const size_t sizes[] = { 16, 48, 100, 256, 1000, 4096, 30000 };
	unsigned long total = 0;
	size_t n, i;

	for (n = 0; n < sizeof(blocks) / sizeof(blocks[0]); n++) {
		size_t size = sizes[n % (sizeof(sizes) / sizeof(sizes[0]))];

		blocks[n] = malloc(size);
		if (!blocks[n])
			break;
		memset(blocks[n], (int)(n & 0xff), size);
		total += size;
	}
	for (i = 0; i < n; i++) {
		size_t size = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
		const unsigned char *b = blocks[i];

		if (b[0] != (i & 0xff) || b[size - 1] != (i & 0xff)) {
			printf("TEST FAIL: block %zu lost its contents\n", i);
			exit(1);
		}
		free(blocks[i]);
	}
	return total;
}

/* The first round may lose a little to heap metadata that grows on the
 * way (its side table doubles); after that every round must get exactly
 * as much as the one before, or something was not given back. */
static int stress(void)
{
	unsigned long first = fill_heap(), second = fill_heap();
	unsigned long third = fill_heap();

	printf("stress: %lu bytes, then %lu, then %lu\n", first, second, third);
	if (first == 0 || second < first || third != second) {
		printf("TEST FAIL: the heap did not get everything back\n");
		return 1;
	}
	printf("TEST PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	printf("memfault: %s\n", what);
	if (strcmp(what, "write-text") == 0)
		poke((volatile char *)(void *)main, 0);
	else if (strcmp(what, "write-rodata") == 0)
		poke((volatile char *)rodata_str, 0);
	else if (strcmp(what, "exec-data") == 0)
		jump(data_code);
	else if (strcmp(what, "exec-stack") == 0)
		exec_stack();
	else if (strcmp(what, "exec-heap") == 0)
		exec_heap();
	else if (strcmp(what, "read-0") == 0)
		peek((volatile char *)0);
	else if (strcmp(what, "write-0") == 0)
		poke((volatile char *)0, 1);
	else if (strcmp(what, "read-0x1000") == 0)
		peek((volatile char *)0x1000);
	else if (strcmp(what, "write-0x1000") == 0)
		poke((volatile char *)0x1000, 1);
	else if (strcmp(what, "double-free") == 0)
		double_free();
	else if (strcmp(what, "foreign-free") == 0)
		foreign_free();
	else if (strcmp(what, "stress") == 0)
		return stress();
	printf("TEST FAIL: survived '%s'\n", what);
	return 1;
}
