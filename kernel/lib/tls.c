/* SPDX-License-Identifier: MIT */
/*
 * Per-task TLS areas (<kernel/tls.h>). The linker's local-exec offsets
 * are (offset in the TLS segment) - (its size rounded up to its own
 * alignment), so the template starts that far below the thread pointer
 * (x86-64 psABI; "ELF Handling For Thread-Local Storage" §3.4.6). The
 * area may be larger below it, for the control block's alignment.
 */
#include <kernel/tls.h>

#include <kernel/page.h>
#include <kernel/sections.h>
#include <kernel/string.h>

static uint64_t canary; /* [I] after tls_init() */

void tls_init(uint64_t value)
{
	/* A zero byte first stops string overflows (strcpy) from copying
	 * past the canary and still leaves 56 random bits. */
	canary = value & ~0xffull;
}

/* The TLS segment's own alignment (at least 1). */
static size_t seg_align(void)
{
	size_t a = (size_t)(uintptr_t)__tls_align;

	return a ? a : 1;
}

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* The area's alignment: the segment's, and the control block's. */
static size_t tls_align(void)
{
	size_t a = seg_align();

	return a > _Alignof(struct tls_tcb) ? a : _Alignof(struct tls_tcb);
}

/* The segment rounded to its own alignment, as ld rounds it when it
 * computes the offsets from the thread pointer. */
static size_t seg_size(void)
{
	return round_up((size_t)(uintptr_t)__tls_memsz, seg_align());
}

/* The thread pointer's distance from the start of the area: room for the
 * segment, rounded so the control block is aligned. */
static size_t block_size(void)
{
	return round_up(seg_size(), tls_align());
}

size_t tls_area_size(void)
{
	return block_size() + sizeof(struct tls_tcb);
}

size_t tls_area_align(void)
{
	return tls_align();
}

uintptr_t tls_tcb_init(struct tls_tcb *tcb)
{
	memset(tcb, 0, sizeof(*tcb));
	tcb->tcb_self = tcb;
	tcb->tcb_self2 = tcb;
	tcb->tcb_canary = canary;
	return (uintptr_t)tcb;
}

uintptr_t tls_area_init(void *area)
{
	char *block = area;
	size_t filesz = (size_t)(__tdata_end - __tdata_start);

	/* The template ends seg_size() below the thread pointer; anything
	 * below it is padding for the control block's alignment. */
	memset(block, 0, block_size());
	memcpy(block + block_size() - seg_size(), __tdata_start, filesz);
	return tls_tcb_init((struct tls_tcb *)(block + block_size()));
}
