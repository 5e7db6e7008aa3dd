/* SPDX-License-Identifier: MIT */
/*
 * The cooperative SMP scheduler (<kernel/sched.h>). Each CPU has a FIFO
 * run queue, a timer queue of sleepers and an idle task that steals work
 * or halts. No preemption: a task leaves the CPU only in schedule().
 *
 * A task's stack stays in use until the switch away from it has saved
 * its registers, so t_on_cpu stays set until the next context clears it
 * (finish_switch()); whoever picks a task waits for that flag first. That
 * lets a blocked task be woken, queued and even stolen by another CPU
 * before it has finished switching out.
 */
#include <kernel/sched.h>

#include <kernel/arch.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/param.h>
#include <kernel/percpu.h>
#include <kernel/random.h>
#include <kernel/smp.h>
#include <kernel/spinlock_inline.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/tls.h>
#include <kernel/trace.h>

#include "policy.h"

/* The interrupt frame as isr.S lays it out (struct trap_frame in the
 * architecture's <arch/trap.h>): 22 words, rflags and rsp at these. */
struct trap_frame_words {
	uint64_t w[22];
};
#define TF_RFLAGS 19
#define TF_RSP 20

/* Vectors are the architecture's; the scheduler owns these two. */
#define SCHED_VEC_TIMER 0xf0
#define SCHED_VEC_RESCHED 0xf1

struct task {
	uintptr_t t_sp; /* [c] saved by arch_switch() */
	struct task *t_rq_next; /* [L run-queue lock] */
	uint32_t t_state; /* [a] enum task_state */
	uint32_t t_on_cpu; /* [a] a CPU runs on its stack */
	uint32_t t_cpu; /* [a] CPU it last ran or was queued on */
	uint32_t t_id; /* [I] */
	uint64_t t_affinity; /* [I] 0: any CPU */
	int (*t_fn)(void *); /* [I] */
	void *t_arg; /* [I] */
	bool t_idle; /* [I] a CPU's idle task */
	bool t_reap; /* [o] set while exiting: free after the switch */
	bool t_root; /* [I] main(): a fault in it ends the image */
	bool t_batch_waker; /* [o] sched_set_batch_waker() */
	int t_errno; /* [o] libc's errno for this task */
	char t_name[TASK_NAME_MAX]; /* [I] */
	struct kstack t_stack; /* [I] */

	void *t_fpu; /* [o] XSAVE area, only with timer preemption */
	void *t_tls; /* [I] TLS area (<kernel/tls.h>) */
	uintptr_t t_tp; /* [I] its thread pointer, the FS base */

	struct timer_node t_timer; /* [L timer lock of t_timer_cpu] */
	uint32_t t_timer_cpu; /* [o] */

	struct spinlock t_lock;
	bool t_detached; /* [L] */
	struct waitq t_joiners; /* [L] */
	struct task_exit t_exit; /* [L] final once t_state is EXITED */

	struct task *t_all_next, *t_all_prev; /* [G tasks lock] */
};

/* sync.c keeps a mutex's waiters flag in bit 0 of its owner's address. */
BUILD_ASSERT(_Alignof(struct task) >= 2);

/*
 * A run-queue lock. It is taken on every switch and wake-up, always with
 * interrupts off (schedule() and steal() run so, task_wake()'s callers
 * hold a spinlock or are IRQ handlers, and sched_spawn() goes through
 * enqueue(), which turns them off itself), so it skips spin_lock()'s
 * interrupt nesting and call-site record: one exchange takes it, one
 * store releases it. Nothing that may yield or fault runs under it.
 */
struct rq_lock {
	uint32_t rl_locked; /* [a] 0 free, 1 held */
	uint32_t rl_cpu; /* [a] owner's CPU id + 1 while held, else 0 */
};

struct sched_rq {
	struct rq_lock rq_lock;
	struct task *rq_head, *rq_tail; /* [L] */
	uint32_t rq_queued; /* [a] written under rq_lock */
	uint32_t rq_running; /* [a] 1 while a real task runs here */
	uint32_t rq_halted; /* [a] enum idle_state */
	uint32_t rq_batch; /* [a] 1 while a batch waker runs here */

	struct spinlock rq_timer_lock;
	struct timerq rq_timers; /* [L rq_timer_lock] */
	uint64_t rq_kick_at; /* [L rq_timer_lock] 0, or when to kick a halted
			      * CPU for what waits here (defer_kick()) */
	bool rq_in_timers; /* [c] timers_run() holds rq_timer_lock */

	struct task rq_idle; /* [c] */
	struct task *rq_dead; /* [c] exited detached tasks to free */
	uint64_t rq_switches; /* [a] switches into a real task */
	uint64_t rq_slice_end; /* [c] preemption: when the current task's
				* time slice ends */
	uintptr_t rq_tp; /* [c] the FS base loaded on this CPU */
	struct tls_tcb rq_idle_tcb; /* [c] the idle task's, canary only */
};

static struct sched_rq rqs[CONFIG_MAX_CPUS];

/* Contended: waiting with interrupts off, so answer TLB shootdowns. A
 * lock this CPU already holds is a bug, not a wait. */
static void __attribute__((noinline))
rq_lock_wait(struct rq_lock *l, unsigned int me)
{
	if (__atomic_load_n(&l->rl_cpu, __ATOMIC_RELAXED) == me + 1)
		panic("run-queue lock of CPU %u taken twice", me);
	do {
		while (__atomic_load_n(&l->rl_locked, __ATOMIC_RELAXED)) {
			smp_poll();
			arch_cpu_relax();
		}
	} while (__atomic_exchange_n(&l->rl_locked, 1, __ATOMIC_ACQUIRE));
}

/* Interrupts off. */
static __always_inline void rq_lock(struct sched_rq *rq)
{
	unsigned int me = cpu_id();

	if (unlikely(__atomic_exchange_n(&rq->rq_lock.rl_locked, 1,
					 __ATOMIC_ACQUIRE)))
		rq_lock_wait(&rq->rq_lock, me);
	__atomic_store_n(&rq->rq_lock.rl_cpu, me + 1, __ATOMIC_RELAXED);
}

/* Interrupts off; true when taken. */
static inline bool rq_trylock(struct sched_rq *rq)
{
	if (__atomic_load_n(&rq->rq_lock.rl_locked, __ATOMIC_RELAXED) ||
	    __atomic_exchange_n(&rq->rq_lock.rl_locked, 1, __ATOMIC_ACQUIRE))
		return false;
	__atomic_store_n(&rq->rq_lock.rl_cpu, cpu_id() + 1, __ATOMIC_RELAXED);
	return true;
}

static __always_inline void rq_unlock(struct sched_rq *rq)
{
	__atomic_store_n(&rq->rq_lock.rl_cpu, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&rq->rq_lock.rl_locked, 0, __ATOMIC_RELEASE);
}

/* What a CPU's idle loop is doing, for whoever queues a task there. */
enum idle_state {
	IDLE_NOT = 0, /* running tasks or the idle loop's own work */
	IDLE_HALTED, /* halting: a task queued here needs an IPI */
	IDLE_POLLING, /* watching rq_queued: a task queued here is seen */
};

/*
 * How long an idle CPU watches its run queue before it halts, in ns; 0
 * halts at once. A halted CPU needs an IPI to run a task woken from
 * another CPU, and on a virtual machine that means the host waking the
 * vCPU's thread: under QEMU's multi-threaded TCG on a busy host the
 * sender's ICR write alone stalled for ~2 ms on average, against a
 * few microseconds for a wake-up a polling CPU sees in memory. Tasks
 * that hand work back and forth (a request and its answer) keep their
 * CPUs polling, and no IPI is sent; a CPU with nothing to do halts after
 * one window. One CPU alone never polls: only its own interrupts can
 * give it work, and they end a halt too.
 */
static uint64_t idle_poll_ns = 50000; /* [I] */
static void (*idle_hook)(void); /* [a] sched_set_idle_hook() */
/* A busy CPU runs the idle hook once in this many switches. */
#define IDLE_HOOK_EVERY 64
/* idle_poll() reads the clock once in this many turns. */
#define IDLE_POLL_CLOCK_EVERY 16

/* mosaic.idle_poll=N: poll N us (0 to 10000) before halting. */
static int set_idle_poll(const char *value)
{
	uint64_t us = 0;
	const char *p = value;

	if (!p || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9' && us <= 10000; p++)
		us = us * 10 + (uint64_t)(*p - '0');
	if (*p || us > 10000)
		return -EINVAL;
	idle_poll_ns = us * 1000;
	return 0;
}
KERNEL_PARAM("idle_poll", set_idle_poll,
	     "us an idle CPU polls its run queue before halting (0-10000)");

/* Timer preemption: the time slice in ns, 0 when off (the default). */
static uint64_t preempt_ns; /* [I] */

/* mosaic.preempt=off|N: preempt a task that ran N ms while others wait. */
static int set_preempt(const char *value)
{
	uint64_t ms = 0;
	const char *p = value;

	if (value && !kstrcmp(value, "off")) {
		preempt_ns = 0;
		return 0;
	}
	if (!p || *p < '1' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9' && ms <= 1000; p++)
		ms = ms * 10 + (uint64_t)(*p - '0');
	if (*p || ms > 1000)
		return -EINVAL;
	preempt_ns = ms * 1000000ull;
	return 0;
}
KERNEL_PARAM("preempt", set_preempt, "off or a time slice of 1 to 1000 (ms)");

/* Every task that has not been freed, for sched_dump() and stats. */
static struct spinlock tasks_lock = SPINLOCK_INIT("tasks");
static struct task *tasks_head; /* [G tasks lock] */
static uint32_t next_task_id = 1; /* [a] */
static struct {
	uint64_t spawned, exited, faulted, steals, ipis; /* [a] */
	uint32_t live; /* [a] */
} stats;

static inline struct sched_rq *my_rq(void)
{
	return this_cpu()->pc_rq;
}

uint32_t task_id(const struct task *t)
{
	return t->t_id;
}

const char *task_name(const struct task *t)
{
	return t->t_name;
}

struct task *sched_self(void)
{
	return this_cpu_current();
}

const char *sched_current_name(void)
{
	struct task *t = this_cpu()->pc_current;

	return t ? t->t_name : "kernel";
}

/* Run queues. */

static __always_inline void rq_push(struct sched_rq *rq, struct task *t)
{
	t->t_rq_next = NULL;
	if (rq->rq_tail)
		rq->rq_tail->t_rq_next = t;
	else
		rq->rq_head = t;
	rq->rq_tail = t;
	__atomic_store_n(&rq->rq_queued, rq->rq_queued + 1, __ATOMIC_RELAXED);
}

/* Puts `t` back at the front, for a task that could not be run yet. */
static void rq_push_head(struct sched_rq *rq, struct task *t)
{
	t->t_rq_next = rq->rq_head;
	rq->rq_head = t;
	if (!rq->rq_tail)
		rq->rq_tail = t;
	__atomic_store_n(&rq->rq_queued, rq->rq_queued + 1, __ATOMIC_RELAXED);
}

/* rq_take() past a head that CPU `cpu` may not run. */
static struct task *__attribute__((noinline))
rq_take_masked(struct sched_rq *rq, unsigned int cpu)
{
	struct task *t, *prev = NULL;

	for (t = rq->rq_head; t; prev = t, t = t->t_rq_next) {
		if (t->t_affinity && !(t->t_affinity & (1ull << cpu)))
			continue;
		if (prev)
			prev->t_rq_next = t->t_rq_next;
		else
			rq->rq_head = t->t_rq_next;
		if (rq->rq_tail == t)
			rq->rq_tail = prev;
		__atomic_store_n(&rq->rq_queued, rq->rq_queued - 1,
				 __ATOMIC_RELAXED);
		return t;
	}
	return NULL;
}

/* Removes and returns the first task CPU `cpu` may run, or NULL. */
static __always_inline struct task *rq_take(struct sched_rq *rq,
					    unsigned int cpu)
{
	struct task *t = rq->rq_head;

	if (!t || (t->t_affinity && !(t->t_affinity & (1ull << cpu))))
		return t ? rq_take_masked(rq, cpu) : NULL;
	rq->rq_head = t->t_rq_next;
	if (!rq->rq_head)
		rq->rq_tail = NULL;
	__atomic_store_n(&rq->rq_queued, rq->rq_queued - 1, __ATOMIC_RELAXED);
	return t;
}

static unsigned int place(const struct task *t, int prefer)
{
	uint32_t load[CONFIG_MAX_CPUS];
	unsigned int n = cpu_count(), i;
	uint64_t aff = t->t_affinity;
	int cpu;

	if (n == 1)
		return 0;
	/* Allowed on one CPU only: no loads to compare. */
	if (aff && !(aff & (aff - 1)) && (unsigned int)__builtin_ctzll(aff) < n)
		return (unsigned int)__builtin_ctzll(aff);
	for (i = 0; i < n; i++)
		load[i] = __atomic_load_n(&rqs[i].rq_queued, __ATOMIC_RELAXED) +
			  __atomic_load_n(&rqs[i].rq_running, __ATOMIC_RELAXED);
	cpu = policy_place(load, n, t->t_affinity, prefer);
	return cpu < 0 ? cpu_id() : (unsigned int)cpu;
}

static void kick(unsigned int cpu)
{
	__atomic_fetch_add(&stats.ipis, 1, __ATOMIC_RELAXED);
	smp_send_resched(cpu);
}

static void kick_halted(uint64_t affinity, unsigned int busy)
{
	unsigned int n = cpu_count(), me = cpu_id(), i;

	for (i = 0; i < n; i++) {
		if (i == busy || i == me ||
		    (affinity && !(affinity & (1ull << i))))
			continue;
		if (__atomic_load_n(&rqs[i].rq_halted, __ATOMIC_RELAXED) ==
		    IDLE_HALTED) {
			kick(i);
			return;
		}
	}
}

/*
 * How long a task queued behind the running one on the CPU that woke it
 * may wait before a halted CPU is kicked to steal it. Waking a halted
 * vCPU is the dearest thing a wake-up can do (the host must run its
 * thread; on a busy host the IPI's sender alone stalled for ~2 ms), and
 * cooperative tasks mostly block within microseconds, running what they
 * woke right here; the delay bounds the wait behind one that does not.
 */
#define DEFER_KICK_NS 200000

/* Arms the deferred kick (timers_run() fires it) of rq, this CPU's,
 * unless armed. False when rq is no longer this CPU's (a preempted
 * caller moved): the caller kicks at once instead. */
static bool __attribute__((noinline)) defer_kick(struct sched_rq *rq)
{
	unsigned long flags = irq_save();
	uint64_t at;

	if (rq != my_rq()) {
		irq_restore(flags);
		return false;
	}
	/* A sleeper's wake-up: timers_run() arms for rq_kick_at itself. */
	if (rq->rq_in_timers) {
		if (!rq->rq_kick_at)
			rq->rq_kick_at = time_ns() + DEFER_KICK_NS;
		irq_restore(flags);
		return true;
	}
	spin_lock(&rq->rq_timer_lock);
	if (!rq->rq_kick_at) {
		struct timer_node *n = timerq_first(&rq->rq_timers);

		at = time_ns() + DEFER_KICK_NS;
		rq->rq_kick_at = at;
		/* An earlier sleeper or end of slice: timers_run() re-arms
		 * for the kick then. */
		if ((!n || at < n->tn_deadline) &&
		    (!preempt_ns || at < rq->rq_slice_end))
			timer_arm(at);
	}
	spin_unlock(&rq->rq_timer_lock);
	irq_restore(flags);
	return true;
}

/* enqueue()'s second half on SMP: kicks CPU `cpu` if it is halting, or a
 * halted CPU that may steal a task of `affinity` queued behind it. */
static void __attribute__((noinline))
enqueue_kick(struct sched_rq *rq, unsigned int cpu, uint64_t affinity)
{
	uint32_t state;

	/* Pairs with the fence in idle_halt(): either it sees the task or
	 * we see it halting. A polling CPU sees the task by itself. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	state = __atomic_load_n(&rq->rq_halted, __ATOMIC_RELAXED);
	if (state != IDLE_NOT) {
		if (state == IDLE_HALTED && cpu != cpu_id())
			kick(cpu);
		return;
	}
	/* It waits behind a busy CPU (its mask or stale loads put it
	 * there): wake a halted CPU that may run it; that one steals it.
	 * Behind a batch waker only what another CPU may steal counts. */
	if (!policy_stealable(__atomic_load_n(&rq->rq_queued, __ATOMIC_RELAXED),
			      __atomic_load_n(&rq->rq_batch, __ATOMIC_RELAXED)))
		return;
	/* Behind the waker itself: it will likely run it soon (at once if
	 * this is the idle loop, which looks at its queue next). */
	if (cpu == cpu_id()) {
		if (__atomic_load_n(&rq->rq_running, __ATOMIC_RELAXED) &&
		    !defer_kick(rq))
			kick_halted(affinity, cpu);
		return;
	}
	kick_halted(affinity, cpu);
}

/* Queues runnable `t` on `cpu`, interrupts off; the caller then kicks
 * (enqueue_kick()) when there is more than one CPU. Inline: every wake-up
 * runs it. */
static __always_inline void enqueue_push(struct task *t, unsigned int cpu)
{
	struct sched_rq *rq = &rqs[cpu];

	rq_lock(rq);
	__atomic_store_n(&t->t_cpu, cpu, __ATOMIC_RELAXED);
	rq_push(rq, t);
	rq_unlock(rq);
}

/* Queues runnable `t` on `cpu` and kicks that CPU if it is halting. */
static void enqueue(struct task *t, unsigned int cpu)
{
	uint64_t affinity = t->t_affinity;
	unsigned long flags = irq_save();

	enqueue_push(t, cpu);
	irq_restore(flags);
	/* From here t may run elsewhere, finish and be freed: only its
	 * affinity, read before, is used below. One CPU has nobody to
	 * kick. */
	if (cpu_count() > 1)
		enqueue_kick(&rqs[cpu], cpu, affinity);
}

/* The CPU a wake-up from a batch waker queues `t` on (the waker's), or
 * -1 for the usual placement: not in a batch waker, in an interrupt
 * handler (the task it interrupted did not ask), or t may not run here.
 * Interrupts off. */
static __always_inline int batch_cpu(const struct task *t)
{
	struct percpu *pc = this_cpu();
	unsigned int me = pc->pc_id;

	if (likely(!pc->pc_current->t_batch_waker) || pc->pc_irq_depth ||
	    (t->t_affinity && !(t->t_affinity & (1ull << me))))
		return -1;
	return (int)me;
}

/*
 * The CPU a wake-up prefers among the least loaded: this one when it is
 * idle (an interrupt ended its halt, or its idle loop runs its timers),
 * as it is awake already and the woken task runs here without an IPI;
 * else the CPU t last ran on, whose cache still holds its data.
 */
static __always_inline int wake_prefer(const struct task *t)
{
	struct percpu *pc = this_cpu();

	if (pc->pc_current->t_idle)
		return (int)pc->pc_id;
	return (int)__atomic_load_n(&t->t_cpu, __ATOMIC_RELAXED);
}

/*
 * A wake-up placed on a halted CPU other than this one goes to this one
 * instead when t may run here: this CPU is awake, and t runs once the
 * task here blocks or yields, or is stolen after DEFER_KICK_NS
 * (enqueue_kick()), where the halted CPU would cost an IPI at once.
 * Interrupts off.
 */
static __always_inline unsigned int avoid_halted(const struct task *t,
						 unsigned int cpu)
{
	unsigned int me = this_cpu()->pc_id;

	if (cpu == me ||
	    __atomic_load_n(&rqs[cpu].rq_halted, __ATOMIC_RELAXED) !=
		    IDLE_HALTED ||
	    (t->t_affinity && !(t->t_affinity & (1ull << me))))
		return cpu;
	return me;
}

/*
 * BLOCKED -> RUNNABLE and queued, without the kick: returns the CPU t was
 * queued on, with its affinity in *affinity for enqueue_kick() when ncpus
 * (cpu_count()) is over 1, or -1 when t was not blocked. Callers hold a
 * spinlock or are interrupt handlers: interrupts are off.
 */
static __always_inline int task_wake_queue(struct task *t, unsigned int ncpus,
					   uint64_t *affinity)
{
	uint32_t expected = TASK_BLOCKED;
	unsigned int cpu;
	int bcpu;

	if (!__atomic_compare_exchange_n(&t->t_state, &expected, TASK_RUNNABLE,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return -1;
	/* One CPU: nothing to choose, and place()'s call costs more. */
	if (ncpus == 1)
		cpu = 0;
	else if ((bcpu = batch_cpu(t)) >= 0)
		cpu = (unsigned int)bcpu;
	else
		cpu = avoid_halted(t, place(t, wake_prefer(t)));
	trace_wake(t->t_id, cpu);
	*affinity = t->t_affinity;
	enqueue_push(t, cpu);
	return (int)cpu;
}

/* BLOCKED -> RUNNABLE and queued; false when t was not blocked. As
 * task_wake_queue(), interrupts off. */
static bool task_wake(struct task *t)
{
	unsigned int ncpus = cpu_count();
	uint64_t affinity = 0;
	int cpu = task_wake_queue(t, ncpus, &affinity);

	if (cpu < 0)
		return false;
	if (ncpus > 1)
		enqueue_kick(&rqs[cpu], (unsigned int)cpu, affinity);
	return true;
}

/* An idle CPU's try at another CPU's queue. Interrupts off. Out of line:
 * its snapshot array would otherwise enlarge schedule()'s frame. */
static struct task *__attribute__((noinline)) steal(unsigned int self)
{
	uint32_t queued[CONFIG_MAX_CPUS];
	unsigned int n = cpu_count(), i;
	struct task *t = NULL;
	int victim;

	if (n == 1)
		return NULL;
	for (i = 0; i < n; i++)
		queued[i] = policy_stealable(
			__atomic_load_n(&rqs[i].rq_queued, __ATOMIC_RELAXED),
			__atomic_load_n(&rqs[i].rq_batch, __ATOMIC_RELAXED));
	victim = policy_victim(queued, n, self);
	if (victim < 0)
		return NULL;
	if (!rq_trylock(&rqs[victim]))
		return NULL;
	t = rq_take(&rqs[victim], self);
	rq_unlock(&rqs[victim]);
	if (t)
		__atomic_fetch_add(&stats.steals, 1, __ATOMIC_RELAXED);
	return t;
}

static void finish_switch(struct task *prev)
{
	struct sched_rq *rq = my_rq();
	bool reap = prev->t_reap;

	/* After this store another CPU may run or free prev. */
	__atomic_store_n(&prev->t_on_cpu, 0, __ATOMIC_RELEASE);
	if (reap) {
		prev->t_rq_next = rq->rq_dead;
		rq->rq_dead = prev;
	}
}

static __always_inline void switch_to(struct percpu *pc, struct task *prev,
				      struct task *next)
{
	struct sched_rq *rq = pc->pc_rq;

	while (__atomic_load_n(&next->t_on_cpu, __ATOMIC_ACQUIRE)) {
		smp_poll();
		arch_cpu_relax();
	}
	next->t_on_cpu = 1;
	__atomic_store_n(&next->t_state, TASK_RUNNING, __ATOMIC_RELAXED);
	__atomic_store_n(&next->t_cpu, pc->pc_id, __ATOMIC_RELAXED);
	__atomic_store_n(&rq->rq_running, !next->t_idle, __ATOMIC_RELAXED);
	__atomic_store_n(&rq->rq_batch, next->t_batch_waker, __ATOMIC_RELAXED);
	if (!next->t_idle)
		__atomic_fetch_add(&rq->rq_switches, 1, __ATOMIC_RELAXED);
	pc->pc_current = next;
	if (next->t_tp != rq->rq_tp) {
		arch_set_tp(next->t_tp);
		rq->rq_tp = next->t_tp;
	}
	if (preempt_ns && !next->t_idle) {
		struct timer_node *n;

		rq->rq_slice_end = time_ns() + preempt_ns;
		spin_lock(&rq->rq_timer_lock);
		n = timerq_first(&rq->rq_timers);
		timer_arm(n && n->tn_deadline < rq->rq_slice_end
				  ? n->tn_deadline
				  : rq->rq_slice_end);
		spin_unlock(&rq->rq_timer_lock);
	}
	trace_switch(next->t_id, prev->t_id);
	prev = arch_switch(&prev->t_sp, next->t_sp, prev);
	finish_switch(prev);
}

/* The idle hook, if any. Interrupts off. */
static __always_inline void run_idle_hook(void)
{
	void (*fn)(void) = __atomic_load_n(&idle_hook, __ATOMIC_ACQUIRE);

	if (unlikely(fn != NULL))
		fn();
}

/*
 * Gives up the CPU. The caller has set its state: RUNNING to stay
 * runnable (yield), BLOCKED or EXITED to leave. Interrupts off, no
 * spinlock held; they are still off on return.
 */
static void schedule(void)
{
	struct percpu *pc = this_cpu();
	struct sched_rq *rq = pc->pc_rq;
	struct task *prev = pc->pc_current, *next;
	bool stay = __atomic_load_n(&prev->t_state, __ATOMIC_RELAXED) ==
		    TASK_RUNNING;

	rq_lock(rq);
	next = rq_take(rq, pc->pc_id);
	if (next && stay && !prev->t_idle) {
		__atomic_store_n(&prev->t_state, TASK_RUNNABLE,
				 __ATOMIC_RELAXED);
		rq_push(rq, prev);
	}
	rq_unlock(rq);
	/* A yielding task with nothing else queued here keeps the CPU;
	 * only an idle or leaving context goes looking elsewhere. */
	if (!next && (!stay || prev->t_idle))
		next = steal(pc->pc_id);
	if (!next) {
		if (stay) {
			/* A yield with nothing else to run is as good as
			 * idle (the idle task halts next instead). */
			if (!prev->t_idle)
				run_idle_hook();
			return; /* nothing else to run: go on */
		}
		next = &rq->rq_idle;
	}
	if (next == prev) {
		/* Woken before it switched out, and picked again here. */
		__atomic_store_n(&prev->t_state, TASK_RUNNING,
				 __ATOMIC_RELAXED);
		return;
	}
	/*
	 * `next` may still be leaving another CPU, and that CPU may be
	 * waiting for `prev` in turn (each picked the other's outgoing
	 * task). Only an idle context may wait for it: nobody else can pick
	 * an idle task, so no cycle can form. A task context puts it back
	 * and goes through this CPU's idle task instead.
	 */
	if (!prev->t_idle &&
	    __atomic_load_n(&next->t_on_cpu, __ATOMIC_ACQUIRE)) {
		rq_lock(rq);
		rq_push_head(rq, next);
		rq_unlock(rq);
		next = &rq->rq_idle;
	}
	/* A CPU that never idles (tasks yielding to each other) still runs
	 * the hook now and then. */
	if (!(__atomic_load_n(&rq->rq_switches, __ATOMIC_RELAXED) &
	      (IDLE_HOOK_EVERY - 1)))
		run_idle_hook();
	switch_to(pc, prev, next);
}

/* Timers. */

static void timer_intr(void *arg);

/* Runs this CPU's expired sleepers and re-arms for the next. Interrupts
 * off. */
static void timers_run(struct sched_rq *rq)
{
	struct timer_node *n;
	uint64_t now = 0, next;
	bool kick_now = false;

	spin_lock(&rq->rq_timer_lock);
	/* The idle loop comes here on every turn: with no sleeper, no
	 * deferred kick and no slices there is nothing to compare the clock
	 * with. */
	if (timerq_first(&rq->rq_timers) || rq->rq_kick_at || preempt_ns) {
		now = time_ns();
		rq->rq_in_timers = true;
		while ((n = timerq_pop_expired(&rq->rq_timers, now)))
			task_wake(container_of(n, struct task, t_timer));
		rq->rq_in_timers = false;
		if (rq->rq_kick_at && now >= rq->rq_kick_at) {
			rq->rq_kick_at = 0;
			kick_now = true;
		}
	}
	n = timerq_first(&rq->rq_timers);
	next = n ? n->tn_deadline : 0;
	if (rq->rq_kick_at && (!next || rq->rq_kick_at < next))
		next = rq->rq_kick_at;
	if (preempt_ns && !this_cpu()->pc_current->t_idle &&
	    (!next || rq->rq_slice_end < next))
		next = rq->rq_slice_end > now ? rq->rq_slice_end
					      : now + preempt_ns;
	timer_arm(next);
	spin_unlock(&rq->rq_timer_lock);
	/* Still waiting behind a running task: a halted CPU steals it. */
	if (kick_now && __atomic_load_n(&rq->rq_running, __ATOMIC_RELAXED) &&
	    policy_stealable(__atomic_load_n(&rq->rq_queued, __ATOMIC_RELAXED),
			     __atomic_load_n(&rq->rq_batch, __ATOMIC_RELAXED)))
		kick_halted(0, this_cpu()->pc_id);
}

static void timer_intr(void *arg)
{
	struct percpu *pc = this_cpu();
	struct sched_rq *rq = pc->pc_rq;

	(void)arg;
	timer_fired();
	timers_run(rq);
	/* The slice is over and someone waits: isr.S switches on the way
	 * out (sched_preempt_frame(), sched_preempt()). */
	if (preempt_ns && !pc->pc_current->t_idle &&
	    time_ns() >= rq->rq_slice_end &&
	    __atomic_load_n(&rq->rq_queued, __ATOMIC_RELAXED))
		pc->pc_preempt = 1;
}

/*
 * Called by isr.S with the interrupt frame when pc_preempt is set. When
 * the interrupted context may be preempted (a task, interrupts were on, no
 * spinlock held), copies the frame below the task's stack pointer and
 * returns its address; isr.S then moves there and calls sched_preempt().
 * Returns 0 to return to the interrupted code as usual.
 */
uintptr_t sched_preempt_frame(struct trap_frame_words *tf);

uintptr_t sched_preempt_frame(struct trap_frame_words *tf)
{
	struct percpu *pc = this_cpu();
	struct task *cur = pc->pc_current;
	uintptr_t dst;

	pc->pc_preempt = 0;
	if (!preempt_ns || cur->t_idle || !cur->t_fpu || pc->pc_lock_depth ||
	    pc->pc_irq_depth || !(tf->w[TF_RFLAGS] & 0x200))
		return 0;
	dst = ((tf->w[TF_RSP] - 128) & ~15ul) - sizeof(*tf);
	memcpy((void *)dst, tf, sizeof(*tf));
	return dst;
}

/* Runs on the preempted task's stack with interrupts off: saves the whole
 * FPU state, lets the others run, and restores it. */
void sched_preempt(void);

void sched_preempt(void)
{
	struct task *self = sched_self();

	arch_fpu_save(self->t_fpu);
	schedule();
	arch_fpu_restore(self->t_fpu);
}

static void resched_intr(void *arg)
{
	/* Nothing to do here: the idle loop looks at its queue once the
	 * interrupt returns. */
	(void)arg;
}

/* Puts the current task on this CPU's timer queue. Interrupts off. */
static void timer_add(struct task *t, uint64_t deadline)
{
	struct sched_rq *rq = my_rq();

	spin_lock(&rq->rq_timer_lock);
	t->t_timer_cpu = this_cpu()->pc_id;
	timerq_insert(&rq->rq_timers, &t->t_timer, deadline);
	if (timerq_first(&rq->rq_timers) == &t->t_timer)
		timer_arm(deadline);
	spin_unlock(&rq->rq_timer_lock);
}

/* Takes t off its timer queue if a wake-up beat the timer. After this no
 * timer refers to t, so it cannot be woken by a stale one. */
static void timer_cancel(struct task *t)
{
	struct sched_rq *rq = &rqs[t->t_timer_cpu];

	spin_lock(&rq->rq_timer_lock);
	timerq_remove(&rq->rq_timers, &t->t_timer);
	spin_unlock(&rq->rq_timer_lock);
}

void sched_sleep_until(uint64_t deadline_ns)
{
	struct task *self = sched_self();

	assert_may_yield();
	while (time_ns() < deadline_ns) {
		irq_disable();
		__atomic_store_n(&self->t_state, TASK_BLOCKED,
				 __ATOMIC_RELAXED);
		trace_block(self->t_id, TRACE_BLOCK_SLEEP);
		timer_add(self, deadline_ns);
		schedule();
		irq_enable();
		timer_cancel(self);
	}
}

void sched_sleep_ns(uint64_t ns)
{
	uint64_t now = time_ns();

	sched_sleep_until(ns > UINT64_MAX - now ? UINT64_MAX : now + ns);
}

void sched_yield_cpu(void)
{
	/* assert_may_yield() without the call: one %gs load. */
	if (unlikely(this_cpu_lock_depth() != 0))
		spin_contract_failed("may yield", NULL);
	irq_disable();
	schedule();
	irq_enable();
}

void sched_set_idle_hook(void (*fn)(void))
{
	__atomic_store_n(&idle_hook, fn, __ATOMIC_RELEASE);
}

void sched_set_batch_waker(bool on)
{
	unsigned long flags = irq_save();
	unsigned int me = cpu_id();

	sched_self()->t_batch_waker = on;
	__atomic_store_n(&rqs[me].rq_batch, on, __ATOMIC_RELAXED);
	irq_restore(flags);
	/* What was queued behind us while we kept it is stealable now. */
	if (!on && cpu_count() > 1 &&
	    __atomic_load_n(&rqs[me].rq_queued, __ATOMIC_RELAXED))
		enqueue_kick(&rqs[me], me, 0);
}

/* Wait queues. */

/* waitq_wait(), and waitq_wait_handoff() when !relock (queueing at the
 * head when `head`); inline in each, so that both are constants. */
static __always_inline int wait_common(struct waitq *q, struct spinlock *lock,
				       uint64_t deadline_ns, struct waiter *w,
				       bool relock, bool head)
{
	struct percpu *pc = this_cpu();
	struct task *self = pc->pc_current;
	struct waiter local;
	int rc = 0;

	/* assert_held() and assert_may_yield() but for `lock`, without
	 * the calls; pc is not used after the first switch (we may come
	 * back on another CPU). */
	if (unlikely(__atomic_load_n(&lock->sl_cpu, __ATOMIC_RELAXED) !=
		     pc->pc_id + 1))
		spin_contract_failed("not held", lock->sl_name);
	if (unlikely(pc->pc_lock_depth != 1))
		spin_contract_failed("may yield", NULL);
	if (!w) {
		local.w_reason = TRACE_BLOCK_WAIT;
		w = &local;
	}
	w->w_task = self;
	w->w_woken = false;
	waitq_link(q, w, head);

	for (;;) {
		/* Blocked before the lock drops: a waker that takes the lock
		 * after us finds the state it can change. */
		__atomic_store_n(&self->t_state, TASK_BLOCKED,
				 __ATOMIC_RELAXED);
		/* The check here keeps the inline function inline. */
		if (unlikely(trace_enabled))
			trace_block(self->t_id, w->w_reason);
		if (deadline_ns)
			timer_add(self, deadline_ns);
		/* Interrupts stay off to schedule(), which wants them so (an
		 * interrupt that woke us in between would find us BLOCKED and
		 * queue us: nothing would be lost either way). */
		(void)spin_unlock_irqoff(lock);
		schedule();
		irq_enable();
		if (deadline_ns)
			timer_cancel(self);
		/* The waker stores w_woken last, after everything it hands
		 * over; from then on it touches neither w nor us. */
		if (!relock && __atomic_load_n(&w->w_woken, __ATOMIC_ACQUIRE))
			return 0;
		spin_lock(lock);
		if (w->w_woken) {
			if (!relock)
				spin_unlock(lock);
			return 0;
		}
		if (deadline_ns && time_ns() >= deadline_ns) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	/* Timed out: leave the queue. */
	waitq_unlink(q, w);
	return rc;
}

int waitq_wait(struct waitq *q, struct spinlock *lock, uint64_t deadline_ns,
	       struct waiter *w)
{
	return wait_common(q, lock, deadline_ns, w, true, false);
}

int waitq_wait_handoff(struct waitq *q, struct spinlock *lock,
		       uint64_t deadline_ns, struct waiter *w)
{
	return wait_common(q, lock, deadline_ns, w, false, false);
}

int waitq_wait_handoff_head(struct waitq *q, struct spinlock *lock,
			    uint64_t deadline_ns, struct waiter *w)
{
	return wait_common(q, lock, deadline_ns, w, false, true);
}

bool waitq_wake_one(struct waitq *q, uintptr_t data)
{
	/* First, so that little is live across the call. */
	unsigned int ncpus = cpu_count();
	struct waiter *w = q->wq_head;
	uint64_t affinity = 0;
	struct task *t;
	int cpu;

	if (!w)
		return false;
	q->wq_head = w->w_next;
	if (q->wq_head)
		q->wq_head->w_prev = NULL;
	else
		q->wq_tail = NULL;
	t = w->w_task;
	w->w_data = data;
	/* Woken first, told last: a waiter of waitq_wait_handoff() may
	 * return, and its task end, as soon as it sees w_woken. The kick
	 * touches neither. */
	cpu = task_wake_queue(t, ncpus, &affinity);
	__atomic_store_n(&w->w_woken, true, __ATOMIC_RELEASE);
	if (cpu >= 0 && ncpus > 1)
		enqueue_kick(&rqs[cpu], (unsigned int)cpu, affinity);
	return true;
}

bool waitq_wake_one_switch(struct waitq *q, uintptr_t data,
			   struct spinlock *lock)
{
	struct percpu *pc = this_cpu();
	struct task *self = pc->pc_current, *t;
	struct waiter *w = q->wq_head;
	unsigned int me = pc->pc_id;
	uint32_t expected = TASK_BLOCKED;
	struct sched_rq *rq = pc->pc_rq;

	if (!w)
		return false;
	t = w->w_task;
	/*
	 * Only a task that could yield here (this lock alone, interrupts on
	 * before it, no handler), for a woken task that would be queued here
	 * (last ran here, allowed here) with nobody ahead of it: anything
	 * else takes the usual way. t cannot still be leaving this CPU, as
	 * we run here, but its flag is checked as switch_to() would.
	 */
	if (pc->pc_lock_depth != 1 || !pc->pc_irq_was_on || pc->pc_irq_depth ||
	    self->t_idle ||
	    __atomic_load_n(&t->t_cpu, __ATOMIC_RELAXED) != me ||
	    (t->t_affinity && !(t->t_affinity & (1ull << me))) ||
	    __atomic_load_n(&rq->rq_queued, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&t->t_on_cpu, __ATOMIC_ACQUIRE)) {
		waitq_wake_one(q, data);
		spin_unlock_inl(lock);
		return true;
	}
	q->wq_head = w->w_next;
	if (q->wq_head)
		q->wq_head->w_prev = NULL;
	else
		q->wq_tail = NULL;
	w->w_data = data;
	if (!__atomic_compare_exchange_n(&t->t_state, &expected, TASK_RUNNABLE,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED)) {
		/* Its timer woke it first: it is queued already. */
		__atomic_store_n(&w->w_woken, true, __ATOMIC_RELEASE);
		spin_unlock_inl(lock);
		return true;
	}
	trace_wake(t->t_id, me);
	/* t is ours alone now (runnable, on no queue): w may go. */
	__atomic_store_n(&w->w_woken, true, __ATOMIC_RELEASE);
	(void)spin_unlock_irqoff(lock);
	rq_lock(rq);
	__atomic_store_n(&self->t_state, TASK_RUNNABLE, __ATOMIC_RELAXED);
	rq_push_head(rq, self);
	rq_unlock(rq);
	switch_to(pc, self, t);
	/* pc is stale from here if we were stolen. */
	irq_enable();
	return true;
}

unsigned int waitq_wake_all(struct waitq *q)
{
	unsigned int n = 0;

	while (waitq_wake_one(q, 0))
		n++;
	return n;
}

/* Tasks. */

static void task_free(struct task *t)
{
	spin_lock(&tasks_lock);
	if (t->t_all_prev)
		t->t_all_prev->t_all_next = t->t_all_next;
	else
		tasks_head = t->t_all_next;
	if (t->t_all_next)
		t->t_all_next->t_all_prev = t->t_all_prev;
	spin_unlock(&tasks_lock);
	stack_free(&t->t_stack);
	heap_free(t->t_fpu);
	heap_free(t->t_tls);
	heap_free(t);
	__atomic_fetch_sub(&stats.live, 1, __ATOMIC_RELAXED);
}

/* Frees the detached tasks that ended on this CPU. Thread context. */
static void reap(void)
{
	struct sched_rq *rq;
	struct task *t;

	unsigned long flags;

	for (;;) {
		flags = irq_save();
		rq = my_rq();
		t = rq->rq_dead;
		if (t)
			rq->rq_dead = t->t_rq_next;
		irq_restore(flags);
		if (!t)
			return;
		task_free(t);
	}
}

void __noreturn sched_task_start(struct task *prev, struct task *self);

void sched_task_start(struct task *prev, struct task *self)
{
	finish_switch(prev);
	irq_enable();
	sched_exit(self->t_fn(self->t_arg));
}

int sched_spawn(struct task **out, const char *name, int (*fn)(void *),
		void *arg, const struct task_opts *opts)
{
	size_t size = opts && opts->to_stack_size ? opts->to_stack_size
						  : TASK_STACK_DEFAULT;
	uint64_t aff = opts ? opts->to_affinity : 0;
	bool root = opts && opts->to_root;
	uint64_t online = cpu_count() >= 64 ? ~0ull : (1ull << cpu_count()) - 1;
	struct task *t;
	int rc;

	if (!fn || size < TASK_STACK_MIN || size > STACK_SIZE_MAX ||
	    (aff && !(aff & online)))
		return -EINVAL;
	reap();
	t = heap_calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	kstrlcpy(t->t_name, name ? name : "task", sizeof(t->t_name));
	t->t_tls = heap_alloc_aligned(tls_area_align(), tls_area_size());
	if (!t->t_tls)
		goto err_free;
	t->t_tp = tls_area_init(t->t_tls);
	if (preempt_ns) {
		t->t_fpu = heap_alloc_aligned(64, arch_fpu_state_size());
		if (!t->t_fpu)
			goto err_free;
		memset(t->t_fpu, 0, arch_fpu_state_size());
	}
	rc = stack_alloc(&t->t_stack, size, t->t_name);
	if (rc)
		goto err_free_rc;
	t->t_id = __atomic_fetch_add(&next_task_id, 1, __ATOMIC_RELAXED);
	t->t_affinity = aff;
	t->t_fn = fn;
	t->t_arg = arg;
	t->t_state = TASK_RUNNABLE;
	t->t_detached = out == NULL;
	t->t_root = root;
	spin_init(&t->t_lock, "task");
	t->t_sp = arch_task_stack_init(t->t_stack.ks_top, t);

	spin_lock(&tasks_lock);
	t->t_all_next = tasks_head;
	if (tasks_head)
		tasks_head->t_all_prev = t;
	tasks_head = t;
	spin_unlock(&tasks_lock);
	__atomic_fetch_add(&stats.spawned, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&stats.live, 1, __ATOMIC_RELAXED);
	trace_spawn(t->t_id, sched_self()->t_id, t->t_name);

	if (out)
		*out = t;
	enqueue(t, place(t, (int)cpu_id()));
	return 0;

err_free:
	rc = -ENOMEM;
err_free_rc:
	heap_free(t->t_fpu);
	heap_free(t->t_tls);
	heap_free(t);
	return rc;
}

static void __noreturn exit_current(void)
{
	struct task *self = sched_self();

	/* Interrupts off from here: the state change and the switch must
	 * not be split by this CPU's own interrupt handlers. */
	irq_disable();
	spin_lock(&self->t_lock);
	__atomic_store_n(&self->t_state, TASK_EXITED, __ATOMIC_RELEASE);
	self->t_reap = self->t_detached;
	waitq_wake_all(&self->t_joiners);
	spin_unlock(&self->t_lock);
	__atomic_fetch_add(&stats.exited, 1, __ATOMIC_RELAXED);
	trace_exit(self->t_id, self->t_exit.te_status);
	schedule();
	panic("exited task \"%s\" was scheduled again", self->t_name);
}

void sched_exit(int status)
{
	struct task *self = sched_self();

	if (self->t_idle)
		panic("sched_exit() outside a task");
	assert_may_yield();
	self->t_exit.te_status = status;
	exit_current();
}

void sched_exit_with(const struct task_exit *ex)
{
	struct task *self = sched_self();

	if (self->t_idle)
		panic("sched_exit_with() outside a task");
	assert_may_yield();
	self->t_exit = *ex;
	exit_current();
}

int *sched_errno_slot(void)
{
	static int early_errno; /* before the scheduler runs: boot only */
	struct task *t = this_cpu_current();

	return t ? &t->t_errno : &early_errno;
}

bool task_is_root(const struct task *t)
{
	return t->t_root;
}

bool sched_fault_is_task(void)
{
	struct percpu *pc = this_cpu();
	struct task *t = pc->pc_current;

	return t && !t->t_idle && !t->t_root && pc->pc_irq_depth == 0 &&
	       pc->pc_lock_depth == 0 && !panic_in_progress();
}

void sched_fault_exit(unsigned int vector, const char *what)
{
	struct task *self = sched_self();

	self->t_exit.te_status = 0;
	self->t_exit.te_faulted = true;
	kstrlcpy(self->t_exit.te_fault, what, sizeof(self->t_exit.te_fault));
	__atomic_fetch_add(&stats.faulted, 1, __ATOMIC_RELAXED);
	trace_fault(self->t_id, vector);
	exit_current();
}

int sched_join(struct task *t, struct task_exit *ex)
{
	struct waiter w = { .w_reason = TRACE_BLOCK_JOIN };

	if (t == sched_self())
		return -EINVAL;
	assert_may_yield();
	spin_lock(&t->t_lock);
	while (__atomic_load_n(&t->t_state, __ATOMIC_ACQUIRE) != TASK_EXITED)
		waitq_wait(&t->t_joiners, &t->t_lock, 0, &w);
	if (ex)
		*ex = t->t_exit;
	spin_unlock(&t->t_lock);
	/* Its CPU may still be switching away from its stack. */
	while (__atomic_load_n(&t->t_on_cpu, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	task_free(t);
	return 0;
}

void sched_detach(struct task *t)
{
	bool ended;

	spin_lock(&t->t_lock);
	ended = __atomic_load_n(&t->t_state, __ATOMIC_ACQUIRE) == TASK_EXITED;
	t->t_detached = true;
	spin_unlock(&t->t_lock);
	if (!ended)
		return;
	while (__atomic_load_n(&t->t_on_cpu, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	task_free(t);
}

/* Idle. */

/* Halts until an interrupt unless work arrived; interrupts off on entry
 * and on return. */
static void idle_halt(struct sched_rq *rq)
{
	/* An interrupt it raises ends the halt at once. */
	run_idle_hook();
	__atomic_store_n(&rq->rq_halted, IDLE_HALTED, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&rq->rq_queued, __ATOMIC_RELAXED) == 0) {
		trace_idle(true);
		/* sti takes effect after hlt starts: no wake-up is lost. */
		__asm__ volatile("sti; hlt; cli" : : : "memory");
		trace_idle(false);
	}
	__atomic_store_n(&rq->rq_halted, IDLE_NOT, __ATOMIC_RELAXED);
}

/*
 * True when a task waits behind another CPU that is running one: enqueue()
 * kicks only halted CPUs to steal it, so a polling one looks for itself.
 */
static bool work_behind_busy(unsigned int self)
{
	unsigned int n = cpu_count(), i;
	uint32_t queued;

	for (i = 0; i < n; i++) {
		if (i == self)
			continue;
		/* The queue first: it is nearly always empty. */
		queued = __atomic_load_n(&rqs[i].rq_queued, __ATOMIC_RELAXED);
		if (queued &&
		    __atomic_load_n(&rqs[i].rq_running, __ATOMIC_RELAXED) &&
		    policy_stealable(queued, __atomic_load_n(&rqs[i].rq_batch,
							     __ATOMIC_RELAXED)))
			return true;
	}
	return false;
}

/*
 * Watches this CPU's queue for up to idle_poll_ns, interrupts on (their
 * handlers may queue work too), and returns when work is there or waits
 * behind a busy CPU (the idle loop then steals it) or the time is up.
 * Interrupts off on entry and on return.
 */
static void idle_poll(struct sched_rq *rq, unsigned int self)
{
	uint64_t end = time_ns() + idle_poll_ns;
	unsigned int spins = 0;

	__atomic_store_n(&rq->rq_halted, IDLE_POLLING, __ATOMIC_RELAXED);
	trace_idle(true);
	irq_enable();
	/* pause in the loop also lets QEMU's round-robin TCG (-icount)
	 * run the other vCPUs, which may be the ones with work for us.
	 * The clock is read every IDLE_POLL_CLOCK_EVERY turns only: it
	 * costs ten times the rest of a turn, and a turn's length is how
	 * late a task queued here is seen. */
	while (__atomic_load_n(&rq->rq_queued, __ATOMIC_RELAXED) == 0 &&
	       !work_behind_busy(self) &&
	       (++spins % IDLE_POLL_CLOCK_EVERY || time_ns() < end))
		arch_cpu_relax();
	irq_disable();
	trace_idle(false);
	/* From here a task queued on this CPU kicks it again (or finds it
	 * halting), and the idle loop looks at the queue first. */
	__atomic_store_n(&rq->rq_halted, IDLE_NOT, __ATOMIC_RELAXED);
}

static void __noreturn idle_loop(void)
{
	struct sched_rq *rq = my_rq();
	unsigned int self = this_cpu()->pc_id;
	/* rq_switches when this CPU last polled: it polls once after each
	 * spell of work, then halts. */
	uint64_t polled_at = rq->rq_switches, switches;

	for (;;) {
		reap();
		irq_disable();
		timers_run(rq);
		schedule();
		/* Back here when nothing was runnable, or after a task
		 * blocked and nothing else was. */
		if (__atomic_load_n(&rq->rq_queued, __ATOMIC_RELAXED) == 0) {
			switches = __atomic_load_n(&rq->rq_switches,
						   __ATOMIC_RELAXED);
			if (cpu_count() > 1 && idle_poll_ns &&
			    switches != polled_at) {
				polled_at = switches;
				idle_poll(rq, self);
			} else {
				idle_halt(rq);
			}
		}
		irq_enable();
	}
}

/* This CPU's idle task is the context that calls this. */
static void rq_start(unsigned int cpu)
{
	struct sched_rq *rq = &rqs[cpu];
	struct percpu *pc = cpu_get(cpu);
	struct task *idle = &rq->rq_idle;

	idle->t_idle = true;
	idle->t_tp = tls_tcb_init(&rq->rq_idle_tcb);
	rq->rq_tp = idle->t_tp;
	arch_set_tp(idle->t_tp);
	idle->t_on_cpu = 1;
	idle->t_state = TASK_RUNNING;
	idle->t_cpu = cpu;
	idle->t_affinity = 1ull << cpu;
	kstrlcpy(idle->t_name, "idle", sizeof(idle->t_name));
	spin_init(&idle->t_lock, "task");
	pc->pc_rq = rq;
	pc->pc_current = idle;
}

void sched_init(void)
{
	unsigned int cpu;

	tls_init(random_u64());
	/* Every queue is ready before any other CPU starts, so a task can
	 * be placed on a CPU the moment it counts as online. */
	for (cpu = 0; cpu < CONFIG_MAX_CPUS; cpu++) {
		spin_init(&rqs[cpu].rq_timer_lock, "timer queue");
		timerq_init(&rqs[cpu].rq_timers);
	}
	rq_start(0);
	irq_set_fixed(SCHED_VEC_TIMER, timer_intr, NULL);
	irq_set_fixed(SCHED_VEC_RESCHED, resched_intr, NULL);
}

void sched_start_cpu(unsigned int cpu)
{
	rq_start(cpu);
	idle_loop();
}

void sched_run_idle(void)
{
	idle_loop();
}

/* Debugging. */

void sched_get_stats(struct sched_stats *st)
{
	unsigned int i;

	st->ss_spawned = __atomic_load_n(&stats.spawned, __ATOMIC_RELAXED);
	st->ss_exited = __atomic_load_n(&stats.exited, __ATOMIC_RELAXED);
	st->ss_faulted = __atomic_load_n(&stats.faulted, __ATOMIC_RELAXED);
	st->ss_steals = __atomic_load_n(&stats.steals, __ATOMIC_RELAXED);
	st->ss_ipis = __atomic_load_n(&stats.ipis, __ATOMIC_RELAXED);
	st->ss_live = __atomic_load_n(&stats.live, __ATOMIC_RELAXED);
	st->ss_switches = 0;
	for (i = 0; i < cpu_count(); i++)
		st->ss_switches +=
			__atomic_load_n(&rqs[i].rq_switches, __ATOMIC_RELAXED);
}

uint64_t sched_cpu_switches(unsigned int cpu)
{
	return cpu < cpu_count() ? __atomic_load_n(&rqs[cpu].rq_switches,
						   __ATOMIC_RELAXED)
				 : 0;
}

void sched_dump(void)
{
	static const char *const states[] = { "runnable", "running", "blocked",
					      "exited" };
	struct task *t;

	spin_lock(&tasks_lock);
	for (t = tasks_head; t; t = t->t_all_next)
		printk("task %u \"%s\" %s cpu %u stack %lu KiB\n", t->t_id,
		       t->t_name, states[t->t_state & 3], t->t_cpu,
		       (t->t_stack.ks_top - t->t_stack.ks_bottom) >> 10);
	spin_unlock(&tasks_lock);
}
