/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data. Each CPU's GS base points at its own struct percpu, so
 * this_cpu() and cpu_id() are one load each, with no lock and no table
 * lookup. CPU ids are dense, 0 (the boot CPU) to cpu_count() - 1, in the
 * order the CPUs came up; the APIC id is kept beside it.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/percpu_offsets.h>

/* The most CPUs the image will bring up (more are left halted). */
#define CONFIG_MAX_CPUS 64

struct task;
struct sched_rq;
struct trace_ring;

struct percpu {
	struct percpu *pc_self; /* %gs:0, for this_cpu() */
	uint32_t pc_id; /* %gs:8, dense CPU id */
	uint32_t pc_preempt; /* %gs:12, an IRQ asks isr.S to switch tasks */
	uint32_t pc_apic_id; /* local APIC (or x2APIC) id */
	uint32_t pc_lock_depth; /* %gs:20, irq_push_off() nesting */
	struct task *pc_current; /* %gs:24, running task or the idle task */
	struct sched_rq *pc_rq; /* this CPU's run queue (sched.c) */
	struct trace_ring *pc_trace; /* this CPU's trace ring (trace.c) */
	uint32_t pc_irq_depth; /* > 0 inside an interrupt handler */
	int32_t pc_irq_vector; /* [a] vector being handled, else -1 */
	uint32_t pc_irq_was_on; /* IF before the outermost irq_push_off() */
	uintptr_t pc_irq_stack_top; /* IST stack for device IRQs */
	uint64_t pc_timer_deadline; /* armed timer deadline, ns (0 = none) */
	uint32_t pc_tlb_gen; /* [a] last shootdown generation done (smp.c) */
	uint32_t pc_online; /* [a] set by the CPU once it runs */
	uintptr_t pc_idle_stack_top; /* this CPU's start-up / idle stack */
} __aligned(64);

BUILD_ASSERT(offsetof(struct percpu, pc_self) == PERCPU_SELF);
BUILD_ASSERT(offsetof(struct percpu, pc_id) == PERCPU_ID);
BUILD_ASSERT(offsetof(struct percpu, pc_preempt) == PERCPU_PREEMPT);
BUILD_ASSERT(offsetof(struct percpu, pc_lock_depth) == PERCPU_LOCK_DEPTH);
BUILD_ASSERT(offsetof(struct percpu, pc_current) == PERCPU_CURRENT);

#ifdef UNIT_TEST
/* Host unit tests link fakes (tests/unit/fakes/percpu_fake.c). */
struct percpu *this_cpu(void);
unsigned int cpu_id(void);
struct task *this_cpu_current(void);
unsigned int this_cpu_lock_depth(void);
#else
/* This CPU's block. Valid from arch_early_init() on, on every CPU. */
static inline struct percpu *this_cpu(void)
{
	struct percpu *pc;

	/* volatile: never hoisted above the GS set-up of a starting CPU */
	__asm__ volatile("mov %%gs:0, %0" : "=r"(pc));
	return pc;
}

/* This CPU's dense id. A task may move between CPUs when it blocks or
 * yields, so the value is stale after either. */
static inline unsigned int cpu_id(void)
{
	unsigned int id;

	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(PERCPU_ID));
	return id;
}

/*
 * Fields a task reads with interrupts on take one %gs-relative load: with
 * timer preemption a task may move to another CPU between loading
 * this_cpu() and reading through it.
 */
static inline struct task *this_cpu_current(void)
{
	struct task *t;

	__asm__ volatile("mov %%gs:%c1, %0" : "=r"(t) : "i"(PERCPU_CURRENT));
	return t;
}

static inline unsigned int this_cpu_lock_depth(void)
{
	unsigned int n;

	__asm__ volatile("movl %%gs:%c1, %0"
			 : "=r"(n)
			 : "i"(PERCPU_LOCK_DEPTH));
	return n;
}
#endif

/* CPUs online now (1 until smp_init() brings up the others). */
unsigned int cpu_count(void);

/* The block of CPU `id` (< cpu_count()), or NULL. */
struct percpu *cpu_get(unsigned int id);

#endif /* KERNEL_PERCPU_H */
