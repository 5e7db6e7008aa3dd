/* SPDX-License-Identifier: MIT */
/*
 * Integration test: virtio-rng feeds the kernel generator before main()
 * runs (the log line test.cfg expects comes from the driver's probe), and
 * getrandom() works on top. Two draws must differ. The device list of
 * <mosaic/dev.h> names the driver that took the device.
 */
#include <errno.h>
#include <mosaic/dev.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <itest.h>

int main(void)
{
	unsigned char a[32], b[32];
	struct mosaic_dev_info info;
	unsigned int i, n = mosaic_dev_count(), rng = 0;

	/* The device list: what the bus found and which driver took it. */
	for (i = 0; i < n; i++) {
		CHECK(mosaic_dev_info(i, &info) == 0, "dev %u", i);
		printf("dev: %s %04x:%04x class %02x.%02x driver %s\n",
		       info.name, info.vendor, info.device, info.class_code,
		       info.subclass, info.driver[0] ? info.driver : "none");
		rng += !strcmp(info.driver, "virtio-rng");
	}
	CHECK(mosaic_dev_info(n, &info) == -ENODEV, "past the end");
	printf("dev: %u devices, %u virtio-rng\n", n, rng);

	CHECK(getrandom(a, sizeof(a), 0) == (ssize_t)sizeof(a), "getrandom a");
	CHECK(getrandom(b, sizeof(b), 0) == (ssize_t)sizeof(b), "getrandom b");
	CHECK(memcmp(a, b, sizeof(a)) != 0, "two draws are equal");
	if (!failures)
		printf("TEST PASS\n");
	return failures ? 1 : 0;
}
