/* SPDX-License-Identifier: MIT */
/*
 * DHCP client for one interface (libos/net/dhcp.c), RFC 2131: DISCOVER,
 * OFFER, REQUEST, ACK (a NAK restarts), then RENEWING at T1 (unicast to
 * the server) and REBINDING at T2 (broadcast); a lease that expires
 * unconfigures the interface and the client starts again.
 *
 * Messages are retransmitted after 4, 8, 16, 32, then 64 seconds (each
 * +-1 s at random, RFC 2131 section 4.1). If no lease is bound within
 * DHCP_TIMEOUT_NS the client reports it (on_change, and dhcp_get_lease()
 * says -ETIMEDOUT) and keeps trying in the background every 64 s.
 *
 * Not done: ARP probing of the offered address (no DHCPDECLINE), INIT-
 * REBOOT of a remembered address, DHCPRELEASE, options beyond the subnet
 * mask, one router, up to DHCP_DNS_MAX DNS servers and the lease times;
 * RFC 3396 long options (a repeated option makes the message invalid).
 *
 * Every reply is untrusted: a malformed one, or one not for us (xid,
 * chaddr, op, hardware type), is dropped and counted as NC_dhcp_bad.
 * All calls are serialised with the stack (<net/net.h>).
 */
#ifndef NET_DHCP_H
#define NET_DHCP_H

#include <stdint.h>

#include <kernel/compiler.h>
#include <net/net.h>

#define DHCP_DNS_MAX 3
/* No lease within this long after the start (or after losing one) is
 * reported as a failure. */
#define DHCP_TIMEOUT_NS (30ull * 1000000000)
/* A lease time that never ends. */
#define DHCP_INFINITE 0xffffffffu

struct dhcp_client;

/* A lease: addresses in network order, times in seconds. */
struct dhcp_lease {
	uint32_t dl_addr;
	uint32_t dl_mask; /* from the server, or the address's class */
	uint32_t dl_gw; /* 0 when none was given on the subnet */
	uint32_t dl_server; /* the server identifier */
	uint32_t dl_dns[DHCP_DNS_MAX];
	unsigned int dl_ndns;
	uint32_t dl_lease_s; /* DHCP_INFINITE: never ends */
	uint32_t dl_t1_s, dl_t2_s; /* renew, rebind (T1 < T2 < lease) */
	uint64_t dl_start_ns; /* net_now_ns() when it began */
};

/*
 * Starts a client on Ethernet interface ni of ns: opens a UDP pcb on
 * port 68 and sends the first DISCOVER at once. When a lease is bound
 * the client sets ni's address, mask and gateway (netif_set_addr); when
 * it is lost it sets them to 0. After either, and when the first
 * attempt times out, it calls on_change(arg) (from within a stack call:
 * the callee may call dhcp_get_lease() but must not call into the stack
 * otherwise). Renewals that change nothing do not call it.
 * Returns 0 and *out, or -ENOMEM, or an error of udp_bind() (port 68 in
 * use: -EADDRINUSE).
 */
int __must_check dhcp_start(struct netstack *ns, struct netif *ni,
			    void (*on_change)(void *arg), void *arg,
			    struct dhcp_client **out);

/* Stops the client and frees it. The interface keeps its address
 * (caller's choice to clear it); no DHCPRELEASE is sent. */
void dhcp_stop(struct dhcp_client *dc);

/*
 * The lease in force: 0 and *out, or -EAGAIN (none yet, still trying),
 * or -ETIMEDOUT (none within DHCP_TIMEOUT_NS; still trying).
 */
int dhcp_get_lease(const struct dhcp_client *dc, struct dhcp_lease *out);

#endif /* NET_DHCP_H */
