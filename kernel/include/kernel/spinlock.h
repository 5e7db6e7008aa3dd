/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks. Taking one disables interrupts on this CPU, with a per-CPU
 * nesting count (the first lock saves IF, the last unlock restores it), so
 * a lock may be shared with IRQ handlers. Each lock records its name, the
 * owning CPU and where it was taken, for panic records and the debug
 * contracts assert_held() / assert_may_yield(). Never yield, block or
 * allocate while holding one. The order in which locks nest is in
 * <kernel/lock_order.h>.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>

struct spinlock {
	uint32_t sl_locked; /* [a] 0 free, 1 held */
	uint32_t sl_cpu; /* [a] owner's CPU id + 1 while held, else 0 */
	uintptr_t sl_pc; /* [L] return address of the spin_lock() call */
	const char *sl_name; /* [I] */
};

#define SPINLOCK_INIT(name)                                                    \
	{                                                                      \
		0, 0, 0, (name)                                                \
	}

static inline void spin_init(struct spinlock *l, const char *name)
{
	l->sl_locked = 0;
	l->sl_cpu = 0;
	l->sl_pc = 0;
	l->sl_name = name;
}

/* Takes `l`, spinning with interrupts off. Any context. */
void spin_lock(struct spinlock *l);

/* Takes `l` when free; returns true if taken. Any context. */
bool spin_trylock(struct spinlock *l);

/* Releases `l`; the caller holds it. */
void spin_unlock(struct spinlock *l);

/* True when this CPU holds `l`. */
bool spin_held(const struct spinlock *l);

/* Interrupts off with nesting, as spin_lock() does without a lock:
 * for per-CPU data that IRQ handlers also touch. */
void irq_push_off(void);
void irq_pop(void);

/* Spinlocks this CPU holds now (0 when it may yield). */
unsigned int spin_depth(void);

/* Contracts: panic when broken (all builds; each is one compare). */
#define assert_held(l)                                                         \
	do {                                                                   \
		if (unlikely(!spin_held(l)))                                   \
			spin_contract_failed("not held", (l)->sl_name);        \
	} while (0)

#define assert_may_yield()                                                     \
	do {                                                                   \
		if (unlikely(spin_depth() != 0))                               \
			spin_contract_failed("may yield", NULL);               \
	} while (0)

void spin_contract_failed(const char *what, const char *lock) __noreturn;

#endif /* KERNEL_SPINLOCK_H */
