/* SPDX-License-Identifier: MIT */
/*
 * Local APIC (<arch/apic.h>): x2APIC through MSRs when CPUID has it, else
 * xAPIC through its MMIO page. Intel SDM vol. 3 §11.4-11.6 (xAPIC),
 * §11.12 (x2APIC). No LINT0 virtual-wire mode: the legacy PICs stay
 * masked and device interrupts come through the IOAPIC.
 */
#include <arch/apic.h>

#include <arch/cpu.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/mm.h>

#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ADDR_MASK 0xffffff000ull

#define X2APIC_MSR_BASE 0x800
#define X2APIC_MSR_ICR 0x830

#define SVR_ENABLE (1u << 8)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_FIXED (0u << 8)
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)

#define ICR_IDLE_POLLS 1000000

/* [I] after lapic_init_boot(). */
static bool x2apic;
static volatile uint32_t *mmio;

bool lapic_is_x2apic(void)
{
	return x2apic;
}

uint32_t lapic_read(unsigned int reg)
{
	if (x2apic)
		return (uint32_t)cpu_rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return mmio[reg / 4];
}

void lapic_write(unsigned int reg, uint32_t value)
{
	if (x2apic)
		cpu_wrmsr(X2APIC_MSR_BASE + (reg >> 4), value);
	else
		mmio[reg / 4] = value;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return x2apic ? id : id >> 24;
}

bool lapic_has_tsc_deadline(void)
{
	uint32_t r[4];

	cpu_cpuid(1, 0, r);
	return r[2] & (1u << 24);
}

/*
 * Writes the ICR. In xAPIC mode that is two stores that must not be split
 * by an interrupt handler sending its own IPI, and the previous IPI must
 * have left the APIC; x2APIC takes one MSR write.
 */
static void icr_send(uint32_t dest, uint32_t low)
{
	unsigned long flags = irq_save();
	int i;

	if (x2apic) {
		/* x2APIC MSR writes are not serializing (SDM §11.12.3). */
		__asm__ volatile("mfence" : : : "memory");
		cpu_wrmsr(X2APIC_MSR_ICR, ((uint64_t)dest << 32) | low);
	} else {
		for (i = 0; i < ICR_IDLE_POLLS &&
			    (mmio[LAPIC_ICR_LOW / 4] & ICR_DELIVERY_PENDING);
		     i++)
			__asm__ volatile("pause");
		mmio[LAPIC_ICR_HIGH / 4] = dest << 24;
		mmio[LAPIC_ICR_LOW / 4] = low;
	}
	irq_restore(flags);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	icr_send(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_send_nmi_others(void)
{
	icr_send(0, ICR_ALL_BUT_SELF | ICR_NMI | ICR_ASSERT);
}

void lapic_send_init(uint32_t apic_id)
{
	icr_send(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
}

void lapic_send_startup(uint32_t apic_id, uint8_t page)
{
	icr_send(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}

void lapic_init_cpu(void)
{
	uint64_t base = cpu_rdmsr(MSR_APIC_BASE);

	base |= APIC_BASE_ENABLE;
	if (x2apic)
		base |= APIC_BASE_X2APIC;
	cpu_wrmsr(MSR_APIC_BASE, base);

	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LAPIC_LVT_MASKED);
	/* The ESR latches on write (SDM §11.5.3): write, then clear. */
	if (!x2apic)
		lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_eoi();
}

int lapic_init_boot(uint64_t madt_address)
{
	uint32_t r[4];
	uint64_t pa;
	int rc;

	cpu_cpuid(1, 0, r);
	if (!(r[3] & (1u << 9)))
		return -ENODEV;
	x2apic = r[2] & (1u << 21);
	if (!x2apic) {
		pa = cpu_rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK;
		if (madt_address && madt_address != pa)
			log_info("apic: MADT says %#lx, IA32_APIC_BASE %#lx; "
				 "using the MSR\n",
				 madt_address, pa);
		rc = mm_map_mmio(pa, 4096);
		if (rc)
			return rc;
		mmio = (volatile uint32_t *)(uintptr_t)pa;
	}
	lapic_init_cpu();
	log_info("apic: %s, boot CPU id %u\n", x2apic ? "x2APIC" : "xAPIC",
		 lapic_id());
	return 0;
}
