/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU blocks (<kernel/percpu.h>): one static array, each CPU's GS base
 * pointing at its own entry. The boot CPU's is set before anything else
 * runs, so cpu_id() works from the first C line on.
 */
#include <kernel/percpu.h>

#include <arch/cpu.h>
#include <arch/smp.h>

/* Each entry: [c] its CPU, except pc_id/pc_apic_id/pc_self [I] once set
 * and the fields percpu.h marks [a]. */
static struct percpu cpus[CONFIG_MAX_CPUS];
static unsigned int online = 1; /* [a] */

void percpu_setup(unsigned int id, uint32_t apic_id)
{
	struct percpu *pc = &cpus[id];

	pc->pc_self = pc;
	pc->pc_id = id;
	pc->pc_apic_id = apic_id;
	pc->pc_irq_vector = -1;
	cpu_wrmsr(MSR_GS_BASE, (uintptr_t)pc);
}

void percpu_set_count(unsigned int n)
{
	__atomic_store_n(&online, n, __ATOMIC_RELEASE);
}

unsigned int cpu_count(void)
{
	return __atomic_load_n(&online, __ATOMIC_ACQUIRE);
}

struct percpu *cpu_get(unsigned int id)
{
	return id < CONFIG_MAX_CPUS ? &cpus[id] : NULL;
}
