/* SPDX-License-Identifier: MIT */
/* <mosaic/dev.h> over the kernel's device registry (<kernel/dev.h>). */
#include <mosaic/dev.h>

#include <kernel/dev.h>
#include <kernel/errno.h>
#include <kernel/pci.h>
#include <kernel/string.h>

struct nth {
	unsigned int n_want, n_seen;
	struct device *n_dev;
};

static int find_nth(struct device *dev, void *arg)
{
	struct nth *n = arg;

	if (n->n_seen++ == n->n_want) {
		n->n_dev = dev;
		return 1;
	}
	return 0;
}

unsigned int mosaic_dev_count(void)
{
	struct nth n = { .n_want = ~0u };

	(void)dev_foreach(find_nth, &n);
	return n.n_seen;
}

int mosaic_dev_info(unsigned int i, struct mosaic_dev_info *info)
{
	struct nth n = { .n_want = i };
	const struct device *dev;

	if (!info)
		return -EINVAL;
	(void)dev_foreach(find_nth, &n);
	dev = n.n_dev;
	if (!dev)
		return -ENODEV;
	memset(info, 0, sizeof(*info));
	kstrlcpy(info->name, dev->d_name, sizeof(info->name));
	if (dev->d_driver)
		kstrlcpy(info->driver, dev->d_driver->drv_name,
			 sizeof(info->driver));
	if (dev->d_bus == DEV_BUS_PCI) {
		info->bus = MOSAIC_DEV_PCI;
		info->vendor = dev->d_pci->pd_vendor;
		info->device = dev->d_pci->pd_device;
		info->class_code = dev->d_pci->pd_class;
		info->subclass = dev->d_pci->pd_subclass;
	} else {
		info->bus = MOSAIC_DEV_MMIO;
		info->mmio_base = dev->d_mmio.dm_base;
	}
	return 0;
}
