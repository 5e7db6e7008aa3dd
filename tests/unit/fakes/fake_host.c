/* SPDX-License-Identifier: MIT */
/* The POSIX half of the fake scheduler (fake_sched.h, fake_host.h). */
#include "fake_host.h"
#include "fake_sched.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PANIC_STATUS 77

struct fake_task {
	pthread_t ft_thread;
	int (*ft_fn)(void *);
	void *ft_arg;
	int ft_status;
};

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv;
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;
static int panic_fd = -1; /* set in a fake_expect_panic() child */

static void gate_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&gate_cv, &a);
	pthread_condattr_destroy(&a);
}

void host_gate_lock(void)
{
	pthread_once(&gate_once, gate_init);
	pthread_mutex_lock(&gate);
}

void host_gate_unlock(void)
{
	pthread_mutex_unlock(&gate);
}

void host_gate_broadcast(void)
{
	pthread_cond_broadcast(&gate_cv);
}

bool host_gate_wait(uint64_t deadline_ns)
{
	struct timespec ts;

	if (deadline_ns == 0) {
		pthread_cond_wait(&gate_cv, &gate);
		return true;
	}
	ts.tv_sec = (time_t)(deadline_ns / 1000000000u);
	ts.tv_nsec = (long)(deadline_ns % 1000000000u);
	return pthread_cond_timedwait(&gate_cv, &gate, &ts) != ETIMEDOUT;
}

uint64_t host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void host_yield(void)
{
	sched_yield();
}

void host_panic(const char *msg)
{
	if (panic_fd >= 0) {
		ssize_t unused = write(panic_fd, msg, strlen(msg));

		(void)unused;
		_exit(PANIC_STATUS);
	}
	fprintf(stderr, "fake panic: %s\n", msg);
	abort();
}

static void *task_main(void *p)
{
	struct fake_task *t = p;

	t->ft_status = t->ft_fn(t->ft_arg);
	return NULL;
}

struct fake_task *fake_task_start(int (*fn)(void *), void *arg)
{
	struct fake_task *t = calloc(1, sizeof(*t));

	if (!t)
		abort();
	t->ft_fn = fn;
	t->ft_arg = arg;
	if (pthread_create(&t->ft_thread, NULL, task_main, t) != 0)
		abort();
	return t;
}

int fake_task_join(struct fake_task *t)
{
	int status;

	pthread_join(t->ft_thread, NULL);
	status = t->ft_status;
	free(t);
	return status;
}

bool fake_wait_sleepers(unsigned int n)
{
	uint64_t end = host_now_ns() + 10000000000ull;

	while (fake_sleepers() != n) {
		if (host_now_ns() > end)
			return false;
		fake_sleep_ns(100000);
	}
	return true;
}

void fake_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u),
			       (long)(ns % 1000000000u) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

bool fake_expect_panic(void (*fn)(void *), void *arg, const char *substr)
{
	char msg[512];
	ssize_t len, n;
	int fds[2], status;
	pid_t pid;

	fflush(NULL);
	if (pipe(fds) != 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		close(fds[0]);
		panic_fd = fds[1];
		fn(arg);
		_exit(0);
	}
	close(fds[1]);
	for (len = 0; len < (ssize_t)sizeof(msg) - 1; len += n) {
		n = read(fds[0], msg + len, sizeof(msg) - 1 - (size_t)len);
		if (n <= 0)
			break;
	}
	msg[len] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		abort();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != PANIC_STATUS)
		return false;
	if (substr && !strstr(msg, substr)) {
		fprintf(stderr, "panic message \"%s\" lacks \"%s\"\n", msg,
			substr);
		return false;
	}
	return true;
}
