/* SPDX-License-Identifier: MIT */
/*
 * The boot CPU's GDT (flat 64-bit code and data) and TSS, whose IST stacks
 * give #DF, NMI and #MC a known-good stack even when the current one is
 * gone (a stack overflow into a guard page ends in #DF). Intel SDM vol. 3
 * §3.4.5, §8.7. The SMP work gives each CPU its own.
 */
#include <arch/trap.h>

#include <stdint.h>

#include <kernel/compiler.h>

#define IST_STACK_SIZE 4096

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

BUILD_ASSERT(sizeof(struct tss) == 104);

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

static struct tss tss;
static uint8_t ist_stacks[3][IST_STACK_SIZE] __aligned(16);
static uint64_t gdt[5] = {
	0,
	0x00af9a000000ffff, /* 0x08: 64-bit code, DPL 0 */
	0x00cf92000000ffff, /* 0x10: data, DPL 0 */
	0, /* 0x18: TSS, low half */
	0, /* TSS, high half */
};

#define GDT_TSS 0x18

static void gdt_set_tss(uint64_t base, uint32_t limit)
{
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ull << 40) | /* present, 64-bit TSS (available) */
		 ((uint64_t)((limit >> 16) & 0xf) << 48) |
		 ((base >> 24) & 0xff) << 56;
	gdt[4] = base >> 32;
}

void gdt_init(void)
{
	struct gdt_ptr ptr = { sizeof(gdt) - 1, (uintptr_t)gdt };
	int i;

	for (i = 0; i < 3; i++)
		tss.ist[i] = (uintptr_t)ist_stacks[i] + IST_STACK_SIZE;
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */
	gdt_set_tss((uintptr_t)&tss, sizeof(tss) - 1);

	__asm__ volatile("lgdt %0\n\t"
			 "mov $0x10, %%eax\n\t"
			 "mov %%eax, %%ds\n\t"
			 "mov %%eax, %%es\n\t"
			 "mov %%eax, %%ss\n\t"
			 "pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %1, %%ax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(ptr), "i"(GDT_TSS)
			 : "rax", "memory");
}
