/* SPDX-License-Identifier: MIT */
/*
 * Device interrupts. A driver asks for a vector with a handler, then routes
 * a legacy ISA IRQ or an IOAPIC input (GSI) to it, or (later) programs the
 * vector into an MSI-X entry. Handlers run on a per-CPU interrupt stack
 * with interrupts off; they must not block, yield, or touch the FPU/SSE
 * state (the kernel is built without them). The dispatcher sends the EOI
 * after the handler returns.
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>

typedef void (*irq_handler_t)(void *arg);

/*
 * Takes a free vector from the dynamic range and sets its handler.
 * Returns the vector (0x30-0xdf), or -ENOSPC when all are taken.
 * Context: thread, any CPU; takes [G irq lock].
 */
int __must_check irq_alloc_vector(irq_handler_t fn, void *arg);

/* Gives back a vector from irq_alloc_vector(); its source must already be
 * masked. Returns once no CPU runs its handler any more, so the handler's
 * data may then be freed. Thread context; never from that handler. */
void irq_free_vector(int vector);

/* Trigger mode and polarity of an IOAPIC input (MPS INTI flags as the
 * MADT overrides give them; 0 = the bus default). */
#define IRQ_ACTIVE_LOW 0x1
#define IRQ_LEVEL 0x2

/*
 * Routes IOAPIC input `gsi` to `vector` on the CPU `cpu` (a dense id),
 * masked. `flags` is IRQ_ACTIVE_LOW | IRQ_LEVEL or 0. Returns 0, or
 * -ENODEV when no IOAPIC serves `gsi`, -EINVAL for a bad vector.
 */
int __must_check irq_route_gsi(uint32_t gsi, uint32_t flags, int vector,
			       unsigned int cpu);

/* The GSI and flags an ISA IRQ (0-15) arrives on, after the MADT's
 * interrupt source overrides. */
uint32_t irq_isa_to_gsi(unsigned int isa_irq, uint32_t *flags);

/* Masks and unmasks a routed IOAPIC input. -ENODEV when none serves it. */
int irq_mask_gsi(uint32_t gsi);
int irq_unmask_gsi(uint32_t gsi);

/* Installs the handler of a fixed vector (VEC_TIMER, VEC_RESCHED, ...);
 * boot CPU during init only. */
void irq_set_fixed(int vector, irq_handler_t fn, void *arg);

/* Sends `vector` to this CPU as an interrupt: its handler runs once
 * interrupts are on (at once if they are). For a vector from
 * irq_alloc_vector(). Any context. */
void irq_raise_self(int vector);

/* The MSI address and data words that deliver `vector` to CPU `cpu`
 * (edge, fixed delivery), for the virtio MSI-X work. */
void irq_msi_message(int vector, unsigned int cpu, uint64_t *address,
		     uint32_t *data);

#ifdef UNIT_TEST
/* Host unit tests link fakes (tests/unit/fakes/percpu_fake.c). */
unsigned long irq_save(void);
void irq_restore(unsigned long flags);
void irq_enable(void);
void irq_disable(void);
bool irq_enabled(void);
#else
/* Interrupts on this CPU: save-and-disable and restore, as spinlocks use. */
static inline unsigned long irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void irq_restore(unsigned long flags)
{
	if (flags & 0x200)
		__asm__ volatile("sti" : : : "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline bool irq_enabled(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags & 0x200;
}

#endif /* UNIT_TEST */

#endif /* KERNEL_IRQ_H */
