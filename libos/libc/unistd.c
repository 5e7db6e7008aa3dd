/* SPDX-License-Identifier: MIT */
/* <unistd.h>, <sys/random.h> and arc4random for one appliance: one
 * process, the kernel's CSPRNG. The descriptor calls are in file.c. */
#include <errno.h>
#include <mosaic/mapp.h>
#include <mosaic/memstats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <fs/fd.h>
#include <kernel/random.h>

#include "libc_impl.h"

pid_t getpid(void)
{
	return 1;
}

pid_t getppid(void)
{
	return 0;
}

uid_t getuid(void)
{
	return 0;
}

uid_t geteuid(void)
{
	return 0;
}

gid_t getgid(void)
{
	return 0;
}

gid_t getegid(void)
{
	return 0;
}

void _exit(int status)
{
	_Exit(status);
}

long sysconf(int name)
{
	struct mosaic_memstats ms;

	switch (name) {
	case _SC_CLK_TCK:
		return 100;
	case _SC_OPEN_MAX:
		return FD_MAX;
	case _SC_PAGESIZE:
		return 4096;
	case _SC_NPROCESSORS_CONF:
	case _SC_NPROCESSORS_ONLN:
		return (long)mapp_ncpus();
	case _SC_PHYS_PAGES:
	case _SC_AVPHYS_PAGES:
		if (mosaic_memstats(&ms))
			return -1;
		return (long)(name == _SC_PHYS_PAGES ? ms.ms_total_pages
						     : ms.ms_free_pages);
	default:
		errno = EINVAL;
		return -1;
	}
}

int getpagesize(void)
{
	return 4096;
}

int gethostname(char *name, size_t len)
{
	static const char host[] = "mosaic";

	if (len < sizeof(host)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, host, sizeof(host));
	return 0;
}

int getentropy(void *buf, size_t len)
{
	if (len > 256) {
		errno = EIO;
		return -1;
	}
	random_bytes(buf, len);
	return 0;
}

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) {
		errno = EINVAL;
		return -1;
	}
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	random_bytes(buf, len);
	return (ssize_t)len;
}

uint32_t arc4random(void)
{
	uint32_t v;

	random_bytes(&v, sizeof(v));
	return v;
}

void arc4random_buf(void *buf, size_t len)
{
	random_bytes(buf, len);
}

uint32_t arc4random_uniform(uint32_t n)
{
	uint32_t v, floor;

	if (n < 2)
		return 0;
	/* Reject the low values that would make v % n uneven. */
	floor = -n % n;
	do
		v = arc4random();
	while (v < floor);
	return v % n;
}
