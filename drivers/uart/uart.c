/* SPDX-License-Identifier: MIT */
/*
 * 16550 serial console on COM1: probed through the scratch register,
 * programmed for 115200 8N1 with FIFOs, polled for output. Output never
 * waits forever: a transmitter that stays busy has its bytes dropped.
 * Under a hypervisor every register access is an exit, so one LSR read
 * that finds the transmitter empty pays for a FIFO's worth of bytes.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kernel/console.h>
#include <kernel/init.h>
#include <kernel/io.h>

#include "uart_reg.h"

#define THRE_POLLS 100000

/*
 * Bytes the transmit FIFO can still take without another LSR read: THRE
 * says the FIFO is empty, so it is refilled to the FIFO's depth (1
 * without FIFOs) then and only then. Locking: the console lock. A writer
 * that goes around it (a panic, a fault while printing) can at worst
 * make one FIFO's worth of bytes overrun and be lost, never stop the
 * polling for good: uart_putc() works on a copy.
 */
static unsigned int tx_depth = 1;
static unsigned int tx_room;

static bool uart_present(uint16_t base)
{
	io_outb(base + UART_SCR, 0x5a);
	if (io_inb(base + UART_SCR) != 0x5a)
		return false;
	io_outb(base + UART_SCR, 0xa5);
	return io_inb(base + UART_SCR) == 0xa5;
}

static void uart_putc(uint16_t base, char c)
{
	unsigned int room = tx_room;
	int i;

	for (i = 0; !room && i < THRE_POLLS; i++) {
		if (io_inb(base + UART_LSR) & UART_LSR_THRE)
			room = tx_depth;
	}
	if (!room)
		return;
	io_outb(base + UART_THR, (uint8_t)c);
	tx_room = room - 1;
}

static void uart_write(struct console *con, const char *s, size_t len)
{
	(void)con;
	for (; len; len--, s++) {
		if (*s == '\n')
			uart_putc(UART_COM1, '\r');
		uart_putc(UART_COM1, *s);
	}
}

static struct console uart_console = {
	.con_name = "com1",
	.con_write = uart_write,
};

static int uart_console_init(void)
{
	uint16_t div = UART_BAUD_BASE / 115200;

	if (!uart_present(UART_COM1))
		return 0; /* no serial port: the VGA fallback takes over */
	io_outb(UART_COM1 + UART_IER, 0);
	io_outb(UART_COM1 + UART_LCR, UART_LCR_DLAB);
	io_outb(UART_COM1 + UART_DLL, div & 0xff);
	io_outb(UART_COM1 + UART_DLM, div >> 8);
	io_outb(UART_COM1 + UART_LCR, UART_LCR_8N1);
	io_outb(UART_COM1 + UART_FCR, UART_FCR_ENABLE_CLEAR);
	io_outb(UART_COM1 + UART_MCR, UART_MCR_DTR_RTS);
	/* A 16450, or a 16550 with broken FIFOs, takes one byte at a time. */
	if ((io_inb(UART_COM1 + UART_IIR) & UART_IIR_FIFO) == UART_IIR_FIFO)
		tx_depth = UART_FIFO_DEPTH;
	tx_room = 0;
	console_register(&uart_console);
	return 0;
}
INITCALL(console, uart_console_init);
