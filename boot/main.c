/* SPDX-License-Identifier: MIT */
/*
 * First C code on the boot CPU: picks the parser for the loader that
 * entered the image, records where the image lies, and hands the one
 * normalised struct boot_info to kernel_main(). The loader's structures
 * are copied, so the low 64 KiB is unmapped before the kernel runs. Prints
 * nothing: the
 * console belongs to the kernel, which reports bi->error.
 */
#include "bootinfo.h"

/* From entry.S and linker/image.ld. */
extern char __image_start[], __image_end[];
void boot_unmap_low(void);

#define BDA_EBDA_SEGMENT 0x40e

static uint32_t ebda_segment(void)
{
	uintptr_t addr = BDA_EBDA_SEGMENT;

	/* Hide the constant: GCC takes addresses below 4 KiB for NULL plus
	 * an offset, but page 0 is still mapped here on purpose. */
	__asm__("" : "+r"(addr));
	return *(volatile const uint16_t *)addr;
}

void boot_main(uint32_t loader, uint32_t info) __attribute__((noreturn));

void boot_main(uint32_t loader, uint32_t info)
{
	static struct boot_info bi;

	switch (loader) {
	case BOOT_LOADER_MULTIBOOT1:
		bootinfo_from_mb1(&bi, 0, info);
		bi.rsdp = bootinfo_find_rsdp(0, ebda_segment());
		break;
	case BOOT_LOADER_MULTIBOOT2:
		bootinfo_from_mb2(&bi, 0, info);
		if (!bi.rsdp && bi.firmware == BOOT_FIRMWARE_BIOS)
			bi.rsdp = bootinfo_find_rsdp(0, ebda_segment());
		break;
	case BOOT_LOADER_PVH:
		bootinfo_from_pvh(&bi, 0, info);
		break;
	default:
		bi.version = BOOT_INFO_VERSION;
		__builtin_memcpy(bi.error, "unknown loader (bad boot magic)",
				 sizeof("unknown loader (bad boot magic)"));
		break;
	}
	bi.image_start = (uintptr_t)__image_start;
	bi.image_end = (uintptr_t)__image_end;
	boot_unmap_low();
	kernel_main(&bi);
}
