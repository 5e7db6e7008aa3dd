/* SPDX-License-Identifier: MIT */
/*
 * The three ways into the image and the common path to long mode.
 * Headers: multiboot1 with a.out-kludge fields (QEMU -kernel on pc/q35),
 * multiboot2 (GRUB, BIOS and UEFI), and the Xen PVH ELF note (QEMU -kernel
 * on microvm, Firecracker-style monitors). All three enter in 32-bit
 * protected mode with paging off; we build an identity map of the first
 * 4 GiB (2 MiB pages, the first 2 MiB in 4 KiB pages so that page 0 and the
 * boot stack's guard page can be left unmapped), enable long mode, NX,
 * CR0.WP and SSE, and call boot_main(loader, info) on the boot stack.
 * Specs: Multiboot 0.6.96 §3.1, Multiboot2 1.6 §3.1, Xen hvm_start_info.
 */
#include <boot/boot_info.h>

#define MB1_MAGIC	0x1BADB002
#define MB1_FLAGS	0x00010003	/* page-align mods, mem info, a.out kludge */
#define MB1_BOOT_MAGIC	0x2BADB002
#define MB2_MAGIC	0xE85250D6
#define MB2_BOOT_MAGIC	0x36D76289
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define BOOT_STACK_SIZE	16384
#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PS		0x080

#define CR0_MP		(1 << 1)
#define CR0_EM		(1 << 2)
#define CR0_WP		(1 << 16)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define CR4_OSFXSR	(1 << 9)
#define CR4_OSXMMEXCPT	(1 << 10)
#define MSR_EFER	0xC0000080
#define EFER_LME	(1 << 8)
#define EFER_NXE	(1 << 11)

/* ---------------------------------------------------------------- headers */
	.section .boot.header, "a"
	.balign 4
mb1_header:
	.long	MB1_MAGIC
	.long	MB1_FLAGS
	.long	(0 - (MB1_MAGIC + MB1_FLAGS)) & 0xffffffff
	.long	mb1_header		/* header_addr */
	.long	__image_start		/* load_addr */
	.long	__mb1_load_end		/* load_end_addr: end of the file's run */
	.long	__bss_end		/* bss_end_addr: the loader zeroes up to here */
	.long	_start32		/* entry_addr */

	.balign 8
mb2_header:
	.long	MB2_MAGIC
	.long	0			/* architecture: i386 protected mode */
	.long	mb2_header_end - mb2_header
	.long	(0 - (MB2_MAGIC + (mb2_header_end - mb2_header))) & 0xffffffff
	.balign 8
	.short	1, 1			/* information request, optional */
	.long	8 + 4 * 6
	.long	1, 2, 3, 6, 14, 15	/* cmdline, loader, modules, mmap, ACPI */
	.balign 8
	.short	0, 0			/* end tag */
	.long	8
mb2_header_end:

	.section .note.pvh, "a", @note
	.balign 4
	.long	4			/* namesz: "Xen\0" */
	.long	8			/* descsz: QEMU reads 64 bits in ELF64 */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
	.balign 4
	.quad	_start_pvh
	.balign 4

/* ----------------------------------------------------------- 32-bit entry */
	.section .boot.text, "ax"
	.code32
	.globl	_start32
	.type	_start32, @function
_start32:
	/* The TSC before anything else runs, for <kernel/boot_tsc.h>; eax
	 * holds the loader's magic, so park it where rdtsc cannot reach. */
	mov	%eax, %ecx
	rdtsc
	mov	%eax, boot_entry_tsc_value
	mov	%edx, boot_entry_tsc_value + 4
	mov	%ecx, %eax
	cli
	cld
	xor	%edi, %edi
	cmp	$MB1_BOOT_MAGIC, %eax
	jne	1f
	mov	$BOOT_LOADER_MULTIBOOT1, %edi
1:	cmp	$MB2_BOOT_MAGIC, %eax
	jne	2f
	mov	$BOOT_LOADER_MULTIBOOT2, %edi
2:	mov	%ebx, %esi
	jmp	common32
	.size	_start32, . - _start32

	.globl	_start_pvh
	.type	_start_pvh, @function
_start_pvh:
	rdtsc			/* PVH passes nothing in eax or edx */
	mov	%eax, boot_entry_tsc_value
	mov	%edx, boot_entry_tsc_value + 4
	cli
	cld
	mov	$BOOT_LOADER_PVH, %edi
	mov	%ebx, %esi
	jmp	common32
	.size	_start_pvh, . - _start_pvh

common32:
	mov	$boot_stack_top, %esp
	mov	%edi, boot_loader_kind
	mov	%esi, boot_loader_info

	/* Long mode must exist; NX is used only when the CPU has it. */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	test	$(1 << 29), %edx
	jz	no_long_mode
	xor	%ebx, %ebx
	test	$(1 << 20), %edx
	jz	1f
	mov	$EFER_NXE, %ebx
1:
	call	build_page_tables

	mov	%cr4, %eax
	or	$(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	or	%ebx, %eax
	wrmsr
	mov	%cr0, %eax
	and	$~CR0_EM, %eax
	or	$(CR0_PG | CR0_WP | CR0_MP), %eax
	mov	%eax, %cr0

	lgdt	boot_gdt_ptr
	ljmp	$0x08, $long_mode

/* Identity map: PML4[0] -> PDPT -> 4 PDs of 2 MiB pages (0-4 GiB); the first
 * 2 MiB goes through boot_pt so that the stack guard page is not present,
 * and so that boot_unmap_low() can drop the low 64 KiB once the loader's
 * structures (which may sit there, PVH's start_info on -M pc does) are read.
 * Only low halves are written: every loader zeroes bss (all three specs
 * require it), and no address here reaches 4 GiB. */
build_page_tables:
	mov	$boot_pdpt + PTE_P + PTE_W, %eax
	mov	%eax, boot_pml4
	mov	$boot_pd + PTE_P + PTE_W, %eax
	mov	%eax, boot_pdpt
	add	$4096, %eax
	mov	%eax, boot_pdpt + 8
	add	$4096, %eax
	mov	%eax, boot_pdpt + 16
	add	$4096, %eax
	mov	%eax, boot_pdpt + 24
	mov	$boot_pd, %edi
	mov	$boot_pd + 4096 * 4, %ecx
	mov	$(PTE_P | PTE_W | PTE_PS), %eax
	mov	$0x200000, %edx
	call	fill_entries
	mov	$boot_pt + PTE_P + PTE_W, %eax
	mov	%eax, boot_pd
	mov	$boot_pt, %edi
	mov	$boot_pt + 4096, %ecx
	mov	$(PTE_P | PTE_W), %eax
	mov	$4096, %edx
	call	fill_entries
	mov	$boot_stack_guard, %ecx
	shr	$12, %ecx
	movl	$0, boot_pt(, %ecx, 8)
	ret

/* Writes the entries eax, eax + edx, ... from edi up to ecx (a multiple
 * of four entries on), four per step: this runs before every boot.
 * Clobbers eax and edi. */
fill_entries:
1:	mov	%eax, (%edi)
	add	%edx, %eax
	mov	%eax, 8(%edi)
	add	%edx, %eax
	mov	%eax, 16(%edi)
	add	%edx, %eax
	mov	%eax, 24(%edi)
	add	%edx, %eax
	add	$32, %edi
	cmp	%ecx, %edi
	jb	1b
	ret

/* void boot_unmap_low(void): unmaps 0-64 KiB, so NULL and small offsets
 * from it fault. Called by boot_main() after the hand-off is copied. */
	.code64
	.globl	boot_unmap_low
	.type	boot_unmap_low, @function
boot_unmap_low:
	xor	%ecx, %ecx
1:	movq	$0, boot_pt(, %rcx, 8)
	mov	%rcx, %rax
	shl	$12, %rax
	invlpg	(%rax)
	inc	%ecx
	cmp	$16, %ecx
	jb	1b
	ret
	.size	boot_unmap_low, . - boot_unmap_low
	.code32

/* No long mode: say so on COM1 and stop. */
no_long_mode:
	mov	$no_lm_msg, %esi
1:	lodsb
	test	%al, %al
	jz	3f
	mov	%al, %ah
	mov	$0x3fd, %dx
2:	in	%dx, %al
	test	$0x20, %al
	jz	2b
	mov	$0x3f8, %dx
	mov	%ah, %al
	out	%al, %dx
	jmp	1b
3:	hlt
	jmp	3b

/* ----------------------------------------------------------- 64-bit entry */
	.code64
long_mode:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	mov	$boot_stack_top, %rsp
	xor	%ebp, %ebp		/* ends every frame-pointer backtrace */
	cmpl	$BOOT_LOADER_MULTIBOOT1, boot_loader_kind
	jne	1f
	call	mb1_unpack
1:	mov	boot_loader_kind, %edi
	mov	boot_loader_info, %esi
	call	boot_main
2:	hlt
	jmp	2b

/* Multiboot1 copied the file as one run, so rodata and data still sit
 * where the file has them: right after the 512-byte-aligned end of the
 * segment before (linker/image.ld). Each moves up to its page, data first;
 * both may overlap their own source, so the copies run backwards. Nothing
 * reads rodata or data before this (no_lm_msg and the GDT are in text).
 * The page tails left behind are cleared by boot_main(). */
mb1_unpack:
	std
	mov	$__mb1_data_len, %ecx
	shr	$3, %ecx
	lea	__mb1_data - 8(, %rcx, 8), %rsi
	lea	__rodata_end - 8(, %rcx, 8), %rdi
	rep movsq
	mov	$__mb1_rodata_len, %ecx
	shr	$3, %ecx
	lea	__mb1_rodata - 8(, %rcx, 8), %rsi
	lea	__rodata_start - 8(, %rcx, 8), %rdi
	rep movsq
	cld
	ret

/* ------------------------------------------------------------------- data */
	/* Read before mb1_unpack() has put rodata in place: kept in text. */
	.section .boot.text
no_lm_msg:
	.asciz	"mosaic: this CPU has no 64-bit long mode; cannot boot\r\n"

	.balign 8
boot_gdt:
	.quad	0
	/* Accessed bits preset: the CPU need not write them into text. */
	.quad	0x00af9b000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf93000000ffff	/* 0x10: data, DPL 0 */
boot_gdt_end:
	.balign 8
boot_gdt_ptr:
	.short	boot_gdt_end - boot_gdt - 1
	.quad	boot_gdt

	.section .bss.boot_stack, "aw", @nobits
	.balign 4096
	.globl	boot_stack_guard, boot_stack_top
boot_stack_guard:
	.skip	4096
boot_stack_bottom:
	.skip	BOOT_STACK_SIZE
boot_stack_top:

	.section .bss.page_aligned, "aw", @nobits
	.balign 4096
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4096 * 4
boot_pt:
	.skip	4096

	/* In .bss, which every loader clears before entry (all three specs
	 * require it) and mb1_unpack() does not touch: .data is not in place
	 * yet when the entry stores the TSC. */
	.section .bss, "aw", @nobits
	.balign 8
	.globl	boot_entry_tsc_value
boot_entry_tsc_value:
	.skip	8
boot_loader_kind:
	.skip	4
boot_loader_info:
	.skip	4

	.section .note.GNU-stack, "", @progbits
