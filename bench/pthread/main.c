/* SPDX-License-Identifier: MIT */
/*
 * pthread costs, one source for both sides of bench/pthread.sh: in the
 * guest (QEMU -icount shift=0) the TSC counts instructions and the program
 * prints instructions per operation; on the host valgrind --tool=callgrind
 * counts two runs of different lengths and the script divides the
 * difference, so start-up cost cancels.
 */
#include <pthread.h>
#include <stdio.h>

#ifndef ROUNDS
#define ROUNDS 2000
#endif

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile long counter;

static void *nothing(void *arg)
{
	return arg;
}

static unsigned long long cycles(void)
{
	return __builtin_ia32_rdtsc();
}

int main(void)
{
	unsigned long long t0, t1, t2;
	pthread_t t;
	int i;

	/* Warm up: the first thread's stack, the mutex's first use. */
	pthread_create(&t, NULL, nothing, NULL);
	pthread_join(t, NULL);
	t0 = cycles();
	for (i = 0; i < ROUNDS; i++) {
		pthread_create(&t, NULL, nothing, NULL);
		pthread_join(t, NULL);
	}
	t1 = cycles();
	for (i = 0; i < ROUNDS * 50; i++) {
		pthread_mutex_lock(&m);
		counter++;
		pthread_mutex_unlock(&m);
	}
	t2 = cycles();
	printf("pthread_create+join: %llu instructions\n", (t1 - t0) / ROUNDS);
	printf("mutex lock+unlock: %llu instructions\n",
	       (t2 - t1) / (ROUNDS * 50));
	return 0;
}
