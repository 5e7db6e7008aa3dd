/* SPDX-License-Identifier: MIT */
/*
 * Host stand-ins for what drivers/virtio calls outside itself (fake_dma.c):
 * DMA memory (malloc'd, its address taken as physical), virtio_sg_map(),
 * heap_alloc()/heap_calloc()/heap_free() and a silent log, with
 * allocation fault injection and live-allocation counts.
 */
#ifndef FAKE_DMA_H
#define FAKE_DMA_H

#include <stddef.h>

/* Makes the nth allocation from now (1: the next one, DMA or heap) fail,
 * and only that one; 0 turns injection off. */
void fake_alloc_fail_at(unsigned int nth);

/* Allocations made and not freed (DMA blocks, heap objects). */
size_t fake_dma_live(void);
size_t fake_heap_live(void);

/* log_printf() calls seen, whatever the level. */
unsigned int fake_log_count(void);

/* Sets what virtio_dma_avail() reports (1 GiB until set). */
void fake_dma_set_avail(size_t bytes);

#endif /* FAKE_DMA_H */
