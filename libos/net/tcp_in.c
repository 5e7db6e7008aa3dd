/* SPDX-License-Identifier: MIT */
/*
 * TCP input: header and option parsing of untrusted segments, the
 * connection lookup, and the RFC 9293 3.10.7 "segment arrives" state
 * machine with PAWS (RFC 7323 5), the RFC 5961 blind-attack checks,
 * NewReno loss recovery (RFC 5681, RFC 6582), delayed ACKs, and the
 * in-order and out-of-order receive queues.
 */
#include <kernel/errno.h>
#include <kernel/string.h>

#include "tcp_impl.h"

/* Marks a receive-queue chunk the stack allocated for copies. */
#define TCP_RQ_OWN ((uintptr_t)0x7463707271u)
#define TCP_CWND_MAX (1u << 30)

static void rtt_from_ack(struct tcp_pcb *pcb, const struct tcp_seg *seg);

/* What ACK processing decided. */
enum ack_res { ACK_CONT, ACK_DROP, ACK_GONE };

/* ---- Parsing. Every length is the sender's claim until checked. */

static bool parse_opts(struct tcp_seg *seg, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t kind = p[i];
		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2 || p[i + 1] < 2 || p[i + 1] > n - i)
			return false; /* no length, zero, or over-long */
		uint8_t len = p[i + 1];
		switch (kind) {
		case TCP_OPT_MSS:
			if (len != 4)
				return false;
			seg->opts |= SEG_MSS;
			seg->mss = net_get16(p + i + 2);
			break;
		case TCP_OPT_WS:
			if (len != 3)
				return false;
			seg->opts |= SEG_WS;
			/* RFC 7323 2.3: above 14 means 14. */
			seg->ws = p[i + 2] > TCP_WS_MAX ? TCP_WS_MAX : p[i + 2];
			break;
		case TCP_OPT_SACKOK:
			if (len != 2)
				return false;
			seg->opts |= SEG_SACKOK;
			break;
		case TCP_OPT_TS:
			if (len != 10)
				return false;
			seg->opts |= SEG_TS;
			seg->tsval = net_get32(p + i + 2);
			seg->tsecr = net_get32(p + i + 6);
			break;
		default:
			break;
		}
		i += len;
	}
	return true;
}

static bool bad_addr(struct netstack *ns, const struct ip_rx *rx)
{
	return rx->bcast || rx->src == 0 || rx->src == IP4_BROADCAST ||
	       net_ip4_is_multicast(rx->src) || net_ip4_is_multicast(rx->dst) ||
	       ip_is_broadcast(ns, rx->src) || ip_is_broadcast(ns, rx->dst);
}

/* Checks nb (the TCP header at nb_data) and fills seg; on success
 * nb_data is at the payload. The counter to bump on failure, or -1. */
static int parse(struct netstack *ns, const struct ip_rx *rx, struct netbuf *nb,
		 struct tcp_seg *seg)
{
	const uint8_t *h = nb->nb_data;
	size_t len = nb->nb_len;

	if (len < TCP_HLEN)
		return NC_tcp_bad_len;
	/* The checksum first: a damaged segment counts as damaged,
	 * whatever field the damage hit. */
	if (!(nb->nb_flags & NB_CSUM_VALID)) {
		uint32_t sum = net_csum_pseudo(rx->src, rx->dst, IP_PROTO_TCP,
					       (uint16_t)len);
		if (len > 0xffff ||
		    net_csum_fold(net_csum_add(sum, h, len)) != 0)
			return NC_tcp_bad_csum;
	}
	size_t off = (size_t)(h[12] >> 4) * 4;
	if (off < TCP_HLEN || off > len)
		return NC_tcp_bad_off;
	memset(seg, 0, sizeof(*seg));
	seg->saddr = rx->src;
	seg->daddr = rx->dst;
	seg->sport = net_get16(h);
	seg->dport = net_get16(h + 2);
	seg->seq = net_get32(h + 4);
	seg->ack = net_get32(h + 8);
	seg->flags = h[13] & 0x3f;
	seg->wnd = net_get16(h + 14);
	seg->urp = net_get16(h + 18);
	seg->len = (uint32_t)(len - off);
	if (!parse_opts(seg, h + TCP_HLEN, off - TCP_HLEN))
		return NC_tcp_bad_opt;
	/* Urgent data is not supported (RFC 6093 says new code should not
	 * use it), but the pointer is checked: it may not point past the
	 * payload. */
	if ((seg->flags & TCP_URG) && seg->urp > seg->len)
		return NC_tcp_bad_urg;
	if (bad_addr(ns, rx) || seg->sport == 0 || seg->dport == 0)
		return NC_tcp_bad_addr;
	netbuf_pull(nb, off);
	return -1;
}

void tcp_input(struct netstack *ns, const struct ip_rx *rx, struct netbuf *nb)
{
	struct tcp_ctx *c = tcp_ctx(ns);
	struct tcp_seg seg;

	net_count(ns, NC_tcp_in);
	/* The queues below keep and trim this netbuf: it must be one
	 * piece and ours alone. */
	if (nb->nb_frag != NULL || nb->nb_refs != 1) {
		struct netbuf *copy = netbuf_linearize(nb, 0);
		netbuf_put(nb);
		if (copy == NULL)
			return;
		nb = copy;
	}
	int bad = parse(ns, rx, nb, &seg);
	if (bad >= 0) {
		net_count(ns, (enum net_ctr)bad);
		netbuf_put(nb);
		return;
	}
	net_count(ns, NC_tcp_seg_in);
	struct tcp_hnode *h =
		tcp_conn_lookup(c, seg.daddr, seg.dport, seg.saddr, seg.sport);
	if (h != NULL && h->h_tw) {
		if (!tcp_tw_input(c, (struct tcp_tw *)h, &seg, nb))
			return;
		h = NULL; /* a new SYN took over the 4-tuple */
	}
	if (h != NULL) {
		tcp_pcb_input((struct tcp_pcb *)h, &seg, nb);
		return;
	}
	struct tcp_pcb *lsn = tcp_listener_lookup(c, seg.daddr, seg.dport);
	if (lsn != NULL) {
		tcp_listen_input(lsn, &seg, nb);
		return;
	}
	net_count(ns, NC_tcp_no_pcb);
	tcp_reply_rst(ns, &seg);
	netbuf_put(nb);
}

/* ---- Connection parameters. */

void tcp_syn_options(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	uint16_t mss = TCP_MSS_DEFAULT;

	if (seg->opts & SEG_MSS)
		mss = seg->mss < TCP_MSS_MIN ? TCP_MSS_MIN : seg->mss;
	pcb->t_peer_mss = mss;
	if ((seg->opts & SEG_WS) && (pcb->t_flags & TF_WS_OFFER)) {
		pcb->t_flags |= TF_WS;
		pcb->t_snd_ws = seg->ws;
	} else {
		pcb->t_flags &= ~TF_WS;
		pcb->t_snd_ws = 0;
		pcb->t_rcv_ws = 0;
	}
	if ((seg->opts & SEG_TS) && (pcb->t_flags & TF_TS_OFFER)) {
		pcb->t_flags |= TF_TS | TF_TS_RECENT;
		pcb->t_ts_recent = seg->tsval;
		pcb->t_ts_recent_ms = tcp_now_ms();
	} else {
		pcb->t_flags &= ~TF_TS;
	}
}

void tcp_mss_update(struct tcp_pcb *pcb)
{
	uint32_t mtu = ip_mtu_for(pcb->t_ns, pcb->t_h.h_raddr);
	uint32_t mss = mtu >= 576 ? mtu - 40 : TCP_MSS_DEFAULT;

	if (pcb->t_peer_mss < mss)
		mss = pcb->t_peer_mss;
	if (pcb->t_user_mss != 0 && pcb->t_user_mss < mss)
		mss = pcb->t_user_mss;
	/* RFC 6691: the MSS counts options too. */
	if (pcb->t_flags & TF_TS)
		mss -= TCP_TSOPT_LEN;
	if (mss < TCP_MSS_MIN - TCP_TSOPT_LEN)
		mss = TCP_MSS_MIN - TCP_TSOPT_LEN;
	pcb->t_mss = (uint16_t)mss;
	unsigned int frags;
	pcb->t_tso_max = ip_tso_for(pcb->t_ns, pcb->t_h.h_raddr, &frags);
	pcb->t_tso_frags = (uint16_t)(frags < UINT16_MAX ? frags : UINT16_MAX);
}

/* RFC 5681 3.1 initial window (RFC 3390's formula); one segment when the
 * SYN had to be retransmitted. */
static uint32_t initial_window(const struct tcp_pcb *pcb)
{
	uint32_t mss = pcb->t_mss;

	if (pcb->t_rxtshift != 0)
		return mss;
	if (mss > 2190)
		return 2 * mss;
	if (mss > 1095)
		return 3 * mss;
	return 4 * mss;
}

void tcp_established(struct tcp_pcb *pcb)
{
	pcb->t_state = TCP_ESTABLISHED;
	pcb->t_flags |= TF_SYNC;
	tcp_mss_update(pcb);
	pcb->t_cwnd = initial_window(pcb);
	pcb->t_ssthresh = 0x7fffffffu;
	pcb->t_recover = pcb->t_snd_una;
	pcb->t_rxtshift = 0;
	tcp_timer_clear(pcb, TCP_T_REXMT);
	tcp_keep_reset(pcb);
	if (pcb->t_flags & TF_FIN_PENDING) {
		pcb->t_flags &= ~TF_FIN_PENDING;
		pcb->t_flags |= TF_SHUT_WR;
		pcb->t_state = TCP_FIN_WAIT_1;
	}
	tcp_notify(pcb, NET_POLLOUT);
}

/* ---- SYN_SENT (RFC 9293 3.10.7.3). */

static void syn_sent_input(struct tcp_pcb *pcb, struct tcp_seg *seg)
{
	uint8_t f = seg->flags;

	if ((f & TCP_ACK) && (seq_leq(seg->ack, pcb->t_iss) ||
			      seq_gt(seg->ack, pcb->t_snd_max))) {
		tcp_reply_rst(pcb->t_ns, seg);
		return;
	}
	if (f & TCP_RST) {
		/* Only a RST that acknowledges our SYN is believed (RFC 5961
		 * 3.2 for SYN-SENT). */
		if (f & TCP_ACK) {
			net_count(pcb->t_ns, NC_tcp_rst_in);
			tcp_drop(pcb, -ECONNREFUSED, false);
		}
		return;
	}
	if (!(f & TCP_SYN))
		return;
	pcb->t_irs = seg->seq;
	pcb->t_rcv_nxt = seg->seq + 1;
	pcb->t_last_ack_sent = pcb->t_rcv_nxt;
	pcb->t_rcv_adv = pcb->t_rcv_nxt +
			 (pcb->t_rcvbuf < 65535 ? pcb->t_rcvbuf : 65535);
	tcp_syn_options(pcb, seg);
	pcb->t_snd_wnd = seg->wnd; /* never scaled in a SYN */
	pcb->t_max_sndwnd = seg->wnd;
	pcb->t_snd_wl1 = seg->seq;
	pcb->t_snd_wl2 = seg->ack;
	if (!(f & TCP_ACK)) {
		/* Simultaneous open (RFC 9293 figure 7). */
		pcb->t_state = TCP_SYN_RECEIVED;
		tcp_send_syn(pcb);
		return;
	}
	pcb->t_snd_una = seg->ack;
	rtt_from_ack(pcb, seg);
	pcb->t_flags &= ~TF_RTT;
	tcp_established(pcb);
	/* Data or FIN on a SYN-ACK is not taken: the peer sends it again
	 * (allowed: it is simply not acknowledged). */
	pcb->t_flags |= TF_ACKNOW;
	tcp_output(pcb);
}

/* ---- Sequence checks (RFC 9293 3.10.7.4 first, RFC 7323 5). */

static uint32_t rcv_wnd(const struct tcp_pcb *pcb)
{
	return seq_gt(pcb->t_rcv_adv, pcb->t_rcv_nxt)
		       ? pcb->t_rcv_adv - pcb->t_rcv_nxt
		       : 0;
}

/* PAWS: false when the segment is an old duplicate to drop. */
static bool paws_ok(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	if (!(pcb->t_flags & TF_TS) || !(seg->opts & SEG_TS) ||
	    !(pcb->t_flags & TF_TS_RECENT) || (seg->flags & TCP_RST))
		return true;
	if (seq_geq(seg->tsval, pcb->t_ts_recent))
		return true;
	if (tcp_now_ms() - pcb->t_ts_recent_ms > TCP_PAWS_IDLE_MS) {
		/* RFC 7323 5.5: the peer's clock may have wrapped. */
		pcb->t_flags &= ~TF_TS_RECENT;
		return true;
	}
	return false;
}

/*
 * Trims the segment to the receive window: duplicate bytes in front (a
 * SYN there too), bytes beyond the window at the end (the FIN with
 * them). False when nothing of it is acceptable; a zero-window probe or a
 * whole duplicate stays acceptable with no data, for its ACK field.
 */
static bool trim_to_window(struct tcp_pcb *pcb, struct tcp_seg *seg,
			   struct netbuf *nb)
{
	uint32_t wnd = rcv_wnd(pcb);
	int32_t front = (int32_t)(pcb->t_rcv_nxt - seg->seq);

	if (front > 0) {
		if (seg->flags & TCP_SYN) {
			seg->flags &= ~TCP_SYN;
			seg->seq++;
			front--;
		}
		if ((uint32_t)front > seg->len ||
		    ((uint32_t)front == seg->len && !(seg->flags & TCP_FIN))) {
			/* All old: answer it, keep only its ACK field. */
			seg->flags &= ~TCP_FIN;
			pcb->t_flags |= TF_ACKNOW;
			front = (int32_t)seg->len;
		}
		netbuf_pull(nb, (size_t)front);
		seg->seq += (uint32_t)front;
		seg->len -= (uint32_t)front;
	}
	int32_t back = (int32_t)(seg->seq + seg->len - (pcb->t_rcv_nxt + wnd));
	if (seg->len == 0 && wnd != 0 &&
	    seq_geq(seg->seq, pcb->t_rcv_nxt + wnd))
		return false;
	if (back <= 0)
		return true;
	if ((uint32_t)back >= seg->len) {
		if (wnd != 0 || seg->seq != pcb->t_rcv_nxt)
			return false;
		pcb->t_flags |= TF_ACKNOW; /* a zero-window probe */
	}
	uint32_t keep = (uint32_t)back >= seg->len ? 0 : seg->len - back;
	netbuf_trim(nb, keep);
	seg->len = keep;
	seg->flags &= ~TCP_FIN;
	return true;
}

/* RFC 5961 3.2: only an exact RST resets; one in the window is
 * challenged. Returns true when the pcb is gone. */
static bool rst_input(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	uint32_t wnd = rcv_wnd(pcb);

	if (seg->seq != pcb->t_rcv_nxt) {
		if (seq_gt(seg->seq, pcb->t_rcv_nxt) &&
		    seq_lt(seg->seq, pcb->t_rcv_nxt + (wnd ? wnd : 1)))
			tcp_challenge_ack(pcb);
		return false;
	}
	net_count(pcb->t_ns, NC_tcp_rst_in);
	switch (pcb->t_state) {
	case TCP_SYN_RECEIVED:
		if (pcb->t_flags & TF_PASSIVE) {
			/* Back to LISTEN: the listener never knew it. */
			tcp_pcb_free(pcb);
			return true;
		}
		tcp_drop(pcb, -ECONNREFUSED, false);
		return true;
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		tcp_closed(pcb);
		return true;
	default:
		tcp_drop(pcb, -ECONNRESET, false);
		return true;
	}
}

/* ---- ACK processing (RFC 9293 3.10.7.4 fifth, RFC 5681, RFC 6582). */

/* Drops len acknowledged bytes from the front of the send buffer. */
static void sb_drop(struct tcp_pcb *pcb, uint32_t len)
{
	pcb->t_sb_len -= len;
	while (len > 0 && pcb->t_sb_head != NULL) {
		struct netbuf *nb = pcb->t_sb_head;
		uint32_t in = nb->nb_len - pcb->t_sb_off;
		if (len < in) {
			pcb->t_sb_off += len;
			return;
		}
		len -= in;
		pcb->t_sb_off = 0;
		pcb->t_sb_head = nb->nb_next;
		if (pcb->t_sb_head == NULL)
			pcb->t_sb_tail = NULL;
		nb->nb_next = NULL;
		netbuf_put(nb);
	}
}

static uint32_t flight(const struct tcp_pcb *pcb)
{
	return pcb->t_snd_max - pcb->t_snd_una;
}

static uint32_t half_flight(const struct tcp_pcb *pcb)
{
	uint32_t h = flight(pcb) / 2;

	return h > 2u * pcb->t_mss ? h : 2u * pcb->t_mss;
}

/* Congestion window growth for acked new bytes outside recovery. */
static void cwnd_grow(struct tcp_pcb *pcb, uint32_t acked)
{
	uint32_t mss = pcb->t_mss;

	if (pcb->t_cwnd < pcb->t_ssthresh) {
		pcb->t_cwnd += acked < mss ? acked : mss;
	} else {
		/* RFC 5681 3.1: one MSS per window of acked bytes. */
		pcb->t_bytes_acked += acked;
		if (pcb->t_bytes_acked >= pcb->t_cwnd) {
			pcb->t_bytes_acked -= pcb->t_cwnd;
			pcb->t_cwnd += mss;
		}
	}
	if (pcb->t_cwnd > TCP_CWND_MAX)
		pcb->t_cwnd = TCP_CWND_MAX;
}

/* A new ACK during fast recovery (RFC 6582 3.2 steps 3-5). Runs after
 * snd_una moved. */
static void recovery_ack(struct tcp_pcb *pcb, uint32_t ack, uint32_t acked)
{
	uint32_t mss = pcb->t_mss;

	if (seq_gt(ack, pcb->t_recover)) {
		/* Full acknowledgment: deflate (step 3, option 1). */
		uint32_t f = flight(pcb);
		uint32_t w = (f > mss ? f : mss) + mss;
		pcb->t_cwnd = w < pcb->t_ssthresh ? w : pcb->t_ssthresh;
		pcb->t_flags &= ~TF_RECOVERY;
		pcb->t_dupacks = 0;
		return;
	}
	/* Partial acknowledgment: the next hole is lost too. */
	tcp_retransmit_first(pcb);
	pcb->t_cwnd = pcb->t_cwnd > acked ? pcb->t_cwnd - acked : 0;
	if (acked >= mss)
		pcb->t_cwnd += mss;
	if (pcb->t_cwnd < mss)
		pcb->t_cwnd = mss;
	tcp_rexmt_restart(pcb);
}

static void dupack(struct tcp_pcb *pcb)
{
	if (pcb->t_dupacks < 255)
		pcb->t_dupacks++;
	if (pcb->t_flags & TF_RECOVERY) {
		if (pcb->t_dupacks > 3)
			pcb->t_cwnd += pcb->t_mss; /* RFC 5681 3.2 step 4 */
		return;
	}
	/* RFC 6582 3.2 step 2: not again for losses of the window that a
	 * timeout or an earlier recovery already handled. */
	if (pcb->t_dupacks != 3 || !seq_gt(pcb->t_snd_una, pcb->t_recover))
		return;
	pcb->t_ssthresh = half_flight(pcb);
	pcb->t_recover = pcb->t_snd_max;
	pcb->t_flags |= TF_RECOVERY;
	pcb->t_flags &= ~TF_RTT;
	net_count(pcb->t_ns, NC_tcp_fast_retransmit);
	tcp_retransmit_first(pcb);
	pcb->t_cwnd = pcb->t_ssthresh + 3u * pcb->t_mss;
}

static void rtt_from_ack(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	if ((pcb->t_flags & TF_TS) && (seg->opts & SEG_TS) && seg->tsecr != 0) {
		uint32_t ms = tcp_ts_now(pcb) - seg->tsecr;
		/* An echo from the future or ages ago is not a sample. */
		if (ms < 600000)
			tcp_rtt_sample(pcb, ms * 1000);
		return;
	}
	if ((pcb->t_flags & TF_RTT) && seq_gt(seg->ack, pcb->t_rtt_seq)) {
		pcb->t_flags &= ~TF_RTT;
		tcp_rtt_sample(pcb, (uint32_t)(net_now_ns() / 1000) -
					    pcb->t_rtt_start_us);
	}
}

/* Our FIN was acknowledged. Returns true when the pcb is gone. */
static bool fin_acked(struct tcp_pcb *pcb)
{
	switch (pcb->t_state) {
	case TCP_FIN_WAIT_1:
		pcb->t_state = TCP_FIN_WAIT_2;
		if (pcb->t_flags & TF_ORPHAN)
			tcp_timer_set(pcb, TCP_T_KEEP,
				      net_now_ns() + TCP_FW2_NS);
		return false;
	case TCP_CLOSING:
		tcp_enter_time_wait(pcb);
		return true;
	case TCP_LAST_ACK:
		tcp_closed(pcb);
		return true;
	default:
		return false;
	}
}

static bool new_ack(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	uint32_t acked = seg->ack - pcb->t_snd_una;
	bool fin = false;
	uint32_t data = acked;

	rtt_from_ack(pcb, seg);
	if ((pcb->t_flags & TF_FIN_SENT) && acked > pcb->t_sb_len) {
		data = pcb->t_sb_len;
		fin = true;
	}
	sb_drop(pcb, data);
	pcb->t_snd_una = seg->ack;
	if (seq_lt(pcb->t_snd_nxt, pcb->t_snd_una))
		pcb->t_snd_nxt = pcb->t_snd_una;
	pcb->t_rxtshift = 0;
	if (pcb->t_flags & TF_RECOVERY) {
		recovery_ack(pcb, seg->ack, acked);
	} else {
		pcb->t_dupacks = 0;
		cwnd_grow(pcb, acked);
	}
	/* RFC 6298 5.2-5.3. */
	if (pcb->t_snd_una == pcb->t_snd_max)
		tcp_timer_clear(pcb, TCP_T_REXMT);
	else if (!(pcb->t_flags & TF_PERSIST))
		tcp_rexmt_restart(pcb);
	if (data != 0 && pcb->t_sndbuf >= pcb->t_sb_len &&
	    pcb->t_sndbuf - pcb->t_sb_len >= pcb->t_sndbuf / 4)
		tcp_notify(pcb, NET_POLLOUT);
	return fin && fin_acked(pcb);
}

static void window_from_ack(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	if (!(seq_lt(pcb->t_snd_wl1, seg->seq) ||
	      (pcb->t_snd_wl1 == seg->seq &&
	       seq_leq(pcb->t_snd_wl2, seg->ack))))
		return;
	uint32_t wnd = (uint32_t)seg->wnd << pcb->t_snd_ws;
	pcb->t_snd_wnd = wnd;
	pcb->t_snd_wl1 = seg->seq;
	pcb->t_snd_wl2 = seg->ack;
	if (wnd > pcb->t_max_sndwnd)
		pcb->t_max_sndwnd = wnd;
	if (wnd != 0 && (pcb->t_flags & TF_PERSIST)) {
		pcb->t_flags &= ~TF_PERSIST;
		tcp_timer_clear(pcb, TCP_T_REXMT);
		pcb->t_rxtshift = 0;
		pcb->t_probes = 0;
	}
}

static enum ack_res ack_input(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	uint32_t ack = seg->ack;
	uint32_t oldest = pcb->t_snd_una - pcb->t_max_sndwnd;

	if (seq_gt(ack, pcb->t_snd_max)) {
		/* Acknowledges what we never sent. */
		net_count(pcb->t_ns, NC_tcp_out_of_window);
		pcb->t_flags |= TF_ACKNOW;
		return ACK_DROP;
	}
	if (seq_lt(ack, oldest)) {
		/* RFC 5961 5.2: too old to be a real ACK. */
		net_count(pcb->t_ns, NC_tcp_out_of_window);
		tcp_challenge_ack(pcb);
		return ACK_DROP;
	}
	if ((pcb->t_flags & TF_PERSIST) && !(pcb->t_flags & TF_ORPHAN))
		pcb->t_probes = 0; /* the peer answers our probes */
	if (seq_gt(ack, pcb->t_snd_una)) {
		if (new_ack(pcb, seg))
			return ACK_GONE;
	} else if (ack == pcb->t_snd_una && seg->len == 0 &&
		   !(seg->flags & (TCP_SYN | TCP_FIN)) &&
		   ((uint32_t)seg->wnd << pcb->t_snd_ws) == pcb->t_snd_wnd &&
		   pcb->t_snd_max != pcb->t_snd_una &&
		   !(pcb->t_flags & TF_PERSIST)) {
		dupack(pcb); /* RFC 5681 2 "DUPLICATE ACKNOWLEDGMENT" */
	} else if (!(pcb->t_flags & TF_RECOVERY)) {
		pcb->t_dupacks = 0;
	}
	window_from_ack(pcb, seg);
	return ACK_CONT;
}

/* SYN_RECEIVED and the ACK of our SYN arrived. False when the segment
 * is to be dropped: the listener's accept queue is full, so the ACK is
 * taken as lost and the connection stays half-open; the SYN-ACK's
 * retransmission asks the peer for it again, when the application may
 * have made room (a reset would lose a connection a burst brought). */
static bool syn_received_ack(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	if (pcb->t_parent != NULL && !tcp_child_fits(pcb)) {
		net_count(pcb->t_ns, NC_tcp_syn_backlog_full);
		return false;
	}
	pcb->t_snd_una = pcb->t_iss + 1;
	pcb->t_snd_wnd = (uint32_t)seg->wnd << pcb->t_snd_ws;
	pcb->t_max_sndwnd = pcb->t_snd_wnd;
	pcb->t_snd_wl1 = seg->seq;
	pcb->t_snd_wl2 = seg->ack;
	rtt_from_ack(pcb, seg);
	pcb->t_flags &= ~TF_RTT;
	tcp_established(pcb);
	if (pcb->t_parent != NULL)
		tcp_child_established(pcb); /* fits: checked above */
	return true;
}

/* ---- Receive queues. */

/* Whether to keep a received netbuf as it is, rather than copy its
 * payload: only if it is well filled, so that a flood of tiny segments
 * in big buffers cannot hold more than a few times the window, and only
 * if it is the heap's: a driver's receive buffer (nb_release set) comes
 * from a fixed pool that a few slow readers must not drain, or the
 * device would stop receiving for everybody. */
static bool keep_netbuf(const struct netbuf *nb)
{
	return nb->nb_release == NULL && nb->nb_len > TCP_COPY_MAX &&
	       nb->nb_cap / 4 <= nb->nb_len;
}

static void rq_link(struct tcp_pcb *pcb, struct netbuf *nb)
{
	nb->nb_next = NULL;
	if (pcb->t_rq_tail != NULL)
		pcb->t_rq_tail->nb_next = nb;
	else
		pcb->t_rq_head = nb;
	pcb->t_rq_tail = nb;
}

/* Appends nb's bytes (all of nb_data) to the in-order queue. Takes nb.
 * False when memory ran out (nothing queued). */
static bool rq_append(struct tcp_pcb *pcb, struct netbuf *nb)
{
	uint32_t len = nb->nb_len;
	struct netbuf *tail = pcb->t_rq_tail;
	size_t room = 0;
	struct netbuf *fresh = NULL;

	if (keep_netbuf(nb)) {
		nb->nb_priv[0] = 0;
		rq_link(pcb, nb);
		pcb->t_rq_len += len;
		return true;
	}
	if (tail != NULL && tail->nb_priv[0] == TCP_RQ_OWN)
		room = netbuf_tailroom(tail);
	if (room < len) {
		fresh = netbuf_alloc(0, tcp_chunk_cap(tail, TCP_RQ_OWN,
						      len - (uint32_t)room,
						      TCP_RQ_CHUNK));
		if (fresh == NULL) {
			netbuf_put(nb);
			return false;
		}
		fresh->nb_priv[0] = TCP_RQ_OWN;
	}
	uint32_t first = room < len ? (uint32_t)room : len;
	if (first != 0)
		memcpy(netbuf_append(tail, first), nb->nb_data, first);
	if (fresh != NULL) {
		memcpy(netbuf_append(fresh, len - first), nb->nb_data + first,
		       len - first);
		rq_link(pcb, fresh);
	}
	pcb->t_rq_len += len;
	netbuf_put(nb);
	return true;
}

static uint32_t ooo_seq(const struct netbuf *nb)
{
	return (uint32_t)nb->nb_priv[0];
}

/*
 * Trims an out-of-order segment (seq, nb) against the queued ones around
 * its place *pp (after prev): drops what they already hold, frees those
 * it covers whole. Returns the new start, nb trimmed (maybe to nothing).
 */
static uint32_t ooo_trim(struct tcp_pcb *pcb, struct netbuf **pp,
			 struct netbuf *prev, uint32_t seq, struct netbuf *nb)
{
	if (prev != NULL) {
		uint32_t end = ooo_seq(prev) + prev->nb_len;
		if (seq_geq(end, seq + nb->nb_len)) {
			netbuf_trim(nb, 0); /* already held */
			return seq;
		}
		if (seq_gt(end, seq)) {
			netbuf_pull(nb, end - seq);
			seq = end;
		}
	}
	while (*pp != NULL && seq_leq(ooo_seq(*pp), seq + nb->nb_len)) {
		struct netbuf *next = *pp;
		if (seq_gt(ooo_seq(next) + next->nb_len, seq + nb->nb_len)) {
			netbuf_trim(nb, ooo_seq(next) - seq);
			break;
		}
		*pp = next->nb_next; /* wholly covered by the new one */
		next->nb_next = NULL;
		netbuf_put(next);
		pcb->t_ooo_n--;
	}
	return seq;
}

static unsigned int ooo_max(const struct tcp_pcb *pcb)
{
	uint32_t max = pcb->t_rcvbuf / 2048;

	if (max < TCP_OOO_MIN)
		max = TCP_OOO_MIN;
	return max > TCP_OOO_MAX ? TCP_OOO_MAX : max;
}

/* Queues an out-of-order segment (seq, nb_data/nb_len) in order. Takes
 * nb. */
static void ooo_insert(struct tcp_pcb *pcb, uint32_t seq, struct netbuf *nb)
{
	struct netbuf **pp = &pcb->t_ooo;
	struct netbuf *prev = NULL;

	while (*pp != NULL && seq_leq(ooo_seq(*pp), seq)) {
		prev = *pp;
		pp = &(*pp)->nb_next;
	}
	seq = ooo_trim(pcb, pp, prev, seq, nb);
	if (nb->nb_len == 0)
		goto drop;
	if (pcb->t_ooo_n >= ooo_max(pcb)) {
		net_count(pcb->t_ns, NC_tcp_ooo_drop);
		goto drop;
	}
	if (!keep_netbuf(nb)) {
		struct netbuf *copy = netbuf_linearize(nb, 0);
		netbuf_put(nb);
		if (copy == NULL)
			return;
		nb = copy;
	}
	nb->nb_priv[0] = seq;
	nb->nb_next = *pp;
	*pp = nb;
	pcb->t_ooo_n++;
	return;
drop:
	netbuf_put(nb);
}

/* Moves out-of-order segments that rcv_nxt reached to the queue. */
static void ooo_merge(struct tcp_pcb *pcb)
{
	struct netbuf *nb;

	while ((nb = pcb->t_ooo) != NULL &&
	       seq_leq(ooo_seq(nb), pcb->t_rcv_nxt)) {
		pcb->t_ooo = nb->nb_next;
		pcb->t_ooo_n--;
		nb->nb_next = NULL;
		uint32_t end = ooo_seq(nb) + nb->nb_len;
		if (seq_leq(end, pcb->t_rcv_nxt)) {
			netbuf_put(nb);
			continue;
		}
		netbuf_pull(nb, pcb->t_rcv_nxt - ooo_seq(nb));
		if (!rq_append(pcb, nb))
			break;
		pcb->t_rcv_nxt = end;
	}
}

/* Delayed ACK (RFC 9293 3.8.6.3, RFC 1122 4.2.3.2): at least every
 * second full-sized segment (every half buffer, when the buffer is that
 * small, lest the sender stall), else after TCP_DELACK_NS. */
static void ack_later(struct tcp_pcb *pcb, uint32_t len)
{
	uint32_t every = 2u * pcb->t_rcv_mss;

	if (every > pcb->t_rcvbuf / 2)
		every = pcb->t_rcvbuf / 2;
	pcb->t_rcv_unacked += len;
	if (pcb->t_rcv_unacked >= every) {
		pcb->t_flags |= TF_ACKNOW;
		return;
	}
	if (!(pcb->t_flags & TF_DELACK)) {
		pcb->t_flags |= TF_DELACK;
		tcp_timer_set(pcb, TCP_T_DELACK, net_now_ns() + TCP_DELACK_NS);
	}
}

/* Takes the segment's payload (nb, seg->len bytes at nb_data). Returns
 * true when the pcb is gone. */
static bool data_input(struct tcp_pcb *pcb, const struct tcp_seg *seg,
		       struct netbuf *nb)
{
	if (pcb->t_flags & TF_ORPHAN) {
		/* Nobody will read it: tell the peer (as BSD and Linux). */
		netbuf_put(nb);
		tcp_drop(pcb, 0, true);
		return true;
	}
	if (seg->seq != pcb->t_rcv_nxt) {
		ooo_insert(pcb, seg->seq, nb);
		pcb->t_flags |= TF_ACKNOW; /* a duplicate ACK for the gap */
		return false;
	}
	if (pcb->t_flags & TF_SHUT_RD) {
		netbuf_put(nb); /* read side shut: consume unseen */
	} else if (!rq_append(pcb, nb)) {
		net_count(pcb->t_ns, NC_tcp_rcvbuf_full);
		return false;
	}
	pcb->t_rcv_nxt += seg->len;
	if (pcb->t_ooo != NULL) {
		ooo_merge(pcb);
		pcb->t_flags |= TF_ACKNOW; /* a hole filled: tell at once */
	} else {
		ack_later(pcb, seg->len);
	}
	tcp_notify(pcb, NET_POLLIN);
	return false;
}

/* Takes the peer's FIN once rcv_nxt reached it. True when gone. */
static bool fin_input(struct tcp_pcb *pcb)
{
	if (!(pcb->t_flags & TF_RCV_FIN_AT) || (pcb->t_flags & TF_RCV_FIN) ||
	    pcb->t_rcv_nxt != pcb->t_rcv_fin)
		return false;
	pcb->t_flags &= ~TF_RCV_FIN_AT;
	pcb->t_flags |= TF_RCV_FIN | TF_ACKNOW;
	pcb->t_rcv_nxt++;
	tcp_notify(pcb, NET_POLLIN | NET_POLLRDHUP);
	switch (pcb->t_state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		pcb->t_state = TCP_CLOSE_WAIT;
		return false;
	case TCP_FIN_WAIT_1:
		pcb->t_state = TCP_CLOSING; /* simultaneous close */
		return false;
	case TCP_FIN_WAIT_2:
		tcp_send_ack(pcb);
		tcp_enter_time_wait(pcb);
		return true;
	default:
		return false;
	}
}

static bool can_receive(const struct tcp_pcb *pcb)
{
	return pcb->t_state == TCP_ESTABLISHED ||
	       pcb->t_state == TCP_FIN_WAIT_1 || pcb->t_state == TCP_FIN_WAIT_2;
}

/* Steps six to eight: text and FIN. True when the pcb is gone. */
static bool text_input(struct tcp_pcb *pcb, const struct tcp_seg *seg,
		       struct netbuf *nb)
{
	if (!can_receive(pcb)) {
		netbuf_put(nb); /* after the peer's FIN: nothing new */
		return false;
	}
	if ((seg->flags & TCP_FIN) && !(pcb->t_flags & TF_RCV_FIN)) {
		pcb->t_flags |= TF_RCV_FIN_AT;
		pcb->t_rcv_fin = seg->seq + seg->len;
	}
	if (seg->len != 0) {
		if (data_input(pcb, seg, nb))
			return true;
	} else {
		netbuf_put(nb);
	}
	if (pcb->t_state == TCP_FIN_WAIT_1 || pcb->t_state == TCP_FIN_WAIT_2 ||
	    pcb->t_state == TCP_ESTABLISHED)
		return fin_input(pcb);
	return false;
}

/* The synchronized-state checks before the ACK field. True when the
 * segment is consumed (dropped, or the pcb gone). */
static bool pre_ack(struct tcp_pcb *pcb, struct tcp_seg *seg, struct netbuf *nb)
{
	uint32_t seq0 = seg->seq;

	if (pcb->t_state == TCP_SYN_RECEIVED &&
	    (seg->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
	    seg->seq == pcb->t_irs) {
		tcp_send_syn(pcb); /* our SYN-ACK was lost */
		return true;
	}
	if (!paws_ok(pcb, seg)) {
		net_count(pcb->t_ns, NC_tcp_out_of_window);
		tcp_send_ack(pcb);
		return true;
	}
	if (seg->flags & TCP_RST) {
		rst_input(pcb, seg);
		return true;
	}
	if (!trim_to_window(pcb, seg, nb)) {
		net_count(pcb->t_ns, NC_tcp_out_of_window);
		tcp_send_ack(pcb);
		return true;
	}
	/* RFC 7323 4.3 */
	if ((seg->opts & SEG_TS) && (pcb->t_flags & TF_TS) &&
	    seq_leq(seq0, pcb->t_last_ack_sent) &&
	    (!(pcb->t_flags & TF_TS_RECENT) ||
	     seq_geq(seg->tsval, pcb->t_ts_recent))) {
		pcb->t_ts_recent = seg->tsval;
		pcb->t_ts_recent_ms = tcp_now_ms();
		pcb->t_flags |= TF_TS_RECENT;
	}
	if (seg->flags & TCP_SYN) {
		/* RFC 5961 4: a SYN in a synchronized state is challenged
		 * (RFC 9293: a passive half-open one goes back to LISTEN). */
		if (pcb->t_state == TCP_SYN_RECEIVED &&
		    (pcb->t_flags & TF_PASSIVE))
			tcp_pcb_free(pcb);
		else
			tcp_challenge_ack(pcb);
		return true;
	}
	if (!(seg->flags & TCP_ACK)) {
		tcp_output(pcb);
		return true;
	}
	return false;
}

void tcp_pcb_input(struct tcp_pcb *pcb, struct tcp_seg *seg, struct netbuf *nb)
{
	if (pcb->t_state == TCP_SYN_SENT) {
		syn_sent_input(pcb, seg);
		netbuf_put(nb);
		return;
	}
	if (pre_ack(pcb, seg, nb))
		goto drop;
	if (pcb->t_state == TCP_SYN_RECEIVED) {
		if (!seq_gt(seg->ack, pcb->t_snd_una) ||
		    seq_gt(seg->ack, pcb->t_snd_max)) {
			tcp_reply_rst(pcb->t_ns, seg);
			goto drop;
		}
		if (!syn_received_ack(pcb, seg))
			goto drop;
	}
	switch (ack_input(pcb, seg)) {
	case ACK_GONE:
		goto drop;
	case ACK_DROP:
		tcp_output(pcb);
		goto drop;
	case ACK_CONT:
		break;
	}
	tcp_keep_reset(pcb);
	if (text_input(pcb, seg, nb))
		return;
	tcp_output(pcb);
	return;
drop:
	netbuf_put(nb);
}

/* ---- ICMP errors (RFC 5927: only for data we have in flight). */

static struct tcp_pcb *icmp_pcb(struct netstack *ns, const uint8_t *inner,
				size_t len, uint32_t *seq)
{
	if (len < IP_HLEN || (inner[0] >> 4) != 4)
		return NULL;
	size_t ihl = (size_t)(inner[0] & 0xf) * 4;
	if (ihl < IP_HLEN || len < ihl + 8 || inner[9] != IP_PROTO_TCP)
		return NULL;
	uint32_t src, dst;
	memcpy(&src, inner + 12, 4);
	memcpy(&dst, inner + 16, 4);
	const uint8_t *t = inner + ihl;
	struct tcp_hnode *h = tcp_conn_lookup(tcp_ctx(ns), src, net_get16(t),
					      dst, net_get16(t + 2));
	if (h == NULL || h->h_tw)
		return NULL;
	struct tcp_pcb *pcb = (struct tcp_pcb *)h;
	*seq = net_get32(t + 4);
	if (seq_lt(*seq, pcb->t_snd_una) || seq_geq(*seq, pcb->t_snd_max))
		return NULL;
	return pcb;
}

/* RFC 1191 plateaus: with no MTU in hand, step down to the next. */
static uint16_t next_plateau(uint32_t mtu)
{
	static const uint16_t plateau[] = { 32000, 17914, 8166, 4352, 2002,
					    1492,  1280,  1006, 576 };

	for (size_t i = 0; i < ARRAY_SIZE(plateau); i++)
		if (plateau[i] < mtu)
			return plateau[i];
	return 576;
}

static void frag_needed(struct tcp_pcb *pcb)
{
	uint32_t ts = (pcb->t_flags & TF_TS) ? TCP_TSOPT_LEN : 0;
	uint32_t cur_mtu = pcb->t_mss + ts + 40;
	uint32_t mtu = ip_mtu_for(pcb->t_ns, pcb->t_h.h_raddr);

	if (mtu >= cur_mtu)
		mtu = next_plateau(cur_mtu);
	if (mtu < 576 || mtu >= cur_mtu)
		return;
	pcb->t_mss = (uint16_t)(mtu - 40 - ts);
	/* Resend what was lost at the old size (RFC 1191 6.5). */
	pcb->t_snd_nxt = pcb->t_snd_una;
	tcp_output(pcb);
}

void tcp_icmp_error(struct netstack *ns, uint8_t type, uint8_t code,
		    const uint8_t *inner, size_t len)
{
	uint32_t seq;
	struct tcp_pcb *pcb = icmp_pcb(ns, inner, len, &seq);

	if (pcb == NULL)
		return;
	if (type == ICMP_DEST_UNREACH && code == ICMP_UNREACH_NEEDFRAG) {
		if (pcb->t_state != TCP_SYN_SENT)
			frag_needed(pcb);
		return;
	}
	if (type != ICMP_DEST_UNREACH && type != ICMP_TIME_EXCEEDED)
		return;
	if (pcb->t_state == TCP_SYN_SENT && type == ICMP_DEST_UNREACH &&
	    (code == ICMP_UNREACH_PROTO || code == ICMP_UNREACH_PORT)) {
		/* RFC 1122 4.2.3.9: hard errors; abort the attempt. */
		tcp_drop(pcb, -ECONNREFUSED, false);
		return;
	}
	/* Soft: reported if the connection then times out. */
	if (type == ICMP_DEST_UNREACH && code == ICMP_UNREACH_NET)
		pcb->t_softerr = -ENETUNREACH;
	else
		pcb->t_softerr = -EHOSTUNREACH;
}
