/* SPDX-License-Identifier: MIT */
/*
 * The stack's drop and event counters: one list, so every module counts
 * the same way and a test (or a dump) can name each. A module adds its
 * entries in its own section; the order carries no meaning.
 */
#ifndef NET_COUNTERS_H
#define NET_COUNTERS_H

#define NET_COUNTERS(X)                                                        \
	/* Ethernet */                                                         \
	X(eth_in)                                                              \
	X(eth_runt) /* shorter than a header */                                \
	X(eth_not_ours) /* destination neither us nor broadcast */             \
	X(eth_bad_type) /* ethertype we do not speak */                        \
	X(eth_out)                                                             \
	X(eth_xmit_fail) /* the driver refused a frame */                      \
	/* ARP */                                                              \
	X(arp_in)                                                              \
	X(arp_bad) /* wrong lengths, types or op */                            \
	X(arp_reply_out)                                                       \
	X(arp_request_out)                                                     \
	X(arp_evict) /* an entry made room for another */                      \
	X(arp_hold_drop) /* a packet waiting for resolution was dropped */     \
	X(arp_unresolved) /* resolution gave up */                             \
	X(arp_conflict) /* someone else claims our address */                  \
	/* IPv4 */                                                             \
	X(ip_in)                                                               \
	X(ip_runt) /* shorter than its header */                               \
	X(ip_bad_version)                                                      \
	X(ip_bad_hlen) /* IHL below 5 or beyond the packet */                  \
	X(ip_bad_len) /* total length below IHL or beyond the frame */         \
	X(ip_bad_csum)                                                         \
	X(ip_bad_opt) /* malformed options */                                  \
	X(ip_bad_src) /* broadcast, multicast or loopback source */            \
	X(ip_not_ours)                                                         \
	X(ip_bad_proto) /* no such transport */                                \
	X(ip_out)                                                              \
	X(ip_no_route)                                                         \
	X(ip_frag_in) /* fragments received */                                 \
	X(ip_frag_bad) /* overlapping, oversized, inconsistent */              \
	X(ip_frag_timeout) /* reassemblies given up */                         \
	X(ip_frag_mem) /* dropped for the reassembly memory bound */           \
	X(ip_reasm_ok)                                                         \
	X(ip_frag_out) /* fragments sent */                                    \
	/* ICMP */                                                             \
	X(icmp_in)                                                             \
	X(icmp_bad) /* short, bad checksum, bad embedded header */             \
	X(icmp_echo_reply_out)                                                 \
	X(icmp_error_out)                                                      \
	X(icmp_error_in)                                                       \
	X(icmp_ratelimited)                                                    \
	/* UDP */                                                              \
	X(udp_in)                                                              \
	X(udp_bad_len)                                                         \
	X(udp_bad_csum)                                                        \
	X(udp_no_port)                                                         \
	X(udp_rcvbuf_full)                                                     \
	X(udp_out)                                                             \
	/* TCP */                                                              \
	X(tcp_in)                                                              \
	X(tcp_bad_len) /* shorter than its header */                           \
	X(tcp_bad_off) /* data offset below 5 or beyond the segment */         \
	X(tcp_bad_csum)                                                        \
	X(tcp_bad_opt) /* malformed option (zero or over-long length) */       \
	X(tcp_bad_urg) /* urgent pointer past the payload */                   \
	X(tcp_bad_addr) /* broadcast or multicast endpoint */                  \
	X(tcp_no_pcb) /* no connection: RST sent (or not, for a RST) */        \
	X(tcp_rst_out)                                                         \
	X(tcp_rst_in)                                                          \
	X(tcp_challenge_ack) /* RFC 5961 */                                    \
	X(tcp_out_of_window)                                                   \
	X(tcp_syn_backlog_full)                                                \
	X(tcp_syncookie_out)                                                   \
	X(tcp_syncookie_ok)                                                    \
	X(tcp_syncookie_bad)                                                   \
	X(tcp_retransmit)                                                      \
	X(tcp_fast_retransmit)                                                 \
	X(tcp_timeout) /* connection dropped after too many retries */         \
	X(tcp_keepalive_drop)                                                  \
	X(tcp_ooo_drop) /* out-of-order segment beyond the queue bound */      \
	X(tcp_rcvbuf_full)                                                     \
	X(tcp_active_open)                                                     \
	X(tcp_passive_open)                                                    \
	X(tcp_seg_in)                                                          \
	X(tcp_seg_out)                                                         \
	X(tcp_lent_bytes) /* queued by reference, not copied (sendfile) */     \
	/* DHCP and DNS */                                                     \
	X(dhcp_bad)                                                            \
	X(dns_bad)

enum net_ctr {
#define NET_CTR_ENUM(n) NC_##n,
	NET_COUNTERS(NET_CTR_ENUM)
#undef NET_CTR_ENUM
		NC__COUNT
};

#endif /* NET_COUNTERS_H */
