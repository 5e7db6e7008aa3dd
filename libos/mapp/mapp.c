/* SPDX-License-Identifier: MIT */
/* <mosaic/mapp.h> over the kernel scheduler (<kernel/sched.h>). */
#include <mosaic/mapp.h>

#include <stdlib.h>

#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <kernel/string.h>

int mapp_spawn(mapp_t *out, const char *name, int (*fn)(void *), void *arg,
	       const struct mapp_opts *opts)
{
	struct task_opts to = { 0 };

	if (opts) {
		to.to_stack_size = opts->stack_size;
		to.to_affinity = opts->cpu_mask;
	}
	return sched_spawn(out, name, fn, arg, &to);
}

int mapp_join(mapp_t m, struct mapp_exit *ex)
{
	struct task_exit te;
	int rc;

	rc = sched_join(m, &te);
	if (rc || !ex)
		return rc;
	ex->status = te.te_status;
	ex->faulted = te.te_faulted;
	kstrlcpy(ex->fault, te.te_fault, sizeof(ex->fault));
	ex->restarts = te.te_restarts;
	return 0;
}

void mapp_detach(mapp_t m)
{
	sched_detach(m);
}

void mapp_yield(void)
{
	sched_yield_cpu();
}

void mapp_sleep_ns(uint64_t ns)
{
	sched_sleep_ns(ns);
}

void mapp_exit(int status)
{
	if (task_is_root(sched_self()))
		exit(status); /* main(): atexit handlers, then the image ends */
	sched_exit(status);
}

mapp_t mapp_self(void)
{
	return sched_self();
}

uint32_t mapp_id(mapp_t m)
{
	return task_id(m);
}

const char *mapp_name(mapp_t m)
{
	return task_name(m);
}

unsigned int mapp_cpu(void)
{
	return cpu_id();
}

unsigned int mapp_ncpus(void)
{
	return cpu_count();
}

void mapp_get_stats(struct mapp_stats *st)
{
	struct sched_stats ss;

	sched_get_stats(&ss);
	st->spawned = ss.ss_spawned;
	st->exited = ss.ss_exited;
	st->faulted = ss.ss_faulted;
	st->switches = ss.ss_switches;
	st->steals = ss.ss_steals;
	st->ipis = ss.ss_ipis;
	st->live = ss.ss_live;
}

uint64_t mapp_cpu_switches(unsigned int cpu)
{
	return sched_cpu_switches(cpu);
}

void mapp_dump(void)
{
	sched_dump();
}
