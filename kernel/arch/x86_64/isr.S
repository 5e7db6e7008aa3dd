/* SPDX-License-Identifier: MIT */
/*
 * Entry stubs for the 32 CPU exceptions. Each pushes a zero error code when
 * the CPU does not, then its vector, saves the general registers in the
 * order of struct trap_frame and calls trap_dispatch(frame).
 */
#include <kernel/percpu_offsets.h>

	.text

.macro ISR_NOERR vec
	.globl	isr_\vec
isr_\vec:
	pushq	$0
	pushq	$\vec
	jmp	isr_common
.endm

.macro ISR_ERR vec
	.globl	isr_\vec
isr_\vec:
	pushq	$\vec
	jmp	isr_common
.endm

	ISR_NOERR 0
	ISR_NOERR 1
	ISR_NOERR 2
	ISR_NOERR 3
	ISR_NOERR 4
	ISR_NOERR 5
	ISR_NOERR 6
	ISR_NOERR 7
	ISR_ERR   8
	ISR_NOERR 9
	ISR_ERR   10
	ISR_ERR   11
	ISR_ERR   12
	ISR_ERR   13
	ISR_ERR   14
	ISR_NOERR 15
	ISR_NOERR 16
	ISR_ERR   17
	ISR_NOERR 18
	ISR_NOERR 19
	ISR_NOERR 20
	ISR_ERR   21
	ISR_NOERR 22
	ISR_NOERR 23
	ISR_NOERR 24
	ISR_NOERR 25
	ISR_NOERR 26
	ISR_NOERR 27
	ISR_NOERR 28
	ISR_ERR   29
	ISR_ERR   30
	ISR_NOERR 31

/*
 * Vectors 32-255: one 8-byte stub each at irq_stubs + (vector - 32) * 8.
 * A stub pushes (vector - 128), which fits a sign-extended imm8, into the
 * error-code slot; irq_entry moves it to the vector slot, stores a zero
 * error code and joins isr_common.
 */
	.balign	8
	.globl	irq_stubs
irq_stubs:
	.set	vec, 32
	.rept	224
	.balign	8
	pushq	$(vec - 128)
	jmp	irq_entry
	.set	vec, vec + 1
	.endr

irq_entry:
	pushq	(%rsp)
	addq	$128, (%rsp)
	movq	$0, 8(%rsp)
	jmp	isr_common

	.type	isr_common, @function
isr_common:
	cld
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	mov	%rsp, %rdi
	/* Link a frame so backtraces walk from the handler into the
	 * interrupted code: [rbp] = its rbp, [rbp+8] = its rip. */
	pushq	17 * 8(%rsp)		/* frame->rip */
	pushq	%rbp
	mov	%rsp, %rbp
	and	$~15, %rsp		/* SysV alignment for the C call */
	call	trap_dispatch
	lea	16(%rbp), %rsp		/* back to the frame */
	/* Timer preemption (off unless mosaic.preempt=): an IRQ handler
	 * asked to switch tasks. Move the frame onto the interrupted task's
	 * stack (this IRQ stack is the CPU's, not the task's) and switch
	 * from there; the task resumes through the iretq below. */
	cmpl	$0, %gs:PERCPU_PREEMPT
	jne	isr_preempt
isr_return:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	add	$16, %rsp		/* vector, error code */
	iretq

isr_preempt:
	mov	%rsp, %rdi
	call	sched_preempt_frame	/* rsp is 16-aligned: 22 words */
	test	%rax, %rax
	jz	isr_return
	mov	%rax, %rsp		/* the copied frame, on the task stack */
	call	sched_preempt
	jmp	isr_return
	.size	isr_common, . - isr_common

	.section .rodata
	.balign 8
	.globl	isr_table
isr_table:
	.irp	v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	isr_\v
	.endr

	.section .note.GNU-stack, "", @progbits
