/* SPDX-License-Identifier: MIT */
/*
 * PCI and PCI Express (PCI Local Bus 3.0, PCIe Base 4.0 §7): enumeration
 * through configuration mechanism #1 (ports 0xCF8/0xCFC) or ECAM (the ACPI
 * MCFG table, as -M q35 has), BAR sizing and uncached mapping, capability
 * lists, MSI-X, and INTx through the IOAPIC as the fallback. dev_init()
 * runs the enumeration; each function found becomes a struct device
 * (<kernel/dev.h>) of bus DEV_BUS_PCI.
 *
 * Configuration space and BAR contents come from the device: offsets
 * read from it (capability pointers, BAR sizes, MSI-X table locations)
 * are checked before use.
 */
#ifndef KERNEL_PCI_H
#define KERNEL_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/irq.h>
#include <kernel/page.h>

#define PCI_BARS 6

#define PCI_BAR_IO 0x1 /* an I/O port range, pb_base is the first port */
#define PCI_BAR_MEM64 0x2 /* a 64-bit memory BAR (uses two slots) */
#define PCI_BAR_PREFETCH 0x4

struct pci_bar {
	uint64_t pb_base; /* physical address or port; 0 when unassigned */
	uint64_t pb_size; /* 0 when the BAR is absent */
	uint32_t pb_flags; /* PCI_BAR_* */
};

/* Capability ids (PCI 3.0 Appendix H). */
#define PCI_CAP_MSI 0x05
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_PCIE 0x10
#define PCI_CAP_MSIX 0x11

/* One PCI function, as enumeration found it. Read-only for drivers. */
struct pci_dev {
	uint16_t pd_segment;
	uint8_t pd_bus, pd_slot, pd_func;
	uint16_t pd_vendor, pd_device;
	uint16_t pd_subsys_vendor, pd_subsys_id;
	uint8_t pd_class, pd_subclass, pd_progif, pd_revision;
	uint8_t pd_irq_line; /* as firmware set it; 0xff: none */
	uint8_t pd_irq_pin; /* 0: no INTx, 1-4: INTA-INTD */
	struct pci_bar pd_bar[PCI_BARS];
	/* Private to kernel/dev/pci.c. */
	uintptr_t pd_ecam; /* mapped 4 KiB config window, or 0 for ports */
	uint8_t pd_msix_cap; /* offset, 0 when none */
	uint16_t pd_msix_entries;
	uintptr_t pd_msix_table; /* mapped, once pci_msix_enable() ran */
};

/*
 * Configuration space access. `off` must be aligned to the access size
 * and below 256 (conventional) or 4096 (ECAM); otherwise reads return
 * all ones and writes are dropped. Any context; serialised internally
 * when the port mechanism is used.
 */
uint8_t pci_cfg_read8(const struct pci_dev *pd, unsigned int off);
uint16_t pci_cfg_read16(const struct pci_dev *pd, unsigned int off);
uint32_t pci_cfg_read32(const struct pci_dev *pd, unsigned int off);
void pci_cfg_write8(const struct pci_dev *pd, unsigned int off, uint8_t v);
void pci_cfg_write16(const struct pci_dev *pd, unsigned int off, uint16_t v);
void pci_cfg_write32(const struct pci_dev *pd, unsigned int off, uint32_t v);

/*
 * The configuration-space offset of the first capability with `id`
 * after offset `after` (0: from the start of the list), or 0 when there
 * is none. A malformed list (pointer into the header, a loop, more than
 * 48 entries) ends the walk.
 */
unsigned int pci_find_cap(const struct pci_dev *pd, uint8_t id,
			  unsigned int after);

/* Command register bits for pci_enable(). */
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_CMD_MASTER 0x4
#define PCI_CMD_INTX_DISABLE 0x400

/* Sets the `bits` (PCI_CMD_*) in the command register. */
void pci_enable(const struct pci_dev *pd, uint16_t bits);

/* Clears the `bits` (PCI_CMD_*) in the command register. Any context:
 * clearing PCI_CMD_MASTER stops the function's DMA, MSI-X included. */
void pci_disable(const struct pci_dev *pd, uint16_t bits);

/*
 * Maps [off, off + len) of memory BAR `bar` uncached (page-rounded; the
 * rest of the BAR stays unmapped, whatever size the device claims) and
 * returns the address of byte `off` in *va. Returns 0; -EINVAL for a bad
 * index, an I/O or absent BAR, one whose address is 0 or not canonical,
 * a window outside the BAR, or len 0 or above 16 MiB; -ENOMEM when it
 * cannot be mapped. Mapping a window twice is fine. Boot CPU, thread
 * context (as mm_map_mmio()).
 */
int __must_check pci_map_bar(const struct pci_dev *pd, unsigned int bar,
			     uint64_t off, uint64_t len, uintptr_t *va);

/*
 * MSI-X (PCI 3.0 §6.8.2). pci_msix_enable() maps the table, turns memory
 * decoding on, masks every entry and turns MSI-X on (INTx is then off).
 * Returns the table size (1-2048) or -ENODEV (no MSI-X capability),
 * -EINVAL (its table lies outside its BAR), -ENOMEM. pci_msix_set()
 * points `entry` at `vector` on dense CPU `cpu` and unmasks it (-EINVAL
 * for an entry beyond the table or MSI-X not enabled);
 * pci_msix_disable() masks all and turns MSI-X off. Thread context.
 */
int __must_check pci_msix_enable(struct pci_dev *pd);
int __must_check pci_msix_set(struct pci_dev *pd, unsigned int entry,
			      int vector, unsigned int cpu);
void pci_msix_disable(struct pci_dev *pd);

/*
 * INTx: attaches fn(arg) to the line the function's interrupt pin is on
 * (the line number the firmware programmed, through the MADT's
 * overrides), level triggered. Lines are shared: several functions on one
 * line each get their handler called on every interrupt of the line, so
 * a handler must check its own device and return quietly otherwise.
 * Clears PCI_CMD_INTX_DISABLE and unmasks the line. Returns 0 with the
 * GSI in *gsi; -ENODEV (no pin, or no line assigned); -ENOSPC (too many
 * lines or handlers on one); or an error of the IRQ API. Thread context.
 */
int __must_check pci_intx_attach(struct pci_dev *pd, irq_handler_t fn,
				 void *arg, uint32_t *gsi);

/* Sets PCI_CMD_INTX_DISABLE and removes fn(arg); returns once no CPU runs
 * it, so its data may then be freed. Thread context. */
void pci_intx_detach(struct pci_dev *pd, irq_handler_t fn, void *arg);

/* Enumerates segment 0 from bus 0 through the bridges firmware numbered;
 * called from dev_init() once, on the boot CPU. */
void pci_init(void);

#endif /* KERNEL_PCI_H */
