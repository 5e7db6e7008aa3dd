/* SPDX-License-Identifier: MIT */
/*
 * The split virtqueue, driver side (virtio 1.2 §2.7): rings in DMA memory
 * in the modern or legacy layout, direct and indirect chains, and
 * notification suppression by flags or event index (§2.7.7, §2.7.10).
 * The device is untrusted: what is needed to complete a chain lives in
 * private records, the shared rings are only ever written (the used ring
 * only read), and each used entry is checked before it is believed. No
 * locking (the driver serialises) and no allocation after virtq_create().
 */
#include <virtio/virtio.h>

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/io.h>
#include <kernel/log.h>

#include "virtq_reg.h"

/* Largest indirect table the contract accepts (virtio.h). */
#define VQ_INDIRECT_MAX 1024
/* §2.7.5: a chain is at most 2^32 bytes long. */
#define VQ_CHAIN_BYTES_MAX (1ull << 32)
/* Modern layout: the used ring on its own cache line, away from the
 * driver-written avail ring (the spec asks for VIRTQ_USED_ALIGN only). */
#define VQ_MODERN_USED_ALIGN 64
BUILD_ASSERT(VQ_MODERN_USED_ALIGN % VIRTQ_USED_ALIGN == 0);

#define VQ_ALIGN_UP(x, a) (((x) + (a)-1) & ~((size_t)(a)-1))

/*
 * The private record of descriptor i. ve_next links the free list and,
 * unchanged, the descriptors of a posted direct chain; the ve_cookie,
 * ve_writable, ve_ndesc and ve_tail of a chain live on its head.
 */
struct vq_ent {
	void *ve_cookie; /* non-NULL: i heads an outstanding chain */
	uint64_t ve_writable; /* device-writable bytes posted */
	uint16_t ve_next;
	uint16_t ve_ndesc; /* ring descriptors the chain holds */
	uint16_t ve_tail; /* its last ring descriptor */
};

/*
 * Locking: [I] immutable after virtq_create()
 *          [D] the driver's lock: every call on a queue is serialised
 */
struct virtq {
	uint16_t vq_size; /* [I] a power of two */
	uint16_t vq_index; /* [I] */
	uint16_t vq_ind_max; /* [I] segments per indirect table; 0: none */
	bool vq_event_idx; /* [I] */
	struct virtq_desc *vq_desc; /* [I] shared, written only */
	volatile struct virtq_avail *vq_avail; /* [I] shared, written only */
	const volatile struct virtq_used *vq_used; /* [I] shared, read only */
	volatile uint16_t *vq_used_event; /* [I] in the avail ring */
	const volatile uint16_t *vq_avail_event; /* [I] in the used ring */
	void *vq_ring; /* [I] the one DMA block holding the three areas */
	size_t vq_ring_bytes; /* [I] */
	struct virtq_desc *vq_ind; /* [I] vq_size tables of vq_ind_max */
	size_t vq_ind_bytes; /* [I] */
	struct vq_ent *vq_ent; /* [I], the vq_size records [D] */

	uint16_t vq_free_head; /* [D] first free descriptor */
	uint16_t vq_num_free; /* [D] */
	uint16_t vq_avail_idx; /* [D] the avail index we last published */
	uint16_t vq_kick_idx; /* [D] vq_avail_idx at the last kick_prepare */
	uint16_t vq_kicked_idx; /* [D] vq_kick_idx when it last said kick */
	uint32_t vq_unkicked; /* [D] chains added since then (saturating) */
	uint16_t vq_last_used; /* [D] next used entry to take */
	uint16_t vq_used_idx; /* [D] device's used index, read and checked */
	unsigned int vq_outstanding; /* [D] chains posted, not returned */
	unsigned int vq_drain_pos; /* [D] virtq_drain()'s scan */
	bool vq_cb_enabled; /* [D] interrupts requested */
	bool vq_broken; /* [D] */
	struct virtq_stats vq_stats; /* [D] */
};

/* --- barriers (x86-64 is TSO: the first two only restrain the compiler) */

/* The chain's descriptors and its avail ring entry are written before the
 * avail index that hands them to the device (§2.7.13.3). */
static inline void vq_barrier_publish(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* The used index is read before the used entries it covers (§2.7.14). */
static inline void vq_barrier_consume(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

/* Our store (avail index, used_event or avail flags) is visible before we
 * load the device's (avail_event or used flags, used index); TSO lets a
 * later load pass an earlier store, so this one is a real fence. Where it
 * may not hold (<kernel/io.h>), virtq_owed() finds what was lost. */
static inline void vq_barrier_full(void)
{
	io_fence_device();
}

/* Set when a queue starts to rely on the device for its next step (an
 * interrupt, or looking at the avail ring without a doorbell); taken by
 * virtq_take_unconfirmed(). For all queues: one store, no lock. */
static bool unconfirmed; /* [a] */

static inline void vq_relies(void)
{
	__atomic_store_n(&unconfirmed, true, __ATOMIC_RELAXED);
}

/* vring_need_event() (§2.7.10): true when `event` is in [old, new_idx). */
static inline bool vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* --- creation ------------------------------------------------------------ */

static int vq_check_config(const struct virtq_config *cfg)
{
	uint16_t n = cfg->vc_size;

	if (n == 0 || n > VIRTQ_SIZE_MAX || (n & (n - 1)))
		return -EINVAL;
	if (cfg->vc_indirect_max > VQ_INDIRECT_MAX)
		return -EINVAL;
	if (cfg->vc_layout != VIRTQ_LAYOUT_MODERN &&
	    cfg->vc_layout != VIRTQ_LAYOUT_LEGACY)
		return -EINVAL;
	return 0;
}

/* One zeroed block: descriptors, avail ring, then the used ring aligned
 * for the layout (§2.7.2 for legacy). */
static int vq_alloc_rings(struct virtq *q, enum virtq_layout layout)
{
	size_t n = q->vq_size;
	size_t avail_off = VIRTQ_DESC_BYTES(n);
	size_t used_off = avail_off + VIRTQ_AVAIL_BYTES(n);
	char *base;

	BUILD_ASSERT(VIRTQ_DESC_BYTES(1) % VIRTQ_AVAIL_ALIGN == 0);
	if (layout == VIRTQ_LAYOUT_LEGACY) {
		used_off = VQ_ALIGN_UP(used_off, VIRTQ_LEGACY_ALIGN);
		q->vq_ring_bytes = used_off + VQ_ALIGN_UP(VIRTQ_USED_BYTES(n),
							  VIRTQ_LEGACY_ALIGN);
	} else {
		used_off = VQ_ALIGN_UP(used_off, VQ_MODERN_USED_ALIGN);
		q->vq_ring_bytes = used_off + VIRTQ_USED_BYTES(n);
	}
	base = virtio_dma_alloc(q->vq_ring_bytes);
	if (!base)
		return -ENOMEM;
	q->vq_ring = base;
	q->vq_desc = (struct virtq_desc *)base;
	q->vq_avail = (volatile struct virtq_avail *)(base + avail_off);
	q->vq_used = (const volatile struct virtq_used *)(base + used_off);
	/* The event fields follow each ring's last entry. */
	q->vq_used_event =
		(volatile uint16_t *)(base + avail_off + VIRTQ_AVAIL_BYTES(n) -
				      sizeof(uint16_t));
	q->vq_avail_event = (const volatile uint16_t *)(base + used_off +
							VIRTQ_USED_BYTES(n) -
							sizeof(uint16_t));
	return 0;
}

/* Every descriptor free, linked in order. */
static void vq_init_free_list(struct virtq *q)
{
	unsigned int i;

	for (i = 0; i < q->vq_size; i++)
		q->vq_ent[i].ve_next = (uint16_t)(i + 1);
	q->vq_free_head = 0;
	q->vq_num_free = q->vq_size;
}

int virtq_create(const struct virtq_config *cfg, struct virtq **out)
{
	struct virtq *q;
	int rc;

	if (!cfg || !out)
		return -EINVAL;
	rc = vq_check_config(cfg);
	if (rc)
		return rc;
	q = heap_calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->vq_size = cfg->vc_size;
	q->vq_index = cfg->vc_index;
	q->vq_event_idx = cfg->vc_event_idx;
	/* §2.7.5.3.1: no chain, indirect or not, is longer than the queue. */
	q->vq_ind_max = cfg->vc_indirect_max < q->vq_size ? cfg->vc_indirect_max
							  : q->vq_size;
	if (q->vq_ind_max < 2)
		q->vq_ind_max = 0;
	q->vq_cb_enabled = true;
	rc = vq_alloc_rings(q, cfg->vc_layout);
	if (rc)
		goto err_free_q;
	rc = -ENOMEM;
	q->vq_ent = heap_calloc(q->vq_size, sizeof(*q->vq_ent));
	if (!q->vq_ent)
		goto err_free_rings;
	if (q->vq_ind_max) {
		q->vq_ind_bytes = VIRTQ_DESC_BYTES(q->vq_ind_max) * q->vq_size;
		q->vq_ind = virtio_dma_alloc(q->vq_ind_bytes);
		if (!q->vq_ind)
			goto err_free_ent;
	}
	vq_init_free_list(q);
	*out = q;
	return 0;

err_free_ent:
	heap_free(q->vq_ent);
err_free_rings:
	virtio_dma_free(q->vq_ring, q->vq_ring_bytes);
err_free_q:
	heap_free(q);
	return rc;
}

void virtq_destroy(struct virtq *q)
{
	if (!q)
		return;
	if (q->vq_ind)
		virtio_dma_free(q->vq_ind, q->vq_ind_bytes);
	heap_free(q->vq_ent);
	virtio_dma_free(q->vq_ring, q->vq_ring_bytes);
	heap_free(q);
}

uint64_t virtq_desc_addr(const struct virtq *q)
{
	return (uint64_t)(uintptr_t)q->vq_desc;
}

uint64_t virtq_avail_addr(const struct virtq *q)
{
	return (uint64_t)(uintptr_t)q->vq_avail;
}

uint64_t virtq_used_addr(const struct virtq *q)
{
	return (uint64_t)(uintptr_t)q->vq_used;
}

uint16_t virtq_size(const struct virtq *q)
{
	return q->vq_size;
}

uint16_t virtq_index(const struct virtq *q)
{
	return q->vq_index;
}

/* --- adding chains ------------------------------------------------------- */

/* Validates a chain and sums its device-writable bytes into *writable. */
static int vq_check_chain(const struct virtq *q, const struct virtq_seg *segs,
			  unsigned int n_out, unsigned int n_in,
			  const void *cookie, uint64_t *writable)
{
	uint64_t total = 0, w = 0;
	unsigned int i;

	if (!segs || !cookie || n_out > q->vq_size || n_in > q->vq_size)
		return -EINVAL;
	if (n_out + n_in == 0 || n_out + n_in > q->vq_size)
		return -EINVAL;
	for (i = 0; i < n_out + n_in; i++) {
		/* §2.7.4.2: readable segments come before writable ones. */
		if (segs[i].vs_len == 0 || segs[i].vs_write != (i >= n_out))
			return -EINVAL;
		total += segs[i].vs_len;
		if (segs[i].vs_write)
			w += segs[i].vs_len;
	}
	if (total > VQ_CHAIN_BYTES_MAX)
		return -EINVAL;
	*writable = w;
	return 0;
}

static void vq_desc_fill(struct virtq_desc *d, const struct virtq_seg *s,
			 bool more, uint16_t next)
{
	d->addr = s->vs_addr;
	d->len = s->vs_len;
	d->flags = (uint16_t)((s->vs_write ? VIRTQ_DESC_F_WRITE : 0) |
			      (more ? VIRTQ_DESC_F_NEXT : 0));
	d->next = more ? next : 0;
}

/* Takes n free descriptors for the chain; returns its head. */
static uint16_t vq_post_direct(struct virtq *q, const struct virtq_seg *segs,
			       unsigned int n)
{
	uint16_t head = q->vq_free_head, i = head, last = head;
	unsigned int k;

	for (k = 0; k < n; k++) {
		last = i;
		i = q->vq_ent[last].ve_next;
		vq_desc_fill(&q->vq_desc[last], &segs[k], k + 1 < n, i);
	}
	q->vq_free_head = i;
	q->vq_num_free = (uint16_t)(q->vq_num_free - n);
	q->vq_ent[head].ve_ndesc = (uint16_t)n;
	q->vq_ent[head].ve_tail = last;
	return head;
}

/* Takes one free descriptor pointing at its head's own table. */
static uint16_t vq_post_indirect(struct virtq *q, const struct virtq_seg *segs,
				 unsigned int n)
{
	uint16_t head = q->vq_free_head;
	struct virtq_desc *table = q->vq_ind + (size_t)head * q->vq_ind_max;
	struct virtq_desc *d = &q->vq_desc[head];
	unsigned int k;

	for (k = 0; k < n; k++)
		vq_desc_fill(&table[k], &segs[k], k + 1 < n, (uint16_t)(k + 1));
	d->addr = (uint64_t)(uintptr_t)table;
	d->len = (uint32_t)VIRTQ_DESC_BYTES(n);
	d->flags = VIRTQ_DESC_F_INDIRECT;
	d->next = 0;
	q->vq_free_head = q->vq_ent[head].ve_next;
	q->vq_num_free--;
	q->vq_ent[head].ve_ndesc = 1;
	q->vq_ent[head].ve_tail = head;
	return head;
}

int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned int n_out,
	      unsigned int n_in, void *cookie)
{
	unsigned int n = n_out + n_in;
	bool indirect;
	uint64_t writable;
	uint16_t head;
	int rc;

	rc = vq_check_chain(q, segs, n_out, n_in, cookie, &writable);
	if (rc)
		return rc;
	if (q->vq_broken)
		return -EIO;
	indirect = n > 1 && n <= q->vq_ind_max;
	if (q->vq_num_free < (indirect ? 1 : n))
		return -ENOSPC;
	head = indirect ? vq_post_indirect(q, segs, n)
			: vq_post_direct(q, segs, n);
	q->vq_ent[head].ve_cookie = cookie;
	q->vq_ent[head].ve_writable = writable;
	q->vq_outstanding++;
	q->vq_stats.vqs_added++;
	if (q->vq_unkicked != UINT32_MAX)
		q->vq_unkicked++;

	q->vq_avail->ring[q->vq_avail_idx & (q->vq_size - 1)] = head;
	q->vq_avail_idx++;
	vq_barrier_publish();
	q->vq_avail->idx = q->vq_avail_idx;
	return 0;
}

bool virtq_kick_prepare(struct virtq *q)
{
	uint16_t old = q->vq_kick_idx, new_idx = q->vq_avail_idx;
	uint32_t added = q->vq_unkicked;
	bool kick;

	q->vq_kick_idx = new_idx;
	q->vq_unkicked = 0;
	if (q->vq_broken || added == 0)
		return false;
	vq_barrier_full();
	if (added > UINT16_MAX)
		kick = true; /* the 16-bit window wrapped: we cannot tell */
	else if (q->vq_event_idx)
		kick = vq_need_event(*q->vq_avail_event, new_idx, old);
	else
		kick = !(q->vq_used->flags & VIRTQ_USED_F_NO_NOTIFY);
	if (kick) {
		q->vq_kicked_idx = new_idx;
		q->vq_stats.vqs_kicks++;
	} else {
		/* A device left waiting by a lost doorbell waits at most
		 * vq_size chains back (those after it are outstanding):
		 * virtq_owed()'s window need not reach further, and must
		 * not wrap. */
		if ((uint16_t)(new_idx - q->vq_kicked_idx) > q->vq_size)
			q->vq_kicked_idx = (uint16_t)(new_idx - q->vq_size);
		vq_relies();
	}
	return kick;
}

/* --- completions --------------------------------------------------------- */

static int vq_violation(struct virtq *q, const char *what, uint32_t value)
{
	log_err("virtq %u: device broke the ring: %s (%u); queue disabled\n",
		q->vq_index, what, value);
	q->vq_stats.vqs_violations++;
	q->vq_broken = true;
	return -EIO;
}

/* Returns the chain at head to the free list; returns its cookie. */
static void *vq_release(struct virtq *q, uint16_t head)
{
	struct vq_ent *h = &q->vq_ent[head];
	void *cookie = h->ve_cookie;

	h->ve_cookie = NULL;
	q->vq_ent[h->ve_tail].ve_next = q->vq_free_head;
	q->vq_free_head = head;
	q->vq_num_free = (uint16_t)(q->vq_num_free + h->ve_ndesc);
	q->vq_outstanding--;
	return cookie;
}

/* Reads the device's used index once; 1 when it has new entries, 0 when
 * not, -EIO when it claims more than are outstanding (this also catches
 * an index moved backwards or past the ring). */
static int vq_refresh_used(struct virtq *q)
{
	uint16_t idx = q->vq_used->idx;
	uint16_t fresh = (uint16_t)(idx - q->vq_last_used);

	if (fresh > q->vq_outstanding)
		return vq_violation(q, "used index past the outstanding chains",
				    fresh);
	vq_barrier_consume();
	q->vq_used_idx = idx;
	return fresh != 0;
}

int virtq_get(struct virtq *q, void **cookie, uint32_t *written)
{
	const volatile struct virtq_used_elem *e;
	uint32_t id, len;
	int rc;

	if (q->vq_broken)
		return -EIO;
	if (q->vq_last_used == q->vq_used_idx) {
		rc = vq_refresh_used(q);
		if (rc <= 0)
			return rc;
	}
	e = &q->vq_used->ring[q->vq_last_used & (q->vq_size - 1)];
	id = e->id;
	len = e->len;
	if (id >= q->vq_size)
		return vq_violation(q, "used id out of range", id);
	if (!q->vq_ent[id].ve_cookie)
		return vq_violation(q, "used id not an outstanding head", id);
	if (len > q->vq_ent[id].ve_writable)
		return vq_violation(q, "used length above the writable bytes",
				    len);
	*cookie = vq_release(q, (uint16_t)id);
	*written = len;
	q->vq_last_used++;
	q->vq_stats.vqs_completed++;
	/* Keep asking for an interrupt at the next completion; the fence
	 * orders the request before the caller's next look at the used
	 * index, or a completion in between could go unannounced. */
	if (q->vq_event_idx && q->vq_cb_enabled) {
		*q->vq_used_event = q->vq_last_used;
		vq_barrier_full();
		vq_relies();
	}
	return 1;
}

void virtq_disable_cb(struct virtq *q)
{
	q->vq_cb_enabled = false;
	/* With the event index the flags stay 0 (§2.7.7.1); an event one
	 * behind the last entry taken lies 2^16 completions away. */
	if (q->vq_event_idx)
		*q->vq_used_event = (uint16_t)(q->vq_last_used - 1);
	else
		q->vq_avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
}

bool virtq_enable_cb(struct virtq *q)
{
	if (q->vq_broken)
		return false;
	q->vq_cb_enabled = true;
	if (q->vq_event_idx)
		*q->vq_used_event = q->vq_last_used;
	else
		q->vq_avail->flags = 0;
	/* A chain completed before the device saw the request above raised
	 * no interrupt: look at the used index after the request is out. */
	vq_barrier_full();
	if (q->vq_used->idx != q->vq_last_used)
		return false;
	vq_relies();
	return true;
}

bool virtq_take_unconfirmed(void)
{
	return __atomic_load_n(&unconfirmed, __ATOMIC_RELAXED) &&
	       __atomic_exchange_n(&unconfirmed, false, __ATOMIC_ACQ_REL);
}

unsigned int virtq_owed(const struct virtq *q)
{
	unsigned int owed = 0;
	uint16_t kick, kicked;

	/* Plain loads of the driver's fields, racing with it: see the
	 * header for why a stale value does no harm. */
	if (__atomic_load_n(&q->vq_broken, __ATOMIC_RELAXED))
		return 0;
	if (__atomic_load_n(&q->vq_cb_enabled, __ATOMIC_RELAXED) &&
	    q->vq_used->idx !=
		    __atomic_load_n(&q->vq_last_used, __ATOMIC_RELAXED))
		owed |= VIRTQ_OWED_INTR;
	kick = __atomic_load_n(&q->vq_kick_idx, __ATOMIC_RELAXED);
	kicked = __atomic_load_n(&q->vq_kicked_idx, __ATOMIC_RELAXED);
	/* Chains published since the last doorbell, and the device asks
	 * for one within them (or, without the event index, for any). */
	if (kick != kicked &&
	    (q->vq_event_idx ? vq_need_event(*q->vq_avail_event, kick, kicked)
			     : !(q->vq_used->flags & VIRTQ_USED_F_NO_NOTIFY)))
		owed |= VIRTQ_OWED_KICK;
	return owed;
}

void virtq_break(struct virtq *q)
{
	q->vq_broken = true;
}

bool virtq_is_broken(const struct virtq *q)
{
	return q->vq_broken;
}

void *virtq_drain(struct virtq *q)
{
	/* Nothing new may be posted behind the scan. */
	q->vq_broken = true;
	while (q->vq_drain_pos < q->vq_size) {
		uint16_t i = (uint16_t)q->vq_drain_pos++;

		if (q->vq_ent[i].ve_cookie)
			return vq_release(q, i);
	}
	return NULL;
}

unsigned int virtq_outstanding(const struct virtq *q)
{
	return q->vq_outstanding;
}

void virtq_get_stats(const struct virtq *q, struct virtq_stats *st)
{
	*st = q->vq_stats;
}
