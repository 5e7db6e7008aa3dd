/* SPDX-License-Identifier: MIT */
/*
 * Integration test: virtio-rng feeds the kernel generator before main()
 * runs (the log line test.cfg expects comes from the driver's probe), and
 * getrandom() works on top. Two draws must differ.
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <itest.h>

int main(void)
{
	unsigned char a[32], b[32];

	CHECK(getrandom(a, sizeof(a), 0) == (ssize_t)sizeof(a), "getrandom a");
	CHECK(getrandom(b, sizeof(b), 0) == (ssize_t)sizeof(b), "getrandom b");
	CHECK(memcmp(a, b, sizeof(a)) != 0, "two draws are equal");
	if (!failures)
		printf("TEST PASS\n");
	return failures ? 1 : 0;
}
