/* SPDX-License-Identifier: MIT */
/*
 * ACPI table lookup and S5 power-off (<kernel/acpi.h>). Firmware tables
 * are checked (length, checksum, bounds) before use; the DSDT is searched
 * for the \_S5 package rather than interpreted (ACPI 6.5 §7.4.2.5).
 */
#include <kernel/acpi.h>

#include <stdbool.h>
#include <stddef.h>

#include <kernel/arch.h>
#include <kernel/compiler.h>
#include <kernel/fmt.h>
#include <kernel/init.h>
#include <kernel/io.h>
#include <kernel/log.h>
#include <kernel/madt.h>
#include <kernel/mm.h>
#include <kernel/log.h>
#include <kernel/platform.h>
#include <kernel/string.h>

#define TABLE_MAX_BYTES (4u << 20)

#define FADT_DSDT 40
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_FLAGS 112
#define FADT_X_DSDT 140
#define FADT_SLEEP_CONTROL 244
#define FADT_HW_REDUCED (1u << 20)

#define PM1_SCI_EN 0x0001
#define PM1_SLP_EN 0x2000
#define SLEEP_CTL_SLP_EN 0x20
#define SCI_EN_POLLS 100000

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

BUILD_ASSERT(sizeof(struct acpi_rsdp) == 36);

/*
 * The sum of n bytes, modulo 256. Eight bytes per step, in 16-bit lanes
 * (each step adds at most 2 * 255 per lane, so 128 steps cannot carry
 * out of one): the DSDT is summed at every lookup.
 */
static uint8_t sum_bytes(const void *p, size_t n)
{
	const uint64_t lanes = 0x00ff00ff00ff00ffull;
	const uint8_t *b = p;
	uint64_t w, acc = 0;
	uint8_t s = 0;
	size_t k;

	while (n >= 8) {
		for (k = 0; k < 128 && n >= 8; k++, b += 8, n -= 8) {
			__builtin_memcpy(&w, b, 8);
			acc += (w & lanes) + ((w >> 8) & lanes);
		}
		acc = (acc & 0xffff) + ((acc >> 16) & 0xffff) +
		      ((acc >> 32) & 0xffff) + (acc >> 48);
		s += (uint8_t)acc;
		acc = 0;
	}
	while (n--)
		s += *b++;
	return s;
}

static const struct acpi_sdt_header *table_at(uint64_t pa)
{
	const struct acpi_sdt_header *h;

	if (!pa || !mm_is_mapped(pa, sizeof(*h)))
		return NULL;
	h = (const void *)(uintptr_t)pa;
	if (h->length < sizeof(*h) || h->length > TABLE_MAX_BYTES ||
	    !mm_is_mapped(pa, h->length) || sum_bytes(h, h->length) != 0)
		return NULL;
	return h;
}

/* The root table and its entry width: XSDT (8) when valid, else RSDT (4). */
static const struct acpi_sdt_header *root_table(unsigned int *width)
{
	const struct acpi_rsdp *r;
	uint64_t pa = platform_rsdp();

	if (!pa || !mm_is_mapped(pa, sizeof(*r)))
		return NULL;
	r = (const void *)(uintptr_t)pa;
	if (memcmp(r->signature, "RSD PTR ", 8) || sum_bytes(r, 20))
		return NULL;
	if (r->revision >= 2 && r->length >= sizeof(*r) &&
	    sum_bytes(r, sizeof(*r)) == 0 && table_at(r->xsdt)) {
		*width = 8;
		return table_at(r->xsdt);
	}
	*width = 4;
	return table_at(r->rsdt);
}

const struct acpi_sdt_header *acpi_find_table(const char *sig)
{
	const struct acpi_sdt_header *root, *t;
	unsigned int width, i, n;
	const uint8_t *ent;

	root = root_table(&width);
	if (!root)
		return NULL;
	ent = (const uint8_t *)(root + 1);
	n = (root->length - sizeof(*root)) / width;
	for (i = 0; i < n; i++) {
		uint64_t pa = 0;

		memcpy(&pa, ent + i * width, width);
		t = table_at(pa);
		if (t && memcmp(t->signature, sig, 4) == 0)
			return t;
	}
	return NULL;
}

static uint32_t rd32(const struct acpi_sdt_header *t, uint32_t off)
{
	uint32_t v = 0;

	if (off + 4 <= t->length)
		memcpy(&v, (const uint8_t *)t + off, 4);
	return v;
}

/* One AML integer constant: Zero, One, Ones or Byte/WordPrefix data. */
static bool aml_int(const uint8_t **pp, const uint8_t *end, uint32_t *v)
{
	const uint8_t *p = *pp;

	if (p >= end)
		return false;
	if (*p == 0x00 || *p == 0x01 || *p == 0xff) {
		*v = *p == 0xff ? 0xff : *p;
		*pp = p + 1;
	} else if (*p == 0x0a && p + 1 < end) {
		*v = p[1];
		*pp = p + 2;
	} else if (*p == 0x0b && p + 2 < end) {
		*v = p[1] | (p[2] << 8);
		*pp = p + 3;
	} else {
		return false;
	}
	return true;
}

/* Finds `Name(_S5_, Package(){a, b, ...})` and returns SLP_TYPa/b. */
static bool s5_types(const struct acpi_sdt_header *dsdt, uint32_t *a,
		     uint32_t *b)
{
	const uint8_t *start = (const uint8_t *)(dsdt + 1);
	const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;
	const uint8_t *p, *q;

	for (p = start + 1; p + 7 <= end; p++) {
		if (memcmp(p, "_S5_", 4) != 0)
			continue;
		if (p[-1] != 0x08 &&
		    !(p[-1] == '\\' && p > start + 1 && p[-2] == 0x08))
			continue;
		q = p + 4;
		if (*q++ != 0x12) /* PackageOp */
			continue;
		q += 1 + (*q >> 6); /* PkgLength: lead byte + 0-3 bytes */
		q++; /* NumElements */
		if (aml_int(&q, end, a) && aml_int(&q, end, b))
			return true;
	}
	return false;
}

static void gas_write8(const struct acpi_sdt_header *fadt, uint8_t v)
{
	const uint8_t *gas = (const uint8_t *)fadt + FADT_SLEEP_CONTROL;
	uint64_t addr;

	if (fadt->length < FADT_SLEEP_CONTROL + 12)
		return;
	memcpy(&addr, gas + 4, 8);
	if (gas[0] == 0 && addr && mm_map_mmio(addr, 1) == 0)
		arch_mmio_write8(addr, v);
	else if (gas[0] == 1 && addr && addr <= 0xffff)
		io_outb(addr, v);
}

static void pm1_enable_acpi(const struct acpi_sdt_header *fadt, uint16_t cnt)
{
	uint32_t smi = rd32(fadt, FADT_SMI_CMD);
	uint8_t enable = rd32(fadt, FADT_ACPI_ENABLE) & 0xff;
	int i;

	if ((io_inw(cnt) & PM1_SCI_EN) || !smi || !enable || smi > 0xffff)
		return;
	io_outb(smi, enable);
	for (i = 0; i < SCI_EN_POLLS && !(io_inw(cnt) & PM1_SCI_EN); i++)
		;
}

const struct acpi_sdt_header *acpi_dsdt(void)
{
	const struct acpi_sdt_header *fadt = acpi_find_table("FACP");
	uint64_t xdsdt = 0;

	if (!fadt)
		return NULL;
	if (fadt->length >= FADT_X_DSDT + 8)
		memcpy(&xdsdt, (const uint8_t *)fadt + FADT_X_DSDT, 8);
	return table_at(xdsdt ? xdsdt : rd32(fadt, FADT_DSDT));
}

void acpi_power_off(void)
{
	const struct acpi_sdt_header *fadt = acpi_find_table("FACP");
	const struct acpi_sdt_header *dsdt = acpi_dsdt();
	uint32_t a, b, pm1a, pm1b;

	if (!fadt || !dsdt || !s5_types(dsdt, &a, &b))
		return;
	log_debug("acpi: S5 is SLP_TYP %u/%u, flags %#x\n", a, b,
		  rd32(fadt, FADT_FLAGS));
	if (rd32(fadt, FADT_FLAGS) & FADT_HW_REDUCED) {
		gas_write8(fadt, ((a & 7) << 2) | SLEEP_CTL_SLP_EN);
		return;
	}
	pm1a = rd32(fadt, FADT_PM1A_CNT);
	pm1b = rd32(fadt, FADT_PM1B_CNT);
	if (!pm1a || pm1a > 0xffff)
		return;
	pm1_enable_acpi(fadt, pm1a);
	io_outw(pm1a, ((a & 7) << 10) | PM1_SLP_EN);
	if (pm1b && pm1b <= 0xffff)
		io_outw(pm1b, ((b & 7) << 10) | PM1_SLP_EN);
}

/* [I] after the core initcalls. */
static struct madt_info madt_info;
static bool madt_valid;

const struct madt_info *acpi_madt(void)
{
	return madt_valid ? &madt_info : NULL;
}

static void madt_log(const struct madt_info *m)
{
	char ids[64];
	size_t used = 0;
	uint32_t i;

	/* Formatting the ids costs ~100 code blocks under TCG at every
	 * boot; skip it when the line would be dropped anyway. */
	if (!log_is_enabled(LOG_INFO))
		return;
	ids[0] = '\0';
	for (i = 0; i < m->md_cpu_count && used + 12 < sizeof(ids); i++)
		used += (size_t)fmt_snprintf(ids + used, sizeof(ids) - used,
					     " %u", m->md_cpus[i].mc_apic_id);
	if (i < m->md_cpu_count)
		fmt_snprintf(ids + used, sizeof(ids) - used, " ...");
	log_info("acpi: %u CPUs (APIC ids%s), %u I/O APICs, %u overrides, "
		 "local APIC at 0x%lx\n",
		 m->md_cpu_count, ids, m->md_ioapic_count, m->md_override_count,
		 m->md_lapic_address);
}

static int acpi_madt_init(void)
{
	const struct acpi_sdt_header *t = acpi_find_table("APIC");

	if (!t)
		return 0; /* no MADT: one CPU, legacy PIC world */
	if (madt_parse(t, &madt_info)) {
		log_warn("acpi: the MADT is malformed; ignoring it\n");
		return 0;
	}
	madt_valid = true;
	madt_log(&madt_info);
	return 0;
}
INITCALL(core, acpi_madt_init);
