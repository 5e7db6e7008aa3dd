/* SPDX-License-Identifier: MIT */
/*
 * Memory mappings: anonymous private memory only (no files, no sharing),
 * in a region of its own, backed at once by zero-filled frames. W^X holds:
 * PROT_WRITE with PROT_EXEC is refused. errno arrives with issue #5; until
 * then failures are reported by the return value only.
 */
#ifndef MOSAIC_SYS_MMAN_H
#define MOSAIC_SYS_MMAN_H

#include <stddef.h>

typedef long off_t;

#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2 /* implies PROT_READ */
#define PROT_EXEC 0x4 /* implies PROT_READ; never with PROT_WRITE */

#define MAP_SHARED 0x01 /* not supported */
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_ANON MAP_ANONYMOUS

#define MAP_FAILED ((void *)-1)

/*
 * Maps len bytes (rounded up to whole pages) of fresh zero-filled memory
 * with protection prot. flags must be MAP_PRIVATE | MAP_ANONYMOUS, plus
 * MAP_FIXED to map exactly at addr (page-aligned, inside the mmap region)
 * replacing whatever was mapped there; without MAP_FIXED addr is a hint.
 * fd must be -1 and off 0. PROT_NONE pages keep their contents, and any
 * access to them ends the image with a page-fault panic record.
 * Returns the address, or MAP_FAILED: bad flags, fd or off, len 0, bad
 * prot bits, PROT_WRITE with PROT_EXEC, a bad MAP_FIXED address, or no
 * memory or address space left. A failure changes nothing.
 */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

/*
 * Unmaps [addr, addr + len) (len rounded up to whole pages); parts that
 * are not mapped are fine. Returns 0, or -1 for len 0, a misaligned addr,
 * a range outside the mmap region (the heap, the stack, the image), or no
 * memory to split a mapping in two.
 */
int munmap(void *addr, size_t len);

/*
 * Gives the pages of [addr, addr + len) protection prot; contents stay.
 * Returns 0, or -1 for a misaligned addr, bad prot bits, PROT_WRITE with
 * PROT_EXEC, a page not mapped by mmap(), or no memory for page tables.
 */
int mprotect(void *addr, size_t len, int prot);

#endif /* MOSAIC_SYS_MMAN_H */
