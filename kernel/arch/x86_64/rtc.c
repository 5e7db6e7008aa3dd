/* SPDX-License-Identifier: MIT */
/*
 * The CMOS real-time clock (MC146818 registers at ports 0x70/0x71), read
 * once at boot for <arch/clock.h>. Reads only; the date is decoded by
 * time_rtc_decode(). The century register is the one the FADT names
 * (ACPI 6.5 §5.2.9, CENTURY at offset 108), when it names one.
 */
#include <arch/clock.h>

#include <arch/cpu.h>
#include <kernel/acpi.h>
#include <kernel/errno.h>
#include <kernel/string.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_BANK0_SIZE 0x80 /* index bit 7 is the NMI mask, not address */

#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_MDAY 0x07
#define RTC_MON 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_A_UIP 0x80 /* an update is due within 244 us or under way */

#define FADT_CENTURY 108
/* An update holds UIP for under 2.3 ms; a clock that keeps it longer is
 * absent (reads 0xff) or broken. */
#define RTC_UIP_WAIT_DIV 100 /* 1/100 s */
#define RTC_TRIES 8

static uint8_t cmos_read(uint8_t reg)
{
	cpu_outb(CMOS_INDEX, reg);
	return cpu_inb(CMOS_DATA);
}

/* The FADT's century index, or 0 when there is none we can use. */
static uint8_t century_index(void)
{
	const struct acpi_sdt_header *fadt = acpi_find_table("FACP");
	uint8_t idx;

	if (!fadt || fadt->length <= FADT_CENTURY)
		return 0;
	idx = ((const uint8_t *)fadt)[FADT_CENTURY];
	/* Indexes 0x00-0x0d are the clock's own registers. */
	if (idx <= RTC_STATUS_B + 2 || idx >= CMOS_BANK0_SIZE)
		return 0;
	return idx;
}

/* Waits, bounded by the TSC, until no update is pending. */
static bool uip_wait(uint64_t tsc_hz)
{
	uint64_t start = tsc_read();
	uint64_t limit = tsc_hz / RTC_UIP_WAIT_DIV;

	while (cmos_read(RTC_STATUS_A) & RTC_A_UIP)
		if (tsc_read() - start > limit)
			return false;
	return true;
}

static void snapshot(struct rtc_regs *r, uint8_t century)
{
	memset(r, 0, sizeof(*r));
	r->rr_sec = cmos_read(RTC_SEC);
	r->rr_min = cmos_read(RTC_MIN);
	r->rr_hour = cmos_read(RTC_HOUR);
	r->rr_mday = cmos_read(RTC_MDAY);
	r->rr_mon = cmos_read(RTC_MON);
	r->rr_year = cmos_read(RTC_YEAR);
	r->rr_status_b = cmos_read(RTC_STATUS_B);
	r->rr_has_century = century != 0;
	if (century)
		r->rr_century = cmos_read(century);
}

int rtc_read(struct rtc_regs *out, uint64_t tsc_hz)
{
	uint8_t century = century_index();
	struct rtc_regs prev, cur;
	int i;

	/* An update can land between the UIP check and the last register
	 * read; two equal snapshots in a row cannot straddle one. */
	for (i = 0; i < RTC_TRIES; i++) {
		if (!uip_wait(tsc_hz))
			return -EIO;
		snapshot(&cur, century);
		if (i > 0 && !memcmp(&prev, &cur, sizeof(cur))) {
			*out = cur;
			return 0;
		}
		prev = cur;
	}
	return -EIO;
}
