/* SPDX-License-Identifier: MIT */
/*
 * The clocks of <kernel/time.h> on x86-64: the monotonic clock scales the
 * TSC (rate from tsc.c) with a 128-bit multiply, and the wall clock is the
 * RTC date read once at boot plus the monotonic clock since. No NTP-style
 * discipline and no RTC writes. Timers are in timer.c.
 */
#include <kernel/time.h>

#include <arch/clock.h>
#include <kernel/arch.h>
#include <kernel/errno.h>
#include <kernel/fmt.h>
#include <kernel/init.h>
#include <kernel/log.h>
#include <kernel/string.h>
#include <kernel/time_calc.h>

/* Used when nothing measures the TSC: within a factor of 2-4 of any
 * x86-64 CPU made, and the rate QEMU's -icount shift=0 gives. */
#define TSC_HZ_DEFAULT 1000000000ull
/* A calibration further than this from CPUID 0x16's base frequency is
 * reported (1/8 = 12.5 %): turbo and hypervisors stay well inside. */
#define HINT_TOLERANCE_SHIFT 3

/*
 * Locking: [I] set by time_init() on the boot CPU before other CPUs start
 * (smp_init() comes after it) and read-only afterwards, so readers take
 * no lock. Before time_init() the zeroed clock reads 0.
 */
static struct time_clock tsc_clock; /* [I] */
static const char *tsc_source = "none"; /* [I] */
static uint64_t wall_at_zero_ns; /* [I] epoch ns at time_ns() 0; 0 unknown */
static bool time_ready; /* [I] */

uint64_t time_ns(void)
{
	return time_clock_ns(&tsc_clock, tsc_read());
}

uint64_t time_wall_ns(void)
{
	return wall_at_zero_ns ? wall_at_zero_ns + time_ns() : 0;
}

uint64_t time_tsc_hz(void)
{
	return tsc_clock.tc_hz;
}

const char *time_source(void)
{
	return tsc_source;
}

uint64_t time_ns_to_tsc(uint64_t ns)
{
	return time_clock_count(&tsc_clock, ns);
}

/* The TSC rate, from the best source that answers; never fails. */
static uint64_t tsc_rate(const char **source)
{
	uint64_t hz, hint = tsc_base_freq_hint();

	if (!tsc_calibrate(&hz, source)) {
		if (hint && (hz > hint + (hint >> HINT_TOLERANCE_SHIFT) ||
			     hz < hint - (hint >> HINT_TOLERANCE_SHIFT)))
			log_warn("time: TSC measured at %lu kHz (%s) but the "
				 "CPU's base frequency is %lu kHz\n",
				 hz / 1000, *source, hint / 1000);
		return hz;
	}
	if (hint) {
		log_warn("time: no TSC rate source answered; using the base "
			 "frequency from CPUID 0x16 (%lu MHz)\n",
			 hint / 1000000);
		*source = "cpuid-16h";
		return hint;
	}
	log_err("time: cannot find the TSC rate (no CPUID 0x15, no "
		"hypervisor leaf, no working PIT); assuming 1 GHz, so clocks "
		"and timers may run fast or slow\n");
	*source = "default";
	return TSC_HZ_DEFAULT;
}

/* Reads the RTC into wall_at_zero_ns; leaves it 0 when unusable. */
static void wall_init(uint64_t tsc_hz, struct time_civil *tm)
{
	struct rtc_regs regs;
	uint64_t now;
	int64_t s;

	if (rtc_read(&regs, tsc_hz) || time_rtc_decode(&regs, tm)) {
		log_warn("time: no valid date in the RTC; the wall clock reads "
			 "0\n");
		return;
	}
	now = time_ns();
	s = time_civil_to_unix(tm);
	/* Before 1970 or past 2554 (64-bit ns) is not a date we can hold. */
	if (s < 0 || (uint64_t)s > (UINT64_MAX - now) / NSEC_PER_SEC) {
		log_warn("time: RTC date %04ld-%02u-%02u is out of range; the "
			 "wall clock reads 0\n",
			 tm->cv_year, tm->cv_mon, tm->cv_mday);
		return;
	}
	wall_at_zero_ns = (uint64_t)s * NSEC_PER_SEC - now;
}

/* The wall clock now as ISO 8601, or "unknown". */
static void wall_format(char *buf, size_t size)
{
	struct time_civil tm;

	if (!wall_at_zero_ns) {
		kstrlcpy(buf, "unknown", size);
		return;
	}
	time_unix_to_civil((int64_t)(time_wall_ns() / NSEC_PER_SEC), &tm);
	fmt_snprintf(buf, size, "%04ld-%02u-%02uT%02u:%02u:%02uZ", tm.cv_year,
		     tm.cv_mon, tm.cv_mday, tm.cv_hour, tm.cv_min, tm.cv_sec);
}

int time_init(void)
{
	struct time_civil tm;
	const char *source;
	char date[32];
	uint64_t hz;
	int rc;

	if (time_ready)
		return 0;
	hz = tsc_rate(&source);
	rc = time_clock_init(&tsc_clock, hz, tsc_read());
	if (rc)
		return rc; /* cannot happen: tsc_calibrate() range-checks */
	tsc_source = source;
	/* Hypervisors usually hide the invariant-TSC bit (it would block
	 * migration to another host) while keeping the rate constant, so
	 * only bare metal gets a warning. */
	if (!tsc_is_invariant())
		log_printf(arch_is_hypervisor() ? LOG_INFO : LOG_WARN,
			   "time: the CPU does not report an invariant TSC; "
			   "clocks may drift if its frequency changes\n");
	wall_init(hz, &tm);
	time_ready = true;
	wall_format(date, sizeof(date));
	log_info("time: TSC %lu.%03lu MHz from %s, wall clock %s\n",
		 hz / 1000000, hz / 1000 % 1000, source, date);
	return 0;
}
INITCALL(core, time_init);
