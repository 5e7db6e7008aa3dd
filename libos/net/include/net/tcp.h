/* SPDX-License-Identifier: MIT */
/*
 * TCP (libos/net/tcp*.c): RFC 9293 connections for the socket layer.
 *
 * What it does: the full state machine (simultaneous open and close,
 * TIME_WAIT, the RST rules), RFC 6298 retransmission timer, NewReno
 * congestion control (RFC 5681, 6582), window scaling and timestamps
 * (RFC 7323), delayed ACK, Nagle (off with NET_OPT_NODELAY), keep-alive,
 * MSS negotiation from the route MTU, RFC 6528 initial sequence numbers,
 * random ephemeral ports, RFC 5961 challenge ACKs, a bounded SYN backlog
 * with SYN cookies when it is full, and bounded memory per connection
 * (send and receive buffers, NET_OPT_SNDBUF / NET_OPT_RCVBUF, plus a
 * bounded out-of-order queue).
 *
 * The pcb is the socket's handle. A listening pcb queues established
 * children until tcp_accept() takes them. tcp_close() gives the pcb back
 * to the stack: the connection finishes on its own (FIN after the queued
 * data, then FIN_WAIT/TIME_WAIT) and the stack frees it; the caller never
 * touches it again. A connection that reaches TIME_WAIT while its socket
 * is still open leaves the 2*MSL wait to a small record of its own: the
 * pcb then reports TCP_TIME_WAIT (POLLHUP) until tcp_close() frees it.
 *
 * All calls are serialised with the stack (<net/net.h>). None blocks:
 * where a socket would wait they return -EAGAIN (or -EINPROGRESS) and
 * the notify hook says when to try again.
 */
#ifndef NET_TCP_H
#define NET_TCP_H

#include <sys/types.h>

#include <net/ip.h>
#include <net/sock.h>

struct tcp_pcb;

/* RFC 9293 states, for tcp_state() and tests. */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

int __must_check tcp_init(struct netstack *ns);
/* Frees every pcb and queued segment. */
void tcp_fini(struct netstack *ns);
void tcp_input(struct netstack *ns, const struct ip_rx *rx, struct netbuf *nb);
/* An ICMP error about a segment we sent (inner: its IP header and at
 * least 8 bytes after it, len in all): soft errors are remembered,
 * "fragmentation needed" lowers the MSS. */
void tcp_icmp_error(struct netstack *ns, uint8_t type, uint8_t code,
		    const uint8_t *inner, size_t len);

/* A new closed pcb; 0 or -ENOMEM. */
int __must_check tcp_pcb_new(struct netstack *ns, struct tcp_pcb **out);
void tcp_set_notify(struct tcp_pcb *pcb, net_notify_fn fn, void *arg);

/* -EADDRINUSE, -EADDRNOTAVAIL, -EINVAL (not closed or already bound).
 * Port 0: a random free ephemeral port. */
int __must_check tcp_bind(struct tcp_pcb *pcb, uint32_t addr, uint16_t port);
/* Binds an ephemeral port first if needed; backlog is clamped to
 * 1..TCP_BACKLOG_MAX. Calling it again on a listener changes the
 * backlog. */
int __must_check tcp_listen(struct tcp_pcb *pcb, int backlog);
#define TCP_BACKLOG_MAX 4096
/* The oldest established child (a new pcb, notify unset); -EAGAIN when
 * none, -EINVAL when not listening. */
int __must_check tcp_accept(struct tcp_pcb *pcb, struct tcp_pcb **out);
/* Sends the SYN: -EINPROGRESS (POLLOUT when established, POLLERR with
 * tcp_take_error() on failure), or -EISCONN, -EALREADY, -ENETUNREACH,
 * -EADDRNOTAVAIL, -ENOMEM. */
int __must_check tcp_connect(struct tcp_pcb *pcb, uint32_t addr, uint16_t port);

/*
 * Queues up to len bytes (copied) for sending; returns the number queued
 * (>= 1), or -EAGAIN when the send buffer is full, -ENOTCONN before the
 * connection is established, -EPIPE after shutdown(SHUT_WR) or the
 * connection ended, or the connection's error (-ECONNRESET...).
 */
ssize_t tcp_send(struct tcp_pcb *pcb, const void *buf, size_t len, int flags);
/*
 * Queues netbuf nb's bytes (one piece, not copied: the zero-copy path;
 * the stack references it until they are acknowledged, and the bytes
 * must not change until then). Takes nb; the caller may hold other
 * references (a shared nb is queued through a slice). Returns its
 * length or an error as tcp_send() (nb put then), -EINVAL for more
 * than one piece; a partial queue is never done: -EAGAIN when it does
 * not fit whole.
 */
ssize_t tcp_send_netbuf(struct tcp_pcb *pcb, struct netbuf *nb);
/* Bytes the send buffer has room for now (what tcp_send_netbuf takes). */
size_t tcp_send_room(const struct tcp_pcb *pcb);
/*
 * Copies up to len received bytes (NET_MSG_PEEK: leaves them) and opens
 * the window as room frees. Returns the count, 0 at end of stream (FIN
 * received and everything read), -EAGAIN when nothing is ready,
 * -ENOTCONN, or the connection's error.
 */
ssize_t tcp_recv(struct tcp_pcb *pcb, void *buf, size_t len, int flags);
/* how: 0 SHUT_RD, 1 SHUT_WR (FIN after queued data), 2 both. -ENOTCONN
 * when not connected. */
int tcp_shutdown(struct tcp_pcb *pcb, int how);
/*
 * The socket is gone. With unread received data or NET_OPT_LINGER 0 the
 * connection is reset; otherwise it closes gracefully. A listener resets
 * its unaccepted children. The stack frees the pcb when done.
 */
void tcp_close(struct tcp_pcb *pcb);
/* Resets the connection (RST) and frees the pcb. */
void tcp_abort(struct tcp_pcb *pcb);

/*
 * Ready events: NET_POLLIN (data, FIN, or a child to accept),
 * NET_POLLOUT (established with send room), NET_POLLRDHUP (FIN
 * received), NET_POLLHUP (both directions closed or reset),
 * NET_POLLERR (an error is pending).
 */
unsigned int tcp_poll(struct tcp_pcb *pcb);
/* The pending error (0 when none), cleared (SO_ERROR). */
int tcp_take_error(struct tcp_pcb *pcb);
int __must_check tcp_setopt(struct tcp_pcb *pcb, enum net_opt opt, int val);
int __must_check tcp_getopt(struct tcp_pcb *pcb, enum net_opt opt, int *val);
void tcp_local(const struct tcp_pcb *pcb, uint32_t *addr, uint16_t *port);
/* -ENOTCONN when there is no peer. */
int tcp_remote(const struct tcp_pcb *pcb, uint32_t *addr, uint16_t *port);
enum tcp_state tcp_state(const struct tcp_pcb *pcb);
/* Bytes queued and not yet acknowledged by the peer (SO_LINGER). */
size_t tcp_unacked(const struct tcp_pcb *pcb);
/*
 * Connections, closed sockets' included, with data or a FIN the peer has
 * not acknowledged yet: what would be lost if the image ended now.
 * Closing returns at once and the stack finishes the connection later,
 * so whoever ends the image waits for this to reach 0 first.
 */
unsigned int tcp_sending(const struct netstack *ns);

/* Memory one connection holds beyond its buffered data (the figure
 * the note reports), and counts for tests. */
size_t tcp_pcb_size(void);
unsigned int tcp_pcb_count(const struct netstack *ns);

#endif /* NET_TCP_H */
