/* SPDX-License-Identifier: MIT */
/*
 * Synchronous signals (<signal.h>): a handler table shared by every
 * thread, a mask and a pending set per thread (TLS). Delivery happens in
 * the raising thread, on its own stack.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include <kernel/panic.h>

#include "libc_impl.h"

/* [a] each entry: written whole under no lock by sigaction(); a handler
 * racing with its replacement sees the old or the new one. */
static struct sigaction actions[NSIG];

static _Thread_local sigset_t blocked;
static _Thread_local sigset_t pending;

static const char *const names[32] = {
	[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",
	[SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",
	[SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
	[SIGTERM] = "SIGTERM", [SIGSTKFLT] = "SIGSTKFLT",
	[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",
	[SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM",
	[SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
	[SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
};

static bool valid(int sig)
{
	return sig > 0 && sig < NSIG;
}

static sigset_t bit(int sig)
{
	return 1ull << (sig - 1);
}

static bool ignored_by_default(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
	case SIGSTOP: /* no job control: the stop signals do nothing */
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return true;
	default:
		return false;
	}
}

void libc_signal_default(int sig)
{
	if (ignored_by_default(sig))
		return;
	libc_stdio_flush_all();
	if (sig < 32 && names[sig])
		fault_or_panic(FAULT_CODE_SIGNAL, "signal %d (%s)", sig,
			       names[sig]);
	fault_or_panic(FAULT_CODE_SIGNAL, "signal %d", sig);
}

static void deliver_pending(void);

static void deliver(int sig)
{
	struct sigaction act = actions[sig];
	sigset_t saved = blocked;
	siginfo_t info;

	if (act.sa_handler == SIG_IGN)
		return;
	if (act.sa_handler == SIG_DFL) {
		libc_signal_default(sig);
		return;
	}
	if (act.sa_flags & SA_RESETHAND)
		actions[sig].sa_handler = SIG_DFL;
	blocked |= act.sa_mask;
	if (!(act.sa_flags & SA_NODEFER))
		blocked |= bit(sig);
	if (act.sa_flags & SA_SIGINFO) {
		memset(&info, 0, sizeof(info));
		info.si_signo = sig;
		info.si_code = SI_TKILL;
		info.si_pid = 1;
		act.sa_sigaction(sig, &info, NULL);
	} else {
		act.sa_handler(sig);
	}
	blocked = saved;
	/* What the handler raised while blocked is due now. */
	deliver_pending();
}

/* Delivers what is pending and no longer blocked, lowest number first. */
static void deliver_pending(void)
{
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		if ((pending & bit(sig)) && !(blocked & bit(sig))) {
			pending &= ~bit(sig);
			deliver(sig);
		}
	}
}

int raise(int sig)
{
	if (!valid(sig)) {
		errno = EINVAL;
		return -1;
	}
	/* SIGKILL and SIGSTOP cannot be blocked. */
	if ((blocked & bit(sig)) && sig != SIGKILL && sig != SIGSTOP) {
		pending |= bit(sig);
		return 0;
	}
	deliver(sig);
	return 0;
}

int kill(pid_t pid, int sig)
{
	if (pid != 0 && pid != -1 && pid != 1) {
		errno = ESRCH;
		return -1;
	}
	if (sig == 0)
		return 0;
	return raise(sig);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!valid(sig) || (act && (sig == SIGKILL || sig == SIGSTOP))) {
		errno = EINVAL;
		return -1;
	}
	if (old)
		*old = actions[sig];
	if (act)
		actions[sig] = *act;
	return 0;
}

sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act = { 0 }, old;

	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;
	if (sigaction(sig, &act, &old))
		return SIG_ERR;
	return old.sa_handler;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t unblockable = bit(SIGKILL) | bit(SIGSTOP);

	if (old)
		*old = blocked;
	if (!set)
		return 0;
	switch (how) {
	case SIG_BLOCK:
		blocked |= *set;
		break;
	case SIG_UNBLOCK:
		blocked &= ~*set;
		break;
	case SIG_SETMASK:
		blocked = *set;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	blocked &= ~unblockable;
	deliver_pending();
	return 0;
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	return sigprocmask(how, set, old) ? errno : 0;
}

int sigpending(sigset_t *set)
{
	*set = pending;
	return 0;
}

int sigemptyset(sigset_t *set)
{
	*set = 0;
	return 0;
}

int sigfillset(sigset_t *set)
{
	*set = ~0ull;
	return 0;
}

int sigaddset(sigset_t *set, int sig)
{
	if (!valid(sig)) {
		errno = EINVAL;
		return -1;
	}
	*set |= bit(sig);
	return 0;
}

int sigdelset(sigset_t *set, int sig)
{
	if (!valid(sig)) {
		errno = EINVAL;
		return -1;
	}
	*set &= ~bit(sig);
	return 0;
}

int sigismember(const sigset_t *set, int sig)
{
	if (!valid(sig)) {
		errno = EINVAL;
		return -1;
	}
	return (*set & bit(sig)) != 0;
}

/* sigsetjmp()'s second half (setjmp.S): the mask, in words 9-10. */
int libc_sigsetjmp_mask(unsigned long *env);

int libc_sigsetjmp_mask(unsigned long *env)
{
	env[10] = blocked;
	return 0;
}

void siglongjmp(sigjmp_buf env, int val)
{
	if (env[9])
		sigprocmask(SIG_SETMASK, (const sigset_t *)&env[10], NULL);
	longjmp(env, val);
}
