/* SPDX-License-Identifier: MIT */
/*
 * Time: a monotonic clock in nanoseconds from the TSC (calibrated at boot
 * and, when that took the PIT, refined once a few seconds later), the
 * wall clock (the RTC read once at boot, then advanced by the monotonic
 * clock), and each CPU's one-shot timer.
 */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

#include <kernel/compiler.h>

#define NSEC_PER_SEC 1000000000ull

/*
 * Calibrates the TSC (CPUID 0x15, the hypervisor's TSC leaf 0x40000010,
 * else 0.05-5 ms against the PIT, as long as the PIT reads need to pin
 * the rate to 0.1 %; CPUID 0x16 only as a cross-check or a last resort
 * before assuming 1 GHz, each with a log line); reads the RTC for its
 * info-level boot line only (else time_wall_ns() does on first use). A
 * PIT rate is refined later by timer_arm() (see time_refine() in
 * <arch/clock.h>). Registered as a "core" initcall; needs the ACPI tables
 * (the FADT's century register) but not the APIC. Boot CPU, interrupts
 * off, before smp_init(). Later calls do nothing. Returns 0: a missing
 * source degrades the clock with a logged warning or error, it never
 * fails boot.
 */
int time_init(void);

/* Nanoseconds since time_init() (0 before it). Never goes backwards on a
 * CPU; across CPUs as far as their TSCs agree (they do under QEMU and on
 * CPUs with an invariant, synchronised TSC). Any context, any CPU;
 * lock-free, no division. */
uint64_t time_ns(void);

/* Nanoseconds since 1970-01-01T00:00:00Z: the RTC date (whole seconds),
 * read once, plus time_ns() since; 0 before time_init() and when the RTC
 * was unreadable or held an invalid date. The RTC is read by time_init()
 * when its boot line is logged, else by the first call, which then takes
 * up to a few ms (bounded; interrupts off) while calls on other CPUs wait
 * for it. Any context. */
uint64_t time_wall_ns(void);

/* The calibrated TSC rate, Hz (0 before time_init()). */
uint64_t time_tsc_hz(void);

/* Where the TSC rate came from: "cpuid-15h", "hypervisor", "pit",
 * "cpuid-16h" or "default" (a 1 GHz guess); "none" before time_init(). */
const char *time_source(void);

/*
 * Sets up this CPU's timer (TSC-deadline or LAPIC one-shot), disarmed.
 * Every CPU once, after lapic_init_cpu() and time_init(); the first call
 * (the boot CPU's, before any AP starts) picks the mode and, without
 * TSC-deadline, measures the one-shot count rate against the TSC (0.02-0.5
 * ms, to 0.1 %).
 */
void timer_init_cpu(void);

/*
 * Arms this CPU's timer to raise VEC_TIMER once time_ns() >= deadline_ns
 * (at once when it is already past); replaces any earlier deadline. 0
 * disarms. The deadline already pending costs nothing. Interrupts off (the
 * caller is about to halt or holds a lock). TSC-deadline mode fires exactly
 * then. One-shot mode counts at most 2^32 - 1 ticks (about 4 s at QEMU's 1 GHz,
 * longer on hardware) and its rate is measured, so it may fire early: the
 * handler must compare time_ns() with its deadlines and arm again, never assume
 * expiry. Also where the TSC rate gets refined, once (a few PIT port reads).
 */
void timer_arm(uint64_t deadline_ns);

/*
 * The VEC_TIMER handler calls it first: this CPU's timer has fired, so the
 * next timer_arm() writes it even for the same deadline (timer_arm() skips
 * re-arming a deadline that is still pending). Interrupts off.
 */
void timer_fired(void);

#endif /* KERNEL_TIME_H */
