/* SPDX-License-Identifier: MIT */
/*
 * The kernel's side of heap_violation(): a heap contract violation ends the
 * offending task with a fault record naming it (its supervisor may restart
 * it), or the image with a panic record when it happened in the kernel.
 */
#include <kernel/heap.h>

#include <kernel/panic.h>

void heap_violation(const char *what, const void *ptr)
{
	fault_or_panic(FAULT_CODE_HEAP, "heap: %s (pointer %p)", what, ptr);
}
