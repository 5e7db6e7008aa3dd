/* SPDX-License-Identifier: MIT */
/* x86-64 implementation of <kernel/arch.h>. */
#include <kernel/arch.h>

#include <arch/cpu.h>
#include <arch/trap.h>

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

void arch_set_page_root(uint64_t root)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(root) : "memory");
}

#define TLB_FLUSH_PAGES_MAX 64 /* beyond this a CR3 reload is cheaper */

void arch_tlb_flush(uintptr_t va, size_t len)
{
	size_t off;

	if (len > TLB_FLUSH_PAGES_MAX * 4096) {
		arch_set_page_root(cpu_read_cr3());
		return;
	}
	for (off = 0; off < len; off += 4096)
		__asm__ volatile("invlpg (%0)" : : "r"(va + off) : "memory");
}

static uint32_t ext_features_edx(void)
{
	uint32_t r[4];

	cpu_cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000001)
		return 0;
	cpu_cpuid(0x80000001, 0, r);
	return r[3];
}

bool arch_has_nx(void)
{
	return ext_features_edx() & (1u << 20);
}

bool arch_has_1g_pages(void)
{
	return ext_features_edx() & (1u << 26);
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
