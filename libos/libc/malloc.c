/* SPDX-License-Identifier: MIT */
/*
 * The malloc family over the kernel heap (<kernel/heap.h>), which does the
 * size classes, per-CPU caches and hardening.
 */
#include <malloc.h>
#include <stdlib.h>

#include <errno.h>

#include <kernel/errno.h>
#include <kernel/heap.h>

/* POSIX: a failed allocation sets errno to ENOMEM. */
static void *nomem(void *p)
{
	if (!p)
		errno = ENOMEM;
	return p;
}

void *malloc(size_t size)
{
	return nomem(heap_alloc(size));
}

void free(void *p)
{
	heap_free(p);
}

void *calloc(size_t n, size_t size)
{
	return nomem(heap_calloc(n, size));
}

void *realloc(void *p, size_t size)
{
	return nomem(heap_realloc(p, size));
}

static int is_pow2(size_t v)
{
	return v && !(v & (v - 1));
}

void *aligned_alloc(size_t align, size_t size)
{
	if (!is_pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return nomem(heap_alloc_aligned(align, size));
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (!is_pow2(align) || align % sizeof(void *))
		return EINVAL;
	p = heap_alloc_aligned(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

size_t malloc_usable_size(void *p)
{
	return p ? heap_usable_size(p) : 0;
}
