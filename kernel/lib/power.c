/* SPDX-License-Identifier: MIT */
/*
 * Ending the image (<kernel/power.h>): QEMU's isa-debug-exit when present,
 * else ACPI S5 after printing the status, else a halt. isa-debug-exit
 * sits at its default port 0x501 (QEMU hw/misc/debugexit.c); it reads as 0
 * where an empty port reads as all ones, and we only probe it under a
 * hypervisor, so no real machine sees the access.
 */
#include <kernel/power.h>

#include <stdbool.h>

#include <kernel/acpi.h>
#include <kernel/arch.h>
#include <kernel/io.h>
#include <kernel/log.h>
#include <kernel/trace.h>

#define DEBUG_EXIT_PORT 0x501
#define POWER_OFF_SPINS (1 << 24)

static bool debug_exit_present(void)
{
	return arch_is_hypervisor() && io_inb(DEBUG_EXIT_PORT) == 0;
}

void kernel_exit_quiet(int status)
{
	if (debug_exit_present())
		io_outb(DEBUG_EXIT_PORT, (uint8_t)status);
	arch_halt();
}

void kernel_exit_raw(int status)
{
	/* Exit and panic both end here: the trace leaves before the image. */
	trace_dump_at_exit();
	if (debug_exit_present())
		io_outb(DEBUG_EXIT_PORT, (uint8_t)status);
	/* No debug-exit device: the status reaches the host only as text. */
	printk("mosaic: exit status %d\n", status);
	acpi_power_off();
	/* The power-off request completes asynchronously under a hypervisor;
	 * give it a bounded moment before saying it failed. */
	for (int i = 0; i < POWER_OFF_SPINS; i++)
		arch_cpu_relax();
	printk("mosaic: could not power off; halted\n");
	arch_halt();
}

void kernel_exit(int status)
{
	if (status < 0 || status > KERNEL_EXIT_MAX_APP) {
		log_warn("mosaic: exit status %d does not fit in 0..%d; "
			 "reporting %d\n",
			 status, KERNEL_EXIT_MAX_APP, KERNEL_EXIT_MAX_APP);
		status = KERNEL_EXIT_MAX_APP;
	}
	kernel_exit_raw(status);
}
