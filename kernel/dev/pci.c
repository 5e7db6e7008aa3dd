/* SPDX-License-Identifier: MIT */
/*
 * PCI (<kernel/pci.h>): configuration access through ECAM when the ACPI
 * MCFG covers segment 0 (PCIe Base 4.0 §7.2.2), else mechanism #1 ports
 * (PCI 3.0 §3.2.2.3.2); enumeration of segment 0 from bus 0 through the
 * bus numbers firmware gave PCI-to-PCI bridges (no bus is renumbered and
 * no BAR assigned); BAR mapping, MSI-X (§6.8.2) and INTx routing. Other
 * segments and PCIe extended capabilities are not used.
 */
#include <kernel/pci.h>

#include <kernel/acpi.h>
#include <kernel/arch.h>
#include <kernel/dev.h>
#include <kernel/errno.h>
#include <kernel/fmt.h>
#include <kernel/heap.h>
#include <kernel/io.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/spinlock.h>

#include "pci_impl.h"
#include "pci_reg.h"

#define PCI_ECAM_MAX 8
#define PCI_ADDR_LIMIT (1ull << 47) /* what mm_map_mmio() accepts */
#define PCI_MSI_VECTOR_MIN 0x20 /* below are exceptions */
#define PCI_ISA_IRQS 16
#define PCI_WINDOW_MAX (16ull << 20) /* the most pci_map_bar() maps */

/* A function as the registry sees it: both halves in one allocation,
 * never freed. */
struct pci_function {
	struct device pf_dev;
	struct pci_dev pf_pci;
};

/* [I] after pci_init(): segment 0's ECAM windows from the MCFG. */
static struct pci_ecam ecam[PCI_ECAM_MAX];
static unsigned int ecam_count;

/* Serialises the 0xCF8 address / 0xCFC data pair; nothing nests in it. */
static struct spinlock cf8_lock = SPINLOCK_INIT("pci cf8");

static const char *pd_name(const struct pci_dev *pd)
{
	return container_of(pd, struct pci_function, pf_pci)->pf_dev.d_name;
}

/* Configuration access ------------------------------------------------- */

static uint32_t mmio_read(uintptr_t a, unsigned int size)
{
	if (size == 1)
		return *(volatile uint8_t *)a;
	if (size == 2)
		return *(volatile uint16_t *)a;
	return *(volatile uint32_t *)a;
}

static void mmio_write(uintptr_t a, unsigned int size, uint32_t v)
{
	if (size == 1)
		*(volatile uint8_t *)a = (uint8_t)v;
	else if (size == 2)
		*(volatile uint16_t *)a = (uint16_t)v;
	else
		*(volatile uint32_t *)a = v;
}

static bool cfg_ok(const struct pci_dev *pd, unsigned int off,
		   unsigned int size)
{
	if (off & (size - 1))
		return false;
	if (pd->pd_ecam)
		return off < PCI_ECAM_CFG_SIZE;
	return off < PCI_CFG_SIZE && pd->pd_segment == 0;
}

static uint32_t cf8_address(const struct pci_dev *pd, unsigned int off)
{
	return PCI_CF8_ENABLE | (uint32_t)pd->pd_bus << PCI_CF8_BUS_SHIFT |
	       (uint32_t)(pd->pd_slot & (PCI_SLOTS - 1)) << PCI_CF8_SLOT_SHIFT |
	       (uint32_t)(pd->pd_func & (PCI_FUNCS - 1)) << PCI_CF8_FUNC_SHIFT |
	       (off & 0xfc);
}

static uint32_t cfg_read(const struct pci_dev *pd, unsigned int off,
			 unsigned int size)
{
	uint16_t port = (uint16_t)(PCI_CF8_DATA_PORT + (off & 3));
	uint32_t v;

	if (!cfg_ok(pd, off, size))
		return 0xffffffffu;
	if (pd->pd_ecam)
		return mmio_read(pd->pd_ecam + off, size);
	spin_lock(&cf8_lock);
	io_outl(PCI_CF8_ADDR_PORT, cf8_address(pd, off));
	if (size == 1)
		v = io_inb(port);
	else if (size == 2)
		v = io_inw(port);
	else
		v = io_inl(port);
	spin_unlock(&cf8_lock);
	return v;
}

static void cfg_write(const struct pci_dev *pd, unsigned int off,
		      unsigned int size, uint32_t v)
{
	uint16_t port = (uint16_t)(PCI_CF8_DATA_PORT + (off & 3));

	if (!cfg_ok(pd, off, size))
		return;
	if (pd->pd_ecam) {
		mmio_write(pd->pd_ecam + off, size, v);
		return;
	}
	spin_lock(&cf8_lock);
	io_outl(PCI_CF8_ADDR_PORT, cf8_address(pd, off));
	if (size == 1)
		io_outb(port, (uint8_t)v);
	else if (size == 2)
		io_outw(port, (uint16_t)v);
	else
		io_outl(port, v);
	spin_unlock(&cf8_lock);
}

uint8_t pci_cfg_read8(const struct pci_dev *pd, unsigned int off)
{
	return (uint8_t)cfg_read(pd, off, 1);
}

uint16_t pci_cfg_read16(const struct pci_dev *pd, unsigned int off)
{
	return (uint16_t)cfg_read(pd, off, 2);
}

uint32_t pci_cfg_read32(const struct pci_dev *pd, unsigned int off)
{
	return cfg_read(pd, off, 4);
}

void pci_cfg_write8(const struct pci_dev *pd, unsigned int off, uint8_t v)
{
	cfg_write(pd, off, 1, v);
}

void pci_cfg_write16(const struct pci_dev *pd, unsigned int off, uint16_t v)
{
	cfg_write(pd, off, 2, v);
}

void pci_cfg_write32(const struct pci_dev *pd, unsigned int off, uint32_t v)
{
	cfg_write(pd, off, 4, v);
}

static uint32_t io_read32(const void *ctx, unsigned int off)
{
	return pci_cfg_read32(ctx, off);
}

static void io_write32(const void *ctx, unsigned int off, uint32_t v)
{
	pci_cfg_write32(ctx, off, v);
}

static struct pci_cfg_io cfg_io(const struct pci_dev *pd)
{
	return (struct pci_cfg_io){ .read32 = io_read32,
				    .write32 = io_write32,
				    .ctx = pd };
}

unsigned int pci_find_cap(const struct pci_dev *pd, uint8_t id,
			  unsigned int after)
{
	struct pci_cfg_io io = cfg_io(pd);

	return pci_cap_find(&io, id, after);
}

void pci_enable(const struct pci_dev *pd, uint16_t bits)
{
	uint16_t cmd = pci_cfg_read16(pd, PCI_REG_COMMAND);

	pci_cfg_write16(pd, PCI_REG_COMMAND, cmd | bits);
}

void pci_disable(const struct pci_dev *pd, uint16_t bits)
{
	uint16_t cmd = pci_cfg_read16(pd, PCI_REG_COMMAND);

	pci_cfg_write16(pd, PCI_REG_COMMAND, cmd & (uint16_t)~bits);
}

/* BARs ------------------------------------------------------------------ */

int pci_map_bar(const struct pci_dev *pd, unsigned int bar, uint64_t off,
		uint64_t len, uintptr_t *va)
{
	const struct pci_bar *b;
	paddr_t first, end;
	int rc;

	if (bar >= PCI_BARS || !len || len > PCI_WINDOW_MAX)
		return -EINVAL;
	b = &pd->pd_bar[bar];
	if (!b->pb_size || (b->pb_flags & PCI_BAR_IO) || !b->pb_base ||
	    b->pb_base >= PCI_ADDR_LIMIT ||
	    b->pb_size > PCI_ADDR_LIMIT - b->pb_base || off > b->pb_size ||
	    len > b->pb_size - off)
		return -EINVAL;
	/* Only the window, page-rounded: a BAR's size is the device's word
	 * and may be huge. */
	first = PAGE_ALIGN_DOWN(b->pb_base + off);
	end = PAGE_ALIGN_UP(b->pb_base + off + len);
	rc = mm_map_mmio(first, end - first);
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		/* Overlaps RAM or the image: firmware or device error. */
		log_err("pci: %s: BAR %u at %#lx cannot be mapped (%d)\n",
			pd_name(pd), bar, (unsigned long)b->pb_base, rc);
		return -EINVAL;
	}
	*va = (uintptr_t)(b->pb_base + off);
	return 0;
}

/* MSI-X ----------------------------------------------------------------- */

static uintptr_t msix_entry(const struct pci_dev *pd, unsigned int i)
{
	return pd->pd_msix_table + (uintptr_t)i * PCI_MSIX_ENTRY_SIZE;
}

static void msix_mask_all(const struct pci_dev *pd)
{
	unsigned int i;

	for (i = 0; i < pd->pd_msix_entries; i++) {
		uintptr_t c = msix_entry(pd, i) + PCI_MSIX_ENTRY_CTRL;

		mmio_write(c, 4, mmio_read(c, 4) | PCI_MSIX_ENTRY_MASKED);
	}
}

int pci_msix_enable(struct pci_dev *pd)
{
	unsigned int cap = pd->pd_msix_cap, entries, bir;
	uint16_t ctrl;
	uint32_t off;
	uintptr_t va;
	int rc;

	if (!cap)
		return -ENODEV;
	ctrl = pci_cfg_read16(pd, cap + PCI_MSIX_CTRL);
	if (pci_msix_locate(ctrl, pci_cfg_read32(pd, cap + PCI_MSIX_TABLE),
			    pd->pd_bar, &entries, &bir, &off)) {
		log_err("pci: %s: MSI-X table lies outside its BAR\n",
			pd_name(pd));
		return -EINVAL;
	}
	rc = pci_map_bar(pd, bir, off, (uint64_t)entries * PCI_MSIX_ENTRY_SIZE,
			 &va);
	if (rc)
		return rc;
	/* The table is in memory space, whatever the driver enabled. */
	pci_enable(pd, PCI_CMD_MEM);
	pd->pd_msix_table = va;
	pd->pd_msix_entries = (uint16_t)entries;
	/* Every entry is masked before MSI-X is on, and the function mask
	 * holds messages back until then (PCI 3.0 §6.8.2.3). */
	ctrl &= (uint16_t)~PCI_MSIX_CTRL_ENABLE;
	pci_cfg_write16(pd, cap + PCI_MSIX_CTRL, ctrl | PCI_MSIX_CTRL_FMASK);
	msix_mask_all(pd);
	pci_cfg_write16(pd, cap + PCI_MSIX_CTRL,
			ctrl | PCI_MSIX_CTRL_FMASK | PCI_MSIX_CTRL_ENABLE);
	pci_cfg_write16(pd, cap + PCI_MSIX_CTRL,
			(ctrl | PCI_MSIX_CTRL_ENABLE) &
				(uint16_t)~PCI_MSIX_CTRL_FMASK);
	return (int)entries;
}

int pci_msix_set(struct pci_dev *pd, unsigned int entry, int vector,
		 unsigned int cpu)
{
	uintptr_t e, c;
	uint64_t addr;
	uint32_t data, ctl;

	if (!pd->pd_msix_table || entry >= pd->pd_msix_entries ||
	    vector < PCI_MSI_VECTOR_MIN || vector > 0xff)
		return -EINVAL;
	irq_msi_message(vector, cpu, &addr, &data);
	e = msix_entry(pd, entry);
	c = e + PCI_MSIX_ENTRY_CTRL;
	/* Masked while the message changes, so no half-written one is sent;
	 * uncached stores reach the device in program order. */
	ctl = mmio_read(c, 4);
	mmio_write(c, 4, ctl | PCI_MSIX_ENTRY_MASKED);
	mmio_write(e + PCI_MSIX_ENTRY_ADDR_LO, 4, (uint32_t)addr);
	mmio_write(e + PCI_MSIX_ENTRY_ADDR_HI, 4, (uint32_t)(addr >> 32));
	mmio_write(e + PCI_MSIX_ENTRY_DATA, 4, data);
	mmio_write(c, 4, ctl & ~(uint32_t)PCI_MSIX_ENTRY_MASKED);
	return 0;
}

void pci_msix_disable(struct pci_dev *pd)
{
	unsigned int cap = pd->pd_msix_cap;
	uint16_t ctrl;

	if (!cap || !pd->pd_msix_table)
		return;
	ctrl = pci_cfg_read16(pd, cap + PCI_MSIX_CTRL);
	pci_cfg_write16(pd, cap + PCI_MSIX_CTRL, ctrl | PCI_MSIX_CTRL_FMASK);
	msix_mask_all(pd);
	pci_cfg_write16(pd, cap + PCI_MSIX_CTRL,
			ctrl & (uint16_t) ~(PCI_MSIX_CTRL_ENABLE |
					    PCI_MSIX_CTRL_FMASK));
	pd->pd_msix_table = 0;
}

/* INTx ------------------------------------------------------------------ */

/*
 * INTx lines are shared: every function whose pin the firmware put on the
 * same line gets a place in that line's handler list, behind one vector.
 * The list only grows at the end (attach publishes the count after the
 * entry); detach clears an entry and waits until no dispatch runs, so the
 * caller may free what its handler uses.
 */
#define INTX_LINES 16
#define INTX_HANDLERS 8

struct intx_line {
	uint32_t il_gsi;
	unsigned int il_count; /* [a] entries published */
	unsigned int il_active; /* [a] dispatches running */
	struct {
		irq_handler_t ih_fn; /* [a] NULL once detached */
		void *ih_arg;
	} il_h[INTX_HANDLERS];
};

static struct intx_line intx_lines[INTX_LINES];
static unsigned int intx_nlines;
static struct spinlock intx_lock = SPINLOCK_INIT("pci intx");

static void intx_dispatch(void *arg)
{
	struct intx_line *l = arg;
	unsigned int i, n;

	__atomic_fetch_add(&l->il_active, 1, __ATOMIC_SEQ_CST);
	n = __atomic_load_n(&l->il_count, __ATOMIC_ACQUIRE);
	for (i = 0; i < n; i++) {
		irq_handler_t fn =
			__atomic_load_n(&l->il_h[i].ih_fn, __ATOMIC_ACQUIRE);

		if (fn)
			fn(l->il_h[i].ih_arg);
	}
	__atomic_fetch_sub(&l->il_active, 1, __ATOMIC_RELEASE);
}

/* The GSI and trigger flags of pd's INTx pin, or -ENODEV. */
static int intx_gsi(const struct pci_dev *pd, uint32_t *gsi, uint32_t *flags)
{
	if (!pd->pd_irq_pin || pd->pd_irq_pin > PCI_IRQ_PIN_MAX ||
	    !pd->pd_irq_line || pd->pd_irq_line == PCI_IRQ_LINE_NONE)
		return -ENODEV;
	/* A line below 16 is an ISA IRQ, which the MADT may override (QEMU
	 * makes 5, 9, 10 and 11 level, active high); above, an IOAPIC
	 * input with PCI's default polarity. */
	if (pd->pd_irq_line < PCI_ISA_IRQS) {
		*gsi = irq_isa_to_gsi(pd->pd_irq_line, flags);
	} else {
		*gsi = pd->pd_irq_line;
		*flags = IRQ_ACTIVE_LOW;
	}
	*flags |= IRQ_LEVEL;
	return 0;
}

int pci_intx_attach(struct pci_dev *pd, irq_handler_t fn, void *arg,
		    uint32_t *gsi)
{
	struct intx_line *l = NULL;
	uint32_t g, flags;
	unsigned int i, n;
	int rc, v;

	if (!fn)
		return -EINVAL;
	rc = intx_gsi(pd, &g, &flags);
	if (rc)
		return rc;
	spin_lock(&intx_lock);
	for (i = 0; i < intx_nlines; i++)
		if (intx_lines[i].il_gsi == g)
			l = &intx_lines[i];
	if (!l) {
		if (intx_nlines == INTX_LINES) {
			rc = -ENOSPC;
			goto out;
		}
		l = &intx_lines[intx_nlines];
		v = irq_alloc_vector(intx_dispatch, l);
		if (v < 0) {
			rc = v;
			goto out;
		}
		rc = irq_route_gsi(g, flags, v, 0);
		if (rc) {
			spin_unlock(&intx_lock);
			irq_free_vector(v);
			return rc;
		}
		l->il_gsi = g;
		__atomic_store_n(&intx_nlines, intx_nlines + 1,
				 __ATOMIC_RELEASE);
	}
	rc = irq_unmask_gsi(g);
	if (rc)
		goto out;
	/* A slot a detach emptied is used again. Its arg is in place before
	 * a dispatch can see its fn. */
	for (n = 0; n < l->il_count && l->il_h[n].ih_fn; n++)
		;
	if (n == INTX_HANDLERS) {
		rc = -ENOSPC;
		goto out;
	}
	l->il_h[n].ih_arg = arg;
	__atomic_store_n(&l->il_h[n].ih_fn, fn, __ATOMIC_RELEASE);
	if (n == l->il_count)
		__atomic_store_n(&l->il_count, n + 1, __ATOMIC_RELEASE);
	pci_disable(pd, PCI_CMD_INTX_DISABLE);
	*gsi = g;
out:
	spin_unlock(&intx_lock);
	return rc;
}

void pci_intx_detach(struct pci_dev *pd, irq_handler_t fn, void *arg)
{
	unsigned int i, j;

	pci_enable(pd, PCI_CMD_INTX_DISABLE);
	spin_lock(&intx_lock);
	for (i = 0; i < intx_nlines; i++) {
		struct intx_line *l = &intx_lines[i];

		for (j = 0; j < l->il_count; j++)
			if (l->il_h[j].ih_fn == fn && l->il_h[j].ih_arg == arg)
				__atomic_store_n(&l->il_h[j].ih_fn, NULL,
						 __ATOMIC_RELEASE);
	}
	spin_unlock(&intx_lock);
	/* A dispatch that loaded the handler before it was cleared ends
	 * before this returns. The fence keeps the loads below from passing
	 * the stores above (store-load: the one order x86 relaxes); the
	 * dispatch's locked increment is its side of the pairing. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (i = 0; i < __atomic_load_n(&intx_nlines, __ATOMIC_ACQUIRE); i++)
		while (__atomic_load_n(&intx_lines[i].il_active,
				       __ATOMIC_ACQUIRE))
			arch_cpu_relax();
}

/* Enumeration ----------------------------------------------------------- */

struct pci_scan {
	uint8_t ps_queue[PCI_BUSES]; /* buses to scan, each once */
	unsigned int ps_head, ps_tail;
	uint8_t ps_seen[PCI_BUSES / 8];
	unsigned int ps_functions;
	bool ps_ecam; /* some bus was scanned through ECAM */
};

static void scan_queue_bus(struct pci_scan *s, unsigned int bus)
{
	if (s->ps_seen[bus / 8] & (1u << (bus % 8)))
		return;
	s->ps_seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
	s->ps_queue[s->ps_tail++] = (uint8_t)bus;
}

static void ecam_init(void)
{
	const struct acpi_sdt_header *mcfg = acpi_find_table("MCFG");
	struct pci_ecam all[PCI_ECAM_MAX];
	unsigned int n, i;

	if (!mcfg)
		return;
	if (pci_mcfg_parse(mcfg, mcfg->length, all, PCI_ECAM_MAX, &n)) {
		log_warn("pci: malformed MCFG table ignored\n");
		return;
	}
	for (i = 0; i < n; i++) {
		log_debug("pci: MCFG: segment %u buses %u-%u at %#lx\n",
			  all[i].pe_segment, all[i].pe_bus_start,
			  all[i].pe_bus_end, (unsigned long)all[i].pe_base);
		if (all[i].pe_segment == 0)
			ecam[ecam_count++] = all[i];
	}
}

/* The mapped ECAM window of `bus`, or 0 when it has none (or it cannot
 * be mapped) and the ports serve it. */
static uintptr_t ecam_map_bus(unsigned int bus)
{
	paddr_t pa;
	unsigned int i;
	int rc;

	for (i = 0; i < ecam_count; i++) {
		if (bus < ecam[i].pe_bus_start || bus > ecam[i].pe_bus_end)
			continue;
		pa = ecam[i].pe_base + ((paddr_t)bus << PCI_ECAM_BUS_SHIFT);
		rc = mm_map_mmio(pa, PCI_ECAM_BUS_SIZE);
		if (!rc)
			return (uintptr_t)pa;
		log_warn("pci: cannot map bus %u's ECAM window at %#lx (%d); "
			 "using ports\n",
			 bus, (unsigned long)pa, rc);
		return 0;
	}
	return 0;
}

static void probe_init(struct pci_dev *pd, unsigned int bus, unsigned int slot,
		       unsigned int func, uintptr_t window)
{
	*pd = (struct pci_dev){ .pd_bus = (uint8_t)bus,
				.pd_slot = (uint8_t)slot,
				.pd_func = (uint8_t)func };
	if (window)
		pd->pd_ecam = window + (slot << PCI_ECAM_SLOT_SHIFT) +
			      (func << PCI_ECAM_FUNC_SHIFT);
}

/* Fills the identity, interrupt, BAR and MSI-X fields of a function
 * whose header type (without the multifunction bit) is `hdr`. */
static void read_function(struct pci_dev *pd, unsigned int hdr)
{
	uint32_t id = pci_cfg_read32(pd, PCI_REG_VENDOR);
	uint32_t cls = pci_cfg_read32(pd, PCI_REG_REVISION);
	uint32_t sub, nbars = 0;
	struct pci_cfg_io io = cfg_io(pd);
	unsigned int cap;

	pd->pd_vendor = (uint16_t)id;
	pd->pd_device = (uint16_t)(id >> 16);
	pd->pd_revision = (uint8_t)cls;
	pd->pd_progif = (uint8_t)(cls >> 8);
	pd->pd_subclass = (uint8_t)(cls >> 16);
	pd->pd_class = (uint8_t)(cls >> 24);
	pd->pd_irq_line = pci_cfg_read8(pd, PCI_REG_IRQ_LINE);
	pd->pd_irq_pin = pci_cfg_read8(pd, PCI_REG_IRQ_PIN);
	if (pd->pd_irq_pin > PCI_IRQ_PIN_MAX)
		pd->pd_irq_pin = 0;
	if (hdr == PCI_HEADER_NORMAL) {
		sub = pci_cfg_read32(pd, PCI_REG_SUBSYS_VENDOR);
		pd->pd_subsys_vendor = (uint16_t)sub;
		pd->pd_subsys_id = (uint16_t)(sub >> 16);
		nbars = PCI_BARS;
	} else if (hdr == PCI_HEADER_BRIDGE) {
		nbars = PCI_BRIDGE_BARS;
	}
	/* Class 06.00: a host bridge, which must keep decoding. */
	pci_bars_size(&io, nbars, pd->pd_bar,
		      pd->pd_class == 0x06 && pd->pd_subclass == 0x00);
	cap = pci_find_cap(pd, PCI_CAP_MSIX, 0);
	if (cap) {
		pd->pd_msix_cap = (uint8_t)cap;
		pd->pd_msix_entries = (pci_cfg_read16(pd, cap + PCI_MSIX_CTRL) &
				       PCI_MSIX_CTRL_SIZE_MASK) +
				      1;
	}
}

static void log_function(const struct device *dev, const struct pci_dev *pd)
{
	static const char *const pins = "-ABCD";
	char buf[224];
	int n;
	unsigned int i;

	if (!log_is_enabled(LOG_DEBUG))
		return;
	n = fmt_snprintf(buf, sizeof(buf),
			 "%04x:%04x class %02x.%02x.%02x pin %c line %u",
			 pd->pd_vendor, pd->pd_device, pd->pd_class,
			 pd->pd_subclass, pd->pd_progif, pins[pd->pd_irq_pin],
			 pd->pd_irq_line);
	if (pd->pd_msix_cap && n > 0 && (size_t)n < sizeof(buf))
		n += fmt_snprintf(buf + n, sizeof(buf) - n, " msix %u",
				  pd->pd_msix_entries);
	for (i = 0; i < PCI_BARS && n > 0 && (size_t)n < sizeof(buf); i++) {
		const struct pci_bar *b = &pd->pd_bar[i];

		if (!b->pb_size)
			continue;
		n += fmt_snprintf(
			buf + n, sizeof(buf) - n, " bar%u %s%s %#lx+%#lx", i,
			b->pb_flags & PCI_BAR_IO ? "io" : "mem",
			b->pb_flags & PCI_BAR_MEM64 ? "64" : "",
			(unsigned long)b->pb_base, (unsigned long)b->pb_size);
	}
	log_debug("%s: %s\n", dev->d_name, buf);
}

static void add_function(struct pci_scan *s, const struct pci_dev *probe,
			 unsigned int hdr)
{
	struct pci_function *pf = heap_calloc(1, sizeof(*pf));
	struct pci_dev *pd;

	if (!pf) {
		log_err("pci: no memory for %02x:%02x.%u\n", probe->pd_bus,
			probe->pd_slot, probe->pd_func);
		return;
	}
	pd = &pf->pf_pci;
	*pd = *probe;
	fmt_snprintf(pf->pf_dev.d_name, sizeof(pf->pf_dev.d_name),
		     "pci %04x:%02x:%02x.%u", pd->pd_segment, pd->pd_bus,
		     pd->pd_slot, pd->pd_func);
	pf->pf_dev.d_bus = DEV_BUS_PCI;
	pf->pf_dev.d_pci = pd;
	read_function(pd, hdr);
	log_function(&pf->pf_dev, pd);
	s->ps_functions++;
	if (dev_register(&pf->pf_dev))
		log_err("pci: %s not registered\n", pf->pf_dev.d_name);
}

/* Queues the secondary bus of a bridge, as firmware numbered it. */
static void scan_bridge(struct pci_scan *s, const struct pci_dev *pd)
{
	unsigned int sec = pci_cfg_read8(pd, PCI_REG_SECONDARY_BUS);

	/* 0 is unconfigured; a number at or below the bridge's own bus
	 * would point back up the tree. */
	if (sec <= pd->pd_bus) {
		log_debug("pci: bridge %02x:%02x.%u has no usable secondary "
			  "bus (%u)\n",
			  pd->pd_bus, pd->pd_slot, pd->pd_func, sec);
		return;
	}
	scan_queue_bus(s, sec);
}

static void scan_slot(struct pci_scan *s, unsigned int bus, unsigned int slot,
		      uintptr_t window)
{
	struct pci_dev probe;
	unsigned int f, nfunc = 1, hdr;
	uint16_t vendor;

	for (f = 0; f < nfunc; f++) {
		probe_init(&probe, bus, slot, f, window);
		vendor = pci_cfg_read16(&probe, PCI_REG_VENDOR);
		/* All ones is no function; some bridges answer 0 instead. */
		if (vendor == PCI_VENDOR_NONE || vendor == 0)
			continue;
		hdr = pci_cfg_read8(&probe, PCI_REG_HEADER_TYPE);
		/* Functions 1-7 exist only when function 0 says so. */
		if (f == 0 && (hdr & PCI_HEADER_MULTIFUNC))
			nfunc = PCI_FUNCS;
		hdr &= PCI_HEADER_TYPE_MASK;
		add_function(s, &probe, hdr);
		if (hdr == PCI_HEADER_BRIDGE)
			scan_bridge(s, &probe);
	}
}

void pci_init(void)
{
	struct pci_scan s = { 0 };
	unsigned int bus, slot;
	uintptr_t window;

	ecam_init();
	scan_queue_bus(&s, 0);
	while (s.ps_head < s.ps_tail) {
		bus = s.ps_queue[s.ps_head++];
		window = ecam_map_bus(bus);
		if (window)
			s.ps_ecam = true;
		for (slot = 0; slot < PCI_SLOTS; slot++)
			scan_slot(&s, bus, slot, window);
	}
	log_info("pci: %u function%s on %u bus%s (%s)\n", s.ps_functions,
		 s.ps_functions == 1 ? "" : "s", s.ps_tail,
		 s.ps_tail == 1 ? "" : "es", s.ps_ecam ? "ECAM" : "ports");
}
