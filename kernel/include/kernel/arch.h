/* SPDX-License-Identifier: MIT */
/*
 * What generic kernel code may ask of the architecture. The x86-64
 * implementation lives in kernel/arch/x86_64; nothing outside kernel/ sees
 * this header's <arch/...> siblings.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>

/* GDT, TSS with IST stacks, IDT for the 32 exceptions, PIC masked. */
void arch_early_init(void);

/* True when CPUID says we run under a hypervisor. */
bool arch_is_hypervisor(void);

/* A spin-wait hint (PAUSE). */
void arch_cpu_relax(void);

/* Disables interrupts and halts this CPU for good. */
void arch_halt(void) __noreturn;

/* A byte store to device memory (ACPI hardware-reduced sleep register). */
void arch_mmio_write8(uintptr_t addr, uint8_t v);

#endif /* KERNEL_ARCH_H */
