/* SPDX-License-Identifier: MIT */
/* <mosaic/irq.h> over the kernel's IRQ API. */
#include <mosaic/irq.h>

#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/percpu.h>

int mosaic_irq_alloc(mosaic_irq_fn fn, void *arg)
{
	if (!fn)
		return -EINVAL;
	return irq_alloc_vector(fn, arg);
}

void mosaic_irq_free(int vector)
{
	irq_free_vector(vector);
}

int mosaic_irq_route_isa(unsigned int isa_irq, int vector, unsigned int cpu)
{
	uint32_t flags, gsi;
	int rc;

	if (isa_irq > 15 || cpu >= cpu_count())
		return -EINVAL;
	gsi = irq_isa_to_gsi(isa_irq, &flags);
	rc = irq_route_gsi(gsi, flags, vector, cpu);
	return rc ? rc : (int)gsi;
}

int mosaic_irq_mask(int gsi)
{
	return gsi < 0 ? -ENODEV : irq_mask_gsi((uint32_t)gsi);
}

int mosaic_irq_unmask(int gsi)
{
	return gsi < 0 ? -ENODEV : irq_unmask_gsi((uint32_t)gsi);
}
