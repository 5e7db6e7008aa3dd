/* SPDX-License-Identifier: MIT */
/*
 * kv's side of memcached's text protocol (doc/protocol.txt): reads
 * command lines and data blocks from one connection, runs them against
 * the store and writes the replies. The binary and meta protocols are not
 * spoken.
 */
#ifndef KV_PROTO_H
#define KV_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* What "version" and "stats" report. */
#define KV_VERSION "1.6.0-mosaic"
/* A command line longer than this without a newline ends the
 * connection; get and gets lines may be up to KV_GET_LINE_MAX. */
#define KV_LINE_MAX 2048
#define KV_GET_LINE_MAX 65536

/*
 * Shared by every connection.
 * Locking: [I] set before the first connection  [a] atomic ops only
 */
struct kv_server {
	struct kv_store *srv_store; /* [I] */
	uint64_t srv_limit_bytes; /* [I] -m; also caps srv_pending_bytes */
	unsigned int srv_max_conns; /* [I] -c */
	bool srv_verbose; /* [I] -v */
	bool srv_shutdown_ok; /* [I] -A: "shutdown" ends the appliance */
	int64_t srv_start_time; /* [I] Unix time at start */
	uint64_t srv_start_ns; /* [I] CLOCK_MONOTONIC at start */
	uint64_t srv_curr_conns; /* [a] */
	uint64_t srv_total_conns; /* [a] zeroed by "stats reset" */
	uint64_t srv_last_conn_id; /* [a] for -v's log lines */
	uint64_t srv_rejected_conns; /* [a] */
	uint64_t srv_cmd_get, srv_cmd_set, srv_cmd_touch,
		srv_cmd_flush; /* [a] */
	uint64_t srv_bytes_read, srv_bytes_written; /* [a] */
	/* Items allocated for data blocks still being read: memory outside
	 * the store's budget that idle clients could otherwise pile up. */
	uint64_t srv_pending_bytes; /* [a] */
};

/*
 * Serves connection `fd` until the client quits, closes, or breaks the
 * protocol badly enough (an overlong line, a read or write error). Only
 * the calling microapp uses fd while this runs; the caller closes it.
 * May block.
 */
void kv_conn_serve(struct kv_server *srv, int fd);

#endif /* KV_PROTO_H */
