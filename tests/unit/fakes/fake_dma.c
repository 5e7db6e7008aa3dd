/* SPDX-License-Identifier: MIT */
/*
 * Host versions of the DMA, heap and log calls of drivers/virtio
 * (fake_dma.h). DMA blocks are page-aligned and zeroed like the real
 * virtio_dma_alloc(); virtio_dma_free() checks it gets the same length.
 */
#include "fake_dma.h"

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/log.h>
#include <virtio/virtio.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_PAGE 4096u

/* One live DMA block, to check virtio_dma_free()'s length. */
struct fake_block {
	void *fb_p;
	size_t fb_len;
	struct fake_block *fb_next;
};

static struct fake_block *blocks;
static size_t dma_live, heap_live;
static unsigned int fail_countdown, log_calls;
/* What virtio_dma_avail() reports: plenty unless a test says otherwise. */
static size_t avail_bytes = (size_t)1 << 30;

void fake_alloc_fail_at(unsigned int nth)
{
	fail_countdown = nth;
}

/* True when this allocation is the one to fail. */
static bool inject_failure(void)
{
	return fail_countdown && --fail_countdown == 0;
}

size_t fake_dma_live(void)
{
	return dma_live;
}

size_t fake_heap_live(void)
{
	return heap_live;
}

unsigned int fake_log_count(void)
{
	return log_calls;
}

void *virtio_dma_alloc(size_t len)
{
	size_t bytes = (len + FAKE_PAGE - 1) & ~(size_t)(FAKE_PAGE - 1);
	struct fake_block *b;

	if (!len || inject_failure())
		return NULL;
	b = malloc(sizeof(*b));
	if (!b)
		abort();
	b->fb_p = aligned_alloc(FAKE_PAGE, bytes);
	if (!b->fb_p)
		abort();
	memset(b->fb_p, 0, bytes);
	b->fb_len = len;
	b->fb_next = blocks;
	blocks = b;
	dma_live++;
	return b->fb_p;
}

void virtio_dma_free(void *p, size_t len)
{
	struct fake_block **pp, *b;

	if (!p)
		return;
	for (pp = &blocks; *pp && (*pp)->fb_p != p; pp = &(*pp)->fb_next)
		;
	b = *pp;
	if (!b || b->fb_len != len) {
		fprintf(stderr, "fake_dma: bad free %p len %zu\n", p, len);
		abort();
	}
	*pp = b->fb_next;
	free(b->fb_p);
	free(b);
	dma_live--;
}

void fake_dma_set_avail(size_t bytes)
{
	avail_bytes = bytes;
}

size_t virtio_dma_avail(void)
{
	return avail_bytes;
}

int virtio_sg_map(const void *va, size_t len, bool write,
		  struct virtq_seg *segs, unsigned int max)
{
	if (len == 0)
		return 0;
	if (len > UINT32_MAX)
		return -E2BIG;
	if (max == 0)
		return -E2BIG;
	segs[0].vs_addr = (uint64_t)(uintptr_t)va;
	segs[0].vs_len = (uint32_t)len;
	segs[0].vs_write = write;
	return 1;
}

void *heap_alloc(size_t size)
{
	void *p;

	if (inject_failure())
		return NULL;
	p = malloc(size ? size : 1);
	if (p)
		heap_live++;
	return p;
}

void *heap_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = heap_alloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void heap_free(void *p)
{
	if (!p)
		return;
	heap_live--;
	free(p);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	(void)level;
	va_start(ap, fmt); /* formatted, so the sanitizers see the arguments */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_calls++;
}
