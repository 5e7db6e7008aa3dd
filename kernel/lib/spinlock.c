/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks (<kernel/spinlock.h>): test-and-test-and-set on one word, with
 * interrupts off while held (xv6 push_off/pop_off nesting). While spinning
 * the CPU answers TLB shootdowns, so a CPU that waits for a lock with
 * interrupts off never blocks one that holds it and waits for every CPU.
 * The lock and unlock paths are <kernel/spinlock_inline.h>'s, which the
 * scheduler also expands in place.
 */
#include <kernel/spinlock.h>
#include <kernel/spinlock_inline.h>

#include <kernel/arch.h>
#include <kernel/irq.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/smp.h>

void irq_push_off(void)
{
	bool was_on = irq_enabled();
	struct percpu *pc;

	irq_disable();
	pc = this_cpu();
	if (pc->pc_lock_depth++ == 0)
		pc->pc_irq_was_on = was_on;
}

void irq_pop(void)
{
	struct percpu *pc = this_cpu();

	if (unlikely(irq_enabled()))
		spin_contract_failed("interrupts on inside irq_push_off()",
				     NULL);
	if (unlikely(pc->pc_lock_depth == 0))
		spin_contract_failed("irq_pop() without irq_push_off()", NULL);
	if (--pc->pc_lock_depth == 0 && pc->pc_irq_was_on)
		irq_enable();
}

unsigned int spin_depth(void)
{
	return this_cpu_lock_depth();
}

void __attribute__((noinline))
spin_lock_wait(struct spinlock *l, unsigned int me)
{
	if (__atomic_load_n(&l->sl_cpu, __ATOMIC_RELAXED) == me + 1)
		spin_contract_failed("taken twice", l->sl_name);
	do {
		while (__atomic_load_n(&l->sl_locked, __ATOMIC_RELAXED)) {
			smp_poll();
			arch_cpu_relax();
		}
	} while (__atomic_exchange_n(&l->sl_locked, 1, __ATOMIC_ACQUIRE));
}

void spin_lock(struct spinlock *l)
{
	spin_lock_inl(l);
}

bool spin_trylock(struct spinlock *l)
{
	irq_push_off();
	if (__atomic_load_n(&l->sl_locked, __ATOMIC_RELAXED) ||
	    __atomic_exchange_n(&l->sl_locked, 1, __ATOMIC_ACQUIRE)) {
		irq_pop();
		return false;
	}
	__atomic_store_n(&l->sl_cpu, cpu_id() + 1, __ATOMIC_RELAXED);
	l->sl_pc = (uintptr_t)__builtin_return_address(0);
	return true;
}

void spin_unlock(struct spinlock *l)
{
	spin_unlock_inl(l);
}

bool spin_held(const struct spinlock *l)
{
	/* Only this CPU writes its own id there, and clears it before it
	 * lets the lock go, so the id alone answers. */
	return __atomic_load_n(&l->sl_cpu, __ATOMIC_RELAXED) == cpu_id() + 1;
}

void spin_contract_failed(const char *what, const char *lock)
{
	if (lock)
		panic("lock contract broken: %s: spinlock \"%s\"", what, lock);
	panic("lock contract broken: %s (%u spinlocks held)", what,
	      this_cpu()->pc_lock_depth);
}
