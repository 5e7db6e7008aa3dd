/* SPDX-License-Identifier: MIT */
/*
 * Exception handling: a record naming the vector, error code, faulting
 * instruction (with its symbol), CR2 and registers. A fault a task caused
 * ends that task alone (a "fault:" record, then its supervisor decides);
 * one in kernel context ends the image (a "panic:" record). A #DF whose
 * CR2 lies in a stack guard page is reported as the stack overflow it is.
 */
#include <arch/trap.h>

#include <stdbool.h>

#include <arch/cpu.h>
#include <kernel/arch.h>
#include <kernel/fmt.h>
#include <kernel/ksym.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/sections.h>
#include <kernel/stack.h>

#define PF_PRESENT 0x1
#define PF_WRITE 0x2
#define PF_RSVD 0x8
#define PF_FETCH 0x10
#define PF_PK 0x20

static const char *const vector_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor segment overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved 15",
	"#MF x87 floating point",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD floating point",
	"#VE virtualization",
	"#CP control protection",
	"reserved 22",
	"reserved 23",
	"reserved 24",
	"reserved 25",
	"reserved 26",
	"reserved 27",
	"#HV hypervisor injection",
	"#VC VMM communication",
	"#SX security",
	"reserved 31",
};

static void field_sym(const char *key, uint64_t addr)
{
	char name[KSYM_NAME_MAX];
	uintptr_t off;

	if (ksym_lookup(addr, name, sizeof(name), &off) == 0)
		panic_field("%s=0x%016lx <%s+0x%lx>", key, addr, name, off);
	else
		panic_field("%s=0x%016lx", key, addr);
}

static void print_regs(const struct trap_frame *tf)
{
	panic_field("rax=0x%016lx rbx=0x%016lx rcx=0x%016lx rdx=0x%016lx",
		    tf->rax, tf->rbx, tf->rcx, tf->rdx);
	panic_field("rsi=0x%016lx rdi=0x%016lx rbp=0x%016lx rsp=0x%016lx",
		    tf->rsi, tf->rdi, tf->rbp, tf->rsp);
	panic_field("r8=0x%016lx r9=0x%016lx r10=0x%016lx r11=0x%016lx", tf->r8,
		    tf->r9, tf->r10, tf->r11);
	panic_field("r12=0x%016lx r13=0x%016lx r14=0x%016lx r15=0x%016lx",
		    tf->r12, tf->r13, tf->r14, tf->r15);
	panic_field("rflags=%#lx cs=%#lx ss=%#lx cr3=%#lx", tf->rflags, tf->cs,
		    tf->ss, cpu_read_cr3());
}

/*
 * A fault on a function's first instruction, or right after its
 * `push %rbp`, comes before the function links its frame: rbp still names
 * the caller's frame, and the return address into the caller sits on the
 * stack top. So does a fetch fault after a call to a bad address. Returns
 * that return address, or 0 when the frame is linked or rsp is unsafe.
 */
static uint64_t unlinked_return(const struct trap_frame *tf, bool fetch)
{
	const uint64_t *sp = (const uint64_t *)tf->rsp;
	uintptr_t off = 0;

	if ((tf->rsp & 7) || !mm_is_mapped(tf->rsp, 16))
		return 0;
	if (!fetch && (ksym_lookup(tf->rip, NULL, 0, &off) || off > 1))
		return 0;
	if (off == 0)
		return sp[0];
	return *(const uint8_t *)(tf->rip - 1) == 0x55 ? sp[1] : 0;
}

/* What a page fault was, from its error code (Intel SDM vol. 3 §4.7). */
static const char *pf_kind(uint64_t error)
{
	if (error & PF_RSVD)
		return "reserved bit set in a page-table entry";
	if (error & PF_PK)
		return "protection-key violation";
	if (error & PF_FETCH)
		return error & PF_PRESENT ? "instruction fetch from a "
					    "non-executable page"
					  : "instruction fetch from an "
					    "unmapped address";
	if (error & PF_WRITE)
		return error & PF_PRESENT ? "write to a read-only page"
					  : "write to an unmapped address";
	return "read of an unmapped address";
}

/* Says in `buf` what happened, as the record's first line. */
static void trap_reason(char *buf, size_t size, uint64_t vec, uint64_t error,
			uint64_t cr2)
{
	const char *stack = stack_guard_owner(cr2);

	if ((vec == 8 || vec == 14) && stack)
		fmt_snprintf(buf, size,
			     "stack overflow: stack \"%s\" hit its guard page",
			     stack);
	else if (vec == 14 && cr2 < 4096)
		fmt_snprintf(buf, size, "NULL pointer dereference: %s",
			     pf_kind(error));
	else if (vec == 14)
		fmt_snprintf(buf, size, "page fault: %s at 0x%lx",
			     pf_kind(error), cr2);
	else
		fmt_snprintf(buf, size, "CPU exception %s", vector_names[vec]);
}

/*
 * A fault that a task caused ends only that task: not NMI or #MC (not the
 * task's doing), and #DF only as a stack overflow (anything else means the
 * kernel's own state is gone).
 */
static bool fault_ends_task(uint64_t vec, uint64_t cr2)
{
	if (vec == 2 || vec == 18)
		return false;
	if (vec == 8 && !stack_guard_owner(cr2))
		return false;
	return sched_fault_is_task();
}

void trap_dispatch(struct trap_frame *tf)
{
	uint64_t vec = tf->vector;
	uint64_t cr2;
	char what[96];
	bool task;

	if (vec >= 32) {
		irq_dispatch(tf);
		return;
	}
	/* Another CPU's panic stops this one with an NMI. */
	if (vec == 2 && panic_in_progress())
		arch_halt();
	cr2 = cpu_read_cr2();
	trap_reason(what, sizeof(what), vec, tf->error, cr2);
	task = fault_ends_task(vec, cr2);
	if (task)
		fault_begin("%s", what);
	else
		panic_begin("%s", what);
	panic_field("vector=%lu name=\"%s\" error=%#lx", vec, vector_names[vec],
		    tf->error);
	field_sym("rip", tf->rip);
	panic_field("cr2=0x%016lx", cr2);
	print_regs(tf);
	panic_backtrace(
		tf->rip,
		unlinked_return(tf, vec == 14 && (tf->error & PF_FETCH)),
		tf->rbp);
	if (!task)
		panic_end();
	fault_end();
	sched_fault_exit((unsigned int)vec, what);
}
