/* SPDX-License-Identifier: MIT */
/*
 * Application-processor start-up. smp.c copies tramp_start..tramp_end to
 * TRAMP_CODE_PA; a STARTUP IPI with page TRAMP_CODE_PA >> 12 starts the AP
 * there in real mode with CS = TRAMP_CODE_PA >> 4, IP = 0. It switches to
 * protected mode, loads the boot CPU's CR4 and CR3, enables long mode and
 * paging, claims a slot (a stack) from the data page and calls
 * ap_entry(slot) from the image. Intel SDM vol. 3 §9.4 (MP init), §9.8
 * (switching to IA-32e mode). The layout of the data page is struct
 * tramp_data in smp.c; its offsets are pinned there by BUILD_ASSERTs.
 */
#define TRAMP_CODE_PA	0x8000
#define TRAMP_DATA_PA	0x9000
#define D_CR3		0
#define D_CR4		4
#define D_ENTRY		8
#define D_NEXT		16
#define D_STACKS	24

#define CR0_PE		(1 << 0)
#define CR0_MP		(1 << 1)
#define CR0_NE		(1 << 5)
#define CR0_WP		(1 << 16)
#define CR0_PG		(1 << 31)
#define MSR_EFER	0xC0000080
#define EFER_LME	(1 << 8)
#define EFER_NXE	(1 << 11)

#define ABS(x)		(TRAMP_CODE_PA + ((x) - tramp_start))

	.section .rodata
	.balign	16
	.globl	tramp_start, tramp_end
	.code16
tramp_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	tramp_gdt_ptr - tramp_start
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $ABS(tramp_prot)

	.code32
tramp_prot:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	TRAMP_DATA_PA + D_CR4, %eax
	mov	%eax, %cr4
	mov	TRAMP_DATA_PA + D_CR3, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	mov	$(CR0_PG | CR0_WP | CR0_NE | CR0_MP | CR0_PE), %eax
	mov	%eax, %cr0
	ljmpl	$0x18, $ABS(tramp_long)

	.code64
tramp_long:
	mov	$1, %eax
	lock xaddl %eax, TRAMP_DATA_PA + D_NEXT
	mov	%eax, %edi
	mov	TRAMP_DATA_PA + D_STACKS(, %rax, 8), %rsp
	xor	%ebp, %ebp
	pushq	$0			/* no return: ends backtraces */
	jmp	*TRAMP_DATA_PA + D_ENTRY

	.balign	8
tramp_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: 32-bit code, accessed */
	.quad	0x00cf93000000ffff	/* 0x10: data, accessed */
	.quad	0x00af9b000000ffff	/* 0x18: 64-bit code, accessed */
tramp_gdt_ptr:
	.word	tramp_gdt_ptr - tramp_gdt - 1
	.long	ABS(tramp_gdt)
tramp_end:

	.section .note.GNU-stack, "", @progbits
