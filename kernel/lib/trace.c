/* SPDX-License-Identifier: MIT */
/*
 * Scheduler event trace (<kernel/trace.h>): the `mosaic.trace=` option,
 * one ring per CPU (struct percpu's pc_trace), the emitters, and the dump
 * to COM2. COM2 is driven here with a minimal polled 16550 output rather
 * than through drivers/uart, which kernel/ may not name; it is not a
 * console. The rings themselves are trace_ring.c.
 */
#include <kernel/trace.h>

#include <kernel/arch.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/init.h>
#include <kernel/io.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/param.h>
#include <kernel/percpu.h>
#include <kernel/sections.h>
#include <kernel/string.h>
#include <kernel/time.h>

#include "trace_impl.h"

#define TRACE_BYTES_DEFAULT (256ul << 10) /* per CPU: 16384 records */
#define TRACE_BYTES_MIN (4ul << 10)
#define TRACE_BYTES_MAX (64ul << 20)

/* COM2, a 16550 (registers as in drivers/uart/uart_reg.h). */
#define COM2 0x2f8
#define COM_THR 0 /* with LCR.DLAB clear */
#define COM_DLL 0 /* with LCR.DLAB set */
#define COM_IER 1
#define COM_DLM 1
#define COM_FCR 2
#define COM_LCR 3
#define COM_MCR 4
#define COM_LSR 5
#define COM_SCR 7
#define COM_LCR_8N1 0x03
#define COM_LCR_DLAB 0x80
#define COM_FCR_ENABLE_CLEAR 0x07
#define COM_MCR_DTR_RTS 0x03
#define COM_LSR_THRE 0x20
#define COM_DIVISOR 1 /* 115200 baud from the 1.8432 MHz clock */
#define COM_FIFO_BYTES 16 /* the transmit FIFO, empty when THRE is set */
#define COM_THRE_POLLS 100000

/* [I] set once at boot (option, then the core initcall). */
bool trace_enabled;
static uint32_t trace_capacity; /* records per CPU; 0 = tracing off */

/* Locking: [a] atomic ops only. */
static struct trace_ring *rings[CONFIG_MAX_CPUS]; /* [a] set once each */
static int dump_busy; /* [a] 1 while a dump runs */

/* One dump's progress on COM2. */
struct com2_out {
	uint64_t co_bytes; /* written so far */
	unsigned int co_room; /* bytes the FIFO takes before the next poll */
	bool co_stuck; /* the transmitter stopped; the rest is dropped */
};

/*
 * mosaic.trace=on|off|SIZE: SIZE (e.g. 1M) is each CPU's ring in bytes,
 * rounded down to a power of two, 4K to 64M; "on" means 256K.
 */
static int set_trace(const char *value)
{
	unsigned long n = 0, bytes = TRACE_BYTES_MIN;
	const char *p = value;

	if (p && kstrcmp(p, "off") == 0) {
		trace_capacity = 0;
		return 0;
	}
	if (!p || kstrcmp(p, "on") == 0) {
		trace_capacity = TRACE_BYTES_DEFAULT / sizeof(struct trace_rec);
		return 0;
	}
	for (; *p >= '0' && *p <= '9' && n <= TRACE_BYTES_MAX; p++)
		n = n * 10 + (unsigned long)(*p - '0');
	if (*p == 'K' || *p == 'k')
		n <<= 10, p++;
	else if (*p == 'M' || *p == 'm')
		n <<= 20, p++;
	if (p == value || *p || n < TRACE_BYTES_MIN || n > TRACE_BYTES_MAX)
		return -EINVAL;
	while (bytes * 2 <= n)
		bytes *= 2;
	trace_capacity = (uint32_t)(bytes / sizeof(struct trace_rec));
	return 0;
}
KERNEL_PARAM("trace", set_trace, "on, off, or a ring size of 4K to 64M");

int trace_cpu_init(unsigned int cpu)
{
	size_t bytes = trace_ring_bytes(trace_capacity);
	struct trace_ring *r;

	if (!trace_capacity)
		return 0;
	if (cpu >= CONFIG_MAX_CPUS)
		return -EINVAL;
	if (__atomic_load_n(&rings[cpu], __ATOMIC_ACQUIRE))
		return 0;
	r = heap_alloc(bytes);
	if (!r) {
		log_warn("trace: no memory for CPU %u's ring (%lu KiB); its "
			 "events are dropped\n",
			 cpu, (unsigned long)(bytes >> 10));
		return -ENOMEM;
	}
	trace_ring_init(r, cpu, trace_capacity);
	__atomic_store_n(&cpu_get(cpu)->pc_trace, r, __ATOMIC_RELEASE);
	__atomic_store_n(&rings[cpu], r, __ATOMIC_RELEASE);
	return 0;
}

/* The boot CPU's ring; tracing starts once it exists. */
static int trace_init(void)
{
	int rc;

	if (!trace_capacity)
		return 0;
	rc = trace_cpu_init(cpu_id());
	if (rc)
		return rc;
	__atomic_store_n(&trace_enabled, true, __ATOMIC_RELEASE);
	log_info("trace: on, %u records (%lu KiB) per CPU, dumped to COM2\n",
		 trace_capacity,
		 (unsigned long)(trace_ring_bytes(trace_capacity) >> 10));
	return 0;
}
INITCALL(core, trace_init);

/* This CPU's ring or NULL; interrupts off. Acquire: the ring may have
 * been set up by another CPU. */
static struct trace_ring *this_ring(void)
{
	return __atomic_load_n(&this_cpu()->pc_trace, __ATOMIC_ACQUIRE);
}

void trace_emit(unsigned int type, uint32_t a, uint32_t b)
{
	/* Interrupts off: an IRQ handler tracing on this CPU cannot land
	 * between the slot write and the head bump, and the task cannot
	 * move to another CPU between this_cpu() and the write. */
	unsigned long flags = irq_save();
	struct trace_ring *r = this_ring();

	if (r)
		trace_ring_put(r, arch_cycles(), type, a, b);
	irq_restore(flags);
}

void trace_emit_spawn(uint32_t task, uint32_t parent, const char *name)
{
	unsigned long flags = irq_save();
	struct trace_ring *r = this_ring();

	if (r) {
		trace_ring_put(r, arch_cycles(), TRACE_SPAWN, task, parent);
		trace_ring_put_name(r, task, name);
	}
	irq_restore(flags);
}

/* A 16550 answers its scratch register; an absent port reads 0xff. */
static bool com2_present(void)
{
	if (io_inb(COM2 + COM_LSR) == 0xff)
		return false;
	io_outb(COM2 + COM_SCR, 0x5a);
	if (io_inb(COM2 + COM_SCR) != 0x5a)
		return false;
	io_outb(COM2 + COM_SCR, 0xa5);
	return io_inb(COM2 + COM_SCR) == 0xa5;
}

static void com2_setup(void)
{
	io_outb(COM2 + COM_IER, 0);
	io_outb(COM2 + COM_LCR, COM_LCR_DLAB);
	io_outb(COM2 + COM_DLL, COM_DIVISOR & 0xff);
	io_outb(COM2 + COM_DLM, COM_DIVISOR >> 8);
	io_outb(COM2 + COM_LCR, COM_LCR_8N1);
	io_outb(COM2 + COM_FCR, COM_FCR_ENABLE_CLEAR);
	io_outb(COM2 + COM_MCR, COM_MCR_DTR_RTS);
}

/* The dump's sink: raw bytes, a FIFO-full at a time after a bounded wait
 * for the transmitter to empty. Once a wait runs out the rest of the dump
 * is dropped, so a wedged port costs one timeout, not one per byte. */
static void com2_write(void *ctx, const void *buf, size_t len)
{
	struct com2_out *o = ctx;
	const uint8_t *p = buf;
	int i;

	for (; len && !o->co_stuck; len--, p++) {
		for (i = 0; !o->co_room && i < COM_THRE_POLLS; i++)
			if (io_inb(COM2 + COM_LSR) & COM_LSR_THRE)
				o->co_room = COM_FIFO_BYTES;
		if (!o->co_room) {
			o->co_stuck = true;
			break;
		}
		io_outb(COM2 + COM_THR, *p);
		o->co_room--;
		o->co_bytes++;
	}
}

static int dump_rings(void)
{
	struct trace_ring *snap[CONFIG_MAX_CPUS];
	struct com2_out out = { 0, 0, false };
	uint64_t recs = 0;
	uint32_t n = 0, i;

	/* The header counts the sections, so take the ring list first; a
	 * CPU whose ring appears later is dumped next time. */
	for (i = 0; i < CONFIG_MAX_CPUS; i++) {
		snap[n] = __atomic_load_n(&rings[i], __ATOMIC_ACQUIRE);
		if (snap[n])
			n++;
	}
	trace_write_file_hdr(com2_write, &out, n, time_tsc_hz(), arch_cycles(),
			     mosaic_app_name);
	for (i = 0; i < n; i++)
		recs += trace_ring_dump(snap[i], com2_write, &out);
	if (out.co_stuck) {
		log_warn("trace: COM2 stopped accepting bytes; trace cut "
			 "short after %lu bytes\n",
			 (unsigned long)out.co_bytes);
		return -EIO;
	}
	log_info("trace: wrote %lu records of %u CPUs to COM2 (%lu bytes)\n",
		 (unsigned long)recs, n, (unsigned long)out.co_bytes);
	return 0;
}

int trace_dump(void)
{
	int rc;

	if (!__atomic_load_n(&trace_enabled, __ATOMIC_ACQUIRE))
		return -EPERM;
	if (__atomic_exchange_n(&dump_busy, 1, __ATOMIC_ACQUIRE))
		return -EBUSY;
	if (!com2_present()) {
		log_warn("trace: no COM2 (port 0x2f8); trace not written "
			 "(tools/run --trace FILE adds one)\n");
		rc = -ENODEV;
		goto out_unbusy;
	}
	com2_setup();
	rc = dump_rings();
out_unbusy:
	__atomic_store_n(&dump_busy, 0, __ATOMIC_RELEASE);
	return rc;
}
