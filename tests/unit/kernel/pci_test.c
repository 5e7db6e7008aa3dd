/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the pure parts of PCI (kernel/dev/pci_parse.c): MCFG
 * tables built byte by byte, capability lists and BAR sizing against a
 * fake configuration space that emulates the all-ones sizing protocol,
 * and the MSI-X table bounds check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kernel/errno.h>
#include <kernel/pci.h>

#include "pci_impl.h"
#include "pci_reg.h"

/* MCFG ------------------------------------------------------------------ */

#define MCFG_MAX 256

struct mcfg {
	uint8_t b[MCFG_MAX];
	uint32_t len;
};

static void mcfg_begin(struct mcfg *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "MCFG", 4);
	t->len = PCI_MCFG_ENTRIES;
}

static void mcfg_entry(struct mcfg *t, uint64_t base, uint16_t seg,
		       uint8_t start, uint8_t end)
{
	uint8_t *e = t->b + t->len;

	memcpy(e + PCI_MCFG_E_BASE, &base, 8);
	memcpy(e + PCI_MCFG_E_SEGMENT, &seg, 2);
	e[PCI_MCFG_E_BUS_START] = start;
	e[PCI_MCFG_E_BUS_END] = end;
	t->len += PCI_MCFG_ENTRY_SIZE;
}

static void mcfg_set_length(struct mcfg *t, uint32_t len)
{
	memcpy(t->b + 4, &len, 4);
}

static void test_mcfg_good(void **state)
{
	struct pci_ecam out[4];
	struct mcfg t;
	unsigned int n = 99;

	(void)state;
	mcfg_begin(&t);
	mcfg_entry(&t, 0xb0000000, 0, 0, 255);
	mcfg_entry(&t, 0x4000000000, 1, 0x10, 0x1f);
	mcfg_set_length(&t, t.len);
	assert_int_equal(pci_mcfg_parse(t.b, t.len, out, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].pe_base, 0xb0000000);
	assert_int_equal(out[0].pe_segment, 0);
	assert_int_equal(out[0].pe_bus_start, 0);
	assert_int_equal(out[0].pe_bus_end, 255);
	assert_int_equal(out[1].pe_base, 0x4000000000);
	assert_int_equal(out[1].pe_segment, 1);
	assert_int_equal(out[1].pe_bus_start, 0x10);
	assert_int_equal(out[1].pe_bus_end, 0x1f);

	/* A buffer longer than the table is fine; `max` caps the output. */
	assert_int_equal(pci_mcfg_parse(t.b, sizeof(t.b), out, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].pe_base, 0xb0000000);

	/* No entries at all is a valid (useless) table. */
	mcfg_begin(&t);
	mcfg_set_length(&t, t.len);
	assert_int_equal(pci_mcfg_parse(t.b, t.len, out, 4, &n), 0);
	assert_int_equal(n, 0);
}

static void test_mcfg_truncated(void **state)
{
	struct pci_ecam out[4];
	struct mcfg t;
	unsigned int n;

	(void)state;
	mcfg_begin(&t);
	mcfg_entry(&t, 0xb0000000, 0, 0, 255);
	mcfg_set_length(&t, t.len);
	/* The buffer ends before the length the header claims. */
	n = 7;
	assert_int_equal(pci_mcfg_parse(t.b, t.len - 1, out, 4, &n), -EINVAL);
	assert_int_equal(n, 0);
	/* Shorter than an SDT header, or than the fixed part. */
	assert_int_equal(pci_mcfg_parse(t.b, 35, out, 4, &n), -EINVAL);
	mcfg_set_length(&t, 40);
	assert_int_equal(pci_mcfg_parse(t.b, t.len, out, 4, &n), -EINVAL);
	mcfg_set_length(&t, 0);
	assert_int_equal(pci_mcfg_parse(t.b, t.len, out, 4, &n), -EINVAL);
}

static void test_mcfg_length_mismatch(void **state)
{
	struct pci_ecam out[4];
	struct mcfg t;
	unsigned int n;

	(void)state;
	mcfg_begin(&t);
	mcfg_entry(&t, 0xb0000000, 0, 0, 255);
	mcfg_entry(&t, 0xc0000000, 1, 0, 255);
	/* A partial entry at the end: the table is refused whole. */
	mcfg_set_length(&t, t.len - 4);
	assert_int_equal(pci_mcfg_parse(t.b, t.len, out, 4, &n), -EINVAL);
	assert_int_equal(n, 0);
	mcfg_set_length(&t, PCI_MCFG_ENTRIES + 1);
	assert_int_equal(pci_mcfg_parse(t.b, t.len, out, 4, &n), -EINVAL);
	/* A wrong signature. */
	mcfg_set_length(&t, t.len);
	memcpy(t.b, "MCFH", 4);
	assert_int_equal(pci_mcfg_parse(t.b, t.len, out, 4, &n), -EINVAL);
}

static void test_mcfg_bad_entries(void **state)
{
	struct pci_ecam out[8];
	struct mcfg t;
	unsigned int n;

	(void)state;
	mcfg_begin(&t);
	mcfg_entry(&t, 0xb0000000, 0, 8, 7); /* end below start */
	mcfg_entry(&t, 0, 0, 0, 255); /* no base */
	mcfg_entry(&t, 0xb0080000, 0, 0, 255); /* not 1 MiB aligned */
	mcfg_entry(&t, (1ull << 47) - (1ull << 20), 0, 0, 1); /* past 2^47 */
	mcfg_entry(&t, UINT64_MAX & ~0xfffffull, 0, 0, 0); /* wraps */
	mcfg_entry(&t, 0xe0000000, 2, 5, 5); /* the one good entry */
	mcfg_set_length(&t, t.len);
	assert_int_equal(pci_mcfg_parse(t.b, t.len, out, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].pe_base, 0xe0000000);
	assert_int_equal(out[0].pe_segment, 2);
	assert_int_equal(out[0].pe_bus_start, 5);
	assert_int_equal(out[0].pe_bus_end, 5);
}

/* A fake configuration space --------------------------------------------- */

struct fake_fn {
	uint32_t cfg[PCI_CFG_SIZE / 4];
	/* Per BAR dword: the bits that keep what is written (0: absent)
	 * and the read-only type bits. */
	uint32_t bar_rw[PCI_BARS];
	uint32_t bar_ro[PCI_BARS];
	unsigned int bar_writes;
	unsigned int bar_writes_decoding; /* while I/O or memory decode on */
};

static uint32_t fake_read32(const void *ctx, unsigned int off)
{
	const struct fake_fn *f = ctx;

	assert_true(off % 4 == 0 && off < PCI_CFG_SIZE);
	return f->cfg[off / 4];
}

static void fake_write32(const void *ctx, unsigned int off, uint32_t v)
{
	struct fake_fn *f = (struct fake_fn *)ctx;
	unsigned int i;

	assert_true(off % 4 == 0 && off < PCI_CFG_SIZE);
	if (off >= PCI_REG_BAR0 && off < PCI_REG_BAR0 + 4 * PCI_BARS) {
		i = (off - PCI_REG_BAR0) / 4;
		f->bar_writes++;
		if (f->cfg[PCI_REG_COMMAND / 4] & (PCI_CMD_IO | PCI_CMD_MEM))
			f->bar_writes_decoding++;
		f->cfg[off / 4] = (v & f->bar_rw[i]) | f->bar_ro[i];
	} else if (off == PCI_REG_COMMAND) {
		/* Command is read/write; status bits clear when written 1. */
		uint32_t status = f->cfg[1] & ~(v & 0xffff0000u);

		f->cfg[1] = (status & 0xffff0000u) | (v & 0xffff);
	} else {
		f->cfg[off / 4] = v;
	}
}

static struct pci_cfg_io fake_io(struct fake_fn *f)
{
	return (struct pci_cfg_io){ .read32 = fake_read32,
				    .write32 = fake_write32,
				    .ctx = f };
}

static void fake_init(struct fake_fn *f)
{
	memset(f, 0, sizeof(*f));
	f->cfg[0] = 0x10011af4; /* 1af4:1001 */
}

static void set8(struct fake_fn *f, unsigned int off, uint8_t v)
{
	uint32_t *w = &f->cfg[off / 4];
	unsigned int sh = 8 * (off % 4);

	*w = (*w & ~(0xffu << sh)) | (uint32_t)v << sh;
}

/* Starts the capability list at `first` (as written, unmasked). */
static void caps_begin(struct fake_fn *f, uint8_t first)
{
	f->cfg[PCI_REG_COMMAND / 4] |= (uint32_t)PCI_STATUS_CAP_LIST << 16;
	set8(f, PCI_REG_CAP_PTR, first);
}

static void cap_at(struct fake_fn *f, unsigned int pos, uint8_t id,
		   uint8_t next)
{
	set8(f, pos + PCI_CAP_ID, id);
	set8(f, pos + PCI_CAP_NEXT, next);
}

/* Capabilities ---------------------------------------------------------- */

static unsigned int count_caps(const struct pci_cfg_io *io, uint8_t id)
{
	unsigned int cap = 0, n = 0;

	while ((cap = pci_cap_find(io, id, cap)) != 0)
		assert_true(++n <= PCI_CAP_LIST_MAX);
	return n;
}

static void test_cap_walk(void **state)
{
	struct fake_fn f;
	struct pci_cfg_io io = fake_io(&f);

	(void)state;
	fake_init(&f);
	caps_begin(&f, 0x40);
	cap_at(&f, 0x40, PCI_CAP_MSI, 0x50);
	cap_at(&f, 0x50, PCI_CAP_VENDOR, 0x60);
	cap_at(&f, 0x60, PCI_CAP_VENDOR, 0x70);
	cap_at(&f, 0x70, PCI_CAP_MSIX, 0x00);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSIX, 0), 0x70);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSI, 0), 0x40);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_PCIE, 0), 0);
	/* Iterating with `after`. */
	assert_int_equal(pci_cap_find(&io, PCI_CAP_VENDOR, 0), 0x50);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_VENDOR, 0x50), 0x60);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_VENDOR, 0x60), 0);
	/* `after` not in the list: nothing follows it. */
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSIX, 0x44), 0);
	/* Without the status bit there is no list, whatever the pointer. */
	f.cfg[PCI_REG_COMMAND / 4] = 0;
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSI, 0), 0);
}

static void test_cap_loops(void **state)
{
	struct fake_fn f;
	struct pci_cfg_io io = fake_io(&f);
	unsigned int cap = 0, n = 0;

	(void)state;
	fake_init(&f);
	caps_begin(&f, 0x40);
	cap_at(&f, 0x40, PCI_CAP_VENDOR, 0x50);
	cap_at(&f, 0x50, PCI_CAP_VENDOR, 0x40); /* back to the first */
	/* Iterating as drivers do ends, each capability seen once. */
	while ((cap = pci_cap_find(&io, PCI_CAP_VENDOR, cap)) != 0) {
		assert_int_equal(cap, n == 0 ? 0x40 : 0x50);
		assert_true(++n <= 2);
	}
	assert_int_equal(n, 2);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSIX, 0), 0);

	/* A capability pointing at itself. */
	cap_at(&f, 0x40, PCI_CAP_MSI, 0x40);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSI, 0), 0x40);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSI, 0x40), 0);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSIX, 0), 0);
}

static void test_cap_into_header(void **state)
{
	struct fake_fn f;
	struct pci_cfg_io io = fake_io(&f);

	(void)state;
	fake_init(&f);
	/* The first pointer inside the header: no list. */
	caps_begin(&f, 0x3c);
	set8(&f, 0x3c, PCI_CAP_MSIX);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSIX, 0), 0);
	/* A next pointer into the header ends the list there. */
	caps_begin(&f, 0x40);
	cap_at(&f, 0x40, PCI_CAP_VENDOR, 0x10);
	f.cfg[0x10 / 4] = PCI_CAP_MSIX | 0x40 << 8;
	assert_int_equal(pci_cap_find(&io, PCI_CAP_VENDOR, 0), 0x40);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSIX, 0), 0);
	/* A missing function reads all ones. */
	memset(f.cfg, 0xff, sizeof(f.cfg));
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSIX, 0), 0);
	assert_int_equal(count_caps(&io, 0xff), 1);
}

static void test_cap_unaligned(void **state)
{
	struct fake_fn f;
	struct pci_cfg_io io = fake_io(&f);

	(void)state;
	fake_init(&f);
	/* The low two bits are reserved and masked (PCI 3.0 §6.7). */
	caps_begin(&f, 0x43);
	cap_at(&f, 0x40, PCI_CAP_VENDOR, 0x52);
	cap_at(&f, 0x50, PCI_CAP_MSIX, 0x01);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_VENDOR, 0), 0x40);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSIX, 0), 0x50);
	assert_int_equal(count_caps(&io, PCI_CAP_MSIX), 1);
	/* Masked to 0x3c: inside the header. */
	caps_begin(&f, 0x3f);
	assert_int_equal(pci_cap_find(&io, PCI_CAP_VENDOR, 0), 0);
}

static void test_cap_long_chain(void **state)
{
	struct fake_fn f;
	struct pci_cfg_io io = fake_io(&f);
	unsigned int pos;

	(void)state;
	fake_init(&f);
	/* All 48 dwords past the header, in order: the last is reached. */
	caps_begin(&f, 0x40);
	for (pos = 0x40; pos < 0xfc; pos += 4)
		cap_at(&f, pos, PCI_CAP_VENDOR, (uint8_t)(pos + 4));
	cap_at(&f, 0xfc, PCI_CAP_MSIX, 0x40); /* and back: a loop */
	assert_int_equal(pci_cap_find(&io, PCI_CAP_MSIX, 0), 0xfc);
	assert_int_equal(count_caps(&io, PCI_CAP_VENDOR), 47);
	assert_int_equal(count_caps(&io, PCI_CAP_MSIX), 1);
}

/* BARs ------------------------------------------------------------------ */

/* A BAR of `size` bytes at `base` with read-only type bits `ro`. */
static void bar32(struct fake_fn *f, unsigned int i, uint32_t base,
		  uint32_t size, uint32_t ro)
{
	f->bar_rw[i] = size ? ~(size - 1) : 0;
	f->bar_ro[i] = ro;
	f->cfg[PCI_REG_BAR0 / 4 + i] = size ? (base & ~(size - 1)) | ro : 0;
}

static void bar64(struct fake_fn *f, unsigned int i, uint64_t base,
		  uint64_t size, bool prefetch)
{
	uint64_t rw = ~(size - 1);
	uint32_t ro =
		PCI_BAR_MEM_TYPE_64 | (prefetch ? PCI_BAR_MEM_PREFETCH : 0);

	f->bar_rw[i] = (uint32_t)rw & PCI_BAR_MEM_ADDR_MASK;
	f->bar_ro[i] = ro;
	f->bar_rw[i + 1] = (uint32_t)(rw >> 32);
	f->bar_ro[i + 1] = 0;
	f->cfg[PCI_REG_BAR0 / 4 + i] = (uint32_t)base | ro;
	f->cfg[PCI_REG_BAR0 / 4 + i + 1] = (uint32_t)(base >> 32);
}

static void test_bars(void **state)
{
	struct fake_fn f, before;
	struct pci_cfg_io io = fake_io(&f);
	struct pci_bar b[PCI_BARS];

	(void)state;
	fake_init(&f);
	/* Decoding on, two status error bits set (write-1-to-clear). */
	f.cfg[PCI_REG_COMMAND / 4] =
		0xc0000000u | PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER;
	bar32(&f, 0, 0xfebf1000, 0x1000, 0);
	/* An I/O BAR decoding 16 address bits only. */
	bar32(&f, 1, 0xc040, 0x40, PCI_BAR_SPACE_IO);
	f.bar_rw[1] &= 0xffff;
	bar64(&f, 2, 0x1fe000000ull, 0x4000, true);
	/* BAR 4 absent (reads 0, ignores writes). */
	/* A 64-bit BAR in the last slot has no upper half: absent. */
	bar32(&f, 5, 0x80000000, 0x1000, PCI_BAR_MEM_TYPE_64);
	memcpy(&before, &f, sizeof(f));
	memset(b, 0x5a, sizeof(b));

	pci_bars_size(&io, PCI_BARS, b, false);

	assert_int_equal(b[0].pb_base, 0xfebf1000);
	assert_int_equal(b[0].pb_size, 0x1000);
	assert_int_equal(b[0].pb_flags, 0);
	assert_int_equal(b[1].pb_base, 0xc040);
	assert_int_equal(b[1].pb_size, 0x40);
	assert_int_equal(b[1].pb_flags, PCI_BAR_IO);
	assert_int_equal(b[2].pb_base, 0x1fe000000ull);
	assert_int_equal(b[2].pb_size, 0x4000);
	assert_int_equal(b[2].pb_flags, PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
	assert_int_equal(b[3].pb_size, 0); /* the upper half */
	assert_int_equal(b[3].pb_base, 0);
	assert_int_equal(b[3].pb_flags, 0);
	assert_int_equal(b[4].pb_size, 0);
	assert_int_equal(b[4].pb_base, 0);
	assert_int_equal(b[5].pb_size, 0);
	assert_int_equal(b[5].pb_flags, 0);
	/* Sized with decoding off, and everything put back, status too. */
	assert_true(f.bar_writes > 0);
	assert_int_equal(f.bar_writes_decoding, 0);
	assert_memory_equal(f.cfg, before.cfg, sizeof(f.cfg));
}

static void test_bars_large_and_reserved(void **state)
{
	struct fake_fn f;
	struct pci_cfg_io io = fake_io(&f);
	struct pci_bar b[PCI_BARS];

	(void)state;
	fake_init(&f);
	bar64(&f, 0, 0x800000000ull, 0x200000000ull, true); /* 8 GiB */
	bar32(&f, 2, 0xfe000000, 0x100000, 0x6); /* reserved memory type */
	bar32(&f, 3, 0xd0000, 0x10000, PCI_BAR_MEM_TYPE_1M);
	pci_bars_size(&io, PCI_BARS, b, false);
	assert_int_equal(b[0].pb_base, 0x800000000ull);
	assert_int_equal(b[0].pb_size, 0x200000000ull);
	assert_int_equal(b[0].pb_flags, PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
	assert_int_equal(b[2].pb_size, 0);
	assert_int_equal(b[3].pb_base, 0xd0000);
	assert_int_equal(b[3].pb_size, 0x10000);
	assert_int_equal(b[3].pb_flags, 0);
}

static void test_bars_bridge_and_host(void **state)
{
	struct fake_fn f;
	struct pci_cfg_io io = fake_io(&f);
	struct pci_bar b[PCI_BARS];

	(void)state;
	fake_init(&f);
	f.cfg[PCI_REG_COMMAND / 4] = PCI_CMD_MEM;
	bar32(&f, 0, 0xfea00000, 0x1000, 0);
	bar32(&f, 2, 0xfeb00000, 0x1000, 0); /* a bridge's bus numbers */
	/* A bridge has two BARs: slot 2 is not touched. */
	memset(b, 0x5a, sizeof(b));
	pci_bars_size(&io, PCI_BRIDGE_BARS, b, false);
	assert_int_equal(b[0].pb_size, 0x1000);
	assert_int_equal(b[1].pb_size, 0);
	assert_int_equal(b[2].pb_size, 0x5a5a5a5a5a5a5a5aull);
	assert_int_equal(f.bar_writes, 4);
	/* A host bridge keeps decoding while it is sized. */
	f.bar_writes = 0;
	pci_bars_size(&io, PCI_BARS, b, true);
	assert_int_equal(b[0].pb_size, 0x1000);
	assert_int_equal(b[2].pb_size, 0x1000);
	assert_true(f.bar_writes_decoding > 0);
	assert_int_equal(f.cfg[PCI_REG_COMMAND / 4], PCI_CMD_MEM);
}

/* MSI-X ----------------------------------------------------------------- */

static void test_msix_locate(void **state)
{
	struct pci_bar b[PCI_BARS] = { 0 };
	unsigned int entries, bir;
	uint32_t off;

	(void)state;
	b[1] = (struct pci_bar){ 0xfebf0000, 0x1000, 0 };
	b[2] = (struct pci_bar){ 0xc000, 0x40, PCI_BAR_IO };
	/* 3 entries at 0x800 of BAR 1. */
	assert_int_equal(pci_msix_locate(2, 0x800 | 1, b, &entries, &bir, &off),
			 0);
	assert_int_equal(entries, 3);
	assert_int_equal(bir, 1);
	assert_int_equal(off, 0x800);
	/* Exactly filling the BAR is fine; one entry more is not. */
	assert_int_equal(
		pci_msix_locate(255, 0x000 | 1, b, &entries, &bir, &off), 0);
	assert_int_equal(entries, 256);
	assert_int_equal(
		pci_msix_locate(255, 0x008 | 1, b, &entries, &bir, &off),
		-EINVAL);
	/* Control bits other than the size do not count. */
	assert_int_equal(
		pci_msix_locate(0xc000 | 2, 0x800 | 1, b, &entries, &bir, &off),
		0);
	assert_int_equal(entries, 3);
	/* An offset near 4 GiB must not wrap. */
	assert_int_equal(pci_msix_locate(0x7ff, 0xfffffff8u | 1, b, &entries,
					 &bir, &off),
			 -EINVAL);
	/* An I/O BAR, an absent BAR, a BIR past the BARs. */
	assert_int_equal(pci_msix_locate(0, 2, b, &entries, &bir, &off),
			 -EINVAL);
	assert_int_equal(pci_msix_locate(0, 0, b, &entries, &bir, &off),
			 -EINVAL);
	assert_int_equal(pci_msix_locate(0, 6, b, &entries, &bir, &off),
			 -EINVAL);
	assert_int_equal(pci_msix_locate(0, 7, b, &entries, &bir, &off),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mcfg_good),
		cmocka_unit_test(test_mcfg_truncated),
		cmocka_unit_test(test_mcfg_length_mismatch),
		cmocka_unit_test(test_mcfg_bad_entries),
		cmocka_unit_test(test_cap_walk),
		cmocka_unit_test(test_cap_loops),
		cmocka_unit_test(test_cap_into_header),
		cmocka_unit_test(test_cap_unaligned),
		cmocka_unit_test(test_cap_long_chain),
		cmocka_unit_test(test_bars),
		cmocka_unit_test(test_bars_large_and_reserved),
		cmocka_unit_test(test_bars_bridge_and_host),
		cmocka_unit_test(test_msix_locate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
