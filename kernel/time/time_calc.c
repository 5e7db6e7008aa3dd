/* SPDX-License-Identifier: MIT */
/*
 * Clock arithmetic for <kernel/time_calc.h>: fixed-point rate scaling,
 * Gregorian dates, RTC register decoding and TSC rates from CPUID values.
 * No hardware access and no 128-bit division (the image has no libgcc):
 * 128-bit products only, and a shift-and-subtract divide for calibration.
 */
#include <kernel/time_calc.h>

#include <kernel/errno.h>

typedef unsigned __int128 u128;

#define SECS_PER_DAY 86400

/* floor(n / d) for d > 0, one quotient bit per step. */
static u128 udiv128_64(u128 n, uint64_t d)
{
	u128 q = 0, r = 0;
	int i;

	for (i = 127; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= (u128)1 << i;
		}
	}
	return q;
}

uint64_t time_mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	u128 q;

	if (!c)
		return UINT64_MAX;
	q = udiv128_64((u128)a * b, c);
	return (q >> 64) ? UINT64_MAX : (uint64_t)q;
}

int time_scale_init(struct time_scale *s, uint64_t from_hz, uint64_t to_hz)
{
	unsigned int shift = 63;
	u128 q;

	if (!from_hz || !to_hz)
		return -EINVAL;
	if (((u128)to_hz << 63) < from_hz)
		return -ERANGE;
	/* The largest shift keeps the most bits of the ratio. Rounding
	 * the multiplier up makes whole results exact (a second of TSC
	 * cycles is exactly 10^9 ns) and errs by at most one unit above. */
	for (;;) {
		q = udiv128_64(((u128)to_hz << shift) + from_hz - 1, from_hz);
		if (!(q >> 64))
			break;
		if (shift == 0)
			return -ERANGE;
		shift--;
	}

	s->ts_mult = (uint64_t)q;
	s->ts_shift = shift;
	return 0;
}

uint64_t time_scale_apply(const struct time_scale *s, uint64_t x)
{
	u128 y = ((u128)x * s->ts_mult) >> s->ts_shift;

	return (y >> 64) ? UINT64_MAX : (uint64_t)y;
}

int time_clock_init(struct time_clock *clk, uint64_t hz, uint64_t base)
{
	return time_clock_init_at(clk, hz, base, 0);
}

int time_clock_init_at(struct time_clock *clk, uint64_t hz, uint64_t base,
		       uint64_t base_ns)
{
	struct time_scale to_ns, to_count;
	int rc;

	rc = time_scale_init(&to_ns, hz, 1000000000ull);
	if (!rc)
		rc = time_scale_init(&to_count, 1000000000ull, hz);
	if (rc)
		return rc;
	clk->tc_base = base;
	clk->tc_base_ns = base_ns;
	clk->tc_hz = hz;
	clk->tc_to_ns = to_ns;
	clk->tc_to_count = to_count;
	return 0;
}

uint64_t time_clock_ns(const struct time_clock *clk, uint64_t count)
{
	uint64_t d;

	if (count < clk->tc_base) {
		d = time_scale_apply(&clk->tc_to_ns, clk->tc_base - count);
		return d >= clk->tc_base_ns ? 0 : clk->tc_base_ns - d;
	}
	d = time_scale_apply(&clk->tc_to_ns, count - clk->tc_base);
	return d > UINT64_MAX - clk->tc_base_ns ? UINT64_MAX
						: clk->tc_base_ns + d;
}

uint64_t time_clock_count(const struct time_clock *clk, uint64_t ns)
{
	uint64_t c, guess, lo, hi, step;

	if (!ns)
		return 0;
	if (time_clock_ns(clk, UINT64_MAX) < ns)
		return UINT64_MAX;
	if (ns >= clk->tc_base_ns) {
		guess = time_scale_apply(&clk->tc_to_count,
					 ns - clk->tc_base_ns);
		c = guess > UINT64_MAX - clk->tc_base ? UINT64_MAX
						      : clk->tc_base + guess;
	} else {
		guess = time_scale_apply(&clk->tc_to_count,
					 clk->tc_base_ns - ns);
		c = guess >= clk->tc_base ? 0 : clk->tc_base - guess;
	}
	/* The guess is off by a few counts, or by up to a count per ns
	 * at rates above 1 GHz: gallop out from it to a bracket
	 * ns(lo) < ns <= ns(hi), then bisect to the first count. */
	hi = c;
	for (step = 1; time_clock_ns(clk, hi) < ns; step <<= 1)
		hi = hi > UINT64_MAX - step ? UINT64_MAX : hi + step;
	lo = hi;
	for (step = 1; time_clock_ns(clk, lo) >= ns; step <<= 1) {
		if (!lo)
			return 0;
		lo = lo > step ? lo - step : 0;
	}
	while (hi - lo > 1) {
		c = lo + (hi - lo) / 2;
		if (time_clock_ns(clk, c) >= ns)
			hi = c;
		else
			lo = c;
	}
	return hi;
}

int64_t time_days_from_civil(int64_t year, unsigned int month, unsigned int day)
{
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	uint64_t yoe = (uint64_t)(y - era * 400);
	uint64_t doy =
		(153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

void time_civil_from_days(int64_t days, int64_t *year, unsigned int *month,
			  unsigned int *day)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	uint64_t doe = (uint64_t)(z - era * 146097);
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	unsigned int m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);

	*day = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*month = m;
	*year = (int64_t)yoe + era * 400 + (m <= 2);
}

bool time_is_leap_year(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned int days_in_month(int64_t year, unsigned int month)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30,
						31, 31, 30, 31, 30, 31 };

	if (month == 2 && time_is_leap_year(year))
		return 29;
	return days[month - 1];
}

int64_t time_civil_to_unix(const struct time_civil *tm)
{
	int64_t days =
		time_days_from_civil(tm->cv_year, tm->cv_mon, tm->cv_mday);

	return days * SECS_PER_DAY + tm->cv_hour * 3600 + tm->cv_min * 60 +
	       tm->cv_sec;
}

void time_unix_to_civil(int64_t unix_s, struct time_civil *tm)
{
	int64_t days = unix_s / SECS_PER_DAY;
	int64_t rem = unix_s % SECS_PER_DAY;

	if (rem < 0) {
		rem += SECS_PER_DAY;
		days--;
	}
	time_civil_from_days(days, &tm->cv_year, &tm->cv_mon, &tm->cv_mday);
	tm->cv_hour = (unsigned int)(rem / 3600);
	tm->cv_min = (unsigned int)(rem / 60 % 60);
	tm->cv_sec = (unsigned int)(rem % 60);
}

/* One RTC field: BCD or binary, then checked against [lo, hi]. */
static int rtc_field(uint8_t v, bool binary, unsigned int lo, unsigned int hi,
		     unsigned int *out)
{
	unsigned int n = v;

	if (!binary) {
		if ((v & 0xf) > 9 || (v >> 4) > 9)
			return -EINVAL;
		n = (v >> 4) * 10u + (v & 0xfu);
	}
	if (n < lo || n > hi)
		return -EINVAL;
	*out = n;
	return 0;
}

/* The hour register: 0-23, or 1-12 with the PM bit (12 AM is 0 h). */
static int rtc_hour(uint8_t v, uint8_t status_b, unsigned int *out)
{
	bool binary = status_b & RTC_B_BINARY;
	bool pm = v & RTC_HOUR_PM;
	unsigned int h;

	if (status_b & RTC_B_24H)
		return rtc_field(v, binary, 0, 23, out);
	if (rtc_field(v & ~RTC_HOUR_PM, binary, 1, 12, &h))
		return -EINVAL;
	*out = h % 12 + (pm ? 12 : 0);
	return 0;
}

int time_rtc_decode(const struct rtc_regs *r, struct time_civil *tm)
{
	bool binary = r->rr_status_b & RTC_B_BINARY;
	struct time_civil t;
	unsigned int yy, cc = 20;

	if (rtc_field(r->rr_sec, binary, 0, 59, &t.cv_sec) ||
	    rtc_field(r->rr_min, binary, 0, 59, &t.cv_min) ||
	    rtc_hour(r->rr_hour, r->rr_status_b, &t.cv_hour) ||
	    rtc_field(r->rr_mon, binary, 1, 12, &t.cv_mon) ||
	    rtc_field(r->rr_year, binary, 0, 99, &yy))
		return -EINVAL;
	/* A century register that is unset or garbage is no reason to
	 * refuse the date: assume 2000-2099 then. */
	if (r->rr_has_century && rtc_field(r->rr_century, binary, 19, 99, &cc))
		cc = 20;
	t.cv_year = cc * 100 + yy;
	if (rtc_field(r->rr_mday, binary, 1, days_in_month(t.cv_year, t.cv_mon),
		      &t.cv_mday))
		return -EINVAL;
	*tm = t;
	return 0;
}

uint64_t time_cpuid15_tsc_hz(uint32_t eax, uint32_t ebx, uint32_t ecx,
			     uint32_t known_crystal_hz)
{
	uint32_t crystal = ecx ? ecx : known_crystal_hz;

	if (!eax || !ebx || !crystal)
		return 0;
	/* At most 2^64 / 1: always fits. */
	return time_mul_div(crystal, ebx, eax);
}

uint32_t time_known_crystal_hz(uint32_t cpuid1_eax, bool intel)
{
	uint32_t family = (cpuid1_eax >> 8) & 0xf;
	uint32_t model = (cpuid1_eax >> 4) & 0xf;

	if (family == 0xf)
		family += (cpuid1_eax >> 20) & 0xff;
	if (family == 6 || family >= 0xf)
		model |= ((cpuid1_eax >> 16) & 0xf) << 4;
	if (!intel || family != 6)
		return 0;
	switch (model) {
	case 0x4e: /* Skylake mobile */
	case 0x5e: /* Skylake desktop */
	case 0x8e: /* Kaby Lake mobile */
	case 0x9e: /* Kaby Lake desktop */
		return 24000000;
	case 0x5c: /* Goldmont */
		return 19200000;
	case 0x5f: /* Goldmont-D (Denverton) */
		return 25000000;
	default:
		return 0;
	}
}

uint64_t time_hv_tsc_hz(uint32_t hv_max_leaf, uint32_t eax_khz)
{
	if (hv_max_leaf < 0x40000010 || hv_max_leaf > 0x4fffffff || !eax_khz)
		return 0;
	return eax_khz * 1000ull;
}

uint64_t time_pvclock_tsc_hz(uint32_t mul, int8_t shift)
{
	/* 10^9 * 2^32 is below 2^62: the division cannot overflow. */
	uint64_t hz;

	if (!mul || shift < -31 || shift > 31)
		return 0;
	hz = (1000000000ull << 32) / mul;
	if (shift >= 0)
		return hz >> shift;
	if (hz > UINT64_MAX >> -shift)
		return 0;
	return hz << -shift;
}

uint64_t time_pit_tsc_hz(uint64_t cycles, uint64_t ticks)
{
	uint64_t hz;

	if (!ticks || ticks > UINT64_MAX / TIME_PIT_HZ_DEN)
		return 0;
	hz = time_mul_div(cycles, TIME_PIT_HZ_NUM, ticks * TIME_PIT_HZ_DEN);
	return hz == UINT64_MAX ? 0 : hz;
}

uint64_t time_pit_unwrap(uint64_t expect, uint16_t delta)
{
	uint64_t ticks = (expect & ~(uint64_t)0xffff) | delta;

	if (ticks > expect && ticks - expect > 0x8000 && ticks >= 0x10000)
		ticks -= 0x10000;
	else if (ticks < expect && expect - ticks >= 0x8000 &&
		 ticks <= UINT64_MAX - 0x10000)
		ticks += 0x10000;
	return ticks;
}
