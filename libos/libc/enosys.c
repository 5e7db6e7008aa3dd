/* SPDX-License-Identifier: MIT */
/* The one-time "not available" notice of libc's ENOSYS stubs. */
#include <errno.h>
#include <stdio.h>

#include "enosys_impl.h"

int libc_enosys(bool *said, const char *name, const char *why)
{
	if (!__atomic_exchange_n(said, true, __ATOMIC_RELAXED))
		fprintf(stderr, "mosaic: %s() is not available (ENOSYS): %s\n",
			name, why);
	errno = ENOSYS;
	return -1;
}
