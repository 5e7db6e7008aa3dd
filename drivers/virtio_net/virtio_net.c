// SPDX-License-Identifier: MIT
/*
 * virtio-net (virtio 1.2 §5.1): a <kernel/netdev_driver.h> network device
 * over one receive and one transmit queue, without copies on either path.
 *
 * Receive: a fixed pool of buffers in DMA memory (sized at probe by the
 * ring and by the memory free then, in small chunks so that small RAM
 * has them), each a netbuf whose release hook brings it back, lent to
 * the stack as received frames. A buffer the stack puts is posted again
 * at once (the ring stays full while the pool has spares), so nothing is
 * allocated per frame. A frame
 * the device spreads over several buffers (MRG_RXBUF) is the exception:
 * it is copied into one allocated netbuf. Transmit: each piece of the
 * stack's netbuf chain becomes a descriptor, with the virtio-net header
 * pushed into the first piece's headroom; completions are reclaimed on
 * each transmit and by tx_pending; the device is asked to interrupt only
 * while the ring is full (or the device closed with frames out), as an
 * interrupt per frame cost more than the rest of a small request under
 * emulation. With HOST_TSO4 (taken only with CSUM, and when memory is
 * not small) the stack may hand over TCP/IPv4 super-frames of up to
 * 64 KiB, which the header asks the device to cut into segments
 * (§5.1.6.2); received frames are never GSO.
 *
 * Everything the device writes is checked: used entries (by the
 * virtqueue), lengths, header fields, buffer counts of merged frames,
 * checksum offsets, configuration. A bad frame is dropped and counted;
 * a device that breaks the queue rules is stopped and its buffers taken
 * back, never trusted again.
 */
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/init.h>
#include <kernel/log.h>
#include <kernel/netdev_driver.h>
#include <kernel/random.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <virtio/virtio.h>

#include "virtio_net_reg.h"

#define VNET_QUEUE_WANT 256
/* Below this much free memory at probe, queues of VNET_QUEUE_SMALL: the
 * transmit queue's indirect tables alone take 128 KiB at 256 entries. */
#define VNET_SMALL_RAM (16u << 20)
#define VNET_QUEUE_SMALL 64
#define VNET_MTU_DEFAULT 1500
#define VNET_MTU_MIN 576 /* what <kernel/netdev_driver.h> accepts */
#define VNET_MTU_MAX 9000 /* receive buffers hold a whole frame */
/* Fewest receive buffers the device works with: a TCP window of a few
 * segments, ARP and DHCP. Below it the probe fails. */
#define VNET_RX_POOL_MIN 16
#define VNET_RX_POOL_BYTES_MAX (4u << 20)
/* The pool takes at most 1/VNET_RX_POOL_SHARE of the memory free at
 * probe, so that small RAM is left to the heap. */
#define VNET_RX_POOL_SHARE 8
/* Buffers per chunk of DMA memory (at least): small blocks that small
 * RAM still has, with little lost to power-of-two rounding. */
#define VNET_RX_CHUNK_BUFS 8
#define VNET_TX_FRAGS 8
/* A piece may cross a page boundary, the header may need its own. */
#define VNET_TX_SEGS (2 * VNET_TX_FRAGS + 2)
/* Pieces of a super-frame: its headers and 64 KiB of payload lent in
 * 4 KiB pages (a file's, not page-aligned), with room to spare. */
#define VNET_TSO_FRAGS 24
/* Each piece may cross page boundaries, one per 4 KiB of the 64 KiB and
 * one more each; the header may need its own segment. */
#define VNET_TSO_SEGS (2 * VNET_TSO_FRAGS + 18)
/* Indirect table entries per transmit descriptor with TSO: a super-frame
 * of send-buffer slices or of file pages fits; a more scattered one is
 * posted as a direct chain (ring descriptors, up to VNET_TSO_SEGS). */
#define VNET_TSO_INDIRECT 32
/* Buffers one merged frame may span; more is a broken count. */
#define VNET_MRG_MAX 64
#define ETH_HDR_BYTES 14
#define ETH_ALEN 6

enum vnet_state {
	VN_LIVE, /* the device works */
	VN_FAILING, /* being stopped */
	VN_STOPPED, /* stopped: its buffers can be taken back */
	VN_STUCK, /* did not stop: its buffers stay with it */
};

/* One buffer of a merged frame, between taking it and copying it. */
struct vnet_piece {
	struct netbuf *p_nb;
	uint32_t p_len; /* bytes the device wrote */
};

/*
 * Locking: [I] immutable after probe
 *          [R] rx_lock (taken by the release hook, from any context)
 *          [S] netdev_rx()'s own: the caller serialises it
 */
struct vnet_rx {
	struct spinlock rx_lock;
	struct virtq *rx_q; /* [I] calls [R] */
	struct netbuf *rx_bufs; /* [I] the pool, rx_nbufs netbufs */
	/* [I] DMA, rx_nchunks chunks of rx_chunk_bufs areas of
	 * rx_buf_bytes; the last holds what is left of rx_nbufs */
	uint8_t **rx_chunks;
	unsigned int rx_nchunks; /* [I] */
	unsigned int rx_chunk_bufs; /* [I] */
	unsigned int rx_nbufs; /* [I] */
	uint32_t rx_buf_bytes; /* [I] */
	struct netbuf *rx_free; /* [R] neither posted nor lent */
	unsigned int rx_nfree; /* [R] */
	bool rx_open; /* [R] refilled (and notifying) while open */
	bool rx_cb_on; /* [R] the client waits for nc_rx_ready */
	struct vnet_piece rx_mrg[VNET_MRG_MAX]; /* [S] */
	unsigned int rx_nmrg; /* [S] */
	uint32_t rx_mrg_len; /* [S] frame bytes */
	uint16_t rx_mrg_flags; /* [S] NB_CSUM_VALID or 0 */
};

/* Locking: [I] immutable after probe  [T] tx_lock */
struct vnet_tx {
	struct spinlock tx_lock;
	struct virtq *tx_q; /* [I] calls [T] */
	struct virtq_seg tx_segs[VNET_TSO_SEGS]; /* [T] scratch */
	bool tx_stopped; /* [T] -ENOBUFS returned, nc_tx_ready owed */
	bool tx_open; /* [T] completions reclaimed by the next transmit */
};

/* Locking: [I] immutable after probe  [a] atomic ops only */
struct vnet {
	struct netdev vn_nd;
	struct virtio_dev *vn_vd; /* [I] */
	struct vnet_rx vn_rx;
	struct vnet_tx vn_tx;
	uint16_t vn_hdr_len; /* [I] 12, or 10 on legacy without MRG_RXBUF */
	uint16_t vn_rx_pad; /* [I] bytes before the header: IP 4-aligned */
	bool vn_mrg; /* [I] MRG_RXBUF */
	bool vn_split_hdr; /* [I] legacy without ANY_LAYOUT */
	bool vn_guest_csum; /* [I] GUEST_CSUM */
	bool vn_status; /* [I] link status reported */
	bool vn_tso; /* [I] HOST_TSO4 (and CSUM) taken */
	int vn_state; /* [a] enum vnet_state */
};

static struct vnet *to_vnet(struct netdev *nd)
{
	return container_of(nd, struct vnet, vn_nd);
}

static int vnet_state(const struct vnet *vn)
{
	return __atomic_load_n(&vn->vn_state, __ATOMIC_ACQUIRE);
}

/* Failure ------------------------------------------------------------------ */

/*
 * The device broke the rules: stops it (once). Its buffers come back as
 * each queue next looks (rx_dead(), tx_reclaim(), vnet_report()). Any
 * context, either queue's lock held or not.
 */
static void vnet_fail(struct vnet *vn)
{
	int live = VN_LIVE, st;

	if (!__atomic_compare_exchange_n(&vn->vn_state, &live, VN_FAILING,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	log_err("%s: device broke the virtio rules; %s is down for good\n",
		virtio_name(vn->vn_vd), vn->vn_nd.nd_info.ni_name);
	/* A device that would not stop may still write into the posted
	 * buffers: those stay with it rather than going back to use. */
	st = virtio_fail(vn->vn_vd) ? VN_STUCK : VN_STOPPED;
	if (st == VN_STUCK)
		log_err("%s: device did not stop; its buffers stay posted\n",
			virtio_name(vn->vn_vd));
	__atomic_store_n(&vn->vn_state, st, __ATOMIC_RELEASE);
}

static void rx_dead(struct vnet *vn);
static unsigned int tx_reclaim(struct vnet *vn, struct netbuf **done);
static void tx_put(struct netbuf *done);

/*
 * After a failure, holding no lock: takes back what each queue still
 * posted (once the device stopped) and reports the link down (once).
 * Cheap while the device works.
 */
static void vnet_report(struct vnet *vn)
{
	struct netbuf *done = NULL;

	if (vnet_state(vn) == VN_LIVE)
		return;
	spin_lock(&vn->vn_tx.tx_lock);
	tx_reclaim(vn, &done);
	spin_unlock(&vn->vn_tx.tx_lock);
	tx_put(done);
	spin_lock(&vn->vn_rx.rx_lock);
	rx_dead(vn);
	spin_unlock(&vn->vn_rx.rx_lock);
	netdev_link_changed(&vn->vn_nd, false);
}

/* Receive ------------------------------------------------------------------ */

/* Puts nb on the free list, as new. Caller holds rx_lock. */
static void rx_give_back(struct vnet *vn, struct netbuf *nb)
{
	struct vnet_rx *rx = &vn->vn_rx;

	netbuf_init(nb, nb->nb_base, rx->rx_buf_bytes, vn->vn_rx_pad,
		    nb->nb_release, vn);
	nb->nb_next = rx->rx_free;
	rx->rx_free = nb;
	rx->rx_nfree++;
}

/* Posts nb for the device to fill. Caller holds rx_lock. */
static int rx_post(struct vnet *vn, struct netbuf *nb)
{
	uint32_t room = vn->vn_rx.rx_buf_bytes - vn->vn_rx_pad;
	struct virtq_seg seg[2] = {
		{ (uintptr_t)nb->nb_data, room, true },
		{ 0, 0, true },
	};

	if (!vn->vn_split_hdr)
		return virtq_add(vn->vn_rx.rx_q, seg, 0, 1, nb);
	/* Legacy framing (§5.1.6.6): the header in a buffer of its own. */
	seg[0].vs_len = vn->vn_hdr_len;
	seg[1].vs_addr = seg[0].vs_addr + vn->vn_hdr_len;
	seg[1].vs_len = room - vn->vn_hdr_len;
	return virtq_add(vn->vn_rx.rx_q, seg, 0, 2, nb);
}

/* Posts free buffers while the ring has room; returns true when the
 * device may need telling. Caller holds rx_lock. */
static bool rx_refill(struct vnet *vn)
{
	struct vnet_rx *rx = &vn->vn_rx;
	bool posted = false;

	if (!rx->rx_open || vnet_state(vn) != VN_LIVE)
		return false;
	while (rx->rx_free) {
		struct netbuf *nb = rx->rx_free;

		if (rx_post(vn, nb))
			break;
		rx->rx_free = nb->nb_next;
		nb->nb_next = NULL;
		rx->rx_nfree--;
		posted = true;
	}
	return posted && virtq_kick_prepare(rx->rx_q);
}

/* The device failed: takes back what it held, once it stopped. Caller
 * holds rx_lock. */
static void rx_dead(struct vnet *vn)
{
	struct netbuf *nb;

	if (vnet_state(vn) != VN_STOPPED)
		return;
	while ((nb = virtq_drain(vn->vn_rx.rx_q)) != NULL)
		rx_give_back(vn, nb);
}

/* The last put of a lent buffer (any context): post it again. */
static void vnet_rx_release(struct netbuf *nb)
{
	struct vnet *vn = nb->nb_owner;
	struct vnet_rx *rx = &vn->vn_rx;
	bool kick;

	spin_lock(&rx->rx_lock);
	rx_give_back(vn, nb);
	rx_dead(vn);
	kick = rx_refill(vn);
	spin_unlock(&rx->rx_lock);
	if (kick)
		virtio_notify(vn->vn_vd, rx->rx_q);
}

enum rx_take {
	RX_NONE, /* nothing completed */
	RX_FRAME, /* one frame, in place */
	RX_DROP, /* a frame dropped (counted), buffers back */
	RX_MERGED, /* a frame in rx_mrg, to be copied */
	RX_BROKEN, /* the queue broke */
};

/* Reads the device's header once, whatever its size. */
static void rx_header(const struct vnet *vn, const struct netbuf *nb,
		      struct virtio_net_hdr *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h, nb->nb_base + vn->vn_rx_pad, vn->vn_hdr_len);
	if (!vn->vn_mrg)
		h->num_buffers = 1;
}

/*
 * Checks a frame of len bytes against what the device claims in h;
 * returns its NB_* checksum flag, or -1 to drop it.
 */
static int rx_check(const struct vnet *vn, const struct virtio_net_hdr *h,
		    uint32_t len)
{
	if (len < ETH_HDR_BYTES ||
	    len > vn->vn_nd.nd_info.ni_mtu + (uint32_t)ETH_HDR_BYTES)
		return -1;
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return -1; /* no GSO was negotiated */
	if (!vn->vn_guest_csum)
		return 0; /* flags the device may not set: ignored */
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* A partial checksum from a local sender: the data were
		 * never on a wire, but the offsets must lie in the frame. */
		if (h->csum_start < ETH_HDR_BYTES ||
		    (uint32_t)h->csum_start + h->csum_offset + 2 > len)
			return -1;
		return NB_CSUM_VALID;
	}
	return h->flags & VIRTIO_NET_HDR_F_DATA_VALID ? NB_CSUM_VALID : 0;
}

static uint16_t rx_cast_flags(const uint8_t *dst)
{
	static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff };

	if (memcmp(dst, bcast, ETH_ALEN) == 0)
		return NB_BCAST;
	return dst[0] & 1 ? NB_MCAST : 0;
}

/*
 * Takes the rest of a frame the device spread over h->num_buffers
 * buffers, the first (nb, len bytes written) already taken. RX_MERGED
 * when all came and add up to a good frame; RX_DROP (buffers back,
 * counted) when the device's count, lengths or header do not hold;
 * RX_BROKEN. Caller holds rx_lock.
 */
static enum rx_take rx_gather(struct vnet *vn, const struct virtio_net_hdr *h,
			      struct netbuf *nb, uint32_t len)
{
	struct vnet_rx *rx = &vn->vn_rx;
	uint64_t total = len - vn->vn_hdr_len;
	int rc = 1, csum = -1;
	void *cookie;

	rx->rx_mrg[0].p_nb = nb;
	rx->rx_mrg[0].p_len = len;
	rx->rx_nmrg = 1;
	while (rx->rx_nmrg < h->num_buffers) {
		rc = virtq_get(rx->rx_q, &cookie, &len);
		if (rc != 1)
			break;
		rx->rx_mrg[rx->rx_nmrg].p_nb = cookie;
		rx->rx_mrg[rx->rx_nmrg++].p_len = len;
		total += len;
	}
	/* The device announces a frame's buffers together (§5.1.6.4):
	 * missing ones mean a count that lies. */
	if (rc == 1 && total <= UINT16_MAX)
		csum = rx_check(vn, h, (uint32_t)total);
	if (csum >= 0) {
		rx->rx_mrg_len = (uint32_t)total;
		rx->rx_mrg_flags = (uint16_t)csum;
		return RX_MERGED;
	}
	while (rx->rx_nmrg)
		rx_give_back(vn, rx->rx_mrg[--rx->rx_nmrg].p_nb);
	if (rc < 0)
		return RX_BROKEN;
	netdev_count_rx_drop(&vn->vn_nd);
	return RX_DROP;
}

/*
 * Takes the next completed frame: into *out when it fits one buffer, or
 * into rx_mrg when it spans several. Caller holds rx_lock.
 */
static enum rx_take rx_take(struct vnet *vn, struct netbuf **out)
{
	struct virtio_net_hdr h;
	struct netbuf *nb;
	void *cookie;
	uint32_t len;
	int rc, csum;

	rc = virtq_get(vn->vn_rx.rx_q, &cookie, &len);
	if (rc <= 0)
		return rc ? RX_BROKEN : RX_NONE;
	nb = cookie;
	if (len < vn->vn_hdr_len)
		goto drop;
	rx_header(vn, nb, &h);
	/* A count above the bound cannot be a frame of ours: only this
	 * buffer is known to be part of it. */
	if (h.num_buffers == 0 || h.num_buffers > VNET_MRG_MAX)
		goto drop;
	if (h.num_buffers > 1)
		return rx_gather(vn, &h, nb, len);
	csum = rx_check(vn, &h, len - vn->vn_hdr_len);
	if (csum < 0)
		goto drop;
	nb->nb_data = nb->nb_base + vn->vn_rx_pad + vn->vn_hdr_len;
	nb->nb_len = len - vn->vn_hdr_len;
	nb->nb_flags = (uint16_t)csum | rx_cast_flags(nb->nb_data);
	*out = nb;
	return RX_FRAME;
drop:
	rx_give_back(vn, nb);
	netdev_count_rx_drop(&vn->vn_nd);
	return RX_DROP;
}

/*
 * Copies the frame in rx_mrg into a netbuf of its own (the rare path:
 * it allocates). NULL when memory is short. Called without rx_lock; the
 * pieces are netdev_rx()'s meanwhile.
 */
static struct netbuf *rx_merge(struct vnet *vn)
{
	struct vnet_rx *rx = &vn->vn_rx;
	struct netbuf *nb;
	uint8_t *dst;
	unsigned int i;

	nb = netbuf_alloc(vn->vn_rx_pad + vn->vn_hdr_len, rx->rx_mrg_len);
	if (!nb)
		return NULL;
	dst = netbuf_append(nb, rx->rx_mrg_len);
	for (i = 0; i < rx->rx_nmrg; i++) {
		const struct vnet_piece *p = &rx->rx_mrg[i];
		size_t skip = i ? 0 : vn->vn_hdr_len;
		const uint8_t *src = p->p_nb->nb_base + vn->vn_rx_pad + skip;

		memcpy(dst, src, p->p_len - skip);
		dst += p->p_len - skip;
	}
	nb->nb_flags = rx->rx_mrg_flags | rx_cast_flags(nb->nb_data);
	return nb;
}

/* rx_merge() outside the lock, then the pieces go back; returns the
 * frame or NULL (dropped, counted). Caller holds rx_lock. */
static struct netbuf *rx_merged(struct vnet *vn)
{
	struct vnet_rx *rx = &vn->vn_rx;
	struct netbuf *nb;

	spin_unlock(&rx->rx_lock);
	nb = rx_merge(vn);
	spin_lock(&rx->rx_lock);
	while (rx->rx_nmrg)
		rx_give_back(vn, rx->rx_mrg[--rx->rx_nmrg].p_nb);
	if (!nb)
		netdev_count_rx_drop(&vn->vn_nd);
	return nb;
}

/* Takes frames into out[n..max); returns the new n. *broken is set when
 * the queue broke. Caller holds rx_lock. */
static unsigned int rx_batch(struct vnet *vn, struct netbuf **out,
			     unsigned int n, unsigned int max, bool *broken)
{
	while (n < max) {
		switch (rx_take(vn, &out[n])) {
		case RX_NONE:
			return n;
		case RX_BROKEN:
			*broken = true;
			return n;
		case RX_DROP:
			continue;
		case RX_MERGED:
			out[n] = rx_merged(vn);
			if (!out[n])
				continue;
			break;
		case RX_FRAME:
			break;
		}
		netdev_count_rx(&vn->vn_nd, out[n]->nb_len);
		n++;
	}
	return n;
}

static int vnet_rx(struct netdev *nd, unsigned int q, struct netbuf **out,
		   unsigned int max)
{
	struct vnet *vn = to_vnet(nd);
	struct vnet_rx *rx = &vn->vn_rx;
	bool kick = false, broken = false;
	unsigned int n = 0;

	(void)q;
	spin_lock(&rx->rx_lock);
	while (vnet_state(vn) == VN_LIVE) {
		n = rx_batch(vn, out, n, max, &broken);
		if (broken) {
			/* What was taken is good: it still goes up. */
			vnet_fail(vn);
			break;
		}
		kick |= rx_refill(vn);
		if (n == max)
			break;
		/* Below max: notifications on again, unless frames came in
		 * meanwhile -- then take those too. */
		if (virtq_enable_cb(rx->rx_q)) {
			rx->rx_cb_on = true;
			break;
		}
		virtq_disable_cb(rx->rx_q);
	}
	rx_dead(vn);
	spin_unlock(&rx->rx_lock);
	if (kick)
		virtio_notify(vn->vn_vd, rx->rx_q);
	vnet_report(vn);
	if (!n && vnet_state(vn) != VN_LIVE)
		return -ENODEV;
	return (int)n;
}

static void vnet_rx_intr(struct virtq *q, void *arg)
{
	struct vnet *vn = arg;
	struct vnet_rx *rx = &vn->vn_rx;
	bool fire = false;

	spin_lock(&rx->rx_lock);
	/* Shared lines call every queue's handler: only completions count,
	 * and only while the client waits for them. */
	if (rx->rx_cb_on && !virtq_enable_cb(q)) {
		virtq_disable_cb(q);
		rx->rx_cb_on = false;
		fire = true;
	}
	spin_unlock(&rx->rx_lock);
	if (fire) {
		netdev_count_irq(&vn->vn_nd, true);
		netdev_rx_ready(&vn->vn_nd, 0);
	}
}

/* Transmit ----------------------------------------------------------------- */

/* Moves completed frames to *done (linked by nb_next, to be put without
 * the lock). Caller holds tx_lock. Returns the number reclaimed. */
static unsigned int tx_reclaim(struct vnet *vn, struct netbuf **done)
{
	struct vnet_tx *tx = &vn->vn_tx;
	unsigned int n = 0;
	struct netbuf *nb;
	void *cookie;
	uint32_t len;
	int rc;

	if (vnet_state(vn) == VN_LIVE) {
		while ((rc = virtq_get(tx->tx_q, &cookie, &len)) == 1) {
			nb = cookie;
			nb->nb_next = *done;
			*done = nb;
			n++;
		}
		if (rc < 0)
			vnet_fail(vn);
	}
	if (vnet_state(vn) == VN_STOPPED) {
		while ((nb = virtq_drain(tx->tx_q)) != NULL) {
			nb->nb_next = *done;
			*done = nb;
			n++;
		}
	}
	return n;
}

static void tx_put(struct netbuf *done)
{
	while (done) {
		struct netbuf *nb = done;

		done = nb->nb_next;
		nb->nb_next = NULL;
		netbuf_put(nb);
	}
}

/* Appends the segments of [p, p + len) to tx_segs[*n]; 0 or -EINVAL
 * (too scattered) or -EFAULT. Caller holds tx_lock. */
static int tx_map(struct vnet_tx *tx, const void *p, size_t len,
		  unsigned int *n)
{
	int k;

	if (!len)
		return 0;
	k = virtio_sg_map(p, len, false, tx->tx_segs + *n,
			  (unsigned int)ARRAY_SIZE(tx->tx_segs) - *n);
	if (k < 0)
		return k == -E2BIG ? -EINVAL : k;
	*n += (unsigned int)k;
	return 0;
}

/* Writes the header for frame nb in front of it. A super-frame's
 * headers were checked by the netdev layer: its TCP header starts at
 * nb_csum_start, in the first piece. */
static void tx_header(struct vnet *vn, struct netbuf *nb)
{
	struct virtio_net_hdr h = { 0 };
	const uint8_t *tcp = nb->nb_data + nb->nb_csum_start;

	if (nb->nb_flags & NB_CSUM_PARTIAL) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = nb->nb_csum_start;
		h.csum_offset = nb->nb_csum_off;
	}
	h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	if (nb->nb_flags & NB_GSO_TCPV4) {
		h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		h.gso_size = nb->nb_gso_size;
		h.hdr_len = (uint16_t)(nb->nb_csum_start + (tcp[12] >> 4) * 4);
	}
	memcpy(netbuf_push(nb, vn->vn_hdr_len), &h, vn->vn_hdr_len);
}

/* Posts frame nb; 0, or an error with nb as it was. Caller holds
 * tx_lock. */
static int tx_post(struct vnet *vn, struct netbuf *nb)
{
	struct vnet_tx *tx = &vn->vn_tx;
	const struct netbuf *p;
	unsigned int n = 0;
	int rc = 0;

	if ((nb->nb_flags & NB_GSO_TCPV4) && !vn->vn_tso)
		return -EINVAL;
	tx_header(vn, nb);
	if (vn->vn_split_hdr) {
		/* Legacy framing: the header is a buffer of its own. */
		rc = tx_map(tx, nb->nb_data, vn->vn_hdr_len, &n);
		if (!rc)
			rc = tx_map(tx, nb->nb_data + vn->vn_hdr_len,
				    nb->nb_len - vn->vn_hdr_len, &n);
		p = nb->nb_frag;
	} else {
		p = nb;
	}
	for (; p && !rc; p = p->nb_frag)
		rc = tx_map(tx, p->nb_data, p->nb_len, &n);
	if (!rc)
		rc = virtq_add(tx->tx_q, tx->tx_segs, n, 0, nb);
	if (rc)
		netbuf_pull(nb, vn->vn_hdr_len);
	return rc;
}

static int vnet_tx(struct netdev *nd, unsigned int q, struct netbuf *nb,
		   bool more)
{
	struct vnet *vn = to_vnet(nd);
	struct vnet_tx *tx = &vn->vn_tx;
	size_t bytes = netbuf_frame_len(nb);
	struct netbuf *done = NULL;
	bool kick = false;
	int rc = -ENODEV;

	(void)q;
	spin_lock(&tx->tx_lock);
	tx_reclaim(vn, &done);
	if (vnet_state(vn) == VN_LIVE)
		rc = tx_post(vn, nb);
	/* Full: only now ask for an interrupt, at the next completion. Ones
	 * that came before the device saw the request raise none: take them
	 * and try again. */
	while (rc == -ENOSPC && !virtq_enable_cb(tx->tx_q) &&
	       tx_reclaim(vn, &done)) {
		virtq_disable_cb(tx->tx_q);
		rc = vnet_state(vn) == VN_LIVE ? tx_post(vn, nb) : -ENODEV;
	}
	if (rc == 0) {
		kick = !more;
	} else if (rc == -ENOSPC) {
		/* Full: the completions that make room will interrupt (asked
		 * above); frames held back by `more` go now, or they would
		 * never complete. */
		tx->tx_stopped = true;
		kick = true;
		rc = -ENOBUFS;
	} else if (rc == -EIO) {
		vnet_fail(vn);
		rc = -ENODEV;
	} else if (rc != -ENODEV) {
		rc = -EINVAL; /* memory unmapped or too scattered */
	}
	kick = kick && virtq_kick_prepare(tx->tx_q);
	spin_unlock(&tx->tx_lock);
	if (kick)
		virtio_notify(vn->vn_vd, tx->tx_q);
	if (rc == 0)
		netdev_count_tx(nd, bytes);
	else if (rc != -ENOBUFS)
		netdev_count_tx_error(nd);
	tx_put(done);
	vnet_report(vn);
	return rc;
}

static void vnet_tx_kick(struct netdev *nd, unsigned int q)
{
	struct vnet *vn = to_vnet(nd);
	struct vnet_tx *tx = &vn->vn_tx;
	bool kick;

	(void)q;
	spin_lock(&tx->tx_lock);
	kick = virtq_kick_prepare(tx->tx_q);
	spin_unlock(&tx->tx_lock);
	if (kick)
		virtio_notify(vn->vn_vd, tx->tx_q);
}

static unsigned int vnet_tx_pending(struct netdev *nd, unsigned int q)
{
	struct vnet *vn = to_vnet(nd);
	struct vnet_tx *tx = &vn->vn_tx;
	struct netbuf *done = NULL;
	unsigned int n = 0;

	(void)q;
	spin_lock(&tx->tx_lock);
	tx_reclaim(vn, &done);
	/* A failed device reads nothing more: what it holds is lost. */
	if (vnet_state(vn) == VN_LIVE)
		n = virtq_outstanding(tx->tx_q);
	spin_unlock(&tx->tx_lock);
	tx_put(done);
	vnet_report(vn);
	return n;
}

static void vnet_tx_intr(struct virtq *q, void *arg)
{
	struct vnet *vn = arg;
	struct vnet_tx *tx = &vn->vn_tx;
	struct netbuf *done = NULL;
	unsigned int n;
	bool ready;

	(void)q;
	spin_lock(&tx->tx_lock);
	n = tx_reclaim(vn, &done);
	ready = tx->tx_stopped && (n || vnet_state(vn) != VN_LIVE);
	if (ready)
		tx->tx_stopped = false;
	/* Room again: back to reclaiming on transmit, without interrupts. */
	if (ready && tx->tx_open)
		virtq_disable_cb(tx->tx_q);
	spin_unlock(&tx->tx_lock);
	tx_put(done);
	if (n)
		netdev_count_irq(&vn->vn_nd, false);
	if (ready)
		netdev_tx_ready(&vn->vn_nd, 0);
	vnet_report(vn);
}

/* Open and close ----------------------------------------------------------- */

static int vnet_open(struct netdev *nd)
{
	struct vnet *vn = to_vnet(nd);
	struct vnet_rx *rx = &vn->vn_rx;
	bool kick, pending = false;
	void *cookie;
	uint32_t len;

	/* Transmit completions are collected by the next transmit, by
	 * tx_pending, or by the interrupt only while the queue is full:
	 * under emulation an interrupt per frame costs far more. */
	spin_lock(&vn->vn_tx.tx_lock);
	vn->vn_tx.tx_open = true;
	virtq_disable_cb(vn->vn_tx.tx_q);
	spin_unlock(&vn->vn_tx.tx_lock);

	spin_lock(&rx->rx_lock);
	/* Frames that came while closed are stale: their buffers go back. */
	while (vnet_state(vn) == VN_LIVE &&
	       virtq_get(rx->rx_q, &cookie, &len) == 1) {
		rx_give_back(vn, cookie);
		netdev_count_rx_drop(nd);
	}
	rx->rx_open = true;
	kick = rx_refill(vn);
	if (vnet_state(vn) == VN_LIVE) {
		rx->rx_cb_on = virtq_enable_cb(rx->rx_q);
		pending = !rx->rx_cb_on;
		if (pending)
			virtq_disable_cb(rx->rx_q);
	}
	spin_unlock(&rx->rx_lock);
	if (kick)
		virtio_notify(vn->vn_vd, rx->rx_q);
	if (vnet_state(vn) != VN_LIVE)
		return -ENODEV;
	if (pending)
		netdev_rx_ready(nd, 0);
	return 0;
}

static void vnet_close(struct netdev *nd)
{
	struct vnet *vn = to_vnet(nd);
	struct netbuf *done = NULL;

	spin_lock(&vn->vn_rx.rx_lock);
	vn->vn_rx.rx_open = false;
	vn->vn_rx.rx_cb_on = false;
	virtq_disable_cb(vn->vn_rx.rx_q);
	spin_unlock(&vn->vn_rx.rx_lock);
	/* Frames the device still reads are put by the transmit interrupt
	 * when it completes them: no transmit comes to collect them. */
	spin_lock(&vn->vn_tx.tx_lock);
	vn->vn_tx.tx_open = false;
	tx_reclaim(vn, &done);
	while (vnet_state(vn) == VN_LIVE && !virtq_enable_cb(vn->vn_tx.tx_q))
		tx_reclaim(vn, &done);
	vn->vn_tx.tx_stopped = false;
	spin_unlock(&vn->vn_tx.tx_lock);
	tx_put(done);
}

static const struct netdev_ops vnet_ops = {
	.open = vnet_open,
	.close = vnet_close,
	.rx = vnet_rx,
	.tx = vnet_tx,
	.tx_kick = vnet_tx_kick,
	.tx_pending = vnet_tx_pending,
};

/* Link status ------------------------------------------------------------- */

static bool read_link(struct vnet *vn)
{
	uint16_t st;

	if (virtio_config_read(vn->vn_vd, VNET_CFG_STATUS, &st, sizeof(st)))
		return false;
	return st & VIRTIO_NET_S_LINK_UP;
}

/*
 * Brings nd_link_up in line with the device. Without a lock two CPUs may
 * each publish what they read; each checks the device again after
 * publishing, so the last value published is one the device held after
 * every earlier publication. A device that flips at every read is given
 * a few tries (each change interrupts again anyway).
 */
static void link_update(struct vnet *vn)
{
	unsigned int tries = 0;
	bool up;

	if (vnet_state(vn) != VN_LIVE)
		return;
	do {
		up = read_link(vn);
		netdev_link_changed(&vn->vn_nd, up);
	} while (read_link(vn) != up && ++tries < 8);
}

static void vnet_config_intr(struct virtio_dev *vd, void *arg)
{
	(void)vd;
	link_update(arg);
}

/* Probe -------------------------------------------------------------------- */

/* Bytes of chunk i of the receive pool. */
static size_t rx_chunk_bytes(const struct vnet_rx *rx, unsigned int i)
{
	unsigned int first = i * rx->rx_chunk_bufs;
	unsigned int n = rx->rx_nbufs - first < rx->rx_chunk_bufs
				 ? rx->rx_nbufs - first
				 : rx->rx_chunk_bufs;

	return (size_t)n * rx->rx_buf_bytes;
}

static void rx_pool_free(struct vnet_rx *rx)
{
	unsigned int i;

	for (i = 0; i < rx->rx_nchunks; i++)
		virtio_dma_free(rx->rx_chunks[i], rx_chunk_bytes(rx, i));
	heap_free(rx->rx_chunks);
	heap_free(rx->rx_bufs);
	rx->rx_chunks = NULL;
	rx->rx_bufs = NULL;
	rx->rx_nchunks = 0;
	rx->rx_nbufs = 0;
}

static void vnet_free(struct vnet *vn)
{
	rx_pool_free(&vn->vn_rx);
	heap_free(vn);
}

static int read_mac(struct virtio_dev *vd, uint8_t *mac)
{
	static const uint8_t zero[ETH_ALEN];

	if (!virtio_has_feature(vd, VIRTIO_NET_F_MAC)) {
		/* A random, locally administered unicast address. */
		random_bytes(mac, ETH_ALEN);
		mac[0] = (uint8_t)((mac[0] & ~1u) | 2u);
		return 0;
	}
	if (virtio_config_read(vd, VNET_CFG_MAC, mac, ETH_ALEN))
		return -EIO;
	if ((mac[0] & 1) || memcmp(mac, zero, ETH_ALEN) == 0) {
		log_err("%s: refusing MAC address "
			"%02x:%02x:%02x:%02x:%02x:%02x\n",
			virtio_name(vd), mac[0], mac[1], mac[2], mac[3], mac[4],
			mac[5]);
		return -EIO;
	}
	return 0;
}

static int read_config(struct virtio_dev *vd, struct vnet *vn)
{
	struct netdev_info *ni = &vn->vn_nd.nd_info;
	uint16_t mtu = VNET_MTU_DEFAULT;

	if (read_mac(vd, ni->ni_mac))
		return -EIO;
	if (virtio_has_feature(vd, VIRTIO_NET_F_MTU)) {
		if (virtio_config_read(vd, VNET_CFG_MTU, &mtu, sizeof(mtu)))
			return -EIO;
		if (mtu < VNET_MTU_MIN) {
			log_err("%s: refusing MTU %u\n", virtio_name(vd), mtu);
			return -EIO;
		}
		/* A larger device MTU still works: we send no more than
		 * ours and take larger frames only merged. */
		if (mtu > VNET_MTU_MAX)
			mtu = VNET_MTU_MAX;
	}
	ni->ni_mtu = mtu;
	vn->vn_mrg = virtio_has_feature(vd, VIRTIO_NET_F_MRG_RXBUF);
	vn->vn_hdr_len =
		virtio_has_feature(vd, VIRTIO_F_VERSION_1) || vn->vn_mrg
			? sizeof(struct virtio_net_hdr)
			: VNET_HDR_LEGACY_BYTES;
	vn->vn_split_hdr = !virtio_has_feature(vd, VIRTIO_F_VERSION_1) &&
			   !virtio_has_feature(vd, VIRTIO_F_ANY_LAYOUT);
	vn->vn_guest_csum = virtio_has_feature(vd, VIRTIO_NET_F_GUEST_CSUM);
	vn->vn_status = virtio_has_feature(vd, VIRTIO_NET_F_STATUS);
	vn->vn_tso = virtio_has_feature(vd, VIRTIO_NET_F_HOST_TSO4) &&
		     virtio_has_feature(vd, VIRTIO_NET_F_CSUM);
	/* The IP header, after the virtio and Ethernet ones, 4-aligned. */
	vn->vn_rx_pad =
		(uint16_t)((4 - (vn->vn_hdr_len + ETH_HDR_BYTES) % 4) % 4);
	return 0;
}

/* Allocates a pool of n buffers: 0 or -ENOMEM, with nothing left over. */
static int rx_pool_alloc(struct vnet *vn, unsigned int n)
{
	struct vnet_rx *rx = &vn->vn_rx;
	unsigned int i, nchunks;

	nchunks = (n + rx->rx_chunk_bufs - 1) / rx->rx_chunk_bufs;
	rx->rx_nbufs = n;
	rx->rx_chunks = heap_calloc(nchunks, sizeof(*rx->rx_chunks));
	rx->rx_bufs = heap_calloc(n, sizeof(*rx->rx_bufs));
	if (!rx->rx_chunks || !rx->rx_bufs)
		goto fail;
	for (; rx->rx_nchunks < nchunks; rx->rx_nchunks++) {
		i = rx->rx_nchunks;
		rx->rx_chunks[i] = virtio_dma_alloc(rx_chunk_bytes(rx, i));
		if (!rx->rx_chunks[i])
			goto fail;
	}
	return 0;
fail:
	rx_pool_free(rx);
	return -ENOMEM;
}

/*
 * Allocates the receive pool: twice the ring, so the ring stays full
 * while the stack holds up to a ring's worth; fewer when memory is
 * small (a share of what is free, then halving while allocations fail),
 * never fewer than VNET_RX_POOL_MIN. The ring is posted with what there
 * is.
 */
static int rx_pool(struct vnet *vn)
{
	struct vnet_rx *rx = &vn->vn_rx;
	uint32_t bytes = vn->vn_rx_pad + vn->vn_hdr_len + ETH_HDR_BYTES +
			 vn->vn_nd.nd_info.ni_mtu;
	unsigned int i, n = 2u * virtq_size(rx->rx_q);
	size_t share = virtio_dma_avail() / VNET_RX_POOL_SHARE, chunk;
	int rc;

	rx->rx_buf_bytes = (bytes + 63) & ~63u;
	for (chunk = 4096;
	     chunk < (size_t)VNET_RX_CHUNK_BUFS * rx->rx_buf_bytes;)
		chunk <<= 1;
	rx->rx_chunk_bufs = (unsigned int)(chunk / rx->rx_buf_bytes);
	if (n > VNET_RX_POOL_BYTES_MAX / rx->rx_buf_bytes)
		n = VNET_RX_POOL_BYTES_MAX / rx->rx_buf_bytes;
	if (n > share / rx->rx_buf_bytes)
		n = (unsigned int)(share / rx->rx_buf_bytes);
	if (n < VNET_RX_POOL_MIN)
		n = VNET_RX_POOL_MIN;
	while ((rc = rx_pool_alloc(vn, n)) != 0 && n > VNET_RX_POOL_MIN)
		n = n / 2 > VNET_RX_POOL_MIN ? n / 2 : VNET_RX_POOL_MIN;
	if (rc) {
		log_err("%s: out of memory for %u receive buffers of %u "
			"bytes (%zu KiB free)\n",
			virtio_name(vn->vn_vd), n, rx->rx_buf_bytes,
			virtio_dma_avail() >> 10);
		return rc;
	}
	for (i = 0; i < n; i++) {
		struct netbuf *nb = &rx->rx_bufs[i];

		nb->nb_base =
			rx->rx_chunks[i / rx->rx_chunk_bufs] +
			(size_t)(i % rx->rx_chunk_bufs) * rx->rx_buf_bytes;
		nb->nb_release = vnet_rx_release;
		rx_give_back(vn, nb);
	}
	return 0;
}

static int setup_queues(struct virtio_dev *vd, struct vnet *vn)
{
	struct netdev_info *ni = &vn->vn_nd.nd_info;
	uint16_t want = virtio_dma_avail() < VNET_SMALL_RAM ? VNET_QUEUE_SMALL
							    : VNET_QUEUE_WANT;
	unsigned int txsize;
	int rc;

	/* Devices that cannot be sized keep theirs (and need the memory). */
	rc = virtio_queue_setup(vd, VNET_RXQ, want, vn->vn_split_hdr ? 2 : 0,
				vnet_rx_intr, vn, &vn->vn_rx.rx_q);
	if (rc)
		return rc;
	rc = virtio_queue_setup(vd, VNET_TXQ, want,
				vn->vn_tso ? VNET_TSO_INDIRECT : VNET_TX_SEGS,
				vnet_tx_intr, vn, &vn->vn_tx.tx_q);
	if (rc)
		return rc;
	/* A frame is at most a queue's worth of descriptors (§2.7.5.3.1):
	 * the pieces, one more for a split header. */
	txsize = virtq_size(vn->vn_tx.tx_q);
	if (txsize < 4 || virtq_size(vn->vn_rx.rx_q) < 2) {
		log_err("%s: queues of %u and %u entries are too small\n",
			virtio_name(vd), virtq_size(vn->vn_rx.rx_q), txsize);
		return -EIO;
	}
	ni->ni_tx_max_frags =
		txsize - 2 < VNET_TX_FRAGS ? txsize - 2 : VNET_TX_FRAGS;
	/* The most scattered super-frame goes as a direct chain: the ring
	 * must hold it. */
	if (vn->vn_tso && txsize >= VNET_TSO_SEGS) {
		ni->ni_tx_max_frags = VNET_TSO_FRAGS;
		ni->ni_tso_max = NETDEV_TSO_MAX;
		ni->ni_features |= NETDEV_F_TSO4;
	}
	return 0;
}

/* Link reports need the configuration interrupt; without one (MSI-X
 * table too small) the link counts as always up. */
static void setup_link(struct virtio_dev *vd, struct vnet *vn)
{
	int rc;

	if (!vn->vn_status)
		return;
	rc = virtio_config_irq(vd, vnet_config_intr, vn);
	if (rc) {
		log_warn("%s: no configuration interrupt (%d): link changes "
			 "go unreported\n",
			 virtio_name(vd), rc);
		return;
	}
	vn->vn_nd.nd_info.ni_features |= NETDEV_F_LINK;
}

static void log_probe(struct virtio_dev *vd, struct vnet *vn, uint64_t got)
{
	const struct netdev_info *ni = &vn->vn_nd.nd_info;
	const uint8_t *m = ni->ni_mac;

	log_info("%s: is %s mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u %s, "
		 "link %s, queues %u/%u, %u receive buffers of %u bytes, "
		 "features %#lx\n",
		 virtio_name(vd), ni->ni_name, m[0], m[1], m[2], m[3], m[4],
		 m[5], ni->ni_mtu, virtio_irq_kind(vd),
		 netdev_link_up(&vn->vn_nd) ? "up" : "down",
		 virtq_size(vn->vn_rx.rx_q), virtq_size(vn->vn_tx.tx_q),
		 vn->vn_rx.rx_nbufs, vn->vn_rx.rx_buf_bytes,
		 (unsigned long)got);
}

#define VNET_FEATURES                                                          \
	(VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | \
	 VIRTIO_BIT(VIRTIO_NET_F_MTU) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |         \
	 VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |                                  \
	 VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_F_ANY_LAYOUT) |   \
	 VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX))

/*
 * What to accept: VNET_FEATURES, and HOST_TSO4 when the device also
 * offers CSUM, which it depends on (§5.1.3.1), and memory is not small
 * (its larger indirect tables, and 64 KiB frames in flight).
 */
static uint64_t vnet_wanted(struct virtio_dev *vd)
{
	uint64_t offered = virtio_device_features(vd);

	if (!(offered & VIRTIO_BIT(VIRTIO_NET_F_CSUM)) ||
	    virtio_dma_avail() < VNET_SMALL_RAM)
		return VNET_FEATURES;
	return VNET_FEATURES | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4);
}

static int vnet_probe(struct virtio_dev *vd)
{
	struct netdev_info *ni;
	struct vnet *vn;
	uint64_t got;
	int rc;

	rc = virtio_negotiate(vd, vnet_wanted(vd), &got);
	if (rc)
		return rc;
	vn = heap_calloc(1, sizeof(*vn));
	if (!vn)
		return -ENOMEM;
	spin_init(&vn->vn_rx.rx_lock, "virtio-net rx");
	spin_init(&vn->vn_tx.tx_lock, "virtio-net tx");
	vn->vn_vd = vd;
	ni = &vn->vn_nd.nd_info;
	rc = read_config(vd, vn);
	if (!rc)
		rc = setup_queues(vd, vn);
	if (!rc)
		rc = rx_pool(vn);
	if (rc)
		goto fail;
	ni->ni_nqueues = 1;
	ni->ni_tx_headroom = vn->vn_hdr_len;
	if (virtio_has_feature(vd, VIRTIO_NET_F_CSUM))
		ni->ni_features |= NETDEV_F_TX_CSUM;
	if (vn->vn_guest_csum)
		ni->ni_features |= NETDEV_F_RX_CSUM;
	vn->vn_nd.nd_ops = &vnet_ops;
	setup_link(vd, vn);
	virtio_set_drvdata(vd, vn);
	rc = virtio_ready(vd);
	if (rc)
		goto fail;
	link_update(vn);
	rc = netdev_register(&vn->vn_nd);
	if (rc)
		goto fail;
	log_probe(vd, vn, got);
	return 0;
fail:
	/* Its interrupt handlers use vn: stop the device first. */
	if (vn->vn_rx.rx_q)
		virtio_stop(vd);
	vnet_free(vn);
	return rc;
}

static struct virtio_driver vnet_driver = {
	.vd_name = "virtio-net",
	.vd_type = VIRTIO_ID_NET,
	.vd_probe = vnet_probe,
};

static int vnet_init(void)
{
	return virtio_driver_register(&vnet_driver);
}
INITCALL_ON_USE(device, vnet_init);
