/* SPDX-License-Identifier: MIT */
/*
 * The one hand-off from boot/ to the kernel: whatever loaded the image
 * (multiboot1, multiboot2 or PVH), boot/ normalises what it was given into
 * struct boot_info and calls kernel_main(). The layout is versioned; the
 * kernel refuses a version it does not know.
 */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#define BOOT_INFO_VERSION 1
#define BOOT_MMAP_MAX 64
#define BOOT_MODULES_MAX 8
#define BOOT_CMDLINE_MAX 1024

/* Which entry header the loader used (boot_info.loader; also in asm). */
#define BOOT_LOADER_MULTIBOOT1 1
#define BOOT_LOADER_MULTIBOOT2 2
#define BOOT_LOADER_PVH 3

#ifndef __ASSEMBLY__
#include <stdint.h>

/* What firmware ran before the loader, when the loader says. */
enum boot_firmware {
	BOOT_FIRMWARE_UNKNOWN = 0,
	BOOT_FIRMWARE_BIOS = 1, /* legacy PC: VGA text and the BDA exist */
	BOOT_FIRMWARE_UEFI = 2,
	BOOT_FIRMWARE_NONE = 3, /* direct boot by a monitor (PVH) */
};

/* Memory map entry types, as in the ACPI/E820 map. */
enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIM = 3,
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
};

struct boot_mem_range {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* enum boot_mem_type */
	uint32_t pad;
};

struct boot_module {
	uint64_t start; /* physical address of the first byte */
	uint64_t end; /* physical address one past the last byte */
	char name[64]; /* loader's string for it, truncated, NUL-terminated */
};

/*
 * The normalised hand-off. All addresses are physical; boot/ keeps the
 * first 4 GiB identity-mapped until the memory layer takes over, so the
 * kernel may read them directly early on.
 *
 * mmap[] is sorted by base, entries do not overlap, and adjacent entries of
 * the same type are merged. Where the loader gave overlapping ranges, the
 * more restrictive type wins. cmdline holds only the arguments: loaders
 * that prepend the image path (multiboot1 by convention) have it removed.
 */
struct boot_info {
	uint32_t version; /* BOOT_INFO_VERSION */
	uint32_t loader; /* BOOT_LOADER_* */
	uint32_t mmap_count;
	uint32_t module_count;
	struct boot_mem_range mmap[BOOT_MMAP_MAX];
	struct boot_module modules[BOOT_MODULES_MAX];
	uint64_t rsdp; /* physical address of the ACPI RSDP, 0 if unknown */
	uint8_t rsdp_copy[40]; /* multiboot2 passes a copy; rsdp points here */
	uint32_t firmware; /* enum boot_firmware */
	uint64_t image_start; /* physical range of the loaded image incl. bss */
	uint64_t image_end;
	uint32_t cmdline_truncated; /* 1 if the loader's line did not fit */
	uint32_t mmap_truncated; /* 1 if entries were dropped */
	char cmdline[BOOT_CMDLINE_MAX];
	char loader_name[32]; /* e.g. "GRUB 2.06", "qemu", empty if unknown */
	char error[96]; /* non-empty: boot/ could not make sense of the loader
			 */
};

/*
 * Entry point of the kernel proper, called once on the boot CPU with
 * interrupts disabled, in long mode, on the boot stack. Never returns.
 */
void kernel_main(const struct boot_info *bi) __attribute__((noreturn));

#endif /* __ASSEMBLY__ */
#endif /* BOOT_BOOT_INFO_H */
