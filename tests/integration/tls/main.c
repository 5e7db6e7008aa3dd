/* SPDX-License-Identifier: MIT */
/*
 * Integration test: thread-local storage and the stack protector, per
 * microapp.
 *   tls          16 microapps on every CPU each see the initial values of
 *                _Thread_local variables (.tdata copied, .tbss zero),
 *                change them, yield and sleep, and find them unchanged;
 *                errno is per microapp too
 *   canary       the canary at %fs:0x28 is the same in every microapp,
 *                not zero, with a zero low byte
 *   smash        a microapp that overruns a stack buffer is ended by the
 *                stack protector ("fault: stack smashing detected") and
 *                restarted by its supervisor
 *   smash-main   the same in main() ends the image with a panic record
 */
#include <errno.h>
#include <mosaic/mapp.h>
#include <stdio.h>
#include <string.h>

#include <itest.h>

static _Thread_local int tl_counter = 5;
static _Thread_local char tl_zero[100];
static _Thread_local const char *tl_name = "template";

static int tls_worker(void *arg)
{
	int id = (int)(uintptr_t)arg, i, round;
	char mine[16];

	snprintf(mine, sizeof(mine), "w%d", id);
	CHECK(tl_counter == 5, "task %d: counter starts at %d", id, tl_counter);
	CHECK(!strcmp(tl_name, "template"), "task %d: name", id);
	for (i = 0; i < (int)sizeof(tl_zero); i++)
		CHECK(tl_zero[i] == 0, "task %d: tbss byte %d", id, i);
	tl_counter = 1000 * id;
	tl_name = mine;
	memset(tl_zero, id, sizeof(tl_zero));
	errno = id;
	for (round = 0; round < 20; round++) {
		mapp_yield();
		mapp_sleep_ns(10000);
		CHECK(tl_counter == 1000 * id + round, "task %d: counter %d",
		      id, tl_counter);
		CHECK(tl_name == mine, "task %d: name moved", id);
		CHECK(tl_zero[99] == (char)id, "task %d: tbss changed", id);
		CHECK(errno == id, "task %d: errno %d", id, errno);
		tl_counter++;
	}
	return 0;
}

static int test_tls(void)
{
	mapp_t t[16];
	int i;

	tl_counter = -1; /* main's own copy */
	for (i = 0; i < 16; i++)
		CHECK(mapp_spawn(&t[i], "tls", tls_worker, (void *)(uintptr_t)i,
				 NULL) == 0,
		      "spawn");
	for (i = 0; i < 16; i++)
		mapp_join(t[i], NULL);
	CHECK(tl_counter == -1, "main's copy changed to %d", tl_counter);
	return failures != 0;
}

static uint64_t read_canary(void)
{
	uint64_t v;

	__asm__ volatile("mov %%fs:0x28, %0" : "=r"(v));
	return v;
}

static int canary_worker(void *arg)
{
	*(uint64_t *)arg = read_canary();
	return 0;
}

static int test_canary(void)
{
	uint64_t seen[4];
	mapp_t t[4];
	int i;

	for (i = 0; i < 4; i++)
		mapp_spawn(&t[i], "canary", canary_worker, &seen[i], NULL);
	for (i = 0; i < 4; i++) {
		mapp_join(t[i], NULL);
		CHECK(seen[i] == read_canary(), "canary differs in task %d", i);
	}
	CHECK(read_canary() != 0 && (read_canary() & 0xff) == 0, "canary %#lx",
	      (unsigned long)read_canary());
	return failures != 0;
}

/* noipa: the compiler may not see the overrun coming. */
__attribute__((noinline, noipa)) static void overrun(size_t n)
{
	char buf[16];

	memset(buf, 'A', n);
	__asm__ volatile("" : : "r"(buf) : "memory");
}

static int runs;

static int smasher(void *arg)
{
	(void)arg;
	if (++runs <= 2)
		overrun(64);
	return 0;
}

static int test_smash(void)
{
	struct mapp_policy policy = { MAPP_RESTART_ON_FAILURE, 5, 0 };
	struct mapp_exit ex;
	mapp_t sup;

	CHECK(mapp_supervise(&sup, "smasher", smasher, NULL, NULL, &policy) ==
		      0,
	      "supervise");
	mapp_join(sup, &ex);
	CHECK(runs == 3 && ex.restarts == 2 && !ex.faulted,
	      "runs %d restarts %u faulted %d", runs, ex.restarts, ex.faulted);
	return failures != 0;
}

int main(int argc, char **argv)
{
	int rc = 1;

	if (argc != 2) {
		printf("TEST FAIL: usage: tls|canary|smash|smash-main\n");
		return 1;
	}
	if (!strcmp(argv[1], "tls"))
		rc = test_tls();
	else if (!strcmp(argv[1], "canary"))
		rc = test_canary();
	else if (!strcmp(argv[1], "smash"))
		rc = test_smash();
	else if (!strcmp(argv[1], "smash-main"))
		overrun(64);
	if (rc == 0 && failures == 0)
		printf("TEST PASS\n");
	return rc;
}
