/* SPDX-License-Identifier: MIT */
/*
 * memcpy, memmove, memset and memcmp: the routines GCC emits calls to even
 * in freestanding code, declared in <kernel/string.h>. `rep movsb/stosb`
 * is fast on every CPU with ERMSB and cheap to emulate under TCG.
 */
#include <kernel/string.h>

#include <stdint.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	size_t words = n / 8, tail = n % 8;
	void *d = dst;

	__asm__ volatile("rep movsq"
			 : "+D"(d), "+S"(src), "+c"(words)
			 :
			 : "memory");
	__asm__ volatile("rep movsb"
			 : "+D"(d), "+S"(src), "+c"(tail)
			 :
			 : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint64_t pattern = 0x0101010101010101ull * (uint8_t)c;
	size_t words = n / 8, tail = n % 8;
	void *p = dst;

	/* Quadwords first: an eighth of the iterations of `rep stosb`
	 * wherever ERMSB does not already make bytes as fast. */
	__asm__ volatile("rep stosq"
			 : "+D"(p), "+c"(words)
			 : "a"(pattern)
			 : "memory");
	__asm__ volatile("rep stosb"
			 : "+D"(p), "+c"(tail)
			 : "a"(pattern)
			 : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
	}
	return 0;
}
