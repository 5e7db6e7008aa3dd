// SPDX-License-Identifier: MIT
/*
 * The virtio core: binds virtio device drivers to the devices the PCI and
 * MMIO transports recognise, and runs the device initialisation sequence
 * of virtio 1.2 §3.1.1 for them (reset, ACKNOWLEDGE, DRIVER, features,
 * FEATURES_OK, queues, DRIVER_OK).
 */
#include <kernel/errno.h>
#include <kernel/fmt.h>
#include <kernel/heap.h>
#include <kernel/io.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/param.h>
#include <kernel/pci.h>
#include <kernel/sched.h>
#include <kernel/string.h>

#include "virtio_impl.h"

const char *virtio_type_name(uint16_t type)
{
	switch (type) {
	case VIRTIO_ID_NET:
		return "virtio-net";
	case VIRTIO_ID_BLOCK:
		return "virtio-blk";
	case VIRTIO_ID_RNG:
		return "virtio-rng";
	default:
		return "virtio";
	}
}

/* Devices */

const char *virtio_name(const struct virtio_dev *vd)
{
	return vd->vd_name;
}

uint64_t virtio_device_features(const struct virtio_dev *vd)
{
	return vd->vd_ops->get_features((struct virtio_dev *)vd);
}

bool virtio_has_feature(const struct virtio_dev *vd, unsigned int f)
{
	return f < 64 && (vd->vd_features & VIRTIO_BIT(f));
}

static void add_status(struct virtio_dev *vd, uint8_t bits)
{
	vd->vd_ops->set_status(vd, vd->vd_ops->get_status(vd) | bits);
}

int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted, uint64_t *got)
{
	uint64_t offered = vd->vd_ops->get_features(vd);
	uint64_t take;

	if (!vd->vd_legacy) {
		if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
			log_err("%s: modern transport without VERSION_1\n",
				vd->vd_name);
			return -ENODEV;
		}
		wanted |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
	}
	wanted &= ~VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);
	if (vd->vd_legacy)
		wanted &= 0xffffffffull;
	take = wanted & offered;
	vd->vd_ops->set_features(vd, take);
	if (!vd->vd_legacy) {
		add_status(vd, VIRTIO_STATUS_FEATURES_OK);
		if (!(vd->vd_ops->get_status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
			log_err("%s: device refused features %#lx\n",
				vd->vd_name, (unsigned long)take);
			return -ENODEV;
		}
	}
	vd->vd_features = take;
	if (got)
		*got = take;
	return 0;
}

int virtio_config_read(struct virtio_dev *vd, unsigned int off, void *buf,
		       size_t len)
{
	uint8_t *out = buf;
	uint32_t gen;
	int tries;

	if (off > vd->vd_config_len || len > vd->vd_config_len - off)
		return -EINVAL;
	/* A field that changes while read is read again (§2.5.1); the device
	 * is untrusted, so a generation that never settles is bounded. */
	for (tries = 0; tries < 100; tries++) {
		size_t i = 0;

		gen = vd->vd_ops->config_generation(vd);
		while (i < len) {
			unsigned int w = (len - i >= 4 && !((off + i) & 3)) ? 4
					 : (len - i >= 2 && !((off + i) & 1))
						 ? 2
						 : 1;
			uint32_t v = vd->vd_ops->config_read(
				vd, off + (unsigned int)i, w);

			memcpy(out + i, &v, w);
			i += w;
		}
		if (vd->vd_ops->config_generation(vd) == gen)
			return 0;
	}
	return -EIO;
}

const char *virtio_irq_kind(const struct virtio_dev *vd)
{
	if (vd->vd_msix)
		return "MSI-X";
	if (vd->vd_intx)
		return "INTx";
	return vd->vd_shared_vector ? "line" : "none";
}

void virtio_set_drvdata(struct virtio_dev *vd, void *p)
{
	vd->vd_drvdata = p;
}

void *virtio_drvdata(const struct virtio_dev *vd)
{
	return vd->vd_drvdata;
}

/* Queues and interrupts -----------------------------------------------------
 */

/* mosaic.virtio_lose_irqs=N: the first N queue interrupts are ignored, as
 * if lost, and the repair below is on wherever the kernel runs: a test
 * that the repair recovers them (tests/integration/blk). */
static unsigned long lose_irqs; /* [a] */

static int set_lose_irqs(const char *value)
{
	unsigned long n = 0;
	const char *p = value;

	if (!p || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9' && n <= 1000; p++)
		n = n * 10 + (unsigned long)(*p - '0');
	if (*p || n > 1000)
		return -EINVAL;
	lose_irqs = n;
	return 0;
}
KERNEL_PARAM("virtio_lose_irqs", set_lose_irqs,
	     "test only: ignore the first N (0-1000) virtqueue interrupts");

/* The repair (below) is to look at every queue at the next idle: a device
 * joined, or an interrupt was lost on purpose. */
static bool repair_look; /* [a] */

/* True (and one fewer left) while interrupts are to be lost. A real loss
 * comes with virtq_take_unconfirmed() set; this one asks for a look. */
static bool lose_irq(void)
{
	unsigned long n = __atomic_load_n(&lose_irqs, __ATOMIC_RELAXED);

	while (n &&
	       !__atomic_compare_exchange_n(&lose_irqs, &n, n - 1, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	if (n)
		__atomic_store_n(&repair_look, true, __ATOMIC_RELEASE);
	return n != 0;
}

void virtio_queue_irq(void *arg)
{
	struct vq_slot *s = arg;
	/* The vector is live before the queue is published. */
	struct virtq *q = __atomic_load_n(&s->vs_q, __ATOMIC_ACQUIRE);

	if (q && !lose_irq())
		s->vs_fn(q, s->vs_arg);
}

void virtio_config_intr(void *arg)
{
	struct virtio_dev *vd = arg;
	virtio_config_handler_t fn =
		__atomic_load_n(&vd->vd_config_fn, __ATOMIC_ACQUIRE);

	if (fn)
		fn(vd, vd->vd_config_arg);
}

void virtio_shared_irq(void *arg)
{
	struct virtio_dev *vd = arg;
	uint32_t isr = vd->vd_ops->isr(vd);
	unsigned int i;

	if (isr & VIRTIO_ISR_CONFIG)
		virtio_config_intr(vd);
	if (!(isr & VIRTIO_ISR_QUEUE) || lose_irq())
		return; /* another device on the line, or a config change */
	for (i = 0; i < vd->vd_nqueues; i++) {
		struct vq_slot *s = &vd->vd_queues[i];
		/* Published last by virtio_queue_setup(), after fn and arg. */
		struct virtq *q = __atomic_load_n(&s->vs_q, __ATOMIC_ACQUIRE);

		if (q)
			s->vs_fn(q, s->vs_arg);
	}
}

int virtio_queue_setup(struct virtio_dev *vd, uint16_t index, uint16_t want,
		       uint16_t indirect_max, virtq_handler_t fn, void *arg,
		       struct virtq **out)
{
	struct virtq_config cfg = { 0 };
	struct virtq *q;
	struct vq_slot *s;
	uint32_t max, size;
	int rc;

	if (index >= VIRTIO_QUEUES_MAX || !fn || !want)
		return -EINVAL;
	s = &vd->vd_queues[index];
	if (s->vs_q)
		return -EINVAL;
	max = vd->vd_ops->queue_max(vd, index);
	if (max == 0 || max > 32768 || (max & (max - 1))) {
		log_err("%s: queue %u has unusable size %u\n", vd->vd_name,
			index, max);
		return -EIO;
	}
	size = max;
	if (vd->vd_ops->sizable)
		while (size > want && size > 1)
			size >>= 1;
	cfg.vc_size = (uint16_t)size;
	cfg.vc_index = index;
	cfg.vc_layout =
		vd->vd_legacy ? VIRTQ_LAYOUT_LEGACY : VIRTQ_LAYOUT_MODERN;
	cfg.vc_event_idx = virtio_has_feature(vd, VIRTIO_F_EVENT_IDX);
	cfg.vc_indirect_max = virtio_has_feature(vd, VIRTIO_F_INDIRECT_DESC)
				      ? indirect_max
				      : 0;
	rc = virtq_create(&cfg, &q);
	if (rc)
		return rc;
	s->vs_fn = fn;
	s->vs_arg = arg;
	if (index >= vd->vd_nqueues)
		vd->vd_nqueues = index + 1u;
	rc = vd->vd_dev->d_bus == DEV_BUS_PCI
		     ? virtio_pci_irq_queue(vd, s, index)
		     : virtio_mmio_irq_queue(vd, s);
	if (rc)
		goto fail;
	rc = vd->vd_ops->queue_enable(vd, q, s->vs_vector ? (int)index : -1);
	if (rc)
		goto fail;
	/* A shared line may already be live for another queue. */
	__atomic_store_n(&s->vs_q, q, __ATOMIC_RELEASE);
	*out = q;
	return 0;
fail:
	if (s->vs_vector) {
		irq_free_vector(s->vs_vector);
		s->vs_vector = 0;
	}
	virtq_destroy(q);
	return rc;
}

int virtio_config_irq(struct virtio_dev *vd, virtio_config_handler_t fn,
		      void *arg)
{
	int rc;

	if (!fn || vd->vd_config_fn || !vd->vd_nqueues)
		return -EINVAL;
	vd->vd_config_arg = arg;
	/* A shared line is already live for the queues. */
	__atomic_store_n(&vd->vd_config_fn, fn, __ATOMIC_RELEASE);
	rc = vd->vd_ops->config_irq(vd);
	if (rc)
		__atomic_store_n(&vd->vd_config_fn, NULL, __ATOMIC_RELEASE);
	return rc;
}

void virtio_notify(struct virtio_dev *vd, struct virtq *q)
{
	vd->vd_ops->notify(vd, q);
}

int virtio_ready(struct virtio_dev *vd)
{
	uint8_t st;

	add_status(vd, VIRTIO_STATUS_DRIVER_OK);
	st = vd->vd_ops->get_status(vd);
	if (st & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
		log_err("%s: device status %#x after DRIVER_OK\n", vd->vd_name,
			st);
		return -EIO;
	}
	return 0;
}

int virtio_fail(struct virtio_dev *vd)
{
	int rc = 0;

	if (vd->vd_dev->d_bus == DEV_BUS_PCI)
		virtio_pci_quiesce(vd);
	else
		rc = virtio_mmio_quiesce(vd);
	add_status(vd, VIRTIO_STATUS_FAILED);
	return rc;
}

void virtio_stop(struct virtio_dev *vd)
{
	unsigned int i;

	if (vd->vd_stopped)
		return;
	vd->vd_stopped = true;
	(void)virtio_fail(vd);
	/* Each of these returns once no CPU runs the handler. */
	for (i = 0; i < vd->vd_nqueues; i++) {
		struct vq_slot *s = &vd->vd_queues[i];

		if (s->vs_vector) {
			irq_free_vector(s->vs_vector);
			s->vs_vector = 0;
		}
	}
	if (vd->vd_config_vector) {
		irq_free_vector(vd->vd_config_vector);
		vd->vd_config_vector = 0;
	}
	if (vd->vd_msix)
		pci_msix_disable(vd->vd_dev->d_pci);
	if (vd->vd_intx) {
		pci_intx_detach(vd->vd_dev->d_pci, virtio_shared_irq, vd);
		vd->vd_intx = false;
	}
	if (vd->vd_shared_vector) {
		irq_free_vector(vd->vd_shared_vector);
		vd->vd_shared_vector = 0;
	}
}

/* Lost notifications ---------------------------------------------------------
 *
 * Where io_fence_device() may not hold (QEMU's TCG, <kernel/io.h>), the
 * event-index handshake can lose an interrupt or a doorbell: each side
 * stores its index, then reads the other's stale. Nothing would come
 * after: the driver waits for the device and the device for the driver.
 * Rather than a fence that takes QEMU's global lock on every handshake
 * (a third of the throughput under load), the handshakes keep
 * io_fence_device() and this repairs what was lost whenever a CPU is
 * about to idle, the point where a driver waiting for its device would
 * otherwise sleep: if some queue started to rely on its device since the
 * last check (virtq_take_unconfirmed()), one io_fence_host() and a look at
 * every queue (virtq_owed()). A doorbell owed is rung there; an
 * interrupt owed raises the repair vector on this CPU, whose handler runs
 * the queue's handler. A yield with nothing else to run counts as idle,
 * and a CPU that never idles runs the hook once in 64 task switches.
 */

static int repair_vector; /* [I] once set; 0: fences hold, no repair */
/* Devices bound, newest first; pushed at probe (probes run one at a time,
 * at boot), never removed. */
static struct virtio_dev *repair_list; /* [a] */
/* What was repaired (for a debugger; the first is logged). */
static unsigned long repaired_intrs, repaired_kicks; /* [a] */

static void repair_count(unsigned long *n, const struct virtio_dev *vd,
			 const struct virtq *q, const char *what)
{
	if (__atomic_fetch_add(n, 1, __ATOMIC_RELAXED) == 0)
		log_info("virtio: %s queue %u: repaired a lost %s (the "
			 "first; see <kernel/io.h>)\n",
			 vd->vd_name, virtq_index(q), what);
}

/* The idle hook's pass (`handlers` false) rings every doorbell owed and
 * returns true when some queue is owed an interrupt; the repair vector's
 * handler's pass (`handlers` true) runs the handler of each such queue,
 * which the hook may not (a handler wakes tasks). */
static bool repair_scan(bool handlers)
{
	struct virtio_dev *vd;
	bool any = false;

	for (vd = __atomic_load_n(&repair_list, __ATOMIC_ACQUIRE); vd;
	     vd = vd->vd_repair_next) {
		if (__atomic_load_n(&vd->vd_stopped, __ATOMIC_RELAXED))
			continue;
		for (unsigned int i = 0; i < vd->vd_nqueues; i++) {
			struct vq_slot *s = &vd->vd_queues[i];
			struct virtq *q =
				__atomic_load_n(&s->vs_q, __ATOMIC_ACQUIRE);
			unsigned int owed = q ? virtq_owed(q) : 0;

			if ((owed & VIRTQ_OWED_KICK) && !handlers) {
				repair_count(&repaired_kicks, vd, q,
					     "doorbell");
				virtio_notify(vd, q);
			}
			if (!(owed & VIRTQ_OWED_INTR))
				continue;
			any = true;
			if (handlers) {
				repair_count(&repaired_intrs, vd, q,
					     "interrupt");
				s->vs_fn(q, s->vs_arg);
			}
		}
	}
	return any;
}

/* The scheduler's idle hook: interrupts off, must not wake anyone. */
static void repair_idle(void)
{
	bool look = virtq_take_unconfirmed();

	if (__atomic_load_n(&repair_look, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&repair_look, false, __ATOMIC_ACQ_REL))
		look = true;
	if (!look)
		return;
	io_fence_host();
	if (repair_scan(false))
		irq_raise_self(repair_vector);
}

static void repair_irq(void *arg)
{
	(void)arg;
	(void)repair_scan(true);
}

/* Puts a bound device on the repair list (when repairs are needed). */
static void repair_join(struct virtio_dev *vd)
{
	if (!io_fences_lossy() &&
	    !__atomic_load_n(&lose_irqs, __ATOMIC_RELAXED))
		return;
	if (!repair_vector) {
		int v = irq_alloc_vector(repair_irq, NULL);

		if (v < 0) {
			log_warn("virtio: no vector to repair lost "
				 "notifications (%d); a device may stall\n",
				 v);
			return;
		}
		repair_vector = v;
		sched_set_idle_hook(repair_idle);
	}
	vd->vd_repair_next = repair_list;
	__atomic_store_n(&repair_list, vd, __ATOMIC_RELEASE);
	__atomic_store_n(&repair_look, true, __ATOMIC_RELEASE);
}

/* Binding --------------------------------------------------------------------
 */

static bool virtio_match(const struct driver *drv, const struct device *dev)
{
	const struct virtio_driver *vdrv =
		container_of(drv, struct virtio_driver, vd_drv);
	uint16_t type = dev->d_bus == DEV_BUS_PCI ? virtio_pci_type(dev)
						  : virtio_mmio_type(dev);

	return type && type == vdrv->vd_type;
}

static int virtio_probe(const struct driver *drv, struct device *dev)
{
	const struct virtio_driver *vdrv =
		container_of(drv, struct virtio_driver, vd_drv);
	struct virtio_dev *vd = heap_calloc(1, sizeof(*vd));
	unsigned int i;
	int rc;

	if (!vd)
		return -ENOMEM;
	vd->vd_dev = dev;
	vd->vd_driver = vdrv;
	rc = dev->d_bus == DEV_BUS_PCI ? virtio_pci_probe(dev, vd)
				       : virtio_mmio_probe(dev, vd);
	if (rc)
		goto out_free;
	add_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(vd, VIRTIO_STATUS_DRIVER);
	rc = vdrv->vd_probe(vd);
	if (rc == 0) {
		dev->d_drvdata = vd;
		repair_join(vd);
		return 0;
	}
	/* The driver stopped the device before freeing what its handlers
	 * use (virtio_stop(); again here for drivers that failed before
	 * setting up a queue); the queues' memory goes only after the
	 * reset, when the device can no longer touch it. */
	virtio_stop(vd);
	(void)vd->vd_ops->reset(vd);
	add_status(vd, VIRTIO_STATUS_FAILED);
	for (i = 0; i < vd->vd_nqueues; i++)
		if (vd->vd_queues[i].vs_q)
			virtq_destroy(vd->vd_queues[i].vs_q);
out_free:
	heap_free(vd);
	return rc;
}

int virtio_driver_register(struct virtio_driver *drv)
{
	if (!drv || !drv->vd_name || !drv->vd_probe || !drv->vd_type)
		return -EINVAL;
	drv->vd_drv.drv_name = drv->vd_name;
	drv->vd_drv.drv_match = virtio_match;
	drv->vd_drv.drv_probe = virtio_probe;
	return driver_register(&drv->vd_drv);
}
