/* SPDX-License-Identifier: MIT */
/*
 * Thread-local storage and the stack-protector canary, x86-64 psABI
 * "variant II": each task's TLS block sits just below its thread pointer
 * (the FS base), and the thread pointer addresses a control block whose
 * first word points at itself and whose word at 0x28 holds the canary
 * that -fstack-protector code checks. The canary is random per boot and
 * the same in every block, so code running on any task's FS (interrupt
 * handlers too) agrees on it.
 */
#ifndef KERNEL_TLS_H
#define KERNEL_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

/* The thread control block at the thread pointer. */
struct tls_tcb {
	void *tcb_self; /* %fs:0, the thread pointer itself */
	void *tcb_dtv; /* unused (static image, no dynamic modules) */
	void *tcb_self2; /* %fs:0x10 */
	uint64_t tcb_reserved;
	uint64_t tcb_sysinfo;
	uint64_t tcb_canary; /* %fs:0x28 */
	uint64_t tcb_pointer_guard; /* %fs:0x30 */
};

BUILD_ASSERT(offsetof(struct tls_tcb, tcb_canary) == 0x28);

/* Picks this boot's canary. Once, before the first tls_area_init(). */
void tls_init(uint64_t canary);

/* Bytes and alignment of a task's TLS area (block + control block). */
size_t tls_area_size(void);
size_t tls_area_align(void);

/*
 * Fills a TLS area (tls_area_size() bytes at a tls_area_align()-aligned
 * address): the .tdata image, zeroes for .tbss, the control block with
 * the canary. Returns the thread pointer to load into the FS base.
 */
uintptr_t tls_area_init(void *area);

/* A control block without a TLS block, for contexts that run no
 * application code (idle loops): the canary only. Returns its pointer. */
uintptr_t tls_tcb_init(struct tls_tcb *tcb);

#endif /* KERNEL_TLS_H */
