# SPDX-License-Identifier: MIT
SRCS-kernel += kernel/main.c kernel/acpi/acpi.c kernel/acpi/madt.c \
	kernel/arch/x86_64/arch.c kernel/arch/x86_64/gdt.c \
	kernel/arch/x86_64/idt.c kernel/arch/x86_64/isr.S \
	kernel/arch/x86_64/trap.c kernel/arch/x86_64/io.c \
	kernel/arch/x86_64/string.c \
	kernel/lib/console.c kernel/lib/log.c kernel/lib/fmt.c \
	kernel/lib/panic.c kernel/lib/ksym.c kernel/lib/cmdline.c \
	kernel/lib/param.c kernel/lib/initcall.c kernel/lib/power.c \
	kernel/lib/platform.c kernel/lib/string.c kernel/lib/chacha20.c \
	kernel/lib/random.c kernel/arch/x86_64/rdrand.c \
	kernel/mm/mm.c kernel/mm/pmm.c kernel/mm/vm.c kernel/mm/heap.c \
	kernel/mm/heap_report.c kernel/mm/stack.c \
	kernel/arch/x86_64/call_on_stack.S kernel/mm/vmem.c kernel/mm/mmap.c
