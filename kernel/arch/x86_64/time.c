/* SPDX-License-Identifier: MIT */
/*
 * The clocks of <kernel/time.h> on x86-64: the monotonic clock scales the
 * TSC (rate from tsc.c; a PIT rate is swapped once for a refined one, the
 * clock carrying on from where it stood) with a 128-bit multiply, and the
 * wall clock is the RTC date, read once (at boot when the boot line shows
 * it, else on first use), plus the monotonic clock since. No NTP-style
 * discipline and no RTC writes. Timers are in timer.c.
 */
#include <kernel/time.h>

#include <arch/clock.h>
#include <kernel/arch.h>
#include <kernel/errno.h>
#include <kernel/fmt.h>
#include <kernel/init.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/string.h>
#include <kernel/time_calc.h>

/* Used when nothing measures the TSC: within a factor of 2-4 of any
 * x86-64 CPU made, and the rate QEMU's -icount shift=0 gives. */
#define TSC_HZ_DEFAULT 1000000000ull
/* A calibration further than this from CPUID 0x16's base frequency is
 * reported (1/8 = 12.5 %): turbo and hypervisors stay well inside. */
#define HINT_TOLERANCE_SHIFT 3

/* The refinement waits this long: tsc_refine() needs 1 s, and 2 s
 * leaves room for a CPU that arms its timer a little early. */
#define REFINE_AFTER_NS (2 * NSEC_PER_SEC)
/* The refined clock starts this far ahead of the old one, so that a
 * reader that read the TSC just after the switch point with the old
 * clock (which runs up to 0.1 % fast) is never ahead of a later reader
 * with the new one: 1 us covers 1 ms between the switch and the publish. */
#define REFINE_SLACK_NS 1000

/* wall_state: the RTC is read once, by whoever needs the date first. */
enum {
	WALL_UNREAD = 0,
	WALL_READING, /* claimed: a CPU is reading it, interrupts off */
	WALL_READ, /* wall_at_zero_ns is final */
};

/*
 * Locking: clocks[0] is [I]: set by time_init() on the boot CPU before
 * other CPUs start (smp_init() comes after it) and read-only afterwards.
 * clocks[1] is written once by time_refine() before it is published
 * through tsc_clock (release; readers acquire) and is read-only after.
 * So readers take no lock. Before time_init() the zeroed clock reads 0.
 */
static struct time_clock clocks[2];
static const struct time_clock *tsc_clock = &clocks[0]; /* atomic */
static uint64_t refine_at_tsc; /* atomic: the TSC to refine at; 0 never */
static int refine_claimed; /* atomic: a time_refine() is at work */
static const char *tsc_source = "none"; /* [I] */
/* Epoch ns at time_ns() 0, 0 unknown: written once by the CPU that moved
 * wall_state to WALL_READING, published by its WALL_READ (release). */
static uint64_t wall_at_zero_ns;
static int wall_state; /* atomic */
static bool time_ready; /* [I] */

static __always_inline const struct time_clock *clock_now(void)
{
	return __atomic_load_n(&tsc_clock, __ATOMIC_ACQUIRE);
}

uint64_t time_ns(void)
{
	const struct time_clock *clk;
	uint64_t tsc;

	/* A TSC read between two loads of the same clock was taken
	 * while that clock was current (or within REFINE_SLACK_NS of it). */
	do {
		clk = clock_now();
		tsc = tsc_read();
	} while (clk != clock_now());
	return time_clock_ns(clk, tsc);
}

static void wall_init(uint64_t tsc_hz);

/*
 * wall_at_zero_ns, read from the RTC by the first caller. Its read takes
 * interrupts off, so nothing on its CPU can wait for it, and it is
 * bounded (rtc_read()); a caller on another CPU spins until it is done.
 * Before time_init() the TSC rate that bounds it is unknown: 0.
 */
static uint64_t wall_base(void)
{
	int state = __atomic_load_n(&wall_state, __ATOMIC_ACQUIRE);
	unsigned long flags;

	if (state == WALL_READ)
		return wall_at_zero_ns;
	if (!time_ready)
		return 0;
	if (state == WALL_UNREAD &&
	    __atomic_compare_exchange_n(&wall_state, &state, WALL_READING,
					false, __ATOMIC_ACQUIRE,
					__ATOMIC_ACQUIRE)) {
		flags = irq_save();
		wall_init(clocks[0].tc_hz);
		irq_restore(flags);
		__atomic_store_n(&wall_state, WALL_READ, __ATOMIC_RELEASE);
		return wall_at_zero_ns;
	}
	while (__atomic_load_n(&wall_state, __ATOMIC_ACQUIRE) != WALL_READ)
		arch_cpu_relax();
	return wall_at_zero_ns;
}

uint64_t time_wall_ns(void)
{
	uint64_t base = wall_base();

	return base ? base + time_ns() : 0;
}

uint64_t time_tsc_hz(void)
{
	return clock_now()->tc_hz;
}

const char *time_source(void)
{
	return tsc_source;
}

uint64_t time_ns_to_tsc(uint64_t ns)
{
	return time_clock_count(clock_now(), ns);
}

void time_refine(void)
{
	uint64_t hz, now, at, old_hz = clocks[0].tc_hz;
	int rc;

	at = __atomic_load_n(&refine_at_tsc, __ATOMIC_RELAXED);
	if (!at || tsc_read() < at ||
	    __atomic_exchange_n(&refine_claimed, 1, __ATOMIC_ACQUIRE))
		return;
	rc = tsc_refine(old_hz, &hz);
	now = tsc_read();
	if (rc == -EAGAIN) {
		/* Too long since the anchor, which tsc_refine() moved to
		 * now: measure from there. */
		__atomic_store_n(&refine_at_tsc,
				 now + time_mul_div(old_hz, REFINE_AFTER_NS,
						    NSEC_PER_SEC),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&refine_claimed, 0, __ATOMIC_RELEASE);
		return;
	}
	/* One go: a failure stays logged and the boot rate stays. */
	__atomic_store_n(&refine_at_tsc, 0, __ATOMIC_RELAXED);
	if (rc || time_clock_init_at(&clocks[1], hz, now,
				     time_clock_ns(&clocks[0], now) +
					     REFINE_SLACK_NS))
		return;
	__atomic_store_n(&tsc_clock, &clocks[1], __ATOMIC_RELEASE);
	log_info("time: TSC rate refined to %lu.%06lu MHz (%ld ppm from "
		 "boot)\n",
		 hz / 1000000, hz % 1000000,
		 (long)(((int64_t)hz - (int64_t)old_hz) /
			(int64_t)(old_hz / 1000000 ? old_hz / 1000000 : 1)));
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

/* Reads the RTC into wall_at_zero_ns; leaves it 0 when unusable. Only
 * the claimer of wall_state. */
static void wall_init(uint64_t tsc_hz)
{
	struct time_civil tm;
	struct rtc_regs regs;
	uint64_t now;
	int64_t s;

	if (rtc_read(&regs, tsc_hz) || time_rtc_decode(&regs, &tm)) {
		log_warn("time: no valid date in the RTC; the wall clock reads "
			 "0\n");
		return;
	}
	now = time_ns();
	s = time_civil_to_unix(&tm);
	/* Before 1970 or past 2554 (64-bit ns) is not a date we can hold. */
	if (s < 0 || (uint64_t)s > (UINT64_MAX - now) / NSEC_PER_SEC) {
		log_warn("time: RTC date %04ld-%02u-%02u is out of range; the "
			 "wall clock reads 0\n",
			 tm.cv_year, tm.cv_mon, tm.cv_mday);
		return;
	}
	wall_at_zero_ns = (uint64_t)s * NSEC_PER_SEC - now;
}

/* The wall clock now as ISO 8601, or "unknown". */
static void wall_format(char *buf, size_t size)
{
	struct time_civil tm;

	if (!wall_base()) {
		kstrlcpy(buf, "unknown", size);
		return;
	}
	time_unix_to_civil((int64_t)(time_wall_ns() / NSEC_PER_SEC), &tm);
	fmt_snprintf(buf, size, "%04ld-%02u-%02uT%02u:%02u:%02uZ", tm.cv_year,
		     tm.cv_mon, tm.cv_mday, tm.cv_hour, tm.cv_min, tm.cv_sec);
}

int time_init(void)
{
	const char *source;
	char date[32];
	uint64_t hz;
	int rc;

	if (time_ready)
		return 0;
	hz = tsc_rate(&source);
	rc = time_clock_init(&clocks[0], hz, tsc_read());
	if (rc)
		return rc; /* cannot happen: tsc_calibrate() range-checks */
	tsc_source = source;
	if (!kstrcmp(source, "pit"))
		__atomic_store_n(&refine_at_tsc,
				 time_clock_count(&clocks[0], REFINE_AFTER_NS),
				 __ATOMIC_RELAXED);
	/* Hypervisors usually hide the invariant-TSC bit (it would block
	 * migration to another host) while keeping the rate constant, so
	 * only bare metal gets a warning. */
	if (!tsc_is_invariant())
		log_printf(arch_is_hypervisor() ? LOG_INFO : LOG_WARN,
			   "time: the CPU does not report an invariant TSC; "
			   "clocks may drift if its frequency changes\n");
	time_ready = true;
	/* The date is for this line only: when it is off, the RTC is read
	 * on first use (most applications never ask for the date). */
	if (!log_is_enabled(LOG_INFO))
		return 0;
	wall_format(date, sizeof(date));
	log_info("time: TSC %lu.%03lu MHz from %s, wall clock %s\n",
		 hz / 1000000, hz / 1000 % 1000, source, date);
	return 0;
}
INITCALL(core, time_init);
