/* SPDX-License-Identifier: MIT */
/*
 * TCP segment output: building headers and options, the receive window
 * we advertise (RFC 9293 3.8.6.2.2 receiver SWS avoidance, RFC 7323
 * scaling, never shrinking), and the send decision (windows, congestion
 * window, Nagle per RFC 9293 3.7.4 and sender SWS avoidance).
 *
 * Each segment is a fresh header netbuf with NETBUF_HEADROOM in front.
 * Payloads of up to TCP_COPY_MAX bytes are copied behind the header;
 * larger ones are chained as netbuf_slice() pieces of the send buffer's
 * chunks, so the bytes reach the device without a copy.
 *
 * Segmentation offload: when the route's device segments TCP/IPv4
 * (ip_tso_for()), new data go out as super-segments of several MSS, one
 * header and the payload slices, marked NB_GSO_TCPV4 with the MSS as
 * nb_gso_size; the device gives each segment the header with its own
 * sequence number, FIN and PSH on the last one only, the same options
 * (the timestamp is taken once, as for back-to-back segments). Sequence
 * space, windows, congestion control and RTT timing count bytes, so they
 * see a super-segment as the segments it stands for. Retransmissions,
 * persist probes and segments over loopback are one MSS at most.
 *
 * Checksum: every segment leaves here NB_CSUM_PARTIAL with the
 * pseudo-header sum (folded, not complemented) in the checksum field,
 * nb_csum_start 0 (the TCP header, which is nb_data as ip_output() gets
 * it) and nb_csum_off 16; ip_output() and the layers below add the
 * header lengths they push and complete the sum, or let the device do
 * it (<net/ip.h>).
 */
#include <kernel/errno.h>
#include <kernel/string.h>

#include "tcp_impl.h"

uint32_t tcp_now_ms(void)
{
	return (uint32_t)(net_now_ns() / TCP_MS);
}

uint32_t tcp_ts_now(const struct tcp_pcb *pcb)
{
	return tcp_now_ms() + pcb->t_ts_off;
}

static size_t opt_len(const struct tcp_emit *e)
{
	size_t n = 0;

	if (e->mss != 0)
		n += 4;
	if (e->ws >= 0)
		n += 4;
	if (e->ts)
		n += TCP_TSOPT_LEN;
	return n;
}

static void write_opts(uint8_t *p, const struct tcp_emit *e)
{
	if (e->mss != 0) {
		p[0] = TCP_OPT_MSS;
		p[1] = 4;
		net_put16(p + 2, e->mss);
		p += 4;
	}
	if (e->ws >= 0) {
		p[0] = TCP_OPT_NOP;
		p[1] = TCP_OPT_WS;
		p[2] = 3;
		p[3] = (uint8_t)e->ws;
		p += 4;
	}
	if (e->ts) {
		p[0] = TCP_OPT_NOP;
		p[1] = TCP_OPT_NOP;
		p[2] = TCP_OPT_TS;
		p[3] = 10;
		net_put32(p + 4, e->tsval);
		net_put32(p + 8, e->tsecr);
	}
}

/* The send buffer chunk holding byte `off` (from snd_una), and the
 * offset within that chunk's data. */
static struct netbuf *sb_find(const struct tcp_pcb *pcb, uint32_t off,
			      uint32_t *in)
{
	struct netbuf *nb = pcb->t_sb_head;
	uint32_t pos = off + pcb->t_sb_off;

	while (nb != NULL && pos >= nb->nb_len) {
		pos -= nb->nb_len;
		nb = nb->nb_next;
	}
	*in = pos;
	return nb;
}

/* Appends send-buffer bytes [off, off + len) to frame nb: copied into
 * its tail when copy, else as slices. 0 or -ENOMEM. */
static int add_payload(struct netbuf *nb, const struct tcp_emit *e, bool copy)
{
	uint32_t in;
	struct netbuf *chunk = sb_find(e->pcb, e->off, &in);
	struct netbuf *last = nb;
	uint32_t left = e->len;

	while (left > 0) {
		if (chunk == NULL)
			return -ENOMEM; /* cannot happen: len was checked */
		uint32_t n = chunk->nb_len - in;
		if (n > left)
			n = left;
		if (copy) {
			memcpy(netbuf_append(nb, n), chunk->nb_data + in, n);
		} else {
			struct netbuf *s = netbuf_slice(chunk, in, n);
			if (s == NULL)
				return -ENOMEM;
			last->nb_frag = s;
			last = s;
		}
		left -= n;
		in = 0;
		chunk = chunk->nb_next;
	}
	return 0;
}

int tcp_emit(struct netstack *ns, const struct tcp_emit *e)
{
	if (tcp_ctx(ns)->c_dying)
		return 0;
	size_t hlen = TCP_HLEN + opt_len(e);
	bool copy = e->len <= TCP_COPY_MAX;
	struct netbuf *nb =
		netbuf_alloc(NETBUF_HEADROOM, hlen + (copy ? e->len : 0));

	if (nb == NULL)
		return -ENOMEM;
	uint8_t *h = netbuf_append(nb, hlen);
	memset(h, 0, hlen);
	net_put16(h, e->sport);
	net_put16(h + 2, e->dport);
	net_put32(h + 4, e->seq);
	net_put32(h + 8, e->ack);
	h[12] = (uint8_t)((hlen / 4) << 4);
	h[13] = e->flags;
	net_put16(h + 14, e->wnd);
	write_opts(h + TCP_HLEN, e);
	if (e->len != 0 && add_payload(nb, e, copy) != 0) {
		netbuf_put(nb);
		return -ENOMEM;
	}
	/* A super-segment's sum covers its whole length: the device
	 * adjusts it for each segment's. */
	uint32_t sum = net_csum_pseudo(e->saddr, e->daddr, IP_PROTO_TCP,
				       (uint16_t)(hlen + e->len));
	net_put16(h + TCP_CSUM_OFF, (uint16_t)~net_csum_fold(sum));
	nb->nb_flags |= NB_CSUM_PARTIAL;
	nb->nb_csum_start = 0;
	nb->nb_csum_off = TCP_CSUM_OFF;
	if (e->gso_size != 0 && e->len > e->gso_size) {
		nb->nb_flags |= NB_GSO_TCPV4;
		nb->nb_gso_size = e->gso_size;
	}

	struct ip_tx tx = {
		.src = e->saddr,
		.dst = e->daddr,
		.proto = IP_PROTO_TCP,
		.ttl = e->ttl,
		.tos = e->tos,
		.df = true,
	};
	int err = ip_output(ns, &tx, nb);
	net_count(ns, NC_tcp_seg_out);
	if (e->flags & TCP_RST)
		net_count(ns, NC_tcp_rst_out);
	return err;
}

/* ---- The receive window. */

static uint32_t rcv_cur(const struct tcp_pcb *pcb)
{
	return seq_gt(pcb->t_rcv_adv, pcb->t_rcv_nxt)
		       ? pcb->t_rcv_adv - pcb->t_rcv_nxt
		       : 0;
}

uint32_t tcp_rcv_space(const struct tcp_pcb *pcb)
{
	uint32_t space = pcb->t_rcvbuf > pcb->t_rq_len
				 ? pcb->t_rcvbuf - pcb->t_rq_len
				 : 0;
	uint32_t max =
		(pcb->t_flags & TF_WS) ? 65535u << pcb->t_rcv_ws : 65535u;
	uint32_t cur = rcv_cur(pcb);
	uint32_t sws = pcb->t_rcvbuf / 2;

	if (space > max)
		space = max;
	if (sws > pcb->t_rcv_mss)
		sws = pcb->t_rcv_mss;
	/* Move the right edge only by a worthwhile amount, and never
	 * back (RFC 9293 3.8.6.2.2; RFC 7323 2.4). */
	if (space <= cur || space - cur < sws)
		return cur;
	return space;
}

uint16_t tcp_rcv_window(struct tcp_pcb *pcb)
{
	uint32_t wnd = tcp_rcv_space(pcb);
	uint8_t ws = (pcb->t_flags & TF_WS) ? pcb->t_rcv_ws : 0;
	uint32_t field = wnd >> ws;

	/* Rounding down must not pull the edge in: round up then. */
	if ((field << ws) < rcv_cur(pcb))
		field++;
	if (field > 65535)
		field = 65535;
	uint32_t adv = pcb->t_rcv_nxt + (field << ws);
	if (seq_gt(adv, pcb->t_rcv_adv))
		pcb->t_rcv_adv = adv;
	return (uint16_t)field;
}

/* ---- Segments from a pcb. */

static void emit_init(struct tcp_pcb *pcb, struct tcp_emit *e, uint32_t seq,
		      uint8_t flags)
{
	memset(e, 0, sizeof(*e));
	e->saddr = pcb->t_h.h_laddr;
	e->daddr = pcb->t_h.h_raddr;
	e->sport = pcb->t_h.h_lport;
	e->dport = pcb->t_h.h_rport;
	e->seq = seq;
	e->flags = flags;
	e->ws = -1;
	e->ttl = pcb->t_ttl;
	e->tos = pcb->t_tos;
	e->pcb = pcb;
	if (flags & TCP_ACK)
		e->ack = pcb->t_rcv_nxt;
	if (pcb->t_flags & TF_TS) {
		e->ts = true;
		e->tsval = tcp_ts_now(pcb);
		e->tsecr = pcb->t_ts_recent;
	}
}

/* An ACK went out: nothing is owed to the peer any more. */
static void ack_sent(struct tcp_pcb *pcb)
{
	pcb->t_flags &= ~(TF_ACKNOW | TF_DELACK);
	pcb->t_rcv_unacked = 0;
	pcb->t_last_ack_sent = pcb->t_rcv_nxt;
	tcp_timer_clear(pcb, TCP_T_DELACK);
}

int tcp_send_syn(struct tcp_pcb *pcb)
{
	bool synack = pcb->t_state == TCP_SYN_RECEIVED;
	struct tcp_emit e;

	emit_init(pcb, &e, pcb->t_iss, synack ? TCP_SYN | TCP_ACK : TCP_SYN);
	e.mss = pcb->t_rcv_mss;
	if (synack ? (pcb->t_flags & TF_WS) : (pcb->t_flags & TF_WS_OFFER))
		e.ws = pcb->t_rcv_ws;
	e.ts = synack ? (pcb->t_flags & TF_TS) != 0
		      : (pcb->t_flags & TF_TS_OFFER) != 0;
	e.tsval = tcp_ts_now(pcb);
	e.tsecr = synack ? pcb->t_ts_recent : 0;
	/* The window of a SYN is never scaled (RFC 7323 2.2). */
	uint32_t space = pcb->t_rcvbuf < 65535 ? pcb->t_rcvbuf : 65535;
	e.wnd = (uint16_t)space;
	if (synack) {
		pcb->t_rcv_adv = pcb->t_rcv_nxt + space;
		ack_sent(pcb);
	}
	pcb->t_snd_nxt = pcb->t_iss + 1;
	pcb->t_snd_max = pcb->t_iss + 1;
	if (pcb->t_rxtshift == 0) {
		/* Time the handshake (not a retransmitted SYN: Karn). */
		pcb->t_flags |= TF_RTT;
		pcb->t_rtt_seq = pcb->t_iss;
		pcb->t_rtt_start_us = (uint32_t)(net_now_ns() / 1000);
	}
	if (pcb->t_tmr[TCP_T_REXMT] == 0)
		tcp_rexmt_restart(pcb);
	return tcp_emit(pcb->t_ns, &e);
}

void tcp_send_ack(struct tcp_pcb *pcb)
{
	struct tcp_emit e;

	emit_init(pcb, &e, pcb->t_snd_nxt, TCP_ACK);
	e.wnd = tcp_rcv_window(pcb);
	ack_sent(pcb);
	tcp_emit(pcb->t_ns, &e);
}

void tcp_send_probe(struct tcp_pcb *pcb)
{
	struct tcp_emit e;

	/* An already acknowledged sequence number: the peer answers with
	 * an ACK carrying its current window (RFC 9293 3.8.4). */
	emit_init(pcb, &e, pcb->t_snd_una - 1, TCP_ACK);
	e.wnd = tcp_rcv_window(pcb);
	ack_sent(pcb);
	tcp_emit(pcb->t_ns, &e);
}

void tcp_send_rst(struct tcp_pcb *pcb)
{
	struct tcp_emit e;

	emit_init(pcb, &e, pcb->t_snd_nxt, TCP_RST | TCP_ACK);
	e.ts = false;
	tcp_emit(pcb->t_ns, &e);
}

void tcp_challenge_ack(struct tcp_pcb *pcb)
{
	uint32_t now = tcp_now_ms();

	/* Per connection, so the limit leaks nothing across connections
	 * (the global limit of RFC 5961 7 was CVE-2016-5696). */
	if (now - pcb->t_chal_ms >= 1000) {
		pcb->t_chal_ms = now;
		pcb->t_chal_n = 0;
	}
	if (pcb->t_chal_n >= TCP_CHALLENGE_PER_S)
		return;
	pcb->t_chal_n++;
	net_count(pcb->t_ns, NC_tcp_challenge_ack);
	tcp_send_ack(pcb);
}

void tcp_reply_rst(struct netstack *ns, const struct tcp_seg *seg)
{
	struct tcp_emit e = {
		.saddr = seg->daddr,
		.daddr = seg->saddr,
		.sport = seg->dport,
		.dport = seg->sport,
		.ws = -1,
	};

	if (seg->flags & TCP_RST)
		return;
	if (seg->flags & TCP_ACK) {
		e.seq = seg->ack;
		e.flags = TCP_RST;
	} else {
		e.ack = seg->seq + seg->len + !!(seg->flags & TCP_SYN) +
			!!(seg->flags & TCP_FIN);
		e.flags = TCP_RST | TCP_ACK;
	}
	tcp_emit(ns, &e);
}

/* ---- The send decision. */

/* Sends len bytes from snd_nxt (and the FIN when fin). */
static int send_data(struct tcp_pcb *pcb, uint32_t len, bool fin)
{
	struct tcp_emit e;
	uint32_t off = pcb->t_snd_nxt - pcb->t_snd_una;
	bool rexmit = seq_lt(pcb->t_snd_nxt, pcb->t_snd_max);

	emit_init(pcb, &e, pcb->t_snd_nxt, TCP_ACK);
	e.off = off;
	e.len = len;
	if (len > pcb->t_mss)
		e.gso_size = pcb->t_mss;
	if (fin)
		e.flags |= TCP_FIN;
	if (len != 0 && off + len == pcb->t_sb_len)
		e.flags |= TCP_PSH;
	e.wnd = tcp_rcv_window(pcb);
	if (rexmit)
		net_count(pcb->t_ns, NC_tcp_retransmit);
	else if (!(pcb->t_flags & (TF_TS | TF_RTT))) {
		/* Time one segment per round trip (Karn: never a
		 * retransmitted one). */
		pcb->t_flags |= TF_RTT;
		pcb->t_rtt_seq = pcb->t_snd_nxt;
		pcb->t_rtt_start_us = (uint32_t)(net_now_ns() / 1000);
	}
	pcb->t_snd_nxt += len + (fin ? 1 : 0);
	if (seq_gt(pcb->t_snd_nxt, pcb->t_snd_max))
		pcb->t_snd_max = pcb->t_snd_nxt;
	if (fin)
		pcb->t_flags |= TF_FIN_SENT;
	ack_sent(pcb);
	if (pcb->t_tmr[TCP_T_REXMT] == 0 || (pcb->t_flags & TF_PERSIST)) {
		pcb->t_flags &= ~TF_PERSIST;
		tcp_rexmt_restart(pcb);
	}
	return tcp_emit(pcb->t_ns, &e);
}

/* Whether a segment of len bytes (not full-sized) should go now. */
static bool may_send_short(const struct tcp_pcb *pcb, uint32_t off,
			   uint32_t len)
{
	bool idle = pcb->t_snd_max == pcb->t_snd_una;

	if (seq_lt(pcb->t_snd_nxt, pcb->t_snd_max))
		return true; /* retransmission */
	if (off + len == pcb->t_sb_len &&
	    (idle || (pcb->t_flags & (TF_NODELAY | TF_SHUT_WR))))
		return true; /* all we have, and Nagle allows */
	return pcb->t_max_sndwnd != 0 && len >= pcb->t_max_sndwnd / 2;
}

/* The persist timer (RFC 9293 3.8.6.1): data waits and no timer runs
 * that would bring it out (nothing in flight, or a timeout found the
 * window closed), so probe the window. */
static void persist_check(struct tcp_pcb *pcb)
{
	uint32_t off = pcb->t_snd_nxt - pcb->t_snd_una;

	if (off >= pcb->t_sb_len || pcb->t_tmr[TCP_T_REXMT] != 0)
		return;
	pcb->t_flags |= TF_PERSIST;
	tcp_timer_set(pcb, TCP_T_REXMT, net_now_ns() + tcp_rto_ns(pcb));
}

/* Whether our FIN is queued and not yet acknowledged. */
static bool fin_due(const struct tcp_pcb *pcb)
{
	return (pcb->t_flags & TF_SHUT_WR) &&
	       (pcb->t_state == TCP_FIN_WAIT_1 || pcb->t_state == TCP_CLOSING ||
		pcb->t_state == TCP_LAST_ACK);
}

static bool data_state(const struct tcp_pcb *pcb)
{
	switch (pcb->t_state) {
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* Bytes from offset off of the send buffer that fit in `pieces` netbufs
 * (at most len). */
static uint32_t sb_span(const struct tcp_pcb *pcb, uint32_t off, uint32_t len,
			unsigned int pieces)
{
	uint32_t in, got = 0;
	const struct netbuf *chunk = sb_find(pcb, off, &in);

	for (; chunk != NULL && pieces > 0 && got < len; pieces--) {
		got += chunk->nb_len - in;
		in = 0;
		chunk = chunk->nb_next;
	}
	return got < len ? got : len;
}

uint32_t tcp_tso_len(const struct tcp_pcb *pcb, uint32_t off, uint32_t len)
{
	uint32_t mss = pcb->t_mss;
	uint32_t hlen = TCP_HLEN + ((pcb->t_flags & TF_TS) ? TCP_TSOPT_LEN : 0);
	uint32_t max = pcb->t_tso_max > IP_HLEN + hlen
			       ? pcb->t_tso_max - IP_HLEN - hlen
			       : 0;

	if (len <= mss || max < 2 * mss)
		return len < mss ? len : mss;
	if (len > max)
		len = max;
	/* The header is a netbuf of its own. */
	if (pcb->t_tso_frags != 0)
		len = sb_span(pcb, off, len, pcb->t_tso_frags - 1u);
	if (len <= mss)
		return mss;
	uint32_t tail = len % mss;
	if (tail == 0)
		return len;
	/* The full segments before the tail leave data in flight: the tail
	 * goes now only where a lone short segment would then (Nagle,
	 * sender SWS avoidance: may_send_short()). */
	bool end = off + len == pcb->t_sb_len;
	if ((end && (pcb->t_flags & (TF_NODELAY | TF_SHUT_WR))) ||
	    (pcb->t_max_sndwnd != 0 && tail >= pcb->t_max_sndwnd / 2))
		return len;
	return len - tail;
}

void tcp_output(struct tcp_pcb *pcb)
{
	if (pcb->t_state == TCP_SYN_RECEIVED) {
		if (pcb->t_flags & TF_ACKNOW)
			tcp_send_ack(pcb);
		return;
	}
	if (!data_state(pcb))
		return;
	for (;;) {
		uint32_t off = pcb->t_snd_nxt - pcb->t_snd_una;
		uint32_t wnd = pcb->t_snd_wnd < pcb->t_cwnd ? pcb->t_snd_wnd
							    : pcb->t_cwnd;
		uint32_t avail = off < pcb->t_sb_len ? pcb->t_sb_len - off : 0;
		uint32_t len = wnd > off ? wnd - off : 0;
		if (len > avail)
			len = avail;
		if (len > pcb->t_mss && pcb->t_snd_nxt == pcb->t_snd_max)
			len = tcp_tso_len(pcb, off, len);
		else if (len > pcb->t_mss)
			len = pcb->t_mss;
		bool fin = fin_due(pcb) && off + len == pcb->t_sb_len;
		bool go = len >= pcb->t_mss ||
			  (len != 0 && may_send_short(pcb, off, len));
		if (go || (len == 0 && fin)) {
			if (send_data(pcb, len, fin) != 0)
				break;
			if (len == 0)
				break;
			continue;
		}
		if (pcb->t_flags & TF_ACKNOW)
			tcp_send_ack(pcb);
		break;
	}
	persist_check(pcb);
}

/* A segment forced out by the persist timer: as much as the window
 * takes, or a probe when it takes nothing. */
void tcp_persist_send(struct tcp_pcb *pcb)
{
	uint32_t off = pcb->t_snd_nxt - pcb->t_snd_una;
	uint32_t avail = off < pcb->t_sb_len ? pcb->t_sb_len - off : 0;
	uint32_t len = pcb->t_snd_wnd > off ? pcb->t_snd_wnd - off : 0;

	if (len > avail)
		len = avail;
	if (len > pcb->t_mss)
		len = pcb->t_mss;
	if (len == 0) {
		tcp_send_probe(pcb);
		return;
	}
	send_data(pcb, len, fin_due(pcb) && off + len == pcb->t_sb_len);
}

void tcp_retransmit_first(struct tcp_pcb *pcb)
{
	uint32_t saved = pcb->t_snd_nxt;
	uint32_t len = pcb->t_sb_len < pcb->t_mss ? pcb->t_sb_len : pcb->t_mss;
	bool fin = fin_due(pcb) && (pcb->t_flags & TF_FIN_SENT) &&
		   len == pcb->t_sb_len;

	if (len == 0 && !fin)
		return;
	pcb->t_snd_nxt = pcb->t_snd_una;
	send_data(pcb, len, fin);
	if (seq_gt(saved, pcb->t_snd_nxt))
		pcb->t_snd_nxt = saved;
}
