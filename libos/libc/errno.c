/* SPDX-License-Identifier: MIT */
/* errno: one per microapp, kept in its task (<kernel/sched.h>). */
#include <errno.h>

#include <kernel/sched.h>

int *__errno_location(void)
{
	return sched_errno_slot();
}
