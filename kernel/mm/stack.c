/* SPDX-License-Identifier: MIT */
/*
 * Guarded stacks (<kernel/stack.h>). Slot i of the stack region holds one
 * stack at its top; the rest of the slot stays unmapped, so running off
 * the bottom faults on a page that names its stack. Frames come one by one
 * from the pmm and are mapped 4 KiB at a time through mm_map_pages().
 */
#include <kernel/stack.h>

#include <stdbool.h>

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/page.h>
#include <kernel/pmm.h>
#include <kernel/sections.h>
#include <kernel/string.h>
#include <kernel/vm.h>

#define SLOT_CHUNK 256 /* slots per lazily allocated chunk of owners */
#define SLOT_CHUNKS (STACK_SLOTS / SLOT_CHUNK)

/* Locking: [G stack lock] TODO(smp): take it in alloc and free #4; the
 * fault path reads without it (a slot is published after its pages). */
static struct kstack **slot_owner[SLOT_CHUNKS];
static uint32_t slot_hint;

static struct kstack **owner_ref(uint32_t slot, bool create)
{
	struct kstack ***chunk = &slot_owner[slot / SLOT_CHUNK];

	if (!*chunk && create)
		*chunk = heap_calloc(SLOT_CHUNK, sizeof(**chunk));
	return *chunk ? &(*chunk)[slot % SLOT_CHUNK] : NULL;
}

/* A free slot with its owner entry allocated, or -ENOMEM. */
static int slot_take(uint32_t *out)
{
	uint32_t i;

	for (i = 0; i < STACK_SLOTS; i++) {
		uint32_t slot = (slot_hint + i) % STACK_SLOTS;
		struct kstack **ref = owner_ref(slot, true);

		if (!ref)
			return -ENOMEM;
		if (!*ref) {
			*out = slot;
			slot_hint = slot + 1;
			return 0;
		}
	}
	return -ENOMEM;
}

/* Unmaps [bottom, bottom + n pages) and returns their frames. */
static void pages_release(uintptr_t bottom, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uintptr_t va = bottom + i * PAGE_SIZE;
		paddr_t pa;

		if (mm_query(va, &pa, NULL) == 0) {
			mm_unmap_pages(va, PAGE_SIZE);
			pmm_free_page(pa);
		}
	}
}

static int pages_map(uintptr_t bottom, size_t n)
{
	size_t i;
	paddr_t pa;
	int rc;

	for (i = 0; i < n; i++) {
		rc = pmm_alloc_page(&pa);
		if (rc)
			goto err_release;
		memset((void *)pa, 0, PAGE_SIZE); /* through the direct map */
		rc = mm_map_pages(bottom + i * PAGE_SIZE, pa, PAGE_SIZE,
				  VM_WRITE);
		if (rc) {
			pmm_free_page(pa);
			goto err_release;
		}
	}
	return 0;

err_release:
	pages_release(bottom, i);
	return rc;
}

int stack_alloc(struct kstack *st, size_t size, const char *name)
{
	size_t pages = PAGE_ALIGN_UP(size) / PAGE_SIZE;
	uintptr_t top;
	uint32_t slot;
	int rc;

	if (size == 0 || size > STACK_SIZE_MAX)
		return -EINVAL;
	rc = slot_take(&slot);
	if (rc)
		return rc;
	top = STACK_REGION_BASE + ((uintptr_t)slot + 1) * STACK_SLOT_SIZE;
	rc = pages_map(top - pages * PAGE_SIZE, pages);
	if (rc)
		return rc;
	st->ks_top = top;
	st->ks_bottom = top - pages * PAGE_SIZE;
	st->ks_name = name;
	st->ks_slot = slot;
	*owner_ref(slot, false) = st;
	return 0;
}

void stack_free(struct kstack *st)
{
	struct kstack **ref = owner_ref(st->ks_slot, false);

	pages_release(st->ks_bottom, (st->ks_top - st->ks_bottom) / PAGE_SIZE);
	if (ref && *ref == st)
		*ref = NULL;
}

const char *stack_guard_owner(uintptr_t addr)
{
	uintptr_t guard = (uintptr_t)boot_stack_guard;
	const struct kstack *st;
	struct kstack **ref;
	uint64_t slot;

	if (addr >= guard && addr < guard + PAGE_SIZE)
		return "boot";
	if (addr < STACK_REGION_BASE)
		return NULL;
	slot = (addr - STACK_REGION_BASE) / STACK_SLOT_SIZE;
	if (slot >= STACK_SLOTS)
		return NULL;
	ref = slot_owner[slot / SLOT_CHUNK]
		      ? &slot_owner[slot / SLOT_CHUNK][slot % SLOT_CHUNK]
		      : NULL;
	st = ref ? *ref : NULL;
	return st && addr < st->ks_bottom ? st->ks_name : NULL;
}
