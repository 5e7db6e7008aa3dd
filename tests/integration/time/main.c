/* SPDX-License-Identifier: MIT */
/*
 * Integration test: the clocks of <time.h>. Each argument names a check:
 *   wall   CLOCK_REALTIME is within a minute after 2020-01-01T00:00:00Z
 *          (QEMU -rtc base=2020-01-01T00:00:00)
 *   epoch  with no RTC, CLOCK_REALTIME counts from the epoch at boot
 *   mono   CLOCK_MONOTONIC never goes backwards over many reads, and
 *          advances, by less than an hour
 *   rtc    two RTC seconds (CMOS, read directly: the image runs in ring
 *          0) last 1.5-2.5 s of CLOCK_MONOTONIC, and the TSC advances
 *          at a plausible rate meanwhile
 *   tsc1g  a 10 ms busy wait by CLOCK_MONOTONIC takes 10 M TSC cycles
 *          (1%): -icount shift=0 makes the TSC 1 GHz
 *   api    refusals (bad clock, NULL), time(), CLOCK_BOOTTIME
 *   sleep  mapp_sleep_ns() (the per-CPU timer) of 1 ns to 100 ms lasts
 *          at least as long, and less than a second more
 *   longsleep  5 s, beyond the one-shot timer's 32-bit reach
 *   smp    readers on CPUs 0 and 1 never see the other's clock ahead
 * Prints TEST PASS when every check passed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mosaic/mapp.h>

#define NS 1000000000ll
#define JAN_2020 1577836800l
#define MONO_READS 200000
#define RTC_SPIN_MAX 2000000000l

static int failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("TEST FAIL: %s (line %d)\n", #cond, __LINE__);  \
			failed = 1;                                            \
		}                                                              \
	} while (0)

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts = { -1, -1 };

	CHECK(clock_gettime(clk, &ts) == 0);
	CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < NS);
	return ts.tv_sec * NS + ts.tv_nsec;
}

static void check_wall(void)
{
	int64_t s = now_ns(CLOCK_REALTIME) / NS;

	printf("wall: %ld s after 2020-01-01T00:00:00Z\n",
	       (long)(s - JAN_2020));
	CHECK(s >= JAN_2020 && s < JAN_2020 + 60);
}

static void check_epoch(void)
{
	int64_t s = now_ns(CLOCK_REALTIME) / NS;

	printf("epoch: %ld s\n", (long)s);
	CHECK(s >= 0 && s < 3600);
}

static void check_mono(void)
{
	int64_t first = now_ns(CLOCK_MONOTONIC), prev = first, t;
	long back = 0;
	int i;

	for (i = 0; i < MONO_READS; i++) {
		t = now_ns(CLOCK_MONOTONIC);
		if (t < prev)
			back++;
		prev = t;
	}
	printf("mono: %d reads over %ld us, %ld backwards\n", MONO_READS,
	       (long)((prev - first) / 1000), back);
	CHECK(back == 0);
	CHECK(prev > first);
	CHECK(prev - first < 3600 * NS);
	CHECK(first > 0 && first < 3600 * NS);
}

static uint8_t cmos_seconds(void)
{
	uint8_t v;

	__asm__ volatile("outb %0, $0x70" : : "a"((uint8_t)0));
	__asm__ volatile("inb $0x71, %0" : "=a"(v));
	return v;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Spins until the RTC seconds register changes; 0 when it does not
 * within 3 s of CLOCK_MONOTONIC (or RTC_SPIN_MAX reads, should the
 * monotonic clock be stuck). */
static int rtc_tick(void)
{
	int64_t until = now_ns(CLOCK_MONOTONIC) + 3 * NS;
	uint8_t s = cmos_seconds();
	long i;

	for (i = 0; i < RTC_SPIN_MAX; i++) {
		if (cmos_seconds() != s)
			return 1;
		if (i % 1024 == 0 && now_ns(CLOCK_MONOTONIC) > until)
			return 0;
	}
	return 0;
}

static void check_rtc(void)
{
	int64_t t0, t1;
	uint64_t c0, c1;

	CHECK(rtc_tick());
	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = rdtsc();
	CHECK(rtc_tick() && rtc_tick());
	t1 = now_ns(CLOCK_MONOTONIC);
	c1 = rdtsc();
	printf("rtc: 2 s of RTC took %ld ms of CLOCK_MONOTONIC, %lu MHz of "
	       "TSC\n",
	       (long)((t1 - t0) / 1000000),
	       (unsigned long)((c1 - c0) * 1000 / (uint64_t)(t1 - t0 + 1)));
	CHECK(t1 - t0 > 3 * NS / 2 && t1 - t0 < 5 * NS / 2);
	/* Within the 10 MHz-100 GHz the kernel accepts, by the TSC. */
	CHECK(c1 - c0 > (uint64_t)(t1 - t0) / 100);
	CHECK(c1 - c0 < (uint64_t)(t1 - t0) * 100);
}

/* Under -icount shift=0 the TSC counts guest instructions as
 * nanoseconds: CLOCK_MONOTONIC must then follow it to 1%. */
static void check_tsc1g(void)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC), t1;
	uint64_t c0 = rdtsc(), c1;

	do
		t1 = now_ns(CLOCK_MONOTONIC);
	while (t1 - t0 < 10000000);
	c1 = rdtsc();
	printf("tsc1g: %lu cycles in %ld ns\n", (unsigned long)(c1 - c0),
	       (long)(t1 - t0));
	CHECK(c1 - c0 > (uint64_t)(t1 - t0) * 99 / 100);
	CHECK(c1 - c0 < (uint64_t)(t1 - t0) * 101 / 100);
}

/* mapp_sleep_ns() rides on timer_arm(): never early, not grossly late. */
static void check_sleep(void)
{
	static const int64_t lens[] = { 1, 1000, 1000000, 10000000, 100000000 };
	unsigned int i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int64_t t0 = now_ns(CLOCK_MONOTONIC), t;

		mapp_sleep_ns((uint64_t)lens[i]);
		t = now_ns(CLOCK_MONOTONIC) - t0;
		printf("sleep: %ld ns took %ld us\n", (long)lens[i],
		       (long)(t / 1000));
		CHECK(t >= lens[i]);
		CHECK(t < lens[i] + NS);
	}
}

/* Longer than a one-shot count reaches at 1 GHz (2^32 ns): the timer
 * fires early and is armed again. */
static void check_longsleep(void)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC), t;

	mapp_sleep_ns(5 * NS);
	t = now_ns(CLOCK_MONOTONIC) - t0;
	printf("longsleep: 5 s took %ld ms\n", (long)(t / 1000000));
	CHECK(t >= 5 * NS && t < 7 * NS);
}

/* The latest CLOCK_MONOTONIC value each side has published. */
static int64_t published[2];
static int smp_back;

static int smp_reader(void *arg)
{
	int me = (int)(intptr_t)arg, i;

	for (i = 0; i < MONO_READS / 4; i++) {
		int64_t theirs =
			__atomic_load_n(&published[!me], __ATOMIC_ACQUIRE);
		int64_t mine = now_ns(CLOCK_MONOTONIC);

		/* Their value was read before ours: it may not be later. */
		if (theirs > mine)
			__atomic_fetch_add(&smp_back, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&published[me], mine, __ATOMIC_RELEASE);
	}
	return (int)mapp_cpu();
}

/* CLOCK_MONOTONIC agrees across CPUs: values read on one CPU never run
 * ahead of a later read on another. */
static void check_smp(void)
{
	struct mapp_opts opts[2] = { { 0, 1 }, { 0, 2 } };
	struct mapp_exit ex[2];
	mapp_t m[2];
	int i;

	CHECK(mapp_ncpus() >= 2);
	if (mapp_ncpus() < 2)
		return;
	for (i = 0; i < 2; i++)
		CHECK(mapp_spawn(&m[i], "clock reader", smp_reader,
				 (void *)(intptr_t)i, &opts[i]) == 0);
	for (i = 0; i < 2; i++) {
		CHECK(mapp_join(m[i], &ex[i]) == 0);
		CHECK(!ex[i].faulted && ex[i].status == i);
	}
	printf("smp: %d reads on CPUs 0 and 1, %d out of order\n",
	       MONO_READS / 2, smp_back);
	CHECK(smp_back == 0);
}

static void check_api(void)
{
	struct timespec ts = { 7, 7 };
	int64_t mono, boot, real;
	time_t t = 0, r;

	CHECK(clock_gettime(99, &ts) == -1);
	CHECK(clock_gettime(-1, &ts) == -1);
	CHECK(ts.tv_sec == 7 && ts.tv_nsec == 7);
	CHECK(clock_gettime(CLOCK_MONOTONIC, NULL) == -1);
	CHECK(clock_gettime(CLOCK_REALTIME, NULL) == -1);
	mono = now_ns(CLOCK_MONOTONIC);
	boot = now_ns(CLOCK_BOOTTIME);
	CHECK(boot >= mono && boot - mono < NS);
	CHECK(now_ns(CLOCK_MONOTONIC_RAW) >= boot);
	CHECK(now_ns(CLOCK_MONOTONIC_COARSE) >= boot);
	real = now_ns(CLOCK_REALTIME);
	r = time(&t);
	CHECK(r == t);
	CHECK(r >= real / NS && r - real / NS <= 1);
	CHECK(time(NULL) >= r);
	CHECK(now_ns(CLOCK_REALTIME_COARSE) >= real);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} checks[] = {
		{ "wall", check_wall },	  { "epoch", check_epoch },
		{ "mono", check_mono },	  { "rtc", check_rtc },
		{ "tsc1g", check_tsc1g }, { "api", check_api },
		{ "sleep", check_sleep }, { "longsleep", check_longsleep },
		{ "smp", check_smp },
	};
	size_t j;
	int i;

	for (i = 1; i < argc; i++) {
		for (j = 0; j < sizeof(checks) / sizeof(checks[0]); j++)
			if (strcmp(argv[i], checks[j].name) == 0)
				break;
		if (j == sizeof(checks) / sizeof(checks[0])) {
			printf("TEST FAIL: unknown check '%s'\n", argv[i]);
			return 1;
		}
		checks[j].fn();
	}
	if (argc < 2)
		printf("TEST FAIL: no checks named\n");
	else if (!failed)
		printf("TEST PASS\n");
	return 0;
}
