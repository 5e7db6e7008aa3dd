/* SPDX-License-Identifier: MIT */
/*
 * The boot-time floor: the smallest multiboot1 kernel QEMU will load,
 * which exits through isa-debug-exit (default port 0x501) the moment it
 * runs. Booted under the same QEMU command line as a Mosaic image, its
 * wall time is what QEMU and the firmware cost on their own.
 * Built by bench/boot.py with as --32 and ld -m elf_i386.
 */
	.section .text
	.balign 4
	.long	0x1BADB002
	.long	0x00000000
	.long	-0x1BADB002
	.globl	_start
_start:
	mov	$0x501, %dx
	xor	%al, %al
	outb	%al, %dx
1:	hlt
	jmp	1b
