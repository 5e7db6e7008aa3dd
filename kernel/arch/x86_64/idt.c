/* SPDX-License-Identifier: MIT */
/*
 * The IDT, shared by every CPU: interrupt gates for the 32 CPU exceptions
 * (#DF, NMI and #MC on their own IST stacks) and for vectors 32-255, which
 * run on the per-CPU IRQ stack and go to irq_dispatch(). Intel SDM vol. 3
 * §6.14.
 */
#include <arch/trap.h>

#include <stdint.h>

#include <kernel/compiler.h>

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __packed;

BUILD_ASSERT(sizeof(struct idt_gate) == 16);

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

extern const uint64_t isr_table[32];
extern const uint8_t irq_stubs[];

#define IRQ_STUB_SIZE 8

static struct idt_gate idt[256] __aligned(16);

static void idt_set(int vec, uint64_t handler, uint8_t ist)
{
	idt[vec] = (struct idt_gate){
		.offset_low = handler & 0xffff,
		.selector = 0x08,
		.ist = ist,
		.type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_high = handler >> 32,
	};
}

void idt_load(void)
{
	struct idt_ptr ptr = { sizeof(idt) - 1, (uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void idt_init(void)
{
	int v;

	for (v = 0; v < 32; v++)
		idt_set(v, isr_table[v], 0);
	idt[8].ist = IST_DOUBLE_FAULT;
	idt[2].ist = IST_NMI;
	idt[18].ist = IST_MACHINE_CHECK;
	for (v = 32; v < 256; v++)
		idt_set(v, (uintptr_t)irq_stubs + (v - 32) * IRQ_STUB_SIZE,
			IST_IRQ);
	idt_load();
}
