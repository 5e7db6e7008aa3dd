/* SPDX-License-Identifier: MIT */
/*
 * Mosaic's TCP/IP stack: the core every protocol module shares.
 *
 * The core is a single-threaded state machine over one `struct netstack`
 * instance. Nothing in it sleeps, blocks or takes a lock: the caller
 * serialises every call on one instance (libos/net/netd.c holds the
 * stack's mutex around each entry; host tests are single-threaded). So
 * several instances can live side by side -- the host tests connect two
 * through an in-memory link.
 *
 * Entry points, all with the instance serialised:
 *  - ether_input(ni, nb): a frame received on interface ni;
 *  - netstack_run_timers(ns, now): expired timers (netstack_next_deadline
 *    says when the next one is due);
 *  - netstack_process(ns): packets deferred inside the stack (loopback),
 *    called after any call that may have sent something;
 *  - the socket-facing calls of <net/udp.h> and <net/tcp.h>.
 * A protocol never calls back into a socket layer except through the
 * notify hook the socket registered (<net/sock.h> events).
 *
 * Byte order: IPv4 addresses are uint32_t in network order everywhere
 * (as in struct in_addr); ports are uint16_t in host order in every API
 * and converted only when a header is read or written.
 *
 * Every field of every packet is attacker-controlled: lengths are
 * checked against what was received before use, a malformed packet is
 * dropped and counted (net_count()), never trusted, never fatal.
 *
 * Memory: protocol state comes from net_alloc()/net_free(), which keep
 * ns_mem_bytes exact, so a test can check the stack returns to its
 * baseline; packets are netbufs (<kernel/netbuf.h>), counted there.
 *
 * Errors are negative errno values (<kernel/errno.h>).
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/netbuf.h>
#include <kernel/timerq.h>
#include <net/counters.h>

struct netstack;
struct arp_cache;

/* ---- The environment (libos/net/netd.c in the image; tests give their
 * own). */

/* Monotonic time in nanoseconds. */
uint64_t net_now_ns(void);
/* len bytes of cryptographically strong randomness. */
void net_random(void *buf, size_t len);

/* ---- Interfaces. */

#define NETIF_NAME_MAX 16

#define NETIF_UP 0x01u /* link up, may send */
#define NETIF_LOOPBACK 0x02u /* lo: IPv4 packets, no link layer */
#define NETIF_TX_CSUM 0x04u /* the device completes NB_CSUM_PARTIAL */
#define NETIF_RX_CSUM 0x08u /* the device sets NB_CSUM_VALID */
#define NETIF_CONFIGURED 0x10u /* has an address */
#define NETIF_TSO4 0x20u /* segments NB_GSO_TCPV4 super-frames */

struct netif {
	struct netstack *ni_stack;
	struct netif *ni_next; /* the stack's list */
	char ni_name[NETIF_NAME_MAX];
	uint8_t ni_mac[6];
	uint16_t ni_mtu; /* largest IP packet */
	uint32_t ni_flags; /* NETIF_* */
	uint32_t ni_addr; /* network order; 0 = none yet */
	uint32_t ni_mask; /* network order */
	uint32_t ni_gw; /* default gateway via this interface, or 0 */
	uint16_t ni_headroom; /* bytes the link below pushes (driver) */
	uint16_t ni_tx_frags; /* most netbufs in one frame; 0: no limit */
	uint32_t ni_tso_max; /* NETIF_TSO4: largest IP packet of a
			      * super-frame (<kernel/netbuf.h>) */
	/*
	 * Sends one frame: an Ethernet frame, or for NETIF_LOOPBACK an IPv4
	 * packet. Takes over nb whatever it returns: 0, or a negative errno
	 * when the frame was dropped (-ENOBUFS for a full queue).
	 */
	int (*ni_xmit)(struct netif *ni, struct netbuf *nb);
	void *ni_priv; /* the owner's */
	struct arp_cache *ni_arp; /* arp.c's */
};

/*
 * Adds ni (filled by the caller: name, mac, mtu, flags, xmit; address
 * fields may be 0 and set later with netif_set_addr) to the stack. For
 * an Ethernet interface this sets up its ARP cache. Returns 0 or
 * -ENOMEM. ni must stay valid until netif_remove().
 */
int __must_check netif_add(struct netstack *ns, struct netif *ni);
void netif_remove(struct netif *ni);
/* Sets address, mask and gateway (network order; addr 0 unconfigures).
 * An Ethernet interface announces a new address with a gratuitous ARP. */
void netif_set_addr(struct netif *ni, uint32_t addr, uint32_t mask,
		    uint32_t gw);
/* The link went up or down. */
void netif_set_up(struct netif *ni, bool up);
/* The stack's loopback interface (always present, 127.0.0.1/8). */
struct netif *netstack_loopback(struct netstack *ns);
/* The first interface (in order added) that is not the loopback, or
 * NULL. */
struct netif *netstack_first_netif(struct netstack *ns);

/* ---- The instance. */

struct ip_ctx;
struct udp_ctx;
struct tcp_ctx;

struct netstack {
	struct netif *ns_ifs; /* interfaces, loopback first */
	struct netif ns_lo;
	struct netbuf *ns_deferred; /* loopback packets to input */
	struct netbuf **ns_deferred_tail;
	struct timerq ns_timers;
	uint64_t ns_mem_bytes; /* net_alloc()ed and not freed */
	uint64_t ns_mem_limit; /* net_alloc() fails beyond (0: none) */
	uint64_t ns_ctr[NC__COUNT]; /* net_count() */
	/* Each module's state. */
	struct ip_ctx *ns_ip;
	struct udp_ctx *ns_udp;
	struct tcp_ctx *ns_tcp;
	void *ns_owner; /* the embedding layer's (netd, a test) */
};

/* Sets up an instance with its loopback interface. Returns 0 or -ENOMEM
 * (nothing to destroy then). */
int __must_check netstack_init(struct netstack *ns);
/* Frees everything: every pcb, queued packet, timer and interface
 * state (the netif structures themselves are their owners'). */
void netstack_destroy(struct netstack *ns);

/* Inputs packets deferred inside the stack (loopback), until none is
 * left. */
void netstack_process(struct netstack *ns);
/* Runs every timer due at `now`, earliest first. */
void netstack_run_timers(struct netstack *ns, uint64_t now);
/* When the earliest timer is due, or UINT64_MAX when none is armed. */
uint64_t netstack_next_deadline(const struct netstack *ns);

/* ---- Timers. */

struct net_timer {
	struct timer_node nt_node; /* the stack's */
	void (*nt_fn)(struct net_timer *t); /* runs from run_timers */
};

/* Zeroes t and sets its function. */
void net_timer_init(struct net_timer *t, void (*fn)(struct net_timer *t));
/* (Re)arms t to run at deadline (absolute, net_now_ns() clock). */
void net_timer_arm(struct netstack *ns, struct net_timer *t, uint64_t deadline);
/* Disarms t if armed. */
void net_timer_cancel(struct netstack *ns, struct net_timer *t);
static inline bool net_timer_armed(const struct net_timer *t)
{
	return timer_queued(&t->nt_node);
}

/* ---- Memory and counters. */

/* Zeroed memory charged to ns, or NULL (-ENOMEM for the caller). */
void *net_alloc(struct netstack *ns, size_t size);
/* Frees p, which net_alloc() gave with the same size. NULL is ignored. */
void net_free(struct netstack *ns, void *p, size_t size);

static inline void net_count(struct netstack *ns, enum net_ctr c)
{
	ns->ns_ctr[c]++;
}
/* The counter's name ("ip_bad_csum"). */
const char *net_counter_name(enum net_ctr c);

/* ---- Checksums (RFC 1071). */

/* Adds len bytes at p to a 32-bit running sum (any alignment, odd
 * lengths pad with a zero byte). */
uint32_t net_csum_add(uint32_t sum, const void *p, size_t len);
/* Folds a running sum to 16 bits and complements it: the field value
 * (in network order when the summed data were). */
uint16_t net_csum_fold(uint32_t sum);
/* The sum of the IPv4 pseudo-header (addresses in network order, len in
 * host order). */
uint32_t net_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto,
			 uint16_t len);
/* The sum over frame bytes [off, end) across nb's pieces. */
uint32_t net_csum_netbuf(const struct netbuf *nb, size_t off, uint32_t sum);

/* ---- Byte order helpers for headers (no alignment assumed). */

static inline uint16_t net_get16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] << 8 | b[1]);
}
static inline uint32_t net_get32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}
static inline void net_put16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}
static inline void net_put32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

#endif /* NET_NET_H */
