/* SPDX-License-Identifier: MIT */
/*
 * UDP (RFC 768, RFC 1122 section 4.1) for the socket layer, DHCP and
 * DNS: pcbs with bounded receive queues, no send queue (<net/udp.h>).
 *
 * A received datagram is kept as its netbuf (nb_data at the payload,
 * source address and port in nb_priv); one in a driver's buffer is
 * copied first, so no receive buffer waits on a slow reader. A queue
 * holds at most NET_OPT_RCVBUF bytes of payload and UDP_RXQ_MAX
 * datagrams (so empty datagrams are bounded too). Only a connected pcb
 * hears of ICMP errors (as BSD does): an unconnected one cannot tell
 * which of its peers the error is about.
 */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/udp.h>

#define UDP_MAX_PAYLOAD (65535u - IP_HLEN - UDP_HLEN)
#define UDP_RCVBUF_DEFAULT (64u * 1024)
#define UDP_RCVBUF_MIN 256u
#define UDP_RCVBUF_MAX (4u * 1024 * 1024)
#define UDP_RXQ_MAX 256u
#define UDP_EPHEMERAL_FIRST 49152u
#define UDP_EPHEMERAL_COUNT (65536u - UDP_EPHEMERAL_FIRST)

struct udp_ctx {
	struct udp_pcb *uc_pcbs;
};

struct udp_pcb {
	struct udp_pcb *up_next; /* uc_pcbs */
	struct netstack *up_ns;
	uint32_t up_laddr; /* network order; 0: any */
	uint32_t up_raddr; /* connected peer, network order */
	uint16_t up_lport; /* 0: unbound */
	uint16_t up_rport; /* 0: not connected */
	bool up_reuseaddr;
	bool up_broadcast;
	bool up_laddr_auto; /* up_laddr chosen by connect */
	uint8_t up_ttl; /* 0: the default */
	uint8_t up_tos;
	struct netif *up_ni; /* udp_set_netif() */
	int up_err; /* pending ICMP error, negative */
	uint32_t up_rcvbuf; /* bytes of payload */
	uint32_t up_sndbuf; /* kept for getopt only */
	uint32_t up_rcvbytes; /* queued payload */
	unsigned int up_rxcount; /* queued datagrams */
	struct netbuf *up_rxq; /* oldest first */
	struct netbuf **up_rxtail;
	net_notify_fn up_notify;
	void *up_notify_arg;
};

/* A queued datagram's source (in nb_priv). */
#define DGRAM_ADDR(nb) ((uint32_t)(nb)->nb_priv[0])
#define DGRAM_PORT(nb) ((uint16_t)(nb)->nb_priv[1])

int udp_init(struct netstack *ns)
{
	ns->ns_udp = net_alloc(ns, sizeof(struct udp_ctx));
	return ns->ns_udp != NULL ? 0 : -ENOMEM;
}

void udp_fini(struct netstack *ns)
{
	if (ns->ns_udp == NULL)
		return;
	while (ns->ns_udp->uc_pcbs != NULL)
		udp_close(ns->ns_udp->uc_pcbs);
	net_free(ns, ns->ns_udp, sizeof(struct udp_ctx));
	ns->ns_udp = NULL;
}

static void udp_notify(struct udp_pcb *pcb, unsigned int events)
{
	if (pcb->up_notify != NULL)
		pcb->up_notify(pcb->up_notify_arg, events);
}

/* ---- pcbs. */

int udp_pcb_new(struct netstack *ns, struct udp_pcb **out)
{
	struct udp_pcb *pcb = net_alloc(ns, sizeof(*pcb));

	if (pcb == NULL)
		return -ENOMEM;
	pcb->up_ns = ns;
	pcb->up_rcvbuf = UDP_RCVBUF_DEFAULT;
	pcb->up_sndbuf = UDP_MAX_PAYLOAD;
	pcb->up_rxtail = &pcb->up_rxq;
	pcb->up_next = ns->ns_udp->uc_pcbs;
	ns->ns_udp->uc_pcbs = pcb;
	*out = pcb;
	return 0;
}

static struct netbuf *udp_dequeue(struct udp_pcb *pcb)
{
	struct netbuf *nb = pcb->up_rxq;

	pcb->up_rxq = nb->nb_next;
	if (pcb->up_rxq == NULL)
		pcb->up_rxtail = &pcb->up_rxq;
	nb->nb_next = NULL;
	pcb->up_rcvbytes -= nb->nb_len;
	pcb->up_rxcount--;
	return nb;
}

void udp_close(struct udp_pcb *pcb)
{
	struct netstack *ns = pcb->up_ns;

	for (struct udp_pcb **pp = &ns->ns_udp->uc_pcbs; *pp != NULL;
	     pp = &(*pp)->up_next) {
		if (*pp == pcb) {
			*pp = pcb->up_next;
			break;
		}
	}
	while (pcb->up_rxq != NULL)
		netbuf_put(udp_dequeue(pcb));
	net_free(ns, pcb, sizeof(*pcb));
}

void udp_set_notify(struct udp_pcb *pcb, net_notify_fn fn, void *arg)
{
	pcb->up_notify = fn;
	pcb->up_notify_arg = arg;
}

/* Whether binding pcb to (addr, port) clashes with another pcb. */
static bool udp_port_clash(const struct udp_pcb *pcb, uint32_t addr,
			   uint16_t port)
{
	for (const struct udp_pcb *o = pcb->up_ns->ns_udp->uc_pcbs; o != NULL;
	     o = o->up_next) {
		if (o == pcb || o->up_lport != port)
			continue;
		if (o->up_laddr != 0 && addr != 0 && o->up_laddr != addr)
			continue;
		if (!(o->up_reuseaddr && pcb->up_reuseaddr))
			return true;
	}
	return false;
}

/* A free ephemeral port for addr, from a random start; 0 if none. */
static uint16_t udp_pick_port(const struct udp_pcb *pcb, uint32_t addr)
{
	uint16_t r;

	net_random(&r, sizeof(r));
	for (unsigned int i = 0; i < UDP_EPHEMERAL_COUNT; i++) {
		uint16_t port = (uint16_t)(UDP_EPHEMERAL_FIRST +
					   (r + i) % UDP_EPHEMERAL_COUNT);
		if (!udp_port_clash(pcb, addr, port))
			return port;
	}
	return 0;
}

int udp_bind(struct udp_pcb *pcb, uint32_t addr, uint16_t port)
{
	if (pcb->up_lport != 0)
		return -EINVAL;
	if (addr != 0 && !ip_is_local(pcb->up_ns, addr))
		return -EADDRNOTAVAIL;
	if (port == 0)
		port = udp_pick_port(pcb, addr);
	else if (udp_port_clash(pcb, addr, port))
		port = 0;
	if (port == 0)
		return -EADDRINUSE;
	pcb->up_laddr = addr;
	pcb->up_lport = port;
	return 0;
}

static bool udp_is_bcast(struct udp_pcb *pcb, uint32_t addr)
{
	return ip_is_broadcast(pcb->up_ns, addr);
}

int udp_connect(struct udp_pcb *pcb, uint32_t addr, uint16_t port)
{
	uint32_t nexthop;

	if (addr == 0 && port == 0) {
		pcb->up_raddr = 0;
		pcb->up_rport = 0;
		if (pcb->up_laddr_auto) {
			pcb->up_laddr = 0;
			pcb->up_laddr_auto = false;
		}
		return 0;
	}
	if (addr == 0 || port == 0)
		return -EINVAL;
	if (udp_is_bcast(pcb, addr) && !pcb->up_broadcast)
		return -EACCES;
	if (pcb->up_ni == NULL && ip_route(pcb->up_ns, addr, &nexthop) == NULL)
		return -ENETUNREACH;
	if (pcb->up_lport == 0) {
		int err = udp_bind(pcb, 0, 0);
		if (err != 0)
			return err;
	}
	/* Like BSD: a connected pcb is bound to the address it sends
	 * from, so getsockname() tells it. */
	if (pcb->up_laddr == 0 && pcb->up_ni == NULL &&
	    !udp_is_bcast(pcb, addr)) {
		pcb->up_laddr = ip_source_for(pcb->up_ns, addr);
		pcb->up_laddr_auto = pcb->up_laddr != 0;
	}
	pcb->up_raddr = addr;
	pcb->up_rport = port;
	pcb->up_err = 0;
	return 0;
}

void udp_set_netif(struct udp_pcb *pcb, struct netif *ni)
{
	pcb->up_ni = ni;
}

/* ---- Sending. */

/* Source address for a datagram to dst; 0 with *err set when none. */
static uint32_t udp_source(struct udp_pcb *pcb, uint32_t dst, int *err)
{
	uint32_t nexthop;

	*err = 0;
	if (pcb->up_laddr != 0)
		return pcb->up_laddr;
	if (pcb->up_ni != NULL)
		return pcb->up_ni->ni_addr; /* 0.0.0.0 before DHCP is done */
	if (ip_route(pcb->up_ns, dst, &nexthop) == NULL) {
		*err = -ENETUNREACH;
		return 0;
	}
	uint32_t src = ip_source_for(pcb->up_ns, dst);
	if (src == 0)
		*err = -EADDRNOTAVAIL;
	return src;
}

/* The datagram (header and a copy of buf), checksum left partial; NULL
 * when memory is short. */
static struct netbuf *udp_build(const struct udp_pcb *pcb, uint32_t src,
				uint32_t dst, uint16_t dport, const void *buf,
				size_t len)
{
	struct netbuf *nb = netbuf_alloc(NETBUF_HEADROOM, UDP_HLEN + len);

	if (nb == NULL)
		return NULL;
	uint8_t *uh = netbuf_append(nb, UDP_HLEN + len);
	net_put16(uh, pcb->up_lport);
	net_put16(uh + 2, dport);
	net_put16(uh + 4, (uint16_t)(UDP_HLEN + len));
	/* The pseudo-header's sum, which whoever completes it adds to. */
	uint32_t pseudo = net_csum_pseudo(src, dst, IP_PROTO_UDP,
					  (uint16_t)(UDP_HLEN + len));
	net_put16(uh + 6, (uint16_t)~net_csum_fold(pseudo));
	if (len > 0)
		memcpy(uh + UDP_HLEN, buf, len);
	nb->nb_flags |= NB_CSUM_PARTIAL;
	nb->nb_csum_start = 0;
	nb->nb_csum_off = 6;
	return nb;
}

ssize_t udp_sendto(struct udp_pcb *pcb, const void *buf, size_t len,
		   uint32_t addr, uint16_t port)
{
	int err;

	if (addr == 0) {
		if (pcb->up_rport == 0)
			return -EDESTADDRREQ;
		addr = pcb->up_raddr;
		port = pcb->up_rport;
	}
	if (port == 0)
		return -EINVAL;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (udp_is_bcast(pcb, addr) && !pcb->up_broadcast)
		return -EACCES;
	if (pcb->up_lport == 0 && (err = udp_bind(pcb, 0, 0)) != 0)
		return err;
	uint32_t src = udp_source(pcb, addr, &err);
	if (err != 0)
		return err;
	struct netbuf *nb = udp_build(pcb, src, addr, port, buf, len);
	if (nb == NULL)
		return -ENOMEM;
	struct ip_tx tx = {
		.src = src,
		.dst = addr,
		.proto = IP_PROTO_UDP,
		.ttl = pcb->up_ttl,
		.tos = pcb->up_tos,
		.ni = pcb->up_ni,
	};
	err = ip_output(pcb->up_ns, &tx, nb);
	if (err != 0)
		return err;
	net_count(pcb->up_ns, NC_udp_out);
	return (ssize_t)len;
}

/* ---- Receiving. */

/* How well pcb matches a datagram: -1 not at all, else higher is more
 * specific. */
static int udp_match(const struct udp_pcb *pcb, const struct ip_rx *rx,
		     uint16_t sport, uint16_t dport)
{
	int score = 0;

	if (pcb->up_lport != dport)
		return -1;
	if (pcb->up_ni != NULL && pcb->up_ni != rx->ni)
		return -1;
	if (pcb->up_laddr != 0) {
		if (pcb->up_laddr != rx->dst)
			return -1;
		score += 1;
	}
	if (pcb->up_rport != 0) {
		if (pcb->up_raddr != rx->src || pcb->up_rport != sport)
			return -1;
		score += 2;
	}
	return score;
}

/* Queues the payload nb (the caller's reference) on pcb, or drops it. */
static void udp_deliver(struct udp_pcb *pcb, const struct ip_rx *rx,
			uint16_t sport, struct netbuf *nb)
{
	struct netstack *ns = pcb->up_ns;

	if (pcb->up_rcvbytes + nb->nb_len > pcb->up_rcvbuf ||
	    pcb->up_rxcount >= UDP_RXQ_MAX) {
		net_count(ns, NC_udp_rcvbuf_full);
		netbuf_put(nb);
		return;
	}
	if (nb->nb_release != NULL || nb->nb_refs != 1) {
		/* A driver's buffer (or a shared one): keep a copy. */
		struct netbuf *copy = netbuf_linearize(nb, 0);
		netbuf_put(nb);
		if (copy == NULL)
			return;
		nb = copy;
	}
	nb->nb_priv[0] = rx->src;
	nb->nb_priv[1] = sport;
	nb->nb_next = NULL;
	*pcb->up_rxtail = nb;
	pcb->up_rxtail = &nb->nb_next;
	pcb->up_rcvbytes += nb->nb_len;
	pcb->up_rxcount++;
	udp_notify(pcb, NET_POLLIN);
}

/* A broadcast goes to every pcb that matches it. */
static void udp_deliver_bcast(struct netstack *ns, const struct ip_rx *rx,
			      uint16_t sport, uint16_t dport, struct netbuf *nb)
{
	struct udp_pcb *last = NULL;

	for (struct udp_pcb *pcb = ns->ns_udp->uc_pcbs; pcb != NULL;
	     pcb = pcb->up_next) {
		if (udp_match(pcb, rx, sport, dport) < 0)
			continue;
		if (last != NULL) {
			struct netbuf *copy = netbuf_linearize(nb, 0);
			if (copy != NULL)
				udp_deliver(last, rx, sport, copy);
		}
		last = pcb;
	}
	if (last == NULL) {
		net_count(ns, NC_udp_no_port);
		netbuf_put(nb);
		return;
	}
	udp_deliver(last, rx, sport, nb);
}

/* Checks the header and checksum; the datagram's length or 0. */
static size_t udp_check(struct netstack *ns, const struct ip_rx *rx,
			struct netbuf *nb)
{
	const uint8_t *uh = nb->nb_data;

	if (nb->nb_len < UDP_HLEN) {
		net_count(ns, NC_udp_bad_len);
		return 0;
	}
	size_t len = net_get16(uh + 4);
	if (len < UDP_HLEN || len > nb->nb_len) {
		net_count(ns, NC_udp_bad_len);
		return 0;
	}
	netbuf_trim(nb, len);
	/* A zero checksum means the sender computed none (RFC 768). */
	if (net_get16(uh + 6) != 0 && !(nb->nb_flags & NB_CSUM_VALID)) {
		uint32_t sum = net_csum_pseudo(rx->src, rx->dst, IP_PROTO_UDP,
					       (uint16_t)len);
		if (net_csum_fold(net_csum_netbuf(nb, 0, sum)) != 0) {
			net_count(ns, NC_udp_bad_csum);
			return 0;
		}
	}
	return len;
}

void udp_input(struct netstack *ns, const struct ip_rx *rx, struct netbuf *nb)
{
	net_count(ns, NC_udp_in);
	if (udp_check(ns, rx, nb) == 0) {
		netbuf_put(nb);
		return;
	}
	uint16_t sport = net_get16(nb->nb_data);
	uint16_t dport = net_get16(nb->nb_data + 2);
	if (rx->bcast) {
		netbuf_pull(nb, UDP_HLEN);
		udp_deliver_bcast(ns, rx, sport, dport, nb);
		return;
	}
	struct udp_pcb *best = NULL;
	int best_score = -1;
	for (struct udp_pcb *pcb = ns->ns_udp->uc_pcbs; pcb != NULL;
	     pcb = pcb->up_next) {
		int score = udp_match(pcb, rx, sport, dport);
		if (score > best_score) {
			best = pcb;
			best_score = score;
		}
	}
	if (best == NULL) {
		net_count(ns, NC_udp_no_port);
		icmp_send_error(ns, rx, nb, ICMP_DEST_UNREACH,
				ICMP_UNREACH_PORT);
		netbuf_put(nb);
		return;
	}
	netbuf_pull(nb, UDP_HLEN);
	udp_deliver(best, rx, sport, nb);
}

static int udp_icmp_errno(uint8_t type, uint8_t code)
{
	if (type != ICMP_DEST_UNREACH)
		return -EHOSTUNREACH;
	switch (code) {
	case ICMP_UNREACH_NET:
		return -ENETUNREACH;
	case ICMP_UNREACH_PROTO:
	case ICMP_UNREACH_PORT:
		return -ECONNREFUSED;
	case ICMP_UNREACH_NEEDFRAG:
		return -EMSGSIZE;
	default:
		return -EHOSTUNREACH;
	}
}

void udp_icmp_error(struct netstack *ns, uint8_t type, uint8_t code,
		    const uint8_t *inner, size_t len)
{
	uint32_t src, dst;

	if (len < IP_HLEN)
		return;
	size_t ihl = (size_t)(inner[0] & 0x0f) * 4;
	if (ihl < IP_HLEN || len < ihl + UDP_HLEN)
		return;
	memcpy(&src, inner + 12, 4);
	memcpy(&dst, inner + 16, 4);
	uint16_t sport = net_get16(inner + ihl);
	uint16_t dport = net_get16(inner + ihl + 2);
	for (struct udp_pcb *pcb = ns->ns_udp->uc_pcbs; pcb != NULL;
	     pcb = pcb->up_next) {
		if (pcb->up_lport != sport || pcb->up_rport != dport ||
		    pcb->up_raddr != dst ||
		    (pcb->up_laddr != 0 && pcb->up_laddr != src))
			continue;
		pcb->up_err = udp_icmp_errno(type, code);
		udp_notify(pcb, NET_POLLERR | NET_POLLIN);
		return;
	}
}

ssize_t udp_recvfrom(struct udp_pcb *pcb, void *buf, size_t len, int flags,
		     uint32_t *addr, uint16_t *port, bool *trunc)
{
	if (pcb->up_err != 0)
		return udp_take_error(pcb);
	struct netbuf *nb = pcb->up_rxq;
	if (nb == NULL)
		return -EAGAIN;
	size_t dlen = nb->nb_len;
	size_t n = dlen < len ? dlen : len;
	if (n > 0)
		memcpy(buf, nb->nb_data, n);
	if (addr != NULL)
		*addr = DGRAM_ADDR(nb);
	if (port != NULL)
		*port = DGRAM_PORT(nb);
	if (trunc != NULL)
		*trunc = dlen > len;
	if (!(flags & NET_MSG_PEEK))
		netbuf_put(udp_dequeue(pcb));
	return (ssize_t)((flags & NET_MSG_TRUNC) ? dlen : n);
}

unsigned int udp_poll(struct udp_pcb *pcb)
{
	unsigned int ev = NET_POLLOUT;

	if (pcb->up_rxq != NULL || pcb->up_err != 0)
		ev |= NET_POLLIN;
	if (pcb->up_err != 0)
		ev |= NET_POLLERR;
	return ev;
}

int udp_take_error(struct udp_pcb *pcb)
{
	int err = pcb->up_err;

	pcb->up_err = 0;
	return err;
}

int udp_setopt(struct udp_pcb *pcb, enum net_opt opt, int val)
{
	switch (opt) {
	case NET_OPT_REUSEADDR:
		pcb->up_reuseaddr = val != 0;
		return 0;
	case NET_OPT_BROADCAST:
		pcb->up_broadcast = val != 0;
		return 0;
	case NET_OPT_RCVBUF:
	case NET_OPT_SNDBUF:
		if (val < 0)
			return -EINVAL;
		uint32_t v = (uint32_t)val;
		v = v < UDP_RCVBUF_MIN ? UDP_RCVBUF_MIN : v;
		v = v > UDP_RCVBUF_MAX ? UDP_RCVBUF_MAX : v;
		if (opt == NET_OPT_RCVBUF)
			pcb->up_rcvbuf = v;
		else
			pcb->up_sndbuf = v;
		return 0;
	case NET_OPT_TTL:
		if (val < -1 || val == 0 || val > 255)
			return -EINVAL;
		pcb->up_ttl = val == -1 ? 0 : (uint8_t)val;
		return 0;
	case NET_OPT_TOS:
		if (val < 0 || val > 255)
			return -EINVAL;
		pcb->up_tos = (uint8_t)val;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int udp_getopt(struct udp_pcb *pcb, enum net_opt opt, int *val)
{
	switch (opt) {
	case NET_OPT_REUSEADDR:
		*val = pcb->up_reuseaddr;
		return 0;
	case NET_OPT_BROADCAST:
		*val = pcb->up_broadcast;
		return 0;
	case NET_OPT_RCVBUF:
		*val = (int)pcb->up_rcvbuf;
		return 0;
	case NET_OPT_SNDBUF:
		*val = (int)pcb->up_sndbuf;
		return 0;
	case NET_OPT_TTL:
		*val = pcb->up_ttl != 0 ? pcb->up_ttl : IP_DEFAULT_TTL;
		return 0;
	case NET_OPT_TOS:
		*val = pcb->up_tos;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

void udp_local(const struct udp_pcb *pcb, uint32_t *addr, uint16_t *port)
{
	*addr = pcb->up_laddr;
	*port = pcb->up_lport;
}

int udp_remote(const struct udp_pcb *pcb, uint32_t *addr, uint16_t *port)
{
	if (pcb->up_rport == 0)
		return -ENOTCONN;
	*addr = pcb->up_raddr;
	*port = pcb->up_rport;
	return 0;
}
