/* SPDX-License-Identifier: MIT */
/*
 * MMIO devices named in AML (<kernel/acpi.h>): each `Name(_HID, "<hid>")`
 * and the `Name(_CRS, ResourceTemplate() {...})` after it, decoded for one
 * memory range and one interrupt (ACPI 6.5 §6.4, §20.2). A byte-pattern
 * search, not an AML interpreter: it reads static Name objects as QEMU's
 * acpi_dsdt_add_virtio() (hw/i386/acpi-microvm.c) writes them, never _CRS
 * methods. Every length is checked against the bytes given.
 */
#include <kernel/acpi.h>

#include <stdbool.h>

#include <kernel/irq.h>
#include <kernel/string.h>

#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_BUFFER_OP 0x11

/* _HID strings are 7 or 8 characters (ACPI 6.5 §6.1.5); allow some slack. */
#define HID_MAX_CHARS 16
/* A device's `08 "_CRS" 11` must lie within this many bytes after _HID. */
#define CRS_WINDOW_BYTES 256

/* Resource descriptors (ACPI 6.5 §6.4.2, §6.4.3). */
#define RES_LARGE 0x80
#define RES_LARGE_TYPE(tag) ((tag)&0x7f)
#define RES_SMALL_TYPE(tag) (((tag) >> 3) & 0x0f)
#define RES_SMALL_LEN(tag) ((tag)&0x07)
#define RES_SMALL_END 0x0f
#define RES_MEM32 0x05
#define RES_MEM32_FIXED 0x06
#define RES_EXT_IRQ 0x09
#define RES_QWORD_ADDR 0x0a

#define MEM32_BYTES 17
#define MEM32_FIXED_BYTES 9
#define EXT_IRQ_MIN_BYTES 6
#define EXT_IRQ_EDGE 0x02
#define EXT_IRQ_ACTIVE_LOW 0x04
#define QWORD_ADDR_BYTES 43
#define QWORD_ADDR_MEMORY 0

/* What a _CRS walk has found so far. */
struct crs_found {
	bool cf_have_mem;
	bool cf_have_irq;
	struct acpi_mmio_dev cf_dev;
};

static uint64_t rd_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/*
 * The first `pat` (`n` bytes, 1 <= n < 256) lying wholly inside [p, end),
 * or NULL. This runs over the whole DSDT at boot, so it skips ahead by
 * the last byte of each window (Horspool, CACM 1980): with the 15-byte
 * _HID pattern most windows cost one compare, not fifteen.
 */
static const uint8_t *find_bytes(const uint8_t *p, const uint8_t *end,
				 const uint8_t *pat, size_t n)
{
	uint8_t skip[256];
	size_t i;

	__builtin_memset(skip, (uint8_t)n, sizeof(skip));
	for (i = 0; i + 1 < n; i++)
		skip[pat[i]] = (uint8_t)(n - 1 - i);
	for (; (size_t)(end - p) >= n; p += skip[p[n - 1]])
		if (p[n - 1] == pat[n - 1] && memcmp(p, pat, n - 1) == 0)
			return p;
	return NULL;
}

/* Builds `08 '_HID' 0D <hid> 00` in `pat`; its length, or 0 for a bad hid. */
static size_t hid_pattern(const char *hid, uint8_t *pat)
{
	size_t i;

	pat[0] = AML_NAME_OP;
	memcpy(pat + 1, "_HID", 4);
	pat[5] = AML_STRING_PREFIX;
	for (i = 0; hid[i]; i++) {
		if (i == HID_MAX_CHARS)
			return 0;
		pat[6 + i] = (uint8_t)hid[i];
	}
	pat[6 + i] = 0;
	return i ? 7 + i : 0;
}

/*
 * Decodes the PkgLength at *pp (ACPI 6.5 §20.2.4): sets *pkg_end to the end
 * of the package, which must lie inside `end`, and moves *pp past it.
 */
static bool aml_pkg_length(const uint8_t **pp, const uint8_t *end,
			   const uint8_t **pkg_end)
{
	const uint8_t *p = *pp;
	size_t extra, len;

	if (p >= end)
		return false;
	extra = *p >> 6;
	if ((size_t)(end - p) < 1 + extra)
		return false;
	/* Bits 5-4 of a multi-byte lead are reserved; ACPICA ignores them. */
	len = extra ? (*p & 0x0f) | (size_t)rd_le(p + 1, extra) << 4
		    : (*p & 0x3f);
	if (len < 1 + extra || len > (size_t)(end - p))
		return false;
	*pkg_end = p + len;
	*pp = p + 1 + extra;
	return true;
}

/* An AML integer constant: Zero, One or Byte/Word/DWordPrefix data. */
static bool aml_int(const uint8_t **pp, const uint8_t *end, uint32_t *v)
{
	const uint8_t *p = *pp;
	unsigned int n;

	if (p >= end)
		return false;
	switch (*p) {
	case AML_ZERO_OP:
	case AML_ONE_OP:
		*v = *p;
		*pp = p + 1;
		return true;
	case AML_BYTE_PREFIX:
		n = 1;
		break;
	case AML_WORD_PREFIX:
		n = 2;
		break;
	case AML_DWORD_PREFIX:
		n = 4;
		break;
	default:
		return false;
	}
	if ((size_t)(end - p) < 1 + n)
		return false;
	*v = (uint32_t)rd_le(p + 1, n);
	*pp = p + 1 + n;
	return true;
}

/* Keeps the first non-empty memory range; an empty one is ignored. */
static void found_mem(struct crs_found *f, uint64_t base, uint64_t size)
{
	if (f->cf_have_mem || size == 0 || size > UINT32_MAX ||
	    base + size < base)
		return;
	f->cf_dev.am_base = base;
	f->cf_dev.am_size = (uint32_t)size;
	f->cf_have_mem = true;
}

/* Extended Interrupt data `d` (`n` bytes): flags, count, irq[count]. */
static bool found_ext_irq(struct crs_found *f, const uint8_t *d, size_t n)
{
	uint32_t flags = 0;

	if (n < EXT_IRQ_MIN_BYTES || d[1] == 0 || n < 2 + 4 * (size_t)d[1])
		return false;
	if (f->cf_have_irq)
		return true;
	if (!(d[0] & EXT_IRQ_EDGE))
		flags |= IRQ_LEVEL;
	if (d[0] & EXT_IRQ_ACTIVE_LOW)
		flags |= IRQ_ACTIVE_LOW;
	f->cf_dev.am_gsi = (uint32_t)rd_le(d + 2, 4);
	f->cf_dev.am_irq_flags = flags;
	f->cf_have_irq = true;
	return true;
}

/* One large item of type `type` with data `d` (`n` bytes); false if bad. */
static bool crs_large(struct crs_found *f, uint8_t type, const uint8_t *d,
		      size_t n)
{
	switch (type) {
	case RES_MEM32_FIXED:
		if (n < MEM32_FIXED_BYTES)
			return false;
		found_mem(f, rd_le(d + 1, 4), rd_le(d + 5, 4));
		return true;
	case RES_MEM32: /* info, min, max, alignment, length */
		if (n < MEM32_BYTES)
			return false;
		found_mem(f, rd_le(d + 1, 4), rd_le(d + 13, 4));
		return true;
	case RES_QWORD_ADDR: /* type, flags x2, gran, min, max, tra, len */
		if (n < QWORD_ADDR_BYTES)
			return false;
		if (d[0] == QWORD_ADDR_MEMORY)
			found_mem(f, rd_le(d + 11, 8) + rd_le(d + 27, 8),
				  rd_le(d + 35, 8));
		return true;
	case RES_EXT_IRQ:
		return found_ext_irq(f, d, n);
	default:
		return true;
	}
}

/* Walks the descriptors in [p, end) up to the End Tag; false if malformed. */
static bool crs_walk(const uint8_t *p, const uint8_t *end, struct crs_found *f)
{
	size_t n;

	while (p < end) {
		if (*p & RES_LARGE) {
			if (end - p < 3)
				return false;
			n = (size_t)rd_le(p + 1, 2);
			if ((size_t)(end - p) - 3 < n ||
			    !crs_large(f, RES_LARGE_TYPE(*p), p + 3, n))
				return false;
			p += 3 + n;
			continue;
		}
		n = RES_SMALL_LEN(*p);
		if ((size_t)(end - p) - 1 < n)
			return false;
		if (RES_SMALL_TYPE(*p) == RES_SMALL_END)
			return true;
		p += 1 + n;
	}
	return false;
}

/* Decodes the rest of `Buffer(size) {...}`, from its PkgLength at `p`. */
static bool crs_decode(const uint8_t *p, const uint8_t *end,
		       struct acpi_mmio_dev *out)
{
	struct crs_found f = { 0 };
	const uint8_t *pkg_end;
	uint32_t size;

	if (!aml_pkg_length(&p, end, &pkg_end) || !aml_int(&p, pkg_end, &size))
		return false;
	/* A BufferSize past the initializer only means zero padding. */
	if (size < (size_t)(pkg_end - p))
		pkg_end = p + size;
	if (!crs_walk(p, pkg_end, &f) || !f.cf_have_mem || !f.cf_have_irq)
		return false;
	*out = f.cf_dev;
	return true;
}

/* The device whose _HID ends at `p`: finds its _CRS and decodes it. */
static bool device_decode(const uint8_t *p, const uint8_t *end,
			  struct acpi_mmio_dev *out)
{
	/* NameOp "_HID", and NameOp "_CRS" BufferOp. */
	static const uint8_t any_hid[] = "\x08_HID";
	static const uint8_t crs[] = "\x08_CRS\x11";
	const uint8_t *window = end, *q;

	if ((size_t)(end - p) > CRS_WINDOW_BYTES)
		window = p + CRS_WINDOW_BYTES;
	q = find_bytes(p, window, any_hid, sizeof(any_hid) - 1);
	if (q)
		window = q;
	q = find_bytes(p, window, crs, sizeof(crs) - 1);
	return q && crs_decode(q + sizeof(crs) - 1, end, out);
}

unsigned int acpi_aml_find_mmio(const void *aml, size_t len, const char *hid,
				struct acpi_mmio_dev *out, unsigned int max)
{
	uint8_t pat[7 + HID_MAX_CHARS];
	const uint8_t *p, *end;
	unsigned int found = 0;
	size_t n;

	if (!aml || !hid || !out || !max)
		return 0;
	n = hid_pattern(hid, pat);
	if (!n)
		return 0;
	p = aml;
	end = p + len;
	while (found < max && (p = find_bytes(p, end, pat, n)) != NULL) {
		p += n;
		if (device_decode(p, end, &out[found]))
			found++;
	}
	return found;
}
