/* SPDX-License-Identifier: MIT */
/*
 * Panics: the end of the image after one parseable record on the console.
 * The record is a run of lines that all start with "panic: "; the first
 * says what happened, the following ones are `key=value` fields (cpu, task,
 * vector, error, rip, cr2, registers), then one `bt N ADDR <sym+0xoff>`
 * line per frame, and the last line is "panic: end status=127". The image
 * then exits with KERNEL_EXIT_PANIC. docs/debugging.md describes the format.
 *
 * The panic path takes no lock and never allocates; a panic inside a panic
 * halts at once.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>

/* Prints a record for the calling context, with a backtrace. */
void panic(const char *fmt, ...) __noreturn __printf(1, 2);
#define PANIC(...) panic(__VA_ARGS__)

/*
 * For trap handlers that print their own fields: begin a record with the
 * reason line, add fields and a backtrace, then end it (which exits).
 */
void panic_begin(const char *fmt, ...) __printf(1, 2);
void panic_field(const char *fmt, ...) __printf(1, 2);
/*
 * Prints `bt` lines: pc, then `ret` when non-zero (a return address whose
 * frame is not linked yet, see trap.c), then the frame-pointer chain
 * from fp. Stops at 16 frames or at the first implausible frame pointer.
 */
void panic_backtrace(uintptr_t pc, uintptr_t ret, uintptr_t fp);
void panic_end(void) __noreturn;

/* True once a panic record has begun (another CPU's NMI handler halts). */
bool panic_in_progress(void);

/*
 * Faults that end one task, not the image (supervision): the same record
 * with lines that start "fault: ", ending "fault: end task=NAME"; the
 * caller then ends the task (sched_fault_exit()).
 */
void fault_begin(const char *fmt, ...) __printf(1, 2);
void fault_end(void);

/*
 * For detected faults outside a trap (heap corruption, a failed
 * assertion): when the current context is a task that may be ended
 * (sched_fault_is_task()), prints a fault record with a backtrace of the
 * caller and ends the task, its joiner seeing the message; otherwise
 * panics with it. `code` goes to the trace (FAULT_CODE_*).
 */
void fault_or_panic(unsigned int code, const char *fmt, ...) __noreturn
	__printf(2, 3);

#define FAULT_CODE_HEAP 32
#define FAULT_CODE_ASSERT 33
#define FAULT_CODE_ABORT 34
#define FAULT_CODE_SSP 35
#define FAULT_CODE_SIGNAL 36

#endif /* KERNEL_PANIC_H */
