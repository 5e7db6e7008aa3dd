/* SPDX-License-Identifier: MIT */
/* Architecture-private CPU set-up shared by arch.c, percpu.c and smp.c. */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include <stdint.h>

/* Fills CPU `id`'s block and points this CPU's GS base at it. */
void percpu_setup(unsigned int id, uint32_t apic_id);

/* Publishes how many CPUs are online (smp.c, as they come up). */
void percpu_set_count(unsigned int n);

/* The IOAPICs from the MADT: map, mask every input (ioapic.c). */
void ioapic_init(void);

/* Handlers of VEC_TLB, for smp.c's shootdown (smp.c). */
void smp_tlb_intr(void *arg);

#endif /* ARCH_SMP_H */
