/* SPDX-License-Identifier: MIT */
/*
 * The arithmetic behind <kernel/time.h>, kept free of hardware access so
 * the host tests run it: rate conversion with a 128-bit product (no 128-bit
 * division in the image, which has no libgcc), proleptic Gregorian dates
 * (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"), MC146818 RTC
 * register decoding, and the TSC rate from CPUID leaf 0x15 (Intel SDM vol.
 * 3B §20.7.3) or the hypervisor timing leaf 0x40000010.
 */
#ifndef KERNEL_TIME_CALC_H
#define KERNEL_TIME_CALC_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>

/* The PIT's input clock: 3.579545 MHz / 3 (NTSC colour burst). */
#define TIME_PIT_HZ_NUM 3579545ull
#define TIME_PIT_HZ_DEN 3ull

/*
 * A fixed-point rate: y = (x * ts_mult) >> ts_shift with a 128-bit product,
 * so x may use all 64 bits. Fields are set by time_scale_init() only.
 */
struct time_scale {
	uint64_t ts_mult;
	unsigned int ts_shift;
};

/*
 * Sets `s` to convert counts of a from_hz clock into counts of a to_hz
 * clock (from_hz = TSC Hz and to_hz = 10^9 gives nanoseconds), choosing
 * the largest shift (at most 63) whose multiplier fits 64 bits. The
 * multiplier is the ratio times 2^shift rounded up, so
 * time_scale_apply(s, x) is floor(x * to_hz / from_hz) or above it by at
 * most x / 2^shift + 1 (1 for TSC to ns at rates from 0.5 GHz up): exact
 * whenever the true result is a whole number and x < 2^shift.
 * Returns 0; -EINVAL when either rate is 0; -ERANGE when to_hz/from_hz is
 * 2^64 or more, or below 2^-63 (no multiplier represents it). `s` is
 * untouched on failure.
 */
int __must_check time_scale_init(struct time_scale *s, uint64_t from_hz,
				 uint64_t to_hz);

/* floor(x * mult / 2^shift), or UINT64_MAX when that does not fit. */
uint64_t time_scale_apply(const struct time_scale *s, uint64_t x);

/*
 * floor(a * b / c) with a 128-bit intermediate; UINT64_MAX when the
 * quotient does not fit 64 bits or c is 0. Shift-and-subtract, so it
 * needs no __udivti3; meant for calibration, not hot paths.
 */
uint64_t time_mul_div(uint64_t a, uint64_t b, uint64_t c);

/*
 * A clock counting from a base counter value: ns(c) = tc_base_ns +
 * scale(c - tc_base) for c >= tc_base, else tc_base_ns - scale(tc_base -
 * c) down to 0. Set up by time_clock_init*() and then read-only, so any
 * CPU may read it without a lock.
 */
struct time_clock {
	uint64_t tc_base; /* counter value at tc_base_ns */
	uint64_t tc_base_ns; /* ns at tc_base */
	uint64_t tc_hz; /* counter rate */
	struct time_scale tc_to_ns; /* counts -> ns */
	struct time_scale tc_to_count; /* ns -> counts (a first guess) */
};

/*
 * Sets `clk` for a counter of rate `hz` that reads `base` at ns 0.
 * Returns 0, or the error of time_scale_init() (hz 0 or absurd); `clk` is
 * untouched on failure.
 */
int __must_check time_clock_init(struct time_clock *clk, uint64_t hz,
				 uint64_t base);

/*
 * The same for a clock that reads `base_ns` at counter value `base`: how
 * a clock whose rate is refined carries on from where the old one was.
 */
int __must_check time_clock_init_at(struct time_clock *clk, uint64_t hz,
				    uint64_t base, uint64_t base_ns);

/* Nanoseconds at counter value `count` (saturating at 0 and UINT64_MAX).
 * Non-decreasing in `count`. */
uint64_t time_clock_ns(const struct time_clock *clk, uint64_t count);

/*
 * The smallest counter value c with time_clock_ns(clk, c) >= ns, so an
 * event armed for c never sees the clock short of ns; UINT64_MAX when no
 * 64-bit counter value reaches ns.
 */
uint64_t time_clock_count(const struct time_clock *clk, uint64_t ns);

/*
 * Days from 1970-01-01 to year-month-day in the proleptic Gregorian
 * calendar (negative before 1970). month 1-12, day 1-31; not validated.
 */
int64_t time_days_from_civil(int64_t year, unsigned int month,
			     unsigned int day);

/* The inverse: the date `days` after 1970-01-01 (month 1-12, day 1-31). */
void time_civil_from_days(int64_t days, int64_t *year, unsigned int *month,
			  unsigned int *day);

/* True for Gregorian leap years. */
bool time_is_leap_year(int64_t year);

/* A broken-down UTC time (the fields of an ISO 8601 date and time). */
struct time_civil {
	int64_t cv_year; /* e.g. 2020 */
	unsigned int cv_mon; /* 1-12 */
	unsigned int cv_mday; /* 1-31 */
	unsigned int cv_hour; /* 0-23 */
	unsigned int cv_min; /* 0-59 */
	unsigned int cv_sec; /* 0-59 */
};

/* Seconds since 1970-01-01T00:00:00Z of `tm` (fields not validated). */
int64_t time_civil_to_unix(const struct time_civil *tm);

/* The broken-down form of `unix_s` seconds since the epoch. */
void time_unix_to_civil(int64_t unix_s, struct time_civil *tm);

/* MC146818 registers as read from CMOS (one consistent snapshot). */
#define RTC_B_24H 0x02 /* status B: hours are 0-23, not 1-12 + PM bit */
#define RTC_B_BINARY 0x04 /* status B: binary, not BCD */
#define RTC_HOUR_PM 0x80 /* hour register, 12-hour mode */

struct rtc_regs {
	uint8_t rr_sec; /* index 0x00 */
	uint8_t rr_min; /* 0x02 */
	uint8_t rr_hour; /* 0x04 */
	uint8_t rr_mday; /* 0x07 */
	uint8_t rr_mon; /* 0x08 */
	uint8_t rr_year; /* 0x09, year within the century */
	uint8_t rr_century; /* the FADT's century index, if rr_has_century */
	uint8_t rr_status_b; /* 0x0b */
	bool rr_has_century;
};

/*
 * Decodes a snapshot (BCD or binary per status B bit 2, 12-hour with the
 * PM bit or 24-hour per bit 1) into `tm`. Without a century register, or
 * with one outside 19-99, the year is 2000 + the year register. The
 * registers are device input: every field is range-checked, and the day
 * against the month's length.
 * Returns 0, or -EINVAL (tm untouched) when a field is not a valid BCD
 * number or out of range.
 */
int __must_check time_rtc_decode(const struct rtc_regs *r,
				 struct time_civil *tm);

/*
 * The number of ticks of a 16-bit down-counter (the PIT, period 65536)
 * that is congruent to `delta` (its count then minus its count now) modulo
 * 65536 and nearest to `expect`, the ticks another clock says passed: that
 * clock need only be right to within half a period.
 */
uint64_t time_pit_unwrap(uint64_t expect, uint16_t delta);

/*
 * The TSC rate from CPUID leaf 0x15 registers: crystal Hz * ebx / eax.
 * crystal_hz is ecx, or when ecx is 0 the caller's known crystal
 * (time_known_crystal_hz(), 0 if none). Returns the rate, or 0 when the
 * leaf does not enumerate it (eax, ebx or the crystal is 0).
 */
uint64_t time_cpuid15_tsc_hz(uint32_t eax, uint32_t ebx, uint32_t ecx,
			     uint32_t known_crystal_hz);

/*
 * The core crystal of Intel CPUs that report leaf 0x15 with ecx = 0, by
 * CPUID.1:EAX signature, for the models whose crystal is documented and
 * unambiguous (SDM vol. 3B table 20-91; Linux's former table without
 * Skylake-SP, whose workstations use 24 MHz and servers 25 MHz): family 6
 * models 0x4e/0x5e/0x8e/0x9e 24 MHz, 0x5c 19.2 MHz, 0x5f 25 MHz.
 * Returns Hz, or 0 for any other CPU (and for non-Intel: pass intel=false).
 */
uint32_t time_known_crystal_hz(uint32_t cpuid1_eax, bool intel);

/*
 * The TSC rate from the hypervisor timing leaf: CPUID 0x40000010 EAX is
 * the TSC in kHz, valid when the hypervisor's maximum leaf
 * (CPUID 0x40000000 EAX) is at least 0x40000010. Returns Hz or 0.
 */
uint64_t time_hv_tsc_hz(uint32_t hv_max_leaf, uint32_t eax_khz);

/*
 * The TSC rate from KVM's clock (kvmclock, the pvclock ABI): the host turns
 * a TSC delta into ns as (delta << shift, or >> -shift when shift < 0)
 * times mul / 2^32, so the rate is 10^9 * 2^32 / mul, shifted right by
 * `shift` (left when it is negative). Returns Hz, or 0 when mul is 0,
 * shift is outside -31..31 or the rate does not fit in 64 bits.
 */
uint64_t time_pvclock_tsc_hz(uint32_t mul, int8_t shift);

/*
 * The TSC rate from a PIT measurement: `cycles` TSC cycles over `ticks`
 * PIT input ticks. Returns Hz, or 0 when ticks is 0.
 */
uint64_t time_pit_tsc_hz(uint64_t cycles, uint64_t ticks);

#endif /* KERNEL_TIME_CALC_H */
