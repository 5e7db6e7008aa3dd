/* SPDX-License-Identifier: MIT */
/*
 * The pure parts of PCI (kernel/dev/pci_impl.h): the ACPI MCFG table
 * (PCI Firmware 3.2 §4.1.2), capability-list walking (PCI 3.0 §6.7), BAR
 * sizing (§6.2.5.1) and the MSI-X table location (§6.8.2). They touch
 * configuration space only through a struct pci_cfg_io and trust nothing
 * they read: the table and the device are both outside input.
 */
#include "pci_impl.h"

#include <kernel/acpi.h>
#include <kernel/errno.h>
#include <kernel/string.h>

#include "pci_reg.h"

#define PCI_ADDR_LIMIT (1ull << 47) /* what mm_map_mmio() accepts */

/* MCFG ---------------------------------------------------------------- */

static bool ecam_ok(const struct pci_ecam *e)
{
	uint64_t end = ((uint64_t)e->pe_bus_end + 1) << PCI_ECAM_BUS_SHIFT;

	return e->pe_bus_end >= e->pe_bus_start && e->pe_base != 0 &&
	       (e->pe_base & (PCI_ECAM_BUS_SIZE - 1)) == 0 &&
	       e->pe_base < PCI_ADDR_LIMIT &&
	       end <= PCI_ADDR_LIMIT - e->pe_base;
}

int pci_mcfg_parse(const void *buf, size_t len, struct pci_ecam *out,
		   unsigned int max, unsigned int *count)
{
	struct acpi_sdt_header h;
	const uint8_t *p = buf;
	uint32_t off;

	*count = 0;
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.signature, "MCFG", 4) != 0 || h.length > len ||
	    h.length < PCI_MCFG_ENTRIES ||
	    (h.length - PCI_MCFG_ENTRIES) % PCI_MCFG_ENTRY_SIZE != 0)
		return -EINVAL;
	for (off = PCI_MCFG_ENTRIES; off < h.length && *count < max;
	     off += PCI_MCFG_ENTRY_SIZE) {
		const uint8_t *e = p + off;
		struct pci_ecam w;

		memcpy(&w.pe_base, e + PCI_MCFG_E_BASE, 8);
		memcpy(&w.pe_segment, e + PCI_MCFG_E_SEGMENT, 2);
		w.pe_bus_start = e[PCI_MCFG_E_BUS_START];
		w.pe_bus_end = e[PCI_MCFG_E_BUS_END];
		if (ecam_ok(&w))
			out[(*count)++] = w;
	}
	return 0;
}

/* Capabilities -------------------------------------------------------- */

static uint8_t cfg_read8(const struct pci_cfg_io *io, unsigned int off)
{
	return (uint8_t)(io->read32(io->ctx, off & ~3u) >> (8 * (off & 3)));
}

static uint16_t cfg_read16(const struct pci_cfg_io *io, unsigned int off)
{
	return (uint16_t)(io->read32(io->ctx, off & ~3u) >> (8 * (off & 2)));
}

unsigned int pci_cap_find(const struct pci_cfg_io *io, uint8_t id,
			  unsigned int after)
{
	uint64_t seen = 0; /* one bit per dword of the 256-byte space */
	bool match = after == 0;
	unsigned int pos, i;

	if (!(cfg_read16(io, PCI_REG_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = cfg_read8(io, PCI_REG_CAP_PTR) & PCI_CAP_PTR_MASK;
	for (i = 0; i < PCI_CAP_LIST_MAX && pos >= PCI_CAP_PTR_MIN; i++) {
		uint64_t bit = 1ull << (pos / 4);
		uint32_t hdr;

		if (seen & bit)
			break; /* a loop */
		seen |= bit;
		hdr = io->read32(io->ctx, pos);
		if (match && (hdr & 0xff) == id)
			return pos;
		if (pos == after)
			match = true;
		pos = (hdr >> (8 * PCI_CAP_NEXT)) & PCI_CAP_PTR_MASK;
	}
	return 0;
}

/* BARs ---------------------------------------------------------------- */

/* Writes all ones to the BAR at `reg`, reads what sticks, restores it. */
static uint32_t bar_probe(const struct pci_cfg_io *io, unsigned int reg,
			  uint32_t orig)
{
	uint32_t v;

	io->write32(io->ctx, reg, 0xffffffffu);
	v = io->read32(io->ctx, reg);
	io->write32(io->ctx, reg, orig);
	return v;
}

/* The size is the lowest address bit that did not stick at 0. */
static void bar_set_size(struct pci_bar *b, uint64_t mask)
{
	b->pb_size = mask & (~mask + 1);
	if (!b->pb_size)
		*b = (struct pci_bar){ 0 };
}

/* Sizes memory BAR `i` (first dword `lo`) into *b; returns how many
 * slots it takes. */
static unsigned int bar_size_mem(const struct pci_cfg_io *io, unsigned int i,
				 unsigned int nbars, uint32_t lo,
				 struct pci_bar *b)
{
	unsigned int reg = PCI_REG_BAR0 + 4 * i;
	uint32_t type = lo & PCI_BAR_MEM_TYPE_MASK, hi;
	uint64_t mask;

	if (type == PCI_BAR_MEM_TYPE_64 && i + 1 >= nbars)
		return 1;
	if (type != PCI_BAR_MEM_TYPE_32 && type != PCI_BAR_MEM_TYPE_1M &&
	    type != PCI_BAR_MEM_TYPE_64)
		return 1;
	mask = bar_probe(io, reg, lo) & PCI_BAR_MEM_ADDR_MASK;
	b->pb_base = lo & PCI_BAR_MEM_ADDR_MASK;
	if (lo & PCI_BAR_MEM_PREFETCH)
		b->pb_flags |= PCI_BAR_PREFETCH;
	if (type == PCI_BAR_MEM_TYPE_64) {
		hi = io->read32(io->ctx, reg + 4);
		mask |= (uint64_t)bar_probe(io, reg + 4, hi) << 32;
		b->pb_base |= (uint64_t)hi << 32;
		b->pb_flags |= PCI_BAR_MEM64;
	}
	bar_set_size(b, mask);
	return type == PCI_BAR_MEM_TYPE_64 ? 2 : 1;
}

/* Sizes BAR `i` into *b; returns how many slots it takes (1 or 2). */
static unsigned int bar_size_one(const struct pci_cfg_io *io, unsigned int i,
				 unsigned int nbars, struct pci_bar *b)
{
	unsigned int reg = PCI_REG_BAR0 + 4 * i;
	uint32_t lo = io->read32(io->ctx, reg);

	if (!(lo & PCI_BAR_SPACE_IO))
		return bar_size_mem(io, i, nbars, lo, b);
	b->pb_base = lo & PCI_BAR_IO_ADDR_MASK;
	b->pb_flags = PCI_BAR_IO;
	bar_set_size(b, bar_probe(io, reg, lo) & PCI_BAR_IO_ADDR_MASK);
	return 1;
}

void pci_bars_size(const struct pci_cfg_io *io, unsigned int nbars,
		   struct pci_bar *bars, bool keep_decode)
{
	uint32_t cmd = io->read32(io->ctx, PCI_REG_COMMAND) & 0xffff;
	unsigned int i;

	if (nbars > PCI_BARS)
		nbars = PCI_BARS;
	memset(bars, 0, nbars * sizeof(*bars));
	/* The upper half of this dword is the status register, whose error
	 * bits clear when written as 1: write zeroes there. */
	if (!keep_decode)
		io->write32(io->ctx, PCI_REG_COMMAND,
			    cmd & ~(uint32_t)(PCI_CMD_IO | PCI_CMD_MEM));
	for (i = 0; i < nbars;)
		i += bar_size_one(io, i, nbars, &bars[i]);
	if (!keep_decode)
		io->write32(io->ctx, PCI_REG_COMMAND, cmd);
}

/* MSI-X --------------------------------------------------------------- */

int pci_msix_locate(uint16_t ctrl, uint32_t table, const struct pci_bar *bars,
		    unsigned int *entries, unsigned int *bir, uint32_t *off)
{
	unsigned int n = (ctrl & PCI_MSIX_CTRL_SIZE_MASK) + 1u;
	unsigned int b = table & PCI_MSIX_BIR_MASK;
	uint32_t o = table & PCI_MSIX_OFFSET_MASK;

	if (b >= PCI_BARS || !bars[b].pb_size ||
	    (bars[b].pb_flags & PCI_BAR_IO))
		return -EINVAL;
	if ((uint64_t)o + (uint64_t)n * PCI_MSIX_ENTRY_SIZE > bars[b].pb_size)
		return -EINVAL;
	*entries = n;
	*bir = b;
	*off = o;
	return 0;
}
