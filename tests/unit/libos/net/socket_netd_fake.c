/* SPDX-License-Identifier: MIT */
/* <net/netd.h> for the socket layer's host test (socket_fakes.h). */
#include "socket_fakes.h"

#include <stdlib.h>

#include <kernel/heap.h>
#include <kernel/panic.h>
#include <kernel/sync.h>
#include <kernel/time.h>
#include <net/netd.h>

#include "fake_sched.h"

static struct netstack stack;
static bool started;
static int start_err;
static unsigned int kicks;
static struct mutex lock = MUTEX_INIT("net");
static uint64_t prng = 42;

/* The timer task, when running: as netd.c's, it sleeps until the
 * earliest timer or a poke. */
static struct fake_task *netd;
static struct sem netd_sem = SEM_INIT("netd", 0);
static bool netd_pending; /* [a] a unit is in netd_sem */
static bool netd_stop; /* [lock] */
static uint64_t netd_until = UINT64_MAX; /* [a] */

static void netd_poke(void)
{
	if (!__atomic_exchange_n(&netd_pending, true, __ATOMIC_ACQ_REL))
		sem_up(&netd_sem);
}

static int netd_main(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t next;

		__atomic_store_n(&netd_pending, false, __ATOMIC_RELEASE);
		mutex_lock(&lock);
		if (netd_stop) {
			mutex_unlock(&lock);
			return 0;
		}
		netstack_run_timers(&stack, time_ns());
		netstack_process(&stack);
		next = netstack_next_deadline(&stack);
		__atomic_store_n(&netd_until, next, __ATOMIC_RELEASE);
		mutex_unlock(&lock);
		if (sem_timeddown(&netd_sem, next == UINT64_MAX ? 0 : next))
			continue; /* a timer is due */
	}
}

void fake_netd_run_timers(void)
{
	if (net_start() || netd)
		return;
	netd_stop = false;
	netd = fake_task_start(netd_main, NULL);
}

static void netd_end(void)
{
	if (!netd)
		return;
	mutex_lock(&lock);
	netd_stop = true;
	mutex_unlock(&lock);
	netd_poke();
	fake_task_join(netd);
	netd = NULL;
}

int net_start(void)
{
	int err;

	if (start_err)
		return start_err;
	if (started)
		return 0;
	err = netstack_init(&stack);
	if (!err)
		started = true;
	return err;
}

struct netstack *net_stack(void)
{
	return started ? &stack : NULL;
}

void net_lock(void)
{
	mutex_lock(&lock);
}

void net_unlock(void)
{
	mutex_unlock(&lock);
}

struct mutex *net_mutex(void)
{
	return &lock;
}

void net_kick(void)
{
	if (!mutex_is_owned(&lock))
		panic("net_kick without the stack mutex");
	kicks++;
	netstack_process(&stack);
	if (netd && netstack_next_deadline(&stack) <
			    __atomic_load_n(&netd_until, __ATOMIC_ACQUIRE))
		netd_poke();
}

uint64_t net_now_ns(void)
{
	return time_ns();
}

void net_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		prng = prng * 6364136223846793005ull + 1442695040888963407ull;
		p[i] = (uint8_t)(prng >> 56);
	}
}

void *heap_calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void heap_violation(const char *what, const void *ptr)
{
	(void)ptr;
	panic("heap violation: %s", what);
}

void fake_netd_reset(void)
{
	netd_end();
	if (started) {
		mutex_lock(&lock);
		netstack_destroy(&stack);
		mutex_unlock(&lock);
	}
	started = false;
	start_err = 0;
	kicks = 0;
}

void fake_netd_fail_start(int err)
{
	start_err = err;
}

unsigned int fake_netd_kicks(void)
{
	return kicks;
}

uint64_t fake_netd_mem(void)
{
	return stack.ns_mem_bytes;
}
