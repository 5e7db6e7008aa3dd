/* SPDX-License-Identifier: MIT */
/* assert()'s failure path: a fault record that ends the microapp. */
#include <assert.h>

#include <kernel/panic.h>

#include "libc_impl.h"

void __assert_fail(const char *expr, const char *file, int line,
		   const char *func)
{
	libc_stdio_flush_all();
	fault_or_panic(FAULT_CODE_ASSERT, "assertion failed: %s (%s:%d, %s)",
		       expr, file, line, func);
}
