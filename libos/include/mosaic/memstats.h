/* SPDX-License-Identifier: MIT */
/*
 * Memory statistics of the running appliance, for tests and debugging
 * tools: what the frame allocator has free and what the heap has out.
 */
#ifndef MOSAIC_MEMSTATS_H
#define MOSAIC_MEMSTATS_H

struct mosaic_memstats {
	unsigned long ms_total_pages; /* 4 KiB frames the OS manages */
	unsigned long ms_free_pages; /* of those, free */
	unsigned long ms_heap_objects; /* live small heap objects */
	unsigned long ms_heap_large_pages; /* pages of live large blocks */
	unsigned long ms_heap_pages; /* all pages the heap holds now */
};

/*
 * Fills *st with a snapshot. Returns 0, or -1 when st is NULL. Any task;
 * the numbers may be stale as soon as other tasks allocate.
 */
int mosaic_memstats(struct mosaic_memstats *st);

#endif /* MOSAIC_MEMSTATS_H */
