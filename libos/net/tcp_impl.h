/* SPDX-License-Identifier: MIT */
/*
 * TCP internals shared by tcp.c (tables, pcbs, the socket-facing calls),
 * tcp_in.c (parsing and the RFC 9293 state machine), tcp_out.c (segment
 * building and the send decision), tcp_syn.c (listeners and SYN
 * cookies) and tcp_timer.c (timers, RTT estimation, TIME_WAIT records).
 *
 * Locking: every field of every structure here is [N], the stack's
 * serialisation (<net/net.h>: netd's mutex in the image); nothing else
 * needs a lock, and no call here blocks.
 */
#ifndef NET_TCP_IMPL_H
#define NET_TCP_IMPL_H

#include <net/tcp.h>

/* ---- Protocol constants and tunables. */

#define TCP_HLEN 20 /* header without options */
#define TCP_CSUM_OFF 16 /* checksum field within the header */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WS 3
#define TCP_OPT_SACKOK 4
#define TCP_OPT_TS 8

#define TCP_MSS_DEFAULT 536 /* RFC 9293 3.7.1: no MSS option */
#define TCP_MSS_MIN 64 /* floor for a peer's MSS: no 1-byte segments */
#define TCP_WS_MAX 14 /* RFC 7323 2.3 */
#define TCP_TSOPT_LEN 12 /* NOP NOP TS */

#define TCP_BUF_DEFAULT (64u * 1024)
#define TCP_BUF_MIN 2048u
#define TCP_BUF_MAX (4u * 1024 * 1024)
/*
 * The chunks that hold a send buffer's bytes and the copies of small
 * received segments: an empty buffer's first is a 256-byte heap block
 * with its netbuf (a request or its answer often fits), each one after
 * it, while the buffer holds data, a block twice the one before (areas
 * of 160, 416, 928, 1,952 bytes, then page runs of 4,000, 8,096 and
 * 16,288), up to the largest. The hardened heap poisons a freed block
 * whole and checks it whole when it is handed out again, so a block's
 * size is paid twice per use: on a keep-alive request/response loop 2
 * KiB chunks cost 14 % more guest instructions per request than these
 * (bench/net.py, -icount).
 */
#define TCP_CHUNK_MIN (256u - NETBUF_STRUCT_MAX)
#define TCP_SB_CHUNK (16384u - NETBUF_STRUCT_MAX) /* largest send chunk */
#define TCP_RQ_CHUNK NETBUF_SMALL_AREA /* largest receive copy chunk */
#define TCP_COPY_MAX 256u /* payloads up to this are copied, not sliced */
/* Out-of-order segments held per connection: 32, or one per 2 KiB of
 * receive buffer up to 255 (their bytes are within the window anyway;
 * the count bounds per-segment overhead and insertion work). */
#define TCP_OOO_MIN 32
#define TCP_OOO_MAX 255

#define TCP_MS 1000000ull /* ns */
#define TCP_S (1000 * TCP_MS)
#define TCP_RTO_INIT_US 1000000u /* RFC 6298 2.1 */
#define TCP_RTO_MIN_US 200000u /* below RFC 6298's 1 s, as deployed stacks */
#define TCP_RTO_MAX_US 60000000u
#define TCP_DELACK_NS (40 * TCP_MS)
#define TCP_MSL_NS (30 * TCP_S)
#define TCP_FW2_NS (60 * TCP_S) /* FIN_WAIT_2 of a closed socket */
#define TCP_SYN_RETRIES 6
#define TCP_SYNACK_RETRIES 5
#define TCP_DATA_RETRIES 12
#define TCP_KEEPIDLE_S 7200
#define TCP_KEEPINTVL_S 75
#define TCP_KEEPCNT 9
#define TCP_KEEP_MAX_S 32767
#define TCP_CHALLENGE_PER_S 10 /* RFC 5961 7: per connection */
#define TCP_PAWS_IDLE_MS (24u * 24 * 3600 * 1000) /* RFC 7323 5.5 */

#define TCP_SYNQ_MAX 256 /* half-open children per listener, at most */
#define TCP_TW_MAX 4096 /* TIME_WAIT records per stack */
#define TCP_COOKIE_PERIOD_NS (64 * TCP_S)
#define TCP_COOKIE_SLACK_NS (2 * TCP_COOKIE_PERIOD_NS)

#define TCP_EPHEMERAL_LO 49152
#define TCP_EPHEMERAL_HI 65535

#define TCP_CONN_BUCKETS 512
#define TCP_BIND_BUCKETS 256

/* ---- Sequence arithmetic (RFC 9293 3.4: modulo 2^32). */

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* ---- Demultiplexing: pcbs and TIME_WAIT records share one 4-tuple
 * table through this node. */

struct tcp_hnode {
	struct tcp_hnode *h_next;
	struct tcp_hnode **h_pprev; /* NULL: not in the table */
	uint32_t h_laddr, h_raddr; /* network order */
	uint16_t h_lport, h_rport; /* host order */
	bool h_tw; /* a struct tcp_tw, not a pcb */
};

/*
 * A connection in TIME_WAIT: what it takes to answer a retransmitted FIN
 * and to let a new SYN reuse the 4-tuple (RFC 9293 3.6.1, RFC 6191) --
 * a fraction of a pcb, so a busy server's thousands of closed
 * connections cost little. Records live in expiry order on one list
 * (every record waits the same 2*MSL, and a restart moves it to the
 * tail), so a single stack timer serves them all.
 */
struct tcp_tw {
	struct tcp_hnode tw_h;
	struct tcp_tw *tw_prev, *tw_next; /* expiry order */
	uint64_t tw_expire_ns;
	uint32_t tw_snd_nxt, tw_rcv_nxt;
	uint32_t tw_ts_recent, tw_ts_off;
	uint16_t tw_wnd; /* window field of our ACKs (already scaled) */
	bool tw_ts; /* timestamps in use */
	uint8_t tw_ttl, tw_tos;
};

/* ---- Per-connection timers multiplexed on one net_timer. */

enum tcp_tmr {
	TCP_T_REXMT, /* retransmission, or persist with TF_PERSIST */
	TCP_T_DELACK,
	TCP_T_KEEP, /* keep-alive; FIN_WAIT_2 timeout of a closed socket */
	TCP_T_COUNT
};

/* t_flags */
#define TF_ACKNOW 0x00000001u /* send an ACK at the next output */
#define TF_DELACK 0x00000002u /* an ACK is being delayed */
#define TF_NODELAY 0x00000004u
#define TF_KEEPALIVE 0x00000008u
#define TF_REUSEADDR 0x00000010u
#define TF_ORPHAN 0x00000020u /* tcp_close()d: the stack frees it */
#define TF_SHUT_WR 0x00000040u /* FIN queued after the send buffer */
#define TF_SHUT_RD 0x00000080u
#define TF_FIN_SENT 0x00000100u /* FIN has gone out at least once */
#define TF_RCV_FIN 0x00000200u /* peer's FIN taken (rcv_nxt past it) */
#define TF_RCV_FIN_AT 0x00000400u /* FIN seen at t_rcv_fin, not reached */
#define TF_WS 0x00000800u /* window scaling in use */
#define TF_TS 0x00001000u /* timestamps in use */
#define TF_TS_RECENT 0x00002000u /* t_ts_recent is valid */
#define TF_RTT 0x00004000u /* timing t_rtt_seq */
#define TF_RECOVERY 0x00008000u /* NewReno fast recovery */
#define TF_PERSIST 0x00010000u /* REXMT slot holds the persist timer */
#define TF_SYNC 0x00020000u /* reached ESTABLISHED once */
#define TF_DETACHED 0x00040000u /* TIME_WAIT moved to a tcp_tw record */
#define TF_BOUND 0x00080000u /* has a local port */
#define TF_PASSIVE 0x00100000u /* child of a listener */
#define TF_FIN_PENDING 0x00200000u /* shut down in SYN_RECEIVED */
#define TF_WS_OFFER 0x00400000u /* SYN carried window scale */
#define TF_TS_OFFER 0x00800000u /* SYN carried timestamps */
#define TF_ACCEPTQ 0x01000000u /* in the parent's accept queue */

/*
 * A connection (or a listener). Fields are grouped by use; none needs a
 * lock (the stack is serialised). Addresses network order, ports host
 * order, sequence numbers as on the wire, times as noted.
 */
struct tcp_pcb {
	struct tcp_hnode t_h; /* 4-tuple; in the table once connecting */
	struct tcp_pcb *t_bnext; /* bind table, keyed by local port */
	struct tcp_pcb **t_bpprev;
	struct netstack *t_ns;
	struct net_timer t_timer;
	uint64_t t_tmr[TCP_T_COUNT]; /* deadlines (ns), 0 = off */
	net_notify_fn t_notify;
	void *t_notify_arg;
	struct tcp_pcb *t_parent; /* listener of an unaccepted child */
	struct tcp_pcb *t_lnext; /* the parent's queue; or listeners */
	struct tcp_listener *t_lsn; /* LISTEN state only */

	/* Send buffer: bytes from snd_una on, in netbuf chunks linked by
	 * nb_next; t_sb_off bytes of the head are already acknowledged. */
	struct netbuf *t_sb_head, *t_sb_tail;
	uint32_t t_sb_off, t_sb_len, t_sndbuf;
	/* Receive: in-order bytes (t_rq_len, the head's nb_data is the
	 * next to read) and out-of-order segments sorted by sequence
	 * (nb_priv[0] holds each one's sequence number). */
	struct netbuf *t_rq_head, *t_rq_tail, *t_ooo;
	uint32_t t_rq_len, t_rcvbuf;

	/* Send sequence space. t_snd_max is the highest ever sent: after a
	 * timeout t_snd_nxt goes back to t_snd_una (go-back-N). */
	uint32_t t_iss, t_snd_una, t_snd_nxt, t_snd_max;
	uint32_t t_snd_wnd, t_snd_wl1, t_snd_wl2, t_max_sndwnd;
	/* Receive sequence space. t_rcv_adv is the advertised right edge
	 * (never moved left). */
	uint32_t t_irs, t_rcv_nxt, t_rcv_adv, t_rcv_fin, t_last_ack_sent;
	uint32_t t_rcv_unacked; /* bytes since our last ACK (delayed ACK) */

	/* Congestion control (bytes). */
	uint32_t t_cwnd, t_ssthresh, t_recover, t_bytes_acked;
	/* RTT (RFC 6298), microseconds. */
	uint32_t t_srtt_us, t_rttvar_us, t_rto_us;
	uint32_t t_rtt_seq, t_rtt_start_us;
	/* Timestamps (RFC 7323), in our 1 ms timestamp clock. */
	uint32_t t_ts_recent, t_ts_recent_ms, t_ts_off;
	/* Challenge ACK rate (RFC 5961 7). */
	uint32_t t_chal_ms;

	uint32_t t_flags; /* TF_* */
	uint16_t t_keepidle_s, t_keepintvl_s;
	int16_t t_error, t_softerr; /* negative errno, 0 */
	int16_t t_linger_s; /* -1: off */
	uint16_t t_mss; /* payload per segment we send (options off) */
	uint16_t t_peer_mss; /* from the peer's SYN */
	uint16_t t_rcv_mss; /* what we advertised */
	uint16_t t_user_mss; /* NET_OPT_MAXSEG, 0 = none */
	/* Segmentation offload on the route (tcp_mss_update()): the
	 * largest IP packet of a super-segment, 0 = none, and the most
	 * netbufs (header included) per frame, 0 = no limit. */
	uint32_t t_tso_max;
	uint16_t t_tso_frags;
	uint8_t t_state; /* enum tcp_state */
	uint8_t t_snd_ws, t_rcv_ws;
	uint8_t t_rxtshift; /* consecutive timeouts (or probes) */
	uint8_t t_dupacks;
	uint8_t t_keepcnt, t_keepsent;
	uint8_t t_probes; /* persist probes unanswered */
	uint8_t t_ooo_n;
	uint8_t t_ttl, t_tos; /* 0 ttl: default */
	uint8_t t_chal_n;
};

/* A listener's queues (allocated by tcp_listen). */
struct tcp_listener {
	struct tcp_pcb *l_synq; /* SYN_RECEIVED children, via t_lnext */
	struct tcp_pcb *l_acc_head, *l_acc_tail; /* established, FIFO */
	uint32_t l_syn_n, l_acc_n;
	uint32_t l_backlog, l_syn_max;
	uint64_t l_cookie_ns; /* when a cookie was last sent, 0 never */
};

struct tcp_ctx {
	struct netstack *c_ns;
	uint64_t c_hash_key[2];
	uint64_t c_isn_key[2]; /* RFC 6528 secret */
	uint64_t c_cookie_key[2];
	uint32_t c_pcbs, c_tws;
	bool c_dying; /* tcp_fini(): send nothing more */
	struct tcp_pcb *c_listeners; /* via t_lnext */
	struct tcp_tw *c_tw_head, *c_tw_tail;
	struct net_timer c_tw_timer;
	struct tcp_hnode *c_conn[TCP_CONN_BUCKETS];
	struct tcp_pcb *c_bind[TCP_BIND_BUCKETS];
};

/* A parsed segment: header fields in host order, options decoded. */
#define SEG_MSS 0x01
#define SEG_WS 0x02
#define SEG_TS 0x04
#define SEG_SACKOK 0x08

struct tcp_seg {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t len; /* payload bytes (at nb_data after parsing) */
	uint16_t wnd, urp;
	uint8_t flags; /* TCP_* */
	uint8_t opts; /* SEG_* */
	uint8_t ws;
	uint16_t mss;
	uint32_t tsval, tsecr;
};

/* What tcp_emit() sends. */
struct tcp_emit {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd; /* the field */
	/* Options: MSS and WS only with SYN. */
	uint16_t mss; /* 0: none */
	int ws; /* -1: none */
	bool ts;
	uint32_t tsval, tsecr;
	uint8_t ttl, tos;
	/* Payload from a pcb's send buffer (offset from snd_una). */
	const struct tcp_pcb *pcb;
	uint32_t off, len;
	/* Non-zero: len is more than one segment, a super-segment the
	 * device cuts into segments of gso_size payload bytes. */
	uint16_t gso_size;
};

/* ---- tcp.c */

static inline struct tcp_ctx *tcp_ctx(struct netstack *ns)
{
	return ns->ns_tcp;
}
struct tcp_hnode *tcp_conn_lookup(struct tcp_ctx *c, uint32_t laddr,
				  uint16_t lport, uint32_t raddr,
				  uint16_t rport);
void tcp_conn_insert(struct tcp_ctx *c, struct tcp_hnode *h);
void tcp_conn_remove(struct tcp_hnode *h);
void tcp_bind_insert(struct tcp_pcb *pcb);
/* A listener for (laddr, lport): exact address first, then any. */
struct tcp_pcb *tcp_listener_lookup(struct tcp_ctx *c, uint32_t laddr,
				    uint16_t lport);
uint32_t tcp_isn(struct tcp_ctx *c, uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport);
uint32_t tcp_ts_offset(struct tcp_ctx *c, uint32_t laddr, uint16_t lport,
		       uint32_t raddr, uint16_t rport);
/* Sets the sequence state, ISS and options we offer for a SYN to the
 * pcb's 4-tuple. */
void tcp_conn_setup(struct tcp_pcb *pcb);
/* A new pcb, counted and on no list. NULL when memory is short. */
struct tcp_pcb *tcp_pcb_alloc(struct netstack *ns);
/* Unlinks pcb from every table and queue and frees it and its data. */
void tcp_pcb_free(struct tcp_pcb *pcb);
void tcp_notify(struct tcp_pcb *pcb, unsigned int events);
/* Frees the queued send and receive data. */
void tcp_flush_snd(struct tcp_pcb *pcb);
void tcp_flush_rcv(struct tcp_pcb *pcb);

/* ---- tcp_in.c */

/* Sets the sending MSS from the peer's, the route's and the user's
 * limits, less the timestamp option when in use. */
void tcp_mss_update(struct tcp_pcb *pcb);
/* Takes the peer's SYN options (and ours, as offered) into the pcb. */
void tcp_syn_options(struct tcp_pcb *pcb, const struct tcp_seg *seg);
/* Runs a segment through a non-listening pcb's state machine. Takes
 * nb (nb_data at the payload). */
void tcp_pcb_input(struct tcp_pcb *pcb, struct tcp_seg *seg, struct netbuf *nb);
/* The connection is established (SYN_SENT or SYN_RECEIVED done). */
void tcp_established(struct tcp_pcb *pcb);

/* ---- tcp_out.c */

/* Sends what the state, windows, Nagle and pending ACKs allow. New
 * data go in super-segments of several MSS when the route offers
 * segmentation offload (t_tso_max); retransmissions one MSS at a time. */
void tcp_output(struct tcp_pcb *pcb);
/*
 * The most new data to send at once from offset off of the send buffer,
 * when len bytes (more than one MSS) are allowed by the windows: len cut
 * to what one super-segment carries (t_tso_max, t_tso_frags pieces of
 * the send buffer) and to whole segments, except that a short last
 * segment stays when Nagle would let it go now. t_mss when the pcb has
 * no offload.
 */
uint32_t tcp_tso_len(const struct tcp_pcb *pcb, uint32_t off, uint32_t len);
/* What the persist timer sends: data the window takes, or a probe. */
void tcp_persist_send(struct tcp_pcb *pcb);
/* Resends the first unacknowledged segment (fast retransmit). */
void tcp_retransmit_first(struct tcp_pcb *pcb);
/* Sends one segment at snd_nxt..: the SYN or SYN-ACK. */
int tcp_send_syn(struct tcp_pcb *pcb);
/* Sends a bare ACK now (also the challenge ACK and probes). */
void tcp_send_ack(struct tcp_pcb *pcb);
/* An ACK with sequence snd_una - 1: keep-alive and zero-window probe. */
void tcp_send_probe(struct tcp_pcb *pcb);
/* A RST from a pcb (abort, drop after timeout). */
void tcp_send_rst(struct tcp_pcb *pcb);
/* The RST answering seg, which found no connection (RFC 9293 3.10.7.1). */
void tcp_reply_rst(struct netstack *ns, const struct tcp_seg *seg);
/* Builds and sends one segment; 0 or ip_output()'s error. */
int tcp_emit(struct netstack *ns, const struct tcp_emit *e);
/* The window field for an outgoing segment; advances t_rcv_adv. */
uint16_t tcp_rcv_window(struct tcp_pcb *pcb);
/* The receive window the pcb could open to now (SWS-avoided). */
uint32_t tcp_rcv_space(const struct tcp_pcb *pcb);
/* Our timestamp clock. */
uint32_t tcp_ts_now(const struct tcp_pcb *pcb);
uint32_t tcp_now_ms(void);
/* Rate-limited challenge ACK (RFC 5961). */
void tcp_challenge_ack(struct tcp_pcb *pcb);

/* ---- tcp_syn.c */

void tcp_listen_input(struct tcp_pcb *lsn, struct tcp_seg *seg,
		      struct netbuf *nb);
/* Whether the child's listener has room in its accept queue. */
bool tcp_child_fits(const struct tcp_pcb *child);
/* A child left SYN_RECEIVED: moves it to the accept queue (false and
 * nothing done when the queue is full). */
bool tcp_child_established(struct tcp_pcb *child);
/* Takes a child off its listener's queues. */
void tcp_child_unlink(struct tcp_pcb *child);
/* Resets and frees every child of a listener. */
void tcp_listener_drop_children(struct tcp_pcb *lsn);

/* ---- tcp_timer.c */

void tcp_timer_fn(struct net_timer *t);
void tcp_timer_set(struct tcp_pcb *pcb, enum tcp_tmr which,
		   uint64_t deadline_ns);
void tcp_timer_clear(struct tcp_pcb *pcb, enum tcp_tmr which);
void tcp_timers_stop(struct tcp_pcb *pcb);
/* (Re)starts the retransmission timer at the current RTO. */
void tcp_rexmt_restart(struct tcp_pcb *pcb);
/* The current RTO with backoff, in ns. */
uint64_t tcp_rto_ns(const struct tcp_pcb *pcb);
/* Feeds one RTT sample (RFC 6298 2.2-2.3). */
void tcp_rtt_sample(struct tcp_pcb *pcb, uint32_t rtt_us);
/* Keep-alive idle timer restart after input. */
void tcp_keep_reset(struct tcp_pcb *pcb);
/* Drops the connection with err (ETIMEDOUT...), RST to a synchronized
 * peer when rst. Frees an orphan. */
void tcp_drop(struct tcp_pcb *pcb, int err, bool rst);
/* Closes without error (LAST_ACK done...). Frees an orphan. */
void tcp_closed(struct tcp_pcb *pcb);
/* Moves the connection to a TIME_WAIT record. Frees an orphan. */
void tcp_enter_time_wait(struct tcp_pcb *pcb);
/* A segment for a TIME_WAIT record. Takes nb and returns false, or
 * returns true (nb untouched) when a new SYN retired the record and
 * should go to a listener. */
bool tcp_tw_input(struct tcp_ctx *c, struct tcp_tw *tw, struct tcp_seg *seg,
		  struct netbuf *nb);
void tcp_tw_free(struct tcp_ctx *c, struct tcp_tw *tw);
void tcp_tw_timer_fn(struct net_timer *t);

/* The area of the next chunk of a buffer whose last netbuf is `tail`
 * (`own` in nb_priv[0] when it is one of the buffer's chunks), for
 * `need` more bytes: the larger of need and the doubling above, which
 * stops at max. */
static inline size_t tcp_chunk_cap(const struct netbuf *tail, uintptr_t own,
				   size_t need, size_t max)
{
	size_t cap = TCP_CHUNK_MIN;

	if (tail != NULL && tail->nb_priv[0] == own) {
		cap = 2 * ((size_t)tail->nb_cap + NETBUF_STRUCT_MAX) -
		      NETBUF_STRUCT_MAX;
		if (cap > max)
			cap = max;
	}
	return need > cap ? need : cap;
}

#endif /* NET_TCP_IMPL_H */
