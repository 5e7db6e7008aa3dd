/* SPDX-License-Identifier: MIT */
/*
 * Ending the image. The status reaches the host through QEMU's
 * isa-debug-exit device when present (QEMU exits with (n << 1) | 1 and
 * tools/run turns that back into n), otherwise it is printed as
 * "mosaic: exit status N" and the machine powers off through ACPI S5;
 * when that fails too, the CPU halts for good.
 */
#ifndef KERNEL_POWER_H
#define KERNEL_POWER_H

#include <kernel/compiler.h>

/* Statuses 0..125 are the application's; these two are reserved. */
#define KERNEL_EXIT_MAX_APP 125
#define KERNEL_EXIT_BADCONF 126 /* the image refused its configuration */
#define KERNEL_EXIT_PANIC 127 /* a panic record was printed */

/*
 * Ends the image with `status`. Values outside 0..125 that the
 * application passes are reported as 125 with one warning line (the
 * debug-exit channel carries 7 bits). Never returns; any context.
 */
void kernel_exit(int status) __noreturn;

/* As kernel_exit(), but passes the reserved statuses through unchanged. */
void kernel_exit_raw(int status) __noreturn;

/*
 * For a fault inside the panic path: writes status to isa-debug-exit if
 * present, else halts. Prints nothing and reads no memory that could be
 * unmapped.
 */
void kernel_exit_quiet(int status) __noreturn;

#endif /* KERNEL_POWER_H */
