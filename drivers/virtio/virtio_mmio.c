// SPDX-License-Identifier: MIT
/*
 * virtio over MMIO (virtio 1.2 §4.2), as QEMU -M microvm provides it: a
 * register window per transport, named on the command line (<kernel/dev.h>
 * DEV_BUS_MMIO). Version 2 is the modern interface; version 1, the legacy
 * one, is also driven (QEMU's virtio-mmio.force-legacy=on). Each device
 * has one interrupt line: InterruptStatus says what happened, and writing
 * it back to InterruptACK lowers the line.
 */
#include <kernel/errno.h>
#include <kernel/fmt.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/mm.h>

#include "virtio_impl.h"
#include "virtio_mmio_reg.h"

#define RESET_POLLS 1000000

static uintptr_t map_window(const struct device *dev)
{
	const struct dev_mmio *m = &dev->d_mmio;

	if (dev->d_bus != DEV_BUS_MMIO || m->dm_size < VMMIO_CONFIG ||
	    mm_map_mmio(m->dm_base, m->dm_size))
		return 0;
	return (uintptr_t)m->dm_base;
}

uint16_t virtio_mmio_type(const struct device *dev)
{
	uintptr_t b = map_window(dev);
	uint32_t version, id;

	if (!b || mmio_r32(b + VMMIO_MAGIC) != VMMIO_MAGIC_VALUE)
		return 0;
	version = mmio_r32(b + VMMIO_VERSION);
	id = mmio_r32(b + VMMIO_DEVICE_ID);
	/* Device id 0 is an empty transport slot. */
	if ((version != 1 && version != 2) || id == 0 || id > 0xffff)
		return 0;
	return (uint16_t)id;
}

static uint8_t mm_get_status(struct virtio_dev *vd)
{
	return (uint8_t)mmio_r32(vd->vd_base + VMMIO_STATUS);
}

static void mm_set_status(struct virtio_dev *vd, uint8_t st)
{
	mmio_w32(vd->vd_base + VMMIO_STATUS, st);
}

static int mm_reset(struct virtio_dev *vd)
{
	int i;

	mmio_w32(vd->vd_base + VMMIO_STATUS, 0);
	for (i = 0; i < RESET_POLLS; i++)
		if (mmio_r32(vd->vd_base + VMMIO_STATUS) == 0)
			return 0;
	return -EIO;
}

static uint64_t mm_get_features(struct virtio_dev *vd)
{
	uint64_t lo, hi;

	mmio_w32(vd->vd_base + VMMIO_DEVICE_FEATURES_SEL, 0);
	lo = mmio_r32(vd->vd_base + VMMIO_DEVICE_FEATURES);
	mmio_w32(vd->vd_base + VMMIO_DEVICE_FEATURES_SEL, 1);
	hi = mmio_r32(vd->vd_base + VMMIO_DEVICE_FEATURES);
	return lo | hi << 32;
}

static void mm_set_features(struct virtio_dev *vd, uint64_t f)
{
	mmio_w32(vd->vd_base + VMMIO_DRIVER_FEATURES_SEL, 0);
	mmio_w32(vd->vd_base + VMMIO_DRIVER_FEATURES, (uint32_t)f);
	mmio_w32(vd->vd_base + VMMIO_DRIVER_FEATURES_SEL, 1);
	mmio_w32(vd->vd_base + VMMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static uint32_t mm_config_generation(struct virtio_dev *vd)
{
	return vd->vd_legacy ? 0
			     : mmio_r32(vd->vd_base + VMMIO_CONFIG_GENERATION);
}

static uint32_t mm_config_read(struct virtio_dev *vd, unsigned int off,
			       unsigned int width)
{
	uintptr_t a = vd->vd_base + VMMIO_CONFIG + off;

	return width == 4 ? mmio_r32(a) : width == 2 ? mmio_r16(a) : mmio_r8(a);
}

static uint32_t mm_queue_max(struct virtio_dev *vd, uint16_t index)
{
	mmio_w32(vd->vd_base + VMMIO_QUEUE_SEL, index);
	if (!vd->vd_legacy && mmio_r32(vd->vd_base + VMMIO_QUEUE_READY))
		return 0; /* already in use: not ours to set up */
	return mmio_r32(vd->vd_base + VMMIO_QUEUE_NUM_MAX);
}

static int mm_queue_enable(struct virtio_dev *vd, struct virtq *q,
			   int msix_entry)
{
	uintptr_t b = vd->vd_base;

	(void)msix_entry;
	mmio_w32(b + VMMIO_QUEUE_SEL, virtq_index(q));
	mmio_w32(b + VMMIO_QUEUE_NUM, virtq_size(q));
	if (vd->vd_legacy) {
		uint64_t pfn = virtq_desc_addr(q) / VMMIO_LEGACY_PAGE;

		if (pfn > UINT32_MAX)
			return -ENOMEM;
		mmio_w32(b + VMMIO_QUEUE_ALIGN, VMMIO_LEGACY_PAGE);
		mmio_w32(b + VMMIO_QUEUE_PFN, (uint32_t)pfn);
		return 0;
	}
	mmio_w32(b + VMMIO_QUEUE_DESC_LOW, (uint32_t)virtq_desc_addr(q));
	mmio_w32(b + VMMIO_QUEUE_DESC_HIGH,
		 (uint32_t)(virtq_desc_addr(q) >> 32));
	mmio_w32(b + VMMIO_QUEUE_DRIVER_LOW, (uint32_t)virtq_avail_addr(q));
	mmio_w32(b + VMMIO_QUEUE_DRIVER_HIGH,
		 (uint32_t)(virtq_avail_addr(q) >> 32));
	mmio_w32(b + VMMIO_QUEUE_DEVICE_LOW, (uint32_t)virtq_used_addr(q));
	mmio_w32(b + VMMIO_QUEUE_DEVICE_HIGH,
		 (uint32_t)(virtq_used_addr(q) >> 32));
	mmio_w32(b + VMMIO_QUEUE_READY, 1);
	return 0;
}

static void mm_notify(struct virtio_dev *vd, struct virtq *q)
{
	mmio_w32(vd->vd_base + VMMIO_QUEUE_NOTIFY, virtq_index(q));
}

static uint32_t mm_isr(struct virtio_dev *vd)
{
	uint32_t st = mmio_r32(vd->vd_base + VMMIO_INTERRUPT_STATUS);

	if (st)
		mmio_w32(vd->vd_base + VMMIO_INTERRUPT_ACK, st);
	return st;
}

/* The line's handler reads InterruptStatus: nothing to route. */
static int mm_config_irq(struct virtio_dev *vd)
{
	(void)vd;
	return 0;
}

static const struct virtio_transport_ops mmio_ops = {
	.get_status = mm_get_status,
	.set_status = mm_set_status,
	.reset = mm_reset,
	.get_features = mm_get_features,
	.set_features = mm_set_features,
	.config_generation = mm_config_generation,
	.config_read = mm_config_read,
	.queue_max = mm_queue_max,
	.sizable = true,
	.queue_enable = mm_queue_enable,
	.notify = mm_notify,
	.isr = mm_isr,
	.config_irq = mm_config_irq,
};

int virtio_mmio_irq_queue(struct virtio_dev *vd, struct vq_slot *s)
{
	uint32_t gsi = vd->vd_dev->d_mmio.dm_gsi;
	int v, rc;

	(void)s;
	if (vd->vd_shared_vector)
		return 0;
	v = irq_alloc_vector(virtio_shared_irq, vd);
	if (v < 0)
		return v;
	/* As the platform described the line (QEMU: level, active high;
	 * the line stays up while InterruptStatus is non-zero). */
	rc = irq_route_gsi(gsi, vd->vd_dev->d_mmio.dm_irq_flags, v, 0);
	if (rc == 0)
		rc = irq_unmask_gsi(gsi);
	if (rc) {
		log_err("%s: cannot route GSI %u (%d)\n", vd->vd_name, gsi, rc);
		irq_free_vector(v);
		return rc;
	}
	vd->vd_shared_vector = v;
	vd->vd_gsi = gsi;
	return 0;
}

/* Resets at most this many reads long when stopping a misbehaving device
 * (any context): QEMU resets at once; a device that does not is masked
 * anyway. */
#define QUIESCE_POLLS 1000

int virtio_mmio_quiesce(struct virtio_dev *vd)
{
	bool reset = false;
	int i;

	if (vd->vd_shared_vector)
		(void)irq_mask_gsi(vd->vd_gsi);
	/* An MMIO transport has no bus-master switch: a reset is how the
	 * device is told to stop using guest memory (§2.4). */
	mmio_w32(vd->vd_base + VMMIO_STATUS, 0);
	for (i = 0; i < QUIESCE_POLLS && !reset; i++)
		reset = mmio_r32(vd->vd_base + VMMIO_STATUS) == 0;
	return reset ? 0 : -EIO;
}

int virtio_mmio_probe(struct device *dev, struct virtio_dev *vd)
{
	uint32_t version;

	vd->vd_type = virtio_mmio_type(dev);
	if (!vd->vd_type)
		return -ENODEV;
	vd->vd_base = (uintptr_t)dev->d_mmio.dm_base;
	version = mmio_r32(vd->vd_base + VMMIO_VERSION);
	vd->vd_mmio_version = version;
	vd->vd_legacy = version == 1;
	vd->vd_ops = &mmio_ops;
	vd->vd_config_len = (uint32_t)(dev->d_mmio.dm_size - VMMIO_CONFIG);
	fmt_snprintf(vd->vd_name, sizeof(vd->vd_name), "%s %s (v%u)",
		     virtio_type_name(vd->vd_type), dev->d_name, version);
	if (mm_reset(vd)) {
		log_err("%s: reset did not complete\n", vd->vd_name);
		return -EIO;
	}
	if (vd->vd_legacy)
		mmio_w32(vd->vd_base + VMMIO_GUEST_PAGE_SIZE,
			 VMMIO_LEGACY_PAGE);
	return 0;
}
