# SPDX-License-Identifier: MIT
SRCS-drivers += drivers/uart/uart.c drivers/vga/vga.c
SRCS-drivers += drivers/virtio/virtio.c
SRCS-drivers += drivers/virtio/virtio_dma.c
SRCS-drivers += drivers/virtio/virtio_pci.c
SRCS-drivers += drivers/virtio/virtio_mmio.c
SRCS-drivers += drivers/virtio_blk/virtio_blk.c
SRCS-drivers += drivers/virtio_rng/virtio_rng.c
SRCS-drivers += drivers/virtio/virtq.c
SRCS-drivers += drivers/virtio_net/virtio_net.c
# Device classes: a driver is linked only when its class is used (a linked
# function says DRIVER_CLASS_USE(<class>), <kernel/init.h>). Each list
# names the drivers' INITCALL_ON_USE() functions; the Makefile turns them
# into the class symbols.
DRIVER_CLASSES := net blk rng
DRIVERS-net += vnet_init
DRIVERS-blk += vblk_init
DRIVERS-rng += vrng_init
