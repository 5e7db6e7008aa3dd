/* SPDX-License-Identifier: MIT */
/* x86-64 implementation of <kernel/arch.h>. */
#include <kernel/arch.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/smp.h>
#include <arch/trap.h>

#include <kernel/acpi.h>
#include <kernel/irq.h>
#include <kernel/madt.h>
#include <kernel/percpu.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

/*
 * The legacy PICs stay masked: interrupts come through the IOAPIC and
 * LAPIC. They are still moved to VEC_PIC_BASE so a spurious IRQ 7 or 15
 * from them cannot look like a CPU exception (8259A datasheet, ICW1-4).
 * Harmless where no PIC exists.
 */
static void pic_remap_and_mask(void)
{
	cpu_outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	cpu_outb(PIC2_CMD, 0x11);
	cpu_outb(PIC1_DATA, VEC_PIC_BASE); /* ICW2: vector base */
	cpu_outb(PIC2_DATA, VEC_PIC_BASE + 8);
	cpu_outb(PIC1_DATA, 4); /* ICW3: slave on IRQ 2 */
	cpu_outb(PIC2_DATA, 2);
	cpu_outb(PIC1_DATA, 1); /* ICW4: 8086 mode */
	cpu_outb(PIC2_DATA, 1);
	cpu_outb(PIC1_DATA, 0xff);
	cpu_outb(PIC2_DATA, 0xff);
}

void arch_early_init(void)
{
	percpu_setup(0, 0);
	gdt_init();
	idt_init();
	pic_remap_and_mask();
	arch_fpu_init_cpu();
}

int arch_irq_init(void)
{
	const struct madt_info *m = acpi_madt();
	int rc;

	rc = lapic_init_boot(m ? m->md_lapic_address : 0);
	if (rc)
		return rc;
	this_cpu()->pc_apic_id = lapic_id();
	ioapic_init();
	irq_set_fixed(VEC_TLB, smp_tlb_intr, NULL);
	return 0;
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

extern const char arch_task_entry[];

/* The frame arch_switch() pops: control words, r15-r12, rbx, rbp, then
 * the return address (arch_task_entry) and a zero that ends backtraces. */
uintptr_t arch_task_stack_init(uintptr_t top, void *task)
{
	uint64_t *sp = (uint64_t *)(top & ~15ul);

	*--sp = 0;
	*--sp = (uintptr_t)arch_task_entry;
	*--sp = 0; /* rbp */
	*--sp = 0; /* rbx */
	*--sp = (uintptr_t)task; /* r12 */
	*--sp = 0; /* r13 */
	*--sp = 0; /* r14 */
	*--sp = 0; /* r15 */
	/* MXCSR 0x1f80 (all masked, round to nearest), x87 CW 0x037f. */
	*--sp = 0x1f80ull | (0x037full << 32);
	return (uintptr_t)sp;
}

#define CR4_OSXSAVE (1ul << 18)
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)

static bool has_xsave; /* [I] after the boot CPU's arch_fpu_init_cpu() */
static uint32_t fpu_size = 512; /* [I] FXSAVE's area unless XSAVE */

/*
 * XSAVE for the x87, SSE and AVX state where the CPU has it (CR4.OSXSAVE
 * and XCR0 are per CPU, so every CPU runs this); FXSAVE otherwise. Intel
 * SDM vol. 1 ch. 13.
 */
void arch_fpu_init_cpu(void)
{
	uint32_t r[4];
	uint64_t cr4, xcr0;

	cpu_cpuid(1, 0, r);
	if (!(r[2] & (1u << 26)))
		return;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSXSAVE));
	cpu_cpuid(0xd, 0, r);
	xcr0 = (((uint64_t)r[3] << 32) | r[0]) &
	       (XCR0_X87 | XCR0_SSE | XCR0_AVX);
	__asm__ volatile("xsetbv"
			 :
			 : "c"(0), "a"((uint32_t)xcr0),
			   "d"((uint32_t)(xcr0 >> 32)));
	cpu_cpuid(0xd, 0, r); /* EBX: the area for what XCR0 now enables */
	has_xsave = true;
	fpu_size = r[1];
}

size_t arch_fpu_state_size(void)
{
	return fpu_size;
}

void arch_fpu_save(void *area)
{
	if (has_xsave)
		__asm__ volatile("xsave64 (%0)"
				 :
				 : "r"(area), "a"(~0u), "d"(~0u)
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void arch_fpu_restore(const void *area)
{
	if (has_xsave)
		__asm__ volatile("xrstor64 (%0)"
				 :
				 : "r"(area), "a"(~0u), "d"(~0u)
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

#define MSR_FS_BASE 0xc0000100

void arch_set_tp(uintptr_t tp)
{
	cpu_wrmsr(MSR_FS_BASE, tp);
}
