/* SPDX-License-Identifier: MIT */
/* <mosaic/memstats.h> over the kernel's frame and heap statistics. */
#include <mosaic/memstats.h>

#include <kernel/heap.h>
#include <kernel/pmm.h>

int mosaic_memstats(struct mosaic_memstats *st)
{
	struct pmm_stats ps;
	struct heap_stats hs;
	unsigned int i;

	if (!st)
		return -1;
	pmm_get_stats(&ps);
	heap_get_stats(&hs);
	st->ms_total_pages = ps.total_pages;
	st->ms_free_pages = ps.free_pages;
	st->ms_heap_objects = 0;
	for (i = 0; i < hs.nclasses; i++)
		st->ms_heap_objects += hs.cls[i].live;
	st->ms_heap_large_pages = hs.large_live_pages;
	st->ms_heap_pages = hs.pages_held;
	return 0;
}
