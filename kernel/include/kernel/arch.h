/* SPDX-License-Identifier: MIT */
/*
 * What generic kernel code may ask of the architecture. The x86-64
 * implementation lives in kernel/arch/x86_64; nothing outside kernel/ sees
 * this header's <arch/...> siblings.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

/* GDT, TSS with IST stacks, IDT for the 32 exceptions, PIC masked. */
void arch_early_init(void);

/* True when CPUID says we run under a hypervisor. */
bool arch_is_hypervisor(void);

/* A free-running cycle counter (the TSC): for seeding and measurements,
 * not for time (issue #4 calibrates it). */
uint64_t arch_cycles(void);

/* Loads `root` (physical address of a PML4) as this CPU's page table. */
void arch_set_page_root(uint64_t root);

/* Drops TLB entries for [va, va + len) on this CPU (a full flush for
 * large ranges). The SMP work (issue #4) adds the shootdown. */
void arch_tlb_flush(uintptr_t va, size_t len);

/* True when the CPU has the NX bit (CPUID 0x80000001 EDX bit 20). */
bool arch_has_nx(void);

/* True when the CPU supports 1 GiB pages (CPUID pdpe1gb). */
bool arch_has_1g_pages(void);

/* Runs fn(arg) on the stack whose top (16-byte aligned) is `top` and
 * returns its value; the caller's stack is untouched meanwhile. */
int arch_call_on_stack(uintptr_t top, int (*fn)(void *), void *arg);

/* A spin-wait hint (PAUSE). */
void arch_cpu_relax(void);

/* Disables interrupts and halts this CPU for good. */
void arch_halt(void) __noreturn;

/* A byte store to device memory (ACPI hardware-reduced sleep register). */
void arch_mmio_write8(uintptr_t addr, uint8_t v);

/*
 * Reads one 64-bit value from the CPU's random number generator (RDRAND),
 * health-checked as kernel/arch/x86_64/rdrand.c describes. The raw source
 * for <kernel/random.h>; everyone else calls random_bytes().
 *   out: receives the value on success, untouched otherwise
 * Returns 0; -ENODEV when the CPU has no RDRAND; -EIO when RDRAND kept
 * failing (10 tries) or returned a stuck value; after -EIO the source
 * stays failed and every later call returns -EIO. Not reentrant: callers
 * serialise ([G random lock]). Does not yield; any context.
 */
int arch_hw_random(uint64_t *out);

#endif /* KERNEL_ARCH_H */
