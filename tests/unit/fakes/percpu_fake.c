/* SPDX-License-Identifier: MIT */
/*
 * Host fakes for <kernel/percpu.h>, <kernel/spinlock.h> and the SMP poll:
 * one CPU, spinlocks that only track "held" (so the contracts still
 * fire), no interrupts. Tests that link code which takes kernel locks add
 * this file to their sources.
 */
#include <stdio.h>
#include <stdlib.h>

#include <kernel/irq.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>

static struct percpu fake_cpu = { .pc_self = &fake_cpu };

struct percpu *this_cpu(void)
{
	return &fake_cpu;
}

unsigned int cpu_id(void)
{
	return 0;
}

struct task *this_cpu_current(void)
{
	return fake_cpu.pc_current;
}

unsigned int this_cpu_lock_depth(void)
{
	return fake_cpu.pc_lock_depth;
}

unsigned int cpu_count(void)
{
	return 1;
}

struct percpu *cpu_get(unsigned int id)
{
	return id == 0 ? &fake_cpu : NULL;
}

/* The fake CPU's interrupt flag: only tracked, so tests can check that
 * every path leaves it as it found it. */
static bool fake_if = true;

unsigned long irq_save(void)
{
	unsigned long flags = fake_if ? 0x200 : 0;

	fake_if = false;
	return flags;
}

void irq_restore(unsigned long flags)
{
	if (flags & 0x200)
		fake_if = true;
}

void irq_enable(void)
{
	fake_if = true;
}

void irq_disable(void)
{
	fake_if = false;
}

bool irq_enabled(void)
{
	return fake_if;
}

void irq_push_off(void)
{
	fake_cpu.pc_lock_depth++;
}

void irq_pop(void)
{
	if (fake_cpu.pc_lock_depth == 0)
		spin_contract_failed("irq_pop() without irq_push_off()", NULL);
	fake_cpu.pc_lock_depth--;
}

unsigned int spin_depth(void)
{
	return fake_cpu.pc_lock_depth;
}

void spin_lock(struct spinlock *l)
{
	irq_push_off();
	if (l->sl_locked)
		spin_contract_failed("taken twice", l->sl_name);
	l->sl_locked = 1;
	l->sl_pc = 1;
}

bool spin_trylock(struct spinlock *l)
{
	if (l->sl_locked)
		return false;
	spin_lock(l);
	return true;
}

void spin_unlock(struct spinlock *l)
{
	if (!l->sl_locked)
		spin_contract_failed("released but not held", l->sl_name);
	l->sl_locked = 0;
	l->sl_pc = 0;
	irq_pop();
}

bool spin_held(const struct spinlock *l)
{
	return l->sl_locked;
}

void spin_contract_failed(const char *what, const char *lock)
{
	fprintf(stderr, "lock contract broken: %s: %s\n", what,
		lock ? lock : "-");
	abort();
}
