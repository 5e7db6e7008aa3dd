/* SPDX-License-Identifier: MIT */
/*
 * The kernel half of the fake scheduler (fake_sched.h): spinlocks,
 * sched_self(), wait queues, time_ns(), the heap, panic() and the trace,
 * as the code under test sees them through the real kernel headers.
 */
#include "fake_sched.h"

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/time.h>
#include <kernel/trace.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fake_host.h"

struct task {
	uint32_t t_id;
};

static _Thread_local struct task self_task;
static _Thread_local unsigned int lock_depth;
static uint32_t last_task_id; /* [a] */
static unsigned int sleepers; /* [gate] */
static bool wakes_held; /* [gate] */
static uint64_t trace_counts[TRACE_NTYPES]; /* [a] */
bool trace_enabled = true;

/* --- tasks --- */

struct task *sched_self(void)
{
	if (self_task.t_id == 0)
		self_task.t_id =
			__atomic_add_fetch(&last_task_id, 1, __ATOMIC_RELAXED);
	return &self_task;
}

uint32_t task_id(const struct task *t)
{
	return t->t_id;
}

/* --- spinlocks: the fake "CPU" is the task id --- */

void spin_lock(struct spinlock *l)
{
	uint32_t me = task_id(sched_self());

	if (spin_held(l))
		spin_contract_failed("taken twice", l->sl_name);
	while (__atomic_exchange_n(&l->sl_locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->sl_locked, __ATOMIC_RELAXED))
			host_yield();
	}
	__atomic_store_n(&l->sl_cpu, me, __ATOMIC_RELAXED);
	__atomic_store_n(&l->sl_pc, 1, __ATOMIC_RELAXED);
	lock_depth++;
}

bool spin_trylock(struct spinlock *l)
{
	if (__atomic_exchange_n(&l->sl_locked, 1, __ATOMIC_ACQUIRE))
		return false;
	__atomic_store_n(&l->sl_cpu, task_id(sched_self()), __ATOMIC_RELAXED);
	__atomic_store_n(&l->sl_pc, 1, __ATOMIC_RELAXED);
	lock_depth++;
	return true;
}

void spin_unlock(struct spinlock *l)
{
	if (!spin_held(l))
		spin_contract_failed("released but not held", l->sl_name);
	__atomic_store_n(&l->sl_pc, 0, __ATOMIC_RELAXED);
	/* As the kernel's: the owner clears its id before the release, so a
	 * thread can never read its own stale id while another holds it. */
	__atomic_store_n(&l->sl_cpu, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->sl_locked, 0, __ATOMIC_RELEASE);
	lock_depth--;
}

bool spin_held(const struct spinlock *l)
{
	/* Task ids start at 1, so 0 means nobody. */
	return __atomic_load_n(&l->sl_cpu, __ATOMIC_RELAXED) ==
	       task_id(sched_self());
}

unsigned int spin_depth(void)
{
	return lock_depth;
}

void spin_contract_failed(const char *what, const char *lock)
{
	panic("lock contract broken: %s: \"%s\"", what, lock ? lock : "-");
}

/* --- wait queues: FIFO lists; sleeping is on the host gate --- */

/* waitq_wait(), queueing w at the head of q when `head`. */
static int wait_at(struct waitq *q, struct spinlock *lock, uint64_t deadline_ns,
		   struct waiter *w, bool head)
{
	struct waiter own;

	if (!w)
		w = &own;
	if (!spin_held(lock) || lock_depth != 1)
		panic("waitq_wait: the queue's lock must be the only one held");
	w->w_task = sched_self();
	w->w_woken = false;
	waitq_link(q, w, head);
	spin_unlock(lock);

	host_gate_lock();
	sleepers++;
	while (!w->w_woken) {
		if (!host_gate_wait(deadline_ns))
			break;
	}
	sleepers--;
	/* Woken but held (fake_hold_wakeups()): no longer a sleeper. */
	while (w->w_woken && wakes_held)
		(void)host_gate_wait(0);
	host_gate_unlock();

	spin_lock(lock);
	/* w_woken is written under the queue lock (and the gate). */
	if (w->w_woken)
		return 0;
	waitq_unlink(q, w);
	return -ETIMEDOUT;
}

int waitq_wait(struct waitq *q, struct spinlock *lock, uint64_t deadline_ns,
	       struct waiter *w)
{
	return wait_at(q, lock, deadline_ns, w, false);
}

int waitq_wait_handoff(struct waitq *q, struct spinlock *lock,
		       uint64_t deadline_ns, struct waiter *w)
{
	int rc = wait_at(q, lock, deadline_ns, w, false);

	if (rc == 0)
		spin_unlock(lock);
	return rc;
}

int waitq_wait_handoff_head(struct waitq *q, struct spinlock *lock,
			    uint64_t deadline_ns, struct waiter *w)
{
	int rc = wait_at(q, lock, deadline_ns, w, true);

	if (rc == 0)
		spin_unlock(lock);
	return rc;
}

static void wake(struct waiter *w, uintptr_t data)
{
	w->w_data = data;
	host_gate_lock();
	w->w_woken = true;
	host_gate_broadcast();
	host_gate_unlock();
}

bool waitq_wake_one(struct waitq *q, uintptr_t data)
{
	struct waiter *w = q->wq_head;

	if (!w)
		return false;
	waitq_unlink(q, w);
	wake(w, data);
	return true;
}

/* The fake never switches: a wake-up and the release. */
bool waitq_wake_one_switch(struct waitq *q, uintptr_t data,
			   struct spinlock *lock)
{
	if (!waitq_wake_one(q, data))
		return false;
	spin_unlock(lock);
	return true;
}

unsigned int waitq_wake_all(struct waitq *q)
{
	unsigned int n = 0;

	while (waitq_wake_one(q, 0))
		n++;
	return n;
}

void fake_hold_wakeups(bool hold)
{
	host_gate_lock();
	wakes_held = hold;
	host_gate_broadcast();
	host_gate_unlock();
}

unsigned int fake_sleepers(void)
{
	unsigned int n;

	host_gate_lock();
	n = sleepers;
	host_gate_unlock();
	return n;
}

/* --- time, heap, panic, trace --- */

uint64_t time_ns(void)
{
	return host_now_ns();
}

void *heap_alloc(size_t size)
{
	return malloc(size ? size : 1);
}

void heap_free(void *p)
{
	free(p);
}

/* Weak: a test with its own heap fake (netbuf's) reports its own way. */
__attribute__((weak)) void heap_violation(const char *what, const void *ptr)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "heap violation: %s %p", what, ptr);
	host_panic(msg);
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	host_panic(msg);
}

void fault_or_panic(unsigned int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	(void)code;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	host_panic(msg);
}

void trace_emit(unsigned int type, uint32_t a, uint32_t b)
{
	(void)a;
	(void)b;
	if (type < TRACE_NTYPES)
		__atomic_add_fetch(&trace_counts[type], 1, __ATOMIC_RELAXED);
}

uint64_t fake_trace_count(unsigned int type)
{
	return __atomic_load_n(&trace_counts[type], __ATOMIC_RELAXED);
}

void fake_trace_reset(void)
{
	for (unsigned int i = 0; i < TRACE_NTYPES; i++)
		__atomic_store_n(&trace_counts[i], 0, __ATOMIC_RELAXED);
}
