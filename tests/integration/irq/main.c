/* SPDX-License-Identifier: MIT */
/*
 * Integration test: the IRQ API (<mosaic/irq.h> over <kernel/irq.h>) end to
 * end. The CMOS
 * RTC's periodic interrupt (ISA IRQ 8, through the MADT overrides to its
 * GSI) is routed to a freshly allocated vector on a chosen CPU; the
 * handler counts and acknowledges (reads register C). Masking stops the
 * count; unmasking starts it again. Bounded waits by the monotonic clock.
 *   route CPU   route to CPU (its dense id), count 16 interrupts
 */
#include <mosaic/irq.h>
#include <mosaic/mapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <itest.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define NMI_OFF 0x80

static volatile unsigned int hits;
static volatile unsigned int hit_cpu;

static void outb(unsigned short port, unsigned char v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static unsigned char inb(unsigned short port)
{
	unsigned char v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static unsigned char cmos_read(unsigned char reg)
{
	outb(CMOS_INDEX, NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static void cmos_write(unsigned char reg, unsigned char v)
{
	outb(CMOS_INDEX, NMI_OFF | reg);
	outb(CMOS_DATA, v);
}

/* Integer work only: handlers never touch the FPU/SSE state. */
static MOSAIC_IRQ_HANDLER void rtc_intr(void *arg)
{
	(void)arg;
	cmos_read(0x0c); /* acknowledge: the RTC raises no more until read */
	hit_cpu = mapp_cpu();
	hits++;
}

/* Waits up to 5 s for `n` interrupts; returns how many came. */
static unsigned int wait_hits(unsigned int n)
{
	uint64_t until = now_ns() + 5000000000ull;

	while (hits < n && now_ns() < until)
		mapp_yield();
	return hits;
}

int main(int argc, char **argv)
{
	unsigned int cpu, got;
	int vec, gsi;

	if (argc != 3 || strcmp(argv[1], "route")) {
		printf("TEST FAIL: usage: irq route CPU\n");
		return 1;
	}
	cpu = (unsigned int)(argv[2][0] - '0');
	vec = mosaic_irq_alloc(rtc_intr, NULL);
	if (vec < 0) {
		printf("TEST FAIL: no vector (%d)\n", vec);
		return 1;
	}
	gsi = mosaic_irq_route_isa(8, vec, cpu);
	if (gsi < 0) {
		printf("TEST FAIL: route IRQ 8: %d\n", gsi);
		return 1;
	}
	/* 1024 Hz periodic interrupt: rate 6 in register A, PIE in B. */
	cmos_write(0x0a, (cmos_read(0x0a) & 0xf0) | 6);
	cmos_write(0x0b, cmos_read(0x0b) | 0x40);
	cmos_read(0x0c);
	mosaic_irq_unmask(gsi);
	got = wait_hits(16);
	if (got < 16) {
		printf("TEST FAIL: %u interrupts on GSI %d\n", got, gsi);
		return 1;
	}
	if (hit_cpu != cpu) {
		printf("TEST FAIL: handled on CPU %u, routed to %u\n", hit_cpu,
		       cpu);
		return 1;
	}
	mosaic_irq_mask(gsi);
	got = hits;
	{
		uint64_t until = now_ns() + 50000000ull; /* 50 RTC periods */

		while (now_ns() < until)
			mapp_yield();
	}
	/* One may have been in flight when the mask landed. */
	if (hits > got + 1) {
		printf("TEST FAIL: %u interrupts while masked\n", hits - got);
		return 1;
	}
	mosaic_irq_unmask(gsi);
	if (wait_hits(hits + 8) < got + 8) {
		printf("TEST FAIL: no interrupts after unmask\n");
		return 1;
	}
	mosaic_irq_mask(gsi);
	cmos_write(0x0b, cmos_read(0x0b) & ~0x40);
	mosaic_irq_free(vec);
	printf("GSI %d -> vector %d on CPU %u: %u interrupts\n", gsi, vec, cpu,
	       hits);
	printf("TEST PASS\n");
	return 0;
}
