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

/* Names the running context in records ("kernel" until the app starts). */
void panic_set_task_name(const char *name);

#endif /* KERNEL_PANIC_H */
