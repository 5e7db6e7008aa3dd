/* SPDX-License-Identifier: MIT */
/*
 * The cooperative context switch. It saves what the SysV ABI makes
 * callee-saved (rbx, rbp, r12-r15, MXCSR's control bits and the x87
 * control word) on the old stack, stores the stack pointer, and resumes
 * the new stack the same way. The caller-saved registers, and the
 * FPU/SSE data registers, are dead across the call by the ABI.
 *
 *   void *arch_switch(uintptr_t *save_sp, uintptr_t new_sp, void *prev)
 * returns, on the new stack, the `prev` passed by the switch that resumed
 * it. A new task's stack is built by arch_task_stack_init() to "return"
 * into arch_task_entry, which jumps to sched_task_start(prev, task) with
 * the task in r12.
 */
	.text
	.globl	arch_switch
	.type	arch_switch, @function
arch_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	ldmxcsr (%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	movq	%rdx, %rax
	ret
	.size	arch_switch, . - arch_switch

	.globl	arch_task_entry
	.type	arch_task_entry, @function
arch_task_entry:
	movq	%rax, %rdi
	movq	%r12, %rsi
	jmp	sched_task_start	/* rsp is 8 mod 16, as after a call */
	.size	arch_task_entry, . - arch_task_entry

	.section .note.GNU-stack, "", @progbits
