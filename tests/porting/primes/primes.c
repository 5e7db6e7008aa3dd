/* SPDX-License-Identifier: MIT */
/*
 * primes: counts the primes below a limit with several threads, each
 * taking the next block of numbers from a shared counter, like a small
 * parallel utility would. Options: -n LIMIT (default 200000), -t THREADS
 * (default 4), -v (print each thread's share). A plain POSIX program.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 1000

static long limit = 200000;
static long next_block;
static long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int is_prime(long n)
{
	long d;

	if (n < 2)
		return 0;
	for (d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

static void *worker(void *arg)
{
	long mine = 0, start, n;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		start = next_block;
		next_block += BLOCK;
		pthread_mutex_unlock(&lock);
		if (start >= limit)
			break;
		for (n = start; n < start + BLOCK && n < limit; n++)
			mine += is_prime(n);
	}
	pthread_mutex_lock(&lock);
	total += mine;
	pthread_mutex_unlock(&lock);
	return (void *)mine;
}

static long number(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0) {
		fprintf(stderr, "primes: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	pthread_t t[64];
	int nthreads = 4, verbose = 0, opt, i;
	void *share;

	while ((opt = getopt(argc, argv, "n:t:v")) != -1) {
		switch (opt) {
		case 'n':
			limit = number(optarg, "limit");
			break;
		case 't':
			nthreads = (int)number(optarg, "thread count");
			if (nthreads > 64)
				nthreads = 64;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr,
				"usage: primes [-n LIMIT] [-t N] [-v]\n");
			return 2;
		}
	}
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&t[i], NULL, worker, NULL)) {
			fprintf(stderr, "primes: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], &share);
		if (verbose)
			printf("thread %d: %ld\n", i, (long)share);
	}
	printf("primes below %ld: %ld (%d threads)\n", limit, total, nthreads);
	return 0;
}
