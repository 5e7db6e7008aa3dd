/* SPDX-License-Identifier: MIT */
/*
 * arch_hw_random() (<kernel/arch.h>): RDRAND, per the Intel Digital Random
 * Number Generator (DRNG) Software Implementation Guide rev. 2.1 §5.2.1
 * (retry up to 10 times while CF=0), plus a health check against stuck
 * generators. Only a raw source: callers mix it into a CSPRNG. No RDSEED.
 */
#include <arch/cpu.h>
#include <kernel/arch.h>
#include <kernel/errno.h>

/*
 * Health check, run before any value leaves this file:
 *  - start-up (once): 8 draws must all succeed and be pairwise distinct
 *    (Linux x86_init_rdrand() also takes 8 but accepts 5 changes between
 *    neighbours; all distinct is stricter). This catches a DRNG
 *    stuck on any constant, such as the AMD parts that set CF=1 and return
 *    all-ones after resume (one stuck at 0 fails the same way). The 8
 *    values are discarded.
 *  - continuous: every draw must differ from the draw before it (the
 *    continuous test of FIPS 140-2 §4.9.2), so a source that gets stuck
 *    later fails at its first repeat. Each call draws twice, returns the
 *    first and keeps the second for the next comparison, so what stays in
 *    memory was never handed out (it is not part of anyone's seed).
 * A draw that fails 10 times in a row also counts as a failure. A failure
 * latches: RDRAND is not trusted again until reboot. A healthy source
 * trips the start-up test with probability 28 / 2^64 and the continuous
 * test with 2^-64 per draw.
 */
#define CPUID1_ECX_RDRAND (1u << 30)
#define RDRAND_RETRIES 10
#define RDRAND_SELFTEST_DRAWS 8

/* Locking: [G random lock] (callers serialise, see <kernel/arch.h>). */
struct rdrand_state {
	bool rs_probed; /* [G] CPUID has been read */
	bool rs_present; /* [G] CPUID.1:ECX[30] */
	bool rs_tested; /* [G] the start-up test passed */
	bool rs_failed; /* [G] a health check failed; latched */
	uint64_t rs_last; /* [G] last draw, never handed out */
};

static struct rdrand_state rdrand;

/* One RDRAND; true when CF=1, i.e. *v holds a fresh random value. */
static inline bool rdrand_step(uint64_t *v)
{
	bool ok;

	__asm__ volatile("rdrand %0" : "=r"(*v), "=@ccc"(ok));
	return ok;
}

/* RDRAND with the guide's bounded retry; false when all tries failed. */
static bool rdrand_draw(uint64_t *v)
{
	int i;

	for (i = 0; i < RDRAND_RETRIES; i++) {
		if (rdrand_step(v))
			return true;
	}
	return false;
}

static bool rdrand_present(void)
{
	uint32_t r[4];

	if (!rdrand.rs_probed) {
		cpu_cpuid(1, 0, r);
		rdrand.rs_present = r[2] & CPUID1_ECX_RDRAND;
		rdrand.rs_probed = true;
	}
	return rdrand.rs_present;
}

/* The start-up test; leaves the last draw in rs_last. */
static bool rdrand_selftest(void)
{
	uint64_t v[RDRAND_SELFTEST_DRAWS];
	int i, j;

	for (i = 0; i < RDRAND_SELFTEST_DRAWS; i++) {
		if (!rdrand_draw(&v[i]))
			return false;
		for (j = 0; j < i; j++) {
			if (v[j] == v[i])
				return false;
		}
	}
	rdrand.rs_last = v[RDRAND_SELFTEST_DRAWS - 1];
	return true;
}

int arch_hw_random(uint64_t *out)
{
	uint64_t v, next;

	if (!rdrand_present())
		return -ENODEV;
	if (rdrand.rs_failed)
		return -EIO;
	if (!rdrand.rs_tested && !rdrand_selftest())
		goto fail;
	rdrand.rs_tested = true;
	if (!rdrand_draw(&v) || v == rdrand.rs_last)
		goto fail;
	if (!rdrand_draw(&next) || next == v)
		goto fail;
	rdrand.rs_last = next;
	*out = v;
	return 0;
fail:
	rdrand.rs_failed = true;
	return -EIO;
}
