/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/lib/ksym.c: ksym_lookup_in() over tables laid out as
 * tools/mksyms writes them, edge addresses, a random table vs an oracle,
 * tables cut short, token expansion and damaged tokens.
 */

#include <kernel/errno.h>
#include <kernel/ksym.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define RANDOM_SYMBOLS 1000
#define RANDOM_GAP_MAX 64
#define NAME_BYTES 16

/* ksym_lookup() reads the image's table; an empty one lets ksym.c link. */
const struct ksym_table ksym_table = { 0 };

/* A symbol as the tests describe it, before it is laid out. */
struct sym {
	uint32_t addr;
	const char *name;
};

/* Appends v as unsigned LEB128 at out; returns the bytes written. */
static size_t put_leb128(uint8_t *out, uint32_t v)
{
	size_t n = 0;

	do {
		out[n] = v & 0x7f;
		v >>= 7;
		if (v)
			out[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

/* Lays out a table (header, token pairs, then delta + name records) in one
 * heap block, as tools/mksyms does; names are given as codes, tokens
 * included. Free the result with free(). */
static struct ksym_table *table_build_tok(const struct sym *syms, uint32_t n,
					  uint32_t text_end,
					  const uint8_t *pairs, uint32_t ntok)
{
	size_t bytes = 2 * ntok, len;
	struct ksym_table *t;
	uint32_t i, prev;

	for (i = 0; i < n; i++)
		bytes += 5 + strlen(syms[i].name) + 1;
	t = malloc(sizeof(*t) + bytes);
	assert_non_null(t);
	t->kt_count = n;
	t->kt_base = n ? syms[0].addr : 0;
	t->kt_text_end = text_end;
	t->kt_tokens = ntok;
	if (ntok)
		memcpy(t->kt_data, pairs, 2 * ntok);
	bytes = 2 * ntok;
	prev = t->kt_base;
	for (i = 0; i < n; i++) {
		bytes += put_leb128(&t->kt_data[bytes], syms[i].addr - prev);
		len = strlen(syms[i].name) + 1;
		memcpy(&t->kt_data[bytes], syms[i].name, len);
		bytes += len;
		prev = syms[i].addr;
	}
	t->kt_bytes = (uint32_t)bytes;
	return t;
}

/* A table whose names are plain characters. */
static struct ksym_table *table_build(const struct sym *syms, uint32_t n,
				      uint32_t text_end)
{
	return table_build_tok(syms, n, text_end, NULL, 0);
}

/* Three functions; the text section ends 0x80 bytes after the last. */
static const struct sym small_syms[] = {
	{ 0x1000, "alpha" },
	{ 0x1040, "beta" },
	{ 0x1100, "gamma_long_name" },
};

#define SMALL_TEXT_END 0x1180

static int setup_small(void **state)
{
	*state = table_build(small_syms, 3, SMALL_TEXT_END);
	return 0;
}

static int teardown_table(void **state)
{
	free(*state);
	return 0;
}

static void check_found(const struct ksym_table *t, uintptr_t addr,
			const char *name, uintptr_t offset)
{
	char got_name[KSYM_NAME_MAX];
	uintptr_t got_offset = ~(uintptr_t)0;

	memset(got_name, 'X', sizeof(got_name));
	assert_int_equal(ksym_lookup_in(t, addr, got_name, sizeof(got_name),
					&got_offset),
			 0);
	assert_string_equal(got_name, name);
	assert_int_equal(got_offset, offset);
}

static void check_not_found(const struct ksym_table *t, uintptr_t addr)
{
	char name[KSYM_NAME_MAX];
	uintptr_t offset = 0;

	assert_int_equal(ksym_lookup_in(t, addr, name, sizeof(name), &offset),
			 -ENOENT);
}

static void check_damaged(const struct ksym_table *t, uintptr_t addr)
{
	char name[KSYM_NAME_MAX];
	uintptr_t offset = 0;

	assert_int_equal(ksym_lookup_in(t, addr, name, sizeof(name), &offset),
			 -EINVAL);
}

static void test_empty_table_is_enoent(void **state)
{
	struct ksym_table *t = table_build(NULL, 0, 0x2000);

	(void)state;
	check_not_found(t, 0);
	check_not_found(t, 0x1000);
	free(t);
}

static void test_image_table_lookup_uses_ksym_table(void **state)
{
	char name[KSYM_NAME_MAX];
	uintptr_t offset = 0;

	(void)state;
	/* The dummy image table above is empty. */
	assert_int_equal(ksym_lookup(0x1000, name, sizeof(name), &offset),
			 -ENOENT);
}

static void test_address_below_first_symbol_is_enoent(void **state)
{
	const struct ksym_table *t = *state;

	check_not_found(t, 0);
	check_not_found(t, 0xfff);
}

static void test_symbol_start_has_offset_0(void **state)
{
	const struct ksym_table *t = *state;

	check_found(t, 0x1000, "alpha", 0);
	check_found(t, 0x1040, "beta", 0);
	check_found(t, 0x1100, "gamma_long_name", 0);
}

static void test_address_between_symbols_names_preceding(void **state)
{
	const struct ksym_table *t = *state;

	check_found(t, 0x1001, "alpha", 1);
	check_found(t, 0x103f, "alpha", 0x3f);
	check_found(t, 0x1041, "beta", 1);
	check_found(t, 0x10ff, "beta", 0xbf);
}

static void test_last_symbol_runs_to_text_end(void **state)
{
	const struct ksym_table *t = *state;

	check_found(t, 0x1101, "gamma_long_name", 1);
	check_found(t, SMALL_TEXT_END - 1, "gamma_long_name",
		    SMALL_TEXT_END - 1 - 0x1100);
}

static void test_text_end_and_beyond_is_enoent(void **state)
{
	const struct ksym_table *t = *state;

	check_not_found(t, SMALL_TEXT_END);
	check_not_found(t, SMALL_TEXT_END + 1);
	check_not_found(t, 0xffffffffu);
	check_not_found(t, (uintptr_t)0x100001000ull);
	check_not_found(t, UINTPTR_MAX);
}

static void test_single_symbol_table(void **state)
{
	static const struct sym one[] = { { 0x200000, "only" } };
	struct ksym_table *t = table_build(one, 1, 0x200010);

	(void)state;
	check_not_found(t, 0x1fffff);
	check_found(t, 0x200000, "only", 0);
	check_found(t, 0x20000f, "only", 0xf);
	check_not_found(t, 0x200010);
	free(t);
}

static void test_symbols_near_4gib(void **state)
{
	static const struct sym high[] = {
		{ 0xfffff000u, "high_a" },
		{ 0xffffff00u, "high_b" },
	};
	struct ksym_table *t = table_build(high, 2, 0xffffffffu);

	(void)state;
	check_found(t, 0xfffffeffu, "high_a", 0xeff);
	check_found(t, 0xfffffffeu, "high_b", 0xfe);
	check_not_found(t, 0xffffffffu);
	free(t);
}

/* Numerical Recipes LCG: deterministic across hosts. */
static uint32_t lcg_next(uint32_t *seed)
{
	*seed = *seed * 1664525u + 1013904223u;
	return *seed >> 8;
}

/* The index of the last symbol starting at or before addr, or -1. */
static long oracle(const struct sym *syms, uint32_t n, uint32_t text_end,
		   uintptr_t addr)
{
	long found = -1;
	uint32_t i;

	if (addr >= text_end)
		return -1;
	for (i = 0; i < n; i++) {
		if (syms[i].addr <= addr)
			found = i;
	}
	return found;
}

static void test_random_table_matches_oracle(void **state)
{
	static char names[RANDOM_SYMBOLS][NAME_BYTES];
	static struct sym syms[RANDOM_SYMBOLS];
	uint32_t seed = 0x6b73796d, addr = 0x100000 + 0x1234;
	uint32_t text_end, i;
	struct ksym_table *t;
	uintptr_t a;

	(void)state;
	for (i = 0; i < RANDOM_SYMBOLS; i++) {
		snprintf(names[i], sizeof(names[i]), "fn_%u", i);
		syms[i].addr = addr;
		syms[i].name = names[i];
		addr += 1 + lcg_next(&seed) % RANDOM_GAP_MAX;
	}
	text_end = addr + lcg_next(&seed) % RANDOM_GAP_MAX;
	t = table_build(syms, RANDOM_SYMBOLS, text_end);
	for (a = syms[0].addr - 16; a < text_end + 16; a++) {
		long want = oracle(syms, RANDOM_SYMBOLS, text_end, a);

		if (want < 0)
			check_not_found(t, a);
		else
			check_found(t, a, syms[want].name, a - syms[want].addr);
	}
	free(t);
}

/* A table cut short (kt_bytes too small) is not read past its end. */
static void test_truncated_table_is_enoent(void **state)
{
	static const struct sym two[] = { { 0x1000, "first" },
					  { 0x1400, "second" } };
	struct ksym_table *t = table_build(two, 2, 0x1800);

	(void)state;
	check_found(t, 0x1001, "first", 1);
	t->kt_bytes = 8; /* inside the second record's delta */
	check_found(t, 0x1001, "first", 1);
	check_found(t, 0x1500, "first", 0x500);
	t->kt_bytes = 4; /* inside the first name */
	check_not_found(t, 0x1001);
	free(t);
}

/* Large gaps take multi-byte deltas. */
static void test_wide_gaps(void **state)
{
	static const struct sym far[] = { { 0x100000, "lo" },
					  { 0x100080, "mid" },
					  { 0x3fff0000u, "hi" } };
	struct ksym_table *t = table_build(far, 3, 0x40000000u);

	(void)state;
	check_found(t, 0x10007f, "lo", 0x7f);
	check_found(t, 0x100080, "mid", 0);
	check_found(t, 0x3ffeffffu, "mid", 0x3ffeffffu - 0x100080);
	check_found(t, 0x3fff0001u, "hi", 1);
	free(t);
}

/* Token 0x80 = "al", 0x81 = 0x80 "p" = "alp", 0x82 = "ha". */
static const uint8_t alpha_pairs[] = { 'a', 'l', 0x80, 'p', 'h', 'a' };

static void test_tokens_expand(void **state)
{
	static const struct sym coded[] = {
		{ 0x1000, "\x81\x82" }, /* alpha */
		{ 0x1010, "x\x80\x80y" }, /* xalaly */
		{ 0x1020, "\x82s" }, /* has */
	};
	struct ksym_table *t =
		table_build_tok(coded, 3, 0x1030, alpha_pairs, 3);

	(void)state;
	check_found(t, 0x1000, "alpha", 0);
	check_found(t, 0x101f, "xalaly", 0xf);
	check_found(t, 0x1022, "has", 2);
	free(t);
}

/* A name is cut to the buffer, NUL included; size 0 writes nothing. */
static void test_name_cut_to_buffer(void **state)
{
	static const struct sym coded[] = { { 0x1000, "\x81\x82" } };
	struct ksym_table *t =
		table_build_tok(coded, 1, 0x1010, alpha_pairs, 3);
	char name[8];
	uintptr_t off = 0;

	(void)state;
	memset(name, 'X', sizeof(name));
	assert_int_equal(ksym_lookup_in(t, 0x1004, name, 4, &off), 0);
	assert_string_equal(name, "alp");
	assert_int_equal(name[4], 'X');
	assert_int_equal(off, 4);
	assert_int_equal(ksym_lookup_in(t, 0x1001, name, 1, &off), 0);
	assert_string_equal(name, "");
	assert_int_equal(ksym_lookup_in(t, 0x1002, NULL, 0, &off), 0);
	assert_int_equal(off, 2);
	free(t);
}

/* A token naming itself, a later token or a code past kt_tokens, and a
 * table claiming more tokens than it can hold, are damaged. */
static void test_damaged_tokens_are_einval(void **state)
{
	static const struct sym bad_code[] = { { 0x1000, "a\x83" } };
	static const struct sym uses_0[] = { { 0x1000, "\x80" } };
	static const uint8_t self[] = { 0x80, 'a' };
	static const uint8_t later[] = { 'a', 0x81, 'b', 'c' };
	static const uint8_t zero[] = { 'a', 0 };
	struct ksym_table *t;

	(void)state;
	t = table_build_tok(bad_code, 1, 0x1010, alpha_pairs, 3);
	check_damaged(t, 0x1000);
	free(t);
	t = table_build_tok(uses_0, 1, 0x1010, self, 1);
	check_damaged(t, 0x1000);
	free(t);
	t = table_build_tok(uses_0, 1, 0x1010, later, 2);
	check_damaged(t, 0x1000);
	free(t);
	t = table_build_tok(uses_0, 1, 0x1010, zero, 1);
	check_damaged(t, 0x1000);
	free(t);
	t = table_build_tok(uses_0, 1, 0x1010, alpha_pairs, 3);
	check_found(t, 0x1000, "al", 0);
	t->kt_tokens = 129;
	check_damaged(t, 0x1000);
	t->kt_tokens = 3;
	t->kt_bytes = 5;
	check_damaged(t, 0x1000);
	free(t);
}

/* Token i = token i-1 then 'x' needs a stack of depth + 1: a chain
 * KSYM_DEPTH_MAX deep expands, one deeper is damaged; a chain nesting
 * on the right needs no stack and may be as long as the token space. */
static void test_token_nesting_depth(void **state)
{
	static uint8_t pairs[2 * 128];
	static char want[160];
	char code[2] = { 0, 0 };
	struct sym one = { 0x1000, code };
	struct ksym_table *t;
	unsigned int i;

	(void)state;
	for (i = 0; i <= KSYM_DEPTH_MAX; i++) {
		pairs[2 * i] = i ? (uint8_t)(0x80 + i - 1) : 'y';
		pairs[2 * i + 1] = 'x';
	}
	/* Token KSYM_DEPTH_MAX - 1 nests KSYM_DEPTH_MAX deep: "y" + x's. */
	memset(want, 0, sizeof(want));
	want[0] = 'y';
	memset(want + 1, 'x', KSYM_DEPTH_MAX);
	code[0] = (char)(0x80 + KSYM_DEPTH_MAX - 1);
	t = table_build_tok(&one, 1, 0x1010, pairs, KSYM_DEPTH_MAX + 1);
	check_found(t, 0x1000, want, 0);
	free(t);
	code[0] = (char)(0x80 + KSYM_DEPTH_MAX);
	t = table_build_tok(&one, 1, 0x1010, pairs, KSYM_DEPTH_MAX + 1);
	check_damaged(t, 0x1000);
	free(t);

	for (i = 0; i < 128; i++) {
		pairs[2 * i] = 'x';
		pairs[2 * i + 1] = i ? (uint8_t)(0x80 + i - 1) : 'y';
	}
	memset(want, 0, sizeof(want));
	memset(want, 'x', KSYM_NAME_MAX - 1); /* 128 x's and y, cut */
	code[0] = (char)0xff;
	t = table_build_tok(&one, 1, 0x1010, pairs, 128);
	check_found(t, 0x1000, want, 0);
	free(t);
}

#define SMALL_CASE(name)                                                       \
	cmocka_unit_test_setup_teardown(name, setup_small, teardown_table)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_table_is_enoent),
		cmocka_unit_test(test_image_table_lookup_uses_ksym_table),
		SMALL_CASE(test_address_below_first_symbol_is_enoent),
		SMALL_CASE(test_symbol_start_has_offset_0),
		SMALL_CASE(test_address_between_symbols_names_preceding),
		SMALL_CASE(test_last_symbol_runs_to_text_end),
		SMALL_CASE(test_text_end_and_beyond_is_enoent),
		cmocka_unit_test(test_single_symbol_table),
		cmocka_unit_test(test_symbols_near_4gib),
		cmocka_unit_test(test_random_table_matches_oracle),
		cmocka_unit_test(test_truncated_table_is_enoent),
		cmocka_unit_test(test_wide_gaps),
		cmocka_unit_test(test_tokens_expand),
		cmocka_unit_test(test_name_cut_to_buffer),
		cmocka_unit_test(test_damaged_tokens_are_einval),
		cmocka_unit_test(test_token_nesting_depth),
	};

	return cmocka_run_group_tests_name("ksym", tests, NULL, NULL);
}
