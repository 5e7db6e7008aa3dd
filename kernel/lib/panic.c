/* SPDX-License-Identifier: MIT */
/*
 * Panic records (format in <kernel/panic.h>). The path takes no lock and
 * never allocates; a second panic while one is being printed halts at once
 * so a fault in the panic path cannot loop.
 */
#include <kernel/panic.h>

#include <stdarg.h>
#include <stdbool.h>

#include <kernel/arch.h>
#include <kernel/fmt.h>
#include <kernel/irq.h>
#include <kernel/ksym.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/percpu.h>
#include <kernel/power.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#define BACKTRACE_MAX 16
#define FRAME_SPAN_MAX (256 * 1024) /* one frame is never this large */

static int panicking; /* [a] 0, or the panicking CPU's id + 1 */
/* The record a CPU is printing: "panic" or "fault". [c] */
static const char *prefix[CONFIG_MAX_CPUS];

bool panic_in_progress(void)
{
	return __atomic_load_n(&panicking, __ATOMIC_RELAXED);
}

static void vline(const char *fmt, va_list ap)
{
	char line[160];
	const char *p = prefix[cpu_id()];

	/* One console write per line, so CPUs do not interleave. */
	fmt_vsnprintf(line, sizeof(line), fmt, ap);
	printk("%s: %s\n", p ? p : "panic", line);
}

static void panic_vbegin(const char *fmt, va_list ap)
{
	int me = (int)cpu_id() + 1, first = 0;

	/* A fault while this CPU prints a record: end at once, without
	 * touching anything that could fault again. */
	if (!__atomic_compare_exchange_n(&panicking, &first, me, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		if (first == me)
			kernel_exit_quiet(KERNEL_EXIT_PANIC);
		/* Another CPU is printing its record and will end the
		 * image: stay out of its way. */
		arch_halt();
	}
	smp_stop_others();
	prefix[cpu_id()] = "panic";
	vline(fmt, ap);
	panic_field("cpu=%u task=%s", cpu_id(), sched_current_name());
}

void panic_begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_vbegin(fmt, ap);
	va_end(ap);
}

void panic_field(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
}

static void backtrace_line(int n, uintptr_t pc)
{
	char name[KSYM_NAME_MAX];
	uintptr_t off;

	if (ksym_lookup(pc, name, sizeof(name), &off) == 0)
		panic_field("bt %d 0x%016lx <%s+0x%lx>", n, pc, name, off);
	else
		panic_field("bt %d 0x%016lx", n, pc);
}

/* A frame pointer worth following: aligned, its two words mapped, and
 * close above the previous one (a walk never loops or leaves its stack). */
static bool frame_ok(uintptr_t fp, uintptr_t prev)
{
	return fp && !(fp & 7) && mm_is_mapped(fp, 16) &&
	       (!prev || (fp > prev && fp - prev < FRAME_SPAN_MAX));
}

void panic_backtrace(uintptr_t pc, uintptr_t ret, uintptr_t fp)
{
	uintptr_t prev = 0;
	bool switched = false;
	int n = 1;

	backtrace_line(0, pc);
	if (ret)
		backtrace_line(n++, ret - 1);
	for (; n < BACKTRACE_MAX; n++) {
		const uintptr_t *frame = (const uintptr_t *)fp;

		/* One jump to another stack (main's onto the boot stack,
		 * arch_call_on_stack) is followed; a second would be a loop. */
		if (!frame_ok(fp, prev)) {
			if (switched || !frame_ok(fp, 0))
				break;
			switched = true;
		}
		if (!frame[1])
			break;
		/* The return address points after the call; name the call. */
		backtrace_line(n, frame[1] - 1);
		prev = fp;
		fp = frame[0];
	}
}

void panic_end(void)
{
	panic_field("end status=%d", KERNEL_EXIT_PANIC);
	kernel_exit_raw(KERNEL_EXIT_PANIC);
}

void panic(const char *fmt, ...)
{
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
	const uintptr_t *frame = (const uintptr_t *)fp;
	va_list ap;

	va_start(ap, fmt);
	panic_vbegin(fmt, ap);
	va_end(ap);
	panic_backtrace(frame[1] - 1, 0, frame[0]);
	panic_end();
}

void fault_begin(const char *fmt, ...)
{
	va_list ap;

	prefix[cpu_id()] = "fault";
	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
	panic_field("cpu=%u task=%s", cpu_id(), sched_current_name());
}

void fault_end(void)
{
	panic_field("end task=%s", sched_current_name());
	prefix[cpu_id()] = NULL;
}

void fault_or_panic(unsigned int code, const char *fmt, ...)
{
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
	const uintptr_t *frame = (const uintptr_t *)fp;
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	irq_disable();
	if (!sched_fault_is_task()) {
		panic_begin("%s", what);
		panic_backtrace(frame[1] - 1, 0, frame[0]);
		panic_end();
	}
	fault_begin("%s", what);
	panic_backtrace(frame[1] - 1, 0, frame[0]);
	fault_end();
	sched_fault_exit(code, what);
}
