/* SPDX-License-Identifier: MIT */
/*
 * TSC rate calibration for <arch/clock.h>: CPUID leaf 0x15 (Intel SDM vol.
 * 3B §20.7.3), the hypervisor timing leaf 0x40000010 (VMware's, which QEMU
 * and others copy), else a short measurement against the 8254 PIT. Every
 * loop is bounded; kvmclock and the HPET are not used.
 */
#include <arch/clock.h>

#include <arch/cpu.h>
#include <kernel/errno.h>
#include <kernel/log.h>

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_PORT_B 0x61 /* bit 0: channel 2 gate, bit 1: speaker */
#define PIT_B_GATE2 0x01
#define PIT_B_SPEAKER 0x02
#define PIT_CMD_LATCH(ch) ((ch) << 6) /* counter latch of channel ch */
#define PIT_CMD_MODE2(ch) (((ch) << 6) | 0x34) /* lo/hi, rate gen, binary */

/* ~5 ms of PIT input ticks (1.193182 MHz). */
#define PIT_CALIB_TICKS 5966
/* Reads without a change before the PIT counts as absent or stopped.
 * A read is three port accesses, >= 100 ns even under TCG, and the count
 * changes every 838 ns, so 2000 reads is ample and still short. */
#define PIT_STUCK_READS 2000
/* An overall bound on the reads of one measurement (icount shift=0 makes
 * a read ~20 ns of guest time: 250,000 reads for 5 ms). */
#define PIT_MAX_READS 2000000
/* A sharp edge is known to within this many of the quickest reads; the
 * start waits at most this many edges for one. */
#define PIT_SHARP_READS 8
#define PIT_SHARP_TRIES 64
/* A measurement with no sharp edge by 4 times the ticks is retried, up to
 * PIT_TRIES times per channel. */
#define PIT_GIVE_UP_TICKS (4 * PIT_CALIB_TICKS)
#define PIT_TRIES 3
/* Rates outside this are a broken measurement. */
#define TSC_HZ_MIN 10000000ull
#define TSC_HZ_MAX 100000000000ull

#define CPUID_HV_BASE 0x40000000
#define CPUID_HV_TIMING 0x40000010

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
	uint64_t ps_after; /* TSC after the count was read */
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
	uint32_t pr_reads;
};

static void pit_sample(struct pit_run *run, struct pit_sample *s)
{
	uint8_t lo, hi;

	s->ps_before = tsc_read();
	cpu_outb(PIT_CMD, PIT_CMD_LATCH(run->pr_ch));
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
 * latch and before this one's. Returns 0, or -ENODEV when the count stood
 * still for PIT_STUCK_READS reads or the run used up PIT_MAX_READS.
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
			e->pe_width = cur.ps_after - run->pr_last.ps_before;
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

/*
 * Times PIT_CALIB_TICKS or a few more ticks of channel `ch` between two
 * sharp edges (edges that are not sharp are passed over).
 *   hz: receives the TSC rate on success
 * Returns 0; -ENODEV when the channel does not count; -EAGAIN when no
 * sharp edge came in time (the vCPU kept being preempted): try again.
 */
static int pit_measure(unsigned int ch, uint64_t *hz)
{
	struct pit_run run = { .pr_ch = ch, .pr_fastest = UINT64_MAX };
	struct pit_edge start, end;
	int i;

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
	do {
		if (pit_next_edge(&run, &end))
			goto out_stuck;
		if (run.pr_ticks >= PIT_GIVE_UP_TICKS)
			return -EAGAIN;
	} while (run.pr_ticks < PIT_CALIB_TICKS ||
		 !pit_edge_is_sharp(&run, &end));
	log_debug("time: PIT channel %u: %lu ticks in %lu TSC cycles (+-%lu), "
		  "%u reads\n",
		  ch, run.pr_ticks, end.pe_mid - start.pe_mid,
		  (start.pe_width + end.pe_width) / 2, run.pr_reads);
	*hz = time_pit_tsc_hz(end.pe_mid - start.pe_mid, run.pr_ticks);
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
	unsigned int i, attempt;
	int rc = -EAGAIN;

	cpu_outb(PIT_PORT_B, (b & ~PIT_B_SPEAKER) | PIT_B_GATE2);
	for (i = 0; i < ARRAY_SIZE(channels) && rc; i++) {
		pit_start(channels[i]);
		rc = -EAGAIN;
		for (attempt = 0; attempt < PIT_TRIES && rc == -EAGAIN;
		     attempt++)
			rc = pit_measure(channels[i], &hz);
	}
	cpu_outb(PIT_PORT_B, b);
	if (rc == -EAGAIN)
		log_warn("time: the PIT measurement kept being disturbed\n");
	return rc ? 0 : hz;
}

int tsc_calibrate(uint64_t *hz, const char **source)
{
	static const struct {
		uint64_t (*fn)(void);
		const char *name;
	} sources[] = {
		{ from_cpuid15, "cpuid-15h" },
		{ from_hypervisor, "hypervisor" },
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
