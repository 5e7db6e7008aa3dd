/* SPDX-License-Identifier: MIT */
/*
 * Tasks and the cooperative SMP scheduler. A task runs until it blocks,
 * yields or exits; every CPU has its own run queue, new tasks go to the
 * least-loaded allowed CPU (a new task on a halted CPU gets an IPI), idle
 * CPUs steal and otherwise halt. A woken task goes to the least-loaded
 * CPU too, but not to a halted one when the waker's CPU may run it: it
 * waits there, and a halted CPU is sent an IPI to steal it only if it
 * still waits behind a running task 200 us later (waking a halted vCPU
 * costs the host far more than the wait usually lasts). The switch saves
 * only the callee-saved registers, MXCSR and the x87 control word (SysV
 * ABI).
 *
 * Blocking goes through wait queues whose list is protected by a spinlock
 * the caller owns (it also protects the condition waited for), so a
 * wake-up can never slip between testing the condition and sleeping.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/spinlock.h>
#include <kernel/stack.h>
#include <kernel/timerq.h>

#define TASK_NAME_MAX 16 /* with the NUL */
#define TASK_STACK_DEFAULT (16ul << 10)
#define TASK_STACK_MIN 4096ul

enum task_state {
	TASK_RUNNABLE = 0, /* in a run queue */
	TASK_RUNNING, /* on a CPU */
	TASK_BLOCKED, /* waiting: a wait queue, a sleep or a join */
	TASK_EXITED, /* done; its record waits for sched_join() */
};

/* How a task ended (sched_join()'s answer). */
struct task_exit {
	int te_status; /* exit status; 0 for a fault */
	bool te_faulted; /* ended by a fault */
	char te_fault[64]; /* what happened, as the record's first line */
	uint32_t te_restarts; /* restarts a supervisor made (else 0) */
};

struct task;

/* One blocked task on a wait queue; lives on that task's stack. */
struct waiter {
	struct waiter *w_next, *w_prev; /* [L the queue's lock] */
	struct task *w_task; /* [I] */
	bool w_woken; /* [L] set by the waker, under the lock, last
		       * (waitq_wait_handoff() reads it without) */
	bool w_handoff; /* [I] set by the waiter before it queues; the wait
			 * neither sets nor reads it: a flag for the lock's
			 * own protocol (sync.c's mutex: hand the lock over
			 * to this waiter, do not wake it to compete) */
	uintptr_t w_data; /* [L] what the waker hands over (channels) */
	unsigned int w_reason; /* [I] TRACE_BLOCK_* for the trace; 0 = wait */
};

/* A FIFO of waiters (but waitq_wait_handoff_head() queues at the head).
 * No lock of its own: every call names the spinlock the owner uses for it
 * and for the condition. */
struct waitq {
	struct waiter *wq_head, *wq_tail; /* [L owner's lock] */
};

#define WAITQ_INIT                                                             \
	{                                                                      \
		NULL, NULL                                                     \
	}

/* Options of sched_spawn(); a NULL pointer means all defaults. */
struct task_opts {
	size_t to_stack_size; /* 0: TASK_STACK_DEFAULT; else 4K-8188K */
	uint64_t to_affinity; /* CPU bitmask; 0: any CPU */
	bool to_root; /* the appliance's root (main): its faults panic */
};

/*
 * Creates task `name` running fn(arg) on a guarded stack and puts it on
 * the least-loaded CPU its affinity allows. When fn returns, its value is
 * the exit status.
 *   out: receives the task, to pass to sched_join() exactly once (or
 *     sched_detach()); NULL spawns it detached.
 *   name: copied, truncated to TASK_NAME_MAX - 1 bytes.
 * Returns 0; -EINVAL (bad stack size, affinity with no online CPU, NULL
 * fn); -ENOMEM. Thread context, any CPU; may yield? No: never blocks.
 */
int __must_check sched_spawn(struct task **out, const char *name,
			     int (*fn)(void *), void *arg,
			     const struct task_opts *opts);

/*
 * Waits until `t` has ended, stores how in *ex (may be NULL), and frees
 * it. Returns 0, or -EINVAL if t is the caller itself. May yield.
 */
int sched_join(struct task *t, struct task_exit *ex);

/* Lets `t` be freed when it ends, without a join. */
void sched_detach(struct task *t);

/* Lets other runnable tasks on this CPU run. May yield. */
void sched_yield_cpu(void);

/*
 * Makes the calling task a batch waker (on) or an ordinary task (off).
 * A task that a batch waker wakes, from task context (not from an
 * interrupt handler on its CPU), is queued on the waker's CPU if its
 * affinity allows, instead of on the least-loaded CPU, and no other CPU
 * is kicked for it; another CPU steals from behind a running batch waker
 * only what is queued beyond one task (a halted one after the usual
 * delay). The woken task runs once the waker blocks or yields, on the
 * CPU that holds what the waker just wrote for it, without a cross-CPU
 * hand-off or an IPI.
 * Only for a task that wakes others in bounded bursts and then blocks or
 * yields (netd after each round): scheduling is cooperative, and a waker
 * that kept the CPU would hold back the tasks it woke. Turning it off
 * kicks a halted CPU for what waits here. Task context. Never yields.
 */
void sched_set_batch_waker(bool on);

/*
 * Sets what each CPU calls when it is about to idle: before it halts, and
 * when a yielding task finds nothing else to run; a CPU that never idles
 * calls it once in 64 task switches. Interrupts are off; the
 * hook must be quick and must neither block nor wake tasks (it may raise
 * an interrupt that does). One hook, for the virtio core's repair of
 * device notifications lost under TCG (<kernel/io.h>); set once, at boot.
 */
void sched_set_idle_hook(void (*fn)(void));

/* Blocks for at least `ns` nanoseconds of time_ns(). May yield. */
void sched_sleep_ns(uint64_t ns);

/* Blocks until time_ns() >= deadline. May yield. */
void sched_sleep_until(uint64_t deadline_ns);

/* Ends the calling task with `status`. */
void sched_exit(int status) __noreturn;

/* Ends the calling task with the whole record *ex (a supervisor passes on
 * how its child ended). */
void sched_exit_with(const struct task_exit *ex) __noreturn;

/* The calling task's errno slot (libc's errno). Any context. */
int *sched_errno_slot(void);

/* True for the appliance's root task (main). */
bool task_is_root(const struct task *t);

/* The calling task (the CPU's idle task outside any). */
struct task *sched_self(void);

/* A task's id (dense from 1, never reused within a boot) and name. */
uint32_t task_id(const struct task *t);
const char *task_name(const struct task *t);

/*
 * Wait queues. Caller holds `lock` for each call.
 * waitq_wait(): adds the caller to q, releases lock, blocks until a
 * waitq_wake_*() picks it or deadline_ns passes (0 = no deadline), and
 * takes lock again before returning. Returns 0 when woken, -ETIMEDOUT.
 * `w` may be NULL; if given, the caller can read w->w_data after return.
 * May yield; `lock` must be the only spinlock held.
 */
int waitq_wait(struct waitq *q, struct spinlock *lock, uint64_t deadline_ns,
	       struct waiter *w);

/*
 * As waitq_wait(), for waiters whose waker hands over everything under
 * the lock (sync.c's locks): when woken it returns 0 without taking `lock`
 * again, else -ETIMEDOUT with `lock` held. w must not be NULL; its
 * w_data is final on return.
 */
int waitq_wait_handoff(struct waitq *q, struct spinlock *lock,
		       uint64_t deadline_ns, struct waiter *w);

/*
 * As waitq_wait_handoff(), but queues w at the head of q, ahead of every
 * waiter: for a waiter that was woken and has to wait again, so that it
 * is not sent to the back of the line (sync.c's mutex after losing a
 * race for the lock).
 */
int waitq_wait_handoff_head(struct waitq *q, struct spinlock *lock,
			    uint64_t deadline_ns, struct waiter *w);

/* Wakes the first waiter, setting its w_data to `data`; returns false if
 * the queue was empty. Caller holds the lock. Any context. */
bool waitq_wake_one(struct waitq *q, uintptr_t data);

/* Wakes every waiter; returns how many. Caller holds the lock. */
unsigned int waitq_wake_all(struct waitq *q);

/*
 * waitq_wake_one() that also releases `lock` (held, the caller's only
 * spinlock, taken with interrupts on, in a task) when it wakes a waiter,
 * and may switch to it at once: when the woken task last ran on this CPU,
 * may run here and nothing else is queued here, the caller goes to the
 * front of this CPU's queue and the woken task runs now. It would have
 * run next anyway; the direct switch saves queueing it and the block that
 * a ping-pong partner then no longer needs. The caller resumes once the
 * woken task blocks or yields (or on another CPU, having been stolen).
 * Returns false, with `lock` still held, when nobody waits. Otherwise, as
 * waitq_wake_one().
 */
bool waitq_wake_one_switch(struct waitq *q, uintptr_t data,
			   struct spinlock *lock);

/* The task waitq_wake_one() would wake next, or NULL when nobody
 * waits; *more says whether others wait behind it. Caller holds the
 * lock. */
static inline struct task *waitq_first(const struct waitq *q, bool *more)
{
	*more = q->wq_head && q->wq_head->w_next;
	return q->wq_head ? q->wq_head->w_task : NULL;
}

/* Links w into q, at the head when `head`, else at the tail. Caller holds
 * the lock. The wait calls do this themselves; for them and for the host
 * tests' fake scheduler. */
static inline void waitq_link(struct waitq *q, struct waiter *w, bool head)
{
	if (head) {
		w->w_prev = NULL;
		w->w_next = q->wq_head;
		if (q->wq_head)
			q->wq_head->w_prev = w;
		else
			q->wq_tail = w;
		q->wq_head = w;
	} else {
		w->w_next = NULL;
		w->w_prev = q->wq_tail;
		if (q->wq_tail)
			q->wq_tail->w_next = w;
		else
			q->wq_head = w;
		q->wq_tail = w;
	}
}

/* Takes w, which is in q, out of it. Caller holds the lock. */
static inline void waitq_unlink(struct waitq *q, struct waiter *w)
{
	if (w->w_prev)
		w->w_prev->w_next = w->w_next;
	else
		q->wq_head = w->w_next;
	if (w->w_next)
		w->w_next->w_prev = w->w_prev;
	else
		q->wq_tail = w->w_prev;
}

/* The first waiter's w_handoff (false when nobody waits). Caller holds
 * the lock. */
static inline bool waitq_first_wants_handoff(const struct waitq *q)
{
	return q->wq_head && q->wq_head->w_handoff;
}

/* True when nobody waits. Caller holds the lock. */
static inline bool waitq_empty(const struct waitq *q)
{
	return q->wq_head == NULL;
}

/*
 * Ends the calling task because of a fault, after the caller printed its
 * record: its joiner sees te_faulted with `what`; `vector` is the CPU
 * exception (or a code above 31, for the trace). Only with interrupts off,
 * for a fault sched_fault_is_task() accepted.
 */
void sched_fault_exit(unsigned int vector, const char *what) __noreturn;

/* True when a fault now belongs to a task (not to the kernel: no IRQ
 * handler, no spinlock held, a real task running). */
bool sched_fault_is_task(void);

/* Name of the running task, for records ("kernel" before any). */
const char *sched_current_name(void);

/* Scheduler statistics, for tests and the debugging tools. */
struct sched_stats {
	uint64_t ss_spawned;
	uint64_t ss_exited;
	uint64_t ss_faulted;
	uint64_t ss_switches;
	uint64_t ss_steals;
	uint64_t ss_ipis;
	uint32_t ss_live; /* tasks not yet freed */
};
void sched_get_stats(struct sched_stats *st);

/* Per-CPU work counts (switches into a non-idle task) for tests. */
uint64_t sched_cpu_switches(unsigned int cpu);

/*
 * Set-up. sched_init() makes the boot context CPU 0's idle task;
 * sched_start_cpu() does the same on an AP and never returns (it becomes
 * that CPU's idle loop); sched_run_idle() turns the boot context into the
 * idle loop once the first tasks are spawned.
 */
void sched_init(void);
void sched_start_cpu(unsigned int cpu) __noreturn;
void sched_run_idle(void) __noreturn;

/* Prints every task (id, name, state, CPU) to the console. */
void sched_dump(void);

#endif /* KERNEL_SCHED_H */
