/* SPDX-License-Identifier: MIT */
/*
 * The device registry: buses (PCI, MMIO devices the command line names)
 * add the devices they find; drivers register through a "device" initcall
 * and are offered every device their match function accepts. The kernel
 * names no driver. libos finds what drivers made of the devices through
 * the class interfaces (<kernel/blkdev.h>, later netdev), not here.
 *
 * Order: the "bus" initcall (run by kernel_main() after the interrupt and
 * scheduler set-up, before the "device" initcalls) enumerates the buses;
 * driver_register() then binds each device to the first driver that
 * matches and probes successfully. Devices are never removed. An image
 * with no driver and no dev_foreach() caller does not link the buses.
 */
#ifndef KERNEL_DEV_H
#define KERNEL_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/page.h>

struct pci_dev;

enum dev_bus {
	DEV_BUS_PCI = 1, /* d_pci is valid */
	DEV_BUS_MMIO, /* d_mmio is valid: a region from the command line */
};

/* A memory-mapped device the boot loader or monitor described, such as
 * `virtio_mmio.device=512@0xfeb00e00:12` or the DSDT (QEMU -M microvm). */
struct dev_mmio {
	paddr_t dm_base; /* physical, not yet mapped */
	size_t dm_size;
	uint32_t dm_gsi; /* its IOAPIC input */
	uint32_t dm_irq_flags; /* IRQ_LEVEL | IRQ_ACTIVE_LOW (<kernel/irq.h>) */
};

/*
 * A device. Fields are set by the bus before dev_register() and read-only
 * afterwards, except d_driver (set by the registry when a probe succeeds)
 * and d_drvdata (the bound driver's).
 */
struct device {
	char d_name[24]; /* "pci 0000:00:03.0", "mmio 0xfeb00e00" */
	enum dev_bus d_bus;
	union {
		struct pci_dev *d_pci;
		struct dev_mmio d_mmio;
	};
	const struct driver *d_driver; /* NULL while unbound */
	void *d_drvdata; /* the driver's own state */
	struct device *d_next; /* registry list; the registry's */
};

/*
 * A driver. Both functions are required; each gets its own driver, so
 * one implementation can serve several (container_of to the outer one).
 *   drv_match: true when the driver handles dev; no side effects beyond
 *     reading the device's identity (may read its registers).
 *   drv_probe: sets the device up; returns 0 (dev is then bound) or a
 *     negative errno, after undoing what it did (dev stays unbound and
 *     a later driver may try).
 * Both run in thread context, on any CPU, and may sleep.
 */
struct driver {
	const char *drv_name;
	bool (*drv_match)(const struct driver *drv, const struct device *dev);
	int (*drv_probe)(const struct driver *drv, struct device *dev);
	struct driver *drv_next; /* the registry's */
};

/*
 * Adds dev (caller-owned, static or heap, never freed) and offers it to
 * the drivers registered so far. Called by bus code only.
 * Returns 0, or -EINVAL for a device without a name or bus.
 */
int dev_register(struct device *dev);

/*
 * Adds drv (static) and offers it every unbound device. A probe that
 * fails is logged with the device and the error. Returns 0, or -EINVAL
 * when a function is missing or drv is already registered.
 * Context: thread; may sleep. Drivers call it from a "device" initcall.
 */
int driver_register(struct driver *drv);

/*
 * Calls fn(dev, arg) for each registered device in registration order
 * until fn returns non-zero; returns that value, or 0.
 */
int dev_foreach(int (*fn)(struct device *dev, void *arg), void *arg);

#endif /* KERNEL_DEV_H */
