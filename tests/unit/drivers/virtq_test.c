/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the split virtqueue (drivers/virtio/virtq.c) against a
 * fake device that uses the rings as a device would: it walks the avail
 * ring, follows direct and indirect chains (checking they are well
 * formed), copies the readable bytes into the writable ones, writes used
 * entries and counts the interrupts the flags or event-index rules ask
 * for. Its hostile half writes used entries the driver must refuse.
 */
#include <virtio/virtio.h>

#include <kernel/errno.h>

#include "fake_dma.h"
#include "virtq_reg.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* --- the fake device ----------------------------------------------------- */

#define DEV_MAX_SEGS 64
#define DEV_MAX_PENDING 256

struct dev_seg {
	uint8_t *ds_p;
	uint32_t ds_len;
	bool ds_write;
};

/* A chain the device took from the avail ring and has not completed. */
struct dev_chain {
	uint16_t dc_head;
	bool dc_indirect;
	unsigned int dc_nsegs;
	uint16_t dc_desc[DEV_MAX_SEGS]; /* ring descriptors (direct chains) */
	struct dev_seg dc_segs[DEV_MAX_SEGS];
};

struct fake_dev {
	struct virtq *fd_q;
	uint16_t fd_size;
	bool fd_event_idx;
	const struct virtq_desc *fd_desc;
	struct virtq_avail *fd_avail;
	struct virtq_used *fd_used;
	uint16_t *fd_used_event; /* in the avail ring */
	uint16_t *fd_avail_event; /* in the used ring */
	uint16_t fd_last_avail;
	uint16_t fd_used_idx;
	unsigned int fd_irqs;
	unsigned int fd_indirect_seen;
	unsigned int fd_npending;
	struct dev_chain fd_pending[DEV_MAX_PENDING];
};

static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

static struct fake_dev *dev_attach(struct virtq *q, bool event_idx)
{
	struct fake_dev *d = calloc(1, sizeof(*d));
	uint16_t n = virtq_size(q);
	char *used;

	assert_non_null(d);
	d->fd_q = q;
	d->fd_size = n;
	d->fd_event_idx = event_idx;
	d->fd_desc = (const struct virtq_desc *)(uintptr_t)virtq_desc_addr(q);
	d->fd_avail = (struct virtq_avail *)(uintptr_t)virtq_avail_addr(q);
	used = (char *)(uintptr_t)virtq_used_addr(q);
	d->fd_used = (struct virtq_used *)used;
	d->fd_used_event =
		(uint16_t *)((char *)d->fd_avail + VIRTQ_AVAIL_BYTES(n) - 2);
	d->fd_avail_event = (uint16_t *)(used + VIRTQ_USED_BYTES(n) - 2);
	return d;
}

/* Follows one chain, asserting the driver built it by the rules. */
static void dev_walk(struct fake_dev *d, uint16_t head, struct dev_chain *c)
{
	const struct virtq_desc *table = d->fd_desc, *x;
	unsigned int limit = d->fd_size, i = head, n = 0;
	bool seen_write = false;

	assert_true(head < d->fd_size);
	c->dc_head = head;
	c->dc_indirect = false;
	if (table[head].flags & VIRTQ_DESC_F_INDIRECT) {
		x = &table[head];
		assert_int_equal(x->flags, VIRTQ_DESC_F_INDIRECT);
		assert_int_equal(x->len % sizeof(struct virtq_desc), 0);
		limit = x->len / sizeof(struct virtq_desc);
		assert_true(limit >= 1 && limit <= d->fd_size);
		table = (const struct virtq_desc *)(uintptr_t)x->addr;
		i = 0;
		c->dc_indirect = true;
		d->fd_indirect_seen++;
	}
	for (;;) {
		assert_true(i < limit);
		assert_true(n < limit && n < DEV_MAX_SEGS); /* no loops */
		x = &table[i];
		assert_false(x->flags & VIRTQ_DESC_F_INDIRECT);
		assert_true(x->len > 0);
		if (seen_write)
			assert_true(x->flags & VIRTQ_DESC_F_WRITE);
		seen_write = x->flags & VIRTQ_DESC_F_WRITE;
		c->dc_desc[n] = (uint16_t)i;
		c->dc_segs[n].ds_p = (uint8_t *)(uintptr_t)x->addr;
		c->dc_segs[n].ds_len = x->len;
		c->dc_segs[n].ds_write = seen_write;
		n++;
		if (!(x->flags & VIRTQ_DESC_F_NEXT))
			break;
		i = x->next;
	}
	c->dc_nsegs = n;
}

/* Takes every chain the driver published; returns how many. */
static unsigned int dev_fetch(struct fake_dev *d)
{
	unsigned int n = 0;
	uint16_t head;

	while (d->fd_last_avail != d->fd_avail->idx) {
		assert_true(d->fd_npending < DEV_MAX_PENDING);
		head = d->fd_avail->ring[d->fd_last_avail & (d->fd_size - 1)];
		dev_walk(d, head, &d->fd_pending[d->fd_npending++]);
		d->fd_last_avail++;
		n++;
	}
	return n;
}

/* Writes one used entry and raises an interrupt if the driver asked. */
static void dev_push_used(struct fake_dev *d, uint32_t id, uint32_t len)
{
	uint16_t old = d->fd_used_idx;
	struct virtq_used_elem *e;

	e = &d->fd_used->ring[old & (d->fd_size - 1)];
	e->id = id;
	e->len = len;
	d->fd_used_idx++;
	d->fd_used->idx = d->fd_used_idx;
	if (d->fd_event_idx) {
		if (need_event(*d->fd_used_event, d->fd_used_idx, old))
			d->fd_irqs++;
	} else if (!(d->fd_avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT)) {
		d->fd_irqs++;
	}
}

/* An echo device: the readable bytes, in order, go to the writable ones.
 * Returns the bytes written. */
static uint32_t dev_echo(const struct dev_chain *c)
{
	uint8_t buf[DEV_MAX_SEGS * 64];
	uint32_t nread = 0, nwritten = 0, k;
	unsigned int i;

	for (i = 0; i < c->dc_nsegs; i++) {
		const struct dev_seg *s = &c->dc_segs[i];

		if (!s->ds_write) {
			assert_true(nread + s->ds_len <= sizeof(buf));
			memcpy(buf + nread, s->ds_p, s->ds_len);
			nread += s->ds_len;
			continue;
		}
		k = s->ds_len < nread - nwritten ? s->ds_len : nread - nwritten;
		memcpy(s->ds_p, buf + nwritten, k);
		nwritten += k;
	}
	return nwritten;
}

/* Completes the k-th pending chain (in fetch order). */
static void dev_complete(struct fake_dev *d, unsigned int k)
{
	struct dev_chain *c = &d->fd_pending[k];
	uint16_t head = c->dc_head;
	uint32_t len;

	assert_true(k < d->fd_npending);
	len = dev_echo(c);
	memmove(c, c + 1, (d->fd_npending - k - 1) * sizeof(*c));
	d->fd_npending--;
	dev_push_used(d, head, len);
}

static void dev_complete_all(struct fake_dev *d)
{
	while (d->fd_npending)
		dev_complete(d, 0);
}

/* --- requests ------------------------------------------------------------ */

#define REQ_SEGS 8

struct req {
	unsigned int r_out, r_in;
	uint32_t r_len[REQ_SEGS];
	uint8_t r_buf[REQ_SEGS][32];
	bool r_posted;
};

/* Sets up n_out readable and n_in writable segments of len bytes each (0:
 * lengths 1..32 from seed), the readable ones filled from seed. */
static void req_init(struct req *r, unsigned int n_out, unsigned int n_in,
		     uint32_t len, uint32_t seed)
{
	unsigned int i, j;

	assert_true(n_out + n_in <= REQ_SEGS);
	memset(r, 0, sizeof(*r));
	r->r_out = n_out;
	r->r_in = n_in;
	for (i = 0; i < n_out + n_in; i++) {
		seed = seed * 1103515245u + 12345u;
		r->r_len[i] = len ? len : 1 + (seed >> 16) % 32;
		for (j = 0; i < n_out && j < r->r_len[i]; j++)
			r->r_buf[i][j] = (uint8_t)(seed >> 8) + (uint8_t)j;
	}
}

static int req_add(struct virtq *q, struct req *r)
{
	struct virtq_seg segs[REQ_SEGS];
	unsigned int i;
	int rc;

	for (i = 0; i < r->r_out + r->r_in; i++) {
		rc = virtio_sg_map(r->r_buf[i], r->r_len[i], i >= r->r_out,
				   &segs[i], 1);
		assert_int_equal(rc, 1);
	}
	rc = virtq_add(q, segs, r->r_out, r->r_in, r);
	if (rc == 0)
		r->r_posted = true;
	return rc;
}

/* Checks the echo: written bytes and their contents. */
static void req_check(struct req *r, uint32_t written)
{
	uint8_t want[REQ_SEGS * 32], got[REQ_SEGS * 32];
	uint32_t nout = 0, nin = 0;
	unsigned int i;

	for (i = 0; i < r->r_out; i++) {
		memcpy(want + nout, r->r_buf[i], r->r_len[i]);
		nout += r->r_len[i];
	}
	for (i = r->r_out; i < r->r_out + r->r_in; i++) {
		memcpy(got + nin, r->r_buf[i], r->r_len[i]);
		nin += r->r_len[i];
	}
	assert_true(r->r_posted);
	assert_int_equal(written, nout < nin ? nout : nin);
	assert_memory_equal(got, want, written);
	r->r_posted = false;
}

/* Takes one completion and checks it is r. */
static void get_expect(struct virtq *q, struct req *r)
{
	void *cookie = NULL;
	uint32_t written = 0;

	assert_int_equal(virtq_get(q, &cookie, &written), 1);
	assert_ptr_equal(cookie, r);
	req_check(r, written);
}

static void get_none(struct virtq *q)
{
	void *cookie = NULL;
	uint32_t written = 0;

	assert_int_equal(virtq_get(q, &cookie, &written), 0);
}

/* Live allocations before make_q(), so one failed test does not fail the
 * next ones. */
static size_t base_dma, base_heap;

static struct virtq *make_q(uint16_t size, bool event_idx,
			    uint16_t indirect_max, enum virtq_layout layout)
{
	struct virtq_config cfg = {
		.vc_size = size,
		.vc_index = 3,
		.vc_layout = layout,
		.vc_event_idx = event_idx,
		.vc_indirect_max = indirect_max,
	};
	struct virtq *q = NULL;

	base_dma = fake_dma_live();
	base_heap = fake_heap_live();
	assert_int_equal(virtq_create(&cfg, &q), 0);
	assert_non_null(q);
	return q;
}

/* Destroys the queue make_q() made; it must leave nothing allocated. */
static void teardown(struct virtq *q, struct fake_dev *d)
{
	virtq_destroy(q);
	free(d);
	assert_int_equal(fake_dma_live(), base_dma);
	assert_int_equal(fake_heap_live(), base_heap);
}

/* --- configuration and layout -------------------------------------------- */

static int create_rc(uint16_t size, uint16_t indirect_max)
{
	struct virtq_config cfg = { .vc_size = size,
				    .vc_indirect_max = indirect_max };
	struct virtq *q = NULL;
	int rc = virtq_create(&cfg, &q);

	virtq_destroy(q);
	return rc;
}

static void test_config_refused(void **state)
{
	struct virtq_config cfg = { .vc_size = 8, .vc_layout = 7 };
	struct virtq *q = NULL;

	(void)state;
	assert_int_equal(create_rc(0, 0), -EINVAL);
	assert_int_equal(create_rc(3, 0), -EINVAL);
	assert_int_equal(create_rc(96, 0), -EINVAL);
	assert_int_equal(create_rc(40000, 0), -EINVAL);
	assert_int_equal(create_rc(65535, 0), -EINVAL);
	assert_int_equal(create_rc(8, 1025), -EINVAL);
	assert_int_equal(create_rc(8, UINT16_MAX), -EINVAL);
	assert_int_equal(virtq_create(&cfg, &q), -EINVAL);
	assert_int_equal(virtq_create(NULL, &q), -EINVAL);
	assert_null(q);
	assert_int_equal(create_rc(1, 0), 0);
	assert_int_equal(create_rc(8, 1024), 0);
	assert_int_equal(create_rc(32768, 0), 0);
	assert_int_equal(fake_dma_live(), 0);
	assert_int_equal(fake_heap_live(), 0);
}

/* Every allocation virtq_create() makes, failed in turn, leaks nothing. */
static void test_create_out_of_memory(void **state)
{
	unsigned int nth;
	int rc;

	(void)state;
	for (nth = 1;; nth++) {
		fake_alloc_fail_at(nth);
		rc = create_rc(16, 4);
		assert_int_equal(fake_dma_live(), 0);
		assert_int_equal(fake_heap_live(), 0);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
	}
	fake_alloc_fail_at(0);
	assert_int_equal(nth, 5); /* queue, rings, records, indirect tables */
}

static void check_zeroed(uintptr_t p, size_t len)
{
	const uint8_t *b = (const uint8_t *)p;
	size_t i;

	for (i = 0; i < len; i++)
		assert_int_equal(b[i], 0);
}

static void test_layout_modern(void **state)
{
	struct virtq *q = make_q(256, true, 0, VIRTQ_LAYOUT_MODERN);
	uintptr_t desc = virtq_desc_addr(q), avail = virtq_avail_addr(q);
	uintptr_t used = virtq_used_addr(q);

	(void)state;
	assert_int_equal(virtq_size(q), 256);
	assert_int_equal(virtq_index(q), 3);
	assert_int_equal(desc % 4096, 0);
	assert_int_equal(avail % VIRTQ_AVAIL_ALIGN, 0);
	assert_int_equal(used % VIRTQ_USED_ALIGN, 0);
	assert_true(avail >= desc + VIRTQ_DESC_BYTES(256));
	assert_true(used >= avail + VIRTQ_AVAIL_BYTES(256));
	check_zeroed(desc, VIRTQ_DESC_BYTES(256));
	check_zeroed(avail, VIRTQ_AVAIL_BYTES(256));
	check_zeroed(used, VIRTQ_USED_BYTES(256));
	teardown(q, NULL);
}

static void test_layout_legacy(void **state)
{
	struct virtq *q = make_q(256, false, 8, VIRTQ_LAYOUT_LEGACY);
	uintptr_t desc = virtq_desc_addr(q);

	(void)state;
	/* §2.7.2: desc, avail right after, used at the next 4 KiB. */
	assert_int_equal(desc % 4096, 0);
	assert_int_equal(virtq_avail_addr(q), desc + 16 * 256);
	assert_int_equal(virtq_used_addr(q),
			 desc + ((16 * 256 + 2 * (3 + 256) + 4095) & ~4095ul));
	check_zeroed(virtq_used_addr(q), VIRTQ_USED_BYTES(256));
	teardown(q, NULL);
}

/* --- adding -------------------------------------------------------------- */

static void test_add_invalid(void **state)
{
	struct virtq *q = make_q(8, false, 4, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, false);
	struct virtq_seg segs[10];
	struct virtq_stats st;
	struct req r;
	int cookie;
	unsigned int i;

	(void)state;
	for (i = 0; i < 10; i++)
		segs[i] = (struct virtq_seg){ .vs_addr = 0x1000 * (i + 1),
					      .vs_len = 16,
					      .vs_write = i >= 1 };
	assert_int_equal(virtq_add(q, segs, 0, 0, &cookie), -EINVAL);
	assert_int_equal(virtq_add(q, segs, 1, 1, NULL), -EINVAL);
	assert_int_equal(virtq_add(q, NULL, 1, 0, &cookie), -EINVAL);
	assert_int_equal(virtq_add(q, segs, 1, 8, &cookie), -EINVAL);
	assert_int_equal(virtq_add(q, segs, 9, 0, &cookie), -EINVAL);
	assert_int_equal(virtq_add(q, segs, 1, UINT32_MAX, &cookie), -EINVAL);
	assert_int_equal(virtq_add(q, segs, UINT32_MAX, 2, &cookie), -EINVAL);
	/* vs_write must match the position: readable first. */
	assert_int_equal(virtq_add(q, segs, 2, 1, &cookie), -EINVAL);
	assert_int_equal(virtq_add(q, segs + 1, 1, 0, &cookie), -EINVAL);
	segs[2].vs_len = 0;
	assert_int_equal(virtq_add(q, segs, 1, 2, &cookie), -EINVAL);
	/* §2.7.5: at most 2^32 bytes in a chain. */
	segs[1].vs_len = UINT32_MAX - 16;
	segs[2].vs_len = 2;
	assert_int_equal(virtq_add(q, segs, 1, 2, &cookie), -EINVAL);
	segs[2].vs_len = 1; /* 2^32 exactly */
	assert_int_equal(virtq_add(q, segs, 1, 2, &cookie), 0);
	assert_int_equal(virtq_outstanding(q), 1);
	assert_int_equal(dev_fetch(d), 1);
	assert_int_equal(d->fd_pending[0].dc_nsegs, 3);
	assert_int_equal(d->fd_avail->idx, 1);

	/* Nothing before was published; the queue still works. */
	req_init(&r, 1, 1, 16, 1);
	assert_int_equal(req_add(q, &r), 0);
	virtq_get_stats(q, &st);
	assert_int_equal(st.vqs_added, 2);
	assert_int_equal(st.vqs_violations, 0);
	teardown(q, d);
}

/* --- round trips --------------------------------------------------------- */

static void test_roundtrip_direct(void **state)
{
	struct virtq *q = make_q(16, false, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, false);
	struct virtq_stats st;
	struct req r[3];

	(void)state;
	req_init(&r[0], 1, 1, 24, 7);
	req_init(&r[1], 1, 0, 8, 8); /* device reads only */
	req_init(&r[2], 0, 1, 8, 9); /* device writes only */
	assert_int_equal(req_add(q, &r[0]), 0);
	assert_int_equal(req_add(q, &r[1]), 0);
	assert_int_equal(req_add(q, &r[2]), 0);
	assert_int_equal(virtq_outstanding(q), 3);
	get_none(q);
	assert_int_equal(dev_fetch(d), 3);
	assert_int_equal(d->fd_indirect_seen, 0);
	assert_int_equal(d->fd_pending[0].dc_nsegs, 2);
	dev_complete_all(d);
	get_expect(q, &r[0]);
	get_expect(q, &r[1]);
	get_expect(q, &r[2]);
	get_none(q);
	assert_int_equal(virtq_outstanding(q), 0);
	virtq_get_stats(q, &st);
	assert_int_equal(st.vqs_added, 3);
	assert_int_equal(st.vqs_completed, 3);
	teardown(q, d);
}

static void test_roundtrip_indirect(void **state)
{
	struct virtq *q = make_q(4, false, 8, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, false);
	struct req r[5];
	unsigned int i;

	(void)state;
	/* Each chain of four segments takes one ring descriptor. */
	for (i = 0; i < 4; i++) {
		req_init(&r[i], 2, 2, 0, 100 + i);
		assert_int_equal(req_add(q, &r[i]), 0);
	}
	req_init(&r[4], 1, 1, 4, 5);
	assert_int_equal(req_add(q, &r[4]), -ENOSPC);
	assert_int_equal(dev_fetch(d), 4);
	assert_int_equal(d->fd_indirect_seen, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(d->fd_pending[i].dc_nsegs, 4);
	/* A single segment never goes indirect. */
	dev_complete(d, 0);
	get_expect(q, &r[0]);
	req_init(&r[4], 0, 1, 4, 5);
	assert_int_equal(req_add(q, &r[4]), 0);
	assert_int_equal(dev_fetch(d), 1);
	assert_int_equal(d->fd_indirect_seen, 4);
	assert_false(d->fd_pending[3].dc_indirect);
	dev_complete_all(d);
	for (i = 1; i < 5; i++)
		get_expect(q, &r[i]);
	teardown(q, d);
}

/* More segments than an indirect table holds: a direct chain instead. */
static void test_indirect_fallback(void **state)
{
	struct virtq *q = make_q(8, false, 2, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, false);
	struct req r[4];

	(void)state;
	req_init(&r[0], 1, 2, 0, 1);
	req_init(&r[1], 2, 1, 0, 2);
	req_init(&r[2], 2, 2, 0, 3);
	req_init(&r[3], 1, 1, 0, 4);
	assert_int_equal(req_add(q, &r[0]), 0); /* 3 descriptors */
	assert_int_equal(req_add(q, &r[1]), 0); /* 3 more: 2 free */
	assert_int_equal(req_add(q, &r[2]), -ENOSPC);
	assert_int_equal(req_add(q, &r[3]), 0); /* indirect: 1 */
	assert_int_equal(dev_fetch(d), 3);
	assert_false(d->fd_pending[0].dc_indirect);
	assert_int_equal(d->fd_pending[0].dc_nsegs, 3);
	assert_false(d->fd_pending[1].dc_indirect);
	assert_true(d->fd_pending[2].dc_indirect);
	dev_complete(d, 1);
	get_expect(q, &r[1]);
	assert_int_equal(req_add(q, &r[2]), 0);
	assert_int_equal(dev_fetch(d), 1);
	dev_complete_all(d);
	get_expect(q, &r[0]);
	get_expect(q, &r[3]);
	get_expect(q, &r[2]);
	teardown(q, d);
}

static void test_mixed_segments(void **state)
{
	struct virtq *q = make_q(16, true, 4, VIRTQ_LAYOUT_LEGACY);
	struct fake_dev *d = dev_attach(q, true);
	struct req r[4];
	unsigned int i;

	(void)state;
	req_init(&r[0], 3, 2, 0, 11); /* direct: 5 > 4 */
	req_init(&r[1], 2, 3, 0, 12); /* direct */
	req_init(&r[2], 1, 3, 0, 13); /* indirect */
	req_init(&r[3], 3, 1, 0, 14); /* indirect */
	for (i = 0; i < 4; i++)
		assert_int_equal(req_add(q, &r[i]), 0);
	assert_int_equal(dev_fetch(d), 4);
	assert_int_equal(d->fd_indirect_seen, 2);
	dev_complete_all(d);
	for (i = 0; i < 4; i++)
		get_expect(q, &r[i]);
	teardown(q, d);
}

static void test_out_of_order(void **state)
{
	static const unsigned int order[5] = { 4, 2, 0, 1, 0 };
	static const unsigned int expect[5] = { 4, 2, 0, 3, 1 };
	struct virtq *q = make_q(16, false, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, false);
	struct req r[5];
	unsigned int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		req_init(&r[i], 1, 1, 0, 20 + i);
		assert_int_equal(req_add(q, &r[i]), 0);
	}
	assert_int_equal(dev_fetch(d), 5);
	/* pending: 0 1 2 3 4 -> complete 4, 2, 0, 3, 1 */
	for (i = 0; i < 5; i++)
		dev_complete(d, order[i]);
	for (i = 0; i < 5; i++)
		get_expect(q, &r[expect[i]]);
	get_none(q);
	teardown(q, d);
}

static void test_queue_full(void **state)
{
	struct virtq *q = make_q(4, false, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, false);
	struct req r[6];
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		req_init(&r[i], 0, 1, 8, i);
		assert_int_equal(req_add(q, &r[i]), 0);
	}
	req_init(&r[4], 0, 1, 8, 4);
	assert_int_equal(req_add(q, &r[4]), -ENOSPC);
	req_init(&r[5], 1, 1, 8, 5);
	assert_int_equal(dev_fetch(d), 4);
	dev_complete(d, 2);
	get_expect(q, &r[2]);
	assert_int_equal(req_add(q, &r[5]), -ENOSPC); /* needs 2, 1 free */
	assert_int_equal(req_add(q, &r[4]), 0);
	assert_int_equal(req_add(q, &r[5]), -ENOSPC);
	dev_complete(d, 0);
	dev_complete(d, 0);
	get_expect(q, &r[0]);
	get_expect(q, &r[1]);
	assert_int_equal(req_add(q, &r[5]), 0);
	assert_int_equal(virtq_outstanding(q), 3);
	assert_int_equal(dev_fetch(d), 2);
	dev_complete_all(d);
	get_expect(q, &r[3]);
	get_expect(q, &r[4]);
	get_expect(q, &r[5]);
	teardown(q, d);
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Many thousands of requests through a small queue: both 16-bit indices
 * wrap several times; random chains, batches and completion order. */
static void run_wrap(bool event_idx, uint16_t indirect_max)
{
	struct virtq *q =
		make_q(8, event_idx, indirect_max, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, event_idx);
	static struct req reqs[8];
	struct virtq_stats st;
	uint32_t seed = 0x9e3779b9, written;
	unsigned int total = 0, free_slot, n_out, n_in, i;
	void *cookie;
	int rc;

	while (total < 300000) {
		for (i = 0; i < 8; i++) {
			if (reqs[i].r_posted || rnd(&seed) % 4 == 0)
				continue;
			n_out = rnd(&seed) % 4;
			n_in = rnd(&seed) % 4;
			if (n_out + n_in == 0)
				n_in = 1;
			req_init(&reqs[i], n_out, n_in, 0, rnd(&seed));
			rc = req_add(q, &reqs[i]);
			assert_true(rc == 0 || rc == -ENOSPC);
			total += rc == 0;
		}
		(void)virtq_kick_prepare(q);
		dev_fetch(d);
		while (d->fd_npending && rnd(&seed) % 3)
			dev_complete(d, rnd(&seed) % d->fd_npending);
		while ((rc = virtq_get(q, &cookie, &written)) == 1)
			req_check(cookie, written);
		assert_int_equal(rc, 0);
	}
	dev_complete_all(d);
	for (free_slot = 0; virtq_get(q, &cookie, &written) == 1; free_slot++)
		req_check(cookie, written);
	assert_int_equal(virtq_outstanding(q), 0);
	virtq_get_stats(q, &st);
	assert_int_equal(st.vqs_added, total);
	assert_int_equal(st.vqs_completed, total);
	assert_int_equal(st.vqs_violations, 0);
	assert_true(d->fd_used_idx == (uint16_t)total);
	if (indirect_max)
		assert_true(d->fd_indirect_seen > 0);
	teardown(q, d);
}

static void test_wrap_direct(void **state)
{
	(void)state;
	run_wrap(false, 0);
}

static void test_wrap_indirect_event_idx(void **state)
{
	(void)state;
	run_wrap(true, 3);
}

/* --- notification suppression -------------------------------------------- */

static void add_one(struct virtq *q, struct req *r, uint32_t seed)
{
	req_init(r, 1, 1, 4, seed);
	assert_int_equal(req_add(q, r), 0);
}

static void test_kick_flags(void **state)
{
	struct virtq *q = make_q(8, false, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, false);
	struct virtq_stats st;
	struct req r[3];

	(void)state;
	assert_false(virtq_kick_prepare(q)); /* nothing added */
	add_one(q, &r[0], 1);
	assert_true(virtq_kick_prepare(q));
	assert_false(virtq_kick_prepare(q));
	d->fd_used->flags = VIRTQ_USED_F_NO_NOTIFY;
	add_one(q, &r[1], 2);
	assert_false(virtq_kick_prepare(q));
	d->fd_used->flags = 0;
	*d->fd_avail_event = 77; /* ignored without the event index */
	add_one(q, &r[2], 3);
	assert_true(virtq_kick_prepare(q));
	virtq_get_stats(q, &st);
	assert_int_equal(st.vqs_kicks, 2);
	teardown(q, d);
}

static void test_kick_event_idx(void **state)
{
	struct virtq *q = make_q(16, true, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, true);
	struct req r[8];
	void *cookie;
	uint32_t written;
	unsigned int i;

	(void)state;
	add_one(q, &r[0], 0); /* avail idx 0 -> 1, avail_event 0 */
	assert_true(virtq_kick_prepare(q));
	add_one(q, &r[1], 1); /* 1 -> 2: event 0 already passed */
	assert_false(virtq_kick_prepare(q));
	*d->fd_avail_event = 2;
	d->fd_used->flags = VIRTQ_USED_F_NO_NOTIFY; /* ignored */
	add_one(q, &r[2], 2); /* 2 -> 3 */
	assert_true(virtq_kick_prepare(q));
	*d->fd_avail_event = 4;
	add_one(q, &r[3], 3);
	add_one(q, &r[4], 4);
	add_one(q, &r[5], 5); /* 3 -> 6 crosses 4 */
	assert_true(virtq_kick_prepare(q));
	*d->fd_avail_event = 10;
	add_one(q, &r[6], 6);
	assert_false(virtq_kick_prepare(q));
	assert_false(virtq_kick_prepare(q));
	dev_fetch(d);
	dev_complete_all(d);
	for (i = 0; i < 7; i++)
		get_expect(q, &r[i]);

	/* 2^16 chains without asking: the window wrapped, kick anyway. */
	*d->fd_avail_event = (uint16_t)(d->fd_avail->idx - 100);
	for (i = 0; i < 65536; i++) {
		add_one(q, &r[7], i);
		dev_fetch(d);
		dev_complete(d, 0);
		assert_int_equal(virtq_get(q, &cookie, &written), 1);
		req_check(cookie, written);
	}
	assert_true(virtq_kick_prepare(q));
	teardown(q, d);
}

static void test_cb_flags(void **state)
{
	struct virtq *q = make_q(8, false, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, false);
	struct req r[3];

	(void)state;
	add_one(q, &r[0], 0);
	dev_fetch(d);
	dev_complete(d, 0);
	assert_int_equal(d->fd_irqs, 1);
	get_expect(q, &r[0]);

	virtq_disable_cb(q);
	assert_int_equal(d->fd_avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	add_one(q, &r[1], 1);
	dev_fetch(d);
	dev_complete(d, 0);
	assert_int_equal(d->fd_irqs, 1);
	get_expect(q, &r[1]);
	assert_true(virtq_enable_cb(q));
	assert_int_equal(d->fd_avail->flags, 0);

	/* The race: completed while interrupts were off. */
	virtq_disable_cb(q);
	add_one(q, &r[2], 2);
	dev_fetch(d);
	dev_complete(d, 0);
	assert_false(virtq_enable_cb(q));
	assert_int_equal(d->fd_irqs, 1);
	get_expect(q, &r[2]);
	assert_true(virtq_enable_cb(q));
	teardown(q, d);
}

static void test_cb_event_idx(void **state)
{
	struct virtq *q = make_q(8, true, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, true);
	struct req r[4];

	(void)state;
	add_one(q, &r[0], 0);
	dev_fetch(d);
	dev_complete(d, 0);
	assert_int_equal(d->fd_irqs, 1);
	get_expect(q, &r[0]);
	assert_int_equal(*d->fd_used_event, 1); /* kept current by get */
	add_one(q, &r[1], 1);
	dev_fetch(d);
	dev_complete(d, 0);
	assert_int_equal(d->fd_irqs, 2);
	get_expect(q, &r[1]);

	virtq_disable_cb(q);
	assert_int_equal(d->fd_avail->flags, 0); /* §2.7.7.1 */
	add_one(q, &r[2], 2);
	add_one(q, &r[3], 3);
	dev_fetch(d);
	dev_complete_all(d);
	assert_int_equal(d->fd_irqs, 2);
	get_expect(q, &r[2]);
	get_expect(q, &r[3]);
	assert_true(virtq_enable_cb(q));
	assert_int_equal(*d->fd_used_event, 4);

	/* The race, then an interrupt again once enabled. */
	virtq_disable_cb(q);
	add_one(q, &r[0], 4);
	dev_fetch(d);
	dev_complete(d, 0);
	assert_int_equal(d->fd_irqs, 2);
	assert_false(virtq_enable_cb(q));
	get_expect(q, &r[0]);
	assert_true(virtq_enable_cb(q));
	add_one(q, &r[1], 5);
	dev_fetch(d);
	dev_complete(d, 0);
	assert_int_equal(d->fd_irqs, 3);
	get_expect(q, &r[1]);
	teardown(q, d);
}

/* --- the hostile device -------------------------------------------------- */

struct hostile {
	struct virtq *h_q;
	struct fake_dev *h_d;
	struct req h_r[4];
	uint16_t h_head[4];
};

/*
 * Posts four direct chains (r[0]: 2 descriptors, 16 writable bytes;
 * r[1]: 1 readable; r[2]: 3 descriptors, 2 x 4 writable bytes; r[3]: 8
 * writable bytes), lets the device take them and completes r[1] properly.
 */
static void hostile_setup(struct hostile *h)
{
	unsigned int i;

	h->h_q = make_q(8, true, 0, VIRTQ_LAYOUT_MODERN);
	h->h_d = dev_attach(h->h_q, true);
	req_init(&h->h_r[0], 1, 1, 16, 1);
	req_init(&h->h_r[1], 1, 0, 16, 2);
	req_init(&h->h_r[2], 1, 2, 4, 3);
	req_init(&h->h_r[3], 0, 1, 8, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(req_add(h->h_q, &h->h_r[i]), 0);
	assert_int_equal(dev_fetch(h->h_d), 4);
	for (i = 0; i < 4; i++)
		h->h_head[i] = h->h_d->fd_pending[i].dc_head;
	dev_complete(h->h_d, 1);
	get_expect(h->h_q, &h->h_r[1]);
}

/* Takes one completion without checking its data. */
static void hostile_take(struct hostile *h, unsigned int i, uint32_t len)
{
	void *cookie = NULL;
	uint32_t written = 0;

	assert_int_equal(virtq_get(h->h_q, &cookie, &written), 1);
	assert_ptr_equal(cookie, &h->h_r[i]);
	assert_int_equal(written, len);
	h->h_r[i].r_posted = false;
}

/* The queue refuses the next completion and everything after; draining
 * gives back every request still posted, each once; nothing leaks. */
static void hostile_check(struct hostile *h)
{
	unsigned int logs = fake_log_count(), seen[4] = { 0 }, i, left = 0;
	struct virtq *q = h->h_q;
	struct virtq_stats st;
	struct req extra;
	void *cookie;
	uint32_t written;

	for (i = 0; i < 4; i++)
		left += h->h_r[i].r_posted;
	assert_int_equal(virtq_get(q, &cookie, &written), -EIO);
	assert_true(virtq_is_broken(q));
	assert_int_equal(fake_log_count(), logs + 1);
	assert_int_equal(virtq_get(q, &cookie, &written), -EIO);
	req_init(&extra, 1, 1, 4, 9);
	assert_int_equal(req_add(q, &extra), -EIO);
	assert_false(virtq_kick_prepare(q));
	assert_false(virtq_enable_cb(q));
	virtq_get_stats(q, &st);
	assert_int_equal(st.vqs_violations, 1);
	assert_int_equal(st.vqs_completed, st.vqs_added - left);
	assert_int_equal(virtq_outstanding(q), left);
	while ((cookie = virtq_drain(q)) != NULL) {
		i = (unsigned int)((struct req *)cookie - h->h_r);
		assert_true(i < 4 && h->h_r[i].r_posted);
		seen[i]++;
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(seen[i], h->h_r[i].r_posted ? 1 : 0);
	assert_null(virtq_drain(q));
	assert_int_equal(virtq_outstanding(q), 0);
	assert_int_equal(fake_log_count(), logs + 1);
	teardown(q, h->h_d);
}

static void test_hostile_id_out_of_range(void **state)
{
	struct hostile h;

	(void)state;
	hostile_setup(&h);
	dev_push_used(h.h_d, 8, 0);
	hostile_check(&h);

	hostile_setup(&h);
	dev_push_used(h.h_d, UINT32_MAX, 0);
	hostile_check(&h);
}

static void test_hostile_id_chain_member(void **state)
{
	struct hostile h;
	const struct dev_chain *c;

	(void)state;
	hostile_setup(&h);
	c = &h.h_d->fd_pending[1]; /* r[2]: 3 descriptors */
	assert_int_equal(c->dc_nsegs, 3);
	dev_push_used(h.h_d, c->dc_desc[2], 0);
	hostile_check(&h);
}

static void test_hostile_id_never_posted(void **state)
{
	struct hostile h;

	(void)state;
	hostile_setup(&h);
	dev_push_used(h.h_d, 7, 0); /* 7 descriptors were used: 7 is free */
	hostile_check(&h);
}

static void test_hostile_len(void **state)
{
	struct hostile h;

	(void)state;
	hostile_setup(&h);
	dev_push_used(h.h_d, h.h_head[0], 17); /* 16 posted */
	hostile_check(&h);

	/* Exactly what was posted is fine; one byte more is not. */
	hostile_setup(&h);
	dev_push_used(h.h_d, h.h_head[2], 8);
	hostile_take(&h, 2, 8);
	dev_push_used(h.h_d, h.h_head[3], 9);
	hostile_check(&h);

	/* Anything on a chain the device may only read. */
	hostile_setup(&h);
	req_init(&h.h_r[1], 2, 0, 4, 5);
	assert_int_equal(req_add(h.h_q, &h.h_r[1]), 0);
	assert_int_equal(dev_fetch(h.h_d), 1);
	dev_push_used(h.h_d, h.h_d->fd_pending[3].dc_head, 1);
	hostile_check(&h);
}

static void test_hostile_used_idx(void **state)
{
	struct hostile h;

	(void)state;
	/* Past the outstanding count (3), within the ring. */
	hostile_setup(&h);
	h.h_d->fd_used->idx = (uint16_t)(h.h_d->fd_used_idx + 4);
	hostile_check(&h);
	/* Past the ring. */
	hostile_setup(&h);
	h.h_d->fd_used->idx = (uint16_t)(h.h_d->fd_used_idx + 9);
	hostile_check(&h);
	/* Backwards. */
	hostile_setup(&h);
	h.h_d->fd_used->idx = (uint16_t)(h.h_d->fd_used_idx - 1);
	hostile_check(&h);
	/* One valid entry, then a jump: the first is still delivered. */
	hostile_setup(&h);
	dev_push_used(h.h_d, h.h_head[3], 0);
	hostile_take(&h, 3, 0);
	h.h_d->fd_used->idx = (uint16_t)(h.h_d->fd_used_idx + 3);
	hostile_check(&h);
}

static void test_hostile_repeat(void **state)
{
	struct hostile h;

	(void)state;
	/* r[1] came back in setup: its id again. */
	hostile_setup(&h);
	dev_push_used(h.h_d, h.h_head[1], 0);
	hostile_check(&h);

	/* The same id twice in one batch. */
	hostile_setup(&h);
	dev_push_used(h.h_d, h.h_head[3], 8);
	dev_push_used(h.h_d, h.h_head[3], 8);
	hostile_take(&h, 3, 8);
	hostile_check(&h);
}

/* After a device reset (no violation): drain returns all, then refuses. */
static void test_drain_after_reset(void **state)
{
	struct virtq *q = make_q(8, false, 4, VIRTQ_LAYOUT_MODERN);
	struct req r[3];
	struct virtq_stats st;

	(void)state;
	add_one(q, &r[0], 0);
	req_init(&r[1], 2, 2, 4, 1);
	assert_int_equal(req_add(q, &r[1]), 0);
	add_one(q, &r[2], 2);
	assert_ptr_equal(virtq_drain(q), &r[0]);
	assert_ptr_equal(virtq_drain(q), &r[1]);
	assert_ptr_equal(virtq_drain(q), &r[2]);
	assert_null(virtq_drain(q));
	assert_int_equal(virtq_outstanding(q), 0);
	assert_true(virtq_is_broken(q));
	assert_int_equal(req_add(q, &r[0]), -EIO);
	virtq_get_stats(q, &st);
	assert_int_equal(st.vqs_violations, 0);
	teardown(q, NULL);
}

static void test_break(void **state)
{
	struct virtq *q = make_q(8, false, 0, VIRTQ_LAYOUT_MODERN);
	struct req r;
	void *cookie;
	uint32_t written;

	(void)state;
	add_one(q, &r, 0);
	assert_false(virtq_is_broken(q));
	virtq_break(q);
	assert_true(virtq_is_broken(q));
	assert_int_equal(virtq_get(q, &cookie, &written), -EIO);
	assert_int_equal(req_add(q, &r), -EIO);
	assert_ptr_equal(virtq_drain(q), &r);
	assert_null(virtq_drain(q));
	teardown(q, NULL);
}

/*
 * The repair of lost notifications (virtq_owed()): the state a lost
 * interrupt or doorbell leaves behind is reported, and nothing else is.
 */
static void test_owed_intr(void **state)
{
	struct virtq *q = make_q(8, true, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, true);
	struct req r[2];

	(void)state;
	(void)virtq_take_unconfirmed();
	/* Interrupts on with nothing done: the queue relies on the device. */
	virtq_disable_cb(q);
	assert_false(virtq_take_unconfirmed());
	assert_true(virtq_enable_cb(q));
	assert_true(virtq_take_unconfirmed());
	assert_false(virtq_take_unconfirmed());
	assert_int_equal(virtq_owed(q), 0);
	/* A completion whose interrupt never came: owed. */
	add_one(q, &r[0], 0);
	dev_fetch(d);
	dev_complete(d, 0);
	assert_int_equal(virtq_owed(q), VIRTQ_OWED_INTR);
	get_expect(q, &r[0]); /* the handler ran */
	assert_int_equal(virtq_owed(q), 0);
	/* Interrupts off: the driver polls, and is owed nothing. */
	virtq_disable_cb(q);
	add_one(q, &r[1], 1);
	dev_fetch(d);
	dev_complete(d, 0);
	assert_int_equal(virtq_owed(q), 0);
	assert_false(virtq_enable_cb(q));
	get_expect(q, &r[1]);
	assert_true(virtq_enable_cb(q));
	assert_int_equal(virtq_owed(q), 0);
	/* Broken: never owed anything. */
	add_one(q, &r[0], 2);
	dev_fetch(d);
	dev_complete(d, 0);
	assert_int_equal(virtq_owed(q), VIRTQ_OWED_INTR);
	virtq_break(q);
	assert_int_equal(virtq_owed(q), 0);
	teardown(q, d);
}

static void test_owed_kick_event_idx(void **state)
{
	struct virtq *q = make_q(16, true, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, true);
	struct req r[4];

	(void)state;
	(void)virtq_take_unconfirmed();
	add_one(q, &r[0], 0); /* 0 -> 1, the device asks at 0 */
	assert_true(virtq_kick_prepare(q));
	assert_false(virtq_take_unconfirmed()); /* rung: nothing relied on */
	assert_int_equal(virtq_owed(q), 0);
	add_one(q, &r[1], 1); /* 1 -> 2: the device asked at 0, still busy */
	assert_false(virtq_kick_prepare(q));
	assert_true(virtq_take_unconfirmed());
	assert_int_equal(virtq_owed(q), 0);
	/* The device went idle having seen only up to 1 (it read our index
	 * stale) and asks for a doorbell past it: owed. */
	*d->fd_avail_event = 1;
	assert_int_equal(virtq_owed(q), VIRTQ_OWED_KICK);
	/* It saw everything after all: nothing owed. */
	*d->fd_avail_event = 2;
	assert_int_equal(virtq_owed(q), 0);
	/* Owed until a doorbell rings: a later decision alone does not
	 * cover the window it missed. */
	*d->fd_avail_event = 1;
	add_one(q, &r[2], 2); /* 2 -> 3: 1 is behind this window */
	assert_false(virtq_kick_prepare(q));
	assert_int_equal(virtq_owed(q), VIRTQ_OWED_KICK);
	*d->fd_avail_event = 2;
	assert_int_equal(virtq_owed(q), VIRTQ_OWED_KICK);
	*d->fd_avail_event = 3;
	assert_int_equal(virtq_owed(q), 0);
	/* Published but not yet through kick_prepare: not owed yet. */
	add_one(q, &r[3], 3);
	assert_int_equal(virtq_owed(q), 0);
	assert_true(virtq_kick_prepare(q)); /* 3 -> 4 crosses 3 */
	assert_int_equal(virtq_owed(q), 0);
	dev_fetch(d);
	dev_complete_all(d);
	for (unsigned int i = 0; i < 4; i++)
		get_expect(q, &r[i]);
	teardown(q, d);
}

/* The doorbell window reaches no further back than the queue's size: a
 * device stalled by a lost doorbell waits at most that far back, and an
 * older index must not look owed (nor the 16-bit window wrap). */
static void test_owed_kick_window(void **state)
{
	struct virtq *q = make_q(16, true, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, true);
	struct req r;

	(void)state;
	add_one(q, &r, 0);
	assert_true(virtq_kick_prepare(q)); /* rung at 1 */
	dev_fetch(d);
	dev_complete(d, 0);
	get_expect(q, &r);
	*d->fd_avail_event = 0; /* behind every window from here */
	(void)virtq_take_unconfirmed();
	assert_false(virtq_kick_prepare(q)); /* nothing added */
	assert_false(virtq_take_unconfirmed());
	for (unsigned int i = 1; i <= 100; i++) {
		add_one(q, &r, i);
		assert_false(virtq_kick_prepare(q));
		dev_fetch(d);
		dev_complete(d, 0);
		get_expect(q, &r);
	}
	assert_true(virtq_take_unconfirmed()); /* get and kick_prepare */
	/* Published up to 101, rung at 1: only [85, 101) can be owed. */
	*d->fd_avail_event = 50;
	assert_int_equal(virtq_owed(q), 0);
	*d->fd_avail_event = 84;
	assert_int_equal(virtq_owed(q), 0);
	*d->fd_avail_event = 85;
	assert_int_equal(virtq_owed(q), VIRTQ_OWED_KICK);
	*d->fd_avail_event = 100;
	assert_int_equal(virtq_owed(q), VIRTQ_OWED_KICK);
	*d->fd_avail_event = 101;
	assert_int_equal(virtq_owed(q), 0);
	teardown(q, d);
}

static void test_owed_kick_flags(void **state)
{
	struct virtq *q = make_q(8, false, 0, VIRTQ_LAYOUT_MODERN);
	struct fake_dev *d = dev_attach(q, false);
	struct req r[2];

	(void)state;
	add_one(q, &r[0], 0);
	assert_true(virtq_kick_prepare(q));
	assert_int_equal(virtq_owed(q), 0);
	d->fd_used->flags = VIRTQ_USED_F_NO_NOTIFY; /* busy, will look */
	add_one(q, &r[1], 1);
	assert_false(virtq_kick_prepare(q));
	assert_int_equal(virtq_owed(q), 0);
	d->fd_used->flags = 0; /* idle again, asking: owed */
	assert_int_equal(virtq_owed(q), VIRTQ_OWED_KICK);
	dev_fetch(d);
	dev_complete_all(d);
	get_expect(q, &r[0]);
	get_expect(q, &r[1]);
	teardown(q, d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_refused),
		cmocka_unit_test(test_create_out_of_memory),
		cmocka_unit_test(test_layout_modern),
		cmocka_unit_test(test_layout_legacy),
		cmocka_unit_test(test_add_invalid),
		cmocka_unit_test(test_roundtrip_direct),
		cmocka_unit_test(test_roundtrip_indirect),
		cmocka_unit_test(test_indirect_fallback),
		cmocka_unit_test(test_mixed_segments),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_wrap_direct),
		cmocka_unit_test(test_wrap_indirect_event_idx),
		cmocka_unit_test(test_kick_flags),
		cmocka_unit_test(test_kick_event_idx),
		cmocka_unit_test(test_cb_flags),
		cmocka_unit_test(test_cb_event_idx),
		cmocka_unit_test(test_hostile_id_out_of_range),
		cmocka_unit_test(test_hostile_id_chain_member),
		cmocka_unit_test(test_hostile_id_never_posted),
		cmocka_unit_test(test_hostile_len),
		cmocka_unit_test(test_hostile_used_idx),
		cmocka_unit_test(test_hostile_repeat),
		cmocka_unit_test(test_drain_after_reset),
		cmocka_unit_test(test_break),
		cmocka_unit_test(test_owed_intr),
		cmocka_unit_test(test_owed_kick_event_idx),
		cmocka_unit_test(test_owed_kick_window),
		cmocka_unit_test(test_owed_kick_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
