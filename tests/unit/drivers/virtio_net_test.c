// SPDX-License-Identifier: MIT
/*
 * Host tests of the virtio-net driver with the virtio core, the split
 * virtqueue, the netdev layer and netbufs, against a device emulated
 * here. The transport is written in this file: a register file in plain
 * memory (as tests/unit/drivers/virtio_blk_test.c uses with virtio-mmio)
 * cannot hold two queues' state, so the registers are C state instead:
 * per-queue sizes and rings, feature words, status, configuration, a
 * notification count per queue, and either an interrupt per queue plus
 * one for configuration changes (as MSI-X gives them) or one shared line
 * with an ISR (INTx, virtio-mmio). The test plays the device by walking
 * the rings the driver set up.
 *
 * Covers: probe with good and bad configuration (MAC, MTU, queue sizes,
 * refused features, every allocation failing in turn); receive of single
 * and merged frames, notification suppression (one callback until
 * netdev_rx() drains), refill from the pool; hostile lengths, buffer
 * counts, checksum offsets and GSO types dropped and counted with every
 * buffer back; a device that breaks the ring stopped with its buffers
 * taken back; transmit of multi-piece frames with checksum offload,
 * batching (one notification per batch), reclaim, a full queue
 * (-ENOBUFS, then nc_tx_ready), transmit interrupts asked for only while
 * full or closed; link changes; open and close; the
 * layer's argument checks and registry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The code under test, whole: its statics (the registry, the driver). */
#include "../../../kernel/dev/netdev.c"
#include "../../../drivers/virtio_net/virtio_net.c"

#include <kernel/dev.h>
#include <kernel/irq.h>
#include <kernel/mm.h>
#include <kernel/pci.h>

#include "fake_dma.h"
#include "virtio_impl.h"
#include "virtq_reg.h"

/* Fakes of what the code under test calls -------------------------------- */

static struct driver *registered;

int driver_register(struct driver *drv)
{
	registered = drv;
	return 0;
}

static int vectors_live;
/* Only the virtio-mmio transport, linked but not driven, would ask. */
int irq_alloc_vector(irq_handler_t fn, void *arg)
{
	(void)fn, (void)arg;
	fail_msg("irq_alloc_vector called");
	return -ENOSPC;
}

void irq_raise_self(int vector)
{
	(void)vector;
}

void sched_set_idle_hook(void (*fn)(void))
{
	(void)fn;
}

void irq_free_vector(int vector)
{
	(void)vector;
	vectors_live--;
}

int irq_route_gsi(uint32_t gsi, uint32_t flags, int vector, unsigned int cpu)
{
	(void)gsi, (void)flags, (void)vector, (void)cpu;
	return 0;
}

int irq_mask_gsi(uint32_t gsi)
{
	(void)gsi;
	return 0;
}

int irq_unmask_gsi(uint32_t gsi)
{
	(void)gsi;
	return 0;
}

int mm_map_mmio(paddr_t pa, size_t len)
{
	(void)pa, (void)len;
	return 0;
}

void pci_msix_disable(struct pci_dev *pd)
{
	(void)pd;
}

void pci_intx_detach(struct pci_dev *pd, irq_handler_t fn, void *arg)
{
	(void)pd, (void)fn, (void)arg;
}

void arch_cpu_relax(void)
{
}

void heap_violation(const char *what, const void *ptr)
{
	(void)ptr;
	fail_msg("heap violation: %s", what);
	abort();
}

static uint8_t random_next;

void random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len--)
		*p++ = random_next++;
}

/* The emulated device and its transport ------------------------------------ */

#define QMAX 256
#define MAC0 0x52, 0x54, 0x00, 0x12, 0x34, 0x56

/* The device's side of one queue. */
struct fq {
	struct virtq *q;
	struct vq_slot *slot;
	uint16_t size;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t last_avail;
	unsigned int notifies;
};

struct fakedev {
	struct device dev;
	struct pci_dev pci;
	struct virtio_dev *vd;
	uint64_t features; /* offered */
	uint64_t driver_features;
	uint8_t status;
	bool refuse_features_ok;
	uint8_t config[32];
	uint32_t qmax[2];
	struct fq fq[2];
	bool config_irq_on;
	int config_irq_rc;
	unsigned int quiesced;
	bool legacy; /* the legacy interface */
	bool shared; /* an INTx line, not MSI-X */
	uint32_t isr; /* read and cleared by the shared handler */
};

/* Every device ever made stays reachable: the layer keeps them for ever. */
static struct fakedev *devices[128];
static unsigned int ndevices;
static struct fakedev *fd;

static struct fakedev *vd_fd(struct virtio_dev *vd)
{
	return container_of(vd->vd_dev, struct fakedev, dev);
}

static uint8_t f_get_status(struct virtio_dev *vd)
{
	return vd_fd(vd)->status;
}

static void f_set_status(struct virtio_dev *vd, uint8_t st)
{
	struct fakedev *f = vd_fd(vd);

	if (f->refuse_features_ok)
		st &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	f->status = st;
}

static int f_reset(struct virtio_dev *vd)
{
	vd_fd(vd)->status = 0;
	return 0;
}

static uint64_t f_get_features(struct virtio_dev *vd)
{
	return vd_fd(vd)->features;
}

static void f_set_features(struct virtio_dev *vd, uint64_t f)
{
	vd_fd(vd)->driver_features = f;
}

static uint32_t f_config_generation(struct virtio_dev *vd)
{
	(void)vd;
	return 0;
}

static uint32_t f_config_read(struct virtio_dev *vd, unsigned int off,
			      unsigned int width)
{
	uint32_t v = 0;

	memcpy(&v, vd_fd(vd)->config + off, width);
	return v;
}

static uint32_t f_queue_max(struct virtio_dev *vd, uint16_t index)
{
	return index < 2 ? vd_fd(vd)->qmax[index] : 0;
}

/* The device's view of queue q: the rings the driver set up. */
static void fq_attach(struct fq *f, struct virtq *q)
{
	f->q = q;
	f->size = virtq_size(q);
	f->desc = (void *)(uintptr_t)virtq_desc_addr(q);
	f->avail = (void *)(uintptr_t)virtq_avail_addr(q);
	f->used = (void *)(uintptr_t)virtq_used_addr(q);
}

static int f_queue_enable(struct virtio_dev *vd, struct virtq *q,
			  int msix_entry)
{
	(void)msix_entry;
	fq_attach(&vd_fd(vd)->fq[virtq_index(q)], q);
	return 0;
}

static void f_notify(struct virtio_dev *vd, struct virtq *q)
{
	vd_fd(vd)->fq[virtq_index(q)].notifies++;
}

static uint32_t f_isr(struct virtio_dev *vd)
{
	uint32_t isr = vd_fd(vd)->isr;

	vd_fd(vd)->isr = 0;
	return isr;
}

static int f_config_irq(struct virtio_dev *vd)
{
	struct fakedev *f = vd_fd(vd);

	if (f->config_irq_rc)
		return f->config_irq_rc;
	f->config_irq_on = true;
	if (f->shared)
		return 0; /* the line's handler reads the ISR */
	vd->vd_config_vector = 0x60;
	vectors_live++;
	return 0;
}

static const struct virtio_transport_ops fake_ops = {
	.get_status = f_get_status,
	.set_status = f_set_status,
	.reset = f_reset,
	.get_features = f_get_features,
	.set_features = f_set_features,
	.config_generation = f_config_generation,
	.config_read = f_config_read,
	.queue_max = f_queue_max,
	.sizable = true,
	.queue_enable = f_queue_enable,
	.notify = f_notify,
	.isr = f_isr,
	.config_irq = f_config_irq,
};

/* The "PCI" probe of the core, here: the device is ours. */
uint16_t virtio_pci_type(const struct device *dev)
{
	(void)dev;
	return VIRTIO_ID_NET;
}

int virtio_pci_probe(struct device *dev, struct virtio_dev *vd)
{
	struct fakedev *f = container_of(dev, struct fakedev, dev);

	vd->vd_type = VIRTIO_ID_NET;
	vd->vd_ops = &fake_ops;
	vd->vd_legacy = f->legacy;
	vd->vd_msix = !f->shared;
	vd->vd_msix_entries = 3;
	vd->vd_config_len = sizeof(f->config);
	strcpy(vd->vd_name, "virtio-net pci test");
	f->vd = vd;
	return 0;
}

int virtio_pci_irq_queue(struct virtio_dev *vd, struct vq_slot *s,
			 unsigned int index)
{
	vd_fd(vd)->fq[index].slot = s;
	if (vd_fd(vd)->shared) {
		vd->vd_intx = true;
		return 0;
	}
	s->vs_vector = 0x40 + (int)index;
	vectors_live++;
	return 0;
}

void virtio_pci_quiesce(struct virtio_dev *vd)
{
	vd_fd(vd)->quiesced++;
}

#define FEAT_GOOD                                                              \
	(VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | \
	 VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |   \
	 VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |    \
	 VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_VERSION_1))

static void device_new(uint64_t features)
{
	static const uint8_t mac[6] = { MAC0 };
	uint16_t up = VIRTIO_NET_S_LINK_UP;

	fd = calloc(1, sizeof(*fd));
	assert_non_null(fd);
	assert_true(ndevices < 128);
	devices[ndevices++] = fd;
	fd->features = features;
	fd->qmax[0] = fd->qmax[1] = QMAX;
	memcpy(fd->config + VNET_CFG_MAC, mac, 6);
	memcpy(fd->config + VNET_CFG_STATUS, &up, 2);
	fd->dev.d_bus = DEV_BUS_PCI;
	fd->dev.d_pci = &fd->pci;
	strcpy(fd->dev.d_name, "pci test");
}

static void cfg16(unsigned int off, uint16_t v)
{
	memcpy(fd->config + off, &v, 2);
}

static int probe(void)
{
	registered = NULL;
	assert_int_equal(vnet_init(), 0);
	assert_non_null(registered);
	assert_true(registered->drv_match(registered, &fd->dev));
	return registered->drv_probe(registered, &fd->dev);
}

static struct netdev *the_nd(void)
{
	return netdev_get(netdev_count() - 1);
}

static struct vnet *the_vn(void)
{
	return to_vnet(the_nd());
}

/* Collects the chain at `head` of queue f (following an indirect table)
 * into segs; *indirect tells whether it was one. */
static unsigned int chain(struct fq *f, uint16_t head, struct virtq_desc *segs,
			  bool *indirect)
{
	struct virtq_desc *tab = f->desc;
	unsigned int n = 0, limit = f->size;
	uint16_t i = head;

	*indirect = tab[head].flags & VIRTQ_DESC_F_INDIRECT;
	if (*indirect) {
		limit = tab[head].len / sizeof(struct virtq_desc);
		tab = (void *)(uintptr_t)tab[head].addr;
		i = 0;
	}
	for (;;) {
		assert_true(n < limit);
		segs[n++] = tab[i];
		if (!(tab[i].flags & VIRTQ_DESC_F_NEXT))
			return n;
		i = tab[i].next;
	}
}

static unsigned int avail_pending(struct fq *f)
{
	return (uint16_t)(f->avail->idx - f->last_avail);
}

static uint16_t take_avail(struct fq *f)
{
	assert_true(avail_pending(f) > 0);
	return f->avail->ring[f->last_avail++ % f->size];
}

static void used_push(struct fq *f, uint32_t id, uint32_t len)
{
	struct virtq_used_elem *e = &f->used->ring[f->used->idx % f->size];

	e->id = id;
	e->len = len;
	__atomic_store_n(&f->used->idx, (uint16_t)(f->used->idx + 1),
			 __ATOMIC_RELEASE);
	/* A device asks to be told of every buffer after those it took. */
	*(volatile uint16_t *)&f->used->ring[f->size] = f->last_avail;
}

/* Writes bytes into the writable buffers of the next posted receive
 * chain; returns its head. */
static uint16_t rx_fill(const void *bytes, size_t len)
{
	struct fq *f = &fd->fq[VNET_RXQ];
	struct virtq_desc segs[8];
	uint16_t head = take_avail(f);
	const uint8_t *src = bytes;
	bool ind;
	unsigned int n = chain(f, head, segs, &ind), i;

	for (i = 0; i < n && len; i++) {
		size_t k = len < segs[i].len ? len : segs[i].len;

		assert_true(segs[i].flags & VIRTQ_DESC_F_WRITE);
		memcpy((void *)(uintptr_t)segs[i].addr, src, k);
		src += k;
		len -= k;
	}
	assert_int_equal(len, 0);
	return head;
}

static unsigned int hdr_bytes(void)
{
	return the_vn()->vn_hdr_len;
}

/* A header with num_buffers n and the given flags and offsets. */
static struct virtio_net_hdr hdr(uint16_t nbufs, uint8_t flags,
				 uint16_t csum_start, uint16_t csum_off)
{
	struct virtio_net_hdr h = { 0 };

	h.flags = flags;
	h.csum_start = csum_start;
	h.csum_offset = csum_off;
	h.num_buffers = nbufs;
	return h;
}

/* Receives one frame in one buffer, as the device would; does not
 * interrupt. */
static void rx_frame(const struct virtio_net_hdr *h, const void *frame,
		     size_t len)
{
	uint8_t buf[2048];
	uint16_t head;

	memcpy(buf, h, hdr_bytes());
	memcpy(buf + hdr_bytes(), frame, len);
	head = rx_fill(buf, hdr_bytes() + len);
	used_push(&fd->fq[VNET_RXQ], head, (uint32_t)(hdr_bytes() + len));
}

/* Whether the driver asks queue qi's device to interrupt at its next
 * completion: the event index (used_event) equal to the used index, or
 * without it, no VIRTQ_AVAIL_F_NO_INTERRUPT. */
static bool wants_irq(unsigned int qi)
{
	struct fq *f = &fd->fq[qi];

	if (fd->driver_features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX))
		return *(volatile uint16_t *)&f->avail->ring[f->size] ==
		       f->used->idx;
	return !(f->avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

static void queue_irq(unsigned int qi)
{
	virtio_queue_irq(fd->fq[qi].slot);
}

/* A test frame: Ethernet to `dst` (NULL: ours), then a pattern. */
static size_t make_frame(uint8_t *f, size_t len, const uint8_t *dst,
			 uint8_t seed)
{
	static const uint8_t mac[6] = { MAC0 };
	size_t i;

	memcpy(f, dst ? dst : mac, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 3 + seed);
	return len;
}

/* The client ----------------------------------------------------------------
 */

static unsigned int rx_ready_calls, link_calls, tx_ready_calls;
static int client_arg;

static void on_rx_ready(void *arg, unsigned int q)
{
	assert_ptr_equal(arg, &client_arg);
	assert_int_equal(q, 0);
	rx_ready_calls++;
}

static void on_link(void *arg)
{
	assert_ptr_equal(arg, &client_arg);
	link_calls++;
}

static void on_tx_ready(void *arg, unsigned int q)
{
	assert_ptr_equal(arg, &client_arg);
	assert_int_equal(q, 0);
	tx_ready_calls++;
}

static const struct netdev_client client = {
	.nc_rx_ready = on_rx_ready,
	.nc_link_change = on_link,
	.nc_tx_ready = on_tx_ready,
};

/* Buffers of the receive pool not lent to the stack: free or posted. */
static unsigned int pool_home(void)
{
	struct vnet_rx *rx = &the_vn()->vn_rx;

	return rx->rx_nfree + virtq_outstanding(rx->rx_q);
}

static struct netdev_stats stats(void)
{
	struct netdev_stats st;

	netdev_get_stats(the_nd(), &st);
	return st;
}

/* What is allocated and live now, to compare after a refused probe. */
struct live {
	size_t heap, dma;
	int vectors;
};

static struct live live_now(void)
{
	struct live l = { fake_heap_live(), fake_dma_live(), vectors_live };

	return l;
}

static void assert_live(struct live l)
{
	assert_int_equal(fake_heap_live(), l.heap);
	assert_int_equal(fake_dma_live(), l.dma);
	assert_int_equal(vectors_live, l.vectors);
}

static void good_open(uint64_t features)
{
	device_new(features);
	assert_int_equal(probe(), 0);
	assert_int_equal(netdev_open(the_nd(), &client, &client_arg), 0);
}

static int setup(void **state)
{
	(void)state;
	ndevs = 0; /* a fresh registry: eth0 is the first probed */
	rx_ready_calls = link_calls = tx_ready_calls = 0;
	fake_alloc_fail_at(0);
	fake_dma_set_avail((size_t)1 << 30);
	return 0;
}

/* Probe ----------------------------------------------------------------------
 */

static void test_probe_good_device(void **state)
{
	const struct netdev_info *ni;
	static const uint8_t mac[6] = { MAC0 };
	uint64_t offered = FEAT_GOOD | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) |
			   VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) |
			   VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);

	struct live l0 = live_now();

	(void)state;
	device_new(offered);
	assert_int_equal(probe(), 0);
	assert_int_equal(netdev_count(), 1);
	assert_ptr_equal(netdev_find("eth0"), the_nd());
	assert_null(netdev_find("eth1"));
	ni = netdev_info(the_nd());
	assert_string_equal(ni->ni_name, "eth0");
	assert_memory_equal(ni->ni_mac, mac, 6);
	assert_int_equal(ni->ni_mtu, 1500);
	assert_int_equal(ni->ni_nqueues, 1);
	assert_int_equal(ni->ni_tx_headroom, 12);
	/* Transmit segmentation with CSUM: super-frames of many pieces. */
	assert_int_equal(ni->ni_tx_max_frags, VNET_TSO_FRAGS);
	assert_int_equal(ni->ni_tso_max, NETDEV_TSO_MAX);
	assert_int_equal(ni->ni_features, NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM |
						  NETDEV_F_LINK |
						  NETDEV_F_TSO4);
	/* No receive GSO, never ACCESS_PLATFORM. */
	assert_int_equal(fd->driver_features,
			 FEAT_GOOD | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4));
	assert_int_equal(fd->status & 0x0f, 0x0f);
	assert_true(fd->config_irq_on);
	assert_true(netdev_link_up(the_nd()));
	assert_int_equal(vectors_live, l0.vectors + 3); /* 2 queues, config */
	/* Nothing is posted before open. */
	assert_int_equal(fd->fq[VNET_RXQ].avail->idx, 0);
	assert_int_equal(the_vn()->vn_rx.rx_nfree, 2 * QMAX);
	assert_int_equal(the_vn()->vn_rx.rx_buf_bytes, 1536);
}

static void expect_refused(int rc)
{
	struct live l0 = live_now();

	assert_int_equal(probe(), rc);
	assert_true(fd->status & VIRTIO_STATUS_FAILED);
	assert_int_equal(netdev_count(), 0);
	assert_live(l0);
}

static void test_probe_refuses_bad_config(void **state)
{
	(void)state;
	device_new(FEAT_GOOD);
	fd->config[VNET_CFG_MAC] = 0x01; /* multicast */
	expect_refused(-EIO);
	device_new(FEAT_GOOD);
	memset(fd->config + VNET_CFG_MAC, 0, 6);
	expect_refused(-EIO);
	device_new(FEAT_GOOD | VIRTIO_BIT(VIRTIO_NET_F_MTU));
	cfg16(VNET_CFG_MTU, 575);
	expect_refused(-EIO);
	device_new(FEAT_GOOD);
	fd->qmax[VNET_RXQ] = 0;
	expect_refused(-EIO);
	device_new(FEAT_GOOD);
	fd->qmax[VNET_TXQ] = 100; /* not a power of two */
	expect_refused(-EIO);
	device_new(FEAT_GOOD);
	fd->qmax[VNET_TXQ] = 2; /* no room for a frame of two pieces */
	expect_refused(-EIO);
	device_new(FEAT_GOOD);
	fd->refuse_features_ok = true;
	expect_refused(-ENODEV);
	device_new(FEAT_GOOD & ~VIRTIO_BIT(VIRTIO_F_VERSION_1));
	expect_refused(-ENODEV);
}

static void test_probe_mtu_and_random_mac(void **state)
{
	const struct netdev_info *ni;

	(void)state;
	device_new((FEAT_GOOD | VIRTIO_BIT(VIRTIO_NET_F_MTU)) &
		   ~VIRTIO_BIT(VIRTIO_NET_F_MAC));
	cfg16(VNET_CFG_MTU, 65535);
	random_next = 0x11;
	assert_int_equal(probe(), 0);
	ni = netdev_info(the_nd());
	assert_int_equal(ni->ni_mtu, VNET_MTU_MAX);
	/* random bytes 11 12 13 ..., made unicast and locally administered */
	assert_memory_equal(ni->ni_mac, "\x12\x12\x13\x14\x15\x16", 6);
	device_new(FEAT_GOOD | VIRTIO_BIT(VIRTIO_NET_F_MTU));
	cfg16(VNET_CFG_MTU, 576);
	assert_int_equal(probe(), 0);
	assert_int_equal(netdev_info(the_nd())->ni_mtu, 576);
	assert_int_equal(the_vn()->vn_rx.rx_buf_bytes, 640);
}

/* Every allocation of the probe failing in turn: a clean refusal each
 * time, or (a receive chunk failing) a smaller pool, then the full pool
 * once they all pass. */
static void test_probe_allocation_failures(void **state)
{
	unsigned int n, smaller = 0;
	struct live l0;
	int rc;

	(void)state;
	for (n = 1;; n++) {
		device_new(FEAT_GOOD);
		l0 = live_now();
		fake_alloc_fail_at(n);
		rc = probe();
		fake_alloc_fail_at(0);
		assert_true(n < 200);
		if (rc == 0 && the_vn()->vn_rx.rx_nbufs == 2 * QMAX)
			break;
		if (rc == 0) {
			/* Half the pool, all of it posted or free. */
			assert_int_equal(the_vn()->vn_rx.rx_nbufs, QMAX);
			assert_int_equal(pool_home(), QMAX);
			smaller++;
			ndevs = 0;
			continue;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_live(l0);
	}
	assert_true(n > 5);
	/* 512 buffers of 1536 bytes, 10 to a 16 KiB chunk: 52 chunks. */
	assert_int_equal(the_vn()->vn_rx.rx_nchunks, 52);
	/* Each of them, the buffer array or the chunk array failing. */
	assert_int_equal(smaller, 52 + 2);
	assert_int_equal(netdev_count(), 1);
}

static void test_probe_without_config_vector(void **state)
{
	(void)state;
	device_new(FEAT_GOOD);
	fd->config_irq_rc = -ENOSPC;
	assert_int_equal(probe(), 0);
	assert_false(netdev_info(the_nd())->ni_features & NETDEV_F_LINK);
	assert_true(netdev_link_up(the_nd()));
}

/* Receive -------------------------------------------------------------------
 */

static void test_open_fills_the_ring(void **state)
{
	(void)state;
	good_open(FEAT_GOOD);
	assert_int_equal(fd->fq[VNET_RXQ].avail->idx, QMAX);
	assert_int_equal(the_vn()->vn_rx.rx_nfree, QMAX);
	assert_int_equal(fd->fq[VNET_RXQ].notifies, 1);
	assert_int_equal(netdev_open(the_nd(), &client, &client_arg), -EBUSY);
	/* Each posted buffer is one device-writable descriptor past the
	 * padding, the full buffer. */
	assert_int_equal(fd->fq[VNET_RXQ].desc[0].flags, VIRTQ_DESC_F_WRITE);
	assert_int_equal(fd->fq[VNET_RXQ].desc[0].len, 1536 - 2);
	assert_int_equal(fd->fq[VNET_RXQ].desc[0].addr % 4, 2);
}

static void test_rx_single_frame_and_suppression(void **state)
{
	struct virtio_net_hdr h = hdr(1, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0);
	uint8_t frame[100];
	struct netbuf *out[8];
	uint16_t avail;

	(void)state;
	good_open(FEAT_GOOD);
	make_frame(frame, sizeof(frame), NULL, 1);
	rx_frame(&h, frame, sizeof(frame));
	queue_irq(VNET_RXQ);
	assert_int_equal(rx_ready_calls, 1);
	/* Off until the client drained: neither a second completion nor a
	 * spurious interrupt calls it again, and the device is asked not
	 * to interrupt (the event index points a wrap away). */
	rx_frame(&h, frame, sizeof(frame));
	queue_irq(VNET_RXQ);
	queue_irq(VNET_RXQ);
	assert_int_equal(rx_ready_calls, 1);
	assert_int_not_equal(*(uint16_t *)&fd->fq[VNET_RXQ].avail->ring[QMAX],
			     fd->fq[VNET_RXQ].used->idx);
	avail = fd->fq[VNET_RXQ].avail->idx;
	assert_int_equal(netdev_rx(the_nd(), 0, out, 8), 2);
	assert_int_equal(out[0]->nb_len, sizeof(frame));
	assert_memory_equal(out[0]->nb_data, frame, sizeof(frame));
	assert_int_equal(out[0]->nb_flags, NB_CSUM_VALID);
	assert_ptr_equal(out[0]->nb_dev, the_nd());
	assert_int_equal(out[0]->nb_queue, 0);
	assert_int_equal(out[0]->nb_refs, 1);
	/* The two freed ring slots were refilled from the pool at once. */
	assert_int_equal(fd->fq[VNET_RXQ].avail->idx, (uint16_t)(avail + 2));
	assert_int_equal(pool_home(), 2 * QMAX - 2);
	assert_int_equal(stats().nd_rx_packets, 2);
	assert_int_equal(stats().nd_rx_bytes, 200);
	assert_int_equal(stats().nd_rx_irqs, 1);
	/* Drained (2 < 8): the next frame notifies again. */
	rx_frame(&h, frame, sizeof(frame));
	queue_irq(VNET_RXQ);
	assert_int_equal(rx_ready_calls, 2);
	netbuf_put(out[0]);
	netbuf_put(out[1]);
	assert_int_equal(pool_home(), 2 * QMAX);
	assert_int_equal(netdev_rx(the_nd(), 0, out, 8), 1);
	netbuf_put(out[0]);
}

static void test_rx_batch_limit_keeps_notifications_off(void **state)
{
	struct virtio_net_hdr h = hdr(1, 0, 0, 0);
	uint8_t frame[60];
	struct netbuf *out[4];
	int i;

	(void)state;
	good_open(FEAT_GOOD);
	make_frame(frame, sizeof(frame), NULL, 2);
	for (i = 0; i < 5; i++)
		rx_frame(&h, frame, sizeof(frame));
	queue_irq(VNET_RXQ);
	assert_int_equal(rx_ready_calls, 1);
	assert_int_equal(netdev_rx(the_nd(), 0, out, 2), 2);
	netbuf_put(out[0]);
	netbuf_put(out[1]);
	rx_frame(&h, frame, sizeof(frame));
	queue_irq(VNET_RXQ); /* still off: the client got all it asked for */
	assert_int_equal(rx_ready_calls, 1);
	assert_int_equal(netdev_rx(the_nd(), 0, out, 2), 2);
	netbuf_put(out[0]);
	netbuf_put(out[1]);
	assert_int_equal(netdev_rx(the_nd(), 0, out, 4), 2);
	assert_int_equal(out[0]->nb_flags, 0);
	netbuf_put(out[0]);
	netbuf_put(out[1]);
	rx_frame(&h, frame, sizeof(frame));
	queue_irq(VNET_RXQ);
	assert_int_equal(rx_ready_calls, 2);
}

static void test_rx_broadcast_and_multicast(void **state)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	struct virtio_net_hdr h = hdr(1, 0, 0, 0);
	uint8_t frame[60];
	struct netbuf *out[4];

	(void)state;
	good_open(FEAT_GOOD);
	rx_frame(&h, frame, make_frame(frame, 60, bcast, 0));
	rx_frame(&h, frame, make_frame(frame, 60, mcast, 0));
	rx_frame(&h, frame, make_frame(frame, 60, NULL, 0));
	assert_int_equal(netdev_rx(the_nd(), 0, out, 4), 3);
	assert_int_equal(out[0]->nb_flags, NB_BCAST);
	assert_int_equal(out[1]->nb_flags, NB_MCAST);
	assert_int_equal(out[2]->nb_flags, 0);
	netbuf_put(out[0]);
	netbuf_put(out[1]);
	netbuf_put(out[2]);
}

/* Spreads frame over n buffers (sizes[i] frame bytes each; the first
 * also holds the header) with num_buffers `claim`; publishes only
 * `publish` of them. */
static void dev_rx_merged(const struct virtio_net_hdr *h, const uint8_t *frame,
			  const size_t *sizes, unsigned int n,
			  unsigned int publish)
{
	struct fq *f = &fd->fq[VNET_RXQ];
	uint8_t buf[2048];
	unsigned int i;

	for (i = 0; i < n; i++) {
		size_t off = 0;
		uint16_t head;

		if (i == 0) {
			memcpy(buf, h, hdr_bytes());
			off = hdr_bytes();
		}
		memcpy(buf + off, frame, sizes[i]);
		head = rx_fill(buf, off + sizes[i]);
		frame += sizes[i];
		if (i < publish)
			used_push(f, head, (uint32_t)(off + sizes[i]));
	}
}

static void test_rx_merged_frame_is_copied(void **state)
{
	struct virtio_net_hdr h = hdr(3, VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 6);
	static const size_t sizes[3] = { 600, 500, 300 };
	uint8_t frame[1400];
	struct netbuf *out[4];
	size_t heap0;
	uint16_t avail;

	(void)state;
	good_open(FEAT_GOOD);
	heap0 = fake_heap_live();
	make_frame(frame, sizeof(frame), NULL, 9);
	dev_rx_merged(&h, frame, sizes, 3, 3);
	avail = fd->fq[VNET_RXQ].avail->idx;
	assert_int_equal(netdev_rx(the_nd(), 0, out, 4), 1);
	assert_int_equal(out[0]->nb_len, 1400);
	assert_memory_equal(out[0]->nb_data, frame, 1400);
	assert_int_equal(out[0]->nb_flags, NB_CSUM_VALID);
	assert_null(out[0]->nb_release); /* an allocated copy */
	assert_int_equal((uintptr_t)(out[0]->nb_data + 14) % 4, 0);
	/* All three buffers went back to the ring. */
	assert_int_equal(fd->fq[VNET_RXQ].avail->idx, (uint16_t)(avail + 3));
	assert_int_equal(pool_home(), 2 * QMAX);
	assert_int_equal(fake_heap_live(), heap0 + 1);
	netbuf_put(out[0]);
	assert_int_equal(fake_heap_live(), heap0);
	assert_int_equal(stats().nd_rx_dropped, 0);
}

/* Each hostile frame is dropped, counted once, and its buffers return. */
static void expect_dropped(uint64_t drops_before)
{
	struct netbuf *out[4];

	assert_int_equal(netdev_rx(the_nd(), 0, out, 4), 0);
	assert_int_equal(stats().nd_rx_dropped, drops_before + 1);
	assert_int_equal(pool_home(), 2 * QMAX);
	assert_int_equal(stats().nd_rx_packets, 0);
}

static void test_rx_hostile_lengths_and_headers(void **state)
{
	struct fq *f;
	uint8_t frame[1600];
	uint64_t d = 0;

	(void)state;
	good_open(FEAT_GOOD);
	f = &fd->fq[VNET_RXQ];
	make_frame(frame, sizeof(frame), NULL, 4);

	/* Shorter than the virtio-net header. */
	used_push(f, rx_fill(frame, 4), 11);
	expect_dropped(d++);
	{
		struct virtio_net_hdr h = hdr(1, 0, 0, 0);

		rx_frame(&h, frame, 13); /* a runt */
		expect_dropped(d++);
		rx_frame(&h, frame, 1515); /* above mtu + 14 */
		expect_dropped(d++);
		h.gso_type = 1; /* GSO never negotiated */
		rx_frame(&h, frame, 100);
		expect_dropped(d++);
	}
	{
		struct virtio_net_hdr h = hdr(0, 0, 0, 0);

		rx_frame(&h, frame, 100); /* num_buffers 0 */
		expect_dropped(d++);
		h.num_buffers = 65535;
		rx_frame(&h, frame, 100);
		expect_dropped(d++);
	}
	{
		struct virtio_net_hdr h =
			hdr(1, VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 66);

		rx_frame(&h, frame, 100); /* 34 + 66 + 2 > 100 */
		expect_dropped(d++);
		h.csum_start = 10; /* inside the Ethernet header */
		h.csum_offset = 6;
		rx_frame(&h, frame, 100);
		expect_dropped(d++);
		h.csum_start = 0xffff;
		h.csum_offset = 0xffff;
		rx_frame(&h, frame, 100);
		expect_dropped(d++);
	}
	assert_int_equal(rx_ready_calls, 0);
}

static void test_rx_hostile_merged_frames(void **state)
{
	static const size_t two[2] = { 700, 700 }, three[3] = { 600, 600, 600 };
	struct virtio_net_hdr h = hdr(3, 0, 0, 0);
	uint8_t frame[1800];
	struct netbuf *out[4];
	uint64_t d = 0;

	(void)state;
	good_open(FEAT_GOOD);
	make_frame(frame, sizeof(frame), NULL, 5);
	/* Claims three buffers, delivers two. */
	dev_rx_merged(&h, frame, two, 2, 2);
	expect_dropped(d++);
	/* Three buffers adding up to more than a frame. */
	dev_rx_merged(&h, frame, three, 3, 3);
	expect_dropped(d++);
	/* Good pieces, but the checksum offsets point past the whole. */
	h = hdr(2, VIRTIO_NET_HDR_F_NEEDS_CSUM, 1300, 100);
	dev_rx_merged(&h, frame, two, 2, 2);
	expect_dropped(d++);
	/* Out of memory for the copy: dropped, buffers back. */
	h = hdr(2, 0, 0, 0);
	dev_rx_merged(&h, frame, two, 2, 2);
	fake_alloc_fail_at(1);
	expect_dropped(d++);
	fake_alloc_fail_at(0);
	/* And the queue still works. */
	dev_rx_merged(&h, frame, two, 2, 2);
	assert_int_equal(netdev_rx(the_nd(), 0, out, 4), 1);
	assert_memory_equal(out[0]->nb_data, frame, 1400);
	netbuf_put(out[0]);
}

static void test_rx_flags_ignored_without_guest_csum(void **state)
{
	struct virtio_net_hdr h = hdr(1, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0);
	uint8_t frame[80];
	struct netbuf *out[2];

	(void)state;
	good_open(FEAT_GOOD & ~VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM));
	assert_false(netdev_info(the_nd())->ni_features & NETDEV_F_RX_CSUM);
	make_frame(frame, sizeof(frame), NULL, 6);
	rx_frame(&h, frame, sizeof(frame));
	h = hdr(1, VIRTIO_NET_HDR_F_NEEDS_CSUM, 5000, 5000);
	rx_frame(&h, frame, sizeof(frame));
	assert_int_equal(netdev_rx(the_nd(), 0, out, 2), 2);
	assert_int_equal(out[0]->nb_flags, 0);
	assert_int_equal(out[1]->nb_flags, 0);
	netbuf_put(out[0]);
	netbuf_put(out[1]);
}

/* The pool is twice the ring: the ring stays full while the stack holds
 * a ring's worth, and refills as soon as buffers come back. */
static void test_rx_pool_keeps_ring_full(void **state)
{
	struct virtio_net_hdr h = hdr(1, 0, 0, 0);
	static struct netbuf *held[3 * QMAX];
	struct fq *f;
	uint8_t frame[60];
	unsigned int i, n = 0;
	int got;

	(void)state;
	good_open(FEAT_GOOD);
	f = &fd->fq[VNET_RXQ];
	make_frame(frame, sizeof(frame), NULL, 7);
	/* The stack holds a full ring's worth: still a full ring posted. */
	for (i = 0; i < QMAX; i++)
		rx_frame(&h, frame, sizeof(frame));
	got = netdev_rx(the_nd(), 0, held, QMAX);
	assert_int_equal(got, QMAX);
	n = QMAX;
	assert_int_equal(virtq_outstanding(f->q), QMAX);
	assert_int_equal(the_vn()->vn_rx.rx_nfree, 0);
	/* Another ring's worth: the pool is empty, the ring drains. */
	for (i = 0; i < QMAX; i++)
		rx_frame(&h, frame, sizeof(frame));
	got = netdev_rx(the_nd(), 0, held + n, QMAX);
	assert_int_equal(got, QMAX);
	n += QMAX;
	assert_int_equal(virtq_outstanding(f->q), 0);
	/* The device has nowhere to write; buffers coming back are posted
	 * at once, and the device is told. */
	i = f->notifies;
	netbuf_put(held[--n]);
	assert_int_equal(virtq_outstanding(f->q), 1);
	assert_true(f->notifies > i);
	while (n)
		netbuf_put(held[--n]);
	assert_int_equal(virtq_outstanding(f->q), QMAX);
	assert_int_equal(pool_home(), 2 * QMAX);
}

/*
 * Little memory free at probe: queues of 64, a pool of an eighth of what
 * is free, every buffer a distinct area (across chunk boundaries); the
 * ring is posted with what there is and refilled as buffers come back.
 */
static void test_rx_pool_small_ram(void **state)
{
	struct virtio_net_hdr h = hdr(1, 0, 0, 0);
	static struct netbuf *held[128];
	struct fq *f;
	uint8_t frame[200];
	unsigned int i, n = 0;
	int got;

	(void)state;
	fake_dma_set_avail(1u << 20); /* 128 KiB: 85 buffers of 1536 */
	good_open(FEAT_GOOD);
	f = &fd->fq[VNET_RXQ];
	assert_int_equal(virtq_size(f->q), 64);
	assert_int_equal(virtq_size(fd->fq[VNET_TXQ].q), 64);
	assert_int_equal(the_vn()->vn_rx.rx_nbufs, 85);
	assert_int_equal(the_vn()->vn_rx.rx_nchunks, 9);
	assert_int_equal(virtq_outstanding(f->q), 64);
	assert_int_equal(the_vn()->vn_rx.rx_nfree, 21);
	/* Every buffer filled and held, each with its own bytes. */
	while (n < 85) {
		for (i = 0; i < 16 && n + i < 85; i++) {
			make_frame(frame, sizeof(frame), NULL,
				   (uint8_t)(n + i));
			rx_frame(&h, frame, sizeof(frame));
		}
		got = netdev_rx(the_nd(), 0, held + n, 16);
		assert_int_equal(got, (int)i);
		n += i;
	}
	assert_int_equal(virtq_outstanding(f->q), 0);
	assert_int_equal(the_vn()->vn_rx.rx_nfree, 0);
	for (i = 0; i < n; i++) {
		make_frame(frame, sizeof(frame), NULL, (uint8_t)i);
		assert_int_equal(held[i]->nb_len, sizeof(frame));
		assert_memory_equal(held[i]->nb_data, frame, sizeof(frame));
	}
	while (n)
		netbuf_put(held[--n]);
	assert_int_equal(virtq_outstanding(f->q), 64);
	assert_int_equal(pool_home(), 85);
}

/* Almost no memory: the pool is the minimum, and when even that cannot
 * be had the probe fails cleanly with -ENOMEM. */
static void test_rx_pool_minimum(void **state)
{
	struct live l0;
	unsigned int n;
	int rc;

	(void)state;
	fake_dma_set_avail(64u << 10);
	for (n = 1;; n++) {
		device_new(FEAT_GOOD);
		l0 = live_now();
		fake_alloc_fail_at(n);
		rc = probe();
		fake_alloc_fail_at(0);
		assert_true(n < 50);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_live(l0);
	}
	assert_true(n > 5);
	assert_int_equal(the_vn()->vn_rx.rx_nbufs, VNET_RX_POOL_MIN);
	assert_int_equal(netdev_count(), 1);
}

/* A device that breaks the ring is stopped, its buffers taken back. */
static void test_rx_ring_violation_stops_device(void **state)
{
	struct virtio_net_hdr h = hdr(1, 0, 0, 0);
	uint8_t frame[60];
	struct netbuf *out[4], *lent;

	(void)state;
	good_open(FEAT_GOOD);
	make_frame(frame, sizeof(frame), NULL, 8);
	rx_frame(&h, frame, sizeof(frame));
	assert_int_equal(netdev_rx(the_nd(), 0, out, 4), 1);
	lent = out[0];
	used_push(&fd->fq[VNET_RXQ], QMAX + 5, 10); /* no such head */
	queue_irq(VNET_RXQ);
	assert_int_equal(rx_ready_calls, 1);
	assert_int_equal(netdev_rx(the_nd(), 0, out, 4), -ENODEV);
	assert_int_equal(fd->quiesced, 1);
	assert_true(fd->status & VIRTIO_STATUS_FAILED);
	assert_int_equal(link_calls, 1);
	assert_false(netdev_link_up(the_nd()));
	/* Everything but the lent buffer is back in the pool, not posted;
	 * the lent one comes back too and stays home. */
	assert_int_equal(the_vn()->vn_rx.rx_nfree, 2 * QMAX - 1);
	netbuf_put(lent);
	assert_int_equal(the_vn()->vn_rx.rx_nfree, 2 * QMAX);
	assert_int_equal(virtq_outstanding(the_vn()->vn_rx.rx_q), 0);
}

/* Transmit ------------------------------------------------------------------
 */

/* One frame as the device took it. */
struct txseen {
	uint16_t head;
	bool indirect;
	unsigned int nsegs;
	struct virtio_net_hdr hdr;
	uint8_t bytes[4096];
	size_t len; /* frame bytes after the header */
};

static void tx_take(struct txseen *t)
{
	struct fq *f = &fd->fq[VNET_TXQ];
	struct virtq_desc segs[32];
	size_t off = 0;
	uint8_t all[4200];
	unsigned int i;

	t->head = take_avail(f);
	t->nsegs = chain(f, t->head, segs, &t->indirect);
	for (i = 0; i < t->nsegs; i++) {
		assert_false(segs[i].flags & VIRTQ_DESC_F_WRITE);
		assert_true(off + segs[i].len <= sizeof(all));
		memcpy(all + off, (void *)(uintptr_t)segs[i].addr, segs[i].len);
		off += segs[i].len;
	}
	assert_true(off >= hdr_bytes());
	memset(&t->hdr, 0, sizeof(t->hdr));
	memcpy(&t->hdr, all, hdr_bytes());
	t->len = off - hdr_bytes();
	memcpy(t->bytes, all + hdr_bytes(), t->len);
}

static unsigned int ext_puts;

static void ext_done(void *arg)
{
	(void)arg;
	ext_puts++;
}

/* Builds eth + IPv4 + UDP headers in a header netbuf, then the payload
 * as an external piece and a slice of a kept buffer. */
static struct netbuf *udp_frame(struct netbuf *kept, uint8_t *expect,
				size_t *len)
{
	static const uint8_t payload[300] = { [0] = 0xaa, [299] = 0xbb };
	struct netbuf *h = netbuf_alloc(NETBUF_HEADROOM, 42);
	uint8_t *p = netbuf_append(h, 42);

	make_frame(p, 42, (const uint8_t *)"\x02\x00\x00\x00\x00\x09", 1);
	h->nb_frag = netbuf_ext(payload, sizeof(payload), ext_done, NULL);
	h->nb_frag->nb_frag = netbuf_slice(kept, 10, 50);
	h->nb_flags = NB_CSUM_PARTIAL;
	h->nb_csum_start = 34;
	h->nb_csum_off = 6;
	memcpy(expect, p, 42);
	memcpy(expect + 42, payload, sizeof(payload));
	memcpy(expect + 42 + 300, kept->nb_data + 10, 50);
	*len = 42 + 300 + 50;
	return h;
}

static void test_tx_pieces_and_checksum_offload(void **state)
{
	struct netbuf *kept = netbuf_alloc(0, 100), *nb;
	uint8_t expect[400], *orig;
	struct txseen t;
	size_t len, heap0;
	unsigned int i;

	(void)state;
	good_open(FEAT_GOOD);
	for (i = 0; i < 100; i++)
		*(uint8_t *)netbuf_append(kept, 1) = (uint8_t)(200 - i);
	heap0 = fake_heap_live();
	ext_puts = 0;
	nb = udp_frame(kept, expect, &len);
	orig = nb->nb_data;
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), 0);
	assert_int_equal(fd->fq[VNET_TXQ].notifies, 1);
	tx_take(&t);
	assert_true(t.indirect); /* one ring descriptor for three pieces */
	assert_int_equal(t.nsegs, 3);
	assert_int_equal(t.len, len);
	assert_memory_equal(t.bytes, expect, len);
	assert_int_equal(t.hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(t.hdr.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(t.hdr.csum_start, 34);
	assert_int_equal(t.hdr.csum_offset, 6);
	assert_int_equal(t.hdr.num_buffers, 0);
	/* The header went into the first piece's headroom. */
	assert_ptr_equal(nb->nb_data, orig - 12);
	assert_int_equal(stats().nd_tx_packets, 1);
	assert_int_equal(stats().nd_tx_bytes, len);
	/* Completed: everything is put from the interrupt. */
	used_push(&fd->fq[VNET_TXQ], t.head, 0);
	queue_irq(VNET_TXQ);
	assert_int_equal(ext_puts, 1);
	assert_int_equal(kept->nb_refs, 1);
	assert_int_equal(fake_heap_live(), heap0);
	assert_int_equal(stats().nd_tx_irqs, 1);
	assert_int_equal(tx_ready_calls, 0); /* never refused: none owed */
	netbuf_put(kept);
}

static struct netbuf *small_frame(uint8_t seed)
{
	struct netbuf *nb = netbuf_alloc(NETBUF_HEADROOM, 64);

	make_frame(netbuf_append(nb, 64), 64, NULL, seed);
	return nb;
}

static void test_tx_batch_one_notification(void **state)
{
	struct fq *f;
	struct txseen t;
	int i;

	(void)state;
	good_open(FEAT_GOOD);
	f = &fd->fq[VNET_TXQ];
	for (i = 0; i < 5; i++)
		assert_int_equal(
			netdev_tx(the_nd(), 0, small_frame((uint8_t)i), true),
			0);
	assert_int_equal(f->notifies, 0);
	assert_int_equal(netdev_tx(the_nd(), 0, small_frame(5), false), 0);
	assert_int_equal(f->notifies, 1);
	netdev_tx_kick(the_nd(), 0); /* nothing new */
	assert_int_equal(f->notifies, 1);
	/* In order, and not indirect for one piece. */
	for (i = 0; i < 6; i++) {
		uint8_t expect[64];

		tx_take(&t);
		make_frame(expect, 64, NULL, (uint8_t)i);
		assert_false(t.indirect);
		assert_int_equal(t.nsegs, 1);
		assert_int_equal(t.hdr.flags, 0);
		assert_memory_equal(t.bytes, expect, 64);
		used_push(f, t.head, 0);
	}
	/* The device took everything and asks to hear of more: a frame
	 * held back by `more` goes with the kick. */
	assert_int_equal(netdev_tx(the_nd(), 0, small_frame(6), true), 0);
	assert_int_equal(f->notifies, 1);
	netdev_tx_kick(the_nd(), 0);
	assert_int_equal(f->notifies, 2);
	tx_take(&t);
	assert_int_equal(t.bytes[20], (uint8_t)(20 * 3 + 6));
	/* A device that has not caught up needs no second notification. */
	assert_int_equal(netdev_tx(the_nd(), 0, small_frame(7), false), 0);
	assert_int_equal(f->notifies, 2);
}

/* Completions are reclaimed by the next transmit, without interrupt. */
static void test_tx_reclaim_on_transmit(void **state)
{
	size_t heap0;
	struct txseen t;
	int i;

	(void)state;
	good_open(FEAT_GOOD);
	heap0 = fake_heap_live();
	for (i = 0; i < 3; i++)
		assert_int_equal(netdev_tx(the_nd(), 0, small_frame(1), false),
				 0);
	assert_int_equal(fake_heap_live(), heap0 + 3);
	for (i = 0; i < 3; i++) {
		tx_take(&t);
		used_push(&fd->fq[VNET_TXQ], t.head, 0);
	}
	assert_int_equal(netdev_tx(the_nd(), 0, small_frame(2), false), 0);
	assert_int_equal(fake_heap_live(), heap0 + 1);
	assert_int_equal(stats().nd_tx_irqs, 0);
}

/* Transmit completions raise no interrupt (collected by the next
 * transmit): the device is asked for one only while the queue is full,
 * with or without the event index. */
static void test_tx_no_interrupt_unless_full(void **state)
{
	uint64_t feats[] = { FEAT_GOOD,
			     FEAT_GOOD & ~VIRTIO_BIT(VIRTIO_F_EVENT_IDX) };
	struct netbuf *nb;
	struct txseen t;
	unsigned int k;
	int i;

	(void)state;
	for (k = 0; k < 2; k++) {
		device_new(feats[k]);
		fd->qmax[VNET_TXQ] = 8;
		assert_int_equal(probe(), 0);
		assert_int_equal(netdev_open(the_nd(), &client, &client_arg),
				 0);
		assert_false(wants_irq(VNET_TXQ));
		assert_true(wants_irq(VNET_RXQ));
		for (i = 0; i < 3; i++) {
			assert_int_equal(
				netdev_tx(the_nd(), 0, small_frame(1), false),
				0);
			tx_take(&t);
			used_push(&fd->fq[VNET_TXQ], t.head, 0);
			assert_false(wants_irq(VNET_TXQ));
		}
		for (i = 0; i < 8; i++)
			assert_int_equal(
				netdev_tx(the_nd(), 0, small_frame(1), true),
				0);
		assert_false(wants_irq(VNET_TXQ));
		nb = small_frame(2);
		assert_int_equal(netdev_tx(the_nd(), 0, nb, true), -ENOBUFS);
		assert_true(wants_irq(VNET_TXQ));
		tx_take(&t);
		used_push(&fd->fq[VNET_TXQ], t.head, 0);
		queue_irq(VNET_TXQ);
		assert_int_equal(tx_ready_calls, (int)k + 1);
		assert_false(wants_irq(VNET_TXQ));
		assert_int_equal(netdev_tx(the_nd(), 0, nb, false), 0);
		assert_false(wants_irq(VNET_TXQ));
		/* Closed with frames out: nothing transmits to collect them
		 * any more, so their completions interrupt. */
		netdev_close(the_nd());
		assert_true(wants_irq(VNET_TXQ));
		assert_int_equal(netdev_open(the_nd(), &client, &client_arg),
				 0);
		assert_false(wants_irq(VNET_TXQ));
	}
}

/* What exit() waits for: frames posted and not completed, counted after
 * collecting completions (no interrupt needed), 0 on a failed device. */
static void test_tx_pending(void **state)
{
	size_t heap0;
	struct txseen t;
	int i;

	(void)state;
	good_open(FEAT_GOOD);
	heap0 = fake_heap_live();
	assert_int_equal(netdev_tx_pending(the_nd(), 0), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(netdev_tx(the_nd(), 0, small_frame(1), false),
				 0);
	assert_int_equal(netdev_tx_pending(the_nd(), 0), 3);
	tx_take(&t);
	used_push(&fd->fq[VNET_TXQ], t.head, 0);
	assert_int_equal(netdev_tx_pending(the_nd(), 0), 2);
	assert_int_equal(fake_heap_live(), heap0 + 2);
	for (i = 0; i < 2; i++) {
		tx_take(&t);
		used_push(&fd->fq[VNET_TXQ], t.head, 0);
	}
	assert_int_equal(netdev_tx_pending(the_nd(), 0), 0);
	assert_int_equal(fake_heap_live(), heap0);
	assert_int_equal(netdev_tx_pending(the_nd(), 1), 0); /* no queue 1 */
	assert_int_equal(netdev_tx_pending(NULL, 0), 0);
	/* A device that breaks the rules reads nothing more. */
	assert_int_equal(netdev_tx(the_nd(), 0, small_frame(1), false), 0);
	used_push(&fd->fq[VNET_TXQ], QMAX + 5, 0); /* no such head */
	assert_int_equal(netdev_tx_pending(the_nd(), 0), 0);
}

static void test_tx_full_then_ready(void **state)
{
	struct fq *f;
	struct netbuf *nb;
	struct txseen t;
	uint8_t *data;
	int i;

	(void)state;
	device_new(FEAT_GOOD);
	fd->qmax[VNET_TXQ] = 8;
	assert_int_equal(probe(), 0);
	assert_int_equal(netdev_open(the_nd(), &client, &client_arg), 0);
	f = &fd->fq[VNET_TXQ];
	for (i = 0; i < 8; i++)
		assert_int_equal(netdev_tx(the_nd(), 0, small_frame(1), true),
				 0);
	assert_int_equal(f->notifies, 0);
	nb = small_frame(2);
	data = nb->nb_data;
	assert_int_equal(netdev_tx(the_nd(), 0, nb, true), -ENOBUFS);
	/* Still the caller's, as it was; the batch went to the device. */
	assert_ptr_equal(nb->nb_data, data);
	assert_int_equal(nb->nb_len, 64);
	assert_int_equal(f->notifies, 1);
	assert_int_equal(stats().nd_tx_errors, 0);
	assert_int_equal(tx_ready_calls, 0);
	/* An interrupt with nothing completed opens no room. */
	queue_irq(VNET_TXQ);
	assert_int_equal(tx_ready_calls, 0);
	tx_take(&t);
	used_push(f, t.head, 0);
	queue_irq(VNET_TXQ);
	assert_int_equal(tx_ready_calls, 1);
	queue_irq(VNET_TXQ);
	assert_int_equal(tx_ready_calls, 1);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), 0);
}

static void test_tx_argument_checks(void **state)
{
	struct netbuf *nb, *p;
	uint16_t avail;
	int i;

	(void)state;
	device_new(FEAT_GOOD & ~VIRTIO_BIT(VIRTIO_NET_F_CSUM));
	assert_int_equal(probe(), 0);
	nb = small_frame(1);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -ENODEV);
	assert_int_equal(netdev_open(the_nd(), &client, &client_arg), 0);
	avail = fd->fq[VNET_TXQ].avail->idx;
	assert_int_equal(netdev_tx(the_nd(), 1, nb, false), -EINVAL);
	assert_int_equal(netdev_tx(the_nd(), 0, NULL, false), -EINVAL);
	/* Checksum offload the device does not offer. */
	nb->nb_flags = NB_CSUM_PARTIAL;
	nb->nb_csum_start = 34;
	nb->nb_csum_off = 6;
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	nb->nb_flags = 0;
	/* Shared first piece. */
	netbuf_ref(nb);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	netbuf_put(nb);
	/* Runt and over-long. */
	netbuf_trim(nb, 13);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	netbuf_put(nb);
	nb = netbuf_alloc(NETBUF_HEADROOM, 1515);
	netbuf_append(nb, 1515);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EMSGSIZE);
	netbuf_put(nb);
	/* Too little headroom for the driver's header. */
	nb = netbuf_alloc(11, 64);
	netbuf_append(nb, 64);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	netbuf_put(nb);
	/* More pieces than ni_tx_max_frags. */
	nb = small_frame(1);
	for (p = nb, i = 1; i <= VNET_TX_FRAGS; i++, p = p->nb_frag)
		p->nb_frag = netbuf_ext("x", 1, NULL, NULL);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	netbuf_put(nb);
	assert_int_equal(stats().nd_tx_errors, 6);
	assert_int_equal(fd->fq[VNET_TXQ].avail->idx, avail);
	/* The layer's other calls check too. */
	assert_int_equal(netdev_rx(the_nd(), 1, &nb, 1), -EINVAL);
	assert_int_equal(netdev_rx(the_nd(), 0, NULL, 1), -EINVAL);
	assert_int_equal(netdev_rx(the_nd(), 0, &nb, 0), -EINVAL);
	assert_int_equal(netdev_open(the_nd(), NULL, NULL), -EINVAL);
}

/* HOST_TSO4 is taken only with CSUM (§5.1.3.1) and when memory is not
 * small; without it the device keeps MSS-sized frames of few pieces. */
static void test_probe_tso_conditions(void **state)
{
	const uint64_t tso = VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4);
	const struct netdev_info *ni;

	(void)state;
	device_new((FEAT_GOOD & ~VIRTIO_BIT(VIRTIO_NET_F_CSUM)) | tso);
	assert_int_equal(probe(), 0);
	ni = netdev_info(the_nd());
	assert_false(fd->driver_features & tso);
	assert_false(ni->ni_features & NETDEV_F_TSO4);
	assert_int_equal(ni->ni_tso_max, 0);
	assert_int_equal(ni->ni_tx_max_frags, VNET_TX_FRAGS);
	fake_dma_set_avail(8u << 20);
	device_new(FEAT_GOOD | tso);
	assert_int_equal(probe(), 0);
	ni = netdev_info(the_nd());
	assert_false(fd->driver_features & tso);
	assert_false(ni->ni_features & NETDEV_F_TSO4);
}

/*
 * A TCP/IPv4 super-frame: Ethernet, IPv4 and TCP (with 12 bytes of
 * options) headers in the first piece, then `pieces` payload pieces of
 * `each` bytes; expect gets the frame's bytes.
 */
static struct netbuf *tso_frame(unsigned int pieces, size_t each,
				uint8_t *expect, size_t *len)
{
	static uint8_t payload[4096];
	struct netbuf *h = netbuf_alloc(NETBUF_HEADROOM, 66), *p;
	uint8_t *f = netbuf_append(h, 66);
	unsigned int i;

	memset(f, 0, 66);
	memcpy(f, "\x02\x00\x00\x00\x00\x09", 6);
	f[12] = 0x08; /* IPv4 */
	f[14] = 0x45;
	f[23] = 6; /* TCP */
	f[34 + 12] = 8 << 4; /* 32 bytes of TCP header */
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13 + 1);
	memcpy(expect, f, 66);
	*len = 66;
	for (p = h, i = 0; i < pieces; i++, p = p->nb_frag) {
		p->nb_frag = netbuf_ext(payload + i * each, each, NULL, NULL);
		memcpy(expect + *len, payload + i * each, each);
		*len += each;
	}
	h->nb_flags = NB_CSUM_PARTIAL | NB_GSO_TCPV4;
	h->nb_csum_start = 34;
	h->nb_csum_off = 16;
	h->nb_gso_size = 1448;
	return h;
}

static void test_tx_tso_super_frame(void **state)
{
	uint8_t expect[4096];
	struct netbuf *nb;
	struct txseen t;
	size_t len;

	(void)state;
	good_open(FEAT_GOOD | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4));
	nb = tso_frame(VNET_TSO_FRAGS - 1, 160, expect, &len);
	assert_true(len > 1514); /* more than one MTU */
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), 0);
	tx_take(&t);
	assert_true(t.indirect);
	assert_int_equal(t.nsegs, VNET_TSO_FRAGS);
	assert_int_equal(t.len, len);
	assert_memory_equal(t.bytes, expect, len);
	assert_int_equal(t.hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(t.hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(t.hdr.gso_size, 1448);
	assert_int_equal(t.hdr.hdr_len, 14 + 20 + 32);
	assert_int_equal(t.hdr.csum_start, 34);
	assert_int_equal(t.hdr.csum_offset, 16);
	assert_int_equal(stats().nd_tx_tso, 1);
	assert_int_equal(stats().nd_tx_packets, 1);
	used_push(&fd->fq[VNET_TXQ], t.head, 0);
	queue_irq(VNET_TXQ);
}

/* Super-frames outside the rules are refused, counted, never posted. */
static void test_tx_tso_refused(void **state)
{
	uint8_t expect[4096];
	struct netbuf *nb;
	uint16_t avail;
	size_t len;
	int errors = 0;

	(void)state;
	/* A device without TSO takes no super-frame. */
	good_open(FEAT_GOOD);
	nb = tso_frame(2, 1000, expect, &len);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	netbuf_put(nb);
	assert_int_equal(stats().nd_tx_errors, 1);
	good_open(FEAT_GOOD | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4));
	avail = fd->fq[VNET_TXQ].avail->idx;
	nb = tso_frame(2, 1000, expect, &len);
	nb->nb_gso_size = 0; /* no segment size */
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	nb->nb_gso_size = 1500 - 52 + 1; /* segments over the MTU */
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	nb->nb_gso_size = 1448;
	nb->nb_csum_start = 30; /* checksum not at the TCP header */
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	nb->nb_csum_start = 34;
	nb->nb_flags = NB_GSO_TCPV4; /* without the partial checksum */
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	nb->nb_flags = NB_CSUM_PARTIAL | NB_GSO_TCPV4;
	nb->nb_data[14] = 0x65; /* not IPv4 */
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	nb->nb_data[14] = 0x45;
	nb->nb_data[23] = 17; /* not TCP */
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	nb->nb_data[23] = 6;
	nb->nb_data[46] = 15 << 4; /* TCP header beyond the first piece */
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	nb->nb_data[46] = 8 << 4;
	netbuf_trim(nb, 50); /* headers split across pieces */
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	netbuf_put(nb);
	errors = 8;
	/* Headers and no payload. */
	nb = tso_frame(0, 0, expect, &len);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	netbuf_put(nb);
	/* Larger than an IP packet can be. */
	nb = tso_frame(0, 0, expect, &len);
	nb->nb_frag = netbuf_ext(expect, 65535 - 52 + 1, NULL, NULL);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EMSGSIZE);
	netbuf_put(nb);
	/* More pieces than the device takes. */
	nb = tso_frame(VNET_TSO_FRAGS, 10, expect, &len);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -EINVAL);
	netbuf_put(nb);
	errors += 3;
	assert_int_equal(stats().nd_tx_errors, errors);
	assert_int_equal(stats().nd_tx_tso, 0);
	assert_int_equal(fd->fq[VNET_TXQ].avail->idx, avail);
}

/* A device breaking the transmit ring: frames come back put, the link
 * goes down, transmit answers -ENODEV. */
static void test_tx_ring_violation(void **state)
{
	struct netbuf *nb;
	size_t heap0;

	(void)state;
	good_open(FEAT_GOOD);
	heap0 = fake_heap_live();
	assert_int_equal(netdev_tx(the_nd(), 0, small_frame(1), false), 0);
	assert_int_equal(netdev_tx(the_nd(), 0, small_frame(1), false), 0);
	used_push(&fd->fq[VNET_TXQ], 1, 4); /* a length on a read buffer */
	queue_irq(VNET_TXQ);
	assert_int_equal(fake_heap_live(), heap0);
	assert_int_equal(fd->quiesced, 1);
	assert_int_equal(link_calls, 1);
	nb = small_frame(1);
	assert_int_equal(netdev_tx(the_nd(), 0, nb, false), -ENODEV);
	assert_int_equal(fake_heap_live(), heap0 + 1);
	netbuf_put(nb);
	assert_int_equal(the_vn()->vn_rx.rx_nfree, 2 * QMAX);
	assert_int_equal(stats().nd_tx_errors, 1);
}

/* Link, open, close ----------------------------------------------------------
 */

static void test_link_change(void **state)
{
	(void)state;
	good_open(FEAT_GOOD);
	assert_true(netdev_link_up(the_nd()));
	cfg16(VNET_CFG_STATUS, 0);
	virtio_config_intr(fd->vd);
	assert_int_equal(link_calls, 1);
	assert_false(netdev_link_up(the_nd()));
	virtio_config_intr(fd->vd); /* nothing changed */
	assert_int_equal(link_calls, 1);
	cfg16(VNET_CFG_STATUS, VIRTIO_NET_S_LINK_UP | 0x2);
	virtio_config_intr(fd->vd);
	assert_int_equal(link_calls, 2);
	assert_true(netdev_link_up(the_nd()));
	/* Down at probe: reported as such from the start. */
	device_new(FEAT_GOOD);
	cfg16(VNET_CFG_STATUS, 0);
	assert_int_equal(probe(), 0);
	assert_false(netdev_link_up(the_nd()));
}

static void test_close_and_reopen(void **state)
{
	struct virtio_net_hdr h = hdr(1, 0, 0, 0);
	uint8_t frame[60];
	struct netbuf *out[4];
	struct txseen t;
	size_t heap0;

	(void)state;
	good_open(FEAT_GOOD);
	make_frame(frame, sizeof(frame), NULL, 1);
	heap0 = fake_heap_live();
	assert_int_equal(netdev_tx(the_nd(), 0, small_frame(1), false), 0);
	netdev_close(the_nd());
	assert_int_equal(netdev_rx(the_nd(), 0, out, 4), -ENODEV);
	assert_int_equal(netdev_tx(the_nd(), 0, out[0] = small_frame(1), false),
			 -ENODEV);
	netbuf_put(out[0]);
	/* Frames arriving while closed reach nobody... */
	rx_frame(&h, frame, sizeof(frame));
	queue_irq(VNET_RXQ);
	cfg16(VNET_CFG_STATUS, 0);
	virtio_config_intr(fd->vd);
	assert_int_equal(rx_ready_calls, 0);
	assert_int_equal(link_calls, 0);
	/* ...the frame still in the device is put when it completes. */
	assert_int_equal(fake_heap_live(), heap0 + 1);
	tx_take(&t);
	used_push(&fd->fq[VNET_TXQ], t.head, 0);
	queue_irq(VNET_TXQ);
	assert_int_equal(fake_heap_live(), heap0);
	/* Reopened: stale frames are dropped, fresh ones come. */
	assert_int_equal(netdev_open(the_nd(), &client, &client_arg), 0);
	assert_int_equal(stats().nd_rx_dropped, 1);
	assert_int_equal(netdev_rx(the_nd(), 0, out, 4), 0);
	rx_frame(&h, frame, sizeof(frame));
	queue_irq(VNET_RXQ);
	assert_int_equal(rx_ready_calls, 1);
	assert_int_equal(netdev_rx(the_nd(), 0, out, 4), 1);
	netbuf_put(out[0]);
	assert_int_equal(pool_home(), 2 * QMAX);
}

/* The layer ------------------------------------------------------------------
 */

static int nop_open(struct netdev *nd)
{
	(void)nd;
	return 0;
}

static void nop_close(struct netdev *nd)
{
	(void)nd;
}

static int nop_rx(struct netdev *nd, unsigned int q, struct netbuf **out,
		  unsigned int max)
{
	(void)nd, (void)q, (void)out, (void)max;
	return 0;
}

static int nop_tx(struct netdev *nd, unsigned int q, struct netbuf *nb,
		  bool more)
{
	(void)nd, (void)q, (void)nb, (void)more;
	return 0;
}

static void nop_kick(struct netdev *nd, unsigned int q)
{
	(void)nd, (void)q;
}

static const struct netdev_ops nop_ops = {
	.open = nop_open,
	.close = nop_close,
	.rx = nop_rx,
	.tx = nop_tx,
	.tx_kick = nop_kick,
};

static void test_layer_registry(void **state)
{
	static struct netdev nds[NETDEV_MAX + 1];
	static const struct netdev_info good = {
		.ni_mtu = 1500,
		.ni_nqueues = 1,
		.ni_tx_headroom = 12,
		.ni_tx_max_frags = 2,
	};
	struct netdev bad;
	unsigned int i;

	(void)state;
	bad.nd_ops = &nop_ops;
	bad.nd_info = good;
	bad.nd_info.ni_mtu = 575;
	assert_int_equal(netdev_register(&bad), -EINVAL);
	bad.nd_info = good;
	bad.nd_info.ni_mtu = 65522;
	assert_int_equal(netdev_register(&bad), -EINVAL);
	bad.nd_info = good;
	bad.nd_info.ni_nqueues = NETDEV_QUEUES_MAX + 1;
	assert_int_equal(netdev_register(&bad), -EINVAL);
	bad.nd_info = good;
	bad.nd_info.ni_tx_headroom = NETBUF_HEADROOM - 129;
	assert_int_equal(netdev_register(&bad), -EINVAL);
	bad.nd_info = good;
	bad.nd_info.ni_tx_max_frags = 1;
	assert_int_equal(netdev_register(&bad), -EINVAL);
	bad.nd_info = good;
	bad.nd_ops = NULL;
	assert_int_equal(netdev_register(&bad), -EINVAL);
	assert_int_equal(netdev_count(), 0);
	for (i = 0; i <= NETDEV_MAX; i++) {
		nds[i].nd_ops = &nop_ops;
		nds[i].nd_info = good;
		assert_int_equal(netdev_register(&nds[i]),
				 i < NETDEV_MAX ? 0 : -ENOSPC);
	}
	assert_int_equal(netdev_count(), NETDEV_MAX);
	assert_ptr_equal(netdev_find("eth15"), &nds[15]);
	assert_string_equal(netdev_info(&nds[10])->ni_name, "eth10");
	assert_null(netdev_get(NETDEV_MAX));
	assert_null(netdev_find(NULL));
	/* Without NETDEV_F_LINK the link is always up. */
	assert_true(netdev_link_up(&nds[0]));
	netdev_link_changed(&nds[0], false);
	assert_true(netdev_link_up(&nds[0]));
}

/* Legacy, on a shared line ------------------------------------------------ */

/* A legacy device (32 feature bits, no VERSION_1) on an INTx line: the
 * core's shared handler reads the ISR and runs every queue's handler, or
 * the configuration handler. Without ANY_LAYOUT and MRG_RXBUF the header
 * is 10 bytes in a buffer of its own. */
static void test_legacy_device_on_shared_line(void **state)
{
	struct virtio_net_hdr h = hdr(1, 0, 0, 0);
	uint8_t frame[90], buf[128];
	struct netbuf *out[2];
	struct txseen t;
	uint16_t head;
	struct fq *f;

	(void)state;
	device_new(VIRTIO_BIT(VIRTIO_NET_F_MAC) |
		   VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
		   VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
		   VIRTIO_BIT(VIRTIO_F_VERSION_1));
	fd->legacy = true;
	fd->shared = true;
	fd->qmax[0] = fd->qmax[1] = 64;
	assert_int_equal(probe(), 0);
	assert_true(fd->vd->vd_legacy);
	assert_string_equal(virtio_irq_kind(fd->vd), "INTx");
	assert_int_equal(fd->driver_features,
			 VIRTIO_BIT(VIRTIO_NET_F_MAC) |
				 VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
				 VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	assert_int_equal(the_vn()->vn_hdr_len, 10);
	assert_true(the_vn()->vn_split_hdr);
	assert_int_equal(the_vn()->vn_rx_pad, 0);
	assert_int_equal(netdev_info(the_nd())->ni_features, NETDEV_F_LINK);
	assert_int_equal(netdev_info(the_nd())->ni_tx_headroom, 10);
	assert_int_equal(netdev_open(the_nd(), &client, &client_arg), 0);
	f = &fd->fq[VNET_RXQ];
	/* Two descriptors per buffer, no indirect tables: half the ring. */
	assert_int_equal(f->avail->idx, 32);
	assert_int_equal(f->desc[f->avail->ring[0]].len, 10);
	/* Receive: header and frame in the two buffers of one chain. */
	make_frame(frame, sizeof(frame), NULL, 3);
	memcpy(buf, &h, 10);
	memcpy(buf + 10, frame, sizeof(frame));
	head = rx_fill(buf, 10 + sizeof(frame));
	used_push(f, head, 10 + sizeof(frame));
	fd->isr = VIRTIO_ISR_QUEUE;
	virtio_shared_irq(fd->vd);
	assert_int_equal(rx_ready_calls, 1);
	assert_int_equal(netdev_rx(the_nd(), 0, out, 2), 1);
	assert_memory_equal(out[0]->nb_data, frame, sizeof(frame));
	netbuf_put(out[0]);
	/* Transmit: the header alone in the first descriptor. */
	assert_int_equal(netdev_tx(the_nd(), 0, small_frame(4), false), 0);
	tx_take(&t);
	assert_false(t.indirect);
	assert_int_equal(t.nsegs, 2);
	assert_int_equal(t.len, 64);
	assert_int_equal(fd->fq[VNET_TXQ].desc[t.head].len, 10);
	used_push(&fd->fq[VNET_TXQ], t.head, 0);
	/* Another device on the line: nothing happens. */
	virtio_shared_irq(fd->vd);
	assert_int_equal(stats().nd_tx_irqs, 0);
	/* A configuration change alone: the link handler, no queue's. */
	cfg16(VNET_CFG_STATUS, 0);
	fd->isr = VIRTIO_ISR_CONFIG;
	virtio_shared_irq(fd->vd);
	assert_int_equal(link_calls, 1);
	assert_false(netdev_link_up(the_nd()));
	assert_int_equal(stats().nd_tx_irqs, 0);
	/* Both at once. */
	cfg16(VNET_CFG_STATUS, VIRTIO_NET_S_LINK_UP);
	fd->isr = VIRTIO_ISR_CONFIG | VIRTIO_ISR_QUEUE;
	virtio_shared_irq(fd->vd);
	assert_int_equal(link_calls, 2);
	assert_int_equal(stats().nd_tx_irqs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_probe_good_device, setup),
		cmocka_unit_test_setup(test_probe_refuses_bad_config, setup),
		cmocka_unit_test_setup(test_probe_mtu_and_random_mac, setup),
		cmocka_unit_test_setup(test_probe_allocation_failures, setup),
		cmocka_unit_test_setup(test_probe_without_config_vector, setup),
		cmocka_unit_test_setup(test_open_fills_the_ring, setup),
		cmocka_unit_test_setup(test_rx_single_frame_and_suppression,
				       setup),
		cmocka_unit_test_setup(
			test_rx_batch_limit_keeps_notifications_off, setup),
		cmocka_unit_test_setup(test_rx_broadcast_and_multicast, setup),
		cmocka_unit_test_setup(test_rx_merged_frame_is_copied, setup),
		cmocka_unit_test_setup(test_rx_hostile_lengths_and_headers,
				       setup),
		cmocka_unit_test_setup(test_rx_hostile_merged_frames, setup),
		cmocka_unit_test_setup(test_rx_flags_ignored_without_guest_csum,
				       setup),
		cmocka_unit_test_setup(test_rx_pool_keeps_ring_full, setup),
		cmocka_unit_test_setup(test_rx_pool_small_ram, setup),
		cmocka_unit_test_setup(test_rx_pool_minimum, setup),
		cmocka_unit_test_setup(test_rx_ring_violation_stops_device,
				       setup),
		cmocka_unit_test_setup(test_tx_pieces_and_checksum_offload,
				       setup),
		cmocka_unit_test_setup(test_tx_batch_one_notification, setup),
		cmocka_unit_test_setup(test_tx_reclaim_on_transmit, setup),
		cmocka_unit_test_setup(test_tx_pending, setup),
		cmocka_unit_test_setup(test_tx_full_then_ready, setup),
		cmocka_unit_test_setup(test_tx_no_interrupt_unless_full, setup),
		cmocka_unit_test_setup(test_tx_argument_checks, setup),
		cmocka_unit_test_setup(test_tx_ring_violation, setup),
		cmocka_unit_test_setup(test_probe_tso_conditions, setup),
		cmocka_unit_test_setup(test_tx_tso_super_frame, setup),
		cmocka_unit_test_setup(test_tx_tso_refused, setup),
		cmocka_unit_test_setup(test_link_change, setup),
		cmocka_unit_test_setup(test_close_and_reopen, setup),
		cmocka_unit_test_setup(test_layer_registry, setup),
		cmocka_unit_test_setup(test_legacy_device_on_shared_line,
				       setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
