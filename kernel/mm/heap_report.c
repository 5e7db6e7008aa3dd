/* SPDX-License-Identifier: MIT */
/*
 * The kernel's side of heap_violation(): a heap contract violation ends the
 * image with a panic record naming it. TODO(sched): end only the offending
 * task once there are tasks to end.
 */
#include <kernel/heap.h>

#include <kernel/panic.h>

void heap_violation(const char *what, const void *ptr)
{
	panic("heap: %s (pointer %p)", what, ptr);
}
