/* SPDX-License-Identifier: MIT */
/*
 * Facts about the machine the image booted on, for drivers that must not
 * see boot/ or kernel/arch: which firmware ran, and where ACPI is.
 */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

struct boot_info;

/* Records the boot hand-off; kernel_main() calls it first. */
void platform_init(const struct boot_info *bi);

/* True when a legacy BIOS booted us, so VGA text memory and the BDA exist. */
bool platform_has_legacy_bios(void);

/* Physical address of the ACPI RSDP, or 0 when none was found. */
uint64_t platform_rsdp(void);

#endif /* KERNEL_PLATFORM_H */
