/* SPDX-License-Identifier: MIT */
/*
 * setjmp/longjmp (<setjmp.h>). jmp_buf layout, 8-byte words:
 * 0 rbx, 1 rbp, 2 r12, 3 r13, 4 r14, 5 r15, 6 rsp after return,
 * 7 return address, 8 MXCSR (low half) and x87 control word (high half);
 * a sigjmp_buf adds 9 savemask and 10 the signal mask, which
 * libc_sigsetjmp_mask() (signal.c) stores and siglongjmp() restores.
 */
	.text

	.globl	sigsetjmp
	.type	sigsetjmp, @function
sigsetjmp:
	movslq	%esi, %rax
	movq	%rax, 72(%rdi)
	testq	%rax, %rax
	jz	setjmp
	/* Registers first, as for setjmp, then the mask: a tail call, so
	 * libc_sigsetjmp_mask() returns 0 straight to our caller. */
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rdx
	movq	%rdx, 48(%rdi)
	movq	(%rsp), %rdx
	movq	%rdx, 56(%rdi)
	stmxcsr	64(%rdi)
	fnstcw	68(%rdi)
	jmp	libc_sigsetjmp_mask
	.size	sigsetjmp, . - sigsetjmp

	.globl	setjmp, _setjmp
	.type	setjmp, @function
setjmp:
_setjmp:
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rdx		/* the caller's rsp after we return */
	movq	%rdx, 48(%rdi)
	movq	(%rsp), %rdx		/* where we return to */
	movq	%rdx, 56(%rdi)
	stmxcsr	64(%rdi)
	fnstcw	68(%rdi)
	xorl	%eax, %eax
	ret
	.size	setjmp, . - setjmp

	.globl	longjmp, _longjmp
	.type	longjmp, @function
longjmp:
_longjmp:
	movl	%esi, %eax
	testl	%eax, %eax
	jnz	1f
	movl	$1, %eax		/* C11: longjmp(env, 0) returns 1 */
1:	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	ldmxcsr	64(%rdi)
	fldcw	68(%rdi)
	movq	48(%rdi), %rsp
	jmpq	*56(%rdi)
	.size	longjmp, . - longjmp

	.section .note.GNU-stack, "", @progbits
