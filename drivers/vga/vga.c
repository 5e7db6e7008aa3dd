/* SPDX-License-Identifier: MIT */
/*
 * VGA text-mode console (80x25 at 0xb8000), the fallback for BIOS machines
 * without a serial port. Registered only when a legacy BIOS booted us; used
 * only when no primary console exists (<kernel/console.h>).
 */
#include <stdint.h>

#include <kernel/console.h>
#include <kernel/init.h>
#include <kernel/platform.h>

#define VGA_TEXT 0xb8000
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700 /* light grey on black */

/* [c] written only by the console path. */
static unsigned int vga_col, vga_row;

static void vga_scroll(volatile uint16_t *fb)
{
	unsigned int i;

	for (i = 0; i < VGA_COLS * (VGA_ROWS - 1); i++)
		fb[i] = fb[i + VGA_COLS];
	for (; i < VGA_COLS * VGA_ROWS; i++)
		fb[i] = VGA_ATTR | ' ';
	vga_row = VGA_ROWS - 1;
}

static void vga_putc(volatile uint16_t *fb, char c)
{
	if (c == '\n') {
		vga_col = 0;
		vga_row++;
	} else if (c != '\r') {
		fb[vga_row * VGA_COLS + vga_col] = VGA_ATTR | (uint8_t)c;
		if (++vga_col == VGA_COLS) {
			vga_col = 0;
			vga_row++;
		}
	}
	if (vga_row == VGA_ROWS)
		vga_scroll(fb);
}

static void vga_write(struct console *con, const char *s, size_t len)
{
	volatile uint16_t *fb = (volatile uint16_t *)VGA_TEXT;

	(void)con;
	while (len--)
		vga_putc(fb, *s++);
}

static struct console vga_console = {
	.con_name = "vga",
	.con_write = vga_write,
	.con_fallback = true,
};

static int vga_console_init(void)
{
	volatile uint16_t *fb = (volatile uint16_t *)VGA_TEXT;
	unsigned int i;

	if (!platform_has_legacy_bios())
		return 0;
	for (i = 0; i < VGA_COLS * VGA_ROWS; i++)
		fb[i] = VGA_ATTR | ' ';
	console_register(&vga_console);
	return 0;
}
INITCALL(console, vga_console_init);
