/* SPDX-License-Identifier: MIT */
/* <sched.h>: yielding the CPU and asking which one the caller runs on. */
#ifndef _SCHED_H
#define _SCHED_H

/* Lets other threads (microapps) of this CPU run first. Returns 0. */
int sched_yield(void);

/* The CPU the caller runs on now (it may move when it blocks or yields). */
int sched_getcpu(void);

#endif /* _SCHED_H */
