/* SPDX-License-Identifier: MIT */
/*
 * <sys/mman.h> over the kernel's anonymous mappings (<kernel/mmap.h>):
 * checks what POSIX lets an application ask for and refuses what the
 * kernel does not offer (files, sharing).
 */
#include <sys/mman.h>

#include <stdbool.h>
#include <stdint.h>

#include <errno.h>

#include <kernel/errno.h>
#include <kernel/mmap.h>

#define MAP_KNOWN (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS)

/* 0 when flags, fd and off ask for anonymous private memory. */
static int map_args_check(int flags, int fd, off_t off)
{
	if ((flags & ~MAP_KNOWN) || (flags & MAP_SHARED) ||
	    !(flags & MAP_PRIVATE) || off != 0)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) || fd != -1)
		return -EBADF;
	return 0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	uintptr_t va;
	int rc;

	rc = map_args_check(flags, fd, off);
	if (!rc)
		rc = mmap_anon((uintptr_t)addr, len, (unsigned int)prot,
			       (flags & MAP_FIXED) != 0, &va);
	if (rc) {
		errno = -rc;
		return MAP_FAILED;
	}
	return (void *)va;
}

int munmap(void *addr, size_t len)
{
	int rc = mmap_unmap((uintptr_t)addr, len);

	if (rc) {
		errno = -rc;
		return -1;
	}
	return 0;
}

int mprotect(void *addr, size_t len, int prot)
{
	int rc = mmap_protect((uintptr_t)addr, len, (unsigned int)prot);

	if (rc) {
		errno = -rc;
		return -1;
	}
	return 0;
}
