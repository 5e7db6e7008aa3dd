/* SPDX-License-Identifier: MIT */
/*
 * The stack protector's failure path: code built with
 * -fstack-protector-strong calls this when a function's canary (copied
 * from %fs:0x28 on entry) changed before it returned. The stack is not to
 * be trusted any more, so nothing returns: the microapp ends with a fault
 * record (in main(), the image with a panic record).
 */
#include <kernel/panic.h>

void __stack_chk_fail(void) __attribute__((noreturn));

/* It runs on the smashed stack: no stack protector of its own. */
__attribute__((optimize("no-stack-protector"))) void __stack_chk_fail(void)
{
	fault_or_panic(FAULT_CODE_SSP, "stack smashing detected");
}
