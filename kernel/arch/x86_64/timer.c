/* SPDX-License-Identifier: MIT */
/*
 * Each CPU's one-shot timer behind <kernel/time.h>: the local APIC timer
 * in TSC-deadline mode when CPUID.01H:ECX[24] has it, else in one-shot
 * mode with divide-by-1 at a rate measured once against the TSC (Intel SDM
 * vol. 3A §11.5.4). Raises VEC_TIMER; installing its handler is the
 * scheduler's business. Tickless: nothing fires unless armed.
 */
#include <kernel/time.h>

#include <arch/apic.h>
#include <arch/clock.h>
#include <arch/cpu.h>
#include <kernel/log.h>
#include <kernel/percpu.h>
#include <kernel/time_calc.h>

/*
 * The one-shot count rate is measured against the TSC over a window that
 * ends once the two reads' combined uncertainty (each read's TSC
 * bracket) is at most 1 / LAPIC_PRECISION of it, and after at least
 * 1 / LAPIC_MIN_DIV and at most 1 / LAPIC_MAX_DIV of a second: ~20 us
 * under TCG, where a read is cheap, instead of a fixed 0.5 ms of
 * busy-waiting. An error only makes a timer fire a little early, which
 * the scheduler re-checks, or that much late.
 */
#define LAPIC_MIN_DIV 50000 /* 20 us */
#define LAPIC_MAX_DIV 2000 /* 0.5 ms */
#define LAPIC_PRECISION 1000
#define LAPIC_COUNT_MAX 0xffffffffu

/*
 * Locking: [I] set by the first timer_init_cpu() (the boot CPU, before
 * any AP starts) and read-only afterwards.
 */
static bool timer_ready; /* [I] */
static bool use_tsc_deadline; /* [I] */
static struct time_scale ns_to_count; /* [I] one-shot mode only */

/* The current count, the TSC at the middle of the read and the read's
 * duration (how far off that middle may be). */
static uint32_t lapic_count_at(uint64_t *tsc, uint64_t *width)
{
	uint64_t before = tsc_read();
	uint32_t count = lapic_read(LAPIC_TIMER_CURRENT);

	*width = tsc_read() - before;
	*tsc = before + *width / 2;
	return count;
}

/*
 * The one-shot count rate against the TSC: counts down from the maximum
 * with the timer masked and is read at the start and end of the window
 * (both reads alike, so their latency cancels). Returns the rate in Hz,
 * or 0 when the timer did not count.
 */
static uint64_t lapic_timer_hz(void)
{
	uint64_t tsc_hz = time_tsc_hz();
	uint64_t t0, t1, w0, w1;
	uint32_t c0, c1;

	lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
	lapic_write(LAPIC_LVT_TIMER,
		    LAPIC_LVT_MASKED | LAPIC_TIMER_ONESHOT | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, LAPIC_COUNT_MAX);
	/* The first read pays for one-time costs (a cold cache, a first
	 * exit to the hypervisor); time from the second. */
	(void)lapic_count_at(&t0, &w0);
	c0 = lapic_count_at(&t0, &w0);
	/* Bounded: the TSC always runs (tsc_hz is at least 10 MHz), and
	 * the window ends at tsc_hz / LAPIC_MAX_DIV whatever the reads. */
	do {
		c1 = lapic_count_at(&t1, &w1);
	} while (t1 - t0 < tsc_hz / LAPIC_MIN_DIV ||
		 (t1 - t0 < tsc_hz / LAPIC_MAX_DIV &&
		  (w0 + w1) / 2 * LAPIC_PRECISION > t1 - t0));
	lapic_write(LAPIC_TIMER_INIT, 0);
	log_debug("timer: local APIC %u counts in %lu TSC cycles (+-%lu)\n",
		  c0 - c1, t1 - t0, (w0 + w1) / 2);
	if (c1 >= c0 || t1 == t0)
		return 0;
	return time_mul_div(c0 - c1, tsc_hz, t1 - t0);
}

/* Boot CPU, first call: picks the mode and calibrates one-shot mode. */
static void timer_setup(void)
{
	uint64_t hz;

	use_tsc_deadline = lapic_has_tsc_deadline();
	if (use_tsc_deadline) {
		log_info("timer: TSC-deadline mode\n");
		return;
	}
	hz = lapic_timer_hz();
	if (!hz || time_scale_init(&ns_to_count, NSEC_PER_SEC, hz)) {
		/* ns_to_count stays zero, so arms write a count of 1, which
		 * is all a timer that does not count can be given. */
		log_err("timer: the local APIC timer does not count; sleeps "
			"will not wake\n");
		return;
	}
	log_info("timer: local APIC one-shot mode at %lu kHz\n", hz / 1000);
}

void timer_init_cpu(void)
{
	this_cpu()->pc_timer_deadline = 0;
	if (!timer_ready) {
		timer_setup();
		timer_ready = true;
	}
	if (use_tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER,
			    LAPIC_TIMER_TSC_DEADLINE | VEC_TIMER);
		/* SDM §11.5.4.1: in xAPIC mode the MMIO write that selects
		 * TSC-deadline mode must be ordered before any WRMSR to
		 * IA32_TSC_DEADLINE. */
		__asm__ volatile("mfence" : : : "memory");
		cpu_wrmsr(MSR_TSC_DEADLINE, 0);
		return;
	}
	lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

void timer_fired(void)
{
	this_cpu()->pc_timer_deadline = 0;
}

/*
 * One-shot mode counts at most 2^32 - 1 ticks (about 4 s at 1 GHz): a
 * deadline further away fires early, and the caller, finding time_ns()
 * still short of it, arms again. The count is rounded up and one tick
 * added so that, up to the calibration error, it never fires early
 * otherwise.
 */
static uint32_t oneshot_count(uint64_t deadline_ns)
{
	uint64_t now = time_ns(), ticks;

	if (deadline_ns <= now)
		return 1;
	ticks = time_scale_apply(&ns_to_count, deadline_ns - now);
	if (ticks >= LAPIC_COUNT_MAX)
		return LAPIC_COUNT_MAX;
	return (uint32_t)ticks + 1;
}

void timer_arm(uint64_t deadline_ns)
{
	struct percpu *pc = this_cpu();

	/* Arming is frequent but not hot, and has interrupts off: where
	 * the TSC rate gets refined once, a few seconds after boot, with no
	 * thread or timer of its own. Before the deadline is converted. */
	time_refine();
	/* That deadline is armed and has not fired (timer_fired() forgets
	 * it), or nothing is armed and nothing is asked: rewriting the
	 * timer would only cost an exit to the hypervisor, on every idle
	 * turn and every switch. (A TSC-deadline armed before the one
	 * refinement keeps its old conversion: it may fire late by that
	 * correction, about 0.1 %, once.) */
	if (deadline_ns == pc->pc_timer_deadline)
		return;
	pc->pc_timer_deadline = deadline_ns;
	if (use_tsc_deadline) {
		/* A TSC value already past fires at once; 0 disarms. */
		cpu_wrmsr(MSR_TSC_DEADLINE,
			  deadline_ns ? time_ns_to_tsc(deadline_ns) : 0);
		return;
	}
	/* Writing the initial count restarts the countdown; 0 stops it. */
	lapic_write(LAPIC_TIMER_INIT,
		    deadline_ns ? oneshot_count(deadline_ns) : 0);
}
