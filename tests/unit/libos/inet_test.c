/* SPDX-License-Identifier: MIT */
/*
 * <arpa/inet.h> (libos/libc/inet.c) against glibc: inet_ntop on random
 * IPv4 and IPv6 addresses (IPv6 words drawn to make runs of zeros,
 * IPv4-mapped and -compatible forms common), inet_pton on glibc's output
 * and on random strings from the address alphabet (mostly malformed),
 * ENOSPC at every buffer size, inet_aton/inet_addr on fixed and random
 * strings, inet_ntoa and the byte order calls. Fixed seed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

uint16_t mosaic_htons(uint16_t v);
uint32_t mosaic_htonl(uint32_t v);
uint16_t mosaic_ntohs(uint16_t v);
uint32_t mosaic_ntohl(uint32_t v);
int mosaic_inet_pton(int af, const char *src, void *dst);
const char *mosaic_inet_ntop(int af, const void *src, char *dst,
			     socklen_t size);
int mosaic_inet_aton(const char *cp, struct in_addr *inp);
in_addr_t mosaic_inet_addr(const char *cp);
char *mosaic_inet_ntoa(struct in_addr in);
extern const struct in6_addr mosaic_in6addr_any, mosaic_in6addr_loopback;

#define ROUNDS 200000

static void random_v6(unsigned char *a)
{
	int mode = rand() % 8;

	for (int i = 0; i < 8; i++) {
		unsigned int w;

		switch (rand() % 4) {
		case 0:
		case 1:
			w = 0;
			break;
		case 2:
			w = (unsigned int)rand() & 0xffff;
			break;
		default:
			w = (unsigned int)rand() & (rand() % 2 ? 0xf : 0xfff);
			break;
		}
		a[2 * i] = (unsigned char)(w >> 8);
		a[2 * i + 1] = (unsigned char)w;
	}
	if (mode == 0 || mode == 1) { /* ::ffff:a.b.c.d or ::a.b.c.d */
		memset(a, 0, 10);
		a[10] = a[11] = mode == 0 ? 0xff : 0;
	}
}

static void check_ntop(int af, const unsigned char *a)
{
	char want[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN];
	const char *w = inet_ntop(af, a, want, sizeof(want));
	const char *g = mosaic_inet_ntop(af, a, got, sizeof(got));
	size_t len;

	assert_non_null(w);
	assert_ptr_equal(g, got);
	assert_string_equal(got, want);
	/* Every buffer one byte too short fails with ENOSPC. */
	len = strlen(want);
	errno = 0;
	assert_null(mosaic_inet_ntop(af, a, got, (socklen_t)len));
	assert_int_equal(errno, ENOSPC);
	assert_non_null(mosaic_inet_ntop(af, a, got, (socklen_t)len + 1));
}

static void check_pton(int af, const char *s)
{
	unsigned char want[16], got[16];
	int w, g;

	memset(want, 0xa5, sizeof(want));
	memset(got, 0xa5, sizeof(got));
	w = inet_pton(af, s, want);
	g = mosaic_inet_pton(af, s, got);
	if (w != g)
		fail_msg("inet_pton(%d, \"%s\"): %d, glibc %d", af, s, g, w);
	if (w == 1 && memcmp(want, got, af == AF_INET ? 4 : 16))
		fail_msg("inet_pton(%d, \"%s\"): other bytes", af, s);
}

static void test_ntop_random(void **state)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];

	(void)state;
	srand(5952);
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < 4; i++)
			a[i] = (unsigned char)(rand() % 4 ? rand() : 0);
		check_ntop(AF_INET, a);
		inet_ntop(AF_INET, a, text, sizeof(text));
		check_pton(AF_INET, text);
		random_v6(a);
		check_ntop(AF_INET6, a);
		inet_ntop(AF_INET6, a, text, sizeof(text));
		check_pton(AF_INET6, text);
	}
}

static void test_ntop_fixed(void **state)
{
	static const char *const v6[] = { "::",
					  "::1",
					  "1::",
					  "1:0:0:1::1",
					  "2001:db8::1:0:0:1",
					  "2001:db8:0:1:1:1:1:1",
					  "::ffff:192.0.2.1",
					  "::192.0.2.1",
					  "::ffff:0:0",
					  "::ffff:0.0.0.0",
					  "fe80::",
					  "1:2:3:4:5:6:7:8",
					  "0:0:1::",
					  "::1:0:0:0",
					  "1:0:0:2:0:0:0:3" };
	unsigned char a[16];
	char got[INET6_ADDRSTRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		assert_int_equal(inet_pton(AF_INET6, v6[i], a), 1);
		check_ntop(AF_INET6, a);
	}
	assert_int_equal(mosaic_inet_pton(AF_INET6, "2001:DB8::0:1", a), 1);
	assert_string_equal(mosaic_inet_ntop(AF_INET6, a, got, sizeof(got)),
			    "2001:db8::1");
	errno = 0;
	assert_int_equal(mosaic_inet_pton(12345, "1.2.3.4", a), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	errno = 0;
	assert_null(mosaic_inet_ntop(12345, a, got, sizeof(got)));
	assert_int_equal(errno, EAFNOSUPPORT);
}

/* A random string over the characters of address text. */
static void random_text(char *s, size_t max, const char *alphabet)
{
	size_t n = (size_t)rand() % max, k = strlen(alphabet);

	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[rand() % k];
	s[n] = '\0';
}

static void test_pton_malformed(void **state)
{
	static const char *const fixed[] = { "",
					     ".",
					     "1.2.3",
					     "1.2.3.4.",
					     "1.2.3.4.5",
					     "01.2.3.4",
					     "1.2.3.256",
					     "1..2.3",
					     " 1.2.3.4",
					     "1.2.3.4 ",
					     "0x1.2.3.4",
					     ":",
					     ":::",
					     "1:::2",
					     "::1::",
					     ":1::",
					     "1::2:",
					     "1:2:3:4:5:6:7",
					     "1:2:3:4:5:6:7:8:9",
					     "1:2:3:4:5:6:7::",
					     "::1:2:3:4:5:6:7",
					     "12345::",
					     "::ffff:1.2.3",
					     "::1.2.3.4:5",
					     "1:2:3:4:5:6:1.2.3.4",
					     "1:2:3:4:5:6:7:1.2.3.4",
					     "::01.2.3.4",
					     "g::",
					     "1:2:3:4:5:6::8",
					     "::1.2.3.4",
					     "1::1.2.3.4",
					     "1:2:3:4:5::1.2.3.4" };
	char s[48];

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		check_pton(AF_INET, fixed[i]);
		check_pton(AF_INET6, fixed[i]);
	}
	srand(4291);
	for (int r = 0; r < ROUNDS; r++) {
		random_text(s, 20, "0123456789..");
		check_pton(AF_INET, s);
		random_text(s, 16, "0129.");
		check_pton(AF_INET6, s);
		random_text(s, 24, "01aF:::.");
		check_pton(AF_INET6, s);
		random_text(s, 44, "0f1:::");
		check_pton(AF_INET6, s);
		random_text(s, 44, "0ff1::::.2");
		check_pton(AF_INET6, s);
	}
}

static void check_aton(const char *s)
{
	struct in_addr want = { 0x5a5a5a5a }, got = { 0x5a5a5a5a };
	int w = inet_aton(s, &want), g = mosaic_inet_aton(s, &got);

	if (w != g)
		fail_msg("inet_aton(\"%s\"): %d, glibc %d", s, g, w);
	if (w && want.s_addr != got.s_addr)
		fail_msg("inet_aton(\"%s\"): %08x, glibc %08x", s, got.s_addr,
			 want.s_addr);
	assert_int_equal(mosaic_inet_addr(s), inet_addr(s));
}

static void test_aton(void **state)
{
	static const char *const fixed[] = { "1.2.3.4",
					     "1",
					     "1.2",
					     "1.2.3",
					     "0x7f.1",
					     "017.0x10.9.255",
					     "4294967295",
					     "4294967296",
					     "1.16777215",
					     "1.16777216",
					     "1.2.65535",
					     "1.2.65536",
					     "256.1.1.1",
					     "08",
					     "0x",
					     "0x.1",
					     "1.2.3.4 trailing",
					     "1.2.3.4\tx",
					     "1.2.3.4x",
					     "",
					     " 1",
					     "1.",
					     "1.2.3.4.5",
					     "0xffffffff",
					     "0x100000000",
					     "00000000001",
					     "099",
					     "0xfg" };
	char s[24];

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check_aton(fixed[i]);
	srand(1983);
	for (int r = 0; r < ROUNDS; r++) {
		random_text(s, 20, "0123456789..xXaf ");
		check_aton(s);
	}
	assert_int_equal(mosaic_inet_aton("10.0.0.1", NULL), 1);
}

static void test_ntoa_and_order(void **state)
{
	struct in_addr a;

	(void)state;
	for (int r = 0; r < 10000; r++) {
		a.s_addr = (uint32_t)rand() << 1 ^ (uint32_t)rand();
		assert_string_equal(mosaic_inet_ntoa(a), inet_ntoa(a));
		assert_int_equal(mosaic_htonl(a.s_addr), htonl(a.s_addr));
		assert_int_equal(mosaic_ntohl(a.s_addr), ntohl(a.s_addr));
		assert_int_equal(mosaic_htons((uint16_t)a.s_addr),
				 htons((uint16_t)a.s_addr));
		assert_int_equal(mosaic_ntohs((uint16_t)a.s_addr),
				 ntohs((uint16_t)a.s_addr));
	}
	assert_memory_equal(&mosaic_in6addr_any, &in6addr_any, 16);
	assert_memory_equal(&mosaic_in6addr_loopback, &in6addr_loopback, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ntop_fixed),
		cmocka_unit_test(test_ntop_random),
		cmocka_unit_test(test_pton_malformed),
		cmocka_unit_test(test_aton),
		cmocka_unit_test(test_ntoa_and_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
