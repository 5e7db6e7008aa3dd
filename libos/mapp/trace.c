/* SPDX-License-Identifier: MIT */
/* <mosaic/trace.h> over the kernel's trace (<kernel/trace.h>). */
#include <mosaic/trace.h>

#include <kernel/trace.h>

void mapp_trace_mark(uint64_t value)
{
	trace_mark(value);
}

int mapp_trace_dump(void)
{
	return trace_dump();
}
