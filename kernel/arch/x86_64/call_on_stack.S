/* SPDX-License-Identifier: MIT */
/*
 * int arch_call_on_stack(uintptr_t top, int (*fn)(void *), void *arg):
 * runs fn(arg) with rsp = top (16-byte aligned) and returns its value on
 * the caller's stack. The frame pointer chain links the new stack's first
 * frame back to the caller, so backtraces cross the switch.
 */
	.text
	.globl	arch_call_on_stack
	.type	arch_call_on_stack, @function
arch_call_on_stack:
	push	%rbp
	mov	%rsp, %rbp
	mov	%rdi, %rsp
	mov	%rdx, %rdi
	call	*%rsi
	mov	%rbp, %rsp
	pop	%rbp
	ret
	.size	arch_call_on_stack, . - arch_call_on_stack

	.section .note.GNU-stack, "", @progbits
