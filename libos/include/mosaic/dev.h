/* SPDX-License-Identifier: MIT */
/*
 * The devices the appliance found at boot, and which driver took each:
 * for a start-up report or a health check ("is my disk there?"). The list
 * is fixed once main() runs. Devices are used through their class API
 * (<mosaic/blk.h>), not through this.
 */
#ifndef MOSAIC_DEV_H
#define MOSAIC_DEV_H

#include <stdint.h>

enum mosaic_dev_bus {
	MOSAIC_DEV_PCI = 1,
	MOSAIC_DEV_MMIO = 2,
};

struct mosaic_dev_info {
	char name[24]; /* "pci 0000:00:02.0", "mmio 0xfeb00e00" */
	char driver[24]; /* the bound driver ("virtio-blk"), or "" */
	enum mosaic_dev_bus bus;
	uint16_t vendor, device; /* PCI ids; 0 on MMIO */
	uint8_t class_code, subclass; /* PCI class; 0 on MMIO */
	uint64_t mmio_base; /* MMIO: the register window; 0 on PCI */
};

/* The number of devices found. */
unsigned int mosaic_dev_count(void);

/* Fills *info for device i (0-based, in the order they were found).
 * Returns 0, or -ENODEV when i is past the last. */
int mosaic_dev_info(unsigned int i, struct mosaic_dev_info *info);

#endif /* MOSAIC_DEV_H */
