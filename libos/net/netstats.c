/* SPDX-License-Identifier: MIT */
/* <mosaic/netstats.h>: the stack's counters looked up by name. */
#include <errno.h>
#include <mosaic/netstats.h>
#include <string.h>

#include <net/counters.h>
#include <net/net.h>
#include <net/netd.h>

int mosaic_netstat(const char *name, unsigned long long *value)
{
	struct netstack *ns;

	if (!name || !value) {
		errno = EFAULT;
		return -1;
	}
	for (int c = 0; c < NC__COUNT; c++) {
		if (strcmp(net_counter_name((enum net_ctr)c), name) != 0)
			continue;
		net_lock();
		ns = net_stack();
		*value = ns ? ns->ns_ctr[c] : 0;
		net_unlock();
		return 0;
	}
	errno = ENOENT;
	return -1;
}
