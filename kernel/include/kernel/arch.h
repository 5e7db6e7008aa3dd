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

/*
 * The boot CPU's local APIC, the IOAPICs (all inputs masked) and the
 * fixed IPI vectors. Boot CPU, once, after mm_init() and the ACPI tables;
 * interrupts stay off. Returns 0 or -ENODEV (no local APIC).
 */
int arch_irq_init(void);

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

/*
 * The context switch (switch.S): saves the callee-saved state on the
 * current stack and its pointer in *save_sp, resumes new_sp, and returns
 * there the `prev` that the resuming switch passed.
 */
void *arch_switch(uintptr_t *save_sp, uintptr_t new_sp, void *prev);

/* Builds a new task's first frame under `top` so that switching to the
 * returned stack pointer calls sched_task_start(prev, task). */
uintptr_t arch_task_stack_init(uintptr_t top, void *task);

/*
 * The full FPU/SSE/AVX state, for timer preemption only (the cooperative
 * switch needs none of it). arch_fpu_init_cpu() runs on every CPU; the
 * save area is arch_fpu_state_size() bytes, 64-byte aligned, zeroed before
 * its first use.
 */
void arch_fpu_init_cpu(void);
size_t arch_fpu_state_size(void);
void arch_fpu_save(void *area);
void arch_fpu_restore(const void *area);

/* Loads this CPU's thread pointer (the FS base; <kernel/tls.h>). */
void arch_set_tp(uintptr_t tp);

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
