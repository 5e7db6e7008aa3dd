# SPDX-License-Identifier: MIT
SRCS-drivers += drivers/uart/uart.c drivers/vga/vga.c
