/* SPDX-License-Identifier: MIT */
/* Machine facts from boot_info for code that cannot see boot/. */
#include <kernel/platform.h>

#include <boot/boot_info.h>

static const struct boot_info *boot_info;

void platform_init(const struct boot_info *bi)
{
	boot_info = bi;
}

bool platform_has_legacy_bios(void)
{
	return boot_info && boot_info->firmware == BOOT_FIRMWARE_BIOS;
}

uint64_t platform_rsdp(void)
{
	return boot_info ? boot_info->rsdp : 0;
}
