/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration space layout (PCI Local Bus 3.0 §6.1-6.2, PCI-to-PCI
 * Bridge 1.2 §3.2), the MSI-X capability and table (PCI 3.0 §6.8.2),
 * configuration mechanism #1 (PCI 3.0 §3.2.2.3.2), ECAM addressing (PCIe
 * Base 4.0 §7.2.2) and the ACPI MCFG table (PCI Firmware 3.2 §4.1.2).
 */
#ifndef KERNEL_DEV_PCI_REG_H
#define KERNEL_DEV_PCI_REG_H

/* Common header. */
#define PCI_REG_VENDOR 0x00 /* 16 bits; 0xffff: no function */
#define PCI_REG_DEVICE 0x02
#define PCI_REG_COMMAND 0x04 /* 16 bits, PCI_CMD_* of <kernel/pci.h> */
#define PCI_REG_STATUS 0x06
#define PCI_REG_REVISION 0x08
#define PCI_REG_PROGIF 0x09
#define PCI_REG_SUBCLASS 0x0a
#define PCI_REG_CLASS 0x0b
#define PCI_REG_HEADER_TYPE 0x0e
#define PCI_REG_BAR0 0x10 /* PCI_BARS dwords (type 0), 2 (type 1) */
#define PCI_REG_CAP_PTR 0x34
#define PCI_REG_IRQ_LINE 0x3c
#define PCI_REG_IRQ_PIN 0x3d

/* Type 0 (endpoint) header. */
#define PCI_REG_SUBSYS_VENDOR 0x2c
#define PCI_REG_SUBSYS_ID 0x2e

/* Type 1 (PCI-to-PCI bridge) header. */
#define PCI_REG_PRIMARY_BUS 0x18
#define PCI_REG_SECONDARY_BUS 0x19
#define PCI_REG_SUBORDINATE_BUS 0x1a

#define PCI_VENDOR_NONE 0xffff
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_HEADER_TYPE_MASK 0x7f
#define PCI_HEADER_MULTIFUNC 0x80
#define PCI_HEADER_NORMAL 0
#define PCI_HEADER_BRIDGE 1
#define PCI_HEADER_CARDBUS 2
#define PCI_BRIDGE_BARS 2
#define PCI_IRQ_LINE_NONE 0xff
#define PCI_IRQ_PIN_MAX 4 /* INTD */

/* Base address registers (PCI 3.0 §6.2.5.1). */
#define PCI_BAR_SPACE_IO 0x1
#define PCI_BAR_MEM_TYPE_MASK 0x6
#define PCI_BAR_MEM_TYPE_32 0x0
#define PCI_BAR_MEM_TYPE_1M 0x2 /* below 1 MiB, PCI 2.x only */
#define PCI_BAR_MEM_TYPE_64 0x4
#define PCI_BAR_MEM_PREFETCH 0x8
#define PCI_BAR_MEM_ADDR_MASK 0xfffffff0u
#define PCI_BAR_IO_ADDR_MASK 0xfffffffcu

/* Capability list (PCI 3.0 §6.7). The low two bits of every pointer are
 * reserved and masked off before use. */
#define PCI_CAP_ID 0
#define PCI_CAP_NEXT 1
#define PCI_CAP_PTR_MASK 0xfc
#define PCI_CAP_PTR_MIN 0x40 /* first byte past the header */
#define PCI_CAP_LIST_MAX 48 /* (256 - 0x40) / 4 */
#define PCI_CFG_SIZE 256
#define PCI_ECAM_CFG_SIZE 4096

/* MSI-X capability. */
#define PCI_MSIX_CTRL 2 /* 16 bits */
#define PCI_MSIX_CTRL_SIZE_MASK 0x07ff /* table size - 1 */
#define PCI_MSIX_CTRL_FMASK 0x4000 /* function mask */
#define PCI_MSIX_CTRL_ENABLE 0x8000
#define PCI_MSIX_TABLE 4 /* 32 bits: offset | BIR */
#define PCI_MSIX_BIR_MASK 0x7
#define PCI_MSIX_OFFSET_MASK 0xfffffff8u

/* MSI-X table entry. */
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_ADDR_LO 0
#define PCI_MSIX_ENTRY_ADDR_HI 4
#define PCI_MSIX_ENTRY_DATA 8
#define PCI_MSIX_ENTRY_CTRL 12
#define PCI_MSIX_ENTRY_MASKED 0x1

/* Configuration mechanism #1. */
#define PCI_CF8_ADDR_PORT 0xcf8
#define PCI_CF8_DATA_PORT 0xcfc
#define PCI_CF8_ENABLE 0x80000000u
#define PCI_CF8_BUS_SHIFT 16
#define PCI_CF8_SLOT_SHIFT 11
#define PCI_CF8_FUNC_SHIFT 8

/* ECAM: 4 KiB per function, 1 MiB per bus. */
#define PCI_ECAM_BUS_SHIFT 20
#define PCI_ECAM_SLOT_SHIFT 15
#define PCI_ECAM_FUNC_SHIFT 12
#define PCI_ECAM_BUS_SIZE (1ul << PCI_ECAM_BUS_SHIFT)

#define PCI_BUSES 256
#define PCI_SLOTS 32
#define PCI_FUNCS 8

/* ACPI MCFG: the SDT header, 8 reserved bytes, then 16-byte entries. */
#define PCI_MCFG_ENTRIES 44
#define PCI_MCFG_ENTRY_SIZE 16
#define PCI_MCFG_E_BASE 0 /* 64 bits: bus 0's window, even if not decoded */
#define PCI_MCFG_E_SEGMENT 8 /* 16 bits */
#define PCI_MCFG_E_BUS_START 10
#define PCI_MCFG_E_BUS_END 11

#endif /* KERNEL_DEV_PCI_REG_H */
