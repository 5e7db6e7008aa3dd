/* SPDX-License-Identifier: MIT */
/*
 * bench/micro's Linux side, for the static glibc binary in bench/micro.py's
 * guest: pins threads with sched_setaffinity(), and "exit:STATUS" ends the
 * guest through QEMU's isa-debug-exit (its default port, 0x501), as the guest's
 * /init has no other way to hand QEMU a status.
 */
#define _GNU_SOURCE
#include "micro.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>

#define DEBUG_EXIT_PORT 0x501

int micro_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

#define STARTED_MAX 2

static struct started {
	void (*fn)(void *arg);
	void *arg;
	int cpu;
	pthread_t t;
} started[STARTED_MAX];

static void *start_pinned(void *arg)
{
	struct started *st = arg;

	if (micro_pin(st->cpu))
		return (void *)1;
	st->fn(st->arg);
	return NULL;
}

int micro_start_on(int cpu, void (*fn)(void *arg), void *arg)
{
	if (cpu < 0 || cpu >= STARTED_MAX)
		return -EINVAL;
	started[cpu].fn = fn;
	started[cpu].arg = arg;
	started[cpu].cpu = cpu;
	return -pthread_create(&started[cpu].t, NULL, start_pinned,
			       &started[cpu]);
}

int micro_join_started(int cpu)
{
	void *ret;

	if (cpu < 0 || cpu >= STARTED_MAX || pthread_join(started[cpu].t, &ret))
		return -EINVAL;
	return ret ? -EINVAL : 0;
}

int micro_side_run(const char *name, long n)
{
	if (strcmp(name, "exit"))
		return 0;
	if (n > 255 || ioperm(DEBUG_EXIT_PORT, 1, 1)) {
		printf("micro error: exit:%ld: no isa-debug-exit port\n", n);
		return -EINVAL;
	}
	fflush(stdout);
	outb((unsigned char)n, DEBUG_EXIT_PORT);
	printf("micro error: isa-debug-exit did not end QEMU\n");
	return -EIO;
}
