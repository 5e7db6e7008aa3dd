/* SPDX-License-Identifier: MIT */
/*
 * Integration test: anonymous private mmap/munmap/mprotect. argv[1] picks
 * a case. Non-faulting cases check zero fill, contents, protections that
 * can be seen without faulting, MAP_FIXED, splits, refusals, exhaustion
 * and a 10,000-round leak check, and print TEST PASS; the others make an
 * access that must end the image with a page-fault panic record.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096ul
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define LOOP_ROUNDS 10000
#define MAX_PIECES 8192

typedef int (*fn_t)(void);

static int failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("TEST FAIL: %s (line %d)\n", #cond, __LINE__);  \
			failed = 1;                                            \
		}                                                              \
	} while (0)

/* noipa: the compiler must not see through these accesses. */
__attribute__((noinline, noipa)) static void poke(volatile char *p, char v)
{
	*p = v;
}

__attribute__((noinline, noipa)) static char peek(volatile char *p)
{
	return *p;
}

static char *map(size_t len, int prot)
{
	return mmap(NULL, len, prot, ANON, -1, 0);
}

static char *map_fixed(void *at, size_t len, int prot)
{
	return mmap(at, len, prot, ANON | MAP_FIXED, -1, 0);
}

static int all_bytes(const char *p, size_t len, char v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static int page_is(const char *p, char v)
{
	return all_bytes(p, PAGE, v);
}

/* Sizes from one byte to several MiB: aligned, zeroed, private. */
static void basic(void)
{
	static const size_t sizes[] = { 1, PAGE, 3 * PAGE + 5, 1 << 20,
					5 << 20 };
	char *m[sizeof(sizes) / sizeof(sizes[0])];
	size_t i, n = sizeof(sizes) / sizeof(sizes[0]);

	for (i = 0; i < n; i++) {
		m[i] = map(sizes[i], RW);
		CHECK(m[i] != MAP_FAILED);
		if (m[i] == MAP_FAILED)
			return;
		CHECK(((uintptr_t)m[i] & (PAGE - 1)) == 0);
		CHECK(all_bytes(m[i], sizes[i], 0));
		memset(m[i], (int)(i + 1), sizes[i]);
	}
	for (i = 0; i < n; i++) {
		size_t whole = (sizes[i] + PAGE - 1) & ~(PAGE - 1);

		CHECK(all_bytes(m[i], sizes[i], (char)(i + 1)));
		/* Rounded up to pages: the tail of the last page is there. */
		CHECK(all_bytes(m[i] + sizes[i], whole - sizes[i], 0));
		CHECK(munmap(m[i], sizes[i]) == 0);
	}
	m[0] = map(PAGE, RW);
	CHECK(m[0] != MAP_FAILED && munmap(m[0], PAGE) == 0);
	/* A free hint is taken as it is. */
	m[1] = mmap(m[0], 2 * PAGE, PROT_READ, ANON, -1, 0);
	CHECK(m[1] == m[0]);
	CHECK(m[1] != MAP_FAILED && page_is(m[1] + PAGE, 0));
	CHECK(munmap(m[1], 2 * PAGE) == 0);
}

/* The code of `int f(void) { return 42; }`: mov $42, %eax; ret. */
static const unsigned char ret42[] = { 0xb8, 42, 0, 0, 0, 0xc3 };

static void protect(void)
{
	char *p = map(4 * PAGE, RW);
	char *heap = malloc(2 * PAGE);

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x5a, 4 * PAGE);
	CHECK(mprotect(p, PAGE, PROT_READ) == 0);
	CHECK(peek(p) == 0x5a);
	CHECK(mprotect(p, 4 * PAGE, PROT_NONE) == 0);
	CHECK(mprotect(p + PAGE, 2 * PAGE, RW) == 0);
	poke(p + PAGE, 1); /* writable again, contents kept */
	CHECK(p[PAGE] == 1 && p[PAGE + 1] == 0x5a && p[3 * PAGE - 1] == 0x5a);
	CHECK(mprotect(p, 4 * PAGE, RW) == 0);
	CHECK(page_is(p, 0x5a) && page_is(p + 3 * PAGE, 0x5a));
	memcpy(p, ret42, sizeof(ret42));
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_EXEC) == 0);
	CHECK(((fn_t)(void *)p)() == 42);
	CHECK(mprotect(p, PAGE, PROT_EXEC) == 0);
	CHECK(((fn_t)(void *)p)() == 42);
	CHECK(mprotect(p, 0, PROT_NONE) == 0);
	CHECK(mprotect(p, PAGE, 8) == -1);
	CHECK(mprotect(p + 1, PAGE, PROT_READ) == -1);
	CHECK(mprotect(p, 5 * PAGE, PROT_READ) == -1); /* a page unmapped */
	CHECK(peek(p + PAGE) == 1); /* ...and nothing changed */
	poke(p + PAGE, 2);
	CHECK(heap &&
	      mprotect((void *)(((uintptr_t)heap + PAGE - 1) & ~(PAGE - 1)),
		       PAGE, PROT_READ) == -1);
	free(heap);
	CHECK(munmap(p, 4 * PAGE) == 0);
}

/* W^X: writable and executable together is refused, nothing changes. */
static void wx(void)
{
	char *p = map(PAGE, PROT_WRITE | PROT_EXEC);

	CHECK(p == MAP_FAILED);
	p = map(PAGE, RW);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) == -1);
	CHECK(mprotect(p, PAGE, PROT_WRITE | PROT_EXEC) == -1);
	poke(p, 7); /* still writable */
	CHECK(map_fixed(p, PAGE, PROT_WRITE | PROT_EXEC) == MAP_FAILED);
	CHECK(peek(p) == 7); /* the old mapping is still there */
	CHECK(munmap(p, PAGE) == 0);
}

/* MAP_FIXED replaces part of a mapping, holes and PROT_NONE pages. */
static void fixed(void)
{
	char *p = map(8 * PAGE, RW), *q;
	int i;

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x11, 8 * PAGE);
	q = map_fixed(p + 2 * PAGE, 3 * PAGE, RW);
	CHECK(q == p + 2 * PAGE);
	CHECK(all_bytes(q, 3 * PAGE, 0));
	memset(q, 0x22, 3 * PAGE);
	CHECK(page_is(p + PAGE, 0x11) && page_is(p + 5 * PAGE, 0x11));
	/* Page 5 PROT_NONE, 6 unmapped, 7 kept; 8 beyond the old end. */
	CHECK(mprotect(p + 5 * PAGE, PAGE, PROT_NONE) == 0);
	CHECK(munmap(p + 6 * PAGE, PAGE) == 0);
	q = map_fixed(p + 4 * PAGE, 5 * PAGE, PROT_READ);
	CHECK(q == p + 4 * PAGE);
	CHECK(q != MAP_FAILED && all_bytes(q, 5 * PAGE, 0));
	CHECK(page_is(p + 3 * PAGE, 0x22));
	CHECK(mprotect(q, 5 * PAGE, RW) == 0);
	for (i = 0; i < 9; i++)
		poke(p + i * PAGE, (char)i);
	/* Outside the region (low memory, the image), misaligned: refused. */
	CHECK(map_fixed((void *)0x200000, PAGE, RW) == MAP_FAILED);
	CHECK(map_fixed((void *)((uintptr_t)&failed & ~(PAGE - 1)), PAGE, RW) ==
	      MAP_FAILED);
	CHECK(map_fixed(p + 1, PAGE, RW) == MAP_FAILED);
	for (i = 0; i < 9; i++)
		CHECK(peek(p + i * PAGE) == (char)i);
	CHECK(munmap(p, 9 * PAGE) == 0);
}

/* munmap of a middle part keeps both ends, usable. */
static void split(void)
{
	char *p = map(8 * PAGE, RW);

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x33, 8 * PAGE);
	CHECK(munmap(p + 3 * PAGE, 2 * PAGE) == 0);
	CHECK(all_bytes(p, 3 * PAGE, 0x33));
	CHECK(all_bytes(p + 5 * PAGE, 3 * PAGE, 0x33));
	poke(p + 3 * PAGE - 1, 1);
	poke(p + 5 * PAGE, 2);
	CHECK(munmap(p + 3 * PAGE, 2 * PAGE) == 0); /* nothing there: fine */
	CHECK(mprotect(p + 2 * PAGE, 4 * PAGE, PROT_READ) == -1);
	CHECK(munmap(p + PAGE, PAGE) == 0); /* a second split */
	CHECK(peek(p) == 0x33 && peek(p + 2 * PAGE) == 0x33);
	CHECK(munmap(p, 8 * PAGE) == 0);
	CHECK(munmap(p, 8 * PAGE) == 0);
}

static void args(void)
{
	char *p = map(PAGE, RW);
	char *heap = malloc(64);

	CHECK(p != MAP_FAILED);
	CHECK(map(0, RW) == MAP_FAILED);
	CHECK(map(PAGE, 0x10) == MAP_FAILED);
	CHECK(mmap(NULL, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0) ==
	      MAP_FAILED);
	CHECK(mmap(NULL, PAGE, RW, MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
	CHECK(mmap(NULL, PAGE, RW, MAP_PRIVATE, -1, 0) == MAP_FAILED);
	CHECK(mmap(NULL, PAGE, RW, ANON, 3, 0) == MAP_FAILED);
	CHECK(mmap(NULL, PAGE, RW, ANON, -1, PAGE) == MAP_FAILED);
	CHECK(mmap(NULL, PAGE, RW, ANON | 0x1000, -1, 0) == MAP_FAILED);
	CHECK(munmap(p, 0) == -1);
	CHECK(munmap(p + 1, PAGE) == -1);
	CHECK(munmap(heap, 64) == -1);
	CHECK(munmap((void *)0x1000, PAGE) == -1);
	CHECK(munmap(p, PAGE) == 0);
	CHECK(munmap(p, PAGE) == 0);
	CHECK(mprotect(p, PAGE, PROT_READ) == -1);
	free(heap);
}

/* Maps what it can (256-, 16- then 1-page pieces), unmaps it all and
 * returns the number of pages it got. */
static size_t free_pages(void)
{
	static char *piece[MAX_PIECES];
	static size_t piece_len[MAX_PIECES];
	static const size_t chunks[] = { 256, 16, 1 };
	size_t n = 0, total = 0, c, i;

	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		while (n < MAX_PIECES) {
			char *p = map(chunks[c] * PAGE, RW);

			if (p == MAP_FAILED)
				break;
			poke(p, 1);
			piece[n] = p;
			piece_len[n++] = chunks[c] * PAGE;
			total += chunks[c];
		}
	}
	for (i = 0; i < n; i++)
		CHECK(munmap(piece[i], piece_len[i]) == 0);
	return total;
}

/*
 * Sizes around the limit, so that each step in turn is the one that runs
 * out: the record, the frames, the page tables (mmap, and mprotect of a
 * PROT_NONE mapping, which has frames but no page tables yet).
 */
static void near_limit(size_t avail)
{
	unsigned int map_fails = 0, protect_fails = 0;
	size_t n;
	char *p;

	for (n = avail - 64; n < avail + 16; n++) {
		p = map(n * PAGE, RW);
		if (p == MAP_FAILED)
			map_fails++;
		else
			CHECK(p[n * PAGE - 1] == 0 && munmap(p, n * PAGE) == 0);
		p = map(n * PAGE, PROT_NONE);
		if (p == MAP_FAILED)
			continue;
		if (mprotect(p, n * PAGE, RW) == 0)
			CHECK(p[n * PAGE - 1] == 0);
		else
			protect_fails++;
		CHECK(munmap(p, n * PAGE) == 0);
	}
	printf("near-limit: %u maps and %u mprotects failed\n", map_fails,
	       protect_fails);
	CHECK(map_fails > 0 && map_fails < 80);
}

/* Asking for more than RAM (or the region) fails and changes nothing. */
static void exhaust(void)
{
	size_t before, after;
	char *p;

	before = free_pages();
	CHECK(map(1ul << 30, RW) == MAP_FAILED);
	CHECK(map(2ul << 40, RW) == MAP_FAILED);
	CHECK(map(~0ul - 10, RW) == MAP_FAILED);
	CHECK(map(2 * before * PAGE, PROT_NONE) == MAP_FAILED);
	near_limit(before);
	after = free_pages();
	printf("exhaust: %zu pages free before, %zu after\n", before, after);
	CHECK(before > 0 && before == after);
	p = map(before / 2 * PAGE, RW);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK(page_is(p + (before / 2 - 1) * PAGE, 0));
	CHECK(munmap(p, before / 2 * PAGE) == 0);
}

/* One round of the leak check: maps, protects, splits, replaces, unmaps. */
static int churn(int i)
{
	size_t pages = 1 + (size_t)i % 4;
	char *a = map(pages * PAGE, RW), *b = map(2 * PAGE, PROT_READ);

	if (a == MAP_FAILED || b == MAP_FAILED)
		return -1;
	a[0] = (char)i;
	a[pages * PAGE - 1] = (char)i;
	if (i % 3 == 0 && mprotect(a, PAGE, PROT_NONE))
		return -1;
	if (i % 5 == 0 && map_fixed(b + PAGE, PAGE, RW) != b + PAGE)
		return -1;
	if (pages > 2 && munmap(a + PAGE, PAGE))
		return -1;
	if (munmap(a, pages * PAGE) || munmap(b, 2 * PAGE))
		return -1;
	return 0;
}

static void loop(void)
{
	size_t before, after;
	int i;

	for (i = 0; i < 16; i++)
		CHECK(churn(i) == 0);
	(void)free_pages(); /* warm up the heap's slabs */
	before = free_pages();
	for (i = 0; i < LOOP_ROUNDS && !failed; i++)
		if (churn(i)) {
			printf("TEST FAIL: round %d failed\n", i);
			failed = 1;
		}
	after = free_pages();
	printf("loop: %d rounds; %zu pages free before, %zu after\n", i, before,
	       after);
	CHECK(before > 0 && before == after);
}

/*
 * Random MAP_FIXED, munmap and mprotect calls over a window of WIN pages,
 * checked against a model of each page: mapped, prot, and the value
 * stamped on its first and last byte (0 when freshly mapped).
 */
#define WIN 64
#define RANDOM_OPS 20000

struct page_model {
	int mapped, prot;
	char stamp;
};

static struct page_model model[WIN];
static unsigned int rnd_state = 12345;

static unsigned int rnd(unsigned int n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static int model_all_mapped(unsigned int p, unsigned int n)
{
	unsigned int i;

	for (i = p; i < p + n; i++)
		if (!model[i].mapped)
			return 0;
	return 1;
}

static void random_op(char *win, unsigned int p, unsigned int n)
{
	static const int prots[] = { PROT_NONE, PROT_READ, RW, PROT_EXEC,
				     PROT_READ | PROT_EXEC };
	int prot = prots[rnd(5)], want, rc;
	unsigned int op = rnd(3), i;
	char *at = win + p * PAGE;

	if (op == 0)
		rc = map_fixed(at, n * PAGE, prot) == at ? 0 : -1;
	else if (op == 1)
		rc = munmap(at, n * PAGE);
	else
		rc = mprotect(at, n * PAGE, prot);
	want = op == 2 && !model_all_mapped(p, n) ? -1 : 0;
	CHECK(rc == want);
	for (i = p; i < p + n && rc == 0; i++) {
		if (op != 2)
			model[i].stamp = 0;
		model[i].mapped = op != 1;
		model[i].prot = op == 1 ? PROT_NONE : prot;
	}
}

/* Checks every readable page against the model, restamps writable ones. */
static void random_check(char *win)
{
	unsigned int i;

	for (i = 0; i < WIN; i++) {
		char *pg = win + i * PAGE;

		if (!model[i].mapped || model[i].prot == PROT_NONE)
			continue;
		if (peek(pg) != model[i].stamp ||
		    peek(pg + PAGE - 1) != model[i].stamp) {
			printf("TEST FAIL: page %u holds %d, not %d\n", i,
			       peek(pg), model[i].stamp);
			failed = 1;
		}
		if (model[i].prot & PROT_WRITE) {
			model[i].stamp = (char)(1 + rnd(255));
			poke(pg, model[i].stamp);
			poke(pg + PAGE - 1, model[i].stamp);
		}
	}
}

/* One run over a fresh window; the window is unmapped at the end. */
static void random_pass(void)
{
	char *win = map(WIN * PAGE, RW);
	unsigned int k;

	CHECK(win != MAP_FAILED);
	if (win == MAP_FAILED)
		return;
	for (k = 0; k < WIN; k++)
		model[k] = (struct page_model){ 1, RW, 0 };
	for (k = 0; k < RANDOM_OPS && !failed; k++) {
		unsigned int p = rnd(WIN), n = 1 + rnd(rnd(4) ? 4 : WIN - p);

		if (p + n > WIN)
			n = WIN - p;
		random_op(win, p, n);
		random_check(win);
	}
	CHECK(munmap(win, WIN * PAGE) == 0);
}

/* The first pass leaves the heap's slab caches warm; the second must
 * give back every page it took. */
static void random_run(void)
{
	size_t before, after;

	random_pass();
	before = free_pages();
	random_pass();
	after = free_pages();
	printf("random: 2 x %d ops; %zu pages free before, %zu after\n",
	       RANDOM_OPS, before, after);
	CHECK(before > 0 && before == after);
}

/* --- faulting cases -------------------------------------------------- */

static void ro_write(void)
{
	char *p = map(2 * PAGE, RW);

	CHECK(p != MAP_FAILED && mprotect(p + PAGE, PAGE, PROT_READ) == 0);
	poke(p + PAGE - 1, 1);
	CHECK(peek(p + PAGE) == 0);
	printf("ro-write: writing 0x%lx\n", (unsigned long)(p + PAGE));
	poke(p + PAGE, 1);
}

static void none_read(void)
{
	char *p = map(PAGE, RW);

	poke(p, 1);
	CHECK(p != MAP_FAILED && mprotect(p, PAGE, PROT_NONE) == 0);
	printf("none-read: reading 0x%lx\n", (unsigned long)p);
	peek(p);
}

static void unmap_read(void)
{
	char *p = map(PAGE, RW);

	poke(p, 1);
	CHECK(p != MAP_FAILED && munmap(p, PAGE) == 0);
	printf("unmap-read: reading 0x%lx\n", (unsigned long)p);
	peek(p);
}

static void middle_write(void)
{
	char *p = map(3 * PAGE, RW);

	CHECK(p != MAP_FAILED && munmap(p + PAGE, PAGE) == 0);
	poke(p, 1);
	poke(p + 2 * PAGE, 1);
	printf("middle-write: writing 0x%lx\n", (unsigned long)(p + PAGE));
	poke(p + PAGE, 1);
}

static void noexec(void)
{
	char *p = map(PAGE, RW);

	memcpy(p, ret42, sizeof(ret42));
	CHECK(mprotect(p, PAGE, PROT_READ) == 0);
	((fn_t)(void *)p)();
}

static const struct {
	const char *name;
	void (*run)(void);
	int faults;
} cases[] = {
	{ "basic", basic, 0 },
	{ "protect", protect, 0 },
	{ "wx", wx, 0 },
	{ "fixed", fixed, 0 },
	{ "split", split, 0 },
	{ "args", args, 0 },
	{ "exhaust", exhaust, 0 },
	{ "loop", loop, 0 },
	{ "random", random_run, 0 },
	{ "ro-write", ro_write, 1 },
	{ "none-read", none_read, 1 },
	{ "unmap-read", unmap_read, 1 },
	{ "middle-write", middle_write, 1 },
	{ "noexec", noexec, 1 },
};

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	size_t i;

	printf("mmap: %s\n", what);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(what, cases[i].name) != 0)
			continue;
		cases[i].run();
		if (cases[i].faults)
			printf("TEST FAIL: survived '%s'\n", what);
		else if (!failed)
			printf("TEST PASS\n");
		return cases[i].faults || failed;
	}
	printf("TEST FAIL: no case '%s'\n", what);
	return 1;
}
