/* SPDX-License-Identifier: MIT */
/*
 * The x86 pieces behind <kernel/time.h>, shared by tsc.c (calibration),
 * rtc.c (the CMOS clock), time.c (the clocks) and timer.c (per-CPU
 * timers). Nothing outside kernel/arch/x86_64 calls these.
 */
#ifndef ARCH_CLOCK_H
#define ARCH_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/time_calc.h>

/* Reads the TSC after all earlier instructions have executed (LFENCE;
 * RDTSC), so two reads on one CPU never go backwards. Any context. */
static __always_inline uint64_t tsc_read(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * Finds the TSC rate, trying in order CPUID leaf 0x15, the hypervisor
 * timing leaf 0x40000010, then a PIT measurement (channel 2 gated through
 * port 0x61, else channel 0) of 0.05 to 5 ms: the shortest window whose
 * edges pin the rate to 0.1 % (~0.1 ms under TCG). Every poll is bounded: a
 * missing or stuck PIT fails in well under a millisecond of reads.
 *   hz: receives the rate on success
 *   source: receives a static name ("cpuid-15h", "hypervisor", "pit")
 * Returns 0, or -ENODEV when every source failed (outputs untouched).
 * Boot CPU, interrupts off; reprograms the PIT channel it used.
 */
int __must_check tsc_calibrate(uint64_t *hz, const char **source);

/*
 * A better TSC rate than the boot measurement's, from one PIT read now
 * against the last edge of that measurement (the channel has counted on
 * since), 1 to 10 s later by the `hz` rate: ~1 ppm instead of ~0.1 %.
 *   hz: the rate in use, to count the PIT's wraps (right to 0.1 %)
 *   refined: receives the rate on success
 * Returns 0; -ENODEV when the rate did not come from the PIT; -ERANGE
 * when too early; -EAGAIN when too late (this read becomes the anchor:
 * try again 1 to 10 s later); -EIO when the PIT disagrees (stopped or
 * reprogrammed). Any CPU, interrupts off; not reentrant.
 */
int __must_check tsc_refine(uint64_t hz, uint64_t *refined);

/*
 * Switches the clocks to a refined TSC rate (tsc_refine()) once, the
 * first time it is called 2 s or more after time_init() with the rate
 * from the PIT (or, when that call came over 10 s late, 2 s after it);
 * otherwise returns at once. The clock carries on from the
 * value it had, so it never jumps back. Any CPU, interrupts off.
 */
void time_refine(void);

/* CPUID 0x16 EAX (processor base frequency, MHz) in Hz, or 0 when the
 * leaf is absent. A hint to cross-check a calibration, not a rate. */
uint64_t tsc_base_freq_hint(void);

/* True when CPUID 0x80000007 EDX bit 8 says the TSC runs at a constant
 * rate in every P-, C- and T-state. */
bool tsc_is_invariant(void);

/*
 * Reads one consistent RTC snapshot: waits (bounded by the TSC, using
 * `tsc_hz`) for the update-in-progress flag to clear, and repeats until
 * two successive reads agree. Includes the century register when the
 * FADT names one.
 * Returns 0, or -EIO when the RTC never settled (no RTC, or it kept
 * updating). Boot CPU, interrupts off.
 */
int __must_check rtc_read(struct rtc_regs *out, uint64_t tsc_hz);

/*
 * The first TSC value at which time_ns() reads `ns` or more (saturating at
 * UINT64_MAX), for TSC-deadline timers. Any context, after time_init().
 */
uint64_t time_ns_to_tsc(uint64_t ns);

#endif /* ARCH_CLOCK_H */
