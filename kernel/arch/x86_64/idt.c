/* SPDX-License-Identifier: MIT */
/*
 * The IDT: interrupt gates for the 32 CPU exceptions, #DF, NMI and #MC on
 * their own IST stacks. Vectors 32-255 stay absent until the interrupt
 * work (issue #4) fills them; one arriving raises #GP, which panics.
 * Intel SDM vol. 3 §6.14.
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

void idt_init(void)
{
	struct idt_ptr ptr = { sizeof(idt) - 1, (uintptr_t)idt };
	int v;

	for (v = 0; v < 32; v++)
		idt_set(v, isr_table[v], 0);
	idt[8].ist = IST_DOUBLE_FAULT;
	idt[2].ist = IST_NMI;
	idt[18].ist = IST_MACHINE_CHECK;
	__asm__ volatile("lidt %0" : : "m"(ptr));
}
