/* SPDX-License-Identifier: MIT */
/*
 * Port I/O for code outside kernel/arch (drivers, ACPI), and the fence
 * drivers use against device models. Out of line on purpose: every port
 * access is a device exit anyway, and this keeps inline asm inside
 * kernel/arch/x86_64.
 */
#ifndef KERNEL_IO_H
#define KERNEL_IO_H

#include <stdint.h>

uint8_t io_inb(uint16_t port);
uint16_t io_inw(uint16_t port);
uint32_t io_inl(uint16_t port);
void io_outb(uint16_t port, uint8_t v);
void io_outw(uint16_t port, uint16_t v);
void io_outl(uint16_t port, uint32_t v);

/*
 * A full fence for a driver's handshake with a device model that runs
 * beside the CPU: the driver stores (say, the virtqueue's used_event),
 * then loads what the device wrote (the used index), while the device
 * stores its index and then loads ours. If both loads could pass the
 * stores, each side would miss the other and an interrupt would be lost.
 *
 * On hardware and under KVM the CPU's fence (mfence) is enough. QEMU's
 * TCG before release 8.1 translates a guest's fence to nothing while it
 * emulates a single vCPU, though its device models run in other host
 * threads; the guest's store can then wait in the host CPU's store buffer
 * while the load runs. Under TCG (CPUID leaf 0x40000000 says
 * "TCGTCGTCGTCG") this also reads I/O port 0x80: QEMU dispatches port
 * accesses under the global lock its device models run under, which
 * orders our store before our load and against the device's work.
 * Any context; the probe runs at the core init level, before any driver
 * (and says so at LOG_INFO under TCG).
 */
#ifdef UNIT_TEST
static inline void io_fence_device(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#else
void io_fence_device(void);
#endif

#endif /* KERNEL_IO_H */
