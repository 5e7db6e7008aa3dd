/* SPDX-License-Identifier: MIT */
/*
 * What kernel/dev/pci.c shares with kernel/dev/pci_parse.c: the parts of
 * PCI that only read tables and configuration space, written against a
 * small access interface so the host tests can run them on a fake
 * configuration space (tests/unit/kernel/pci_test.c).
 */
#ifndef KERNEL_DEV_PCI_IMPL_H
#define KERNEL_DEV_PCI_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/pci.h>

/*
 * Dword access to one function's configuration space. Both members are
 * required; `off` is dword-aligned and below 256. Reads of a missing
 * function return all ones.
 */
struct pci_cfg_io {
	uint32_t (*read32)(const void *ctx, unsigned int off);
	void (*write32)(const void *ctx, unsigned int off, uint32_t v);
	const void *ctx; /* passed back to both */
};

/* One MCFG allocation: the ECAM window of buses [start, end] of a
 * segment. pe_base is where bus 0's window would be (PCI Firmware 3.2
 * §4.1.2), so bus b is at pe_base + (b << 20). */
struct pci_ecam {
	uint64_t pe_base;
	uint16_t pe_segment;
	uint8_t pe_bus_start, pe_bus_end;
};

/*
 * Parses the MCFG table in the `len` bytes at `buf` (firmware input) and
 * stores up to `max` windows in out[], their number in *count. Entries
 * whose bus range is reversed, whose base is 0 or not 1 MiB aligned, or
 * whose window would end above 2^47 are skipped; entries beyond `max`
 * are dropped. Returns 0, or -EINVAL when the signature is not "MCFG",
 * the header's length is below 44 or above `len`, or the entries do not
 * fill the table in whole 16-byte units (*count is then 0).
 */
int __must_check pci_mcfg_parse(const void *buf, size_t len,
				struct pci_ecam *out, unsigned int max,
				unsigned int *count);

/*
 * pci_find_cap() on `io`: the offset of the first capability with `id`
 * that follows the one at `after` in the list (0: from the start), or 0.
 * Every pointer has its low two bits masked off; one below 0x40 ends the
 * list, so does the first offset met a second time, and so does the 48th
 * entry. Each offset is returned at most once in a walk, so iterating
 * with the previous result as `after` always terminates.
 */
unsigned int pci_cap_find(const struct pci_cfg_io *io, uint8_t id,
			  unsigned int after);

/*
 * Sizes the `nbars` (at most PCI_BARS) base address registers of a
 * function into bars[0..nbars) (zeroed first), restoring every BAR.
 * Unless `keep_decode` (host bridges, whose decoding must never stop, as
 * Linux's mmio_always_on), I/O and memory decoding are off in the command
 * register while all ones are written and restored afterwards. A 64-bit
 * BAR fills the first of its two slots and leaves the second absent; one
 * in the last slot, or of the reserved memory type, is treated as absent.
 */
void pci_bars_size(const struct pci_cfg_io *io, unsigned int nbars,
		   struct pci_bar *bars, bool keep_decode);

/*
 * Where the MSI-X table lies, from the capability's control word and
 * table register and the function's sized BARs: its entry count (1-2048)
 * in *entries, the BAR index in *bir and the offset in the BAR in *off.
 * Returns 0, or -EINVAL when the BIR names no memory BAR or the table
 * does not fit inside the BAR.
 */
int __must_check pci_msix_locate(uint16_t ctrl, uint32_t table,
				 const struct pci_bar *bars,
				 unsigned int *entries, unsigned int *bir,
				 uint32_t *off);

#endif /* KERNEL_DEV_PCI_IMPL_H */
