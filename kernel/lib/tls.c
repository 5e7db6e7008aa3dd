/* SPDX-License-Identifier: MIT */
/*
 * Per-task TLS areas (<kernel/tls.h>). The linker's local-exec offsets
 * are (offset in the TLS segment) - (its size rounded up to its
 * alignment), so the template starts that far below the thread pointer
 * and any rounding sits between its end and the control block (x86-64
 * psABI; "ELF Handling For Thread-Local Storage" §3.4.6).
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

static size_t tls_align(void)
{
	size_t a = (size_t)(uintptr_t)__tls_align;

	return a > _Alignof(struct tls_tcb) ? a : _Alignof(struct tls_tcb);
}

/* The TLS block rounded up to its alignment: the thread pointer's
 * distance from the start of the area. */
static size_t block_size(void)
{
	size_t a = tls_align();

	return ((size_t)(uintptr_t)__tls_memsz + a - 1) & ~(a - 1);
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

	memcpy(block, __tdata_start, filesz);
	memset(block + filesz, 0, block_size() - filesz);
	return tls_tcb_init((struct tls_tcb *)(block + block_size()));
}
