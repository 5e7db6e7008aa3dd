/* SPDX-License-Identifier: MIT */
/*
 * Port I/O for code outside kernel/arch (drivers, ACPI), and the fences
 * drivers use against device models. The port accesses are out of line on
 * purpose: each is a device exit anyway, and this keeps inline asm inside
 * kernel/arch/x86_64. io_fence_device() is a compiler builtin, inline.
 */
#ifndef KERNEL_IO_H
#define KERNEL_IO_H

#include <stdbool.h>
#include <stdint.h>

uint8_t io_inb(uint16_t port);
uint16_t io_inw(uint16_t port);
uint32_t io_inl(uint16_t port);
void io_outb(uint16_t port, uint8_t v);
void io_outw(uint16_t port, uint16_t v);
void io_outl(uint16_t port, uint32_t v);

/*
 * The fence of a driver's handshake with a device model running beside
 * the CPU: the driver stores (the virtqueue's used_event, say), then loads
 * what the device wrote (the used index), while the device stores its
 * index and then loads ours. Without a full fence both loads could pass
 * the stores, each side would miss the other, and an interrupt (or a
 * doorbell) would be lost. On hardware and under KVM, mfence is enough.
 */
static inline void io_fence_device(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * True when io_fence_device() may not hold: under QEMU's TCG (CPUID leaf
 * 0x40000000 says "TCGTCGTCGTCG"). TCG before QEMU 8.1 translates a
 * guest's fences to nothing while it emulates a single vCPU, though its
 * device models run in other host threads, so the guest's store can wait
 * in the host CPU's store buffer while its load runs. Drivers then keep
 * the fast fence and repair a lost notification later (the virtio core
 * does so before a CPU idles), with io_fence_host(). Decided at the core
 * init level, before any driver; false until then.
 */
#ifdef UNIT_TEST
static inline bool io_fences_lossy(void)
{
	return false;
}
#else
bool io_fences_lossy(void);
#endif

/*
 * A fence that holds against QEMU's device models even then: mfence, and
 * when io_fences_lossy(), a read of I/O port 0x80. QEMU dispatches every
 * port access under the global lock its device models run under, which
 * orders what this CPU stored before it against their work. Costly under
 * load (the lock is busy): for slow paths only. Any context.
 */
#ifdef UNIT_TEST
static inline void io_fence_host(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#else
void io_fence_host(void);
#endif

#endif /* KERNEL_IO_H */
