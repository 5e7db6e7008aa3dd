// SPDX-License-Identifier: MIT
/*
 * virtio-blk (virtio 1.2 §5.2): a <kernel/blkdev_driver.h> block device
 * over one request queue. Each request is a chain: a device-readable
 * header, the data (one segment per physically contiguous piece of the
 * caller's buffer, or of each piece of a gathered request), and a status
 * byte the device writes. Headers and
 * status bytes live in a DMA array with one slot per queue entry; the
 * caller's buffer is used in place (no copy). Requests beyond what the
 * queue holds wait in a FIFO and start as completions free room, so
 * submit never refuses for lack of space and the interrupt handler never
 * allocates.
 *
 * Configuration is device input: a capacity above 128 TiB, a block size
 * that is not a power of two in 512..64 KiB, or a queue without entries
 * makes the probe fail with a message; a device that breaks the queue
 * rules afterwards fails all its requests with -EIO, never the kernel.
 */
#include <kernel/blkdev_driver.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/init.h>
#include <kernel/log.h>
#include <kernel/page.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <virtio/virtio.h>

#include "virtio_blk_reg.h"

#define VBLK_QUEUE_WANT 128
/* Data segments per request: QEMU's seg_max for a queue of 128, so that
 * one request carries 126 scattered cache blocks. */
#define VBLK_DATA_SEGS_MAX 126
#define VBLK_MAX_TRANSFER (1u << 20)
#define VBLK_CAPACITY_MAX (1ull << 47) /* bytes: 128 TiB */

/* DMA per queue entry: the request header and the status byte. */
struct vblk_slot {
	struct virtio_blk_outhdr vs_hdr;
	uint8_t vs_status;
	uint8_t vs_pad[15];
};

struct vblk {
	struct blkdev vb_bd;
	struct virtio_dev *vb_vd;
	struct virtq *vb_q;
	struct spinlock vb_lock; /* everything below, and vb_q */
	struct vblk_slot *vb_slots; /* DMA, vb_nslots entries */
	size_t vb_slots_len;
	struct blk_req **vb_slot_req; /* the request in each slot */
	uint16_t *vb_free; /* stack of free slot numbers */
	unsigned int vb_nfree, vb_nslots;
	struct blk_req *vb_pend_head, *vb_pend_tail; /* not yet started */
	struct virtq_seg *vb_segs; /* scratch, vb_dsegs + 2 entries */
	unsigned int vb_dsegs; /* data segments per request */
	uint32_t vb_size_max; /* largest segment, 0: no limit */
	bool vb_broken;
	bool vb_told_irq, vb_told_kick; /* stalls reported once each */
};

static struct vblk *to_vblk(struct blkdev *bd)
{
	return container_of(bd, struct vblk, vb_bd);
}

/* Splits segments longer than the device's size_max; returns the new
 * count or -E2BIG. */
static int split_segs(struct virtq_seg *s, int n, unsigned int max,
		      uint32_t size_max)
{
	int i;

	if (!size_max)
		return n;
	for (i = 0; i < n; i++) {
		if (s[i].vs_len <= size_max)
			continue;
		if ((unsigned int)n == max)
			return -E2BIG;
		memmove(&s[i + 2], &s[i + 1], (size_t)(n - i - 1) * sizeof(*s));
		s[i + 1] = s[i];
		s[i + 1].vs_addr += size_max;
		s[i + 1].vs_len -= size_max;
		s[i].vs_len = size_max;
		n++;
	}
	return n;
}

/* Maps the pieces of a gathered request after the header segment;
 * returns the segment count or a negative errno. */
static int map_gathered(struct vblk *vb, const struct blk_req *r,
			bool dev_writes)
{
	unsigned int i, n = 0;
	int k;

	for (i = 0; i < r->br_nsegs; i++) {
		k = virtio_sg_map(r->br_segs[i].bs_buf, r->br_segs[i].bs_len,
				  dev_writes, vb->vb_segs + 1 + n,
				  vb->vb_dsegs - n);
		if (k < 0)
			return k;
		n += (unsigned int)k;
	}
	return (int)n;
}

/*
 * Puts r on the queue. Returns 0, -ENOSPC when there is no room now (r
 * is untouched, retry later), or another negative errno for a request
 * that can never start (its buffer is not mapped or too fragmented).
 * Caller holds vb_lock.
 */
static int start(struct vblk *vb, struct blk_req *r)
{
	struct virtq_seg *segs = vb->vb_segs;
	unsigned int n_out = 1, n_in = 1, slot;
	struct vblk_slot *s;
	int n = 0, rc;

	if (!vb->vb_nfree)
		return -ENOSPC;
	slot = vb->vb_free[vb->vb_nfree - 1];
	s = &vb->vb_slots[slot];
	memset(&s->vs_hdr, 0, sizeof(s->vs_hdr));
	s->vs_status = 0xff;
	switch (r->br_op) {
	case BLK_READ:
		s->vs_hdr.type = VIRTIO_BLK_T_IN;
		break;
	case BLK_WRITE:
		s->vs_hdr.type = VIRTIO_BLK_T_OUT;
		break;
	case BLK_FLUSH:
		s->vs_hdr.type = VIRTIO_BLK_T_FLUSH;
		break;
	case BLK_GET_ID:
		s->vs_hdr.type = VIRTIO_BLK_T_GET_ID;
		break;
	}
	/* Only reads and writes address a sector; FLUSH and GET_ID carry
	 * 0 (§5.2.6.2). */
	if (r->br_op == BLK_READ || r->br_op == BLK_WRITE)
		s->vs_hdr.sector = r->br_off / VIRTIO_BLK_SECTOR;
	segs[0].vs_addr = (uintptr_t)&s->vs_hdr;
	segs[0].vs_len = sizeof(s->vs_hdr);
	segs[0].vs_write = false;
	if (r->br_op != BLK_FLUSH) {
		size_t len = r->br_op == BLK_GET_ID ? VIRTIO_BLK_ID_BYTES
						    : r->br_len;
		bool dev_writes = r->br_op != BLK_WRITE;

		n = r->br_nsegs ? map_gathered(vb, r, dev_writes)
				: virtio_sg_map(r->br_buf, len, dev_writes,
						segs + 1, vb->vb_dsegs);
		if (n > 0)
			n = split_segs(segs + 1, n, vb->vb_dsegs,
				       vb->vb_size_max);
		if (n < 0)
			return n == -E2BIG ? -EINVAL : n;
		if (dev_writes)
			n_in += (unsigned int)n;
		else
			n_out += (unsigned int)n;
	}
	segs[1 + n].vs_addr = (uintptr_t)&s->vs_status;
	segs[1 + n].vs_len = 1;
	segs[1 + n].vs_write = true;
	rc = virtq_add(vb->vb_q, segs, n_out, n_in,
		       (void *)(uintptr_t)(slot + 1));
	if (rc)
		return rc;
	vb->vb_nfree--;
	vb->vb_slot_req[slot] = r;
	return 0;
}

static void pend(struct vblk *vb, struct blk_req *r)
{
	r->br_next = NULL;
	if (vb->vb_pend_tail)
		vb->vb_pend_tail->br_next = r;
	else
		vb->vb_pend_head = r;
	vb->vb_pend_tail = r;
}

static void push(struct blk_req **list, struct blk_req *r, int status)
{
	r->br_status = status;
	r->br_next = *list;
	*list = r;
}

/* Starts waiting requests while there is room; failures go to *done.
 * Caller holds vb_lock. */
static void start_pending(struct vblk *vb, struct blk_req **done)
{
	struct blk_req *r;
	int rc;

	while ((r = vb->vb_pend_head) != NULL) {
		rc = start(vb, r);
		if (rc == -ENOSPC)
			return;
		vb->vb_pend_head = r->br_next;
		if (!vb->vb_pend_head)
			vb->vb_pend_tail = NULL;
		if (rc)
			push(done, r, rc);
	}
}

/* The device broke the rules: fail everything, refuse what comes. */
static void give_up(struct vblk *vb, struct blk_req **done)
{
	struct blk_req *r;
	void *cookie;

	if (!vb->vb_broken)
		log_err("%s: device broke the virtio rules; its requests "
			"now fail with -EIO\n",
			virtio_name(vb->vb_vd));
	vb->vb_broken = true;
	/* A device that would not stop may still write into the posted
	 * buffers: those requests stay outstanding rather than handing the
	 * memory back (their waiters are reported after 30 s). */
	if (virtio_fail(vb->vb_vd)) {
		log_err("%s: device did not stop; %u requests stay "
			"outstanding\n",
			virtio_name(vb->vb_vd), virtq_outstanding(vb->vb_q));
	} else {
		while ((cookie = virtq_drain(vb->vb_q)) != NULL) {
			unsigned int slot = (unsigned int)(uintptr_t)cookie - 1;

			push(done, vb->vb_slot_req[slot], -EIO);
			vb->vb_slot_req[slot] = NULL;
			vb->vb_free[vb->vb_nfree++] = (uint16_t)slot;
		}
	}
	while ((r = vb->vb_pend_head) != NULL) {
		vb->vb_pend_head = r->br_next;
		push(done, r, -EIO);
	}
	vb->vb_pend_tail = NULL;
}

static int status_to_errno(const struct blk_req *r, uint8_t st,
			   uint32_t written, bool modern)
{
	if (st == VIRTIO_BLK_S_UNSUPP)
		return -EOPNOTSUPP;
	if (st != VIRTIO_BLK_S_OK)
		return -EIO;
	/* A read the device says it did not fill is a failed read. Legacy
	 * devices are known to report lengths loosely (§2.7.8.2 note), so
	 * only a modern one is held to it. */
	if (r->br_op == BLK_READ && modern && written < r->br_len + 1)
		return -EIO;
	return 0;
}

static void finish(struct blk_req *done)
{
	while (done) {
		struct blk_req *r = done;

		done = r->br_next;
		blkdev_complete(r, r->br_status);
	}
}

static void vblk_irq(struct virtq *q, void *arg)
{
	struct vblk *vb = arg;
	struct blk_req *done = NULL;
	bool kick = false;
	uint32_t written;
	void *cookie;
	int rc;

	spin_lock(&vb->vb_lock);
	if (vb->vb_broken) {
		spin_unlock(&vb->vb_lock);
		return;
	}
	for (;;) {
		virtq_disable_cb(q);
		while ((rc = virtq_get(q, &cookie, &written)) == 1) {
			unsigned int slot = (unsigned int)(uintptr_t)cookie - 1;
			struct blk_req *r = vb->vb_slot_req[slot];

			push(&done, r,
			     status_to_errno(
				     r, vb->vb_slots[slot].vs_status, written,
				     virtio_has_feature(vb->vb_vd,
							VIRTIO_F_VERSION_1)));
			vb->vb_slot_req[slot] = NULL;
			vb->vb_free[vb->vb_nfree++] = (uint16_t)slot;
		}
		if (rc < 0) {
			give_up(vb, &done);
			break;
		}
		if (virtq_enable_cb(q))
			break;
	}
	if (!vb->vb_broken) {
		start_pending(vb, &done);
		kick = virtq_kick_prepare(q);
	}
	spin_unlock(&vb->vb_lock);
	if (kick)
		virtio_notify(vb->vb_vd, q);
	finish(done);
}

static int vblk_submit(struct blkdev *bd, struct blk_req *r)
{
	struct vblk *vb = to_vblk(bd);
	bool kick = false;
	int rc = 0;

	spin_lock(&vb->vb_lock);
	if (vb->vb_broken) {
		rc = -EIO;
	} else if (vb->vb_pend_head) {
		pend(vb, r);
	} else {
		rc = start(vb, r);
		if (rc == -ENOSPC) {
			pend(vb, r);
			rc = 0;
		} else if (rc == 0) {
			kick = virtq_kick_prepare(vb->vb_q);
		}
	}
	spin_unlock(&vb->vb_lock);
	if (kick)
		virtio_notify(vb->vb_vd, vb->vb_q);
	return rc;
}

/* A waiter saw no answer for a while: take completions that raised no
 * interrupt, and notify the device again of what it holds. */
static void vblk_stalled(struct blkdev *bd)
{
	struct vblk *vb = to_vblk(bd);
	unsigned int before, after;
	bool told;

	spin_lock(&vb->vb_lock);
	before = virtq_outstanding(vb->vb_q);
	spin_unlock(&vb->vb_lock);
	vblk_irq(vb->vb_q, vb);
	spin_lock(&vb->vb_lock);
	after = virtq_outstanding(vb->vb_q);
	if (after < before) {
		told = vb->vb_told_irq;
		vb->vb_told_irq = true;
	} else {
		told = vb->vb_told_kick || !after || vb->vb_broken;
		if (after && !vb->vb_broken)
			vb->vb_told_kick = true;
	}
	spin_unlock(&vb->vb_lock);
	if (after < before && !told)
		log_warn("%s: %u requests completed without an interrupt\n",
			 virtio_name(vb->vb_vd), before - after);
	if (after >= before && after && !vb->vb_broken) {
		virtio_notify(vb->vb_vd, vb->vb_q);
		if (!told)
			log_debug("%s: no answer to %u requests for a while; "
				  "notified the device again\n",
				  virtio_name(vb->vb_vd), after);
	}
}

static const struct blkdev_ops vblk_ops = {
	.submit = vblk_submit,
	.stalled = vblk_stalled,
};

static void vblk_free(struct vblk *vb)
{
	virtio_dma_free(vb->vb_slots, vb->vb_slots_len);
	heap_free(vb->vb_slot_req);
	heap_free(vb->vb_free);
	heap_free(vb->vb_segs);
	heap_free(vb);
}

static int read_config(struct virtio_dev *vd, struct vblk *vb)
{
	struct blkdev_info *bi = &vb->vb_bd.bd_info;
	uint64_t capacity;
	uint32_t v;

	if (virtio_config_read(vd, VBLK_CFG_CAPACITY, &capacity, 8))
		return -EIO;
	if (capacity > VBLK_CAPACITY_MAX / VIRTIO_BLK_SECTOR) {
		log_err("%s: refusing absurd capacity of %lu sectors\n",
			virtio_name(vd), (unsigned long)capacity);
		return -EIO;
	}
	bi->bi_block_size = VIRTIO_BLK_SECTOR;
	if (virtio_has_feature(vd, VIRTIO_BLK_F_BLK_SIZE)) {
		if (virtio_config_read(vd, VBLK_CFG_BLK_SIZE, &v, 4))
			return -EIO;
		if (v < 512 || v > 65536 || (v & (v - 1))) {
			log_err("%s: refusing block size %u\n", virtio_name(vd),
				v);
			return -EIO;
		}
		bi->bi_block_size = v;
	}
	bi->bi_size = capacity * VIRTIO_BLK_SECTOR;
	bi->bi_size -= bi->bi_size % bi->bi_block_size;
	vb->vb_dsegs = VBLK_DATA_SEGS_MAX;
	if (virtio_has_feature(vd, VIRTIO_BLK_F_SEG_MAX)) {
		if (virtio_config_read(vd, VBLK_CFG_SEG_MAX, &v, 4))
			return -EIO;
		if (v == 0) {
			log_err("%s: refusing seg_max 0\n", virtio_name(vd));
			return -EIO;
		}
		if (v < vb->vb_dsegs)
			vb->vb_dsegs = v;
	}
	if (virtio_has_feature(vd, VIRTIO_BLK_F_SIZE_MAX)) {
		if (virtio_config_read(vd, VBLK_CFG_SIZE_MAX, &v, 4))
			return -EIO;
		/* Below a page every page would need splitting: refuse
		 * nonsense, honour the rest. */
		if (v < VIRTIO_BLK_SECTOR) {
			log_err("%s: refusing size_max %u\n", virtio_name(vd),
				v);
			return -EIO;
		}
		vb->vb_size_max = v;
	}
	bi->bi_read_only = virtio_has_feature(vd, VIRTIO_BLK_F_RO);
	bi->bi_flush = virtio_has_feature(vd, VIRTIO_BLK_F_FLUSH);
	return 0;
}

static int vblk_probe(struct virtio_dev *vd)
{
	struct blkdev_info *bi;
	struct vblk *vb;
	unsigned int i;
	uint64_t got;
	uint32_t max;
	int rc;

	rc = virtio_negotiate(vd,
			      VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) |
				      VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
				      VIRTIO_BIT(VIRTIO_BLK_F_RO) |
				      VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
				      VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |
				      VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
				      VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
			      &got);
	if (rc)
		return rc;
	vb = heap_calloc(1, sizeof(*vb));
	if (!vb)
		return -ENOMEM;
	spin_init(&vb->vb_lock, "virtio-blk");
	vb->vb_vd = vd;
	bi = &vb->vb_bd.bd_info;
	rc = read_config(vd, vb);
	if (rc)
		goto fail;
	rc = virtio_queue_setup(vd, 0, VBLK_QUEUE_WANT, vb->vb_dsegs + 2,
				vblk_irq, vb, &vb->vb_q);
	if (rc)
		goto fail;
	vb->vb_nslots = virtq_size(vb->vb_q);
	if (vb->vb_nslots < 3) {
		log_err("%s: queue of %u entries is too small\n",
			virtio_name(vd), vb->vb_nslots);
		rc = -EIO;
		goto fail;
	}
	/* No chain may be longer than the queue (§2.7.5.3.1), indirect or
	 * not. */
	if (vb->vb_dsegs + 2 > vb->vb_nslots)
		vb->vb_dsegs = vb->vb_nslots - 2;
	vb->vb_slots_len = vb->vb_nslots * sizeof(struct vblk_slot);
	vb->vb_slots = virtio_dma_alloc(vb->vb_slots_len);
	vb->vb_slot_req = heap_calloc(vb->vb_nslots, sizeof(*vb->vb_slot_req));
	vb->vb_free = heap_calloc(vb->vb_nslots, sizeof(*vb->vb_free));
	vb->vb_segs = heap_calloc(vb->vb_dsegs + 2, sizeof(*vb->vb_segs));
	if (!vb->vb_slots || !vb->vb_slot_req || !vb->vb_free || !vb->vb_segs) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < vb->vb_nslots; i++)
		vb->vb_free[i] = (uint16_t)(vb->vb_nslots - 1 - i);
	vb->vb_nfree = vb->vb_nslots;
	/* A buffer that starts mid-page spans one page more than its size. */
	max = (vb->vb_dsegs - 1) * (uint32_t)PAGE_SIZE;
	bi->bi_max_transfer = max < VBLK_MAX_TRANSFER ? max : VBLK_MAX_TRANSFER;
	/* A gathered request takes a segment per page its pieces touch. */
	bi->bi_max_pages = vb->vb_dsegs;
	/* Splitting at size_max at most doubles the pieces. */
	if (vb->vb_size_max)
		bi->bi_max_transfer =
			((vb->vb_dsegs - 1) / 2) *
			(vb->vb_size_max < PAGE_SIZE ? vb->vb_size_max
						     : (uint32_t)PAGE_SIZE);
	/* Below a page, a piece may split into more segments than the
	 * pages it touches: no gathered requests then. */
	if (vb->vb_size_max && vb->vb_size_max < PAGE_SIZE)
		bi->bi_max_pages = 0;
	if (bi->bi_max_transfer < bi->bi_block_size) {
		log_err("%s: segment limits (%u of at most %u bytes) cannot "
			"carry one %u-byte block\n",
			virtio_name(vd), vb->vb_dsegs, vb->vb_size_max,
			bi->bi_block_size);
		rc = -EIO;
		goto fail;
	}
	vb->vb_bd.bd_ops = &vblk_ops;
	virtio_set_drvdata(vd, vb);
	rc = virtio_ready(vd);
	if (rc)
		goto fail;
	rc = blkdev_register(&vb->vb_bd);
	if (rc)
		goto fail;
	log_info("%s: is %s, queue %u, %u segments, %s, features %#lx\n",
		 virtio_name(vd), bi->bi_name, vb->vb_nslots, vb->vb_dsegs,
		 virtio_irq_kind(vd), (unsigned long)got);
	return 0;
fail:
	/* Its interrupt handler uses vb: stop the device first. */
	if (vb->vb_q)
		virtio_stop(vd);
	vblk_free(vb);
	return rc;
}

static struct virtio_driver vblk_driver = {
	.vd_name = "virtio-blk",
	.vd_type = VIRTIO_ID_BLOCK,
	.vd_probe = vblk_probe,
};

static int vblk_init(void)
{
	return virtio_driver_register(&vblk_driver);
}
INITCALL_ON_USE(device, vblk_init);
