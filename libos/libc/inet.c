/* SPDX-License-Identifier: MIT */
/*
 * <arpa/inet.h> and the byte order calls of <netinet/in.h>: address text
 * parsed and printed exactly as glibc does (tests/unit/libos/inet_test.c
 * compares the two).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

const struct in6_addr in6addr_any = IN6ADDR_ANY_INIT;
const struct in6_addr in6addr_loopback = IN6ADDR_LOOPBACK_INIT;

uint16_t htons(uint16_t v)
{
	return __builtin_bswap16(v);
}

uint32_t htonl(uint32_t v)
{
	return __builtin_bswap32(v);
}

uint16_t ntohs(uint16_t v)
{
	return __builtin_bswap16(v);
}

uint32_t ntohl(uint32_t v)
{
	return __builtin_bswap32(v);
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four decimal parts 0-255, no leading zeros, nothing else. */
static int pton4(const char *src, unsigned char *dst)
{
	unsigned char tmp[4];
	unsigned int val = 0;
	int parts = 0;
	bool digit = false;

	for (;; src++) {
		int c = *src;

		if (is_digit(c)) {
			if (digit && val == 0)
				return 0; /* leading zero */
			val = val * 10 + (unsigned int)(c - '0');
			if (val > 255)
				return 0;
			digit = true;
		} else if ((c == '.' || c == '\0') && digit) {
			if (parts == 4)
				return 0;
			tmp[parts++] = (unsigned char)val;
			val = 0;
			digit = false;
			if (c == '\0')
				break;
		} else {
			return 0;
		}
	}
	if (parts != 4)
		return 0;
	memcpy(dst, tmp, 4);
	return 1;
}

static int pton6(const char *src, unsigned char *dst)
{
	unsigned char tmp[16] = { 0 };
	unsigned char *tp = tmp, *end = tmp + 16, *gap = NULL;
	const char *tok;
	unsigned int val = 0;
	int ndigits = 0, c;

	/* A leading colon must be the first half of "::". */
	if (*src == ':' && *++src != ':')
		return 0;
	tok = src;
	while ((c = *src++) != '\0') {
		int d = hex_value(c);

		if (d >= 0) {
			if (ndigits == 4)
				return 0;
			val = val << 4 | (unsigned int)d;
			ndigits++;
		} else if (c == ':') {
			tok = src;
			if (!ndigits) {
				if (gap)
					return 0; /* a second "::" */
				gap = tp;
				continue;
			}
			if (*src == '\0' || tp + 2 > end)
				return 0;
			*tp++ = (unsigned char)(val >> 8);
			*tp++ = (unsigned char)val;
			val = 0;
			ndigits = 0;
		} else if (c == '.' && tp + 4 <= end && pton4(tok, tp) > 0) {
			/* A dotted IPv4 tail ends the address. */
			tp += 4;
			ndigits = 0;
			break;
		} else {
			return 0;
		}
	}
	if (ndigits) {
		if (tp + 2 > end)
			return 0;
		*tp++ = (unsigned char)(val >> 8);
		*tp++ = (unsigned char)val;
	}
	if (gap) {
		size_t moved = (size_t)(tp - gap);

		if (tp == end)
			return 0; /* "::" must stand for at least one group */
		memmove(end - moved, gap, moved);
		memset(gap, 0, (size_t)(end - moved - gap));
		tp = end;
	}
	if (tp != end)
		return 0;
	memcpy(dst, tmp, 16);
	return 1;
}

int inet_pton(int af, const char *src, void *dst)
{
	switch (af) {
	case AF_INET:
		return pton4(src, dst);
	case AF_INET6:
		return pton6(src, dst);
	default:
		errno = EAFNOSUPPORT;
		return -1;
	}
}

/* Appends the decimal of v (0-255) at p; returns the new end. */
static char *put_dec(char *p, unsigned int v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *put_v4(char *p, const unsigned char *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_dec(p, a[i]);
	}
	return p;
}

/* Copies the NUL-terminated text of `len` bytes to dst, or fails with
 * ENOSPC. */
static const char *out(const char *text, size_t len, char *dst, socklen_t size)
{
	if (len + 1 > size) {
		errno = ENOSPC;
		return NULL;
	}
	memcpy(dst, text, len + 1);
	return dst;
}

static const char *ntop4(const unsigned char *a, char *dst, socklen_t size)
{
	char buf[INET_ADDRSTRLEN];
	char *p = put_v4(buf, a);

	*p = '\0';
	return out(buf, (size_t)(p - buf), dst, size);
}

static const char *ntop6(const unsigned char *a, char *dst, socklen_t size)
{
	static const char hex[] = "0123456789abcdef";
	char buf[INET6_ADDRSTRLEN];
	char *p = buf;
	unsigned int w[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;

	for (int i = 0; i < 8; i++)
		w[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	/* The first longest run of zero groups. */
	for (int i = 0; i < 8; i++) {
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, cur_len = 0;
			if (++cur_len > best_len)
				best = cur, best_len = cur_len;
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1; /* RFC 5952: a lone zero group is not compressed */
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		/* IPv4-compatible (::a.b.c.d) and -mapped (::ffff:a.b.c.d). */
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
			p = put_v4(p, a + 12);
			break;
		}
		bool started = false;
		for (int shift = 12; shift >= 0; shift -= 4) {
			unsigned int d = w[i] >> shift & 0xf;

			if (d || started || shift == 0) {
				*p++ = hex[d];
				started = true;
			}
		}
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	*p = '\0';
	return out(buf, (size_t)(p - buf), dst, size);
}

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
	switch (af) {
	case AF_INET:
		return ntop4(src, dst, size);
	case AF_INET6:
		return ntop6(src, dst, size);
	default:
		errno = EAFNOSUPPORT;
		return NULL;
	}
}

static bool is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

int inet_aton(const char *cp, struct in_addr *inp)
{
	uint32_t parts[3];
	int n = 0;
	uint64_t val;
	int c = (unsigned char)*cp;

	for (;;) {
		unsigned int base = 10;
		bool digit = false;

		if (!is_digit(c))
			return 0;
		if (c == '0') {
			c = (unsigned char)*++cp;
			if (c == 'x' || c == 'X') {
				base = 16;
				c = (unsigned char)*++cp;
			} else {
				base = 8;
				digit = true;
			}
		}
		val = 0;
		for (;;) {
			if (is_digit(c)) {
				if (base == 8 && c >= '8')
					return 0;
				val = val * base + (unsigned int)(c - '0');
			} else if (base == 16 && hex_value(c) >= 0) {
				val = val << 4 | (unsigned int)hex_value(c);
			} else {
				break;
			}
			if (val > 0xffffffffu)
				return 0;
			digit = true;
			c = (unsigned char)*++cp;
		}
		if (!digit)
			return 0;
		if (c != '.')
			break;
		if (n == 3 || val > 0xff)
			return 0;
		parts[n++] = (uint32_t)val;
		c = (unsigned char)*++cp;
	}
	if (c != '\0' && !is_space(c))
		return 0;
	/* The last part fills the bytes the others left. */
	static const uint64_t max[] = { 0xffffffffu, 0xffffff, 0xffff, 0xff };
	if (val > max[n])
		return 0;
	for (int i = 0; i < n; i++)
		val |= (uint64_t)parts[i] << (24 - 8 * i);
	if (inp)
		inp->s_addr = htonl((uint32_t)val);
	return 1;
}

in_addr_t inet_addr(const char *cp)
{
	struct in_addr a;

	return inet_aton(cp, &a) ? a.s_addr : INADDR_NONE;
}

char *inet_ntoa(struct in_addr in)
{
	static char buf[INET_ADDRSTRLEN];

	ntop4((const unsigned char *)&in.s_addr, buf, sizeof(buf));
	return buf;
}
