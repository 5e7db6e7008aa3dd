/* SPDX-License-Identifier: MIT */
/*
 * spin_lock() and spin_unlock() of <kernel/spinlock.h> as inline functions,
 * for the wake-up and block paths of the sleeping locks and the scheduler
 * (kernel/sched), where the calls cost more than the lock itself. They are
 * the same code: kernel/lib/spinlock.c defines spin_lock() and
 * spin_unlock() with these, so a lock taken one way may be released the
 * other, and assert_held() and the panic records see no difference. The
 * contended wait stays out of line (spin_lock_wait()). Other code calls
 * spin_lock(). Host unit tests, whose fakes provide the calls, get them.
 */
#ifndef KERNEL_SPINLOCK_INLINE_H
#define KERNEL_SPINLOCK_INLINE_H

#include <stdbool.h>

#include <kernel/spinlock.h>

#ifdef UNIT_TEST
static inline void spin_lock_inl(struct spinlock *l)
{
	spin_lock(l);
}

static inline void spin_unlock_inl(struct spinlock *l)
{
	spin_unlock(l);
}
#else
#include <kernel/irq.h>
#include <kernel/percpu.h>

/*
 * The contended half of spin_lock(): waits until l is free and takes it,
 * answering TLB shootdowns meanwhile; a lock this CPU (id me) already
 * holds is a broken contract, not a wait.
 */
void spin_lock_wait(struct spinlock *l, unsigned int me);

static __always_inline void spin_lock_inl(struct spinlock *l)
{
	unsigned long flags = irq_save();
	struct percpu *pc = this_cpu();

	if (pc->pc_lock_depth++ == 0)
		pc->pc_irq_was_on = (flags & 0x200) != 0;
	if (unlikely(__atomic_exchange_n(&l->sl_locked, 1, __ATOMIC_ACQUIRE)))
		spin_lock_wait(l, pc->pc_id);
	__atomic_store_n(&l->sl_cpu, pc->pc_id + 1, __ATOMIC_RELAXED);
	l->sl_pc = (uintptr_t)__builtin_return_address(0);
}

/*
 * Releases l; returns true when interrupts are to go back on (the last
 * lock of this CPU, taken with them on) but leaves them off: for a caller
 * that turns them off again at once.
 */
static __always_inline bool spin_unlock_irqoff(struct spinlock *l)
{
	struct percpu *pc = this_cpu();

	if (unlikely(!l->sl_locked || l->sl_cpu != pc->pc_id + 1))
		spin_contract_failed("released but not held", l->sl_name);
	l->sl_pc = 0;
	/* Nobody's before the release: a CPU that held it last can then
	 * never read its own id while another CPU holds it. */
	__atomic_store_n(&l->sl_cpu, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->sl_locked, 0, __ATOMIC_RELEASE);
	return --pc->pc_lock_depth == 0 && pc->pc_irq_was_on;
}

static __always_inline void spin_unlock_inl(struct spinlock *l)
{
	if (spin_unlock_irqoff(l))
		irq_enable();
}
#endif

#endif /* KERNEL_SPINLOCK_INLINE_H */
