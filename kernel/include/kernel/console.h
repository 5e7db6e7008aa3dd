/* SPDX-License-Identifier: MIT */
/*
 * The console: where kernel logs, panic records and the application's
 * stdout/stderr go. Drivers (UART, VGA text) register devices here from a
 * "console" initcall; output goes to every primary console, or to the
 * fallback ones when no primary console exists.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

struct console {
	const char *con_name; /* [I] */
	/*
	 * Required. Writes len bytes, turning "\n" into what the device
	 * needs. Must not allocate, block or take locks other than its own:
	 * it runs on the panic path too.
	 */
	void (*con_write)(struct console *con, const char *s, size_t len);
	bool con_fallback; /* [I] used only when no primary console exists */
	struct console *con_next; /* [G console list] */
};

/*
 * Adds con to the console list. con must stay valid forever. Called from
 * initcalls at the "console" level, before other CPUs run.
 */
void console_register(struct console *con);

/* Writes len bytes to the consoles. Any context, including panic. */
void console_write(const char *s, size_t len);

#endif /* KERNEL_CONSOLE_H */
