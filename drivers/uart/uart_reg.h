/* SPDX-License-Identifier: MIT */
/* 16550 UART registers, as offsets from the base port (PC16550D data sheet). */
#ifndef DRIVERS_UART_REG_H
#define DRIVERS_UART_REG_H

#define UART_COM1 0x3f8

#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch */

#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_THRE 0x20
#define UART_IIR_FIFO 0xc0 /* both set: the FIFOs are on (16550A) */
#define UART_FIFO_DEPTH 16

#define UART_BAUD_BASE 115200

#endif /* DRIVERS_UART_REG_H */
