/* SPDX-License-Identifier: MIT */
/*
 * <signal.h>: signals within one appliance. There is no other process to
 * send one, so every signal is synchronous: raise(), kill() to oneself
 * and abort() deliver it to the calling thread (microapp) at once, or when
 * it unblocks the signal. Handlers are shared by all threads. The default
 * action of a terminating signal ends the calling microapp with a fault
 * record (in main(), the appliance, with a panic record), as abort()
 * does; SIGCHLD, SIGCONT, SIGURG and SIGWINCH are ignored, and the stop
 * signals too (no job control). Linux's numbers.
 */
#ifndef _SIGNAL_H
#define _SIGNAL_H

#include <stdint.h>

typedef int sig_atomic_t;
typedef uint64_t sigset_t; /* bit n - 1 for signal n */
typedef int pid_t;

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGIOT SIGABRT
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPOLL SIGIO
#define SIGPWR 30
#define SIGSYS 31
#define NSIG 65 /* one more than the largest (real-time ones included) */
#define _NSIG NSIG

typedef void (*sighandler_t)(int);
#define SIG_DFL ((sighandler_t)0)
#define SIG_IGN ((sighandler_t)1)
#define SIG_ERR ((sighandler_t)-1)

union sigval {
	int sival_int;
	void *sival_ptr;
};

typedef struct {
	int si_signo;
	int si_errno;
	int si_code;
	pid_t si_pid;
	unsigned int si_uid;
	union sigval si_value;
} siginfo_t;

#define SI_USER 0
#define SI_TKILL (-6)

struct sigaction {
	union {
		void (*sa_handler)(int);
		void (*sa_sigaction)(int, siginfo_t *, void *);
	};
	sigset_t sa_mask;
	int sa_flags;
};

#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO 0x00000004
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

/* Installs handler for sig; returns the previous one, or SIG_ERR with
 * errno EINVAL (bad number, or SIGKILL/SIGSTOP). */
sighandler_t signal(int sig, sighandler_t handler);
int sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/* Delivers sig to the calling thread; returns 0 (or -1, EINVAL). */
int raise(int sig);
/* pid 0, -1 or getpid(): as raise(); any other pid: -1, ESRCH. */
int kill(pid_t pid, int sig);

/* The calling thread's mask; a blocked signal raised stays pending until
 * it is unblocked, then it is delivered before these return. */
int sigprocmask(int how, const sigset_t *set, sigset_t *old);
int pthread_sigmask(int how, const sigset_t *set, sigset_t *old);
int sigpending(sigset_t *set);

int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int sig);
int sigdelset(sigset_t *set, int sig);
int sigismember(const sigset_t *set, int sig);

#endif /* _SIGNAL_H */
