/* SPDX-License-Identifier: MIT */
/*
 * <setjmp.h> (C11 7.13, POSIX sigsetjmp). A jmp_buf keeps what the SysV
 * ABI says a call preserves (rbx, rbp, r12-r15, rsp), the return address,
 * MXCSR's control bits and the x87 control word. longjmp() may only go up
 * the stack of the same microapp (thread); never into a finished frame.
 * sigsetjmp(env, nonzero) also saves the thread's signal mask, which
 * siglongjmp() restores (so a handler may jump out of itself).
 */
#ifndef _SETJMP_H
#define _SETJMP_H

typedef unsigned long jmp_buf[9];
typedef unsigned long sigjmp_buf[11];

int setjmp(jmp_buf env) __attribute__((returns_twice));
void longjmp(jmp_buf env, int val) __attribute__((noreturn));
int _setjmp(jmp_buf env) __attribute__((returns_twice));
void _longjmp(jmp_buf env, int val) __attribute__((noreturn));
int sigsetjmp(sigjmp_buf env, int savemask) __attribute__((returns_twice));
void siglongjmp(sigjmp_buf env, int val) __attribute__((noreturn));

#endif /* _SETJMP_H */
