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

#include <mosaic/memstats.h>

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

static unsigned int lcg(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

static size_t random_size(unsigned int *seed)
{
	unsigned int r = lcg(seed);

	return r % 8 ? 16 + r % 2048 : 16 + r % 65536;
}

/* Takes blocks of random sizes (16 B to 64 KiB, mostly small) until the
 * heap is exhausted, checks each one's pattern, frees them all; returns
 * the bytes it got. */
static unsigned long fill_heap(unsigned int seed)
{
	static void *blocks[16384];
	unsigned int replay = seed;
	unsigned long total = 0;
	size_t n, i, size;

	for (n = 0; n < sizeof(blocks) / sizeof(blocks[0]); n++) {
		size = random_size(&seed);
		blocks[n] = malloc(size);
		if (!blocks[n])
			break;
		memset(blocks[n], (int)(n & 0xff), size);
		total += size;
	}
	for (i = 0; i < n; i++) {
		const unsigned char *b = blocks[i];

		size = random_size(&replay); /* the same sequence again */
		if (b[0] != (i & 0xff) || b[size - 1] != (i & 0xff)) {
			printf("TEST FAIL: block %zu lost its contents\n", i);
			exit(1);
		}
		free(blocks[i]);
	}
	return total;
}

/* Three rounds over the whole of RAM (up to 16384 blocks) with the same
 * random sizes. After each, the heap must hold no live object and no
 * large page more than before, and the frames free or held by the heap
 * must add up to what they did before: nothing leaked anywhere. (How many
 * bytes a round gets may vary: fragmentation decides when a large block
 * no longer fits.) */
static int stress(void)
{
	struct mosaic_memstats before, after;
	unsigned long got[3];
	int r;

	mosaic_memstats(&before);
	for (r = 0; r < 3; r++) {
		got[r] = fill_heap(1234);
		mosaic_memstats(&after);
		if (after.ms_heap_objects != before.ms_heap_objects ||
		    after.ms_heap_large_pages != before.ms_heap_large_pages) {
			printf("TEST FAIL: round %d left %lu objects, %lu large "
			       "pages\n",
			       r, after.ms_heap_objects,
			       after.ms_heap_large_pages);
			return 1;
		}
		/* Frames only move between the allocator and the heap
		 * (slabs, its side table): their sum may never change. */
		if (after.ms_free_pages + after.ms_heap_pages !=
			    before.ms_free_pages + before.ms_heap_pages ||
		    got[r] == 0) {
			printf("TEST FAIL: round %d got %lu bytes and left %lu "
			       "pages free or in the heap, %lu before\n",
			       r + 1, got[r],
			       after.ms_free_pages + after.ms_heap_pages,
			       before.ms_free_pages + before.ms_heap_pages);
			return 1;
		}
	}
	printf("stress: %lu bytes, then %lu, then %lu; %lu of %lu pages free\n",
	       got[0], got[1], got[2], after.ms_free_pages,
	       after.ms_total_pages);
	if (got[0] == 0) {
		printf("TEST FAIL: the heap gave nothing\n");
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
