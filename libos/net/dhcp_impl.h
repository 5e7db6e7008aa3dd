/* SPDX-License-Identifier: MIT */
/*
 * The DHCP client's protocol engine (libos/net/dhcp.c), apart from the
 * binding to the stack so that host tests can drive it alone: it builds
 * and parses messages and decides, given the time; it sends and reports
 * through the ops its owner gives, and never touches an interface, a
 * pcb or a timer itself. Time is passed in (net_now_ns() nanoseconds);
 * randomness (xid, retransmission jitter) comes from net_random().
 *
 * Driving it: dhcp_engine_start(), then dhcp_engine_input() for each
 * datagram received on port 68 from port 67, and dhcp_engine_run()
 * whenever dhcp_engine_deadline() has passed (or at any time: it does
 * only what is due). Calls are serialised by the owner.
 */
#ifndef NET_DHCP_IMPL_H
#define NET_DHCP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net/dhcp.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

/* Message layout (RFC 2131 section 2, figure 1). */
#define DHCP_OFF_OP 0
#define DHCP_OFF_HTYPE 1
#define DHCP_OFF_HLEN 2
#define DHCP_OFF_XID 4
#define DHCP_OFF_SECS 8
#define DHCP_OFF_FLAGS 10
#define DHCP_OFF_CIADDR 12
#define DHCP_OFF_YIADDR 16
#define DHCP_OFF_CHADDR 28
#define DHCP_OFF_SNAME 44
#define DHCP_SNAME_LEN 64
#define DHCP_OFF_FILE 108
#define DHCP_FILE_LEN 128
#define DHCP_OFF_COOKIE 236
#define DHCP_OFF_OPTIONS 240
#define DHCP_COOKIE 0x63825363u
#define DHCP_FLAG_BROADCAST 0x8000u
#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY 2
#define DHCP_HTYPE_ETHER 1

/* What we send: the BOOTP minimum, which some relays insist on. */
#define DHCP_MSG_OUT 300
/* The largest reply we take (a full Ethernet frame's UDP payload);
 * longer ones are dropped. */
#define DHCP_MSG_MAX 1472

/* Option codes (RFC 2132). */
#define DHCP_OPT_PAD 0
#define DHCP_OPT_MASK 1
#define DHCP_OPT_ROUTER 3
#define DHCP_OPT_DNS 6
#define DHCP_OPT_REQ_ADDR 50
#define DHCP_OPT_LEASE 51
#define DHCP_OPT_OVERLOAD 52
#define DHCP_OPT_TYPE 53
#define DHCP_OPT_SERVER 54
#define DHCP_OPT_PARAMS 55
#define DHCP_OPT_T1 58
#define DHCP_OPT_T2 59
#define DHCP_OPT_END 255

/* Message types (option 53). */
#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define DHCP_DECLINE 4
#define DHCP_ACK 5
#define DHCP_NAK 6
#define DHCP_RELEASE 7
#define DHCP_INFORM 8

/* Retransmission (RFC 2131 section 4.1): 4 s doubling to 64 s, +-1 s. */
#define DHCP_RETX_FIRST_NS (4ull * 1000000000)
#define DHCP_RETX_MAX_NS (64ull * 1000000000)
#define DHCP_RETX_JITTER_MS 1000
/* REQUESTs sent for one offer before starting over with a DISCOVER. */
#define DHCP_REQUEST_TRIES 4
/* RENEWING and REBINDING retransmit no more often than this (RFC 2131
 * section 4.4.5). */
#define DHCP_RENEW_MIN_NS (60ull * 1000000000)

enum dhcp_state {
	DHCP_SELECTING, /* DISCOVER sent, waiting for an OFFER */
	DHCP_REQUESTING, /* REQUEST for an offer sent, waiting for ACK */
	DHCP_BOUND,
	DHCP_RENEWING, /* past T1: REQUEST unicast to our server */
	DHCP_REBINDING, /* past T2: REQUEST broadcast to any server */
};

enum dhcp_event {
	DHCP_EV_BOUND, /* a lease was bound, or its settings changed */
	DHCP_EV_LOST, /* the lease expired or was refused: unconfigure */
	DHCP_EV_TIMEOUT, /* no lease within DHCP_TIMEOUT_NS (still trying) */
};

struct dhcp_engine_ops {
	/* Sends msg (len bytes) from port 68 to dst port 67: dst is
	 * 0xffffffff (broadcast) or, when renewing, the server (network
	 * order). Required. */
	void (*deo_send)(void *arg, const uint8_t *msg, size_t len,
			 uint32_t dst);
	/* The lease changed (dhcp_engine_lease() tells the new one).
	 * Required; it must not call back into the engine except for
	 * dhcp_engine_lease(). */
	void (*deo_event)(void *arg, enum dhcp_event ev);
};

/* The engine's state: embedded by its owner, touched only by dhcp.c
 * (tests read de_state). */
struct dhcp_engine {
	const struct dhcp_engine_ops *de_ops;
	void *de_arg;
	uint8_t de_mac[6];
	enum dhcp_state de_state;
	bool de_failed; /* the timeout was reported; no lease since */
	uint32_t de_xid; /* of the exchange in progress (or the last) */
	unsigned int de_tries; /* messages sent in this state */
	unsigned int de_naks; /* NAKs since the last lease */
	uint64_t de_begin_ns; /* this acquisition began (secs field) */
	uint64_t de_next_ns; /* the next send or state change */
	uint64_t de_timeout_ns; /* failure due; UINT64_MAX: none pending */
	uint64_t de_sent_ns; /* this exchange's first REQUEST */
	struct dhcp_lease de_offer; /* REQUESTING: what we asked for */
	struct dhcp_lease de_lease; /* BOUND, RENEWING, REBINDING */
	uint64_t de_t1_ns, de_t2_ns, de_expire_ns; /* absolute, or MAX */
};

/* Sets e up for the interface with MAC address mac; nothing is sent
 * until dhcp_engine_start(). ops and arg must outlive e. */
void dhcp_engine_init(struct dhcp_engine *e, const uint8_t mac[6],
		      const struct dhcp_engine_ops *ops, void *arg);

/* Starts acquiring a lease: sends a DISCOVER now. */
void dhcp_engine_start(struct dhcp_engine *e, uint64_t now);

/*
 * A datagram received on port 68 from port 67 (msg, len bytes,
 * untrusted). Returns 0 when it was used, -EIO when it was malformed or
 * not for us (bad op, hardware type or length, xid, chaddr, magic
 * cookie, options, addresses: the owner counts NC_dhcp_bad), -ESRCH when
 * it was well formed but not wanted now (an OFFER while requesting, a
 * reply while bound, an ACK from another server).
 */
int dhcp_engine_input(struct dhcp_engine *e, const void *msg, size_t len,
		      uint64_t now);

/* Does what is due at now: retransmissions, the failure report, T1,
 * T2, expiry. */
void dhcp_engine_run(struct dhcp_engine *e, uint64_t now);

/* When dhcp_engine_run() next has something to do (UINT64_MAX: never). */
uint64_t dhcp_engine_deadline(const struct dhcp_engine *e);

/* As dhcp_get_lease() (<net/dhcp.h>). */
int dhcp_engine_lease(const struct dhcp_engine *e, struct dhcp_lease *out);

#endif /* NET_DHCP_IMPL_H */
