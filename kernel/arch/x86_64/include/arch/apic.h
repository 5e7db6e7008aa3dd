/* SPDX-License-Identifier: MIT */
/*
 * The local APIC (x2APIC through MSRs when the CPU has it, xAPIC through
 * MMIO otherwise) and the fixed interrupt vectors. Intel SDM vol. 3 ch. 11.
 * Register numbers are the xAPIC MMIO offsets; in x2APIC mode lapic_read()
 * and lapic_write() turn them into MSR 0x800 + (reg >> 4).
 */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

/* Fixed vectors. 0x20-0x2f take the remapped (masked) legacy PICs'
 * spurious interrupts; 0x30-0xdf are handed out by irq_alloc_vector(). */
#define VEC_PIC_BASE 0x20
#define VEC_DYN_FIRST 0x30
#define VEC_DYN_LAST 0xdf
#define VEC_TIMER 0xf0 /* this CPU's one-shot / TSC-deadline timer */
#define VEC_RESCHED 0xf1 /* IPI: look at your run queue */
#define VEC_TLB 0xf2 /* IPI: TLB shootdown */
#define VEC_CALL 0xf3 /* IPI: run a function (smp_call) */
#define VEC_SPURIOUS 0xff

/* Registers (xAPIC MMIO offsets). */
#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_TIMER_ONESHOT (0u << 17)
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_TIMER_TSC_DEADLINE (2u << 17)
#define LAPIC_DIVIDE_BY_1 0xb

#define MSR_TSC_DEADLINE 0x6e0

/*
 * Sets up the boot CPU's local APIC: picks x2APIC when CPUID has it
 * (enabling it in IA32_APIC_BASE), else maps the xAPIC page from the MADT
 * address. Then as lapic_init_cpu(). Boot CPU, interrupts off.
 * Returns 0, or -ENODEV when the CPU has no APIC.
 */
int lapic_init_boot(uint64_t madt_address);

/* Enables this CPU's local APIC in the mode the boot CPU chose: spurious
 * vector, TPR 0, timer and LINT masked, errors cleared. Each AP once. */
void lapic_init_cpu(void);

/* True in x2APIC mode. */
bool lapic_is_x2apic(void);

/* This CPU's APIC id (32-bit in x2APIC mode, 8-bit otherwise). */
uint32_t lapic_id(void);

uint32_t lapic_read(unsigned int reg);
void lapic_write(unsigned int reg, uint32_t value);

/* Ends the interrupt being handled. */
void lapic_eoi(void);

/* Sends fixed-vector IPI `vector` to the CPU with APIC id `apic_id`. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);

/* Sends an NMI to every CPU but this one. */
void lapic_send_nmi_others(void);

/* INIT and STARTUP IPIs for AP start-up; `page` is the trampoline's
 * physical page number (< 0x100). */
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t page);

/* True when CPUID.01H:ECX[24] reports the TSC-deadline timer mode. */
bool lapic_has_tsc_deadline(void);

#endif /* ARCH_APIC_H */
