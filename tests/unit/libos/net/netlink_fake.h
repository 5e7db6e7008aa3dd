/* SPDX-License-Identifier: MIT */
/*
 * Ethernet interfaces for the network stack's host tests
 * (netlink_fake.c).
 *
 * A fake_port is a struct netif whose ni_xmit copies each frame into a
 * private, single-piece netbuf (completing an NB_CSUM_PARTIAL checksum
 * first when the port offers NETIF_TX_CSUM, as a device would). What
 * happens next depends on how the port was set up:
 *
 *  - fake_port_init(): a capture port. Frames queue on the port; the
 *    test takes them with fake_port_take() and checks their bytes.
 *    Frames to feed the stack go straight to ether_input(&p->fp_ni, nb).
 *
 *  - fake_link_init(): two ports wired together (fl_a, fl_b), each added
 *    to its own struct netstack. A frame sent on one end is "in flight"
 *    until fake_link_deliver() hands it to the other end's ether_input().
 *    On the way a seeded PRNG (the link's own, so runs repeat) drops,
 *    duplicates, reorders or corrupts frames with the per-mille
 *    probabilities fl_loss_pm, fl_dup_pm, fl_reorder_pm and
 *    fl_corrupt_pm (0 by default: a perfect wire). Each event is
 *    counted in the link's fl_* counters.
 *
 * Typical two-stack loop (time from tests/unit/fakes/fake_netenv.h):
 *
 *	fake_link_init(&l, 42);
 *	netif_add(&a, &l.fl_a.fp_ni); netif_add(&b, &l.fl_b.fp_ni);
 *	netif_set_addr(&l.fl_a.fp_ni, ...); netif_set_addr(&l.fl_b.fp_ni, ...);
 *	...start something...
 *	while (!done) {
 *		if (fake_link_run(&l, 1000) == 0)   // wire idle: time passes
 *			advance the fake clock to the earliest deadline of
 *			a and b and call netstack_run_timers() on both;
 *	}
 *	netstack_destroy(&a); netstack_destroy(&b); fake_link_fini(&l);
 *
 * Nothing here is re-entered: frames a stack sends while receiving are
 * queued for a later delivery round.
 */
#ifndef NETLINK_FAKE_H
#define NETLINK_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include <net/net.h>

struct fake_link;

struct fake_port {
	struct netif fp_ni; /* hand this to netif_add() */
	struct fake_link *fp_link; /* NULL for a capture port */
	/* Capture port: frames sent, oldest first. Link port: frames in
	 * flight towards this port. */
	struct netbuf *fp_q;
	struct netbuf **fp_qtail;
	unsigned int fp_qlen;
	/* Knobs and counts the test may read and set. */
	bool fp_xmit_fail; /* ni_xmit refuses every frame (-ENOBUFS) */
	uint64_t fp_tx_frames; /* frames accepted by ni_xmit */
	uint64_t fp_tx_oversize; /* refused: longer than mtu + 14 */
};

struct fake_link {
	struct fake_port fl_a, fl_b;
	uint64_t fl_rng; /* the link's PRNG state */
	/* Knobs, in per mille of frames (0-1000). */
	unsigned int fl_loss_pm;
	unsigned int fl_dup_pm;
	unsigned int fl_reorder_pm; /* swapped with the frame before it */
	/* One random bit flipped past the Ethernet header (a real NIC's
	 * FCS drops frames damaged on the wire; what this stands for is
	 * damage the FCS cannot see, which IP and the transports must). */
	unsigned int fl_corrupt_pm;
	/* What the link did. */
	uint64_t fl_lost, fl_duped, fl_reordered, fl_corrupted;
	uint64_t fl_delivered;
};

/*
 * Sets up a capture port: name, MAC, MTU (the largest IP packet) and
 * NETIF_UP; every other netif field 0 (set ni_flags bits such as
 * NETIF_TX_CSUM before netif_add() if wanted).
 */
void fake_port_init(struct fake_port *p, const char *name, const uint8_t mac[6],
		    uint16_t mtu);
/* The oldest queued frame (the caller puts it), or NULL. */
struct netbuf *fake_port_take(struct fake_port *p);
/* Puts every queued frame. */
void fake_port_flush(struct fake_port *p);

/*
 * Sets up a link: fl_a ("a0", MAC 02:00:00:00:00:0a) and fl_b ("b0",
 * 02:00:00:00:00:0b), MTU 1500, up, knobs 0, PRNG seeded with seed.
 */
void fake_link_init(struct fake_link *l, uint64_t seed);
/*
 * Delivers the frames in flight when called (both directions, in order),
 * then runs netstack_process() on both stacks. Frames sent meanwhile
 * wait for the next call. Returns the number delivered.
 */
unsigned int fake_link_deliver(struct fake_link *l);
/* Calls fake_link_deliver() until nothing is in flight, at most
 * max_rounds times. Returns the frames delivered in all. */
unsigned int fake_link_run(struct fake_link *l, unsigned int max_rounds);
/* Frames in flight, both directions. */
unsigned int fake_link_inflight(const struct fake_link *l);
/* Puts the frames still in flight (after the stacks are destroyed). */
void fake_link_fini(struct fake_link *l);

#endif /* NETLINK_FAKE_H */
