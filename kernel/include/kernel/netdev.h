/* SPDX-License-Identifier: MIT */
/*
 * Network devices, as the network stack sees them (drivers implement
 * them through <kernel/netdev_driver.h>). A device is named "eth0",
 * "eth1", ... in the order drivers registered them. It moves Ethernet
 * frames in struct netbuf (<kernel/netbuf.h>) without copying them:
 * received frames are the driver's buffers lent to the stack (they go
 * back to the driver when the stack puts them), transmitted frames are
 * the stack's buffers lent to the driver until the device is done.
 *
 * A device has nqueues queue pairs (one receive and one transmit queue
 * each), so that each CPU can have its own; queue q's calls are
 * serialised by the caller (one user per queue at a time), different
 * queues need no common lock.
 *
 * Flow: the stack opens the device with a client. When frames arrive on
 * queue q the driver calls client->nc_rx_ready(arg, q) from its
 * interrupt handler -- once, after which notifications for q stay off
 * until the stack has taken everything with netdev_rx() (which turns
 * them back on when it returns fewer than it was asked for). Transmit
 * posts frames with netdev_tx() and tells the device once per batch.
 * Completed transmissions are reclaimed (their netbufs put) by the
 * driver on later netdev_tx() calls and netdev_tx_pending(), and from its
 * interrupt while the queue is full; so a buffer of the last burst may
 * stay held until the next transmit (nothing waits for that), and a
 * driver need not interrupt for every frame sent.
 *
 * Errors are negative errno values: -ENODEV for a device that is not
 * open or has failed, -ENOBUFS for a full transmit queue, -EINVAL for a
 * bad argument, -EMSGSIZE for a frame the device cannot carry.
 */
#ifndef KERNEL_NETDEV_H
#define KERNEL_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/netbuf.h>

struct netdev;

#define NETDEV_NAME_MAX 16
#define NETDEV_QUEUES_MAX 16

/* Features (netdev_info.ni_features). */
#define NETDEV_F_TX_CSUM 0x1u /* honours NB_CSUM_PARTIAL */
#define NETDEV_F_RX_CSUM 0x2u /* sets NB_CSUM_VALID */
#define NETDEV_F_LINK 0x4u /* reports link state (else always up) */
#define NETDEV_F_TSO4                                                          \
	0x8u /* segments NB_GSO_TCPV4 super-frames (with                       \
	      * NETDEV_F_TX_CSUM) */

/* The largest IP packet of a super-frame: what the IP length field holds. */
#define NETDEV_TSO_MAX 65535u

struct netdev_info {
	char ni_name[NETDEV_NAME_MAX]; /* NUL-terminated */
	uint8_t ni_mac[6];
	uint16_t ni_mtu; /* largest IP packet: frame minus the 14-byte
			  * Ethernet header */
	uint32_t ni_features; /* NETDEV_F_* */
	unsigned int ni_nqueues; /* queue pairs, 1..NETDEV_QUEUES_MAX */
	uint16_t ni_tx_headroom; /* bytes the driver pushes in front of a
				  * frame; <= NETBUF_HEADROOM - 130 */
	uint16_t ni_tx_max_frags; /* most pieces in one TX frame (>= 2) */
	uint32_t ni_tso_max; /* NETDEV_F_TSO4: largest IP packet of a
			      * super-frame, mtu..NETDEV_TSO_MAX; else 0 */
};

/* The stack's side of an open device. Both hooks may run in interrupt
 * context: they must not sleep; waking a task is fine. */
struct netdev_client {
	/* Frames are waiting on queue q. */
	void (*nc_rx_ready)(void *arg, unsigned int q);
	/* The link went up or down (netdev_link_up() tells which). */
	void (*nc_link_change)(void *arg);
	/* Transmit room opened on queue q after netdev_tx() returned
	 * -ENOBUFS. Optional. */
	void (*nc_tx_ready)(void *arg, unsigned int q);
};

/* Registered devices: the count, and device i or NULL. */
unsigned int netdev_count(void);
struct netdev *netdev_get(unsigned int i);
/* The device named `name`, or NULL. */
struct netdev *netdev_find(const char *name);

/* The device's description; constant after registration. */
const struct netdev_info *netdev_info(const struct netdev *nd);

/* Whether the link is up (true for a device without NETDEV_F_LINK). */
bool netdev_link_up(const struct netdev *nd);

/*
 * Attaches the stack: receive buffers are posted and notifications
 * start. One client at a time: -EBUSY when already open. Thread context.
 */
int __must_check netdev_open(struct netdev *nd, const struct netdev_client *c,
			     void *arg);
/* Detaches: once it returns no notification reaches the client and no
 * frame is received; frames posted for transmit are put as soon as the
 * device is done with them (at once when it completed them). Frames
 * already handed to the stack stay valid. Thread context. */
void netdev_close(struct netdev *nd);

/*
 * Takes up to max received frames from queue q into out[] (each one
 * netbuf, nb_dev and nb_queue set, the caller's reference) and refills
 * the queue with receive buffers. Returns the number taken (0 when none),
 * re-enabling the rx_ready notification when it is below max; or
 * -ENODEV, or -EINVAL (q out of range, out NULL or max 0). Frames the
 * device marked bad, or too short or long, are dropped and counted,
 * never returned. Thread context.
 */
int netdev_rx(struct netdev *nd, unsigned int q, struct netbuf **out,
	      unsigned int max);

/*
 * Posts frame nb (a netbuf chain of at most ni_tx_max_frags pieces,
 * starting with the Ethernet header, at most mtu + 14 bytes -- or
 * ni_tso_max + 14 for an NB_GSO_TCPV4 super-frame --, the first piece
 * with ni_tx_headroom bytes of headroom) on queue q, taking over
 * the caller's reference. With `more` set the device is not told yet:
 * the next call without it (or netdev_tx_kick()) tells it once for the
 * whole batch. Returns 0, or a negative errno with nb still the
 * caller's (and unchanged): -ENOBUFS (queue full; the frames held back
 * by `more` are sent, and nc_tx_ready will follow), -EMSGSIZE, -EINVAL
 * (q out of range, too many pieces or too scattered in memory for the
 * device, shorter than an Ethernet header, headroom short, first piece
 * shared, NB_CSUM_PARTIAL on a device without NETDEV_F_TX_CSUM or with
 * offsets outside the frame; NB_GSO_TCPV4 on a device without
 * NETDEV_F_TSO4, without NB_CSUM_PARTIAL at the TCP checksum, with
 * headers not all in the first piece, no payload, or an nb_gso_size of 0
 * or whose segments would exceed the MTU), -ENODEV. Thread context.
 */
int __must_check netdev_tx(struct netdev *nd, unsigned int q, struct netbuf *nb,
			   bool more);
/* Tells the device about frames posted with `more`. */
void netdev_tx_kick(struct netdev *nd, unsigned int q);

/*
 * Frames netdev_tx() accepted on queue q that the device has not finished
 * sending (completions are collected first, so polling this sees progress
 * without an interrupt). Whoever ends the image waits for 0, or the last
 * frames die with it. 0 for a device that cannot tell, a bad q, or a
 * device that failed. Thread context.
 */
unsigned int netdev_tx_pending(struct netdev *nd, unsigned int q);

/* Counters since registration (monotonic; any context). */
struct netdev_stats {
	uint64_t nd_rx_packets, nd_rx_bytes;
	uint64_t nd_tx_packets, nd_tx_bytes;
	uint64_t nd_rx_dropped; /* bad, runt, over-long, no buffer */
	uint64_t nd_tx_errors;
	uint64_t nd_rx_irqs, nd_tx_irqs;
	uint64_t nd_tx_tso; /* NB_GSO_TCPV4 super-frames among nd_tx_packets */
};
void netdev_get_stats(const struct netdev *nd, struct netdev_stats *st);

#endif /* KERNEL_NETDEV_H */
