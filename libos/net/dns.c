/* SPDX-License-Identifier: MIT */
/*
 * DNS messages for the stub resolver (<net/dns.h>): A queries and a
 * decoder for their responses (RFC 1035 sections 3.1, 4.1 and 4.1.4),
 * with the defences RFC 9267 lists against the name-decompression and
 * length bugs of small stacks. No EDNS, no TCP, no other record types
 * than A and CNAME (the rest are checked for shape and skipped).
 */
#include <net/dns.h>

#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/net.h>

#define DNS_FLAG_QR 0x8000u
#define DNS_FLAG_TC 0x0200u
#define DNS_FLAG_RD 0x0100u
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xfu)
#define DNS_RCODE(flags) ((flags)&0xfu)

/* Header fields (offsets). */
#define DNS_H_ID 0
#define DNS_H_FLAGS 2
#define DNS_H_QDCOUNT 4
#define DNS_H_ANCOUNT 6
#define DNS_H_NSCOUNT 8
#define DNS_H_ARCOUNT 10

#define DNS_QFIXED 4 /* type, class */
#define DNS_RRFIXED 10 /* type, class, ttl, rdlength */
/* The fewest bytes a question and a record can take: the root name. */
#define DNS_Q_MIN (1 + DNS_QFIXED)
#define DNS_RR_MIN (1 + DNS_RRFIXED)

#define DNS_LABEL_PTR 0xc0u /* the top two bits of a compression pointer */

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
};

/* A name in wire form, compression undone: length-prefixed labels and
 * the root's 0, n_len bytes in all (at most DNS_WIRE_NAME_MAX). */
struct dns_name {
	size_t n_len;
	uint8_t n_wire[DNS_WIRE_NAME_MAX];
};

/* One resource record's fixed part; its rdata is msg[rr_rdata] on. */
struct dns_rr {
	struct dns_name rr_owner;
	uint16_t rr_type;
	uint16_t rr_class;
	uint32_t rr_ttl;
	size_t rr_rdata;
	size_t rr_rdlen;
};

/* What we send and what we print: LDH plus '_' (SRV-style labels). */
static bool dns_label_char_ok(unsigned int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static unsigned int dns_fold(unsigned int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Text to wire form. Returns 0 or -EINVAL. */
static int dns_name_encode(const char *text, struct dns_name *out)
{
	size_t n = 0, start = 0, w = 0;

	/* Bounded scan: a name longer than the limit is refused unread. */
	while (n <= DNS_NAME_MAX + 1 && text[n] != '\0')
		n++;
	if (n > 0 && text[n - 1] == '.')
		n--;
	if (n == 0 || n > DNS_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && text[i] != '.') {
			if (!dns_label_char_ok((unsigned char)text[i]))
				return -EINVAL;
			continue;
		}
		size_t label = i - start;
		if (label == 0 || label > DNS_LABEL_MAX)
			return -EINVAL;
		out->n_wire[w++] = (uint8_t)label;
		memcpy(out->n_wire + w, text + start, label);
		w += label;
		start = i + 1;
	}
	out->n_wire[w++] = 0;
	out->n_len = w;
	return 0;
}

/*
 * Reads the name at msg[off] into out. *end is set to the offset just
 * past the name's bytes at off (past its first pointer, or its root
 * label). A pointer must point before the start of the run of labels it
 * ends (so each jump goes strictly backwards and decoding terminates),
 * past the header, and at most DNS_PTR_HOPS_MAX times. Returns 0 or
 * -EIO.
 */
static int dns_name_read(const uint8_t *msg, size_t len, size_t off,
			 struct dns_name *out, size_t *end)
{
	size_t pos = off, run = off, w = 0;
	unsigned int hops = 0;
	bool jumped = false;

	for (;;) {
		if (pos >= len)
			return -EIO;
		unsigned int b = msg[pos];
		if ((b & DNS_LABEL_PTR) == DNS_LABEL_PTR) {
			if (len - pos < 2)
				return -EIO;
			size_t target = (size_t)(b & ~DNS_LABEL_PTR) << 8 |
					msg[pos + 1];
			if (target >= run || target < DNS_HLEN ||
			    ++hops > DNS_PTR_HOPS_MAX)
				return -EIO;
			if (!jumped)
				*end = pos + 2;
			jumped = true;
			pos = run = target;
			continue;
		}
		/* 0x40 and 0x80: extended and reserved label types. */
		if (b > DNS_LABEL_MAX || len - pos < 1 + b ||
		    w + 1 + b > DNS_WIRE_NAME_MAX)
			return -EIO;
		memcpy(out->n_wire + w, msg + pos, 1 + b);
		w += 1 + b;
		pos += 1 + b;
		if (b == 0)
			break;
	}
	if (!jumped)
		*end = pos;
	out->n_len = w;
	return 0;
}

/* Case-insensitive (ASCII only, RFC 4343); length bytes never fold. */
static bool dns_name_equal(const struct dns_name *a, const struct dns_name *b)
{
	if (a->n_len != b->n_len)
		return false;
	for (size_t i = 0; i < a->n_len; i++)
		if (dns_fold(a->n_wire[i]) != dns_fold(b->n_wire[i]))
			return false;
	return true;
}

/* Wire form to text without a final dot; false when a byte is one we do
 * not print (or the name is the root). out has DNS_NAME_MAX + 1 bytes:
 * a wire name of at most 255 bytes has at most 253 text characters. */
static bool dns_name_text(const struct dns_name *n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n->n_len && n->n_wire[i] != 0) {
		size_t label = n->n_wire[i++];
		if (label > n->n_len - i)
			return false;
		if (o > 0)
			out[o++] = '.';
		for (size_t k = 0; k < label; k++, i++) {
			if (!dns_label_char_ok(n->n_wire[i]))
				return false;
			out[o++] = (char)n->n_wire[i];
		}
	}
	out[o] = '\0';
	return o > 0;
}

int dns_query_build(void *buf, size_t size, const char *name, uint16_t id)
{
	struct dns_name q;
	uint8_t *b = buf;
	int err = dns_name_encode(name, &q);

	if (err)
		return err;
	size_t len = DNS_HLEN + q.n_len + DNS_QFIXED;
	if (size < len)
		return -ENOSPC;
	memset(b, 0, DNS_HLEN);
	net_put16(b + DNS_H_ID, id);
	net_put16(b + DNS_H_FLAGS, DNS_FLAG_RD);
	net_put16(b + DNS_H_QDCOUNT, 1);
	memcpy(b + DNS_HLEN, q.n_wire, q.n_len);
	net_put16(b + DNS_HLEN + q.n_len, DNS_TYPE_A);
	net_put16(b + DNS_HLEN + q.n_len + 2, DNS_CLASS_IN);
	return (int)len;
}

/* Reads the record at *off and moves *off past it. Checks its shape: the
 * owner name, the fixed part and the rdata inside the message, an A
 * record's rdlength, a CNAME's rdata being exactly one name. */
static int dns_rr_read(const uint8_t *msg, size_t len, size_t *off,
		       struct dns_rr *rr)
{
	size_t p;

	if (dns_name_read(msg, len, *off, &rr->rr_owner, &p))
		return -EIO;
	if (len - p < DNS_RRFIXED)
		return -EIO;
	rr->rr_type = net_get16(msg + p);
	rr->rr_class = net_get16(msg + p + 2);
	rr->rr_ttl = net_get32(msg + p + 4);
	rr->rr_rdlen = net_get16(msg + p + 8);
	p += DNS_RRFIXED;
	if (rr->rr_rdlen > len - p)
		return -EIO;
	rr->rr_rdata = p;
	/* RFC 2181 section 8: a TTL with the top bit set means 0. */
	if (rr->rr_ttl > 0x7fffffffu)
		rr->rr_ttl = 0;
	if (rr->rr_class == DNS_CLASS_IN && rr->rr_type == DNS_TYPE_A &&
	    rr->rr_rdlen != 4)
		return -EIO;
	if (rr->rr_class == DNS_CLASS_IN && rr->rr_type == DNS_TYPE_CNAME) {
		struct dns_name target;
		size_t end;
		if (dns_name_read(msg, len, p, &target, &end) ||
		    end != p + rr->rr_rdlen)
			return -EIO;
	}
	*off = p + rr->rr_rdlen;
	return 0;
}

/* Every count is bounded by the bytes that could hold its entries, so a
 * forged count cannot make us walk far (RFC 9267 section 2). The one
 * question is checked already. */
static int dns_counts_check(const uint8_t *msg, size_t len)
{
	uint32_t rrs = (uint32_t)net_get16(msg + DNS_H_ANCOUNT) +
		       net_get16(msg + DNS_H_NSCOUNT) +
		       net_get16(msg + DNS_H_ARCOUNT);

	if (DNS_Q_MIN + (uint64_t)rrs * DNS_RR_MIN > len - DNS_HLEN)
		return -EIO;
	return 0;
}

/* The question must be ours: same name (any case), type A, class IN.
 * Sets *off past it. */
static int dns_question_check(const uint8_t *msg, size_t len,
			      const struct dns_name *qname, size_t *off)
{
	struct dns_name n;
	size_t p;

	if (dns_name_read(msg, len, DNS_HLEN, &n, &p) || len - p < DNS_QFIXED)
		return -EIO;
	if (!dns_name_equal(&n, qname) || net_get16(msg + p) != DNS_TYPE_A ||
	    net_get16(msg + p + 2) != DNS_CLASS_IN)
		return -ESRCH;
	*off = p + DNS_QFIXED;
	return 0;
}

static int dns_rcode_error(unsigned int rcode)
{
	switch (rcode) {
	case DNS_RCODE_NXDOMAIN:
		return -ENOENT;
	case DNS_RCODE_SERVFAIL:
		return -EAGAIN;
	case DNS_RCODE_REFUSED:
		return -ECONNREFUSED;
	case DNS_RCODE_NOTIMP:
		return -EOPNOTSUPP;
	default: /* FORMERR and codes we do not know */
		return -EINVAL;
	}
}

/* What one pass over the answer section found for one name. */
struct dns_scan {
	struct dns_name s_owner; /* the first A record's, as spelt there */
	struct dns_name s_next; /* the first CNAME's target */
	bool s_has_next;
	uint32_t s_next_ttl; /* that CNAME's TTL */
};

/* One pass over the answer section (an records from off, already
 * checked by dns_rr_read): adds target's A records to r, notes target's
 * first CNAME in *sc. */
static void dns_answer_scan(const uint8_t *msg, size_t len, size_t off,
			    unsigned int an, const struct dns_name *target,
			    struct dns_result *r, struct dns_scan *sc)
{
	struct dns_rr rr;
	size_t end;

	sc->s_has_next = false;
	for (unsigned int i = 0; i < an; i++) {
		if (dns_rr_read(msg, len, &off, &rr))
			return; /* cannot happen: checked before */
		if (rr.rr_class != DNS_CLASS_IN ||
		    !dns_name_equal(&rr.rr_owner, target))
			continue;
		if (rr.rr_type == DNS_TYPE_A) {
			if (r->dr_naddrs == 0)
				sc->s_owner = rr.rr_owner;
			if (r->dr_naddrs < DNS_ADDRS_MAX)
				memcpy(&r->dr_addrs[r->dr_naddrs++],
				       msg + rr.rr_rdata, 4);
			if (rr.rr_ttl < r->dr_ttl)
				r->dr_ttl = rr.rr_ttl;
		} else if (rr.rr_type == DNS_TYPE_CNAME && !sc->s_has_next &&
			   dns_name_read(msg, len, rr.rr_rdata, &sc->s_next,
					 &end) == 0) {
			sc->s_has_next = true;
			sc->s_next_ttl = rr.rr_ttl;
		}
	}
}

/* Follows the answer from the question's name through CNAMEs to the A
 * records. */
static int dns_answer_follow(const uint8_t *msg, size_t len, size_t off,
			     unsigned int an, const struct dns_name *qname,
			     struct dns_result *res)
{
	struct dns_name target = *qname;
	struct dns_result r = { .dr_ttl = UINT32_MAX };
	struct dns_scan sc;

	for (unsigned int hops = 0;; hops++) {
		dns_answer_scan(msg, len, off, an, &target, &r, &sc);
		if (r.dr_naddrs > 0)
			break;
		if (!sc.s_has_next)
			return -ENXIO;
		if (hops == DNS_CNAME_MAX)
			return -ELOOP;
		if (sc.s_next_ttl < r.dr_ttl)
			r.dr_ttl = sc.s_next_ttl;
		target = sc.s_next;
	}
	if (!dns_name_text(&sc.s_owner, r.dr_canon))
		dns_name_text(qname, r.dr_canon);
	*res = r;
	return 0;
}

int dns_response_parse(const void *buf, size_t len, const char *name,
		       uint16_t id, struct dns_result *res)
{
	const uint8_t *msg = buf;
	struct dns_name qname;
	struct dns_rr rr;
	size_t off, an_off;

	if (dns_name_encode(name, &qname))
		return -EINVAL;
	if (len < DNS_HLEN)
		return -EIO;
	unsigned int flags = net_get16(msg + DNS_H_FLAGS);
	if (net_get16(msg + DNS_H_ID) != id || !(flags & DNS_FLAG_QR) ||
	    DNS_OPCODE(flags) != 0)
		return -ESRCH;
	if (net_get16(msg + DNS_H_QDCOUNT) != 1)
		return -EIO;
	int err = dns_question_check(msg, len, &qname, &off);
	if (err)
		return err;
	/* A truncated response may end mid-record: say so before the
	 * records are checked. */
	if (flags & DNS_FLAG_TC)
		return -EMSGSIZE;
	if (dns_counts_check(msg, len))
		return -EIO;
	unsigned int an = net_get16(msg + DNS_H_ANCOUNT);
	unsigned int rrs = an + net_get16(msg + DNS_H_NSCOUNT) +
			   net_get16(msg + DNS_H_ARCOUNT);
	an_off = off;
	for (unsigned int i = 0; i < rrs; i++)
		if (dns_rr_read(msg, len, &off, &rr))
			return -EIO;
	if (DNS_RCODE(flags) != DNS_RCODE_NOERROR)
		return dns_rcode_error(DNS_RCODE(flags));
	return dns_answer_follow(msg, len, an_off, an, &qname, res);
}
