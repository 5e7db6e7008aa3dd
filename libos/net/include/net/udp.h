/* SPDX-License-Identifier: MIT */
/*
 * UDP (libos/net/udp.c): datagram pcbs for the socket layer, DHCP and
 * the DNS resolver. A pcb queues received datagrams up to its receive
 * buffer (NET_OPT_RCVBUF bytes of payload; beyond, new datagrams are
 * dropped and counted), each with its source. Sends go out at once
 * (there is no send queue): a datagram over 65507 bytes is -EMSGSIZE,
 * one over the MTU is fragmented by IP.
 *
 * Binding: (address, port); address 0 is every local address; port 0
 * picks a random free ephemeral port (49152-65535). Two pcbs may share
 * a port only if both set NET_OPT_REUSEADDR; a datagram goes to the pcb
 * with the most specific match (connected peer, then bound address).
 *
 * All calls are serialised with the stack (<net/net.h>).
 */
#ifndef NET_UDP_H
#define NET_UDP_H

#include <sys/types.h>

#include <net/ip.h>
#include <net/sock.h>

struct udp_pcb;

#define UDP_HLEN 8

int __must_check udp_init(struct netstack *ns);
void udp_fini(struct netstack *ns);
void udp_input(struct netstack *ns, const struct ip_rx *rx, struct netbuf *nb);
/* An ICMP error about a datagram we sent: inner is its IP header and at
 * least 8 bytes after it (len in all). */
void udp_icmp_error(struct netstack *ns, uint8_t type, uint8_t code,
		    const uint8_t *inner, size_t len);

/* A new unbound pcb; 0 or -ENOMEM. */
int __must_check udp_pcb_new(struct netstack *ns, struct udp_pcb **out);
/* Drops queued datagrams and frees the pcb. */
void udp_close(struct udp_pcb *pcb);
void udp_set_notify(struct udp_pcb *pcb, net_notify_fn fn, void *arg);

/* -EADDRINUSE, -EADDRNOTAVAIL (not a local address), -EINVAL (bound
 * already). */
int __must_check udp_bind(struct udp_pcb *pcb, uint32_t addr, uint16_t port);
/* Sets the default peer and filters input to it (binding first if
 * needed); addr 0 and port 0 dissolve the association. */
int __must_check udp_connect(struct udp_pcb *pcb, uint32_t addr, uint16_t port);
/* Sends through this interface only, allowing source 0.0.0.0 and
 * 255.255.255.255 as destination (DHCP). NULL undoes. */
void udp_set_netif(struct udp_pcb *pcb, struct netif *ni);

/*
 * Sends one datagram to (addr, port), or to the connected peer when addr
 * is 0. Binds an ephemeral port first if needed. Returns len, or
 * -EDESTADDRREQ, -EMSGSIZE, -EACCES (broadcast without
 * NET_OPT_BROADCAST), -ENETUNREACH, -ENOMEM, -ENOBUFS.
 */
ssize_t udp_sendto(struct udp_pcb *pcb, const void *buf, size_t len,
		   uint32_t addr, uint16_t port);
/*
 * Takes the oldest datagram (NET_MSG_PEEK: leaves it): copies up to len
 * bytes, sets *addr and *port (when not NULL) to its source, *trunc to
 * whether it was longer than len. Returns the bytes copied (the full
 * length with NET_MSG_TRUNC), or -EAGAIN when none is queued, or a
 * pending ICMP error of a connected pcb (-ECONNREFUSED...).
 */
ssize_t udp_recvfrom(struct udp_pcb *pcb, void *buf, size_t len, int flags,
		     uint32_t *addr, uint16_t *port, bool *trunc);
/* NET_POLLIN when a datagram or an error is queued, NET_POLLOUT always,
 * NET_POLLERR with a pending error. */
unsigned int udp_poll(struct udp_pcb *pcb);
/* The pending error (0 when none), cleared. */
int udp_take_error(struct udp_pcb *pcb);
int __must_check udp_setopt(struct udp_pcb *pcb, enum net_opt opt, int val);
int __must_check udp_getopt(struct udp_pcb *pcb, enum net_opt opt, int *val);
void udp_local(const struct udp_pcb *pcb, uint32_t *addr, uint16_t *port);
/* -ENOTCONN when not connected. */
int udp_remote(const struct udp_pcb *pcb, uint32_t *addr, uint16_t *port);

#endif /* NET_UDP_H */
