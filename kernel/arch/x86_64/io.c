/* SPDX-License-Identifier: MIT */
/* Port I/O and the device fence behind <kernel/io.h>, for code outside
 * kernel/arch. */
#include <kernel/io.h>

#include <stdbool.h>

#include <arch/cpu.h>

#include <kernel/init.h>
#include <kernel/log.h>
#include <kernel/string.h>

/* The port io_fence_host() reads under TCG: the POST diagnostic port,
 * which nothing reads for a value, and an unassigned port where no device
 * has it (microvm); QEMU takes its lock for either. */
#define FENCE_PORT 0x80

static bool fence_by_port; /* [I] set at the core level */

uint8_t io_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

uint16_t io_inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

uint32_t io_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void io_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

void io_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

void io_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

bool io_fences_lossy(void)
{
	return fence_by_port;
}

void io_fence_host(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (fence_by_port) {
		uint8_t v;

		__asm__ volatile("inb %1, %0"
				 : "=a"(v)
				 : "Nd"((uint16_t)FENCE_PORT)
				 : "memory");
		(void)v;
	}
}

/* QEMU's TCG says so in the hypervisor leaf (CPUID.1:ECX[31] set). */
static bool under_tcg(void)
{
	uint32_t r[4];
	char sig[12];

	cpu_cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return false;
	cpu_cpuid(0x40000000, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	return memcmp(sig, "TCGTCGTCGTCG", sizeof(sig)) == 0;
}

static int io_fence_init(void)
{
	fence_by_port = under_tcg();
	if (fence_by_port)
		log_info("io: QEMU TCG: device fences may be lost; "
			 "io_fence_host() reads port %#x\n",
			 FENCE_PORT);
	return 0;
}
INITCALL(core, io_fence_init);
