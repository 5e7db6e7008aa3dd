/* SPDX-License-Identifier: MIT */
/*
 * Integration test: the application's status reaches the host.
 * `return N` returns N from main; `exit N` calls exit(N) after
 * registering atexit handlers that must run last-registered first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Registered first, so it runs last: what it prints stays in the stdout
 * buffer (no newline), and only exit()'s flush can bring it out. */
static void last(void)
{
	printf("unflushed");
}

static void first(void)
{
	printf("atexit first\n");
}

static void second(void)
{
	printf("atexit second\n");
}

static int parse(const char *s)
{
	int v = 0, sign = 1;

	if (*s == '-') {
		sign = -1;
		s++;
	}
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return sign * v;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		printf("TEST FAIL: usage: exit return|exit N\n");
		return 1;
	}
	printf("TEST PASS\n");
	if (strcmp(argv[1], "exit") == 0) {
		atexit(last);
		atexit(first);
		atexit(second);
		exit(parse(argv[2]));
	}
	return parse(argv[2]);
}
