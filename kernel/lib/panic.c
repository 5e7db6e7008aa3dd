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
#include <kernel/ksym.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/power.h>

#define BACKTRACE_MAX 16
#define FRAME_SPAN_MAX (256 * 1024) /* one frame is never this large */

static int panicking;
static const char *task_name = "kernel";

void panic_set_task_name(const char *name)
{
	task_name = name;
}

static void vline(const char *fmt, va_list ap)
{
	printk("panic: ");
	vprintk(fmt, ap);
	printk("\n");
}

static void panic_vbegin(const char *fmt, va_list ap)
{
	/* A fault while printing a record: end at once, without touching
	 * anything that could fault again. */
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		kernel_exit_quiet(KERNEL_EXIT_PANIC);
	/* TODO(smp): stop the other CPUs with an IPI here #4 */
	vline(fmt, ap);
	panic_field("cpu=0 task=%s", task_name);
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
	const char *name;
	uintptr_t off;

	if (ksym_lookup(pc, &name, &off) == 0)
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
