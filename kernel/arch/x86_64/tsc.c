/* SPDX-License-Identifier: MIT */
/*
 * TSC rate calibration for <arch/clock.h>: CPUID leaf 0x15 (Intel SDM vol.
 * 3B §20.7.3), the hypervisor timing leaf 0x40000010 (VMware's, which QEMU
 * and others copy), KVM's clock (kvmclock: the rate the host scales the
 * TSC by, Linux's Documentation/virt/kvm/x86/msr.rst), else a short
 * measurement against the 8254 PIT, refined seconds later by one more PIT
 * read (tsc_refine()). Every loop is bounded; the HPET is not used, and
 * kvmclock only for its rate (the TSC stays the clock).
 */
#include <arch/clock.h>

#include <arch/cpu.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/mm.h>

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_PORT_B 0x61 /* bit 0: channel 2 gate, bit 1: speaker */
#define PIT_B_GATE2 0x01
#define PIT_B_SPEAKER 0x02
#define PIT_CMD_LATCH(ch) ((ch) << 6) /* counter latch of channel ch */
#define PIT_CMD_MODE2(ch) (((ch) << 6) | 0x34) /* lo/hi, rate gen, binary */

/*
 * The measurement window adapts to how sharply edges can be timed: it
 * ends at the first sharp edge past PIT_MIN_TICKS where the two edges'
 * combined uncertainty is at most 1 / PIT_PRECISION of the window
 * (1000 ppm), and at PIT_MAX_TICKS (~5 ms) whatever the uncertainty.
 * Under TCG a read takes ~50 instructions, so the window is ~0.1 ms
 * instead of 5 ms of busy-waiting at boot (under -icount each guest ns is
 * an instruction); under KVM, where a read is a slower exit, it grows by
 * itself to keep the same bound.
 */
#define PIT_MIN_TICKS 60 /* ~50 us */
#define PIT_MAX_TICKS 5966 /* ~5 ms */
#define PIT_PRECISION 1000
/* The rate is taken between the means of the first and of the last
 * PIT_AVG sharp edges: a read's quantisation differs from edge to edge
 * (the read period is no divisor of the tick), so averaging cuts the
 * error several times for a few more microseconds. */
#define PIT_AVG 8
/* Reads without a change before the PIT counts as absent or stopped.
 * A read is three port accesses, >= 100 ns even under TCG, and the count
 * changes every 838 ns, so 2000 reads is ample and still short. */
#define PIT_STUCK_READS 2000
/* An overall bound on the reads of one measurement (icount shift=0 makes
 * a read ~50 ns of guest time: 100,000 reads for 5 ms). */
#define PIT_MAX_READS 2000000
/* A sharp edge is known to within this many of the quickest reads; the
 * start waits at most this many edges for one. */
#define PIT_SHARP_READS 8
#define PIT_SHARP_TRIES 64
/* A measurement with no sharp edge by 4 times the longest window is
 * retried, up to PIT_TRIES times per channel. */
#define PIT_GIVE_UP_TICKS (4 * PIT_MAX_TICKS)
#define PIT_TRIES 3
/* A refinement needs at least this much time since the anchor (the
 * error is then ~1 ppm) and at most this much (the boot rate, within
 * 0.1 %, must place the PIT's 55 ms wraps to within half a period). */
#define REFINE_MIN_TICKS 1193182ull /* 1 s */
#define REFINE_MAX_TICKS (10 * 1193182ull)
/* A refined rate further than 1 / REFINE_AGREE from the boot rate means
 * the PIT was stopped or reprogrammed since (2000 ppm). */
#define REFINE_AGREE 500
#define REFINE_READS 3
/* Rates outside this are a broken measurement. */
#define TSC_HZ_MIN 10000000ull
#define TSC_HZ_MAX 100000000000ull

#define CPUID_HV_BASE 0x40000000
#define CPUID_HV_TIMING 0x40000010

/* KVM's leaves: "KVMKVMKVM\0\0\0" at 0x40000000, or at 0x40000100 when
 * Hyper-V's leaves come first; features one leaf up. */
#define KVM_SIG_EBX 0x4b4d564b
#define KVM_SIG_ECX 0x564b4d56
#define KVM_SIG_EDX 0x0000004d
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define PVCLOCK_TRIES 16

static uint32_t cpuid_max_leaf(bool *intel)
{
	uint32_t r[4];

	cpu_cpuid(0, 0, r);
	/* "GenuineIntel" in EBX, EDX, ECX. */
	*intel = r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
	return r[0];
}

static uint64_t from_cpuid15(void)
{
	uint32_t r[4], sig;
	bool intel;

	if (cpuid_max_leaf(&intel) < 0x15)
		return 0;
	cpu_cpuid(1, 0, r);
	sig = r[0];
	cpu_cpuid(0x15, 0, r);
	return time_cpuid15_tsc_hz(
		r[0], r[1], r[2], r[2] ? 0 : time_known_crystal_hz(sig, intel));
}

static uint64_t from_hypervisor(void)
{
	uint32_t r[4], max;

	cpu_cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return 0;
	cpu_cpuid(CPUID_HV_BASE, 0, r);
	max = r[0];
	if (max < CPUID_HV_TIMING)
		return 0;
	cpu_cpuid(CPUID_HV_TIMING, 0, r);
	return time_hv_tsc_hz(max, r[0]);
}

/*
 * What the host writes for kvmclock (KVM's ABI): `version` is odd while it
 * writes. Aligned to its size so that it never crosses a page.
 */
struct pvclock_info {
	uint32_t pv_version;
	uint32_t pv_pad0;
	uint64_t pv_tsc_timestamp;
	uint64_t pv_system_time;
	uint32_t pv_mul;
	int8_t pv_shift;
	uint8_t pv_flags;
	uint8_t pv_pad1[2];
} __attribute__((aligned(32)));

/* [I] written by the host only between tsc_calibrate()'s two MSR writes. */
static struct pvclock_info kvmclock_info;

static bool kvm_has_clock(void)
{
	static const uint32_t bases[] = { CPUID_HV_BASE,
					  CPUID_HV_BASE + 0x100 };
	uint32_t r[4], max;
	unsigned int i;

	cpu_cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return false;
	for (i = 0; i < ARRAY_SIZE(bases); i++) {
		cpu_cpuid(bases[i], 0, r);
		if (r[1] != KVM_SIG_EBX || r[2] != KVM_SIG_ECX ||
		    r[3] != KVM_SIG_EDX)
			continue;
		/* Older hosts leave the maximum leaf 0: features exist. */
		max = r[0];
		if (max && max < bases[i] + 1)
			return false;
		cpu_cpuid(bases[i] + 1, 0, r);
		return r[0] & KVM_FEATURE_CLOCKSOURCE2;
	}
	return false;
}

/*
 * Asks the host to fill kvmclock_info (it does before this vCPU runs on),
 * takes a consistent mul and shift, and turns the updates off again.
 */
static uint64_t from_kvmclock(void)
{
	struct pvclock_info *pv = &kvmclock_info;
	uint32_t version = 0, mul = 0;
	int8_t shift = 0;
	unsigned int i;
	paddr_t pa;

	if (!kvm_has_clock() || mm_query((uintptr_t)pv, &pa, NULL))
		return 0;
	cpu_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, pa | 1);
	for (i = 0; i < PVCLOCK_TRIES; i++) {
		version = __atomic_load_n(&pv->pv_version, __ATOMIC_ACQUIRE);
		mul = __atomic_load_n(&pv->pv_mul, __ATOMIC_RELAXED);
		shift = __atomic_load_n(&pv->pv_shift, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (version && !(version & 1) &&
		    version ==
			    __atomic_load_n(&pv->pv_version, __ATOMIC_RELAXED))
			break;
	}
	cpu_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	if (i == PVCLOCK_TRIES) {
		log_warn("time: kvmclock never settled (version %u)\n",
			 version);
		return 0;
	}
	return time_pvclock_tsc_hz(mul, shift);
}

uint64_t tsc_base_freq_hint(void)
{
	uint32_t r[4];
	bool intel;

	if (cpuid_max_leaf(&intel) < 0x16)
		return 0;
	cpu_cpuid(0x16, 0, r);
	return (uint64_t)(r[0] & 0xffff) * 1000000;
}

bool tsc_is_invariant(void)
{
	uint32_t r[4];

	cpu_cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000007)
		return false;
	cpu_cpuid(0x80000007, 0, r);
	return r[3] & (1u << 8);
}

struct pit_sample {
	uint16_t ps_count;
	uint64_t ps_before; /* TSC just before the latch command */
	uint64_t ps_latched; /* TSC once the latch command was done */
	uint64_t ps_after; /* TSC after the count was read */
};

/* An edge's tick count and middle, from the start edge. */
struct pit_point {
	uint64_t pp_ticks;
	uint64_t pp_mid;
};

/* Where a count change (an edge) happened: inside (mid +- width / 2). */
struct pit_edge {
	uint64_t pe_mid;
	uint64_t pe_width;
};

/* A measurement in progress. */
struct pit_run {
	unsigned int pr_ch;
	struct pit_sample pr_last; /* the latest read */
	uint64_t pr_fastest; /* the quickest read so far, TSC cycles */
	uint64_t pr_ticks; /* PIT ticks since the start edge */
	uint64_t pr_min_ticks; /* the shortest window */
	uint32_t pr_reads;
};

/*
 * The last edge of the boot measurement, which tsc_refine() measures
 * from. Locking: [I] set by tsc_calibrate() on the boot CPU before other
 * CPUs start; read-only after.
 */
static struct {
	bool pa_valid;
	unsigned int pa_ch;
	uint16_t pa_count; /* the count just after the edge */
	uint64_t pa_tsc; /* the TSC at the edge */
} pit_anchor; /* [I] */

static void pit_sample(struct pit_run *run, struct pit_sample *s)
{
	uint8_t lo, hi;

	s->ps_before = tsc_read();
	cpu_outb(PIT_CMD, PIT_CMD_LATCH(run->pr_ch));
	s->ps_latched = tsc_read();
	lo = cpu_inb(PIT_CH0 + run->pr_ch);
	hi = cpu_inb(PIT_CH0 + run->pr_ch);
	s->ps_after = tsc_read();
	s->ps_count = (uint16_t)(lo | hi << 8);
	if (s->ps_after - s->ps_before < run->pr_fastest)
		run->pr_fastest = s->ps_after - s->ps_before;
	run->pr_reads++;
}

/*
 * Reads until the count changes: the edge lies after the previous read's
 * latch and before this one's, so between the TSC before the one latch
 * command and the TSC after the other (reading the two count bytes,
 * after the latch, would only widen it: two more exits under a
 * hypervisor, a third of the window pit_window_done() needs). Returns 0,
 * or -ENODEV when the count stood still for PIT_STUCK_READS reads or the
 * run used up PIT_MAX_READS.
 */
static int pit_next_edge(struct pit_run *run, struct pit_edge *e)
{
	struct pit_sample cur;
	uint32_t i;

	for (i = 0; i < PIT_STUCK_READS && run->pr_reads < PIT_MAX_READS; i++) {
		pit_sample(run, &cur);
		if (cur.ps_count != run->pr_last.ps_count) {
			/* Mode 2 counts down and wraps: the u16 difference. */
			run->pr_ticks += (uint16_t)(run->pr_last.ps_count -
						    cur.ps_count);
			e->pe_width = cur.ps_latched - run->pr_last.ps_before;
			e->pe_mid = run->pr_last.ps_before + e->pe_width / 2;
			run->pr_last = cur;
			return 0;
		}
		run->pr_last = cur;
	}
	return -ENODEV;
}

/* An edge pinned down to about two back-to-back reads: no preemption of
 * the (virtual) CPU or slow device exit blurred it. */
static bool pit_edge_is_sharp(const struct pit_run *run,
			      const struct pit_edge *e)
{
	return e->pe_width <= PIT_SHARP_READS * run->pr_fastest;
}

/* Whether `end` closes the window that opened at `start`. */
static bool pit_window_done(const struct pit_run *run,
			    const struct pit_edge *start,
			    const struct pit_edge *end)
{
	uint64_t uncertainty = (start->pe_width + end->pe_width) / 2;

	if (run->pr_ticks < run->pr_min_ticks || !pit_edge_is_sharp(run, end))
		return false;
	return run->pr_ticks >= PIT_MAX_TICKS ||
	       uncertainty * PIT_PRECISION <= end->pe_mid - start->pe_mid;
}

/*
 * Times ticks of channel `ch` between two sharp edges (edges that are
 * not sharp are passed over), over a window pit_window_done() chooses.
 *   hz: receives the TSC rate on success
 * Returns 0; -ENODEV when the channel does not count; -EAGAIN when no
 * sharp edge came in time (the vCPU kept being preempted): try again.
 */
static int pit_measure(unsigned int ch, uint64_t min_ticks, uint64_t *hz)
{
	struct pit_run run = { .pr_ch = ch,
			       .pr_fastest = UINT64_MAX,
			       .pr_min_ticks = min_ticks };
	struct pit_point last[PIT_AVG];
	struct pit_edge start, end;
	uint64_t start_ticks = 0, start_mids = 0, end_ticks = 0, end_mids = 0;
	unsigned int n_start = 1, n_end = 0, i;

	pit_sample(&run, &run.pr_last);
	for (i = 0;; i++) {
		if (pit_next_edge(&run, &start))
			goto out_stuck;
		if (pit_edge_is_sharp(&run, &start))
			break;
		if (i == PIT_SHARP_TRIES)
			return -EAGAIN;
	}
	run.pr_ticks = 0;
	/* `start` is the first of the first PIT_AVG sharp edges (offsets
	 * from it are summed into start_*); `last` holds the latest
	 * PIT_AVG sharp edges after those. */
	for (;;) {
		if (pit_next_edge(&run, &end))
			goto out_stuck;
		if (run.pr_ticks >= PIT_GIVE_UP_TICKS)
			return -EAGAIN;
		if (!pit_edge_is_sharp(&run, &end))
			continue;
		if (n_start < PIT_AVG) {
			start_ticks += run.pr_ticks;
			start_mids += end.pe_mid - start.pe_mid;
			n_start++;
			continue;
		}
		last[n_end % PIT_AVG].pp_ticks = run.pr_ticks;
		last[n_end % PIT_AVG].pp_mid = end.pe_mid - start.pe_mid;
		n_end++;
		if (n_end >= PIT_AVG && pit_window_done(&run, &start, &end))
			break;
	}
	for (i = 0; i < PIT_AVG; i++) {
		end_ticks += last[i].pp_ticks;
		end_mids += last[i].pp_mid;
	}
	/* Both sums are PIT_AVG times the mean, so their ratio is the
	 * rate between the two groups' centres. */
	*hz = time_pit_tsc_hz(end_mids - start_mids, end_ticks - start_ticks);
	pit_anchor.pa_valid = true;
	pit_anchor.pa_ch = ch;
	pit_anchor.pa_count = run.pr_last.ps_count;
	pit_anchor.pa_tsc = end.pe_mid;
	log_debug("time: PIT channel %u: %lu ticks in %lu TSC cycles (+-%lu "
		  "per edge, %u-edge means), %u reads: %lu Hz\n",
		  ch, run.pr_ticks, end.pe_mid - start.pe_mid,
		  (start.pe_width + end.pe_width) / 2, PIT_AVG, run.pr_reads,
		  *hz);
	return 0;

out_stuck:
	log_debug("time: PIT channel %u does not count (%lu ticks, %u reads)\n",
		  ch, run.pr_ticks, run.pr_reads);
	return -ENODEV;
}

static void pit_start(unsigned int ch)
{
	cpu_outb(PIT_CMD, PIT_CMD_MODE2(ch));
	cpu_outb(PIT_CH0 + ch, 0); /* 0 = 65536: the longest period */
	cpu_outb(PIT_CH0 + ch, 0);
}

/* At debug level only: how far the short measurement's rate is from a
 * full PIT_MAX_TICKS one on the same channel (costs ~5 ms). */
static void pit_check(unsigned int ch, uint64_t hz)
{
	uint64_t ref, diff;

	if (pit_measure(ch, PIT_MAX_TICKS, &ref) || !ref)
		return;
	diff = hz > ref ? hz - ref : ref - hz;
	log_debug("time: PIT %lu Hz over %u+ ticks, %lu Hz over %u+: %lu ppm "
		  "apart\n",
		  hz, PIT_MIN_TICKS, ref, PIT_MAX_TICKS,
		  time_mul_div(diff, 1000000, ref));
}

/*
 * Channel 2 first: its gate is port 0x61 and its output drives only the
 * speaker, which stays off. Where nothing drives that gate (a machine
 * without port 0x61) the channel may not count, so channel 0 is tried
 * next; its
 * IRQ 0 is masked at boot and it is left in mode 2 (18.2 Hz), as a BIOS
 * leaves it.
 */
static uint64_t from_pit(void)
{
	static const unsigned int channels[] = { 2, 0 };
	uint8_t b = cpu_inb(PIT_PORT_B);
	uint64_t hz = 0;
	unsigned int i, attempt, ch = 0;
	int rc = -EAGAIN;

	cpu_outb(PIT_PORT_B, (b & ~PIT_B_SPEAKER) | PIT_B_GATE2);
	for (i = 0; i < ARRAY_SIZE(channels) && rc; i++) {
		ch = channels[i];
		pit_start(ch);
		rc = -EAGAIN;
		for (attempt = 0; attempt < PIT_TRIES && rc == -EAGAIN;
		     attempt++)
			rc = pit_measure(ch, PIT_MIN_TICKS, &hz);
	}
	if (!rc && log_is_enabled(LOG_DEBUG))
		pit_check(ch, hz);
	/* Channel 2's gate stays open (the speaker off) so that it keeps
	 * counting for tsc_refine(); restore port B only when it failed. */
	if (rc) {
		pit_anchor.pa_valid = false;
		cpu_outb(PIT_PORT_B, b);
	}
	if (rc == -EAGAIN)
		log_warn("time: the PIT measurement kept being disturbed\n");
	return rc ? 0 : hz;
}

int tsc_refine(uint64_t hz, uint64_t *refined)
{
	struct pit_run run = { .pr_ch = pit_anchor.pa_ch,
			       .pr_fastest = UINT64_MAX };
	struct pit_sample cur, best = { 0 };
	uint64_t best_width = UINT64_MAX, t, expect, ticks, rate;
	unsigned int i;

	if (!pit_anchor.pa_valid || !hz)
		return -ENODEV;
	/* The read whose latch command has the tightest TSC bracket, in
	 * case one was slowed by an exit or a preempted vCPU. */
	for (i = 0; i < REFINE_READS; i++) {
		pit_sample(&run, &cur);
		if (cur.ps_latched - cur.ps_before < best_width) {
			best_width = cur.ps_latched - cur.ps_before;
			best = cur;
		}
	}
	t = best.ps_before + best_width / 2;
	if (t <= pit_anchor.pa_tsc)
		return -ERANGE;
	expect = time_mul_div(t - pit_anchor.pa_tsc, TIME_PIT_HZ_NUM,
			      hz * TIME_PIT_HZ_DEN);
	if (expect < REFINE_MIN_TICKS)
		return -ERANGE;
	if (expect > REFINE_MAX_TICKS) {
		/* The wraps can no longer be counted: this read is the new
		 * anchor (good to a tick, ~1 ppm over the next second). */
		pit_anchor.pa_count = best.ps_count;
		pit_anchor.pa_tsc = t;
		return -EAGAIN;
	}
	/* Mode 2 counts down: the ticks since are anchor minus now. */
	ticks = time_pit_unwrap(
		expect, (uint16_t)(pit_anchor.pa_count - best.ps_count));
	rate = time_pit_tsc_hz(t - pit_anchor.pa_tsc, ticks);
	if (!rate || (rate > hz ? rate - hz : hz - rate) > hz / REFINE_AGREE) {
		log_warn("time: the PIT says %lu Hz, far from %lu Hz at boot; "
			 "not refined\n",
			 rate, hz);
		return -EIO;
	}
	*refined = rate;
	return 0;
}

int tsc_calibrate(uint64_t *hz, const char **source)
{
	static const struct {
		uint64_t (*fn)(void);
		const char *name;
	} sources[] = {
		{ from_cpuid15, "cpuid-15h" },
		{ from_hypervisor, "hypervisor" },
		{ from_kvmclock, "kvmclock" },
		{ from_pit, "pit" },
	};
	unsigned int i;
	uint64_t rate;

	for (i = 0; i < ARRAY_SIZE(sources); i++) {
		rate = sources[i].fn();
		if (rate && (rate < TSC_HZ_MIN || rate > TSC_HZ_MAX)) {
			log_warn("time: %s gave an implausible TSC rate of "
				 "%lu Hz; ignored\n",
				 sources[i].name, rate);
			rate = 0;
		}
		if (rate) {
			*hz = rate;
			*source = sources[i].name;
			return 0;
		}
	}
	return -ENODEV;
}
