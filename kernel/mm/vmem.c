/* SPDX-License-Identifier: MIT */
/*
 * Virtual-address range allocator (<kernel/vmem.h>). Taken space is a
 * sorted singly linked list of extents that are merged whenever they touch,
 * so a change needs at most one new node; it is allocated before anything
 * changes. Lookups are linear in the number of extents.
 */
#include <kernel/vmem.h>

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/page.h>

/* Locking: [O] as the struct vmem that owns it. */
struct vmem_extent {
	struct vmem_extent *ve_next; /* [O] next higher extent, or NULL */
	uintptr_t ve_start; /* [O] page-aligned */
	uintptr_t ve_end; /* [O] page-aligned, > ve_start */
};

static bool page_aligned(uintptr_t v)
{
	return (v & (PAGE_SIZE - 1)) == 0;
}

static bool range_ok(const struct vmem *vm, uintptr_t va, size_t len)
{
	return vm && len && page_aligned(va) && page_aligned(len) &&
	       va >= vm->vr_base && va < vm->vr_end && len <= vm->vr_end - va;
}

/* The first extent that ends after va, or NULL. */
static const struct vmem_extent *first_past(const struct vmem *vm, uintptr_t va)
{
	const struct vmem_extent *e = vm->vr_taken;

	while (e && e->ve_end <= va)
		e = e->ve_next;
	return e;
}

/* The link to the first extent that ends at or after va (touches it). */
static struct vmem_extent **link_reaching(struct vmem *vm, uintptr_t va)
{
	struct vmem_extent **link = &vm->vr_taken;

	while (*link && (*link)->ve_end < va)
		link = &(*link)->ve_next;
	return link;
}

static struct vmem_extent *extent_new(uintptr_t start, uintptr_t end,
				      struct vmem_extent *next)
{
	struct vmem_extent *e = heap_alloc(sizeof(*e));

	if (e) {
		e->ve_start = start;
		e->ve_end = end;
		e->ve_next = next;
	}
	return e;
}

int vmem_init(struct vmem *vm, uintptr_t base, size_t len)
{
	if (!vm || !len || !page_aligned(base) || !page_aligned(len) ||
	    len > UINTPTR_MAX - base)
		return -EINVAL;
	vm->vr_base = base;
	vm->vr_end = base + len;
	vm->vr_taken = NULL;
	return 0;
}

void vmem_destroy(struct vmem *vm)
{
	struct vmem_extent *e;

	while ((e = vm->vr_taken)) {
		vm->vr_taken = e->ve_next;
		heap_free(e);
	}
}

/* Takes [a, b), merging every extent it touches; see vmem_claim(). */
static int take(struct vmem *vm, uintptr_t a, uintptr_t b)
{
	struct vmem_extent **link = link_reaching(vm, a);
	struct vmem_extent *e = *link, *n;

	if (!e || e->ve_start > b) {
		n = extent_new(a, b, e);
		if (!n)
			return -ENOMEM;
		*link = n;
		return 0;
	}
	if (a < e->ve_start)
		e->ve_start = a;
	/* Absorb the extents that [a, b) reaches; each ends past e. */
	while ((n = e->ve_next) && n->ve_start <= b) {
		e->ve_end = n->ve_end;
		e->ve_next = n->ve_next;
		heap_free(n);
	}
	if (e->ve_end < b)
		e->ve_end = b;
	return 0;
}

/* Frees whatever is taken in [a, b); see vmem_clear(). */
static int give(struct vmem *vm, uintptr_t a, uintptr_t b)
{
	/* The first extent that ends after a: only it can straddle a. */
	struct vmem_extent **link = link_reaching(vm, a + 1);
	struct vmem_extent *e = *link, *n;

	if (e && e->ve_start < a && e->ve_end > b) {
		n = extent_new(b, e->ve_end, e->ve_next);
		if (!n)
			return -ENOMEM;
		e->ve_end = a;
		e->ve_next = n;
		return 0;
	}
	if (e && e->ve_start < a) {
		e->ve_end = a;
		link = &e->ve_next;
	}
	while ((e = *link) && e->ve_end <= b) {
		*link = e->ve_next;
		heap_free(e);
	}
	if (e && e->ve_start < b)
		e->ve_start = b;
	return 0;
}

int vmem_find(const struct vmem *vm, size_t len, uintptr_t *out)
{
	const struct vmem_extent *e;
	uintptr_t cur;

	if (!vm || !out || !len || !page_aligned(len))
		return -EINVAL;
	cur = vm->vr_base;
	for (e = vm->vr_taken; e; e = e->ve_next) {
		if (e->ve_start - cur >= len)
			break;
		cur = e->ve_end;
	}
	if (vm->vr_end - cur < len)
		return -ENOMEM;
	*out = cur;
	return 0;
}

int vmem_alloc(struct vmem *vm, size_t len, uintptr_t *out)
{
	uintptr_t va;
	int rc;

	if (!out)
		return -EINVAL;
	rc = vmem_find(vm, len, &va);
	if (rc)
		return rc;
	rc = take(vm, va, va + len);
	if (rc)
		return rc;
	*out = va;
	return 0;
}

bool vmem_is_free(const struct vmem *vm, uintptr_t va, size_t len)
{
	const struct vmem_extent *e;

	if (!range_ok(vm, va, len))
		return false;
	e = first_past(vm, va);
	return !e || e->ve_start >= va + len;
}

int vmem_reserve(struct vmem *vm, uintptr_t va, size_t len)
{
	if (!range_ok(vm, va, len))
		return -EINVAL;
	if (!vmem_is_free(vm, va, len))
		return -EEXIST;
	return take(vm, va, va + len);
}

int vmem_release(struct vmem *vm, uintptr_t va, size_t len)
{
	const struct vmem_extent *e;

	if (!range_ok(vm, va, len))
		return -EINVAL;
	/* Extents never touch, so taken space is inside a single one. */
	e = first_past(vm, va);
	if (!e || e->ve_start > va || e->ve_end < va + len)
		return -EINVAL;
	return give(vm, va, va + len);
}

int vmem_claim(struct vmem *vm, uintptr_t va, size_t len)
{
	if (!range_ok(vm, va, len))
		return -EINVAL;
	return take(vm, va, va + len);
}

int vmem_clear(struct vmem *vm, uintptr_t va, size_t len)
{
	if (!range_ok(vm, va, len))
		return -EINVAL;
	return give(vm, va, va + len);
}
