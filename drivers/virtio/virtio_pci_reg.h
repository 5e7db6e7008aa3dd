/* SPDX-License-Identifier: MIT */
/*
 * virtio over PCI (virtio 1.2 §4.1): the vendor capabilities and common
 * configuration of the modern interface, and the I/O-port header of the
 * legacy one (§4.1.4.10).
 */
#ifndef VIRTIO_PCI_REG_H
#define VIRTIO_PCI_REG_H

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEV_TRANS_FIRST 0x1000 /* transitional: 0x1000-0x103f */
#define VIRTIO_PCI_DEV_TRANS_LAST 0x103f
#define VIRTIO_PCI_DEV_MODERN 0x1040 /* modern: 0x1040 + type */
#define VIRTIO_PCI_DEV_MODERN_LAST 0x107f

/* struct virtio_pci_cap, at a PCI_CAP_VENDOR capability. */
#define VPCI_CAP_CFG_TYPE 3
#define VPCI_CAP_BAR 4
#define VPCI_CAP_OFFSET 8
#define VPCI_CAP_LENGTH 12
#define VPCI_CAP_NOTIFY_MULT 16 /* notify capability only */
#define VPCI_CAP_LEN_MIN 16

#define VPCI_CFG_COMMON 1
#define VPCI_CFG_NOTIFY 2
#define VPCI_CFG_ISR 3
#define VPCI_CFG_DEVICE 4

/* struct virtio_pci_common_cfg. */
#define VPCI_DFSELECT 0x00
#define VPCI_DF 0x04
#define VPCI_GFSELECT 0x08
#define VPCI_GF 0x0c
#define VPCI_MSIX_CONFIG 0x10
#define VPCI_NUM_QUEUES 0x12
#define VPCI_STATUS 0x14
#define VPCI_CFG_GENERATION 0x15
#define VPCI_Q_SELECT 0x16
#define VPCI_Q_SIZE 0x18
#define VPCI_Q_MSIX 0x1a
#define VPCI_Q_ENABLE 0x1c
#define VPCI_Q_NOFF 0x1e
#define VPCI_Q_DESCLO 0x20
#define VPCI_Q_DESCHI 0x24
#define VPCI_Q_AVAILLO 0x28
#define VPCI_Q_AVAILHI 0x2c
#define VPCI_Q_USEDLO 0x30
#define VPCI_Q_USEDHI 0x34
#define VPCI_COMMON_LEN 0x38

#define VPCI_NO_VECTOR 0xffff

/* The legacy header in I/O BAR 0. */
#define VLEG_HOST_FEATURES 0
#define VLEG_GUEST_FEATURES 4
#define VLEG_QUEUE_PFN 8
#define VLEG_QUEUE_SIZE 12
#define VLEG_QUEUE_SELECT 14
#define VLEG_QUEUE_NOTIFY 16
#define VLEG_STATUS 18
#define VLEG_ISR 19
#define VLEG_MSIX_CONFIG 20 /* only while MSI-X is on */
#define VLEG_MSIX_QUEUE 22
#define VLEG_CONFIG 20 /* device config without MSI-X ... */
#define VLEG_CONFIG_MSIX 24 /* ... and with it */
#define VLEG_QUEUE_ALIGN 4096

#endif /* VIRTIO_PCI_REG_H */
