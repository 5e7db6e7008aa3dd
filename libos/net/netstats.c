/* SPDX-License-Identifier: MIT */
/* <mosaic/netstats.h>: the stack's counters looked up by name, and a few
 * of the network devices' (<kernel/netdev.h>), summed over devices. */
#include <errno.h>
#include <mosaic/netstats.h>
#include <stddef.h>
#include <string.h>

#include <kernel/netdev.h>
#include <net/counters.h>
#include <net/net.h>
#include <net/netd.h>

static const struct {
	const char *name;
	size_t off;
} dev_ctrs[] = {
	{ "dev_tx_packets", offsetof(struct netdev_stats, nd_tx_packets) },
	{ "dev_tx_errors", offsetof(struct netdev_stats, nd_tx_errors) },
	{ "dev_tx_tso", offsetof(struct netdev_stats, nd_tx_tso) },
};

/* Device counter `name` summed over the devices; false for another name. */
static bool dev_counter(const char *name, unsigned long long *value)
{
	struct netdev_stats st;

	for (size_t i = 0; i < sizeof(dev_ctrs) / sizeof(dev_ctrs[0]); i++) {
		if (strcmp(dev_ctrs[i].name, name) != 0)
			continue;
		*value = 0;
		for (unsigned int d = 0; d < netdev_count(); d++) {
			netdev_get_stats(netdev_get(d), &st);
			*value += *(const uint64_t *)((const char *)&st +
						      dev_ctrs[i].off);
		}
		return true;
	}
	return false;
}

int mosaic_netstat(const char *name, unsigned long long *value)
{
	struct netstack *ns;

	if (!name || !value) {
		errno = EFAULT;
		return -1;
	}
	if (dev_counter(name, value))
		return 0;
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
