/* SPDX-License-Identifier: MIT */
/*
 * I/O APICs (82093AA datasheet §3.2): every input starts masked; irq.c
 * routes one to a vector and CPU on request. The MADT gives their
 * addresses and the GSI range each serves.
 */
#include <arch/apic.h>
#include <arch/smp.h>

#include <kernel/acpi.h>
#include <kernel/errno.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/madt.h>
#include <kernel/mm.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>

#define IOAPIC_INDEX 0x00
#define IOAPIC_DATA 0x10
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_REDIR 0x10

#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_LEVEL (1u << 15)
#define REDIR_MASKED (1u << 16)

struct ioapic {
	volatile uint32_t *io_base; /* [I] */
	uint32_t io_gsi_base; /* [I] */
	uint32_t io_inputs; /* [I] */
};

/* Locking: [I] after ioapic_init(); the registers [G ioapic lock]. */
static struct ioapic ioapics[MADT_IOAPICS_MAX];
static unsigned int nr_ioapics;
static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");

static uint32_t reg_read(struct ioapic *io, uint32_t reg)
{
	io->io_base[IOAPIC_INDEX / 4] = reg;
	return io->io_base[IOAPIC_DATA / 4];
}

static void reg_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->io_base[IOAPIC_INDEX / 4] = reg;
	io->io_base[IOAPIC_DATA / 4] = v;
}

/* Maps and masks one IOAPIC; false when it cannot be used. */
static bool add_ioapic(uint32_t id, uint32_t address, uint32_t gsi_base)
{
	struct ioapic *io = &ioapics[nr_ioapics];
	uint32_t pin, ver;

	if (mm_map_mmio(address, 4096)) {
		log_warn("ioapic: cannot map %#x; left out\n", address);
		return false;
	}
	io->io_base = (volatile uint32_t *)(uintptr_t)address;
	io->io_gsi_base = gsi_base;
	ver = reg_read(io, IOAPIC_REG_VERSION);
	/* Nothing there reads as all ones. */
	if (ver == 0xffffffff)
		return false;
	io->io_inputs = ((ver >> 16) & 0xff) + 1;
	/* Only the low halves: a masked input's destination (the high
	 * half) is never used, and irq_route_gsi() sets it before it
	 * unmasks. Each write is two exits under a hypervisor. */
	for (pin = 0; pin < io->io_inputs; pin++)
		reg_write(io, IOAPIC_REG_REDIR + 2 * pin, REDIR_MASKED);
	log_info("ioapic: id %u at %#x, GSI %u-%u\n", id, address,
		 io->io_gsi_base, io->io_gsi_base + io->io_inputs - 1);
	nr_ioapics++;
	return true;
}

/* Where every PC chipset puts the first IOAPIC (and QEMU -M microvm with
 * ACPI off, whose command line then names GSIs on it). */
#define IOAPIC_DEFAULT_ADDRESS 0xfec00000u

void ioapic_init(void)
{
	const struct madt_info *m = acpi_madt();
	uint32_t i;

	if (!m) {
		if (add_ioapic(0, IOAPIC_DEFAULT_ADDRESS, 0))
			log_info("ioapic: no MADT; using the one at the "
				 "default address\n");
		return;
	}
	for (i = 0; i < m->md_ioapic_count; i++) {
		const struct madt_ioapic *mi = &m->md_ioapics[i];

		add_ioapic(mi->mi_id, mi->mi_address, mi->mi_gsi_base);
	}
}

static struct ioapic *ioapic_for(uint32_t gsi, uint32_t *pin)
{
	unsigned int i;

	for (i = 0; i < nr_ioapics; i++) {
		struct ioapic *io = &ioapics[i];

		if (gsi >= io->io_gsi_base &&
		    gsi - io->io_gsi_base < io->io_inputs) {
			*pin = gsi - io->io_gsi_base;
			return io;
		}
	}
	return NULL;
}

int irq_route_gsi(uint32_t gsi, uint32_t flags, int vector, unsigned int cpu)
{
	struct percpu *pc = cpu_get(cpu);
	struct ioapic *io;
	uint32_t pin, low;

	if (vector < VEC_DYN_FIRST || vector > VEC_DYN_LAST || !pc)
		return -EINVAL;
	io = ioapic_for(gsi, &pin);
	if (!io)
		return -ENODEV;
	low = REDIR_MASKED | (uint32_t)vector;
	if (flags & IRQ_ACTIVE_LOW)
		low |= REDIR_ACTIVE_LOW;
	if (flags & IRQ_LEVEL)
		low |= REDIR_LEVEL;
	spin_lock(&ioapic_lock);
	reg_write(io, IOAPIC_REG_REDIR + 2 * pin, REDIR_MASKED);
	reg_write(io, IOAPIC_REG_REDIR + 2 * pin + 1, pc->pc_apic_id << 24);
	reg_write(io, IOAPIC_REG_REDIR + 2 * pin, low);
	spin_unlock(&ioapic_lock);
	return 0;
}

static int set_mask(uint32_t gsi, bool masked)
{
	struct ioapic *io;
	uint32_t pin, low;

	io = ioapic_for(gsi, &pin);
	if (!io)
		return -ENODEV;
	spin_lock(&ioapic_lock);
	low = reg_read(io, IOAPIC_REG_REDIR + 2 * pin);
	low = masked ? low | REDIR_MASKED : low & ~REDIR_MASKED;
	reg_write(io, IOAPIC_REG_REDIR + 2 * pin, low);
	spin_unlock(&ioapic_lock);
	return 0;
}

int irq_mask_gsi(uint32_t gsi)
{
	return set_mask(gsi, true);
}

int irq_unmask_gsi(uint32_t gsi)
{
	return set_mask(gsi, false);
}

/* MPS INTI flags (ACPI 6.5 table 5.50): polarity bits 0-1 (3 = active
 * low), trigger bits 2-3 (3 = level); 0 = conforms to the bus (ISA: edge,
 * active high). */
uint32_t irq_isa_to_gsi(unsigned int isa_irq, uint32_t *flags)
{
	const struct madt_info *m = acpi_madt();
	uint32_t i;

	*flags = 0;
	for (i = 0; m && i < m->md_override_count; i++) {
		const struct madt_override *o = &m->md_overrides[i];

		if (o->mo_source != isa_irq)
			continue;
		if ((o->mo_flags & 3) == 3)
			*flags |= IRQ_ACTIVE_LOW;
		if (((o->mo_flags >> 2) & 3) == 3)
			*flags |= IRQ_LEVEL;
		return o->mo_gsi;
	}
	return isa_irq;
}
