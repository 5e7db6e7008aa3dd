/* SPDX-License-Identifier: MIT */
/*
 * Guarded stacks (<kernel/stack.h>). Each slot of the stack region holds
 * one stack at its top; the rest of the slot stays unmapped, so running off
 * the bottom faults on a page that names its stack. Stacks up to
 * STACK_SMALL_MAX take 64 KiB slots, 32 to a page table, so an idle
 * microapp with a 4 KiB stack costs about 4.1 KiB of page memory; larger
 * ones take 8 MiB slots. A stack's frames come from the pmm as one run
 * when they can (one mm_map_pages() call), else one by one, mapped 4 KiB
 * at a time.
 */
#include <kernel/stack.h>

#include <stdbool.h>

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/page.h>
#include <kernel/pmm.h>
#include <kernel/sections.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/vm.h>

/* Slot ids: [0, STACK_SLOTS) large, then STACK_SMALL_SLOTS small ones. */
#define SMALL_FIRST ((uint32_t)STACK_SLOTS)
#define ALL_SLOTS (STACK_SLOTS + STACK_SMALL_SLOTS)
#define SLOT_CHUNK 1024 /* slots per lazily allocated chunk of owners */
#define SLOT_CHUNKS (ALL_SLOTS / SLOT_CHUNK)

#define CACHE_MAX 64 /* freed stacks kept mapped for reuse */

/* Locking: [G stack lock]; the fault path reads slot_owner without it (a
 * slot is published after its pages). */
static struct spinlock stack_lock = SPINLOCK_INIT("stack");
static struct kstack **slot_owner[SLOT_CHUNKS];
static uint32_t slot_hint[2]; /* large, small: offset of the next try */
/* Freed stacks whose pages stay mapped: spawning and ending tasks then
 * costs neither page-table work nor a TLB shootdown. */
static struct {
	uint32_t sc_slot;
	uint32_t sc_pages;
} cache[CACHE_MAX];
static unsigned int cache_count;
/* The owner of a cached slot: taken, and no guard to name. */
static struct kstack cached_slot;

static struct kstack **owner_ref(uint32_t slot, bool create)
{
	struct kstack ***chunk = &slot_owner[slot / SLOT_CHUNK];

	if (!*chunk && create)
		*chunk = heap_calloc(SLOT_CHUNK, sizeof(**chunk));
	return *chunk ? &(*chunk)[slot % SLOT_CHUNK] : NULL;
}

/* One past the top of slot `slot`. */
static uintptr_t slot_top(uint32_t slot)
{
	if (slot < SMALL_FIRST)
		return STACK_REGION_BASE +
		       ((uintptr_t)slot + 1) * STACK_SLOT_SIZE;
	return STACK_SMALL_BASE +
	       ((uintptr_t)(slot - SMALL_FIRST) + 1) * STACK_SMALL_SLOT_SIZE;
}

/* The slot holding addr, or -1. */
static int64_t slot_of(uintptr_t addr)
{
	if (addr >= STACK_REGION_BASE && addr < STACK_SMALL_BASE)
		return (int64_t)((addr - STACK_REGION_BASE) / STACK_SLOT_SIZE);
	if (addr >= STACK_SMALL_BASE &&
	    addr - STACK_SMALL_BASE < STACK_SMALL_SLOTS * STACK_SMALL_SLOT_SIZE)
		return SMALL_FIRST + (int64_t)((addr - STACK_SMALL_BASE) /
					       STACK_SMALL_SLOT_SIZE);
	return -1;
}

/* A free slot of the kind `small` asks for, with its owner entry
 * allocated, or -ENOMEM. */
static int slot_take(bool small, uint32_t *out)
{
	uint32_t first = small ? SMALL_FIRST : 0;
	uint32_t n = small ? STACK_SMALL_SLOTS : STACK_SLOTS;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint32_t off = (slot_hint[small] + i) % n;
		struct kstack **ref = owner_ref(first + off, true);

		if (!ref)
			return -ENOMEM;
		if (!*ref) {
			*out = first + off;
			slot_hint[small] = off + 1;
			return 0;
		}
	}
	return -ENOMEM;
}

/* Unmaps [bottom, bottom + n pages) with one TLB flush, then returns
 * the frames. */
static void pages_release(uintptr_t bottom, size_t n)
{
	paddr_t frames[16];
	size_t i, done, k;

	for (done = 0; done < n; done += k) {
		uintptr_t va = bottom + done * PAGE_SIZE;
		size_t batch = n - done < 16 ? n - done : 16;

		for (i = k = 0; i < batch; i++)
			if (mm_query(va + i * PAGE_SIZE, &frames[k], NULL) == 0)
				k++;
		mm_unmap_pages(va, batch * PAGE_SIZE);
		for (i = 0; i < k; i++)
			pmm_free_page(frames[i]);
		k = batch;
	}
}

/*
 * Maps n contiguous frames at once: one page-table walk for the whole
 * stack. -ENOMEM when memory is too fragmented for that.
 */
static int pages_map_contig(uintptr_t bottom, size_t n)
{
	paddr_t pa;
	size_t i;
	int rc;

	rc = pmm_alloc_pages(n, &pa);
	if (rc)
		return rc;
	memset((void *)pa, 0, n * PAGE_SIZE); /* through the direct map */
	rc = mm_map_pages(bottom, pa, n * PAGE_SIZE, VM_WRITE);
	if (rc)
		for (i = 0; i < n; i++)
			pmm_free_page(pa + i * PAGE_SIZE);
	return rc;
}

static int pages_map(uintptr_t bottom, size_t n)
{
	size_t i;
	paddr_t pa;
	int rc;

	if (n > 1 && pages_map_contig(bottom, n) == 0)
		return 0;
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
	unsigned int i;
	int rc = 0;

	if (size == 0 || size > STACK_SIZE_MAX)
		return -EINVAL;
	spin_lock(&stack_lock);
	for (i = cache_count; i-- > 0;) {
		if (cache[i].sc_pages == pages) {
			slot = cache[i].sc_slot;
			cache[i] = cache[--cache_count];
			goto publish;
		}
	}
	rc = slot_take(pages * PAGE_SIZE <= STACK_SMALL_MAX, &slot);
	if (rc)
		goto out;
	top = slot_top(slot);
	rc = pages_map(top - pages * PAGE_SIZE, pages);
	if (rc == -ENOMEM && cache_count) {
		/* Frames parked in the cache come back for this stack. The
		 * slot stays taken while the lock is down. */
		*owner_ref(slot, false) = &cached_slot;
		spin_unlock(&stack_lock);
		stack_cache_drain();
		spin_lock(&stack_lock);
		*owner_ref(slot, false) = NULL;
		rc = pages_map(top - pages * PAGE_SIZE, pages);
	}
	if (rc)
		goto out;
publish:
	top = slot_top(slot);
	st->ks_top = top;
	st->ks_bottom = top - pages * PAGE_SIZE;
	st->ks_name = name;
	st->ks_slot = slot;
	*owner_ref(slot, false) = st;
out:
	spin_unlock(&stack_lock);
	return rc;
}

void stack_cache_drain(void)
{
	spin_lock(&stack_lock);
	while (cache_count) {
		uint32_t slot = cache[--cache_count].sc_slot;
		uintptr_t top = slot_top(slot);

		pages_release(top - (uintptr_t)cache[cache_count].sc_pages *
					      PAGE_SIZE,
			      cache[cache_count].sc_pages);
		*owner_ref(slot, false) = NULL;
	}
	spin_unlock(&stack_lock);
}

void stack_free(struct kstack *st)
{
	struct kstack **ref = owner_ref(st->ks_slot, false);
	size_t pages = (st->ks_top - st->ks_bottom) / PAGE_SIZE;

	spin_lock(&stack_lock);
	if (ref && *ref == st)
		*ref = cache_count < CACHE_MAX ? &cached_slot : NULL;
	if (cache_count < CACHE_MAX) {
		cache[cache_count].sc_slot = st->ks_slot;
		cache[cache_count].sc_pages = (uint32_t)pages;
		cache_count++;
	} else {
		pages_release(st->ks_bottom, pages);
	}
	spin_unlock(&stack_lock);
}

const char *stack_guard_owner(uintptr_t addr)
{
	uintptr_t guard = (uintptr_t)boot_stack_guard;
	const struct kstack *st;
	struct kstack **ref;
	int64_t slot;

	if (addr >= guard && addr < guard + PAGE_SIZE)
		return "boot";
	slot = slot_of(addr);
	if (slot < 0)
		return NULL;
	ref = slot_owner[slot / SLOT_CHUNK]
		      ? &slot_owner[slot / SLOT_CHUNK][slot % SLOT_CHUNK]
		      : NULL;
	st = ref ? *ref : NULL;
	return st && addr < st->ks_bottom ? st->ks_name : NULL;
}
