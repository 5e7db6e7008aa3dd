/* SPDX-License-Identifier: MIT */
/*
 * Integration test: setjmp/longjmp, synchronous signals and <unistd.h>.
 *   jump       longjmp out of nested calls; callee-saved values survive
 *   signals    handlers, SA_SIGINFO, SA_RESETHAND, masks and pending,
 *              kill() to oneself, default actions that ignore
 *   term       a microapp raising SIGTERM without a handler is ended
 *              with a fault record; its supervisor sees it
 *   abort      abort() runs the SIGABRT handler, then still ends the
 *              microapp
 *   stdio      stdin reads end of file through every input function;
 *              ungetc; fopen of a missing file fails with ENOENT, the console
 *              streams through fdopen/fileno/fseek/fclose
 *   unistd     write() after buffered printf keeps order; ids, sysconf,
 *              getrandom, getentropy, arc4random
 */
#include <errno.h>
#include <mosaic/mapp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <itest.h>

static jmp_buf env;

__attribute__((noinline, noipa)) static void deep(int n)
{
	if (n < 0)
		return;
	if (n == 0)
		longjmp(env, 0); /* 0 arrives as 1 */
	deep(n - 1);
}

static void test_jump(void)
{
	volatile int steps = 0;
	register long keep = 0x1234;
	int rc;

	rc = setjmp(env);
	steps++;
	if (rc == 0)
		deep(10);
	CHECK(rc == 1 && steps == 2, "setjmp returned %d after %d steps", rc,
	      steps);
	CHECK(keep == 0x1234, "callee-saved value lost");
	rc = setjmp(env);
	if (rc == 0)
		longjmp(env, 42);
	CHECK(rc == 42, "longjmp value %d", rc);
}

static volatile sig_atomic_t got[NSIG];
static volatile int info_code, nested_blocked;

static void handler(int sig)
{
	sigset_t now;

	got[sig]++;
	/* While it runs, its own signal is blocked (no SA_NODEFER). */
	sigprocmask(SIG_BLOCK, NULL, &now);
	nested_blocked = sigismember(&now, sig);
}

static void info_handler(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	got[sig]++;
	info_code = si->si_signo == sig ? si->si_code : -1000;
}

static volatile int reraised;

/* Raises its own signal (blocked while it runs): delivered on return. */
static void reraise(int sig)
{
	got[sig]++;
	if (!reraised) {
		reraised = 1;
		raise(sig);
		CHECK(got[sig] == 1, "nested signal delivered early");
	}
}

static sigjmp_buf jump_out;

static void jumper(int sig)
{
	got[sig]++;
	siglongjmp(jump_out, 1);
}

static void test_signals(void)
{
	struct sigaction sa = { 0 };
	sigset_t set, pend;

	CHECK(signal(SIGUSR1, handler) == SIG_DFL, "first handler");
	CHECK(raise(SIGUSR1) == 0 && got[SIGUSR1] == 1, "raise");
	CHECK(nested_blocked == 1, "signal not blocked in its handler");
	CHECK(kill(getpid(), SIGUSR1) == 0 && got[SIGUSR1] == 2, "kill self");
	CHECK(kill(77, SIGUSR1) == -1 && errno == ESRCH, "kill other");
	sa.sa_sigaction = info_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction");
	raise(SIGUSR2);
	CHECK(got[SIGUSR2] == 1 && info_code == SI_TKILL, "siginfo %d",
	      info_code);
	CHECK(signal(SIGUSR2, SIG_IGN) == SIG_DFL, "SA_RESETHAND");
	CHECK(raise(SIGUSR2) == 0 && got[SIGUSR2] == 1, "SIG_IGN");
	CHECK(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL,
	      "SIGKILL handler refused");
	/* Blocked: pending until unblocked, then delivered at once. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	sigpending(&pend);
	CHECK(got[SIGUSR1] == 2 && sigismember(&pend, SIGUSR1) == 1,
	      "blocked signal delivered early");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK(got[SIGUSR1] == 3, "pending signal not delivered");
	/* Ignored by default. */
	CHECK(raise(SIGCHLD) == 0 && raise(SIGWINCH) == 0, "default ignore");
	/* A signal raised in its own handler comes right after it. */
	signal(SIGHUP, reraise);
	raise(SIGHUP);
	CHECK(got[SIGHUP] == 2, "re-raised signal: %d deliveries", got[SIGHUP]);
	/* siglongjmp out of a handler restores the mask of sigsetjmp. */
	signal(SIGALRM, jumper);
	if (sigsetjmp(jump_out, 1) == 0)
		raise(SIGALRM);
	if (sigsetjmp(jump_out, 1) == 0)
		raise(SIGALRM);
	CHECK(got[SIGALRM] == 2, "handler after siglongjmp: %d deliveries",
	      got[SIGALRM]);
}

static int terminator(void *arg)
{
	(void)arg;
	raise(SIGTERM);
	return 5; /* never reached */
}

static void abort_handler(int sig)
{
	got[sig]++;
}

static int aborter(void *arg)
{
	(void)arg;
	signal(SIGABRT, abort_handler);
	abort();
}

static void test_end(int (*fn)(void *), const char *what)
{
	struct mapp_exit ex;
	mapp_t t;

	mapp_spawn(&t, "ender", fn, NULL, NULL);
	mapp_join(t, &ex);
	CHECK(ex.faulted && strstr(ex.fault, what), "ended with %d \"%s\"",
	      ex.faulted, ex.fault);
}

static void test_unistd(void)
{
	unsigned char a[32], b[32];

	printf("first ");
	fflush(stdout);
	printf("second ");
	CHECK(write(STDOUT_FILENO, "third\n", 6) == 6, "write");
	CHECK(write(7, "x", 1) == -1 && errno == EBADF, "write to fd 7");
	CHECK(getpid() == 1 && getuid() == 0, "ids");
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) == (long)mapp_ncpus(), "sysconf");
	CHECK(sysconf(_SC_PAGESIZE) == 4096, "page size");
	CHECK(getrandom(a, sizeof(a), 0) == (ssize_t)sizeof(a) &&
		      getrandom(b, sizeof(b), 0) == (ssize_t)sizeof(b) &&
		      memcmp(a, b, sizeof(a)) != 0,
	      "getrandom");
	CHECK(getentropy(a, 300) == -1 && errno == EIO, "getentropy limit");
	CHECK(isatty(1) == 1, "isatty");
	CHECK(arc4random_uniform(1) == 0 && arc4random_uniform(10) < 10,
	      "arc4random_uniform");
	arc4random_buf(a, sizeof(a));
	arc4random_buf(b, sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0 && arc4random() != arc4random(),
	      "arc4random");
}

static void test_stdio(void)
{
	char *line = NULL, buf[8];
	size_t cap = 0;
	int v = 0;

	CHECK(fgetc(stdin) == EOF && feof(stdin), "fgetc at end of file");
	CHECK(ungetc('x', stdin) == 'x' && fgetc(stdin) == 'x',
	      "ungetc then fgetc");
	CHECK(getline(&line, &cap, stdin) == -1, "getline at end of file");
	free(line);
	CHECK(fgets(buf, sizeof(buf), stdin) == NULL, "fgets");
	CHECK(scanf("%d", &v) == EOF && fscanf(stdin, "%d", &v) == EOF,
	      "scanf at end of file");
	CHECK(fread(buf, 1, sizeof(buf), stdin) == 0, "fread");
	clearerr(stdin);
	CHECK(!feof(stdin), "clearerr");
	CHECK(sscanf("12 ab", "%d %2s", &v, buf) == 2 && v == 12 &&
		      !strcmp(buf, "ab"),
	      "sscanf");
	errno = 0;
	CHECK(fopen("/etc/hosts", "r") == NULL && errno == ENOENT, "fopen");
	CHECK(fopen("/etc/hosts", "r") == NULL, "fopen again");
	CHECK(fdopen(1, "w") == stdout && fileno(stderr) == 2, "fdopen");
	CHECK(fseek(stdout, 0, SEEK_SET) == -1 && errno == ESPIPE, "fseek");
	CHECK(fclose(stdout) == 0, "fclose");
	printf("still printing\n");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		printf("TEST FAIL: usage\n");
		return 1;
	}
	if (!strcmp(argv[1], "jump"))
		test_jump();
	else if (!strcmp(argv[1], "signals"))
		test_signals();
	else if (!strcmp(argv[1], "term"))
		test_end(terminator, "signal 15 (SIGTERM)");
	else if (!strcmp(argv[1], "abort")) {
		test_end(aborter, "abort() called");
		CHECK(got[SIGABRT] == 1, "SIGABRT handler ran %d times",
		      got[SIGABRT]);
	} else if (!strcmp(argv[1], "stdio"))
		test_stdio();
	else if (!strcmp(argv[1], "unistd"))
		test_unistd();
	else
		CHECK(0, "unknown subcommand %s", argv[1]);
	if (!failures)
		printf("TEST PASS\n");
	return failures != 0;
}
