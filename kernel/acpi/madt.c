/* SPDX-License-Identifier: MIT */
/*
 * MADT parsing (<kernel/madt.h>, ACPI 6.5 §5.2.12). Firmware input: every
 * entry is bounds-checked against the table length before it is read, and
 * entries are read byte-wise, so odd offsets are fine.
 */
#include <kernel/madt.h>

#include <kernel/errno.h>
#include <kernel/string.h>

#define MADT_FIXED 44 /* header (36) + local APIC address + flags */
#define MADT_PCAT_COMPAT 0x1

#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_LAPIC_ADDRESS 5
#define MADT_X2APIC 9

#define MADT_CPU_ENABLED 0x1

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void add_cpu(struct madt_info *out, uint32_t apic_id, uint32_t uid,
		    uint32_t flags)
{
	struct madt_cpu *c;

	if (out->md_cpu_count == MADT_CPUS_MAX) {
		out->md_dropped++;
		return;
	}
	c = &out->md_cpus[out->md_cpu_count++];
	c->mc_apic_id = apic_id;
	c->mc_uid = uid;
	c->mc_enabled = flags & MADT_CPU_ENABLED;
}

static void add_ioapic(struct madt_info *out, const uint8_t *e)
{
	struct madt_ioapic *io;

	if (out->md_ioapic_count == MADT_IOAPICS_MAX) {
		out->md_dropped++;
		return;
	}
	io = &out->md_ioapics[out->md_ioapic_count++];
	io->mi_id = e[2];
	io->mi_address = rd32(e + 4);
	io->mi_gsi_base = rd32(e + 8);
}

static void add_override(struct madt_info *out, const uint8_t *e)
{
	struct madt_override *o;

	if (out->md_override_count == MADT_OVERRIDES_MAX) {
		out->md_dropped++;
		return;
	}
	o = &out->md_overrides[out->md_override_count++];
	o->mo_source = e[3];
	o->mo_gsi = rd32(e + 4);
	o->mo_flags = (uint16_t)(e[8] | e[9] << 8);
}

/* One entry of `len` bytes (already known to lie inside the table). */
static void parse_entry(struct madt_info *out, const uint8_t *e, uint8_t len)
{
	uint64_t addr;

	switch (e[0]) {
	case MADT_LAPIC:
		if (len >= 8)
			add_cpu(out, e[3], e[2], rd32(e + 4));
		break;
	case MADT_IOAPIC:
		if (len >= 12)
			add_ioapic(out, e);
		break;
	case MADT_OVERRIDE:
		if (len >= 10)
			add_override(out, e);
		break;
	case MADT_LAPIC_ADDRESS:
		if (len >= 12) {
			memcpy(&addr, e + 4, sizeof(addr));
			out->md_lapic_address = addr;
		}
		break;
	case MADT_X2APIC:
		if (len >= 16)
			add_cpu(out, rd32(e + 4), rd32(e + 12), rd32(e + 8));
		break;
	default:
		break;
	}
}

int madt_parse(const struct acpi_sdt_header *madt, struct madt_info *out)
{
	const uint8_t *t = (const uint8_t *)madt;
	uint32_t off;

	memset(out, 0, sizeof(*out));
	if (memcmp(madt->signature, "APIC", 4) || madt->length < MADT_FIXED)
		return -EINVAL;
	out->md_lapic_address = rd32(t + 36);
	out->md_has_8259 = rd32(t + 40) & MADT_PCAT_COMPAT;
	for (off = MADT_FIXED; off < madt->length;) {
		uint8_t len;

		if (madt->length - off < 2)
			return -EINVAL;
		len = t[off + 1];
		if (len < 2 || len > madt->length - off)
			return -EINVAL;
		parse_entry(out, t + off, len);
		off += len;
	}
	return 0;
}
