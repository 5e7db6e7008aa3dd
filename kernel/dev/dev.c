// SPDX-License-Identifier: MIT
/*
 * The device registry (<kernel/dev.h>) and the MMIO devices named on the
 * command line. Registration happens at boot on the boot CPU (dev_init()
 * and the "device" initcalls run one after another there), so the lists
 * need only a lock for readers on other CPUs (dev_foreach()).
 *
 * QEMU's -M microvm describes each virtio-mmio transport that has a
 * device in the DSDT (a device with _HID "LNRO0005"), or, when ACPI is
 * off, by appending `virtio_mmio.device=<size>@<base>:<irq>` to the
 * kernel command line (the Linux syntax; size takes K/M/G suffixes, base
 * and irq are C numbers). Both are untrusted input: a malformed command
 * line entry is refused at boot like any bad option, an implausible ACPI
 * one is reported and skipped.
 */
#include <kernel/acpi.h>
#include <kernel/dev.h>
#include <kernel/errno.h>
#include <kernel/fmt.h>
#include <kernel/heap.h>
#include <kernel/init.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/param.h>
#include <kernel/pci.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

static struct spinlock dev_lock = SPINLOCK_INIT("dev");
static struct device *dev_head, **dev_tail = &dev_head;
static struct driver *drv_head, **drv_tail = &drv_head;

static void try_bind(struct device *dev, struct driver *drv)
{
	int rc;

	if (dev->d_driver || !drv->drv_match(drv, dev))
		return;
	rc = drv->drv_probe(drv, dev);
	if (rc) {
		log_err("dev: %s: driver %s failed (%d)\n", dev->d_name,
			drv->drv_name, rc);
		return;
	}
	dev->d_driver = drv;
}

int dev_register(struct device *dev)
{
	struct driver *drv;

	if (!dev || !dev->d_name[0] || !dev->d_bus)
		return -EINVAL;
	dev->d_next = NULL;
	dev->d_driver = NULL;
	spin_lock(&dev_lock);
	*dev_tail = dev;
	dev_tail = &dev->d_next;
	spin_unlock(&dev_lock);
	for (drv = drv_head; drv && !dev->d_driver; drv = drv->drv_next)
		try_bind(dev, drv);
	return 0;
}

int driver_register(struct driver *drv)
{
	struct driver *d;
	struct device *dev;

	/* Drivers and device listings are what the buses are for. */
	INITCALL_USE(dev_init);
	if (!drv || !drv->drv_name || !drv->drv_match || !drv->drv_probe)
		return -EINVAL;
	for (d = drv_head; d; d = d->drv_next)
		if (d == drv)
			return -EINVAL;
	drv->drv_next = NULL;
	spin_lock(&dev_lock);
	*drv_tail = drv;
	drv_tail = &drv->drv_next;
	spin_unlock(&dev_lock);
	for (dev = dev_head; dev; dev = dev->d_next)
		try_bind(dev, drv);
	return 0;
}

int dev_foreach(int (*fn)(struct device *dev, void *arg), void *arg)
{
	struct device *dev;
	int rc;

	INITCALL_USE(dev_init);
	/* Devices are never removed and d_next is written once, before the
	 * device is reachable, so the walk needs the lock only to read the
	 * head. */
	spin_lock(&dev_lock);
	dev = dev_head;
	spin_unlock(&dev_lock);
	for (; dev; dev = dev->d_next) {
		rc = fn(dev, arg);
		if (rc)
			return rc;
	}
	return 0;
}

/* Command-line MMIO devices ------------------------------------------ */

#define MMIO_CMDLINE_MAX 32

static struct dev_mmio mmio_found[MMIO_CMDLINE_MAX];
static unsigned int mmio_count;

/* Parses an unsigned C number (decimal, 0x hex, 0 octal) at *s;
 * advances *s. Returns -EINVAL when there are no digits or it overflows. */
static int parse_num(const char **s, uint64_t *out)
{
	const char *p = *s;
	unsigned int base = 10, digits = 0;
	uint64_t v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	for (;; p++, digits++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	if (!digits)
		return -EINVAL;
	*s = p;
	*out = v;
	return 0;
}

/* `<size>[KMG]@<base>:<irq>[:<id>]` (the optional platform id is
 * accepted and ignored). */
static int dev_parse_mmio(const char *s, struct dev_mmio *out)
{
	uint64_t size, base, irq;

	if (parse_num(&s, &size))
		return -EINVAL;
	if (*s == 'K' || *s == 'k')
		size <<= 10, s++;
	else if (*s == 'M' || *s == 'm')
		size <<= 20, s++;
	else if (*s == 'G' || *s == 'g')
		size <<= 30, s++;
	if (*s++ != '@' || parse_num(&s, &base) || *s++ != ':' ||
	    parse_num(&s, &irq))
		return -EINVAL;
	if (*s == ':') {
		uint64_t id;

		s++;
		if (parse_num(&s, &id))
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	/* A register window is at least a page's worth of registers at
	 * most; refuse what cannot be a device below 4 GiB-ish MMIO. */
	if (size < 0x100 || size > (1ul << 20) || base < 0x100000 ||
	    base >= (1ul << 47) || base + size < base || irq > 255)
		return -EINVAL;
	out->dm_base = base;
	out->dm_size = size;
	out->dm_gsi = (uint32_t)irq;
	/* Linux's default for these: level-triggered, active high; QEMU
	 * keeps the line up while the interrupt status is non-zero. */
	out->dm_irq_flags = IRQ_LEVEL;
	return 0;
}

static int set_virtio_mmio(const char *value)
{
	struct dev_mmio m;

	if (!value || dev_parse_mmio(value, &m))
		return -EINVAL;
	if (mmio_count == MMIO_CMDLINE_MAX)
		return -EINVAL;
	mmio_found[mmio_count++] = m;
	return 0;
}
KERNEL_PARAM("virtio_mmio.device", set_virtio_mmio,
	     "<size>@<base>:<irq>, as QEMU -M microvm adds");

/* virtio-mmio transports the DSDT describes (QEMU -M microvm with ACPI,
 * which then puts nothing on the command line). */
#define VIRTIO_MMIO_HID "LNRO0005"

static void mmio_from_acpi(void)
{
	const struct acpi_sdt_header *dsdt = acpi_dsdt();
	struct acpi_mmio_dev found[MMIO_CMDLINE_MAX];
	unsigned int i, j, n;

	if (!dsdt)
		return;
	n = acpi_aml_find_mmio(dsdt + 1, dsdt->length - sizeof(*dsdt),
			       VIRTIO_MMIO_HID, found, MMIO_CMDLINE_MAX);
	for (i = 0; i < n; i++) {
		struct dev_mmio m = {
			.dm_base = found[i].am_base,
			.dm_size = found[i].am_size,
			.dm_gsi = found[i].am_gsi,
			.dm_irq_flags = found[i].am_irq_flags,
		};

		if (m.dm_size < 0x100 || m.dm_size > (1ul << 20) ||
		    m.dm_base < 0x100000 || m.dm_base >= (1ul << 47) ||
		    m.dm_gsi > 255) {
			log_warn("dev: ignoring ACPI virtio-mmio device at "
				 "%#lx+%#lx irq %u\n",
				 (unsigned long)m.dm_base,
				 (unsigned long)m.dm_size, m.dm_gsi);
			continue;
		}
		/* The command line may name the same transport. */
		for (j = 0; j < mmio_count; j++)
			if (mmio_found[j].dm_base == m.dm_base)
				break;
		if (j == mmio_count && mmio_count < MMIO_CMDLINE_MAX)
			mmio_found[mmio_count++] = m;
	}
}

static void mmio_init(void)
{
	unsigned int i;

	mmio_from_acpi();
	for (i = 0; i < mmio_count; i++) {
		struct device *dev = heap_calloc(1, sizeof(*dev));

		if (!dev) {
			log_err("dev: no memory for MMIO device %u\n", i);
			return;
		}
		dev->d_bus = DEV_BUS_MMIO;
		dev->d_mmio = mmio_found[i];
		fmt_snprintf(dev->d_name, sizeof(dev->d_name), "mmio %#lx",
			     (unsigned long)mmio_found[i].dm_base);
		(void)dev_register(dev);
	}
}

/* Enumerates the buses (PCI, command-line MMIO devices), once. */
static int dev_init(void)
{
	pci_init();
	mmio_init();
	return 0;
}
INITCALL_ON_USE(bus, dev_init);
