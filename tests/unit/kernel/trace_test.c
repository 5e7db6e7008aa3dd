/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the trace ring and dump stream (kernel/lib/trace_ring.c):
 * record encoding, wrap-around with the dropped count, draining dumps,
 * TRACE_NAME splitting, and slots overwritten while a dump reads them.
 * Dumps go to a memory sink and are decoded here by the header's layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kernel/trace.h>

#include "trace_impl.h"

#define SINK_MAX (1 << 16)

static struct {
	uint8_t buf[SINK_MAX];
	size_t len;
	/* Called once, on the first record of a dump (the owner CPU
	 * writing while the dump reads). */
	void (*on_record)(void);
} sink;

static void sink_write(void *ctx, const void *buf, size_t len)
{
	assert_ptr_equal(ctx, &sink);
	assert_true(sink.len + len <= SINK_MAX);
	memcpy(sink.buf + sink.len, buf, len);
	sink.len += len;
	if (len == sizeof(struct trace_rec) && sink.on_record) {
		void (*fn)(void) = sink.on_record;

		sink.on_record = NULL;
		fn();
	}
}

static struct trace_ring *ring_new(unsigned int cpu, uint32_t capacity)
{
	struct trace_ring *r = malloc(trace_ring_bytes(capacity));

	assert_non_null(r);
	memset(r, 0xcc, trace_ring_bytes(capacity));
	trace_ring_init(r, cpu, capacity);
	return r;
}

/* Dumps r into the sink (emptied first) and returns its section header;
 * the records follow at sink.buf + sizeof(header). */
static struct trace_cpu_hdr dump(struct trace_ring *r)
{
	struct trace_cpu_hdr h;
	uint64_t n;

	sink.len = 0;
	n = trace_ring_dump(r, sink_write, &sink);
	assert_true(sink.len >= sizeof(h));
	memcpy(&h, sink.buf, sizeof(h));
	assert_int_equal(h.tc_magic, TRACE_CPU_MAGIC);
	assert_int_equal(h.tc_count, n);
	assert_int_equal(sink.len, sizeof(h) + n * sizeof(struct trace_rec));
	return h;
}

static struct trace_rec rec_at(size_t i)
{
	struct trace_rec rec;

	memcpy(&rec, sink.buf + sizeof(struct trace_cpu_hdr) + i * sizeof(rec),
	       sizeof(rec));
	return rec;
}

static unsigned int rec_type(struct trace_rec rec)
{
	return (unsigned int)(rec.tr_stamp >> 56);
}

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct trace_rec, tr_a), 8);
	assert_int_equal(offsetof(struct trace_rec, tr_b), 12);
	assert_int_equal(offsetof(struct trace_file_hdr, th_ncpus), 12);
	assert_int_equal(offsetof(struct trace_file_hdr, th_tsc_hz), 16);
	assert_int_equal(offsetof(struct trace_file_hdr, th_app), 32);
	assert_int_equal(offsetof(struct trace_cpu_hdr, tc_dropped), 16);
	assert_int_equal(trace_ring_bytes(8),
			 sizeof(struct trace_ring) + 8 * 16);
}

static void test_encoding(void **state)
{
	struct trace_ring *r = ring_new(3, 8);
	struct trace_cpu_hdr h;
	struct trace_rec rec;

	(void)state;
	trace_ring_put(r, 0x1234, TRACE_SWITCH, 7, 5);
	/* The TSC keeps its low 56 bits; the type owns the top byte. */
	trace_ring_put(r, 0xab00000000000042ull, TRACE_MARK, 0xdeadbeef,
		       0x01234567);
	h = dump(r);
	assert_int_equal(h.tc_cpu, 3);
	assert_int_equal(h.tc_count, 2);
	assert_int_equal(h.tc_dropped, 0);
	assert_int_equal(h.tc_capacity, 8);
	rec = rec_at(0);
	assert_int_equal(rec.tr_stamp, (uint64_t)TRACE_SWITCH << 56 | 0x1234);
	assert_int_equal(rec.tr_a, 7);
	assert_int_equal(rec.tr_b, 5);
	rec = rec_at(1);
	assert_int_equal(rec_type(rec), TRACE_MARK);
	assert_int_equal(rec.tr_stamp & TRACE_TSC_MASK, 0x42);
	assert_int_equal(rec.tr_a, 0xdeadbeef);
	assert_int_equal(rec.tr_b, 0x01234567);
	free(r);
}

static void test_wrap_counts_dropped(void **state)
{
	struct trace_ring *r = ring_new(0, 8);
	struct trace_cpu_hdr h;
	uint32_t i;

	(void)state;
	for (i = 0; i < 20; i++)
		trace_ring_put(r, 100 + i, TRACE_IRQ, i, 0);
	h = dump(r);
	assert_int_equal(h.tc_count, 8);
	assert_int_equal(h.tc_dropped, 12);
	/* Oldest surviving first, in order. */
	for (i = 0; i < 8; i++) {
		assert_int_equal(rec_at(i).tr_a, 12 + i);
		assert_int_equal(rec_at(i).tr_stamp & TRACE_TSC_MASK, 112 + i);
	}
	free(r);
}

static void test_dump_drains(void **state)
{
	struct trace_ring *r = ring_new(1, 4);
	struct trace_cpu_hdr h;

	(void)state;
	h = dump(r);
	assert_int_equal(h.tc_count, 0);
	trace_ring_put(r, 1, TRACE_IDLE, 1, 0);
	trace_ring_put(r, 2, TRACE_IDLE, 0, 0);
	assert_int_equal(dump(r).tc_count, 2);
	/* Nothing new: an empty section. */
	h = dump(r);
	assert_int_equal(h.tc_count, 0);
	assert_int_equal(h.tc_dropped, 0);
	/* Drops are counted from the previous dump on. */
	for (int i = 0; i < 6; i++)
		trace_ring_put(r, 10 + i, TRACE_MARK, i, 0);
	h = dump(r);
	assert_int_equal(h.tc_count, 4);
	assert_int_equal(h.tc_dropped, 2);
	assert_int_equal(rec_at(0).tr_a, 2);
	assert_int_equal(rec_at(3).tr_a, 5);
	free(r);
}

/* Reassembles the name of `task` from the dumped TRACE_NAME records. */
static void decode_name(size_t nrecs, uint32_t task, char out[16])
{
	size_t i, k;

	memset(out, 0, 16);
	for (i = 0; i < nrecs; i++) {
		struct trace_rec rec = rec_at(i);
		unsigned int off = (rec.tr_stamp >> 48) & 0xff;
		uint8_t c[TRACE_NAME_CHUNK];

		if (rec_type(rec) != TRACE_NAME || rec.tr_a != task)
			continue;
		for (k = 0; k < 6; k++)
			c[k] = (uint8_t)(rec.tr_stamp >> (8 * k));
		for (k = 0; k < 4; k++)
			c[6 + k] = (uint8_t)(rec.tr_b >> (8 * k));
		for (k = 0; k < TRACE_NAME_CHUNK && off + k < 15; k++)
			out[off + k] = (char)c[k];
	}
}

static void test_names(void **state)
{
	struct trace_ring *r = ring_new(0, 16);
	char name[16];

	(void)state;
	assert_int_equal(trace_ring_put_name(r, 1, "main"), 1);
	assert_int_equal(trace_ring_put_name(r, 2, "abcdefghij"), 1);
	assert_int_equal(trace_ring_put_name(r, 3, "abcdefghijk"), 2);
	/* Cut to TRACE_NAME_MAX bytes. */
	assert_int_equal(trace_ring_put_name(r, 4, "a-very-long-task-name"), 2);
	assert_int_equal(trace_ring_put_name(r, 5, ""), 0);
	assert_int_equal(trace_ring_put_name(r, 6, NULL), 0);
	assert_int_equal(dump(r).tc_count, 6);
	/* The first record: bytes 0-5 in the stamp, offset 0, then 6-9. */
	assert_int_equal(rec_at(0).tr_stamp,
			 (uint64_t)TRACE_NAME << 56 | 0x6e69616dull);
	assert_int_equal(rec_at(0).tr_b, 0);
	/* The second chunk of task 3 is at offset 10. */
	assert_int_equal((rec_at(3).tr_stamp >> 48) & 0xff, 10);
	decode_name(6, 1, name);
	assert_string_equal(name, "main");
	decode_name(6, 2, name);
	assert_string_equal(name, "abcdefghij");
	decode_name(6, 3, name);
	assert_string_equal(name, "abcdefghijk");
	decode_name(6, 4, name);
	assert_string_equal(name, "a-very-long-tas");
	free(r);
}

static struct trace_ring *racing_ring;

/* The owner CPU appends two records while the dump is at its first. */
static void owner_writes_two(void)
{
	trace_ring_put(racing_ring, 50, TRACE_MARK, 4, 0);
	trace_ring_put(racing_ring, 51, TRACE_MARK, 5, 0);
}

static void test_overwritten_while_dumped(void **state)
{
	struct trace_ring *r = ring_new(0, 4);
	struct trace_cpu_hdr h;
	uint32_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		trace_ring_put(r, 40 + i, TRACE_MARK, i, 0);
	racing_ring = r;
	sink.on_record = owner_writes_two;
	h = dump(r);
	/* The section ends at the head seen on entry. Record 0 was copied
	 * before the writes; record 1 shares its slot with record 5, written
	 * meanwhile, so it comes out as TRACE_NONE rather than as a newer
	 * (or torn) record; record 2's slot is record 6's, not yet begun. */
	assert_int_equal(h.tc_count, 4);
	assert_int_equal(rec_at(0).tr_a, 0);
	assert_int_equal(rec_at(1).tr_stamp, 0);
	assert_int_equal(rec_type(rec_at(1)), TRACE_NONE);
	assert_int_equal(rec_at(2).tr_a, 2);
	assert_int_equal(rec_at(3).tr_a, 3);
	/* The next dump starts after the first one's end. */
	h = dump(r);
	assert_int_equal(h.tc_count, 2);
	assert_int_equal(h.tc_dropped, 0);
	assert_int_equal(rec_at(0).tr_a, 4);
	assert_int_equal(rec_at(1).tr_a, 5);
	free(r);
}

/* A CPU stopped (panic NMI) after reserving a record but before writing
 * it whole: the slot it was overwriting is not trusted. */
static void test_writer_stopped_mid_record(void **state)
{
	struct trace_ring *r = ring_new(0, 4);
	struct trace_cpu_hdr h;
	uint32_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		trace_ring_put(r, 60 + i, TRACE_WAKE, i, 1);
	r->tr_reserved++;
	r->tr_recs[0].tr_a = 99; /* half of record 4 */
	h = dump(r);
	assert_int_equal(h.tc_count, 4);
	assert_int_equal(rec_type(rec_at(0)), TRACE_NONE);
	for (i = 1; i < 4; i++) {
		assert_int_equal(rec_type(rec_at(i)), TRACE_WAKE);
		assert_int_equal(rec_at(i).tr_a, i);
	}
	free(r);
}

static void test_file_header(void **state)
{
	struct trace_file_hdr h;

	(void)state;
	sink.len = 0;
	trace_write_file_hdr(sink_write, &sink, 2, 2400000000ull, 0x77,
			     "an-application-name");
	assert_int_equal(sink.len, sizeof(h));
	memcpy(&h, sink.buf, sizeof(h));
	assert_memory_equal(h.th_magic, "MOSTRACE", 8);
	assert_int_equal(h.th_version, TRACE_VERSION);
	assert_int_equal(h.th_rec_size, 16);
	assert_int_equal(h.th_ncpus, 2);
	assert_int_equal(h.th_tsc_hz, 2400000000ull);
	assert_int_equal(h.th_dump_tsc, 0x77);
	assert_string_equal(h.th_app, "an-application-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_wrap_counts_dropped),
		cmocka_unit_test(test_dump_drains),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_overwritten_while_dumped),
		cmocka_unit_test(test_writer_stopped_mid_record),
		cmocka_unit_test(test_file_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
