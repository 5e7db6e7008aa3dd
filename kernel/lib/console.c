/* SPDX-License-Identifier: MIT */
/*
 * The console list: writes go to every primary console, or to the
 * fallback consoles (VGA text) when no primary one (serial) registered.
 */
#include <kernel/console.h>

#include <kernel/arch.h>
#include <kernel/panic.h>
#include <kernel/spinlock.h>

#define PANIC_LOCK_TRIES 1000000

/* Locking: [G console list] is written only by "console" initcalls, which
 * run on the boot CPU before any other CPU starts; read-only after. */
static struct console *consoles;
static int primary_count;
/* Keeps one writer's text together when CPUs print at once. */
static struct spinlock console_lock = SPINLOCK_INIT("console");

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

static void write_all(const char *s, size_t len)
{
	struct console *c;

	for (c = consoles; c; c = c->con_next) {
		if (c->con_fallback == (primary_count == 0))
			c->con_write(c, s, len);
	}
}

/*
 * A fault while this CPU prints (its own lock) and the panic path (the
 * holder may have been stopped) must still get their record out: they
 * try the lock for a bounded time, then write without it.
 */
void console_write(const char *s, size_t len)
{
	int i;

	if (spin_held(&console_lock)) {
		write_all(s, len);
		return;
	}
	if (panic_in_progress()) {
		for (i = 0; i < PANIC_LOCK_TRIES; i++) {
			if (spin_trylock(&console_lock)) {
				write_all(s, len);
				spin_unlock(&console_lock);
				return;
			}
			arch_cpu_relax();
		}
		write_all(s, len);
		return;
	}
	spin_lock(&console_lock);
	write_all(s, len);
	spin_unlock(&console_lock);
}
