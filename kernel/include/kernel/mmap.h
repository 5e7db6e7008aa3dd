/* SPDX-License-Identifier: MIT */
/*
 * Anonymous private memory (what POSIX mmap/munmap/mprotect with
 * MAP_ANONYMOUS|MAP_PRIVATE give), in a virtual region of its own far above
 * the direct map. Pages are backed by zeroed frames at mmap time, never
 * lazily; no files, no sharing, no swap. libc's <sys/mman.h> wraps it.
 */
#ifndef KERNEL_MMAP_H
#define KERNEL_MMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

/* The region every mapping lives in: [MMAP_BASE, MMAP_BASE + MMAP_SIZE). */
#define MMAP_BASE 0x0000100000000000ul /* 16 TiB */
#define MMAP_SIZE (1ul << 40) /* 1 TiB */

/* Protection bits, the values of POSIX PROT_*. */
#define MMAP_PROT_NONE 0x0
#define MMAP_PROT_READ 0x1
#define MMAP_PROT_WRITE 0x2
#define MMAP_PROT_EXEC 0x4

/*
 * Policy shared by the three calls below:
 * - prot is MMAP_PROT_* bits; other bits are -EINVAL. W^X holds as in the
 *   rest of the kernel: WRITE with EXEC is refused with -EACCES (Linux
 *   would allow it). WRITE or EXEC alone implies READ (x86 cannot express
 *   write-only or execute-only pages).
 * - MMAP_PROT_NONE pages keep their frames and contents but are not
 *   present, so any access faults (ring 0 cannot express "present but
 *   inaccessible").
 * - Lengths are rounded up to whole pages.
 * - Every failure leaves mappings, frames and contents as they were.
 * Context: task context; they may not be called with IRQs off or from an
 * IRQ handler. They take the mmap lock (a mutex: they may sleep).
 * The region and its bookkeeping are set up lazily on the first call.
 */

/*
 * Maps len bytes of fresh zero-filled memory with protection prot.
 *   hint: with fixed false, a preferred address, used (rounded up to a
 *     page) when that whole range is free inside the region, else ignored.
 *     With fixed true, the exact page-aligned address: whatever was mapped
 *     in [hint, hint + len) is replaced (its old contents are gone) and
 *     the range must lie inside the region.
 *   len: bytes, > 0.
 *   out: receives the address of the mapping; untouched on error.
 * Returns 0; -EINVAL for len 0, bad prot bits, a NULL out, or with fixed a
 * misaligned hint or a range not inside the region; -EACCES for WRITE
 * with EXEC; -ENOMEM when len exceeds the region, no free range is large
 * enough, or frames, page tables or bookkeeping ran out.
 */
int __must_check mmap_anon(uintptr_t hint, size_t len, unsigned int prot,
			   bool fixed, uintptr_t *out);

/*
 * Unmaps [va, va + len) and frees its frames. Parts that are not mapped
 * are fine, and a range with no mapping at all is a success (POSIX); a
 * mapping only partly inside the range keeps its other part(s).
 * Returns 0; -EINVAL for len 0, a misaligned va or a range not inside the
 * region; -ENOMEM if cutting a mapping in two needed bookkeeping memory
 * that could not be had.
 */
int __must_check mmap_unmap(uintptr_t va, size_t len);

/*
 * Gives every page of [va, va + len) the protection prot; contents stay.
 * len 0 does nothing (as Linux).
 * Returns 0; -EINVAL for a misaligned va or bad prot bits; -EACCES for
 * WRITE with EXEC; -ENOMEM if a page of the range is not mapped by
 * mmap_anon() (memory outside the region included) or a page table could
 * not be allocated.
 */
int __must_check mmap_protect(uintptr_t va, size_t len, unsigned int prot);

#endif /* KERNEL_MMAP_H */
