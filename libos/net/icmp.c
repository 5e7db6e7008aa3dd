/* SPDX-License-Identifier: MIT */
/*
 * ICMP for a host (RFC 792, RFC 1122 section 3.2.2): answers echo
 * requests, passes errors about what we sent to the transport that sent
 * it, and sends errors about what we cannot deliver -- never about an
 * ICMP error, a broadcast, a fragment but the first or a bad source, and
 * at most ICMP_RATE_PER_S a second (a token bucket). Redirects and every
 * other message are ignored: we have one route table, set by
 * configuration, and no ping sockets.
 */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <net/udp.h>

#include "ip_impl.h"

#define ICMP_HLEN 8
#define ICMP_ERR_DATA 8 /* bytes quoted after the IP header */
#define ICMP_TOKEN_NS (1000000000ull / ICMP_RATE_PER_S)

/* Query types: an error may be sent about these, never about others. */
static bool icmp_is_query(uint8_t type)
{
	switch (type) {
	case ICMP_ECHO_REPLY:
	case ICMP_ECHO:
	case 9: /* router advertisement */
	case 10: /* router solicitation */
	case 13: /* timestamp */
	case 14: /* timestamp reply */
	case 15: /* information request */
	case 16: /* information reply */
	case 17: /* address mask request */
	case 18: /* address mask reply */
		return true;
	default:
		return false;
	}
}

/* Sends an ICMP message to dst from src (0: the route's): len bytes of
 * msg, then tail_len bytes of tail from tail_off, checksummed. */
static int icmp_send(struct netstack *ns, uint32_t src, uint32_t dst,
		     const uint8_t *msg, size_t len, const struct netbuf *tail,
		     size_t tail_off, size_t tail_len)
{
	struct netbuf *nb = netbuf_alloc(NETBUF_HEADROOM, len + tail_len);

	if (nb == NULL)
		return -ENOMEM;
	uint8_t *p = netbuf_append(nb, len + tail_len);
	memcpy(p, msg, len);
	if (tail_len > 0 &&
	    netbuf_copy_out(tail, tail_off, p + len, tail_len) != 0) {
		netbuf_put(nb);
		return -EINVAL;
	}
	net_put16(p + 2, 0);
	net_put16(p + 2, net_csum_fold(net_csum_add(0, p, len + tail_len)));
	struct ip_tx tx = { .src = src, .dst = dst, .proto = IP_PROTO_ICMP };
	return ip_output(ns, &tx, nb);
}

static void icmp_echo(struct netstack *ns, const struct ip_rx *rx,
		      const struct netbuf *nb)
{
	uint8_t hdr[ICMP_HLEN];

	/* No answer to a broadcast ping: it would be an amplifier. */
	if (rx->bcast)
		return;
	memcpy(hdr, nb->nb_data, ICMP_HLEN);
	hdr[0] = ICMP_ECHO_REPLY;
	if (icmp_send(ns, rx->dst, rx->src, hdr, ICMP_HLEN, nb, ICMP_HLEN,
		      nb->nb_len - ICMP_HLEN) != 0)
		return;
	net_count(ns, NC_icmp_echo_reply_out);
}

/* An error about a packet we sent: to the transport that sent it. */
static void icmp_error_in(struct netstack *ns, const struct ip_rx *rx,
			  const struct netbuf *nb)
{
	const uint8_t *p = nb->nb_data;
	const uint8_t *inner = p + ICMP_HLEN;
	size_t len = nb->nb_len - ICMP_HLEN;
	uint32_t inner_src;

	net_count(ns, NC_icmp_error_in);
	if (rx->bcast || len < IP_HLEN || inner[IPH_VHL] >> 4 != 4)
		goto bad;
	size_t ihl = (size_t)(inner[IPH_VHL] & 0x0f) * 4;
	memcpy(&inner_src, inner + IPH_SRC, 4);
	/* The quote must hold the transport's ports, and we must have sent
	 * it: anything else is forged. */
	if (ihl < IP_HLEN || len < ihl + 8 || !ip_is_local(ns, inner_src))
		goto bad;
	if (inner[IPH_PROTO] == IP_PROTO_TCP)
		tcp_icmp_error(ns, p[0], p[1], inner, len);
	else if (inner[IPH_PROTO] == IP_PROTO_UDP)
		udp_icmp_error(ns, p[0], p[1], inner, len);
	return;
bad:
	net_count(ns, NC_icmp_bad);
}

void icmp_input(struct netstack *ns, const struct ip_rx *rx, struct netbuf *nb)
{
	net_count(ns, NC_icmp_in);
	if (nb->nb_len < ICMP_HLEN ||
	    (!(nb->nb_flags & NB_CSUM_VALID) &&
	     net_csum_fold(net_csum_netbuf(nb, 0, 0)) != 0)) {
		net_count(ns, NC_icmp_bad);
		goto out;
	}
	switch (nb->nb_data[0]) {
	case ICMP_ECHO:
		icmp_echo(ns, rx, nb);
		break;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAM_PROBLEM:
		icmp_error_in(ns, rx, nb);
		break;
	default:
		break;
	}
out:
	netbuf_put(nb);
}

/* Takes a token from the error bucket; false when it is empty. */
static bool icmp_rate_ok(struct netstack *ns)
{
	struct ip_ctx *ic = ns->ns_ip;
	uint64_t now = net_now_ns();
	uint64_t cap = ICMP_RATE_BURST * ICMP_TOKEN_NS;

	if (now > ic->ic_icmp_last_ns) {
		uint64_t add = now - ic->ic_icmp_last_ns;
		ic->ic_icmp_tokens_ns = add >= cap - ic->ic_icmp_tokens_ns
						? cap
						: ic->ic_icmp_tokens_ns + add;
	}
	ic->ic_icmp_last_ns = now;
	if (ic->ic_icmp_tokens_ns < ICMP_TOKEN_NS) {
		net_count(ns, NC_icmp_ratelimited);
		return false;
	}
	ic->ic_icmp_tokens_ns -= ICMP_TOKEN_NS;
	return true;
}

/* RFC 1122 3.2.2: whether an error may be sent about this datagram. */
static bool icmp_may_answer(struct netstack *ns, const struct ip_rx *rx,
			    const struct netbuf *nb)
{
	if (rx->bcast || (nb->nb_flags & (NB_BCAST | NB_MCAST)))
		return false;
	if (rx->iph_len < IP_HLEN ||
	    (net_get16(rx->iph + IPH_FRAG) & IP_OFF_MASK) != 0)
		return false;
	if (rx->src == IP4_ANY || net_ip4_is_multicast(rx->src) ||
	    ip_is_broadcast(ns, rx->src))
		return false;
	if (rx->proto == IP_PROTO_ICMP &&
	    (nb->nb_len < 1 || !icmp_is_query(nb->nb_data[0])))
		return false;
	return true;
}

void icmp_send_error(struct netstack *ns, const struct ip_rx *rx,
		     const struct netbuf *nb, uint8_t type, uint8_t code)
{
	uint8_t msg[ICMP_HLEN + 60];

	if (!icmp_may_answer(ns, rx, nb) || !icmp_rate_ok(ns))
		return;
	memset(msg, 0, ICMP_HLEN);
	msg[0] = type;
	msg[1] = code;
	memcpy(msg + ICMP_HLEN, rx->iph, rx->iph_len);
	size_t quote = netbuf_frame_len(nb);
	if (quote > ICMP_ERR_DATA)
		quote = ICMP_ERR_DATA;
	/* From the address it was sent to, unless that was not unicast to
	 * us; then from the route's. */
	uint32_t src = ip_is_local(ns, rx->dst) ? rx->dst : 0;
	if (icmp_send(ns, src, rx->src, msg, ICMP_HLEN + rx->iph_len, nb, 0,
		      quote) == 0)
		net_count(ns, NC_icmp_error_out);
}
