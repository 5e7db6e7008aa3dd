/* SPDX-License-Identifier: MIT */
/*
 * The ACPI MADT ("APIC"): which CPUs, I/O APICs and interrupt source
 * overrides the firmware describes (ACPI 6.5 §5.2.12). The parser only
 * reads the table it is given and checks every entry's length against the
 * table; the SMP and interrupt work (issue #4) consumes the result.
 */
#ifndef KERNEL_MADT_H
#define KERNEL_MADT_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/acpi.h>
#include <kernel/compiler.h>

#define MADT_CPUS_MAX 256
#define MADT_IOAPICS_MAX 8
#define MADT_OVERRIDES_MAX 16

struct madt_cpu {
	uint32_t mc_apic_id; /* xAPIC or x2APIC id */
	uint32_t mc_uid; /* ACPI processor UID */
	bool mc_enabled; /* usable now (not only online-capable) */
};

struct madt_ioapic {
	uint32_t mi_id;
	uint32_t mi_address; /* physical MMIO base */
	uint32_t mi_gsi_base; /* first global system interrupt it serves */
};

struct madt_override {
	uint8_t mo_source; /* ISA IRQ */
	uint32_t mo_gsi; /* where it arrives */
	uint16_t mo_flags; /* polarity and trigger mode (MPS INTI flags) */
};

struct madt_info {
	uint64_t md_lapic_address; /* after any 64-bit override (type 5) */
	bool md_has_8259; /* PCAT_COMPAT: legacy PICs present */
	uint32_t md_cpu_count;
	struct madt_cpu md_cpus[MADT_CPUS_MAX];
	uint32_t md_ioapic_count;
	struct madt_ioapic md_ioapics[MADT_IOAPICS_MAX];
	uint32_t md_override_count;
	struct madt_override md_overrides[MADT_OVERRIDES_MAX];
	uint32_t md_dropped; /* entries beyond the limits above */
};

/*
 * Fills *out from the MADT at `madt` (whose header length the caller has
 * validated, as acpi_find_table() does). Unknown entry types are skipped.
 * Returns 0, or -EINVAL when the signature is not "APIC", the table is
 * shorter than its fixed part, or an entry's length is below 2 or runs
 * past the table; *out then holds the entries before the bad one.
 */
int __must_check madt_parse(const struct acpi_sdt_header *madt,
			    struct madt_info *out);

#endif /* KERNEL_MADT_H */
