/* SPDX-License-Identifier: MIT */
/*
 * What the virtio core (virtio.c) and its transports (virtio_pci.c,
 * virtio_mmio.c) share; private to drivers/virtio.
 */
#ifndef VIRTIO_IMPL_H
#define VIRTIO_IMPL_H

#include <kernel/spinlock.h>
#include <virtio/virtio.h>

/* Device status bits (virtio 1.2 §2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* ISR status bits (§4.1.4.5, §4.2.2 InterruptStatus). */
#define VIRTIO_ISR_QUEUE 0x1
#define VIRTIO_ISR_CONFIG 0x2

#define VIRTIO_QUEUES_MAX 8

/*
 * One transport. Every member is required. Called by the core with the
 * device set up by the transport's probe.
 */
struct virtio_transport_ops {
	uint8_t (*get_status)(struct virtio_dev *vd);
	void (*set_status)(struct virtio_dev *vd, uint8_t status);
	/* Writes 0 and waits (bounded) until the device reads back 0. */
	int (*reset)(struct virtio_dev *vd);
	uint64_t (*get_features)(struct virtio_dev *vd);
	void (*set_features)(struct virtio_dev *vd, uint64_t features);
	/* 0 on transports without a generation counter. */
	uint32_t (*config_generation)(struct virtio_dev *vd);
	/* Reads one field of 1, 2 or 4 bytes; off is inside the config. */
	uint32_t (*config_read)(struct virtio_dev *vd, unsigned int off,
				unsigned int width);
	/* The queue's maximum size (0: no such queue). Selects it. */
	uint32_t (*queue_max)(struct virtio_dev *vd, uint16_t index);
	/* True when the driver may choose a smaller size (not legacy PCI). */
	bool sizable;
	/* Programs and enables queue q (size, rings, MSI-X entry or -1). */
	int (*queue_enable)(struct virtio_dev *vd, struct virtq *q,
			    int msix_entry);
	void (*notify)(struct virtio_dev *vd, struct virtq *q);
	/* Reads and clears the interrupt status (VIRTIO_ISR_*). */
	uint32_t (*isr)(struct virtio_dev *vd);
	/* Routes configuration changes to virtio_config_intr() (MSI-X), or
	 * does nothing where the shared handler sees them in the ISR. */
	int (*config_irq)(struct virtio_dev *vd);
};

struct vq_slot {
	struct virtq *vs_q;
	virtq_handler_t vs_fn;
	void *vs_arg;
	int vs_vector; /* its own MSI-X vector, or 0 */
	uintptr_t vs_notify; /* modern PCI: the queue's notify address */
};

struct virtio_dev {
	const struct virtio_transport_ops *vd_ops;
	struct device *vd_dev;
	const struct virtio_driver *vd_driver;
	uint16_t vd_type; /* VIRTIO_ID_* */
	bool vd_legacy; /* legacy interface: no VERSION_1, legacy layout */
	uint64_t vd_features; /* negotiated */
	uint32_t vd_config_len; /* bytes of device configuration exposed */
	void *vd_drvdata;
	char vd_name[64];

	/* Transport state. */
	uintptr_t vd_base; /* MMIO: registers; modern PCI: common config */
	uint16_t vd_iobase; /* legacy PCI: the I/O BAR */
	uintptr_t vd_isr_addr; /* modern PCI: the ISR byte */
	uintptr_t vd_device_cfg; /* modern PCI: device config */
	uintptr_t vd_notify_base; /* modern PCI: notify area */
	uint32_t vd_notify_mult;
	uint32_t vd_notify_len;
	unsigned int vd_legacy_cfg_off; /* legacy PCI: 20, or 24 with MSI-X */
	uint32_t vd_mmio_version; /* 1 or 2 */

	/* Interrupts. */
	bool vd_msix; /* MSI-X on: one vector per queue */
	unsigned int vd_msix_entries;
	int vd_shared_vector; /* MMIO: the line's vector, or 0 */
	bool vd_intx; /* PCI: attached to its INTx line */
	uint32_t vd_gsi; /* the INTx or MMIO line, when attached */
	bool vd_stopped; /* virtio_stop() ran */
	virtio_config_handler_t vd_config_fn; /* published last */
	void *vd_config_arg;
	int vd_config_vector; /* MSI-X: its own vector, or 0 */
	struct vq_slot vd_queues[VIRTIO_QUEUES_MAX];
	unsigned int vd_nqueues;
	/* The repair list (virtio.c) of devices bound; [I] once on it. */
	struct virtio_dev *vd_repair_next;
};

/* Volatile MMIO access (the mappings are uncached). */
static inline uint8_t mmio_r8(uintptr_t a)
{
	return *(volatile uint8_t *)a;
}
static inline uint16_t mmio_r16(uintptr_t a)
{
	return *(volatile uint16_t *)a;
}
static inline uint32_t mmio_r32(uintptr_t a)
{
	return *(volatile uint32_t *)a;
}
static inline void mmio_w8(uintptr_t a, uint8_t v)
{
	*(volatile uint8_t *)a = v;
}
static inline void mmio_w16(uintptr_t a, uint16_t v)
{
	*(volatile uint16_t *)a = v;
}
static inline void mmio_w32(uintptr_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

/*
 * Transport probes: recognise the device behind dev, fill vd (type,
 * ops, names, registers) and reset it. Return 0, -ENODEV when dev is not
 * a usable virtio device, or another negative errno.
 */
int virtio_pci_probe(struct device *dev, struct virtio_dev *vd);
int virtio_mmio_probe(struct device *dev, struct virtio_dev *vd);

/* The virtio type dev carries, without side effects, or 0. */
uint16_t virtio_pci_type(const struct device *dev);
uint16_t virtio_mmio_type(const struct device *dev);

/* Stops the device's DMA and interrupts: any context (virtio_fail()). */
void virtio_pci_quiesce(struct virtio_dev *vd);
/* Returns 0, or -EIO when the reset did not complete (the device may
 * still use memory). */
int virtio_mmio_quiesce(struct virtio_dev *vd);

/* Transport interrupt set-up, called by virtio_queue_setup(). */
int virtio_pci_irq_queue(struct virtio_dev *vd, struct vq_slot *s,
			 unsigned int index);
int virtio_mmio_irq_queue(struct virtio_dev *vd, struct vq_slot *s);

/* "virtio-blk" and so on, for messages. */
const char *virtio_type_name(uint16_t type);

/* The shared-line handler: reads the ISR and runs every queue's handler. */
void virtio_shared_irq(void *arg);
/* A queue's own MSI-X vector. */
void virtio_queue_irq(void *arg);
/* The configuration-change MSI-X vector (arg: the device). */
void virtio_config_intr(void *arg);

#endif /* VIRTIO_IMPL_H */
