/* SPDX-License-Identifier: MIT */
/*
 * Guarded stacks for tasks. Each stack lives in a slot of a virtual region
 * of its own (64 KiB slots for stacks up to 60 KiB, 8 MiB slots above):
 * its pages sit at the top of the slot and everything below them is never
 * mapped, so an overflow faults instead of overwriting a neighbour, and
 * the fault is reported as a stack overflow of that stack, by name.
 */
#ifndef KERNEL_STACK_H
#define KERNEL_STACK_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

#define STACK_REGION_BASE 0x0000080000000000ul /* 8 TiB */
#define STACK_SLOT_SIZE (8ul << 20)
#define STACK_SLOTS 65536ul
#define STACK_SIZE_MAX (STACK_SLOT_SIZE - 4096) /* one guard page at least */
/* Small stacks (up to STACK_SMALL_MAX) sit in 64 KiB slots after those. */
#define STACK_SMALL_BASE (STACK_REGION_BASE + STACK_SLOTS * STACK_SLOT_SIZE)
#define STACK_SMALL_SLOT_SIZE (64ul << 10)
#define STACK_SMALL_SLOTS (1ul << 20)
#define STACK_SMALL_MAX (STACK_SMALL_SLOT_SIZE - 4096)

/* A stack. Callers embed it; they read ks_top (the initial stack pointer,
 * 16-byte aligned) and must not write any field. */
struct kstack {
	uintptr_t ks_top; /* one past the highest byte */
	uintptr_t ks_bottom; /* lowest mapped byte */
	const char *ks_name; /* for reports; must outlive the stack */
	uint32_t ks_slot;
};

/*
 * Allocates a stack of `size` bytes (rounded up to pages; 1 byte to
 * STACK_SIZE_MAX) named `name`. A new stack is backed by zeroed frames; a
 * recently freed stack of the same size may be handed out again as it
 * was left (its contents are not cleared).
 * Returns 0, -EINVAL for a bad size, or -ENOMEM (no slot, no frames, no
 * memory for the slot table); st is untouched on error. May not be called
 * from IRQ context. Takes the stack lock; any CPU.
 */
int __must_check stack_alloc(struct kstack *st, size_t size, const char *name);

/* Gives the stack back: kept mapped for reuse (up to 64 stacks), else
 * unmapped with its frames and slot returned. Never on itself. */
void stack_free(struct kstack *st);

/* Unmaps every stack kept for reuse and returns its frames. Thread
 * context. */
void stack_cache_drain(void);

/*
 * Names the stack whose guard area contains addr ("boot" for the boot
 * stack), or returns NULL. For the fault path: takes no lock, allocates
 * nothing.
 */
const char *stack_guard_owner(uintptr_t addr);

#endif /* KERNEL_STACK_H */
