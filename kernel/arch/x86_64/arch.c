/* SPDX-License-Identifier: MIT */
/* x86-64 implementation of <kernel/arch.h>. */
#include <arch/cpu.h>
#include <arch/trap.h>
#include <kernel/arch.h>

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

void arch_early_init(void)
{
	gdt_init();
	idt_init();
	/* The legacy PICs stay masked: interrupts come through the
	 * IOAPIC/LAPIC (issue #4). Harmless where no PIC exists. */
	cpu_outb(PIC1_DATA, 0xff);
	cpu_outb(PIC2_DATA, 0xff);
}

bool arch_is_hypervisor(void)
{
	uint32_t r[4];

	cpu_cpuid(1, 0, r);
	return r[2] & (1u << 31);
}

uint64_t arch_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void arch_cpu_relax(void)
{
	__asm__ volatile("pause");
}

void arch_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void arch_mmio_write8(uintptr_t addr, uint8_t v)
{
	*(volatile uint8_t *)addr = v;
}
