/* SPDX-License-Identifier: MIT */
/*
 * The console list: writes go to every primary console, or to the
 * fallback consoles (VGA text) when no primary one (serial) registered.
 */
#include <kernel/console.h>

/* Locking: [G console list] is written only by "console" initcalls, which
 * run on the boot CPU before any other CPU starts; read-only after. */
static struct console *consoles;
static int primary_count;

void console_register(struct console *con)
{
	struct console **p = &consoles;

	while (*p)
		p = &(*p)->con_next;
	con->con_next = NULL;
	*p = con;
	if (!con->con_fallback)
		primary_count++;
}

void console_write(const char *s, size_t len)
{
	struct console *c;

	for (c = consoles; c; c = c->con_next) {
		if (c->con_fallback == (primary_count == 0))
			c->con_write(c, s, len);
	}
}
