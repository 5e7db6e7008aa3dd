/* SPDX-License-Identifier: MIT */
/*
 * Just enough ACPI to find tables and power off (ACPI 6.5 §5.2, §7.4.2.5,
 * §4.8.3.7). The tables are firmware input: every length and checksum is
 * checked before a field is read. The SMP work adds MADT parsing here.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <stdint.h>

struct acpi_sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI table header");

/*
 * Returns the first table with `sig` (4 characters) whose length and
 * checksum are valid, or NULL. Reads through the direct map; a table
 * outside mapped memory is treated as absent.
 */
const struct acpi_sdt_header *acpi_find_table(const char *sig);

struct madt_info;

/*
 * The MADT as parsed at boot (a "core" initcall), or NULL when the
 * firmware has none or it is malformed. Read-only after boot.
 */
const struct madt_info *acpi_madt(void);

/*
 * Enters S5 (soft off) through the FADT's PM1 control registers, or the
 * sleep control register on hardware-reduced platforms (-M microvm).
 * Returns only when that is impossible or did not take effect.
 */
void acpi_power_off(void);

#endif /* KERNEL_ACPI_H */
