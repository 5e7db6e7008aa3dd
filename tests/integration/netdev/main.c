/* SPDX-License-Identifier: MIT */
/*
 * Integration test: virtio-net is probed on each transport before main()
 * runs (test.cfg expects the driver's line naming eth0, its MAC, MTU and
 * interrupt kind) and the device list of <mosaic/dev.h> names the driver
 * that took it. With "mailbox" the guest also serves tools/testrun's
 * client plumbing: it prints its ready line (with the port the harness
 * chose, passed on the command line) and waits, polling its first disk,
 * until the client on the host writes "go" there -- so the client runs
 * while the guest lives, and the guest exits by itself afterwards.
 */
#include <errno.h>
#include <mosaic/blk.h>
#include <mosaic/dev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <itest.h>

#define MAILBOX_WAIT_NS 60000000000ull
#define MAILBOX_POLL_NS 10000000l

static void list_devices(void)
{
	struct mosaic_dev_info info;
	unsigned int i, n = mosaic_dev_count(), net = 0;

	for (i = 0; i < n; i++) {
		CHECK(mosaic_dev_info(i, &info) == 0, "dev %u", i);
		printf("dev: %s %04x:%04x class %02x.%02x driver %s\n",
		       info.name, info.vendor, info.device, info.class_code,
		       info.subclass, info.driver[0] ? info.driver : "none");
		net += !strcmp(info.driver, "virtio-net");
	}
	CHECK(mosaic_dev_info(n, &info) == -ENODEV, "past the end");
	printf("dev: %u devices, %u virtio-net\n", n, net);
}

/* Waits (bounded) until the host wrote "go" at the start of vda. */
static void mailbox(const char *port)
{
	static char buf[512];
	struct timespec pause = { 0, MAILBOX_POLL_NS };
	uint64_t end = now_ns() + MAILBOX_WAIT_NS;
	mosaic_blk_t bd;

	CHECK(mosaic_blk_open("vda", &bd) == 0, "no mailbox disk");
	if (failures)
		return;
	printf("netdev: ready, port %s\n", port);
	while (now_ns() < end) {
		CHECK(mosaic_blk_read(bd, 0, buf, sizeof(buf)) == 0, "read");
		if (failures || !memcmp(buf, "go", 2))
			break;
		nanosleep(&pause, NULL);
	}
	CHECK(!memcmp(buf, "go", 2), "the client never wrote the mailbox");
	printf("netdev: the client is done\n");
}

int main(int argc, char **argv)
{
	list_devices();
	if (argc > 2 && !strcmp(argv[1], "mailbox"))
		mailbox(argv[2]);
	if (!failures)
		printf("TEST PASS\n");
	return failures ? 1 : 0;
}
