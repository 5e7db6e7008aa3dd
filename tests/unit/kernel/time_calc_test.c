/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/time/time_calc.c: rate scaling against exact
 * 128-bit arithmetic (large counts, odd rates, no overflow), the first
 * counter value of a deadline, Gregorian dates around leap years and the
 * 2000/2100 edges, RTC register decoding (BCD, binary, 12-hour, century,
 * garbage) and TSC rates from CPUID 0x15 and the hypervisor leaf.
 */
#include <kernel/time_calc.h>

#include <kernel/errno.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef unsigned __int128 u128;

#define NS 1000000000ull

/* Rates seen in practice: QEMU TCG and icount, PIT-ish, LAPIC buses,
 * odd crystals, a 5 GHz part, and extreme ones. */
static const uint64_t rates[] = {
	1,
	3,
	1193182,
	3579545,
	19200000,
	24000000,
	25000000,
	100000000,
	999999999,
	1000000000,
	1000000001,
	2112000000,
	2893204000,
	3000000000,
	4294967295ull,
	4294967296ull,
	5000000000ull,
	123456789012ull,
	1ull << 40,
};

/* Exact floor(x * to / from), or UINT64_MAX when it does not fit. */
static uint64_t exact(uint64_t x, uint64_t from, uint64_t to)
{
	u128 q = (u128)x * to / from;

	return (q >> 64) ? UINT64_MAX : (uint64_t)q;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_mul_div(void **state)
{
	(void)state;
	assert_int_equal(time_mul_div(6, 7, 3), 14);
	assert_int_equal(time_mul_div(UINT64_MAX, UINT64_MAX, UINT64_MAX),
			 UINT64_MAX); /* fits exactly */
	assert_int_equal(time_mul_div(UINT64_MAX, 2, 3),
			 (uint64_t)((u128)UINT64_MAX * 2 / 3));
	assert_int_equal(time_mul_div(1ull << 63, 4, 2), UINT64_MAX);
	assert_int_equal(time_mul_div(1, 1, 0), UINT64_MAX);
	assert_int_equal(time_mul_div(0, 5, 7), 0);
}

static void test_scale_refuses_bad_rates(void **state)
{
	struct time_scale s = { 42, 7 };

	(void)state;
	assert_int_equal(time_scale_init(&s, 0, NS), -EINVAL);
	assert_int_equal(time_scale_init(&s, NS, 0), -EINVAL);
	/* 2^64 or more: no 64-bit multiplier with shift 0. */
	assert_int_equal(time_scale_init(&s, 1, UINT64_MAX), 0);
	/* Below 2^-63 even at shift 63. */
	assert_int_equal(time_scale_init(&s, UINT64_MAX, 1), -ERANGE);
	assert_int_equal(time_scale_init(&s, 1ull << 63, 1), 0);
	assert_int_equal(s.ts_mult, 1);
	assert_int_equal(s.ts_shift, 63);
}

static void test_scale_failure_leaves_scale(void **state)
{
	struct time_scale s = { 42, 7 };

	(void)state;
	assert_int_equal(time_scale_init(&s, 0, 1), -EINVAL);
	assert_int_equal(s.ts_mult, 42);
	assert_int_equal(s.ts_shift, 7);
}

/* Relative error of the product stays within the multiplier's precision
 * plus one unit of flooring; the result never exceeds the exact one. */
static void check_scale(uint64_t from, uint64_t to, uint64_t x)
{
	struct time_scale s;
	uint64_t got, want;
	u128 tol;

	assert_int_equal(time_scale_init(&s, from, to), 0);
	got = time_scale_apply(&s, x);
	want = exact(x, from, to);
	assert_true(got >= want);
	/* mult is rounded up: error <= x / 2^shift + 1. */
	tol = ((u128)x >> s.ts_shift) + 1;
	assert_true((u128)(got - want) <= tol);
	/* Exact for whole results when x < 2^shift. */
	if ((u128)x * to % from == 0 && ((u128)x >> s.ts_shift) == 0)
		assert_int_equal(got, want);
}

static void test_scale_accuracy(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t i, j;
	int k;

	(void)state;
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint64_t hz = rates[i];

		for (j = 0; j < sizeof(rates) / sizeof(rates[0]); j++) {
			check_scale(hz, rates[j], 0);
			check_scale(hz, rates[j], 1);
			check_scale(hz, rates[j], hz);
			check_scale(hz, rates[j], UINT64_MAX);
			check_scale(hz, rates[j], UINT64_MAX / 3);
			for (k = 0; k < 64; k++)
				check_scale(hz, rates[j],
					    xorshift(&seed) >> (k % 64));
		}
	}
}

/* TSC -> ns: exact to the nanosecond over a century of uptime. */
static void test_scale_ns_precision(void **state)
{
	static const uint64_t tsc_hz[] = { 1000000000,
					   2893204000,
					   3000000000,
					   5000000000ull,
					   24000000 * 117ull / 2,
					   999999937 };
	uint64_t years100_ns = 100ull * 366 * 86400 * NS;
	struct time_scale s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tsc_hz) / sizeof(tsc_hz[0]); i++) {
		uint64_t hz = tsc_hz[i];
		uint64_t cycles = exact(years100_ns, NS, hz);

		assert_int_equal(time_scale_init(&s, hz, NS), 0);
		/* mult has >= 61 significant bits: at most 1 ns off. */
		assert_true(time_scale_apply(&s, cycles) -
				    exact(cycles, hz, NS) <=
			    1);
		assert_int_equal(time_scale_apply(&s, hz), NS);
		assert_int_equal(time_scale_apply(&s, hz * 3600), 3600 * NS);
	}
}

static void test_scale_saturates(void **state)
{
	struct time_scale s;

	(void)state;
	/* 1 Hz -> 1 GHz: UINT64_MAX seconds are not representable in ns. */
	assert_int_equal(time_scale_init(&s, 1, NS), 0);
	assert_int_equal(time_scale_apply(&s, UINT64_MAX), UINT64_MAX);
	assert_int_equal(time_scale_apply(&s, 18446744073ull),
			 18446744073ull * NS);
	assert_int_equal(time_scale_apply(&s, 18446744074ull), UINT64_MAX);
}

static void test_clock_ns(void **state)
{
	struct time_clock clk;

	(void)state;
	assert_int_equal(time_clock_init(&clk, 3000000000ull, 1000), 0);
	assert_int_equal(time_clock_ns(&clk, 0), 0);
	assert_int_equal(time_clock_ns(&clk, 1000), 0);
	assert_int_equal(time_clock_ns(&clk, 1003), 1);
	assert_int_equal(time_clock_ns(&clk, 1000 + 3000000000ull), NS);
	assert_int_equal(time_clock_init(&clk, 0, 0), -EINVAL);
}

static void check_count(const struct time_clock *clk, uint64_t ns)
{
	uint64_t c = time_clock_count(clk, ns);

	if (c == UINT64_MAX && time_clock_ns(clk, c) < ns)
		return;
	assert_true(time_clock_ns(clk, c) >= ns);
	if (c > 0)
		assert_true(time_clock_ns(clk, c - 1) < ns);
}

static void test_clock_count_is_first(void **state)
{
	uint64_t seed = 12345;
	struct time_clock clk;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint64_t base = xorshift(&seed) >> 8;

		if (time_clock_init(&clk, rates[i], base))
			continue;
		assert_int_equal(time_clock_count(&clk, 0), 0);
		check_count(&clk, 1);
		check_count(&clk, NS);
		check_count(&clk, UINT64_MAX);
		check_count(&clk, UINT64_MAX - 1);
		for (k = 0; k < 200; k++)
			check_count(&clk, xorshift(&seed) >> (k % 64));
	}
}

/* A clock carried on at a new rate from where another stood. */
static void test_clock_init_at(void **state)
{
	uint64_t seed = 777;
	struct time_clock clk;
	size_t i;
	int k;

	(void)state;
	assert_int_equal(time_clock_init_at(&clk, 1000000000ull, 5000, 700), 0);
	assert_int_equal(time_clock_ns(&clk, 5000), 700);
	assert_int_equal(time_clock_ns(&clk, 5001), 701);
	/* Before the base it runs back down to 0, then stays there. */
	assert_int_equal(time_clock_ns(&clk, 4999), 699);
	assert_int_equal(time_clock_ns(&clk, 4300), 0);
	assert_int_equal(time_clock_ns(&clk, 0), 0);
	assert_int_equal(time_clock_ns(&clk, UINT64_MAX), UINT64_MAX - 4300);
	assert_int_equal(time_clock_count(&clk, 700), 5000);
	assert_int_equal(time_clock_count(&clk, 1), 4301);
	assert_int_equal(time_clock_init_at(&clk, 0, 1, 1), -EINVAL);
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint64_t base = xorshift(&seed) >> 8;
		uint64_t base_ns = xorshift(&seed) >> 12;
		uint64_t a, b;

		if (time_clock_init_at(&clk, rates[i], base, base_ns))
			continue;
		assert_int_equal(time_clock_ns(&clk, base), base_ns);
		check_count(&clk, 1);
		check_count(&clk, base_ns);
		check_count(&clk, base_ns - 1);
		check_count(&clk, base_ns + 1);
		check_count(&clk, UINT64_MAX);
		for (k = 0; k < 200; k++) {
			check_count(&clk, xorshift(&seed) >> (k % 64));
			/* Non-decreasing across the base. */
			a = base - (xorshift(&seed) >> (k % 63 + 1)) % 100000;
			b = a + xorshift(&seed) % 200000;
			assert_true(time_clock_ns(&clk, a) <=
				    time_clock_ns(&clk, b));
		}
	}
}

static void test_pit_unwrap(void **state)
{
	(void)state;
	assert_int_equal(time_pit_unwrap(0, 0), 0);
	assert_int_equal(time_pit_unwrap(100, 90), 90);
	assert_int_equal(time_pit_unwrap(65530, 2), 65538);
	assert_int_equal(time_pit_unwrap(65540, 65534), 65534);
	/* 1 s of PIT ticks, 18 wraps, the guess 500 ticks off either way. */
	assert_int_equal(time_pit_unwrap(1193182 + 500, 1193182 % 65536),
			 1193182);
	assert_int_equal(time_pit_unwrap(1193182 - 500, 1193182 % 65536),
			 1193182);
	assert_int_equal(time_pit_unwrap(10 * 65536 + 32767, 0), 10 * 65536);
	assert_int_equal(time_pit_unwrap(10 * 65536 + 32769, 0), 11 * 65536);
	/* Never below 0 nor past the top. */
	assert_int_equal(time_pit_unwrap(10, 65000), 65000);
	assert_int_equal(time_pit_unwrap(UINT64_MAX - 5, 0),
			 UINT64_MAX - 0xffff);
}

static void test_clock_count_saturates(void **state)
{
	struct time_clock clk;

	(void)state;
	/* 5 GHz from a base near the top: far deadlines do not wrap. */
	assert_int_equal(
		time_clock_init(&clk, 5000000000ull, UINT64_MAX - 1000), 0);
	assert_int_equal(time_clock_count(&clk, 3600 * NS), UINT64_MAX);
	assert_int_equal(time_clock_count(&clk, 100), UINT64_MAX - 500);
}

struct date {
	int64_t y;
	unsigned int m, d;
	int64_t days;
};

static const struct date dates[] = {
	{ 1970, 1, 1, 0 },	 { 1969, 12, 31, -1 },
	{ 1970, 1, 2, 1 },	 { 1972, 2, 29, 789 },
	{ 1972, 3, 1, 790 },	 { 2000, 1, 1, 10957 },
	{ 2000, 2, 28, 11015 },	 { 2000, 2, 29, 11016 },
	{ 2000, 3, 1, 11017 },	 { 2000, 12, 31, 11322 },
	{ 2001, 1, 1, 11323 },	 { 2020, 1, 1, 18262 },
	{ 2024, 2, 29, 19782 },	 { 2038, 1, 19, 24855 },
	{ 2099, 12, 31, 47481 }, { 2100, 1, 1, 47482 },
	{ 2100, 2, 28, 47540 },	 { 2100, 3, 1, 47541 },
	{ 1900, 3, 1, -25508 },	 { 1600, 2, 29, -135081 },
	{ 1, 1, 1, -719162 },	 { 0, 3, 1, -719468 },
};

static void test_days_from_civil(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		const struct date *t = &dates[i];
		int64_t y;
		unsigned int m, d;

		assert_int_equal(time_days_from_civil(t->y, t->m, t->d),
				 t->days);
		time_civil_from_days(t->days, &y, &m, &d);
		assert_int_equal(y, t->y);
		assert_int_equal(m, t->m);
		assert_int_equal(d, t->d);
	}
}

/* Every day from 1600 to 2400 round-trips and days are consecutive. */
static void test_civil_round_trip(void **state)
{
	int64_t days = time_days_from_civil(1600, 1, 1);
	int64_t end = time_days_from_civil(2400, 12, 31);
	int64_t y, prev_y = 1599;
	unsigned int m, d, prev_m = 12, prev_d = 31;

	(void)state;
	for (; days <= end; days++) {
		time_civil_from_days(days, &y, &m, &d);
		assert_int_equal(time_days_from_civil(y, m, d), days);
		if (d == 1) {
			assert_true(m == prev_m % 12 + 1);
			assert_true(prev_d >= 28);
			if (prev_m == 2)
				assert_int_equal(
					prev_d,
					time_is_leap_year(prev_y) ? 29 : 28);
		} else {
			assert_int_equal(d, prev_d + 1);
			assert_int_equal(m, prev_m);
		}
		prev_y = y;
		prev_m = m;
		prev_d = d;
	}
}

static void test_leap_years(void **state)
{
	(void)state;
	assert_true(time_is_leap_year(2000));
	assert_false(time_is_leap_year(2100));
	assert_false(time_is_leap_year(1900));
	assert_true(time_is_leap_year(2024));
	assert_false(time_is_leap_year(2023));
	assert_true(time_is_leap_year(2400));
}

static void test_unix_civil(void **state)
{
	struct time_civil tm;
	struct time_civil want = { 2038, 1, 19, 3, 14, 7 };

	(void)state;
	assert_int_equal(time_civil_to_unix(&want), 2147483647);
	time_unix_to_civil(2147483647, &tm);
	assert_memory_equal(&tm, &want, sizeof(tm));
	time_unix_to_civil(-1, &tm);
	assert_int_equal(tm.cv_year, 1969);
	assert_int_equal(tm.cv_mon, 12);
	assert_int_equal(tm.cv_mday, 31);
	assert_int_equal(tm.cv_hour, 23);
	assert_int_equal(tm.cv_min, 59);
	assert_int_equal(tm.cv_sec, 59);
	time_unix_to_civil(1577836800, &tm); /* 2020-01-01T00:00:00Z */
	assert_int_equal(tm.cv_year, 2020);
	assert_int_equal(tm.cv_mon, 1);
	assert_int_equal(tm.cv_mday, 1);
	assert_int_equal(tm.cv_hour + tm.cv_min + tm.cv_sec, 0);
}

/* A BCD 24-hour snapshot of 2020-01-01 00:00:00 with century 20. */
static struct rtc_regs bcd_2020(void)
{
	struct rtc_regs r = {
		.rr_sec = 0x00,
		.rr_min = 0x00,
		.rr_hour = 0x00,
		.rr_mday = 0x01,
		.rr_mon = 0x01,
		.rr_year = 0x20,
		.rr_century = 0x20,
		.rr_status_b = RTC_B_24H,
		.rr_has_century = true,
	};
	return r;
}

static int64_t decode(const struct rtc_regs *r)
{
	struct time_civil tm;

	if (time_rtc_decode(r, &tm))
		return -1;
	return time_civil_to_unix(&tm);
}

static void test_rtc_bcd_and_binary(void **state)
{
	struct rtc_regs r = bcd_2020();

	(void)state;
	assert_int_equal(decode(&r), 1577836800);
	r.rr_sec = 0x59;
	r.rr_min = 0x30;
	r.rr_hour = 0x23;
	r.rr_mday = 0x31;
	r.rr_mon = 0x12;
	r.rr_year = 0x99;
	r.rr_century = 0x19;
	/* 1999-12-31T23:30:59Z */
	assert_int_equal(decode(&r), 946683059);
	r = (struct rtc_regs){ .rr_sec = 59,
			       .rr_min = 30,
			       .rr_hour = 23,
			       .rr_mday = 31,
			       .rr_mon = 12,
			       .rr_year = 99,
			       .rr_century = 19,
			       .rr_status_b = RTC_B_24H | RTC_B_BINARY,
			       .rr_has_century = true };
	assert_int_equal(decode(&r), 946683059);
}

static void test_rtc_12_hour(void **state)
{
	struct rtc_regs r = bcd_2020();
	int64_t midnight = 1577836800;

	(void)state;
	r.rr_status_b = 0; /* BCD, 12-hour */
	r.rr_hour = 0x12; /* 12 AM */
	assert_int_equal(decode(&r), midnight);
	r.rr_hour = 0x01; /* 1 AM */
	assert_int_equal(decode(&r), midnight + 3600);
	r.rr_hour = 0x11; /* 11 AM */
	assert_int_equal(decode(&r), midnight + 11 * 3600);
	r.rr_hour = 0x12 | RTC_HOUR_PM; /* 12 PM, noon */
	assert_int_equal(decode(&r), midnight + 12 * 3600);
	r.rr_hour = 0x01 | RTC_HOUR_PM; /* 1 PM */
	assert_int_equal(decode(&r), midnight + 13 * 3600);
	r.rr_hour = 0x11 | RTC_HOUR_PM; /* 11 PM */
	assert_int_equal(decode(&r), midnight + 23 * 3600);
	r.rr_status_b = RTC_B_BINARY; /* binary, 12-hour */
	r.rr_year = 20;
	r.rr_century = 20;
	r.rr_hour = 12 | RTC_HOUR_PM;
	assert_int_equal(decode(&r), midnight + 12 * 3600);
	r.rr_hour = 12;
	assert_int_equal(decode(&r), midnight);
	r.rr_hour = 0; /* no hour 0 in 12-hour mode */
	assert_int_equal(decode(&r), -1);
	r.rr_hour = 13;
	assert_int_equal(decode(&r), -1);
	r.rr_status_b = RTC_B_BINARY | RTC_B_24H; /* PM bit is invalid */
	r.rr_hour = 1 | RTC_HOUR_PM;
	assert_int_equal(decode(&r), -1);
}

static void test_rtc_century(void **state)
{
	struct rtc_regs r = bcd_2020();

	(void)state;
	r.rr_has_century = false;
	assert_int_equal(decode(&r), 1577836800);
	r.rr_year = 0x99;
	assert_int_equal(decode(&r), time_days_from_civil(2099, 1, 1) * 86400);
	r.rr_has_century = true;
	r.rr_century = 0x21;
	r.rr_year = 0x00;
	assert_int_equal(decode(&r), time_days_from_civil(2100, 1, 1) * 86400);
	/* Garbage or unset century register: 20xx. */
	r.rr_century = 0x00;
	assert_int_equal(decode(&r), time_days_from_civil(2000, 1, 1) * 86400);
	r.rr_century = 0xff;
	assert_int_equal(decode(&r), time_days_from_civil(2000, 1, 1) * 86400);
}

static void test_rtc_leap_days(void **state)
{
	struct rtc_regs r = bcd_2020();

	(void)state;
	r.rr_mon = 0x02;
	r.rr_mday = 0x29;
	assert_int_equal(decode(&r), time_days_from_civil(2020, 2, 29) * 86400);
	r.rr_year = 0x00; /* 2000 is a leap year */
	assert_int_equal(decode(&r), time_days_from_civil(2000, 2, 29) * 86400);
	r.rr_year = 0x21;
	assert_int_equal(decode(&r), -1);
	r.rr_century = 0x21; /* 2100 is not */
	r.rr_year = 0x00;
	assert_int_equal(decode(&r), -1);
	r.rr_mday = 0x28;
	assert_int_equal(decode(&r), time_days_from_civil(2100, 2, 28) * 86400);
}

static void test_rtc_rejects_garbage(void **state)
{
	static const struct {
		size_t off;
		uint8_t v;
	} bad[] = {
		{ offsetof(struct rtc_regs, rr_sec), 0x60 },
		{ offsetof(struct rtc_regs, rr_sec), 0x0a },
		{ offsetof(struct rtc_regs, rr_min), 0xff },
		{ offsetof(struct rtc_regs, rr_hour), 0x24 },
		{ offsetof(struct rtc_regs, rr_mday), 0x00 },
		{ offsetof(struct rtc_regs, rr_mday), 0x32 },
		{ offsetof(struct rtc_regs, rr_mon), 0x00 },
		{ offsetof(struct rtc_regs, rr_mon), 0x13 },
		{ offsetof(struct rtc_regs, rr_year), 0xa0 },
	};
	struct time_civil tm = { 1, 2, 3, 4, 5, 6 };
	struct time_civil orig = tm;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rtc_regs r = bcd_2020();

		((uint8_t *)&r)[bad[i].off] = bad[i].v;
		assert_int_equal(time_rtc_decode(&r, &tm), -EINVAL);
		assert_memory_equal(&tm, &orig, sizeof(tm));
	}
	{
		struct rtc_regs r = bcd_2020();

		r.rr_mon = 0x04;
		r.rr_mday = 0x31; /* April has 30 days */
		assert_int_equal(time_rtc_decode(&r, &tm), -EINVAL);
	}
}

static void test_cpuid15(void **state)
{
	(void)state;
	/* Ice Lake-ish: 38.4 MHz crystal, ratio 2:156 -> 2.9952 GHz. */
	assert_int_equal(time_cpuid15_tsc_hz(2, 156, 38400000, 0),
			 2995200000ull);
	/* Skylake reports ecx 0: needs the known crystal. */
	assert_int_equal(time_cpuid15_tsc_hz(2, 216, 0, 0), 0);
	assert_int_equal(time_cpuid15_tsc_hz(2, 216, 0, 24000000),
			 2592000000ull);
	/* Not enumerated. */
	assert_int_equal(time_cpuid15_tsc_hz(0, 216, 24000000, 0), 0);
	assert_int_equal(time_cpuid15_tsc_hz(2, 0, 24000000, 0), 0);
	/* Large values do not overflow. */
	assert_int_equal(time_cpuid15_tsc_hz(1, 0xffffffff, 0xffffffff, 0),
			 (uint64_t)0xffffffff * 0xffffffff);
	assert_int_equal(time_cpuid15_tsc_hz(3, 1000, 25000000, 0),
			 8333333333ull);
}

static void test_known_crystal(void **state)
{
	(void)state;
	/* Family 6 model 0x9e stepping 9 (Kaby Lake desktop). */
	assert_int_equal(time_known_crystal_hz(0x000906e9, true), 24000000);
	assert_int_equal(time_known_crystal_hz(0x000806ea, true), 24000000);
	assert_int_equal(time_known_crystal_hz(0x000506e3, true), 24000000);
	assert_int_equal(time_known_crystal_hz(0x000406e3, true), 24000000);
	assert_int_equal(time_known_crystal_hz(0x000506c9, true), 19200000);
	assert_int_equal(time_known_crystal_hz(0x000506f1, true), 25000000);
	/* Skylake-SP: ambiguous, so unknown. */
	assert_int_equal(time_known_crystal_hz(0x00050654, true), 0);
	/* Same signature on a non-Intel CPU. */
	assert_int_equal(time_known_crystal_hz(0x000906e9, false), 0);
	/* Family 15 with extended family: not family 6. */
	assert_int_equal(time_known_crystal_hz(0x00a00f11, true), 0);
}

static void test_hypervisor_leaf(void **state)
{
	(void)state;
	assert_int_equal(time_hv_tsc_hz(0x40000010, 2893204), 2893204000ull);
	assert_int_equal(time_hv_tsc_hz(0x40000020, 1000000), 1000000000ull);
	assert_int_equal(time_hv_tsc_hz(0x4000000f, 2893204), 0);
	assert_int_equal(time_hv_tsc_hz(0x40000010, 0), 0);
	assert_int_equal(time_hv_tsc_hz(0, 2893204), 0);
	assert_int_equal(time_hv_tsc_hz(0xffffffff, 2893204), 0);
	assert_int_equal(time_hv_tsc_hz(0x40000010, 0xffffffff),
			 0xffffffffull * 1000);
}

/* The host's side of the pvclock ABI for a TSC of `hz`: the shift that
 * puts mul in [2^31, 2^32), and mul = 10^9 * 2^32 / (hz << shift)
 * (KVM's kvm_get_time_scale() picks the same pair by its own steps). */
static void pvclock_scale(uint64_t hz, uint32_t *mul, int8_t *shift)
{
	/* ns per tick times 2^32, as a fraction: (10^9 << 32) / hz. */
	unsigned __int128 m = ((unsigned __int128)1000000000u << 32) / hz;
	int s = 0;

	while (m >= (1ull << 32)) {
		m >>= 1;
		s++;
	}
	while (m < (1ull << 31)) {
		m <<= 1;
		s--;
	}
	*mul = (uint32_t)m;
	*shift = (int8_t)s;
}

static void test_pvclock_rate(void **state)
{
	static const uint64_t rates[] = {
		10000000ull,   1000000000ull, 1999999999ull,
		2096000000ull, 2893204000ull, 3000000000ull,
		4294967296ull, 5123456789ull, 99999999999ull,
	};
	uint32_t mul;
	int8_t shift;
	uint64_t hz, err;
	size_t i;

	(void)state;
	/* ns = (delta << 1) * 2^31 / 2^32 = delta: 1 GHz. */
	assert_int_equal(time_pvclock_tsc_hz(1u << 31, 1), 1000000000ull);
	/* ns = (delta >> 1) * (2/3 * 2^32) / 2^32: 3 GHz, to a few Hz. */
	hz = time_pvclock_tsc_hz(2863311531u, -1);
	assert_true(hz > 2999999990ull && hz <= 3000000000ull);
	/* Back from what a host would publish, to within 1 ppm. */
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		pvclock_scale(rates[i], &mul, &shift);
		hz = time_pvclock_tsc_hz(mul, shift);
		err = hz > rates[i] ? hz - rates[i] : rates[i] - hz;
		if (err > rates[i] / 1000000)
			fail_msg("%llu Hz came back as %llu (mul %u shift %d)",
				 (unsigned long long)rates[i],
				 (unsigned long long)hz, mul, shift);
	}
	/* Nothing to divide by, a shift no host uses, or no room. */
	assert_int_equal(time_pvclock_tsc_hz(0, 0), 0);
	assert_int_equal(time_pvclock_tsc_hz(1u << 31, 32), 0);
	assert_int_equal(time_pvclock_tsc_hz(1u << 31, -32), 0);
	assert_int_equal(time_pvclock_tsc_hz(1, -31), 0);
	assert_int_equal(time_pvclock_tsc_hz(1u << 31, -31),
			 2000000000ull << 31);
}

static void test_pit_rate(void **state)
{
	(void)state;
	/* 5 ms of PIT ticks (5966) at exactly 3 GHz. */
	assert_int_equal(time_pit_tsc_hz(15000000, 5966) / 1000000, 2999);
	/* A whole second of ticks gives the TSC count back. */
	/* 3579545 ticks are 3 s. */
	assert_int_equal(time_pit_tsc_hz(9000000000ull, 3579545),
			 3000000000ull);
	assert_int_equal(time_pit_tsc_hz(12345, 0), 0);
	assert_int_equal(time_pit_tsc_hz(UINT64_MAX, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mul_div),
		cmocka_unit_test(test_pvclock_rate),
		cmocka_unit_test(test_scale_refuses_bad_rates),
		cmocka_unit_test(test_scale_failure_leaves_scale),
		cmocka_unit_test(test_scale_accuracy),
		cmocka_unit_test(test_scale_ns_precision),
		cmocka_unit_test(test_scale_saturates),
		cmocka_unit_test(test_clock_ns),
		cmocka_unit_test(test_clock_count_is_first),
		cmocka_unit_test(test_clock_count_saturates),
		cmocka_unit_test(test_clock_init_at),
		cmocka_unit_test(test_pit_unwrap),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_civil_round_trip),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_unix_civil),
		cmocka_unit_test(test_rtc_bcd_and_binary),
		cmocka_unit_test(test_rtc_12_hour),
		cmocka_unit_test(test_rtc_century),
		cmocka_unit_test(test_rtc_leap_days),
		cmocka_unit_test(test_rtc_rejects_garbage),
		cmocka_unit_test(test_cpuid15),
		cmocka_unit_test(test_known_crystal),
		cmocka_unit_test(test_hypervisor_leaf),
		cmocka_unit_test(test_pit_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
