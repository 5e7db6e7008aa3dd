/* SPDX-License-Identifier: MIT */
/* <unistd.h>, <sys/random.h> and arc4random for one appliance: the
 * console as descriptors 0-2, one process, the kernel's CSPRNG. */
#include <errno.h>
#include <mosaic/mapp.h>
#include <mosaic/memstats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <kernel/console.h>
#include <kernel/random.h>

#include "libc_impl.h"

static int badf(void)
{
	errno = EBADF;
	return -1;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (fd != STDOUT_FILENO && fd != STDERR_FILENO)
		return badf();
	/* stdio's own buffer first, so the order of output is kept. */
	fflush(fd == STDOUT_FILENO ? stdout : stderr);
	console_write(buf, len);
	return (ssize_t)len;
}

ssize_t read(int fd, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	if (fd != STDIN_FILENO)
		return badf();
	return 0; /* no input device yet: end of file */
}

int close(int fd)
{
	return fd >= 0 && fd <= 2 ? 0 : badf();
}

off_t lseek(int fd, off_t off, int whence)
{
	(void)off;
	(void)whence;
	if (fd < 0 || fd > 2)
		return badf();
	errno = ESPIPE;
	return -1;
}

int isatty(int fd)
{
	if (fd == STDOUT_FILENO || fd == STDERR_FILENO)
		return 1;
	errno = fd == STDIN_FILENO ? ENOTTY : EBADF;
	return 0;
}

int fsync(int fd)
{
	if (fd < 0 || fd > 2)
		return badf();
	libc_stdio_flush_all();
	return 0;
}

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
		return 3;
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

char *getcwd(char *buf, size_t size)
{
	if (!buf || size < 2) {
		errno = buf ? ERANGE : EINVAL;
		return NULL;
	}
	buf[0] = '/';
	buf[1] = '\0';
	return buf;
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
