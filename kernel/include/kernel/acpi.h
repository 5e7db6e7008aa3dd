/* SPDX-License-Identifier: MIT */
/*
 * Just enough ACPI to find tables and power off (ACPI 6.5 §5.2, §7.4.2.5,
 * §4.8.3.7). The tables are firmware input: every length and checksum is
 * checked before a field is read. The SMP work adds MADT parsing here.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <stddef.h>
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

/*
 * The DSDT the FADT names (X_DSDT when set, else DSDT), checked like every
 * table (length, checksum, mapped), or NULL.
 */
const struct acpi_sdt_header *acpi_dsdt(void);

/* One MMIO device described in AML. */
struct acpi_mmio_dev {
	uint64_t am_base; /* its first memory range: base address */
	uint32_t am_size; /* and length in bytes (never 0) */
	uint32_t am_gsi; /* its first interrupt */
	uint32_t am_irq_flags; /* IRQ_LEVEL | IRQ_ACTIVE_LOW (<kernel/irq.h>) */
};

/*
 * Scans the AML bytes `aml` (`len` bytes, such as a DSDT after its header)
 * for devices with `Name(_HID, "<hid>")` and decodes the
 * `Name(_CRS, ResourceTemplate() {...})` that follows each one, within 256
 * bytes and before the next _HID: its first Memory32Fixed, Memory32 or
 * memory QWordAddress range and its first Extended Interrupt. Fills at most
 * `max` entries of `out`, in AML order, and returns how many; 0 when `aml`,
 * `hid` or `out` is NULL or `hid` is empty or longer than 16 characters.
 * A device whose _CRS is missing, malformed, or lacks a memory range or an
 * interrupt is skipped. Reads nothing outside [aml, aml + len). A pattern
 * search, not an AML interpreter: it finds static Name objects as QEMU
 * -M microvm writes them, never _CRS methods. Pure; any context.
 */
unsigned int acpi_aml_find_mmio(const void *aml, size_t len, const char *hid,
				struct acpi_mmio_dev *out, unsigned int max);

#endif /* KERNEL_ACPI_H */
