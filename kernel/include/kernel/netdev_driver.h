/* SPDX-License-Identifier: MIT */
/*
 * Network devices, as drivers implement them (the stack's view is
 * <kernel/netdev.h>, whose rules about queues, notifications and buffer
 * ownership the driver follows). A driver embeds struct netdev, zeroed,
 * in its state, fills nd_ops and nd_info (all but ni_name), may set the
 * link state with netdev_link_changed(), and calls netdev_register().
 * The layer checks arguments (queue index, open state, frame length and
 * piece count against nd_info) before the driver sees a call, and keeps
 * the counters the driver reports through netdev_count_*().
 */
#ifndef KERNEL_NETDEV_DRIVER_H
#define KERNEL_NETDEV_DRIVER_H

#include <kernel/netdev.h>

struct netdev_ops {
	/* Required: post receive buffers, enable notifications. */
	int (*open)(struct netdev *nd);
	/* Required: stop receiving and notifying, and put every netbuf it
	 * holds -- a frame the device may still read (transmit posted, not
	 * completed) when the device has finished with it, if the device
	 * cannot be stopped without being lost for good (virtio). */
	void (*close)(struct netdev *nd);
	/* Required: as netdev_rx(), arguments checked. */
	int (*rx)(struct netdev *nd, unsigned int q, struct netbuf **out,
		  unsigned int max);
	/* Required: as netdev_tx(), arguments checked. */
	int (*tx)(struct netdev *nd, unsigned int q, struct netbuf *nb,
		  bool more);
	/* Required. */
	void (*tx_kick)(struct netdev *nd, unsigned int q);
	/* Optional: as netdev_tx_pending(), arguments checked. */
	unsigned int (*tx_pending)(struct netdev *nd, unsigned int q);
};

/*
 * Locking: [I] set before netdev_register() (ni_name by it), then constant
 *          [a] atomic ops only
 *          [G] the layer's registry lock
 */
struct netdev {
	const struct netdev_ops *nd_ops; /* [I] */
	struct netdev_info nd_info; /* [I] */
	bool nd_link_up; /* [a] the driver's, updated with
			  * netdev_link_changed() */
	/* The layer's. */
	const struct netdev_client *nd_client; /* [a], set under [G] */
	void *nd_client_arg; /* [G], written before nd_client */
	bool nd_open; /* [a], set under [G] */
	uint32_t nd_busy; /* [a] client notifications running now */
	struct netdev_stats nd_stats; /* [a] */
	unsigned int nd_index; /* [I] */
};

/*
 * Names nd ("eth" + its index) and makes it visible; nd lives for ever.
 * Returns 0, -EINVAL for an inconsistent nd_info (no queues or too many,
 * mtu below 576 or above 65521, headroom too large, fewer than two
 * pieces; NETDEV_F_TSO4 without NETDEV_F_TX_CSUM or with ni_tso_max
 * outside mtu..NETDEV_TSO_MAX, or ni_tso_max set without it), -ENOSPC
 * past 16 devices. Thread context (a driver's probe).
 */
int __must_check netdev_register(struct netdev *nd);

/* Driver to client notifications (any context). */
void netdev_rx_ready(struct netdev *nd, unsigned int q);
void netdev_tx_ready(struct netdev *nd, unsigned int q);
/* Sets nd_link_up and tells the client if it changed. */
void netdev_link_changed(struct netdev *nd, bool up);

/* Counters (any context). */
void netdev_count_rx(struct netdev *nd, size_t bytes);
void netdev_count_tx(struct netdev *nd, size_t bytes);
void netdev_count_rx_drop(struct netdev *nd);
void netdev_count_tx_error(struct netdev *nd);
void netdev_count_irq(struct netdev *nd, bool rx);

#endif /* KERNEL_NETDEV_DRIVER_H */
