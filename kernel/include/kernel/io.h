/* SPDX-License-Identifier: MIT */
/*
 * Port I/O for code outside kernel/arch (drivers, ACPI). Out of line on
 * purpose: every port access is a device exit anyway, and this keeps inline
 * asm inside kernel/arch/x86_64.
 */
#ifndef KERNEL_IO_H
#define KERNEL_IO_H

#include <stdint.h>

uint8_t io_inb(uint16_t port);
uint16_t io_inw(uint16_t port);
uint32_t io_inl(uint16_t port);
void io_outb(uint16_t port, uint8_t v);
void io_outw(uint16_t port, uint16_t v);
void io_outl(uint16_t port, uint32_t v);

#endif /* KERNEL_IO_H */
