/* SPDX-License-Identifier: MIT */
/* TCP that accepts nothing (tcp_none.h), linked by the tests of the
 * layers below TCP instead of libos/net/tcp*.c. */
#include "tcp_none.h"

#include <string.h>

#include <net/tcp.h>

struct tcp_none_calls tcp_none;

void tcp_none_reset(void)
{
	memset(&tcp_none, 0, sizeof(tcp_none));
}

int tcp_init(struct netstack *ns)
{
	(void)ns;
	return 0;
}

void tcp_fini(struct netstack *ns)
{
	(void)ns;
}

void tcp_input(struct netstack *ns, const struct ip_rx *rx, struct netbuf *nb)
{
	(void)rx;
	net_count(ns, NC_tcp_in);
	tcp_none.tn_inputs++;
	netbuf_put(nb);
}

void tcp_icmp_error(struct netstack *ns, uint8_t type, uint8_t code,
		    const uint8_t *inner, size_t len)
{
	(void)ns;
	tcp_none.tn_icmp_errors++;
	tcp_none.tn_last_type = type;
	tcp_none.tn_last_code = code;
	size_t ihl = (size_t)(inner[0] & 0x0f) * 4;
	if (len >= ihl + 2)
		tcp_none.tn_last_sport = net_get16(inner + ihl);
}
