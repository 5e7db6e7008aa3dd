/* SPDX-License-Identifier: MIT */
/*
 * Device interrupts for appliances that drive a device themselves (the
 * kernel's own drivers use <kernel/irq.h> directly). A handler runs on a
 * per-CPU interrupt stack with interrupts off: it acknowledges the device,
 * records what happened and returns. It must not block, yield, allocate,
 * print, or use floating point or SSE (the interrupted microapp's FPU state
 * is not saved for it): mark it MOSAIC_IRQ_HANDLER.
 */
#ifndef MOSAIC_IRQ_H
#define MOSAIC_IRQ_H

typedef void (*mosaic_irq_fn)(void *arg);

/* Put this on a handler: the compiler then keeps it to the general
 * registers (no SSE even when it vectorises). */
#define MOSAIC_IRQ_HANDLER __attribute__((target("general-regs-only")))

/* Takes a free vector for fn(arg). Returns the vector, or -ENOSPC. */
int mosaic_irq_alloc(mosaic_irq_fn fn, void *arg);

/* Gives the vector back; mask its source first. */
void mosaic_irq_free(int vector);

/*
 * Routes ISA IRQ `isa_irq` (0-15), after the firmware's overrides, to
 * `vector` on CPU `cpu` (0 to mapp_ncpus() - 1), masked. Returns the
 * global interrupt number to mask and unmask with, or -EINVAL / -ENODEV.
 */
int mosaic_irq_route_isa(unsigned int isa_irq, int vector, unsigned int cpu);

/* Masks or unmasks an input mosaic_irq_route_isa() routed. 0 or -ENODEV. */
int mosaic_irq_mask(int gsi);
int mosaic_irq_unmask(int gsi);

#endif /* MOSAIC_IRQ_H */
