/* SPDX-License-Identifier: MIT */
/*
 * Interrupt vectors 32-255 (<kernel/irq.h>): a handler table, the dynamic
 * vector allocator, and the dispatcher isr.S reaches through
 * trap_dispatch(). Handlers run on this CPU's IRQ stack with interrupts
 * off; the EOI goes out after the handler.
 */
#include <arch/apic.h>
#include <arch/trap.h>

#include <kernel/arch.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/trace.h>

struct irq_slot {
	irq_handler_t is_fn;
	void *is_arg;
};

/* Locking: slots [G irq lock] to change; read lock-free by the
 * dispatcher (a handler is published before its source is unmasked). */
static struct irq_slot slots[256];
static struct spinlock irq_lock = SPINLOCK_INIT("irq");
static uint32_t unexpected; /* [a] */

int irq_alloc_vector(irq_handler_t fn, void *arg)
{
	int v, rc = -ENOSPC;

	spin_lock(&irq_lock);
	for (v = VEC_DYN_FIRST; v <= VEC_DYN_LAST; v++) {
		if (!slots[v].is_fn) {
			slots[v].is_arg = arg;
			__atomic_store_n(&slots[v].is_fn, fn, __ATOMIC_RELEASE);
			rc = v;
			break;
		}
	}
	spin_unlock(&irq_lock);
	return rc;
}

void irq_free_vector(int vector)
{
	unsigned int cpu;

	if (vector < VEC_DYN_FIRST || vector > VEC_DYN_LAST)
		return;
	spin_lock(&irq_lock);
	__atomic_store_n(&slots[vector].is_fn, NULL, __ATOMIC_SEQ_CST);
	spin_unlock(&irq_lock);
	/* A handler that loaded the old fn may still run on another CPU;
	 * its data must outlive it. The dispatcher's exchange and this
	 * fence order the two sides (Dekker). is_arg stays: a late reader
	 * of fn still pairs it with its own arg until the slot is reused,
	 * and it cannot be reused before this returns. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (cpu = 0; cpu < cpu_count(); cpu++) {
		const struct percpu *pc = cpu_get(cpu);

		while (__atomic_load_n(&pc->pc_irq_vector, __ATOMIC_ACQUIRE) ==
		       vector)
			arch_cpu_relax();
	}
}

void irq_set_fixed(int vector, irq_handler_t fn, void *arg)
{
	if (vector <= VEC_DYN_LAST || vector > 0xff)
		return;
	slots[vector].is_arg = arg;
	__atomic_store_n(&slots[vector].is_fn, fn, __ATOMIC_RELEASE);
}

void irq_raise_self(int vector)
{
	unsigned long flags;

	if (vector < VEC_DYN_FIRST || vector > VEC_DYN_LAST)
		return;
	flags = irq_save(); /* this CPU's id, and this CPU's ICR */
	lapic_send_ipi(this_cpu()->pc_apic_id, (uint8_t)vector);
	irq_restore(flags);
}

void irq_msi_message(int vector, unsigned int cpu, uint64_t *address,
		     uint32_t *data)
{
	struct percpu *pc = cpu_get(cpu);
	uint32_t apic_id = pc ? pc->pc_apic_id : 0;

	/* Intel SDM vol. 3 §11.11: physical destination, fixed, edge. */
	*address = 0xfee00000ull | ((uint64_t)(apic_id & 0xff) << 12);
	*data = (uint32_t)vector & 0xff;
}

void irq_dispatch(struct trap_frame *tf)
{
	struct percpu *pc = this_cpu();
	int vec = (int)tf->vector;
	irq_handler_t fn;

	/* The masked PICs' spurious IRQ 7/15, and the APIC's spurious
	 * vector, take no EOI. */
	if (vec == VEC_SPURIOUS || (vec >= VEC_PIC_BASE && vec < VEC_DYN_FIRST))
		return;
	pc->pc_irq_depth++;
	trace_irq((unsigned int)vec);
	/* A locked exchange: irq_free_vector() sees this CPU inside the
	 * vector before this CPU can load the old handler. */
	__atomic_exchange_n(&pc->pc_irq_vector, vec, __ATOMIC_SEQ_CST);
	fn = __atomic_load_n(&slots[vec].is_fn, __ATOMIC_ACQUIRE);
	if (fn)
		fn(slots[vec].is_arg);
	else if (__atomic_fetch_add(&unexpected, 1, __ATOMIC_RELAXED) == 0)
		log_warn("irq: unexpected vector %d on cpu %u\n", vec,
			 pc->pc_id);
	__atomic_store_n(&pc->pc_irq_vector, -1, __ATOMIC_RELEASE);
	lapic_eoi();
	pc->pc_irq_depth--;
}
