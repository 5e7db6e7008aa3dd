/* SPDX-License-Identifier: MIT */
/*
 * The frame isr.S builds on every exception: general registers pushed by
 * the stub, then vector and error code, then what the CPU pushed.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

#include <kernel/compiler.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

BUILD_ASSERT(sizeof(struct trap_frame) == 22 * 8);

/* Called by isr.S with interrupts disabled. */
void trap_dispatch(struct trap_frame *tf);

/* IST slots in the TSS (1-based, as the IDT encodes them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_IRQ 4 /* device interrupts and IPIs */
#define IST_COUNT 4
#define IST_STACK_SIZE 4096 /* IST_IRQ's is IRQ_STACK_SIZE */
#define IRQ_STACK_SIZE 8192

/* Builds the boot CPU's GDT and TSS and loads them (gdt.c). */
void gdt_init(void);

/* Builds CPU `cpu`'s GDT and TSS with the given IST stack tops (index
 * IST_x - 1) and loads them; on that CPU. */
void gdt_init_cpu(unsigned int cpu, const uintptr_t ist_tops[IST_COUNT]);

/* Loads the IDT on an application processor. */
void idt_load(void);

/* Handles interrupts 32-255 (irq.c), called by trap_dispatch(). */
void irq_dispatch(struct trap_frame *tf);

/* Builds the IDT and loads it (idt.c). */
void idt_init(void);

#endif /* ARCH_TRAP_H */
