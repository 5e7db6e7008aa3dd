/* SPDX-License-Identifier: MIT */
/*
 * memcached's text protocol for one connection (proto.h). A command is
 * one line ending in "\n" (a "\r" before it is dropped), tokens split on
 * spaces; storage commands are followed by a data block of the announced
 * length and "\r\n", read straight into the new item. Replies are
 * buffered and written before the connection next waits for input, so
 * pipelined commands share writes. Error replies are sent even with
 * noreply, as memcached does, so a client never waits for nothing.
 */
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosaic/mapp.h>

#define KV_RBUF_BYTES 4096 /* above KV_LINE_MAX: such a line fits */
#define KV_OBUF_BYTES 16384
#define KV_MAX_TOKENS 8 /* the most any command but get/gets takes */

#define MSG_BAD_FORMAT "CLIENT_ERROR bad command line format"

struct tok {
	const char *p;
	size_t n;
};

/* One connection; only its own microapp touches it. */
struct conn {
	struct kv_server *c_srv;
	int c_fd;
	bool c_closing; /* stop after this command */
	bool c_broken; /* a write failed: write no more */
	char *c_rbuf; /* input: bytes [c_rpos, c_rend) not yet used */
	size_t c_rcap, c_rpos, c_rend;
	char *c_obuf; /* replies not yet written */
	size_t c_olen;
};

static void stat_add(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- output */

static void conn_write(struct conn *c, const char *p, size_t n)
{
	while (n > 0 && !c->c_broken) {
		ssize_t w = write(c->c_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->c_broken = true;
			c->c_closing = true;
			return;
		}
		stat_add(&c->c_srv->srv_bytes_written, (uint64_t)w);
		p += w;
		n -= (size_t)w;
	}
}

static void conn_flush(struct conn *c)
{
	conn_write(c, c->c_obuf, c->c_olen);
	c->c_olen = 0;
}

static void conn_out(struct conn *c, const char *p, size_t n)
{
	if (c->c_olen + n > KV_OBUF_BYTES)
		conn_flush(c);
	if (n >= KV_OBUF_BYTES) {
		conn_write(c, p, n);
		return;
	}
	memcpy(c->c_obuf + c->c_olen, p, n);
	c->c_olen += n;
}

static void conn_reply(struct conn *c, const char *line)
{
	conn_out(c, line, strlen(line));
	conn_out(c, "\r\n", 2);
}

static void conn_printf(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void conn_printf(struct conn *c, const char *fmt, ...)
{
	char line[KV_KEY_MAX + 128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		conn_out(c, line,
			 (size_t)n < sizeof(line) ? (size_t)n
						  : sizeof(line) - 1);
}

/* ---- input */

/* Reads into buf after writing pending replies (the client may be waiting
 * for them before it sends more). Returns bytes read, 0 at EOF, -1. */
static ssize_t conn_read(struct conn *c, char *buf, size_t n)
{
	ssize_t r;

	conn_flush(c);
	if (c->c_broken)
		return -1;
	do
		r = read(c->c_fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		stat_add(&c->c_srv->srv_bytes_read, (uint64_t)r);
	return r;
}

/* Appends input to the read buffer, moving unused bytes to its start and
 * doubling it when full (up to what a get line needs). */
static ssize_t conn_fill(struct conn *c)
{
	size_t have = c->c_rend - c->c_rpos;

	memmove(c->c_rbuf, c->c_rbuf + c->c_rpos, have);
	c->c_rpos = 0;
	c->c_rend = have;
	if (have == c->c_rcap) {
		size_t ncap = c->c_rcap * 2;
		char *nb = ncap <= KV_GET_LINE_MAX * 2
				   ? realloc(c->c_rbuf, ncap)
				   : NULL;

		if (!nb)
			return -1;
		c->c_rbuf = nb;
		c->c_rcap = ncap;
	}
	ssize_t r = conn_read(c, c->c_rbuf + have, c->c_rcap - have);
	if (r > 0)
		c->c_rend += (size_t)r;
	return r;
}

/* Takes the next n input bytes into dst (NULL: discards them). */
static int conn_take(struct conn *c, char *dst, size_t n)
{
	while (n > 0) {
		size_t have = c->c_rend - c->c_rpos;
		size_t k = have < n ? have : n;

		if (have == 0 && dst && n >= c->c_rcap) {
			/* Big values skip the read buffer. */
			ssize_t r = conn_read(c, dst, n);
			if (r <= 0)
				return -1;
			dst += r;
			n -= (size_t)r;
			continue;
		}
		if (have == 0) {
			if (conn_fill(c) <= 0)
				return -1;
			continue;
		}
		if (dst) {
			memcpy(dst, c->c_rbuf + c->c_rpos, k);
			dst += k;
		}
		c->c_rpos += k;
		n -= k;
	}
	return 0;
}

static size_t line_limit(const char *p, size_t n)
{
	if ((n >= 4 && memcmp(p, "get ", 4) == 0) ||
	    (n >= 5 && memcmp(p, "gets ", 5) == 0))
		return KV_GET_LINE_MAX;
	return KV_LINE_MAX;
}

/* The next command line, NUL-terminated, without its "\r\n"; it stays
 * valid until the next read. Returns 0, or -1 when the connection ends. */
static int conn_next_line(struct conn *c, char **line)
{
	for (;;) {
		char *start = c->c_rbuf + c->c_rpos;
		size_t have = c->c_rend - c->c_rpos;
		char *nl = memchr(start, '\n', have);

		if (nl) {
			c->c_rpos += (size_t)(nl - start) + 1;
			if (nl > start && nl[-1] == '\r')
				nl--;
			*nl = '\0';
			*line = start;
			return 0;
		}
		if (have >= line_limit(start, have)) {
			conn_reply(c, "CLIENT_ERROR line too long");
			return -1;
		}
		if (conn_fill(c) <= 0)
			return -1;
	}
}

/* ---- tokens and numbers */

/* The token at *cur, moving *cur past it; false at the end of the line. */
static bool next_token(const char **cur, struct tok *t)
{
	const char *p = *cur;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return false;
	t->p = p;
	while (*p != ' ' && *p != '\0')
		p++;
	t->n = (size_t)(p - t->p);
	*cur = p;
	return true;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->n == strlen(s) && memcmp(t->p, s, t->n) == 0;
}

/*
 * 1..KV_KEY_MAX bytes, no NUL. protocol.txt also forbids control
 * characters, but memcached itself takes any byte but the space (which
 * splits tokens) and the line end, and clients rely on it (memcaslap's
 * keys start with bytes below 0x20): kv takes what memcached takes.
 */
static bool key_is_valid(const struct tok *t)
{
	if (t->n == 0 || t->n > KV_KEY_MAX)
		return false;
	return memchr(t->p, '\0', t->n) == NULL;
}

static bool parse_u64(const struct tok *t, uint64_t *out)
{
	uint64_t v = 0;

	if (t->n == 0 || t->n > 20)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		unsigned d = (unsigned char)t->p[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool parse_u32(const struct tok *t, uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(t, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_i64(const struct tok *t, int64_t *out)
{
	struct tok digits = *t;
	bool neg = t->n > 0 && t->p[0] == '-';
	uint64_t v;

	if (neg) {
		digits.p++;
		digits.n--;
	}
	if (!parse_u64(&digits, &v) || v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* ---- storage commands */

/* The parsed line of set/add/replace/append/prepend/cas. */
struct store_req {
	enum kv_op op;
	struct tok key;
	uint32_t flags;
	int64_t exptime;
	int64_t nbytes;
	uint64_t cas;
	bool noreply;
};

static const char *const store_replies[] = {
	[KV_STORED] = "STORED",
	[KV_NOT_STORED] = "NOT_STORED",
	[KV_EXISTS] = "EXISTS",
	[KV_NOT_FOUND] = "NOT_FOUND",
};

static const char *alloc_error(int rc)
{
	if (rc == -E2BIG)
		return "SERVER_ERROR object too large for cache";
	if (rc == -ENOMEM)
		return "SERVER_ERROR out of memory storing object";
	return MSG_BAD_FORMAT;
}

/*
 * Counts n bytes of items waiting for their data blocks, unless that
 * would pass the -m budget: clients announcing big values and sending
 * nothing must not take the memory the store and the network need.
 */
static bool pending_reserve(struct kv_server *srv, size_t n)
{
	uint64_t total = __atomic_add_fetch(&srv->srv_pending_bytes, n,
					    __ATOMIC_RELAXED);

	if (total <= srv->srv_limit_bytes)
		return true;
	__atomic_sub_fetch(&srv->srv_pending_bytes, n, __ATOMIC_RELAXED);
	return false;
}

/* Reads the data block into a new item and stores it. */
static void store_data(struct conn *c, const struct store_req *rq)
{
	struct kv_store *st = c->c_srv->srv_store;
	size_t pending = kv_item_size(rq->key.n, (size_t)rq->nbytes);
	struct kv_item *it;
	char crlf[2];
	int rc;

	rc = kv_item_alloc(st, rq->key.p, rq->key.n, rq->flags, rq->exptime,
			   (size_t)rq->nbytes, now_s(), &it);
	if (rc == 0 && !pending_reserve(c->c_srv, pending)) {
		kv_item_put(it);
		rc = -ENOMEM;
	}
	if (rc) {
		/* Swallow the block so that it is not read as commands. */
		if (conn_take(c, NULL, (size_t)rq->nbytes + 2) == 0)
			conn_reply(c, alloc_error(rc));
		return;
	}
	if (conn_take(c, kv_item_value(it), (size_t)rq->nbytes) ||
	    conn_take(c, crlf, 2)) {
		c->c_closing = true;
		goto out_put;
	}
	if (crlf[0] != '\r' || crlf[1] != '\n') {
		conn_reply(c, "CLIENT_ERROR bad data chunk");
		goto out_put;
	}
	rc = kv_store_update(st, rq->op, it, rq->cas, now_s());
	if (rc < 0)
		conn_reply(c, alloc_error(rc));
	else if (!rq->noreply)
		conn_reply(c, store_replies[rc]);
out_put:
	kv_item_put(it);
	__atomic_sub_fetch(&c->c_srv->srv_pending_bytes, pending,
			   __ATOMIC_RELAXED);
}

static void cmd_store(struct conn *c, const struct tok *t, size_t n,
		      enum kv_op op)
{
	size_t want = op == KV_OP_CAS ? 6 : 5;
	struct store_req rq = { .op = op, .key = t[1] };
	bool ok;

	if (n != want && n != want + 1) {
		conn_reply(c, "ERROR");
		return;
	}
	/* Without a believable length there is no telling where the block
	 * ends: answer and read on. */
	if (!parse_i64(&t[4], &rq.nbytes) || rq.nbytes < 0 ||
	    rq.nbytes > INT32_MAX - 2) {
		conn_reply(c, MSG_BAD_FORMAT);
		return;
	}
	stat_add(&c->c_srv->srv_cmd_set, 1);
	rq.noreply = n == want + 1 && tok_is(&t[want], "noreply");
	ok = key_is_valid(&t[1]) && parse_u32(&t[2], &rq.flags) &&
	     parse_i64(&t[3], &rq.exptime) &&
	     (op != KV_OP_CAS || parse_u64(&t[5], &rq.cas));
	if (!ok) {
		if (conn_take(c, NULL, (size_t)rq.nbytes + 2) == 0)
			conn_reply(c, MSG_BAD_FORMAT);
		return;
	}
	store_data(c, &rq);
}

/* ---- retrieval */

static void get_one(struct conn *c, const struct tok *key, bool with_cas)
{
	struct kv_item *it;

	if (kv_store_get(c->c_srv->srv_store, key->p, key->n, now_s(), &it))
		return;
	if (with_cas)
		conn_printf(c, "VALUE %.*s %u %zu %llu\r\n", (int)key->n,
			    key->p, kv_item_flags(it), kv_item_nbytes(it),
			    (unsigned long long)kv_item_cas(it));
	else
		conn_printf(c, "VALUE %.*s %u %zu\r\n", (int)key->n, key->p,
			    kv_item_flags(it), kv_item_nbytes(it));
	conn_out(c, kv_item_value(it), kv_item_nbytes(it));
	conn_out(c, "\r\n", 2);
	kv_item_put(it);
}

/* get/gets KEY...: every key is checked before anything is answered. */
static void cmd_get(struct conn *c, const char *keys, bool with_cas)
{
	const char *cur = keys;
	struct tok key;
	size_t nkeys = 0;

	while (next_token(&cur, &key)) {
		if (!key_is_valid(&key)) {
			conn_reply(c, MSG_BAD_FORMAT);
			return;
		}
		nkeys++;
	}
	if (nkeys == 0) {
		conn_reply(c, "ERROR");
		return;
	}
	stat_add(&c->c_srv->srv_cmd_get, nkeys);
	cur = keys;
	while (next_token(&cur, &key))
		get_one(c, &key, with_cas);
	conn_reply(c, "END");
}

/* ---- other commands; t[0] is the command, n counts tokens. */

static bool want_noreply(const struct tok *t, size_t n, size_t base)
{
	return n == base + 1 && tok_is(&t[base], "noreply");
}

static void cmd_delete(struct conn *c, const struct tok *t, size_t n)
{
	/* "delete KEY 0" is an old form memcached still takes. */
	bool zero = n >= 3 && tok_is(&t[2], "0");
	bool noreply = n >= 3 && tok_is(&t[n - 1], "noreply");
	bool valid = n == 2 || (n == 3 && (zero || noreply)) ||
		     (n == 4 && zero && noreply);
	int rc;

	if (!valid || !key_is_valid(&t[1])) {
		conn_reply(c,
			   MSG_BAD_FORMAT ".  Usage: delete <key> [noreply]");
		return;
	}
	rc = kv_store_delete(c->c_srv->srv_store, t[1].p, t[1].n, now_s());
	if (!noreply)
		conn_reply(c, rc == KV_DELETED ? "DELETED" : "NOT_FOUND");
}

static void cmd_arith(struct conn *c, const struct tok *t, size_t n, bool incr)
{
	uint64_t delta, result;
	int rc;

	if (n != 3 && !want_noreply(t, n, 3)) {
		conn_reply(c, "ERROR");
		return;
	}
	if (!key_is_valid(&t[1])) {
		conn_reply(c, MSG_BAD_FORMAT);
		return;
	}
	if (!parse_u64(&t[2], &delta)) {
		conn_reply(c, "CLIENT_ERROR invalid numeric delta argument");
		return;
	}
	rc = kv_store_arith(c->c_srv->srv_store, t[1].p, t[1].n, incr, delta,
			    now_s(), &result);
	if (rc == KV_NON_NUMERIC)
		conn_reply(c, "CLIENT_ERROR cannot increment or decrement "
			      "non-numeric value");
	else if (rc < 0)
		conn_reply(c, "SERVER_ERROR out of memory");
	else if (n == 4)
		return;
	else if (rc == KV_NOT_FOUND)
		conn_reply(c, "NOT_FOUND");
	else
		conn_printf(c, "%llu\r\n", (unsigned long long)result);
}

static void cmd_incr(struct conn *c, const struct tok *t, size_t n)
{
	cmd_arith(c, t, n, true);
}

static void cmd_decr(struct conn *c, const struct tok *t, size_t n)
{
	cmd_arith(c, t, n, false);
}

static void cmd_touch(struct conn *c, const struct tok *t, size_t n)
{
	int64_t exptime;
	int rc;

	if (n != 3 && !want_noreply(t, n, 3)) {
		conn_reply(c, "ERROR");
		return;
	}
	if (!key_is_valid(&t[1])) {
		conn_reply(c, MSG_BAD_FORMAT);
		return;
	}
	if (!parse_i64(&t[2], &exptime)) {
		conn_reply(c, "CLIENT_ERROR invalid exptime argument");
		return;
	}
	stat_add(&c->c_srv->srv_cmd_touch, 1);
	rc = kv_store_touch(c->c_srv->srv_store, t[1].p, t[1].n, exptime,
			    now_s());
	if (n == 3)
		conn_reply(c, rc == KV_TOUCHED ? "TOUCHED" : "NOT_FOUND");
}

static void cmd_flush_all(struct conn *c, const struct tok *t, size_t n)
{
	bool noreply = n >= 2 && tok_is(&t[n - 1], "noreply");
	size_t nargs = n - 1 - (noreply ? 1 : 0);
	int64_t delay = 0;

	if (nargs > 1 || (nargs == 1 && !parse_i64(&t[1], &delay))) {
		conn_reply(c, MSG_BAD_FORMAT);
		return;
	}
	stat_add(&c->c_srv->srv_cmd_flush, 1);
	kv_store_flush(c->c_srv->srv_store, delay, now_s());
	if (!noreply)
		conn_reply(c, "OK");
}

/* Like memcached 1.6, words after "version" are ignored. */
static void cmd_version(struct conn *c, const struct tok *t, size_t n)
{
	(void)t;
	(void)n;
	conn_reply(c, "VERSION " KV_VERSION);
}

static void cmd_verbosity(struct conn *c, const struct tok *t, size_t n)
{
	bool noreply = tok_is(&t[n - 1], "noreply");
	size_t nargs = n - 1 - (noreply ? 1 : 0);
	uint64_t level;

	/* Accepted for compatibility; -v alone decides what is logged. */
	if (n == 1 || nargs > 1 || (nargs == 1 && !parse_u64(&t[1], &level)))
		conn_reply(c, "ERROR");
	else if (!noreply)
		conn_reply(c, "OK");
}

/* shutdown [graceful]: with -A, ends the appliance with status 0 (both
 * modes alike: exit() still lets sent replies reach their clients). */
static void cmd_shutdown(struct conn *c, const struct tok *t, size_t n)
{
	if (!c->c_srv->srv_shutdown_ok) {
		conn_reply(c, "ERROR: shutdown not enabled");
	} else if (n == 1 || (n == 2 && tok_is(&t[1], "graceful"))) {
		conn_flush(c);
		printf("kv: shutting down\n");
		fflush(stdout);
		exit(0);
	} else {
		conn_reply(c, "CLIENT_ERROR invalid shutdown mode");
	}
}

static void cmd_quit(struct conn *c, const struct tok *t, size_t n)
{
	(void)t;
	(void)n;
	c->c_closing = true;
}

/* ---- stats */

static uint64_t stat_read(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void stat_line(struct conn *c, const char *name, uint64_t v)
{
	conn_printf(c, "STAT %s %llu\r\n", name, (unsigned long long)v);
}

static uint64_t uptime_s(const struct kv_server *srv)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec -
		srv->srv_start_ns) /
	       1000000000u;
}

static void stats_server(struct conn *c)
{
	struct kv_server *srv = c->c_srv;

	stat_line(c, "pid", (uint64_t)getpid());
	stat_line(c, "uptime", uptime_s(srv));
	stat_line(c, "time", (uint64_t)now_s());
	conn_printf(c, "STAT version %s\r\n", KV_VERSION);
	stat_line(c, "pointer_size", 8 * sizeof(void *));
	stat_line(c, "max_connections", srv->srv_max_conns);
	stat_line(c, "curr_connections", stat_read(&srv->srv_curr_conns));
	stat_line(c, "total_connections", stat_read(&srv->srv_total_conns));
	stat_line(c, "rejected_connections",
		  stat_read(&srv->srv_rejected_conns));
	stat_line(c, "cmd_get", stat_read(&srv->srv_cmd_get));
	stat_line(c, "cmd_set", stat_read(&srv->srv_cmd_set));
	stat_line(c, "cmd_flush", stat_read(&srv->srv_cmd_flush));
	stat_line(c, "cmd_touch", stat_read(&srv->srv_cmd_touch));
	stat_line(c, "bytes_read", stat_read(&srv->srv_bytes_read));
	stat_line(c, "bytes_written", stat_read(&srv->srv_bytes_written));
	stat_line(c, "limit_maxbytes", srv->srv_limit_bytes);
	stat_line(c, "threads", mapp_ncpus());
}

static void stats_store(struct conn *c)
{
	struct kv_store_stats s;
	unsigned int power = 0;

	kv_store_get_stats(c->c_srv->srv_store, &s);
	while ((1ull << power) < s.hash_buckets)
		power++;
	stat_line(c, "get_hits", s.get_hits);
	stat_line(c, "get_misses", s.get_misses);
	stat_line(c, "delete_misses", s.delete_misses);
	stat_line(c, "delete_hits", s.delete_hits);
	stat_line(c, "incr_misses", s.incr_misses);
	stat_line(c, "incr_hits", s.incr_hits);
	stat_line(c, "decr_misses", s.decr_misses);
	stat_line(c, "decr_hits", s.decr_hits);
	stat_line(c, "cas_misses", s.cas_misses);
	stat_line(c, "cas_hits", s.cas_hits);
	stat_line(c, "cas_badval", s.cas_badval);
	stat_line(c, "touch_hits", s.touch_hits);
	stat_line(c, "touch_misses", s.touch_misses);
	stat_line(c, "hash_power_level", power);
	stat_line(c, "hash_bytes", s.hash_buckets * sizeof(void *));
	stat_line(c, "bytes", s.bytes);
	stat_line(c, "curr_items", s.curr_items);
	stat_line(c, "total_items", s.total_items);
	stat_line(c, "expired_unfetched", s.expired_unfetched);
	stat_line(c, "evictions", s.evictions);
	stat_line(c, "reclaimed", s.reclaimed);
}

static void stats_reset(struct kv_server *srv)
{
	uint64_t *const counters[] = {
		&srv->srv_total_conns, &srv->srv_rejected_conns,
		&srv->srv_cmd_get,     &srv->srv_cmd_set,
		&srv->srv_cmd_touch,   &srv->srv_cmd_flush,
		&srv->srv_bytes_read,  &srv->srv_bytes_written,
	};

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		__atomic_store_n(counters[i], 0, __ATOMIC_RELAXED);
	kv_store_reset_stats(srv->srv_store);
}

static void cmd_stats(struct conn *c, const struct tok *t, size_t n)
{
	if (n == 1) {
		stats_server(c);
		stats_store(c);
		conn_reply(c, "END");
	} else if (n == 2 && tok_is(&t[1], "reset")) {
		stats_reset(c->c_srv);
		conn_reply(c, "RESET");
	} else if (n == 2 && tok_is(&t[1], "settings")) {
		stat_line(c, "maxbytes", c->c_srv->srv_limit_bytes);
		stat_line(c, "maxconns", c->c_srv->srv_max_conns);
		conn_printf(c, "STAT verbosity %d\r\n",
			    c->c_srv->srv_verbose ? 1 : 0);
		conn_reply(c, "END");
	} else {
		conn_reply(c, "ERROR");
	}
}

/* ---- dispatch */

static void cmd_set(struct conn *c, const struct tok *t, size_t n)
{
	cmd_store(c, t, n, KV_OP_SET);
}

static void cmd_add(struct conn *c, const struct tok *t, size_t n)
{
	cmd_store(c, t, n, KV_OP_ADD);
}

static void cmd_replace(struct conn *c, const struct tok *t, size_t n)
{
	cmd_store(c, t, n, KV_OP_REPLACE);
}

static void cmd_append(struct conn *c, const struct tok *t, size_t n)
{
	cmd_store(c, t, n, KV_OP_APPEND);
}

static void cmd_prepend(struct conn *c, const struct tok *t, size_t n)
{
	cmd_store(c, t, n, KV_OP_PREPEND);
}

static void cmd_cas(struct conn *c, const struct tok *t, size_t n)
{
	cmd_store(c, t, n, KV_OP_CAS);
}

static const struct command {
	const char *name;
	void (*run)(struct conn *c, const struct tok *t, size_t n);
} commands[] = {
	{ "set", cmd_set },
	{ "add", cmd_add },
	{ "replace", cmd_replace },
	{ "append", cmd_append },
	{ "prepend", cmd_prepend },
	{ "cas", cmd_cas },
	{ "delete", cmd_delete },
	{ "incr", cmd_incr },
	{ "decr", cmd_decr },
	{ "touch", cmd_touch },
	{ "flush_all", cmd_flush_all },
	{ "stats", cmd_stats },
	{ "version", cmd_version },
	{ "verbosity", cmd_verbosity },
	{ "quit", cmd_quit },
	{ "shutdown", cmd_shutdown },
};

static void conn_command(struct conn *c, const char *line)
{
	struct tok t[KV_MAX_TOKENS + 1];
	const char *cur = line;
	size_t n = 0;

	if (!next_token(&cur, &t[0])) {
		conn_reply(c, "ERROR");
		return;
	}
	if (tok_is(&t[0], "get") || tok_is(&t[0], "gets")) {
		cmd_get(c, cur, t[0].n == 4);
		return;
	}
	for (n = 1; n <= KV_MAX_TOKENS && next_token(&cur, &t[n]); n++)
		;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (tok_is(&t[0], commands[i].name)) {
			if (n > KV_MAX_TOKENS)
				conn_reply(c, "ERROR");
			else
				commands[i].run(c, t, n);
			return;
		}
	}
	conn_reply(c, "ERROR");
}

void kv_conn_serve(struct kv_server *srv, int fd)
{
	struct conn c = { .c_srv = srv, .c_fd = fd, .c_rcap = KV_RBUF_BYTES };
	char *line;

	c.c_rbuf = malloc(KV_RBUF_BYTES);
	c.c_obuf = malloc(KV_OBUF_BYTES);
	if (!c.c_rbuf || !c.c_obuf) {
		static const char msg[] = "SERVER_ERROR out of memory\r\n";

		c.c_olen = 0;
		conn_write(&c, msg, sizeof(msg) - 1);
		goto out_free;
	}
	while (!c.c_closing && conn_next_line(&c, &line) == 0)
		conn_command(&c, line);
	conn_flush(&c);
out_free:
	free(c.c_obuf);
	free(c.c_rbuf);
}
