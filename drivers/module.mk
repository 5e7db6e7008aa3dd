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
