/* SPDX-License-Identifier: MIT */
/*
 * Integration test: an application may use names that the kernel, drivers
 * and libc use internally. Layers are localized to their exports, so these
 * definitions neither collide at link time nor replace the OS's own.
 */
#include <stdio.h>

/* Same names as kernel, boot and libc internals. */
int panic(int v);
int printk(int v);
int console_write(int v);
int kernel_main(int v);
int uart_write(int v);
int libc_stdio_flush_all(int v);
int bootinfo_from_mb1(int v);

int panic(int v)
{
	return v + 1;
}

int printk(int v)
{
	return v + 2;
}

int console_write(int v)
{
	return v + 3;
}

int kernel_main(int v)
{
	return v + 4;
}

int uart_write(int v)
{
	return v + 5;
}

int libc_stdio_flush_all(int v)
{
	return v + 6;
}

int bootinfo_from_mb1(int v)
{
	return v + 7;
}

int main(void)
{
	int sum = panic(0) + printk(0) + console_write(0) + kernel_main(0) +
		  uart_write(0) + libc_stdio_flush_all(0) +
		  bootinfo_from_mb1(0);

	if (sum != 28) {
		printf("TEST FAIL: app functions returned %d\n", sum);
		return 1;
	}
	/* The OS still prints through its own console_write. */
	printf("TEST PASS\n");
	return 0;
}
