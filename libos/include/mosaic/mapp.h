/* SPDX-License-Identifier: MIT */
/*
 * Microapps: tasks spread over every CPU by Mosaic's cooperative
 * scheduler. A microapp runs until it blocks, yields or returns; it never
 * loses the CPU in the middle of its code. Each has a name, a guarded
 * stack (a stack overflow ends it with a record naming it), and may be
 * pinned to some CPUs. A microapp that faults (bad pointer, stack
 * overflow, divide error, invalid instruction, failed assert(), abort(),
 * heap corruption) is ended alone with a "fault:" record on the console;
 * its joiner learns about it, and a supervisor (mapp_supervise) may
 * restart it. A fault in main() still ends the whole appliance.
 *
 * All functions are safe to call from any microapp on any CPU.
 */
#ifndef MOSAIC_MAPP_H
#define MOSAIC_MAPP_H

#include <stddef.h>
#include <stdint.h>

typedef struct task *mapp_t;

/* Spawn options; a NULL pointer, or zero fields, mean the defaults. */
struct mapp_opts {
	size_t stack_size; /* bytes, 4 KiB to 8188 KiB; default 16 KiB */
	uint64_t cpu_mask; /* bit i allows CPU i; 0 allows every CPU */
};

/* How a microapp ended. */
struct mapp_exit {
	int status; /* fn's return value or mapp_exit()'s; 0 after a fault */
	int faulted; /* 1 when ended by a fault */
	char fault[64]; /* the fault, as its record's first line */
	unsigned int restarts; /* mapp_supervise(): restarts it made */
};

/*
 * Starts microapp `name` running fn(arg) on the least-loaded CPU its
 * cpu_mask allows. fn's return value is its exit status.
 *   out: receives the handle for mapp_join() (exactly once) or
 *     mapp_detach(); NULL starts it detached.
 * Returns 0, -EINVAL (NULL fn, bad stack size, cpu_mask naming no CPU),
 * or -ENOMEM. Never blocks.
 */
int mapp_spawn(mapp_t *out, const char *name, int (*fn)(void *), void *arg,
	       const struct mapp_opts *opts);

/*
 * Waits for `m` to end, fills *ex (may be NULL) and releases the handle.
 * Returns 0, or -EINVAL when m is the caller. May block.
 */
int mapp_join(mapp_t m, struct mapp_exit *ex);

/* Releases the handle: the microapp is cleaned up when it ends. */
void mapp_detach(mapp_t m);

/* Lets other microapps of this CPU run first. */
void mapp_yield(void);

/* Blocks for at least `ns` nanoseconds of CLOCK_MONOTONIC. */
void mapp_sleep_ns(uint64_t ns);

/* Ends the calling microapp with `status` (main(): the appliance). */
void mapp_exit(int status) __attribute__((noreturn));

/* The calling microapp, its id (unique in this boot) and name. */
mapp_t mapp_self(void);
uint32_t mapp_id(mapp_t m);
const char *mapp_name(mapp_t m);

/* The CPU the caller runs on now (it may move when it blocks or yields),
 * and how many CPUs the appliance uses. */
unsigned int mapp_cpu(void);
unsigned int mapp_ncpus(void);

/* Supervision. */
enum mapp_restart {
	MAPP_RESTART_NEVER, /* run once */
	MAPP_RESTART_ON_FAILURE, /* again after a fault or a non-zero status */
	MAPP_RESTART_ALWAYS, /* again whenever it ends */
};

struct mapp_policy {
	enum mapp_restart restart;
	/* At most this many restarts within any window of window_ns
	 * nanoseconds (window_ns 0: in all); one more failure in the window
	 * and the supervisor gives up. 0 restarts = none. */
	unsigned int max_restarts;
	uint64_t window_ns;
};

/*
 * Starts a supervisor microapp ("sup:" + name) that runs `name` (fn(arg),
 * opts) and restarts it by `policy`. Joining the supervisor waits until it
 * gives up or the child ends for good; its mapp_exit describes the child's
 * last run, with `restarts` set. Returns as mapp_spawn().
 */
int mapp_supervise(mapp_t *out, const char *name, int (*fn)(void *), void *arg,
		   const struct mapp_opts *opts,
		   const struct mapp_policy *policy);

/* Scheduler figures, for tests and tools. */
struct mapp_stats {
	uint64_t spawned, exited, faulted, switches, steals, ipis;
	uint32_t live; /* microapps not yet cleaned up */
};
void mapp_get_stats(struct mapp_stats *st);

/* Switches into microapps on CPU `cpu` since boot. */
uint64_t mapp_cpu_switches(unsigned int cpu);

/* Prints every microapp (id, name, state, CPU, stack) to the console. */
void mapp_dump(void);

#endif /* MOSAIC_MAPP_H */
