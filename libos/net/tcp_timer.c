/* SPDX-License-Identifier: MIT */
/*
 * TCP timers: each connection multiplexes its retransmission (or
 * persist), delayed-ACK and keep-alive (or FIN_WAIT_2) deadlines on one
 * net_timer armed for the earliest, so a pcb carries one timer node
 * and the stack's next deadline is always a real one (netd sleeps
 * until it). Also the RFC 6298 RTT estimator and RTO
 * backoff, connection teardown, and the TIME_WAIT records (tcp_impl.h)
 * with their one stack-wide timer.
 */
#include <kernel/errno.h>
#include <kernel/string.h>

#include "tcp_impl.h"

/* ---- Multiplexing. */

static void timer_rearm(struct tcp_pcb *pcb)
{
	uint64_t first = 0;

	for (int i = 0; i < TCP_T_COUNT; i++)
		if (pcb->t_tmr[i] != 0 && (first == 0 || pcb->t_tmr[i] < first))
			first = pcb->t_tmr[i];
	if (first == 0)
		net_timer_cancel(pcb->t_ns, &pcb->t_timer);
	else if (!net_timer_armed(&pcb->t_timer) ||
		 pcb->t_timer.nt_node.tn_deadline != first)
		net_timer_arm(pcb->t_ns, &pcb->t_timer, first);
}

void tcp_timer_set(struct tcp_pcb *pcb, enum tcp_tmr which,
		   uint64_t deadline_ns)
{
	pcb->t_tmr[which] = deadline_ns != 0 ? deadline_ns : 1;
	timer_rearm(pcb);
}

void tcp_timer_clear(struct tcp_pcb *pcb, enum tcp_tmr which)
{
	if (pcb->t_tmr[which] == 0)
		return;
	pcb->t_tmr[which] = 0;
	timer_rearm(pcb);
}

void tcp_timers_stop(struct tcp_pcb *pcb)
{
	for (int i = 0; i < TCP_T_COUNT; i++)
		pcb->t_tmr[i] = 0;
	net_timer_cancel(pcb->t_ns, &pcb->t_timer);
}

/* ---- RTT and RTO (RFC 6298). */

uint64_t tcp_rto_ns(const struct tcp_pcb *pcb)
{
	uint64_t rto = (uint64_t)pcb->t_rto_us << pcb->t_rxtshift;

	if (pcb->t_rxtshift > 16 || rto > TCP_RTO_MAX_US)
		rto = TCP_RTO_MAX_US;
	return rto * 1000;
}

void tcp_rexmt_restart(struct tcp_pcb *pcb)
{
	tcp_timer_set(pcb, TCP_T_REXMT, net_now_ns() + tcp_rto_ns(pcb));
}

void tcp_rtt_sample(struct tcp_pcb *pcb, uint32_t r)
{
	if (pcb->t_srtt_us == 0) {
		/* 2.2: the first measurement. */
		pcb->t_srtt_us = r ? r : 1;
		pcb->t_rttvar_us = r / 2;
	} else {
		/* 2.3 with alpha 1/8, beta 1/4. */
		uint32_t srtt = pcb->t_srtt_us;
		uint32_t err = srtt > r ? srtt - r : r - srtt;
		pcb->t_rttvar_us =
			pcb->t_rttvar_us - pcb->t_rttvar_us / 4 + err / 4;
		pcb->t_srtt_us = srtt - srtt / 8 + r / 8;
		if (pcb->t_srtt_us == 0)
			pcb->t_srtt_us = 1;
	}
	/* Clock granularity G: 1 ms (the timestamp clock). */
	uint32_t var = 4 * pcb->t_rttvar_us;
	uint64_t rto = (uint64_t)pcb->t_srtt_us + (var > 1000 ? var : 1000);
	if (rto < TCP_RTO_MIN_US)
		rto = TCP_RTO_MIN_US;
	if (rto > TCP_RTO_MAX_US)
		rto = TCP_RTO_MAX_US;
	pcb->t_rto_us = (uint32_t)rto;
}

/* ---- Teardown. */

static bool synchronized(const struct tcp_pcb *pcb)
{
	switch (pcb->t_state) {
	case TCP_SYN_RECEIVED:
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

/* To CLOSED: out of the 4-tuple table, no timers, nothing to send. */
static void to_closed(struct tcp_pcb *pcb)
{
	pcb->t_state = TCP_CLOSED;
	tcp_conn_remove(&pcb->t_h);
	tcp_timers_stop(pcb);
	tcp_flush_snd(pcb);
}

/* A half-open child nobody has seen: frees it. */
static bool free_unseen_child(struct tcp_pcb *pcb)
{
	if (pcb->t_parent == NULL || (pcb->t_flags & TF_ACCEPTQ))
		return false;
	tcp_pcb_free(pcb);
	return true;
}

void tcp_drop(struct tcp_pcb *pcb, int err, bool rst)
{
	if (rst && synchronized(pcb))
		tcp_send_rst(pcb);
	if (free_unseen_child(pcb))
		return;
	to_closed(pcb);
	if (err != 0) {
		pcb->t_error = (int16_t)err;
		tcp_flush_rcv(pcb);
	}
	if (pcb->t_flags & TF_ORPHAN) {
		tcp_pcb_free(pcb);
		return;
	}
	tcp_notify(pcb, NET_POLLIN | NET_POLLOUT | NET_POLLHUP |
				(err ? NET_POLLERR : 0));
}

void tcp_closed(struct tcp_pcb *pcb)
{
	tcp_drop(pcb, 0, false);
}

/* ---- Per-connection timer handlers; each returns true when the pcb
 * is gone. */

static int retries(const struct tcp_pcb *pcb)
{
	switch (pcb->t_state) {
	case TCP_SYN_SENT:
		return TCP_SYN_RETRIES;
	case TCP_SYN_RECEIVED:
		return TCP_SYNACK_RETRIES;
	default:
		return TCP_DATA_RETRIES;
	}
}

static bool give_up(struct tcp_pcb *pcb)
{
	int err = pcb->t_softerr != 0 ? pcb->t_softerr : -ETIMEDOUT;

	net_count(pcb->t_ns, NC_tcp_timeout);
	pcb->t_softerr = 0;
	/* No RST for an unanswered SYN-ACK: under a flood of spoofed SYNs
	 * it would only reach bystanders. */
	tcp_drop(pcb, err, pcb->t_state != TCP_SYN_RECEIVED);
	return true;
}

static bool persist_fire(struct tcp_pcb *pcb)
{
	if (pcb->t_probes >= TCP_DATA_RETRIES)
		return give_up(pcb);
	pcb->t_probes++;
	if (pcb->t_rxtshift < 16)
		pcb->t_rxtshift++;
	tcp_persist_send(pcb);
	if (pcb->t_flags & TF_PERSIST)
		tcp_rexmt_restart(pcb);
	return false;
}

static bool rexmt_fire(struct tcp_pcb *pcb)
{
	if (pcb->t_flags & TF_PERSIST)
		return persist_fire(pcb);
	if (pcb->t_snd_una == pcb->t_snd_max)
		return false; /* everything was acknowledged meanwhile */
	if (pcb->t_rxtshift >= retries(pcb))
		return give_up(pcb);
	pcb->t_rxtshift++;
	pcb->t_flags &= ~TF_RTT; /* Karn */
	if (pcb->t_state == TCP_SYN_SENT || pcb->t_state == TCP_SYN_RECEIVED) {
		tcp_send_syn(pcb);
		return false;
	}
	/* RFC 5681 3.1 (4), only for the first timeout of a loss; RFC 6582
	 * 4: no fast retransmit for what was sent before. */
	if (pcb->t_rxtshift == 1)
		pcb->t_ssthresh =
			(pcb->t_snd_max - pcb->t_snd_una) / 2 > 2u * pcb->t_mss
				? (pcb->t_snd_max - pcb->t_snd_una) / 2
				: 2u * pcb->t_mss;
	pcb->t_cwnd = pcb->t_mss;
	pcb->t_bytes_acked = 0;
	pcb->t_dupacks = 0;
	pcb->t_flags &= ~TF_RECOVERY;
	pcb->t_recover = pcb->t_snd_max;
	pcb->t_snd_nxt = pcb->t_snd_una;
	tcp_output(pcb);
	return false;
}

static bool delack_fire(struct tcp_pcb *pcb)
{
	if (pcb->t_flags & TF_DELACK) {
		pcb->t_flags |= TF_ACKNOW;
		tcp_output(pcb);
	}
	return false;
}

static bool keep_fire(struct tcp_pcb *pcb)
{
	uint64_t now = net_now_ns();

	if (pcb->t_state == TCP_FIN_WAIT_2 && (pcb->t_flags & TF_ORPHAN)) {
		/* The peer never closed its side; nobody is listening. */
		tcp_drop(pcb, 0, true);
		return true;
	}
	if (!(pcb->t_flags & TF_KEEPALIVE) ||
	    (pcb->t_state != TCP_ESTABLISHED && pcb->t_state != TCP_CLOSE_WAIT))
		return false;
	if (pcb->t_sb_len != 0 || pcb->t_snd_max != pcb->t_snd_una) {
		/* Retransmissions already watch the peer. */
		tcp_timer_set(pcb, TCP_T_KEEP,
			      now + (uint64_t)pcb->t_keepidle_s * TCP_S);
		return false;
	}
	if (pcb->t_keepsent >= pcb->t_keepcnt) {
		net_count(pcb->t_ns, NC_tcp_keepalive_drop);
		tcp_drop(pcb, -ETIMEDOUT, true);
		return true;
	}
	pcb->t_keepsent++;
	tcp_send_probe(pcb);
	tcp_timer_set(pcb, TCP_T_KEEP,
		      now + (uint64_t)pcb->t_keepintvl_s * TCP_S);
	return false;
}

void tcp_keep_reset(struct tcp_pcb *pcb)
{
	pcb->t_keepsent = 0;
	if (pcb->t_state == TCP_FIN_WAIT_2 && (pcb->t_flags & TF_ORPHAN))
		return; /* the slot times FIN_WAIT_2 */
	if (!(pcb->t_flags & TF_KEEPALIVE) ||
	    (pcb->t_state != TCP_ESTABLISHED &&
	     pcb->t_state != TCP_CLOSE_WAIT)) {
		tcp_timer_clear(pcb, TCP_T_KEEP);
		return;
	}
	tcp_timer_set(pcb, TCP_T_KEEP,
		      net_now_ns() + (uint64_t)pcb->t_keepidle_s * TCP_S);
}

void tcp_timer_fn(struct net_timer *t)
{
	static bool (*const fire[TCP_T_COUNT])(struct tcp_pcb *) = {
		[TCP_T_REXMT] = rexmt_fire,
		[TCP_T_DELACK] = delack_fire,
		[TCP_T_KEEP] = keep_fire,
	};
	struct tcp_pcb *pcb = container_of(t, struct tcp_pcb, t_timer);
	uint64_t now = net_now_ns();

	/* The queue's clock may be ahead of ours (a test running timers
	 * at a time of its choice): what fired is due. */
	if (now < t->nt_node.tn_deadline)
		now = t->nt_node.tn_deadline;
	for (int i = 0; i < TCP_T_COUNT; i++) {
		if (pcb->t_tmr[i] == 0 || pcb->t_tmr[i] > now)
			continue;
		pcb->t_tmr[i] = 0;
		if (fire[i](pcb))
			return;
	}
	timer_rearm(pcb);
}

/* ---- TIME_WAIT records. */

static void tw_unlink(struct tcp_ctx *c, struct tcp_tw *tw)
{
	if (tw->tw_prev != NULL)
		tw->tw_prev->tw_next = tw->tw_next;
	else
		c->c_tw_head = tw->tw_next;
	if (tw->tw_next != NULL)
		tw->tw_next->tw_prev = tw->tw_prev;
	else
		c->c_tw_tail = tw->tw_prev;
	tw->tw_prev = NULL;
	tw->tw_next = NULL;
}

static void tw_append(struct tcp_ctx *c, struct tcp_tw *tw)
{
	tw->tw_expire_ns = net_now_ns() + 2 * TCP_MSL_NS;
	tw->tw_prev = c->c_tw_tail;
	tw->tw_next = NULL;
	if (c->c_tw_tail != NULL)
		c->c_tw_tail->tw_next = tw;
	else
		c->c_tw_head = tw;
	c->c_tw_tail = tw;
	net_timer_arm(c->c_ns, &c->c_tw_timer, c->c_tw_head->tw_expire_ns);
}

void tcp_tw_free(struct tcp_ctx *c, struct tcp_tw *tw)
{
	tw_unlink(c, tw);
	tcp_conn_remove(&tw->tw_h);
	c->c_tws--;
	net_free(c->c_ns, tw, sizeof(*tw));
	if (c->c_tw_head == NULL)
		net_timer_cancel(c->c_ns, &c->c_tw_timer);
}

void tcp_tw_timer_fn(struct net_timer *t)
{
	struct tcp_ctx *c = container_of(t, struct tcp_ctx, c_tw_timer);
	uint64_t now = net_now_ns();

	if (now < t->nt_node.tn_deadline)
		now = t->nt_node.tn_deadline;
	while (c->c_tw_head != NULL && c->c_tw_head->tw_expire_ns <= now)
		tcp_tw_free(c, c->c_tw_head);
	if (c->c_tw_head != NULL)
		net_timer_arm(c->c_ns, &c->c_tw_timer,
			      c->c_tw_head->tw_expire_ns);
}

void tcp_enter_time_wait(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->t_ns;
	struct tcp_ctx *c = tcp_ctx(ns);
	struct tcp_tw *tw = net_alloc(ns, sizeof(*tw));

	if (tw == NULL) {
		tcp_closed(pcb); /* TIME_WAIT is a safeguard, not a duty */
		return;
	}
	if (c->c_tws >= TCP_TW_MAX)
		tcp_tw_free(c, c->c_tw_head);
	tw->tw_h = pcb->t_h;
	tw->tw_h.h_tw = true;
	tw->tw_h.h_next = NULL;
	tw->tw_h.h_pprev = NULL;
	tw->tw_snd_nxt = pcb->t_snd_max;
	tw->tw_rcv_nxt = pcb->t_rcv_nxt;
	tw->tw_ts = (pcb->t_flags & TF_TS) != 0;
	tw->tw_ts_recent = pcb->t_ts_recent;
	tw->tw_ts_off = pcb->t_ts_off;
	tw->tw_wnd = tcp_rcv_window(pcb);
	tw->tw_ttl = pcb->t_ttl;
	tw->tw_tos = pcb->t_tos;
	c->c_tws++;
	tcp_conn_remove(&pcb->t_h);
	tcp_conn_insert(c, &tw->tw_h);
	tw_append(c, tw);

	tcp_timers_stop(pcb);
	tcp_flush_snd(pcb);
	pcb->t_state = TCP_TIME_WAIT;
	pcb->t_flags |= TF_DETACHED;
	if (pcb->t_flags & TF_ORPHAN) {
		tcp_pcb_free(pcb);
		return;
	}
	tcp_notify(pcb, NET_POLLIN | NET_POLLRDHUP | NET_POLLHUP);
}

static void tw_ack(struct tcp_ctx *c, const struct tcp_tw *tw)
{
	struct tcp_emit e = {
		.saddr = tw->tw_h.h_laddr,
		.daddr = tw->tw_h.h_raddr,
		.sport = tw->tw_h.h_lport,
		.dport = tw->tw_h.h_rport,
		.seq = tw->tw_snd_nxt,
		.ack = tw->tw_rcv_nxt,
		.flags = TCP_ACK,
		.wnd = tw->tw_wnd,
		.ws = -1,
		.ts = tw->tw_ts,
		.tsval = tcp_now_ms() + tw->tw_ts_off,
		.tsecr = tw->tw_ts_recent,
		.ttl = tw->tw_ttl,
		.tos = tw->tw_tos,
	};

	tcp_emit(c->c_ns, &e);
}

bool tcp_tw_input(struct tcp_ctx *c, struct tcp_tw *tw, struct tcp_seg *seg,
		  struct netbuf *nb)
{
	uint8_t f = seg->flags;
	bool ts = tw->tw_ts && (seg->opts & SEG_TS);

	/* RFC 1337: a RST must not cut TIME_WAIT short. */
	if (f & TCP_RST)
		goto drop;
	if (ts && seq_lt(seg->tsval, tw->tw_ts_recent)) {
		tw_ack(c, tw); /* PAWS: an old duplicate */
		goto drop;
	}
	if ((f & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
	    (ts ? seq_gt(seg->tsval, tw->tw_ts_recent)
		: seq_gt(seg->seq, tw->tw_rcv_nxt))) {
		/* RFC 9293 3.6.1 / RFC 6191: a new incarnation. */
		tcp_tw_free(c, tw);
		return true;
	}
	if (f & TCP_FIN) {
		/* The peer lost our ACK of its FIN: again, and wait anew. */
		tw_ack(c, tw);
		tw_unlink(c, tw);
		tw_append(c, tw);
		goto drop;
	}
	if (seg->len != 0 || (f & TCP_SYN) || seg->seq != tw->tw_rcv_nxt)
		tw_ack(c, tw);
drop:
	netbuf_put(nb);
	return false;
}
