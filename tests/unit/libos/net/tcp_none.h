/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for TCP (tcp_none.c) so the layers below it can be tested
 * alone: it drops every segment and records what IP handed it.
 */
#ifndef TCP_NONE_H
#define TCP_NONE_H

#include <stdint.h>

struct tcp_none_calls {
	unsigned int tn_inputs; /* tcp_input() calls */
	unsigned int tn_icmp_errors; /* tcp_icmp_error() calls */
	uint8_t tn_last_type, tn_last_code; /* of the last ICMP error */
	uint16_t tn_last_sport; /* inner TCP source port of it */
};

/* What was called since the last tcp_none_reset(). */
extern struct tcp_none_calls tcp_none;
void tcp_none_reset(void);

#endif /* TCP_NONE_H */
