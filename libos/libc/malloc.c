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

/* POSIX: a failed allocation sets errno to ENOMEM. Kept out of line and
 * tested by the callers, so their common path keeps nothing live across
 * the heap call. */
static void *__attribute__((noinline, cold)) nomem(void)
{
	errno = ENOMEM;
	return NULL;
}

static void set_enomem(void)
{
	errno = ENOMEM;
}

/* The heap sets errno on failure: malloc() is one jump. */
void *malloc(size_t size)
{
	return heap_alloc_or(size, set_enomem);
}

void free(void *p)
{
	heap_free(p);
}

void *calloc(size_t n, size_t size)
{
	void *p = heap_calloc(n, size);

	return likely(p) ? p : nomem();
}

void *realloc(void *p, size_t size)
{
	void *n = heap_realloc(p, size);

	return likely(n) ? n : nomem();
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
	void *p = heap_alloc_aligned(align, size);

	return likely(p) ? p : nomem();
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
