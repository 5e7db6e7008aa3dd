// SPDX-License-Identifier: MIT
/*
 * DMA memory for virtio (<virtio/virtio.h>): rings and request headers
 * come from the frame allocator, whose frames are identity mapped, so an
 * address is its physical address; callers' buffers are translated page
 * by page through the kernel page tables. Host tests link a fake instead.
 */
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include <kernel/string.h>
#include <kernel/vm.h>
#include <virtio/virtio.h>

static unsigned int dma_order(size_t len)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < len)
		order++;
	return order;
}

void *virtio_dma_alloc(size_t len)
{
	paddr_t pa;

	if (!len || len > (PAGE_SIZE << PMM_MAX_ORDER))
		return NULL;
	if (pmm_alloc(dma_order(len), &pa))
		return NULL;
	memset((void *)pa, 0, PAGE_SIZE << dma_order(len));
	return (void *)pa;
}

void virtio_dma_free(void *p, size_t len)
{
	if (p)
		(void)pmm_free((paddr_t)p, dma_order(len));
}

size_t virtio_dma_avail(void)
{
	struct pmm_stats st;

	pmm_get_stats(&st);
	return (size_t)st.free_pages * PAGE_SIZE;
}

int virtio_sg_map(const void *va, size_t len, bool write,
		  struct virtq_seg *segs, unsigned int max)
{
	uintptr_t a = (uintptr_t)va;
	unsigned int n = 0;

	while (len) {
		size_t chunk = PAGE_SIZE - (a & (PAGE_SIZE - 1));
		unsigned int prot;
		paddr_t pa;

		if (chunk > len)
			chunk = len;
		/* The device writes where the caller could not: refused,
		 * or DMA would get around W^X and read-only data. */
		if (mm_query(a, &pa, &prot) || (write && !(prot & VM_WRITE)))
			return -EFAULT;
		if (n && segs[n - 1].vs_addr + segs[n - 1].vs_len == pa &&
		    segs[n - 1].vs_len + chunk <= UINT32_MAX) {
			segs[n - 1].vs_len += (uint32_t)chunk;
		} else {
			if (n == max)
				return -E2BIG;
			segs[n].vs_addr = pa;
			segs[n].vs_len = (uint32_t)chunk;
			segs[n].vs_write = write;
			n++;
		}
		a += chunk;
		len -= chunk;
	}
	return (int)n;
}
