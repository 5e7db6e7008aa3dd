/* SPDX-License-Identifier: MIT */
/*
 * Each CPU's GDT (flat 64-bit code and data) and TSS, whose IST stacks
 * give #DF, NMI and #MC a known-good stack even when the current one is
 * gone (a stack overflow into a guard page ends in #DF), and device IRQs a
 * per-CPU stack of their own so task stacks can stay small. Intel SDM
 * vol. 3 §3.4.5, §8.7.
 */
#include <arch/trap.h>

#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/percpu.h>

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

struct cpu_tables {
	uint64_t gdt[5];
	struct tss tss;
};

/* [c] written once by the CPU they belong to (the boot CPU for its own). */
static struct cpu_tables tables[CONFIG_MAX_CPUS];
/* The boot CPU's IST stacks; the others get guarded ones (smp.c). */
static uint8_t boot_ist_stacks[IST_COUNT - 1][IST_STACK_SIZE] __aligned(16);
static uint8_t boot_irq_stack[IRQ_STACK_SIZE] __aligned(16);

#define GDT_TSS 0x18

static void gdt_set_tss(uint64_t *gdt, uint64_t base, uint32_t limit)
{
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ull << 40) | /* present, 64-bit TSS (available) */
		 ((uint64_t)((limit >> 16) & 0xf) << 48) |
		 ((base >> 24) & 0xff) << 56;
	gdt[4] = base >> 32;
}

void gdt_init(void)
{
	uintptr_t tops[IST_COUNT];
	int i;

	for (i = 0; i < IST_COUNT - 1; i++)
		tops[i] = (uintptr_t)boot_ist_stacks[i] + IST_STACK_SIZE;
	tops[IST_IRQ - 1] = (uintptr_t)boot_irq_stack + IRQ_STACK_SIZE;
	gdt_init_cpu(0, tops);
}

void gdt_init_cpu(unsigned int cpu, const uintptr_t ist_tops[IST_COUNT])
{
	struct cpu_tables *t = &tables[cpu];
	struct gdt_ptr ptr = { sizeof(t->gdt) - 1, (uintptr_t)t->gdt };
	int i;

	t->gdt[1] = 0x00af9a000000ffff; /* 0x08: 64-bit code, DPL 0 */
	t->gdt[2] = 0x00cf92000000ffff; /* 0x10: data, DPL 0 */
	for (i = 0; i < IST_COUNT; i++)
		t->tss.ist[i] = ist_tops[i];
	t->tss.iomap_base = sizeof(t->tss); /* no I/O permission bitmap */
	gdt_set_tss(t->gdt, (uintptr_t)&t->tss, sizeof(t->tss) - 1);

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
