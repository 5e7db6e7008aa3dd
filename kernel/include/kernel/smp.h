/* SPDX-License-Identifier: MIT */
/*
 * Multiprocessing: start the other CPUs, and the inter-processor
 * interrupts generic code needs (reschedule, TLB shootdown, stop).
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

/*
 * Starts the application processors the MADT lists (at most
 * `mosaic.smp=N` CPUs in all, and CONFIG_MAX_CPUS), each entering
 * `ap_main(cpu)` on its own stack. Waits for each with a bounded poll;
 * a CPU that does not answer is logged and left out. Boot CPU, once,
 * after mm_init() and time_init(). Returns the number of CPUs online.
 */
unsigned int smp_init(void (*ap_main)(unsigned int cpu));

/* Asks CPU `cpu` to look at its run queue (VEC_RESCHED). Any context. */
void smp_send_resched(unsigned int cpu);

/*
 * Drops [va, va + len) from every online CPU's TLB and waits until each
 * has done so. Thread context; the caller may hold spinlocks (CPUs spinning
 * on a lock answer shootdowns while they wait, see smp_poll()).
 */
void smp_tlb_shootdown(uintptr_t va, size_t len);

/* Handles requests addressed to this CPU that an IPI would deliver; called
 * from spin loops that run with interrupts off. */
void smp_poll(void);

/* Stops every other CPU (NMI), for the panic path. Never returns an
 * error; CPUs that do not answer are left running. */
void smp_stop_others(void);

#endif /* KERNEL_SMP_H */
