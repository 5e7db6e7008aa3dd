/* SPDX-License-Identifier: MIT */
/*
 * First C code on the boot CPU: picks the parser for the loader that
 * entered the image, records where the image lies, and hands the one
 * normalised struct boot_info to kernel_main(). The loader's structures
 * are copied, so the image's page tails can be cleared and the low 64 KiB
 * unmapped before the kernel runs. Prints nothing: the console belongs to
 * the kernel, which reports bi->error.
 */
#include "bootinfo.h"

/* From entry.S and linker/image.ld. */
extern char __image_start[], __image_end[];
extern char __text_file_end[], __rodata_start[];
extern char __rodata_file_end[], __rodata_end[];
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

/* Fills [from, to), both 8-byte aligned, with copies of `pattern`. */
static void fill(char *from, char *to, uint64_t pattern)
{
	uint64_t n = (uint64_t)(to - from) / 8;

	__asm__ volatile("rep stosq"
			 : "+D"(from), "+c"(n)
			 : "a"(pattern)
			 : "memory");
}

/*
 * The image file stops each segment at a 512-byte boundary, so the rest of
 * the last text page and of the last rodata page holds whatever the loader
 * left there: multiboot1's one run leaves bytes of rodata and data behind
 * (entry.S moved them), and an ELF loader may have put its hand-off in the
 * gap, so this runs after the hand-off is copied. Text ends in int3.
 */
static void clear_page_tails(void)
{
	fill(__text_file_end, __rodata_start, 0xccccccccccccccccull);
	fill(__rodata_file_end, __rodata_end, 0);
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
	clear_page_tails();
	boot_unmap_low();
	kernel_main(&bi);
}
