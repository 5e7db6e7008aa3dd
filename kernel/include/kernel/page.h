/* SPDX-License-Identifier: MIT */
/*
 * Page sizes and the physical-address type shared by the memory layer
 * (frames, page tables, heap, stacks). The direct map is the identity:
 * a physical address below the end of RAM is also its virtual address.
 */
#ifndef KERNEL_PAGE_H
#define KERNEL_PAGE_H

#include <stdint.h>

typedef uint64_t paddr_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define PAGE_SIZE_2M (1ul << 21)
#define PAGE_SIZE_1G (1ul << 30)

#define PAGE_ALIGN_DOWN(x) ((x) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

#endif /* KERNEL_PAGE_H */
