/* SPDX-License-Identifier: MIT */
/*
 * What is left of the storage stubs: uname(). The file calls are in
 * file.c, pipes in poll.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

static void copy_field(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n >= _UTSNAME_LENGTH)
		n = _UTSNAME_LENGTH - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int uname(struct utsname *u)
{
	memset(u, 0, sizeof(*u));
	copy_field(u->sysname, "Mosaic");
	if (gethostname(u->nodename, sizeof(u->nodename)))
		copy_field(u->nodename, "mosaic");
	copy_field(u->release, "0.1");
	copy_field(u->version, "#1 " __DATE__);
	copy_field(u->machine, "x86_64");
	copy_field(u->domainname, "(none)");
	return 0;
}
