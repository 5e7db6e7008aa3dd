/* SPDX-License-Identifier: MIT */
/*
 * The trace ring and the dump stream of <kernel/trace.h>, without the
 * per-CPU, interrupt and serial-port glue of trace.c, so that the host
 * tests link trace_ring.c alone. Single writer (the owning CPU, with
 * interrupts off), single reader (the dump), no lock: the reader detects
 * a slot the writer began to overwrite before or while it was copied.
 */
#ifndef KERNEL_TRACE_IMPL_H
#define KERNEL_TRACE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/trace.h>

/* Locking: [I] immutable after init  [c] owning CPU only, interrupts off
 *          [D] the dump in progress (trace.c's dump flag) */
struct trace_ring {
	uint64_t tr_reserved; /* [c] records ever started; read by the dump */
	uint64_t tr_head; /* [c] records ever finished; read by the dump */
	uint64_t tr_tail; /* [D] first record no dump has written yet */
	uint32_t tr_mask; /* [I] capacity - 1 (capacity a power of two) */
	uint32_t tr_cpu; /* [I] the owning CPU */
	struct trace_rec tr_recs[]; /* [c] written, [D] read */
};

/* Bytes a ring of `capacity` records takes (power of two, >= 2). */
size_t trace_ring_bytes(uint32_t capacity);

/* Makes `r` (trace_ring_bytes(capacity) bytes) an empty ring of CPU `cpu`. */
void trace_ring_init(struct trace_ring *r, unsigned int cpu, uint32_t capacity);

/*
 * Appends one record; when the ring is full the oldest is overwritten.
 * `tsc` is truncated to TRACE_TSC_BITS. Owning CPU with interrupts off.
 */
void trace_ring_put(struct trace_ring *r, uint64_t tsc, unsigned int type,
		    uint32_t a, uint32_t b);

/*
 * Appends the TRACE_NAME records of `name` (its first TRACE_NAME_MAX
 * bytes; nothing for NULL or "") for task `task`. Returns how many
 * records it wrote (0-2). As trace_ring_put().
 */
int trace_ring_put_name(struct trace_ring *r, uint32_t task, const char *name);

/* Where a dump's bytes go: writes all `len` bytes of `buf`. */
typedef void (*trace_sink_fn)(void *ctx, const void *buf, size_t len);

/*
 * Writes the dump's file header for `ncpus` CPU sections to `sink`; `app`
 * is the application's name (first 15 bytes kept).
 */
void trace_write_file_hdr(trace_sink_fn sink, void *ctx, uint32_t ncpus,
			  uint64_t tsc_hz, uint64_t dump_tsc, const char *app);

/*
 * Writes `r`'s section (header, then the records not yet dumped, oldest
 * first) to `sink` and drains them. The owner may append meanwhile: the
 * section ends at the head read on entry, and a slot overwritten while it
 * was copied is written as a TRACE_NONE record. Returns the records
 * written. One dump at a time per ring ([D]).
 */
uint64_t trace_ring_dump(struct trace_ring *r, trace_sink_fn sink, void *ctx);

#endif /* KERNEL_TRACE_IMPL_H */
