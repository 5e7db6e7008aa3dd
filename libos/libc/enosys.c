/* SPDX-License-Identifier: MIT */
/* The one-time "not available yet" notice of libc's ENOSYS stubs. */
#include <errno.h>
#include <stdio.h>

#include "enosys_impl.h"

int libc_enosys(bool *said, const char *name, const char *issue)
{
	if (!__atomic_exchange_n(said, true, __ATOMIC_RELAXED))
		fprintf(stderr,
			"mosaic: %s() is not available yet (ENOSYS): it "
			"arrives with the %s issue\n",
			name, issue);
	errno = ENOSYS;
	return -1;
}
