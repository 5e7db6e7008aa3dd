// SPDX-License-Identifier: MIT
/*
 * virtio over PCI (virtio 1.2 §4.1): the modern interface through its
 * vendor capabilities, and the legacy 0.9.5 interface of transitional
 * devices (§4.1.4.10) when the modern one is absent. Interrupts are MSI-X
 * vectors, one per queue, when the function has MSI-X, otherwise its INTx
 * line through the IOAPIC. Capability offsets and lengths come from the
 * device and are checked against the BAR they point into.
 */
#include <kernel/errno.h>
#include <kernel/fmt.h>
#include <kernel/io.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/pci.h>

#include "virtio_impl.h"
#include "virtio_pci_reg.h"

/* Reset: the device reads back 0 once done (§4.1.4.3.2); a device that
 * never does is given up on after this many reads. */
#define RESET_POLLS 1000000

uint16_t virtio_pci_type(const struct device *dev)
{
	const struct pci_dev *pd = dev->d_pci;

	if (dev->d_bus != DEV_BUS_PCI || pd->pd_vendor != VIRTIO_PCI_VENDOR)
		return 0;
	if (pd->pd_device >= VIRTIO_PCI_DEV_MODERN &&
	    pd->pd_device <= VIRTIO_PCI_DEV_MODERN_LAST)
		return (uint16_t)(pd->pd_device - VIRTIO_PCI_DEV_MODERN);
	if (pd->pd_device >= VIRTIO_PCI_DEV_TRANS_FIRST &&
	    pd->pd_device <= VIRTIO_PCI_DEV_TRANS_LAST)
		return pd->pd_subsys_id; /* §4.1.2.1 */
	return 0;
}

/* Gives configuration changes the MSI-X entry after the queues' (INTx:
 * the shared handler reads the ISR instead). */
static int pci_config_irq(struct virtio_dev *vd)
{
	unsigned int entry = vd->vd_nqueues;
	uint16_t got;
	int v, rc;

	if (!vd->vd_msix)
		return 0;
	if (entry >= vd->vd_msix_entries)
		return -ENOSPC;
	v = irq_alloc_vector(virtio_config_intr, vd);
	if (v < 0)
		return v;
	rc = pci_msix_set(vd->vd_dev->d_pci, entry, v, 0);
	if (rc)
		goto err_free;
	if (vd->vd_legacy) {
		io_outw(vd->vd_iobase + VLEG_MSIX_CONFIG, (uint16_t)entry);
		got = io_inw(vd->vd_iobase + VLEG_MSIX_CONFIG);
	} else {
		mmio_w16(vd->vd_base + VPCI_MSIX_CONFIG, (uint16_t)entry);
		got = mmio_r16(vd->vd_base + VPCI_MSIX_CONFIG);
	}
	if (got != entry) {
		log_err("%s: configuration refused its MSI-X vector\n",
			vd->vd_name);
		rc = -EIO;
		goto err_free;
	}
	vd->vd_config_vector = v;
	return 0;
err_free:
	irq_free_vector(v);
	return rc;
}

/* Modern ------------------------------------------------------------------ */

static uint8_t m_get_status(struct virtio_dev *vd)
{
	return mmio_r8(vd->vd_base + VPCI_STATUS);
}

static void m_set_status(struct virtio_dev *vd, uint8_t st)
{
	mmio_w8(vd->vd_base + VPCI_STATUS, st);
}

static int m_reset(struct virtio_dev *vd)
{
	int i;

	mmio_w8(vd->vd_base + VPCI_STATUS, 0);
	for (i = 0; i < RESET_POLLS; i++)
		if (mmio_r8(vd->vd_base + VPCI_STATUS) == 0)
			return 0;
	return -EIO;
}

static uint64_t m_get_features(struct virtio_dev *vd)
{
	uint64_t lo, hi;

	mmio_w32(vd->vd_base + VPCI_DFSELECT, 0);
	lo = mmio_r32(vd->vd_base + VPCI_DF);
	mmio_w32(vd->vd_base + VPCI_DFSELECT, 1);
	hi = mmio_r32(vd->vd_base + VPCI_DF);
	return lo | hi << 32;
}

static void m_set_features(struct virtio_dev *vd, uint64_t f)
{
	mmio_w32(vd->vd_base + VPCI_GFSELECT, 0);
	mmio_w32(vd->vd_base + VPCI_GF, (uint32_t)f);
	mmio_w32(vd->vd_base + VPCI_GFSELECT, 1);
	mmio_w32(vd->vd_base + VPCI_GF, (uint32_t)(f >> 32));
}

static uint32_t m_config_generation(struct virtio_dev *vd)
{
	return mmio_r8(vd->vd_base + VPCI_CFG_GENERATION);
}

static uint32_t m_config_read(struct virtio_dev *vd, unsigned int off,
			      unsigned int width)
{
	uintptr_t a = vd->vd_device_cfg + off;

	return width == 4 ? mmio_r32(a) : width == 2 ? mmio_r16(a) : mmio_r8(a);
}

static uint32_t m_queue_max(struct virtio_dev *vd, uint16_t index)
{
	if (index >= mmio_r16(vd->vd_base + VPCI_NUM_QUEUES))
		return 0;
	mmio_w16(vd->vd_base + VPCI_Q_SELECT, index);
	return mmio_r16(vd->vd_base + VPCI_Q_SIZE);
}

static void w64(uintptr_t lo, uint64_t v)
{
	mmio_w32(lo, (uint32_t)v);
	mmio_w32(lo + 4, (uint32_t)(v >> 32));
}

static int m_queue_enable(struct virtio_dev *vd, struct virtq *q,
			  int msix_entry)
{
	uintptr_t c = vd->vd_base;
	uint16_t index = virtq_index(q);
	uint64_t noff;

	mmio_w16(c + VPCI_Q_SELECT, index);
	mmio_w16(c + VPCI_Q_SIZE, virtq_size(q));
	if (msix_entry >= 0) {
		mmio_w16(c + VPCI_Q_MSIX, (uint16_t)msix_entry);
		if (mmio_r16(c + VPCI_Q_MSIX) != (uint16_t)msix_entry) {
			log_err("%s: queue %u refused its MSI-X vector\n",
				vd->vd_name, index);
			return -EIO;
		}
	}
	w64(c + VPCI_Q_DESCLO, virtq_desc_addr(q));
	w64(c + VPCI_Q_AVAILLO, virtq_avail_addr(q));
	w64(c + VPCI_Q_USEDLO, virtq_used_addr(q));
	noff = (uint64_t)mmio_r16(c + VPCI_Q_NOFF) * vd->vd_notify_mult;
	if (noff + 2 > vd->vd_notify_len) {
		log_err("%s: queue %u notify offset %#lx outside the area\n",
			vd->vd_name, index, (unsigned long)noff);
		return -EIO;
	}
	vd->vd_queues[index].vs_notify = vd->vd_notify_base + noff;
	mmio_w16(c + VPCI_Q_ENABLE, 1);
	return 0;
}

static void m_notify(struct virtio_dev *vd, struct virtq *q)
{
	uint16_t index = virtq_index(q);

	mmio_w16(vd->vd_queues[index].vs_notify, index);
}

static uint32_t m_isr(struct virtio_dev *vd)
{
	return mmio_r8(vd->vd_isr_addr);
}

static const struct virtio_transport_ops modern_ops = {
	.get_status = m_get_status,
	.set_status = m_set_status,
	.reset = m_reset,
	.get_features = m_get_features,
	.set_features = m_set_features,
	.config_generation = m_config_generation,
	.config_read = m_config_read,
	.queue_max = m_queue_max,
	.sizable = true,
	.queue_enable = m_queue_enable,
	.notify = m_notify,
	.isr = m_isr,
	.config_irq = pci_config_irq,
};

/* Legacy ------------------------------------------------------------------ */

static uint8_t l_get_status(struct virtio_dev *vd)
{
	return io_inb(vd->vd_iobase + VLEG_STATUS);
}

static void l_set_status(struct virtio_dev *vd, uint8_t st)
{
	io_outb(vd->vd_iobase + VLEG_STATUS, st);
}

static int l_reset(struct virtio_dev *vd)
{
	int i;

	io_outb(vd->vd_iobase + VLEG_STATUS, 0);
	for (i = 0; i < RESET_POLLS; i++)
		if (io_inb(vd->vd_iobase + VLEG_STATUS) == 0)
			return 0;
	return -EIO;
}

static uint64_t l_get_features(struct virtio_dev *vd)
{
	return io_inl(vd->vd_iobase + VLEG_HOST_FEATURES);
}

static void l_set_features(struct virtio_dev *vd, uint64_t f)
{
	io_outl(vd->vd_iobase + VLEG_GUEST_FEATURES, (uint32_t)f);
}

static uint32_t l_config_generation(struct virtio_dev *vd)
{
	(void)vd;
	return 0;
}

static uint32_t l_config_read(struct virtio_dev *vd, unsigned int off,
			      unsigned int width)
{
	uint16_t port = (uint16_t)(vd->vd_iobase + vd->vd_legacy_cfg_off + off);

	return width == 4   ? io_inl(port)
	       : width == 2 ? io_inw(port)
			    : io_inb(port);
}

static uint32_t l_queue_max(struct virtio_dev *vd, uint16_t index)
{
	io_outw(vd->vd_iobase + VLEG_QUEUE_SELECT, index);
	return io_inw(vd->vd_iobase + VLEG_QUEUE_SIZE);
}

static int l_queue_enable(struct virtio_dev *vd, struct virtq *q,
			  int msix_entry)
{
	uint16_t index = virtq_index(q);
	uint64_t pfn = virtq_desc_addr(q) / VLEG_QUEUE_ALIGN;

	if (pfn > UINT32_MAX)
		return -ENOMEM; /* the legacy register holds 32 bits */
	io_outw(vd->vd_iobase + VLEG_QUEUE_SELECT, index);
	if (msix_entry >= 0) {
		io_outw(vd->vd_iobase + VLEG_MSIX_QUEUE, (uint16_t)msix_entry);
		if (io_inw(vd->vd_iobase + VLEG_MSIX_QUEUE) !=
		    (uint16_t)msix_entry) {
			log_err("%s: queue %u refused its MSI-X vector\n",
				vd->vd_name, index);
			return -EIO;
		}
	}
	io_outl(vd->vd_iobase + VLEG_QUEUE_PFN, (uint32_t)pfn);
	return 0;
}

static void l_notify(struct virtio_dev *vd, struct virtq *q)
{
	io_outw(vd->vd_iobase + VLEG_QUEUE_NOTIFY, virtq_index(q));
}

static uint32_t l_isr(struct virtio_dev *vd)
{
	return io_inb(vd->vd_iobase + VLEG_ISR);
}

static const struct virtio_transport_ops legacy_ops = {
	.get_status = l_get_status,
	.set_status = l_set_status,
	.reset = l_reset,
	.get_features = l_get_features,
	.set_features = l_set_features,
	.config_generation = l_config_generation,
	.config_read = l_config_read,
	.queue_max = l_queue_max,
	.sizable = false,
	.queue_enable = l_queue_enable,
	.notify = l_notify,
	.isr = l_isr,
	.config_irq = pci_config_irq,
};

/* Probe ------------------------------------------------------------------- */

/* Maps the window a vendor capability at `cap` describes; 0 on success. */
static int map_cap(struct virtio_dev *vd, unsigned int cap, uintptr_t *va,
		   uint32_t *len)
{
	const struct pci_dev *pd = vd->vd_dev->d_pci;
	unsigned int bar = pci_cfg_read8(pd, cap + VPCI_CAP_BAR);
	uint32_t off = pci_cfg_read32(pd, cap + VPCI_CAP_OFFSET);
	uint32_t n = pci_cfg_read32(pd, cap + VPCI_CAP_LENGTH);
	uintptr_t base;

	if (pci_cfg_read8(pd, cap + 2) < VPCI_CAP_LEN_MIN || bar >= PCI_BARS ||
	    (pd->pd_bar[bar].pb_flags & PCI_BAR_IO) ||
	    (uint64_t)off + n > pd->pd_bar[bar].pb_size)
		return -EINVAL;
	/* Only the window is mapped (at most 16 MiB). */
	if (pci_map_bar(pd, bar, off, n, &base))
		return -EINVAL;
	*va = base;
	*len = n;
	return 0;
}

static int find_modern(struct virtio_dev *vd)
{
	const struct pci_dev *pd = vd->vd_dev->d_pci;
	unsigned int cap = 0;
	bool common = false, notify = false, isr = false, devcfg = false;
	uint32_t len;

	while ((cap = pci_find_cap(pd, PCI_CAP_VENDOR, cap)) != 0) {
		uint8_t type = pci_cfg_read8(pd, cap + VPCI_CAP_CFG_TYPE);
		uintptr_t va;

		/* The first capability of each type that works is used
		 * (§4.1.4: the driver should use the first it can). */
		if (type == VPCI_CFG_COMMON && !common &&
		    !map_cap(vd, cap, &va, &len) && len >= VPCI_COMMON_LEN) {
			vd->vd_base = va;
			common = true;
		} else if (type == VPCI_CFG_NOTIFY && !notify &&
			   pci_cfg_read8(pd, cap + 2) >= VPCI_CAP_LEN_MIN + 4 &&
			   !map_cap(vd, cap, &va, &len) && len >= 2) {
			vd->vd_notify_base = va;
			vd->vd_notify_len = len;
			vd->vd_notify_mult =
				pci_cfg_read32(pd, cap + VPCI_CAP_NOTIFY_MULT);
			notify = true;
		} else if (type == VPCI_CFG_ISR && !isr &&
			   !map_cap(vd, cap, &va, &len) && len >= 1) {
			vd->vd_isr_addr = va;
			isr = true;
		} else if (type == VPCI_CFG_DEVICE && !devcfg &&
			   !map_cap(vd, cap, &va, &len)) {
			vd->vd_device_cfg = va;
			vd->vd_config_len = len;
			devcfg = true;
		}
	}
	/* A device without configuration (virtio-rng) has no DEVICE cap. */
	return common && notify && isr ? 0 : -ENODEV;
}

static int find_legacy(struct virtio_dev *vd)
{
	const struct pci_dev *pd = vd->vd_dev->d_pci;
	const struct pci_bar *b = &pd->pd_bar[0];

	if (pd->pd_device > VIRTIO_PCI_DEV_TRANS_LAST ||
	    !(b->pb_flags & PCI_BAR_IO) || b->pb_size < VLEG_CONFIG_MSIX ||
	    b->pb_base + b->pb_size > 0x10000)
		return -ENODEV;
	vd->vd_iobase = (uint16_t)b->pb_base;
	vd->vd_legacy = true;
	return 0;
}

int virtio_pci_irq_queue(struct virtio_dev *vd, struct vq_slot *s,
			 unsigned int index)
{
	struct pci_dev *pd = vd->vd_dev->d_pci;
	int v, rc;

	if (vd->vd_msix) {
		if (index >= vd->vd_msix_entries)
			return -ENOSPC;
		v = irq_alloc_vector(virtio_queue_irq, s);
		if (v < 0)
			return v;
		rc = pci_msix_set(pd, index, v, 0);
		if (rc) {
			irq_free_vector(v);
			return rc;
		}
		s->vs_vector = v;
		return 0;
	}
	if (vd->vd_intx)
		return 0;
	rc = pci_intx_attach(pd, virtio_shared_irq, vd, &vd->vd_gsi);
	if (rc) {
		log_err("%s: no MSI-X and no usable INTx line (%d)\n",
			vd->vd_name, rc);
		return rc;
	}
	vd->vd_intx = true;
	return 0;
}

void virtio_pci_quiesce(struct virtio_dev *vd)
{
	const struct pci_dev *pd = vd->vd_dev->d_pci;

	/* Without bus mastering the function can neither read nor write
	 * memory nor send an MSI-X message; INTx goes quiet too. */
	pci_disable(pd, PCI_CMD_MASTER);
	pci_enable(pd, PCI_CMD_INTX_DISABLE);
}

int virtio_pci_probe(struct device *dev, struct virtio_dev *vd)
{
	struct pci_dev *pd = dev->d_pci;
	int n;

	vd->vd_type = virtio_pci_type(dev);
	if (!vd->vd_type)
		return -ENODEV;
	if (find_modern(vd) == 0) {
		vd->vd_ops = &modern_ops;
		pci_enable(pd, PCI_CMD_MEM | PCI_CMD_MASTER);
	} else if (find_legacy(vd) == 0) {
		vd->vd_ops = &legacy_ops;
		pci_enable(pd, PCI_CMD_IO | PCI_CMD_MASTER);
	} else {
		log_err("%s: virtio device with neither a modern nor a "
			"legacy interface\n",
			dev->d_name);
		return -ENODEV;
	}
	fmt_snprintf(vd->vd_name, sizeof(vd->vd_name), "%s %s (%s)",
		     virtio_type_name(vd->vd_type), dev->d_name,
		     vd->vd_legacy ? "legacy" : "modern");
	if (vd->vd_ops->reset(vd)) {
		log_err("%s: reset did not complete\n", vd->vd_name);
		return -EIO;
	}
	n = pci_msix_enable(pd);
	if (n > 0) {
		vd->vd_msix = true;
		vd->vd_msix_entries = (unsigned int)n;
		if (!vd->vd_legacy)
			mmio_w16(vd->vd_base + VPCI_MSIX_CONFIG,
				 VPCI_NO_VECTOR);
		else
			io_outw(vd->vd_iobase + VLEG_MSIX_CONFIG,
				VPCI_NO_VECTOR);
	}
	if (vd->vd_legacy) {
		vd->vd_legacy_cfg_off =
			vd->vd_msix ? VLEG_CONFIG_MSIX : VLEG_CONFIG;
		vd->vd_config_len = (uint32_t)(pd->pd_bar[0].pb_size -
					       vd->vd_legacy_cfg_off);
	}
	return 0;
}
