/* SPDX-License-Identifier: MIT */
/*
 * The scheduler event trace, for applications: put a mark of your own on
 * the timeline, and write the trace out now rather than only at exit.
 * Tracing is on when the image runs with `mosaic.trace=on`; the trace
 * leaves on the second serial port (`tools/run --trace FILE`) and
 * `tools/trace2json FILE` turns it into JSON for ui.perfetto.dev (see
 * docs/debugging.md, "Tracing microapps").
 */
#ifndef MOSAIC_TRACE_H
#define MOSAIC_TRACE_H

#include <stdint.h>

/*
 * Records a "mark" event carrying `value` on this CPU's timeline, stamped
 * now. Costs a load and a branch when tracing is off. Any task.
 */
void mapp_trace_mark(uint64_t value);

/*
 * Writes every CPU's trace to the second serial port now, and drains it:
 * the dump at exit then holds only what came after. Slow (every byte is
 * a port write); the other tasks keep running meanwhile. Returns 0 when
 * the trace was written, or a negative value when it was not: tracing is
 * off, the image has no second serial port, the port stopped taking
 * bytes, or another dump is running. Any task.
 */
int mapp_trace_dump(void);

#endif /* MOSAIC_TRACE_H */
