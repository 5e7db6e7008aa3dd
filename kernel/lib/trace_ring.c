/* SPDX-License-Identifier: MIT */
/*
 * Trace rings and the dump stream (formats in <kernel/trace.h>). The
 * owning CPU announces a record by bumping tr_reserved, writes its slot,
 * then publishes it by bumping tr_head; the dump copies a slot and then
 * re-reads tr_reserved to learn whether the owner began overwriting it
 * meanwhile (the reader side of a seqlock, with the ring index as the
 * sequence). No hardware access: trace.c supplies the TSC, the interrupt
 * masking and the serial port.
 */
#include "trace_impl.h"

#include <kernel/string.h>

size_t trace_ring_bytes(uint32_t capacity)
{
	return sizeof(struct trace_ring) +
	       (size_t)capacity * sizeof(struct trace_rec);
}

void trace_ring_init(struct trace_ring *r, unsigned int cpu, uint32_t capacity)
{
	r->tr_reserved = 0;
	r->tr_head = 0;
	r->tr_tail = 0;
	r->tr_mask = capacity - 1;
	r->tr_cpu = cpu;
	memset(r->tr_recs, 0, (size_t)capacity * sizeof(struct trace_rec));
}

static void ring_put_raw(struct trace_ring *r, uint64_t stamp, uint32_t a,
			 uint32_t b)
{
	uint64_t head = r->tr_head;
	struct trace_rec *s = &r->tr_recs[head & r->tr_mask];

	__atomic_store_n(&r->tr_reserved, head + 1, __ATOMIC_RELAXED);
	/* A dump that sees any byte of the new record also sees the
	 * reservation (pairs with the acquire fence in ring_copy()). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->tr_stamp, stamp, __ATOMIC_RELAXED);
	__atomic_store_n(&s->tr_a, a, __ATOMIC_RELAXED);
	__atomic_store_n(&s->tr_b, b, __ATOMIC_RELAXED);
	/* Publishes the record: a dump that reads this head reads it whole. */
	__atomic_store_n(&r->tr_head, head + 1, __ATOMIC_RELEASE);
}

void trace_ring_put(struct trace_ring *r, uint64_t tsc, unsigned int type,
		    uint32_t a, uint32_t b)
{
	ring_put_raw(r, (tsc & TRACE_TSC_MASK) | (uint64_t)type << 56, a, b);
}

int trace_ring_put_name(struct trace_ring *r, uint32_t task, const char *name)
{
	size_t len = 0, off, i;
	int n = 0;

	while (name && len < TRACE_NAME_MAX && name[len])
		len++;
	for (off = 0; off < len; off += TRACE_NAME_CHUNK) {
		uint8_t c[TRACE_NAME_CHUNK] = { 0 };
		uint64_t stamp = (uint64_t)TRACE_NAME << 56;
		uint32_t b = 0;

		stamp |= (uint64_t)off << 48;

		for (i = 0; i < TRACE_NAME_CHUNK && off + i < len; i++)
			c[i] = (uint8_t)name[off + i];
		for (i = 0; i < 6; i++)
			stamp |= (uint64_t)c[i] << (8 * i);
		for (i = 0; i < 4; i++)
			b |= (uint32_t)c[6 + i] << (8 * i);
		ring_put_raw(r, stamp, task, b);
		n++;
	}
	return n;
}

void trace_write_file_hdr(trace_sink_fn sink, void *ctx, uint32_t ncpus,
			  uint64_t tsc_hz, uint64_t dump_tsc, const char *app)
{
	struct trace_file_hdr h;
	size_t i;

	memset(&h, 0, sizeof(h));
	memcpy(h.th_magic, TRACE_MAGIC, sizeof(h.th_magic));
	h.th_version = TRACE_VERSION;
	h.th_rec_size = sizeof(struct trace_rec);
	h.th_ncpus = ncpus;
	h.th_tsc_hz = tsc_hz;
	h.th_dump_tsc = dump_tsc;
	for (i = 0; app && app[i] && i < sizeof(h.th_app) - 1; i++)
		h.th_app[i] = app[i];
	sink(ctx, &h, sizeof(h));
}

/* Copies record `idx` into *out; false when the owner began to overwrite
 * its slot before or while it was copied. */
static bool ring_copy(const struct trace_ring *r, uint64_t idx,
		      struct trace_rec *out)
{
	const struct trace_rec *s = &r->tr_recs[idx & r->tr_mask];
	uint64_t reserved;

	out->tr_stamp = __atomic_load_n(&s->tr_stamp, __ATOMIC_RELAXED);
	out->tr_a = __atomic_load_n(&s->tr_a, __ATOMIC_RELAXED);
	out->tr_b = __atomic_load_n(&s->tr_b, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	reserved = __atomic_load_n(&r->tr_reserved, __ATOMIC_RELAXED);
	/* Record idx + capacity is the first to reuse the slot. */
	return reserved - idx <= (uint64_t)r->tr_mask + 1;
}

uint64_t trace_ring_dump(struct trace_ring *r, trace_sink_fn sink, void *ctx)
{
	uint64_t head = __atomic_load_n(&r->tr_head, __ATOMIC_ACQUIRE);
	uint64_t capacity = (uint64_t)r->tr_mask + 1;
	uint64_t start = r->tr_tail, idx;
	struct trace_cpu_hdr h;

	memset(&h, 0, sizeof(h));
	h.tc_magic = TRACE_CPU_MAGIC;
	h.tc_cpu = r->tr_cpu;
	h.tc_capacity = capacity;
	if (head - start > capacity) {
		h.tc_dropped = head - start - capacity;
		start = head - capacity;
	}
	h.tc_count = head - start;
	sink(ctx, &h, sizeof(h));
	for (idx = start; idx != head; idx++) {
		struct trace_rec rec;

		if (!ring_copy(r, idx, &rec))
			memset(&rec, 0, sizeof(rec));
		sink(ctx, &rec, sizeof(rec));
	}
	r->tr_tail = head;
	return h.tc_count;
}
