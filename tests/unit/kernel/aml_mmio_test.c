/* SPDX-License-Identifier: MIT */
/*
 * Host tests for acpi_aml_find_mmio() (kernel/acpi/aml_mmio.c) on AML built
 * byte by byte the way QEMU's hw/i386/acpi-microvm.c and hw/acpi/aml-build.c
 * write it, then broken in every way a length can lie. Inputs live in
 * buffers of exactly their length, so ASan catches any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kernel/acpi.h>
#include <kernel/irq.h>

#define AML_MAX 4096
#define HID "LNRO0005"
#define VIRTIO_MMIO_BASE 0xfeb00000u
#define VIRTIO_MMIO_SIZE 0x200u
#define VIRTIO_IRQ_BASE 16u

/* AML bytes under construction. */
struct aml {
	uint8_t b[AML_MAX];
	size_t len;
};

static void emit(struct aml *a, const void *p, size_t n)
{
	assert_true(a->len + n <= AML_MAX);
	if (n)
		memcpy(a->b + a->len, p, n);
	a->len += n;
}

static void emit8(struct aml *a, uint8_t v)
{
	emit(a, &v, 1);
}

static void emit_le(struct aml *a, uint64_t v, unsigned int n)
{
	while (n--) {
		emit8(a, v & 0xff);
		v >>= 8;
	}
}

/* A PkgLength of `n` bytes (1-4) holding `len`, whatever `len` is. */
static void emit_pkg_length_raw(struct aml *a, size_t len, unsigned int n)
{
	if (n == 1) {
		emit8(a, len & 0x3f);
		return;
	}
	emit8(a, (uint8_t)((n - 1) << 6 | (len & 0x0f)));
	emit_le(a, len >> 4, n - 1);
}

/* build_prepend_package_length(..., incl_self = true) in aml-build.c. */
static void emit_pkg_length(struct aml *a, size_t body)
{
	unsigned int n;

	if (body + 1 < (1u << 6))
		n = 1;
	else if (body + 2 < (1u << 12))
		n = 2;
	else if (body + 3 < (1u << 20))
		n = 3;
	else
		n = 4;
	emit_pkg_length_raw(a, body + n, n);
}

/* build_append_int() in aml-build.c. */
static void emit_int(struct aml *a, uint64_t v)
{
	if (v <= 1) {
		emit8(a, (uint8_t)v);
	} else if (v <= 0xff) {
		emit8(a, 0x0a);
		emit_le(a, v, 1);
	} else if (v <= 0xffff) {
		emit8(a, 0x0b);
		emit_le(a, v, 2);
	} else {
		emit8(a, 0x0c);
		emit_le(a, v, 4);
	}
}

/* `op` (1 or 2 bytes), PkgLength, `body`: Scope, Device, Buffer. */
static void emit_package(struct aml *a, const char *op, size_t op_len,
			 const struct aml *body)
{
	emit(a, op, op_len);
	emit_pkg_length(a, body->len);
	emit(a, body->b, body->len);
}

static void emit_name(struct aml *a, const char *seg)
{
	emit8(a, 0x08);
	emit(a, seg, 4);
}

static void emit_name_string(struct aml *a, const char *seg, const char *s)
{
	emit_name(a, seg);
	emit8(a, 0x0d);
	emit(a, s, strlen(s) + 1);
}

static void emit_name_int(struct aml *a, const char *seg, uint64_t v)
{
	emit_name(a, seg);
	emit_int(a, v);
}

/* Buffer(size) { contents }, as aml_resource_template() ends up. */
static void emit_buffer(struct aml *a, const struct aml *contents)
{
	struct aml body = { .len = 0 };

	emit_int(&body, contents->len);
	emit(&body, contents->b, contents->len);
	emit_package(a, "\x11", 1, &body);
}

static void res_mem32_fixed(struct aml *t, uint32_t base, uint32_t size)
{
	emit(t, "\x86\x09\x00\x01", 4); /* ReadWrite */
	emit_le(t, base, 4);
	emit_le(t, size, 4);
}

static void res_ext_irq(struct aml *t, uint8_t flags, uint32_t irq)
{
	emit(t, "\x89\x06\x00", 3);
	emit8(t, flags);
	emit8(t, 1);
	emit_le(t, irq, 4);
}

static void res_end(struct aml *t)
{
	emit(t, "\x79\x00", 2);
}

/* aml_interrupt(AML_CONSUMER, AML_LEVEL, AML_ACTIVE_HIGH, AML_EXCLUSIVE) */
#define QEMU_IRQ_FLAGS 0x01

/* The template acpi_dsdt_add_virtio() gives transport `index`. */
static void qemu_template(struct aml *t, unsigned int index)
{
	t->len = 0;
	res_mem32_fixed(t, VIRTIO_MMIO_BASE + index * VIRTIO_MMIO_SIZE,
			VIRTIO_MMIO_SIZE);
	res_ext_irq(t, QEMU_IRQ_FLAGS, VIRTIO_IRQ_BASE + index);
	res_end(t);
}

/* Device(<seg>) { _HID, _UID, _CCA, then `crs_obj` after "08 _CRS". */
static void emit_device_raw(struct aml *scope, const char *seg, const char *hid,
			    unsigned int uid, const struct aml *crs_obj)
{
	struct aml dev = { .len = 0 };

	emit(&dev, seg, 4);
	emit_name_string(&dev, "_HID", hid);
	emit_name_int(&dev, "_UID", uid);
	emit_name_int(&dev, "_CCA", 1);
	if (crs_obj) {
		emit_name(&dev, "_CRS");
		emit(&dev, crs_obj->b, crs_obj->len);
	}
	emit_package(scope, "\x5b\x82", 2, &dev);
}

static void emit_device(struct aml *scope, const char *seg, const char *hid,
			unsigned int uid, const struct aml *contents)
{
	struct aml obj = { .len = 0 };

	emit_buffer(&obj, contents);
	emit_device_raw(scope, seg, hid, uid, &obj);
}

/* Scope(\_SB) { body } */
static void emit_scope(struct aml *a, const struct aml *body)
{
	struct aml s = { .len = 0 };

	emit(&s, "\\_SB_", 5);
	emit(&s, body->b, body->len);
	emit_package(a, "\x10", 1, &s);
}

/* A DSDT body with a virtio-mmio device for each of `index[0..n)`. */
static void qemu_dsdt(struct aml *a, const unsigned int *index, unsigned int n)
{
	struct aml scope = { .len = 0 }, t;
	char seg[8];
	unsigned int i;

	for (i = 0; i < n; i++) {
		snprintf(seg, sizeof(seg), "VR%02u", index[i]);
		qemu_template(&t, index[i]);
		emit_device(&scope, seg, HID, index[i], &t);
	}
	a->len = 0;
	emit_scope(a, &scope);
}

/* One device VR00 whose _CRS object is `crs_obj`, in Scope(\_SB). */
static void one_device_raw(struct aml *a, const struct aml *crs_obj)
{
	struct aml scope = { .len = 0 };

	emit_device_raw(&scope, "VR00", HID, 0, crs_obj);
	a->len = 0;
	emit_scope(a, &scope);
}

static void one_device(struct aml *a, const struct aml *contents)
{
	struct aml obj = { .len = 0 };

	emit_buffer(&obj, contents);
	one_device_raw(a, &obj);
}

/* Runs the search on a heap copy of exactly `a->len` bytes. */
static unsigned int find_n(const struct aml *a, const char *hid,
			   struct acpi_mmio_dev *out, unsigned int max)
{
	uint8_t *copy = malloc(a->len ? a->len : 1);
	unsigned int n;

	assert_non_null(copy);
	memcpy(copy, a->b, a->len);
	n = acpi_aml_find_mmio(copy, a->len, hid, out, max);
	free(copy);
	return n;
}

static unsigned int find1(const struct aml *a, struct acpi_mmio_dev *out)
{
	return find_n(a, HID, out, 1);
}

static void assert_dev(const struct acpi_mmio_dev *d, uint64_t base,
		       uint32_t size, uint32_t gsi, uint32_t flags)
{
	assert_int_equal(d->am_base, base);
	assert_int_equal(d->am_size, size);
	assert_int_equal(d->am_gsi, gsi);
	assert_int_equal(d->am_irq_flags, flags);
}

static void assert_virtio(const struct acpi_mmio_dev *d, unsigned int index)
{
	assert_dev(d, VIRTIO_MMIO_BASE + index * VIRTIO_MMIO_SIZE,
		   VIRTIO_MMIO_SIZE, VIRTIO_IRQ_BASE + index, IRQ_LEVEL);
}

/* What QEMU emits for Scope(\_SB) { VR00 }, worked out by hand. */
static const uint8_t golden_vr00[] = {
	0x10, 0x4a, 0x04, '\\', '_',  'S',  'B',  '_', /* Scope, PkgLength 74 */
	0x5b, 0x82, 0x41, 0x04, 'V',  'R',  '0',  '0', /* Device, PkgLength 65
							*/
	0x08, '_',  'H',  'I',	'D',  0x0d, 'L',  'N',	'R',  'O',  '0',
	'0',  '0',  '5',  0x00, 0x08, '_',  'U',  'I',	'D',  0x00, 0x08,
	'_',  'C',  'C',  'A',	0x01, 0x08, '_',  'C',	'R',  'S',  0x11,
	0x1a, 0x0a, 0x17, /* Buffer(23) */
	0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0xb0, 0xfe, 0x00, 0x02, 0x00,
	0x00, 0x89, 0x06, 0x00, 0x01, 0x01, 0x10, 0x00, 0x00, 0x00, /* IRQ 16 */
	0x79, 0x00
};

static void test_qemu_one_device(void **state)
{
	struct aml a;
	struct acpi_mmio_dev d;
	const unsigned int idx[] = { 0 };

	(void)state;
	qemu_dsdt(&a, idx, 1);
	assert_int_equal(a.len, sizeof(golden_vr00));
	assert_memory_equal(a.b, golden_vr00, sizeof(golden_vr00));
	assert_int_equal(acpi_aml_find_mmio(golden_vr00, sizeof(golden_vr00),
					    HID, &d, 1),
			 1);
	assert_virtio(&d, 0);
}

static void test_qemu_three_devices(void **state)
{
	struct aml a;
	struct acpi_mmio_dev d[4];
	const unsigned int idx[] = { 0, 1, 7 }; /* Zero, One, BytePrefix */

	(void)state;
	qemu_dsdt(&a, idx, 3);
	assert_int_equal(find_n(&a, HID, d, 4), 3);
	assert_virtio(&d[0], 0);
	assert_virtio(&d[1], 1);
	assert_virtio(&d[2], 7);
}

/* A device needs both a range and an interrupt; other HIDs are ignored. */
static void test_other_devices_ignored(void **state)
{
	struct aml scope = { .len = 0 }, a = { .len = 0 }, t = { .len = 0 };
	struct acpi_mmio_dev d[2];

	(void)state;
	qemu_template(&t, 3);
	emit_device(&scope, "GED_", "ACPI0013", 0, &t);
	emit_device(&scope, "VR09", "LNRO00051", 0, &t);
	emit_device(&scope, "VR10", "LNRO000", 0, &t);
	t.len = 0;
	res_ext_irq(&t, QEMU_IRQ_FLAGS, 9); /* no memory */
	res_end(&t);
	emit_device(&scope, "VR01", HID, 1, &t);
	t.len = 0;
	res_mem32_fixed(&t, VIRTIO_MMIO_BASE, VIRTIO_MMIO_SIZE); /* no IRQ */
	res_end(&t);
	emit_device(&scope, "VR02", HID, 2, &t);
	qemu_template(&t, 5);
	emit_device(&scope, "VR05", HID, 5, &t);
	emit_scope(&a, &scope);
	assert_int_equal(find_n(&a, HID, d, 2), 1);
	assert_virtio(&d[0], 5);
	assert_int_equal(find_n(&a, "ACPI0013", d, 2), 1);
	assert_virtio(&d[0], 3);
	assert_int_equal(find_n(&a, "LNRO0006", d, 2), 0);
}

/* The end of each _CRS buffer in `a`, in order; returns how many. */
static unsigned int crs_ends(const struct aml *a, size_t *end, unsigned int max)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i + 7 <= a->len && n < max; i++) {
		if (memcmp(a->b + i, "\x08_CRS\x11", 6) != 0)
			continue;
		assert_true(a->b[i + 6] < 0x40); /* 1-byte PkgLength */
		end[n++] = i + 6 + a->b[i + 6];
	}
	return n;
}

/* Every prefix of the AML: only devices whose _CRS fits come out, intact. */
static void check_every_prefix(const struct aml *a, const unsigned int *idx,
			       unsigned int ndev)
{
	struct aml cut;
	struct acpi_mmio_dev d[4], poison;
	size_t end[4];
	unsigned int i, expect;

	assert_int_equal(crs_ends(a, end, 4), ndev);
	memset(&poison, 0xa5, sizeof(poison));
	for (cut.len = 0; cut.len <= a->len; cut.len++) {
		memcpy(cut.b, a->b, cut.len);
		for (i = 0; i < 4; i++)
			d[i] = poison;
		for (expect = 0; expect < ndev && end[expect] <= cut.len;)
			expect++;
		assert_int_equal(find_n(&cut, HID, d, 4), expect);
		for (i = 0; i < expect; i++)
			assert_virtio(&d[i], idx[i]);
		for (; i < 4; i++)
			assert_memory_equal(&d[i], &poison, sizeof(poison));
	}
}

static void test_truncated_at_every_byte(void **state)
{
	struct aml a;
	const unsigned int one[] = { 0 }, three[] = { 0, 1, 2 };

	(void)state;
	qemu_dsdt(&a, one, 1);
	check_every_prefix(&a, one, 1);
	qemu_dsdt(&a, three, 3);
	check_every_prefix(&a, three, 3);
}

/* `11 PkgLength(len, n bytes) 0A 17 <QEMU's template for VR00>` */
static void crs_with_pkg_length(struct aml *obj, size_t len, unsigned int n)
{
	struct aml t;

	qemu_template(&t, 0);
	obj->len = 0;
	emit8(obj, 0x11);
	emit_pkg_length_raw(obj, len, n);
	emit_int(obj, t.len);
	emit(obj, t.b, t.len);
}

static void test_pkg_length_checked(void **state)
{
	struct aml obj, a;
	struct acpi_mmio_dev d;
	const size_t right = 1 + 2 + 23;

	(void)state;
	crs_with_pkg_length(&obj, right, 1);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 1);
	assert_virtio(&d, 0);
	/* The same length spelt with more bytes is still valid. */
	crs_with_pkg_length(&obj, right + 3, 4);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 1);
	/* Past the table, in every width. */
	crs_with_pkg_length(&obj, 63, 1);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
	crs_with_pkg_length(&obj, 0xfff, 2);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
	crs_with_pkg_length(&obj, 0xfffffff, 4);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
	/* Shorter than the PkgLength itself, or cutting off the End Tag. */
	crs_with_pkg_length(&obj, 0, 1);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
	crs_with_pkg_length(&obj, 1, 2);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
	crs_with_pkg_length(&obj, right - 1, 1);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
	/* A PkgLength whose own bytes run past the end of the AML. */
	obj.len = 0;
	emit(&obj, "\x11\xc3\x01", 3);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
}

/* `11 PkgLength <size_op...> contents`, then `after` raw bytes. */
static void crs_with_size(struct aml *obj, const void *size_op, size_t op_len,
			  const struct aml *contents, const void *after,
			  size_t after_len)
{
	struct aml body = { .len = 0 };

	emit(&body, size_op, op_len);
	emit(&body, contents->b, contents->len);
	obj->len = 0;
	emit_package(obj, "\x11", 1, &body);
	emit(obj, after, after_len);
}

static void test_buffer_size(void **state)
{
	/* An interrupt and End Tag the walk must not reach. */
	static const uint8_t tail[] = { 0x89, 0x06, 0x00, 0x01, 0x01, 0x10,
					0x00, 0x00, 0x00, 0x79, 0x00 };
	struct aml obj, a, t;
	struct acpi_mmio_dev d;

	(void)state;
	qemu_template(&t, 0);
	/* Larger than the initializer: zero padding, the device is fine. */
	crs_with_size(&obj, "\x0a\xff", 2, &t, NULL, 0);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 1);
	assert_virtio(&d, 0);
	crs_with_size(&obj, "\x0b\x17\x00", 3, &t, NULL, 0);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 1);
	crs_with_size(&obj, "\x0c\x00\x00\x01\x00", 5, &t, NULL, 0);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 1);
	/* ... but the walk stops at the PkgLength, not at BufferSize. */
	t.len = 0;
	res_mem32_fixed(&t, VIRTIO_MMIO_BASE, VIRTIO_MMIO_SIZE);
	crs_with_size(&obj, "\x0a\x40", 2, &t, tail, sizeof(tail));
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
	/* Smaller than the initializer: what it cuts off is not there. */
	qemu_template(&t, 0);
	crs_with_size(&obj, "\x0a\x0c", 2, &t, NULL, 0);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
	/* Not an integer, or one cut short by the PkgLength. */
	crs_with_size(&obj, "\x0d", 1, &t, NULL, 0);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
	t.len = 0;
	crs_with_size(&obj, "\x0b\x17", 2, &t, NULL, 0);
	one_device_raw(&a, &obj);
	assert_int_equal(find1(&a, &d), 0);
}

/*
 * One device whose template is `bytes`, then `zeros` zero bytes, which a
 * walk past the buffer would read quietly; with none, ASan sees it.
 */
static unsigned int find_template(const void *bytes, size_t n, size_t zeros,
				  struct acpi_mmio_dev *d)
{
	struct aml t = { .len = 0 }, obj = { .len = 0 }, a;

	emit(&t, bytes, n);
	emit_buffer(&obj, &t);
	memset(obj.b + obj.len, 0, zeros);
	obj.len += zeros;
	one_device_raw(&a, &obj);
	return find1(&a, d);
}

#define MEM_FIXED "\x86\x09\x00\x01\x00\x00\xb0\xfe\x00\x02\x00\x00"
#define IRQ_16 "\x89\x06\x00\x01\x01\x10\x00\x00\x00"
#define END_TAG "\x79\x00"
#define ZEROS_16 "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
#define FIND_TEMPLATE(s, d) find_template(s, sizeof(s) - 1, 16, d)
#define FIND_TEMPLATE_AT_END(s, d) find_template(s, sizeof(s) - 1, 0, d)

static void test_descriptor_lengths_checked(void **state)
{
	struct acpi_mmio_dev d;

	(void)state;
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED IRQ_16 END_TAG, &d), 1);
	/* Large items running past the buffer, or too short for their type. */
	assert_int_equal(
		FIND_TEMPLATE("\x86\xff\xff" MEM_FIXED IRQ_16 END_TAG, &d), 0);
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED "\x89\x0b\x00\x01\x01\x10"
						 "\x00\x00\x00" END_TAG,
				       &d),
			 0);
	assert_int_equal(FIND_TEMPLATE("\x86\x08\x00\x01\x00\x00\xb0\xfe\x00"
				       "\x02\x00" IRQ_16 END_TAG,
				       &d),
			 0);
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED IRQ_16 "\x86", &d), 0);
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED IRQ_16 "\x86\x09", &d), 0);
	/* Cut short at the very end of the AML, where ASan sees an overread. */
	assert_int_equal(FIND_TEMPLATE_AT_END(MEM_FIXED IRQ_16 "\x86\x09\x00"
							       "\x01",
					      &d),
			 0);
	assert_int_equal(
		FIND_TEMPLATE_AT_END(MEM_FIXED "\x89\x06\x00\x01\x01", &d), 0);
	assert_int_equal(FIND_TEMPLATE_AT_END(MEM_FIXED IRQ_16 "\x8a\x2b\x00"
							       "\x00\x0c",
					      &d),
			 0);
	assert_int_equal(FIND_TEMPLATE_AT_END(MEM_FIXED IRQ_16 "\x86", &d), 0);
	assert_int_equal(FIND_TEMPLATE_AT_END(MEM_FIXED "\x89\x00\x00", &d), 0);
	assert_int_equal(
		FIND_TEMPLATE_AT_END(IRQ_16 "\x85\x10\x00" ZEROS_16, &d), 0);
	/* QWordAddress one byte short (42 data bytes). */
	assert_int_equal(FIND_TEMPLATE_AT_END(IRQ_16
					      "\x8a\x2a\x00" ZEROS_16 ZEROS_16
					      "\0\0\0\0\0\0\0\0\0\0",
					      &d),
			 0);
	/* A small item (I/O, 7 bytes) with too few bytes left. */
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED IRQ_16 "\x47\x01\x00", &d), 0);
	/* Unknown items of both sizes are stepped over. */
	assert_int_equal(
		FIND_TEMPLATE("\x47\x01\xf8\x03\xf8\x03\x01\x08"
			      "\x8f\x02\x00\xaa\xbb" MEM_FIXED IRQ_16 END_TAG,
			      &d),
		1);
	assert_virtio(&d, 0);
}

static void test_end_tag_required(void **state)
{
	struct acpi_mmio_dev d;

	(void)state;
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED IRQ_16, &d), 0);
	assert_int_equal(FIND_TEMPLATE(END_TAG, &d), 0);
	/* Nothing after the End Tag counts. */
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED END_TAG IRQ_16 END_TAG, &d),
			 0);
}

static void test_interrupt_count(void **state)
{
	struct acpi_mmio_dev d;

	(void)state;
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED "\x89\x06\x00\x01\x00\x10"
						 "\x00\x00\x00" END_TAG,
				       &d),
			 0);
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED "\x89\x06\x00\x01\x02\x10"
						 "\x00\x00\x00" END_TAG,
				       &d),
			 0);
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED "\x89\x0a\x00\x01\x02\x11"
						 "\x00\x00\x00\x12\x00\x00"
						 "\x00" END_TAG,
				       &d),
			 1);
	assert_int_equal(d.am_gsi, 0x11);
	/* A resource source after the list is allowed. */
	assert_int_equal(FIND_TEMPLATE(MEM_FIXED "\x89\x0a\x00\x01\x01\x12\x00"
						 "\x00\x00\x00\x41\x42"
						 "\x00" END_TAG,
				       &d),
			 1);
	assert_int_equal(d.am_gsi, 0x12);
}

static void test_interrupt_flags(void **state)
{
	static const struct {
		uint8_t aml;
		uint32_t flags;
	} cases[] = {
		{ 0x01, IRQ_LEVEL }, /* level, active-high */
		{ 0x03, 0 }, /* edge, active-high */
		{ 0x05, IRQ_LEVEL | IRQ_ACTIVE_LOW },
		{ 0x07, IRQ_ACTIVE_LOW }, /* edge, active-low */
		{ 0x08, IRQ_LEVEL }, /* producer, shared: ignored */
	};
	struct aml t = { .len = 0 }, a;
	struct acpi_mmio_dev d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t.len = 0;
		res_mem32_fixed(&t, 0x1000, 0x100);
		res_ext_irq(&t, cases[i].aml, 40);
		res_ext_irq(&t, 0x03, 41); /* only the first counts */
		res_end(&t);
		one_device(&a, &t);
		assert_int_equal(find1(&a, &d), 1);
		assert_dev(&d, 0x1000, 0x100, 40, cases[i].flags);
	}
}

static void test_memory_descriptors(void **state)
{
	struct acpi_mmio_dev d;

	(void)state;
	/* An empty range is skipped; the first non-empty one counts. */
	assert_int_equal(FIND_TEMPLATE("\x86\x09\x00\x01\x00\x10\x00\x00\x00"
				       "\x00\x00\x00" MEM_FIXED
				       "\x86\x09\x00\x01\x00\x20\x00\x00\x00"
				       "\x01\x00\x00" IRQ_16 END_TAG,
				       &d),
			 1);
	assert_dev(&d, VIRTIO_MMIO_BASE, VIRTIO_MMIO_SIZE, 16, IRQ_LEVEL);
	/* Memory32: info, min, max, alignment, length. */
	assert_int_equal(FIND_TEMPLATE("\x85\x11\x00\x01\x00\x30\x00\x00\x00"
				       "\x30\x00\x00\x04\x00\x00\x00\x00\x04"
				       "\x00\x00" IRQ_16 END_TAG,
				       &d),
			 1);
	assert_dev(&d, 0x3000, 0x400, 16, IRQ_LEVEL);
	/* QWordAddress, memory: min + translation, length. */
	assert_int_equal(
		FIND_TEMPLATE(IRQ_16 "\x8a\x2b\x00\x00\x0c\x03"
				     "\x00\x00\x00\x00\x00\x00\x00\x00"
				     "\x00\x00\x00\x00\x01\x00\x00\x00"
				     "\xff\xff\xff\xff\x01\x00\x00\x00"
				     "\x00\x10\x00\x00\x00\x00\x00\x00"
				     "\x00\x10\x00\x00\x00\x00\x00\x00" END_TAG,
			      &d),
		1);
	assert_dev(&d, 0x100001000ull, 0x1000, 16, IRQ_LEVEL);
	/* QWordAddress, I/O: not a memory range. */
	assert_int_equal(
		FIND_TEMPLATE(IRQ_16 "\x8a\x2b\x00\x01\x0c\x03"
				     "\x00\x00\x00\x00\x00\x00\x00\x00"
				     "\x00\x00\x00\x00\x01\x00\x00\x00"
				     "\xff\xff\xff\xff\x01\x00\x00\x00"
				     "\x00\x00\x00\x00\x00\x00\x00\x00"
				     "\x00\x10\x00\x00\x00\x00\x00\x00" END_TAG,
			      &d),
		0);
	/* QWordAddress one byte short. */
	assert_int_equal(FIND_TEMPLATE(IRQ_16
				       "\x8a\x2a\x00\x00\x0c\x03"
				       "\x00\x00\x00\x00\x00\x00\x00\x00"
				       "\x00\x00\x00\x00\x01\x00\x00\x00"
				       "\xff\xff\xff\xff\x01\x00\x00\x00"
				       "\x00\x00\x00\x00\x00\x00\x00\x00"
				       "\x00\x10\x00\x00\x00\x00\x00" END_TAG,
				       &d),
			 0);
}

static void test_max_limits_output(void **state)
{
	struct aml a;
	struct acpi_mmio_dev *d = malloc(2 * sizeof(*d));
	const unsigned int idx[] = { 0, 1, 2 };

	(void)state;
	assert_non_null(d);
	qemu_dsdt(&a, idx, 3);
	assert_int_equal(find_n(&a, HID, d, 2), 2); /* ASan: no d[2] */
	assert_virtio(&d[0], 0);
	assert_virtio(&d[1], 1);
	assert_int_equal(find_n(&a, HID, d, 1), 1);
	assert_virtio(&d[0], 0);
	assert_int_equal(find_n(&a, HID, d, 0), 0);
	free(d);
}

/* Device VR00 with Name(PAD_, Buffer() {pad zero bytes}) before _CRS. */
static void padded_device(struct aml *a, size_t pad)
{
	struct aml dev = { .len = 0 }, scope = { .len = 0 }, t,
		   z = { .len = 0 };

	emit(&dev, "VR00", 4);
	emit_name_string(&dev, "_HID", HID);
	emit_name(&dev, "PAD_");
	memset(z.b, 0, pad);
	z.len = pad;
	emit_buffer(&dev, &z);
	emit_name(&dev, "_CRS");
	qemu_template(&t, 0);
	emit_buffer(&dev, &t);
	emit_package(&scope, "\x5b\x82", 2, &dev);
	a->len = 0;
	emit_scope(a, &scope);
}

static void test_crs_search_window(void **state)
{
	struct aml scope = { .len = 0 }, a = { .len = 0 }, t;
	struct acpi_mmio_dev d;

	(void)state;
	padded_device(&a, 200);
	assert_int_equal(find1(&a, &d), 1);
	assert_virtio(&d, 0);
	padded_device(&a, 300);
	assert_int_equal(find1(&a, &d), 0);
	/* A device without _CRS must not take the next device's. */
	a.len = 0;
	emit_device_raw(&scope, "VR00", HID, 0, NULL);
	qemu_template(&t, 1);
	emit_device(&scope, "GED_", "ACPI0013", 0, &t);
	emit_scope(&a, &scope);
	assert_int_equal(find1(&a, &d), 0);
	assert_int_equal(find_n(&a, "ACPI0013", &d, 1), 1);
	assert_virtio(&d, 1);
}

static void test_unaligned_and_bad_arguments(void **state)
{
	static uint8_t buf[sizeof(golden_vr00) + 1];
	struct acpi_mmio_dev d;

	(void)state;
	memcpy(buf + 1, golden_vr00, sizeof(golden_vr00));
	assert_int_equal(
		acpi_aml_find_mmio(buf + 1, sizeof(golden_vr00), HID, &d, 1),
		1);
	assert_virtio(&d, 0);
	assert_int_equal(acpi_aml_find_mmio(NULL, 0, HID, &d, 1), 0);
	assert_int_equal(acpi_aml_find_mmio(golden_vr00, 0, HID, &d, 1), 0);
	assert_int_equal(acpi_aml_find_mmio(golden_vr00, sizeof(golden_vr00),
					    NULL, &d, 1),
			 0);
	assert_int_equal(
		acpi_aml_find_mmio(golden_vr00, sizeof(golden_vr00), "", &d, 1),
		0);
	assert_int_equal(acpi_aml_find_mmio(golden_vr00, sizeof(golden_vr00),
					    "LNRO0005LNRO0005X", &d, 1),
			 0);
	assert_int_equal(acpi_aml_find_mmio(golden_vr00, sizeof(golden_vr00),
					    HID, NULL, 1),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_one_device),
		cmocka_unit_test(test_qemu_three_devices),
		cmocka_unit_test(test_other_devices_ignored),
		cmocka_unit_test(test_truncated_at_every_byte),
		cmocka_unit_test(test_pkg_length_checked),
		cmocka_unit_test(test_buffer_size),
		cmocka_unit_test(test_descriptor_lengths_checked),
		cmocka_unit_test(test_end_tag_required),
		cmocka_unit_test(test_interrupt_count),
		cmocka_unit_test(test_interrupt_flags),
		cmocka_unit_test(test_memory_descriptors),
		cmocka_unit_test(test_max_limits_output),
		cmocka_unit_test(test_crs_search_window),
		cmocka_unit_test(test_unaligned_and_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
