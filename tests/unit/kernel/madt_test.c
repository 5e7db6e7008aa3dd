/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the MADT parser (kernel/acpi/madt.c) on tables built byte
 * by byte, including every way an entry can overrun the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kernel/errno.h>
#include <kernel/madt.h>

#define TABLE_MAX 8192

struct table {
	uint8_t b[TABLE_MAX];
	uint32_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void begin(struct table *t, uint32_t lapic, uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "APIC", 4);
	put32(t->b + 36, lapic);
	put32(t->b + 40, flags);
	t->len = 44;
}

static uint8_t *entry(struct table *t, uint8_t type, uint8_t len)
{
	uint8_t *e = t->b + t->len;

	e[0] = type;
	e[1] = len;
	t->len += len;
	return e;
}

static const struct acpi_sdt_header *finish(struct table *t)
{
	put32(t->b + 4, t->len);
	return (const struct acpi_sdt_header *)t->b;
}

static void lapic(struct table *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t *e = entry(t, 0, 8);

	e[2] = uid;
	e[3] = id;
	put32(e + 4, flags);
}

static struct table t;
static struct madt_info info;

static void test_parses_every_known_entry(void **state)
{
	uint8_t *e;
	uint64_t addr = 0xfee00000ull + 0x100000000ull;

	(void)state;
	begin(&t, 0xfee00000, 1);
	lapic(&t, 0, 0, 1);
	lapic(&t, 1, 2, 0); /* present but disabled */
	e = entry(&t, 1, 12);
	e[2] = 7;
	put32(e + 4, 0xfec00000);
	put32(e + 8, 24);
	e = entry(&t, 2, 10);
	e[3] = 0;
	put32(e + 4, 2);
	e[8] = 0x0d;
	e = entry(&t, 9, 16);
	put32(e + 4, 300);
	put32(e + 8, 1);
	put32(e + 12, 42);
	entry(&t, 0x7f, 6); /* unknown: skipped */
	e = entry(&t, 5, 12);
	memcpy(e + 4, &addr, 8);
	assert_int_equal(madt_parse(finish(&t), &info), 0);
	assert_true(info.md_has_8259);
	assert_int_equal(info.md_lapic_address, addr);
	assert_int_equal(info.md_cpu_count, 3);
	assert_int_equal(info.md_cpus[0].mc_apic_id, 0);
	assert_true(info.md_cpus[0].mc_enabled);
	assert_int_equal(info.md_cpus[1].mc_apic_id, 2);
	assert_false(info.md_cpus[1].mc_enabled);
	assert_int_equal(info.md_cpus[2].mc_apic_id, 300);
	assert_int_equal(info.md_cpus[2].mc_uid, 42);
	assert_true(info.md_cpus[2].mc_enabled);
	assert_int_equal(info.md_ioapic_count, 1);
	assert_int_equal(info.md_ioapics[0].mi_id, 7);
	assert_int_equal(info.md_ioapics[0].mi_address, 0xfec00000);
	assert_int_equal(info.md_ioapics[0].mi_gsi_base, 24);
	assert_int_equal(info.md_override_count, 1);
	assert_int_equal(info.md_overrides[0].mo_gsi, 2);
	assert_int_equal(info.md_overrides[0].mo_flags, 0x0d);
	assert_int_equal(info.md_dropped, 0);
}

static void test_empty_table(void **state)
{
	(void)state;
	begin(&t, 0xfee00000, 0);
	assert_int_equal(madt_parse(finish(&t), &info), 0);
	assert_false(info.md_has_8259);
	assert_int_equal(info.md_cpu_count, 0);
}

static void test_bad_signature_or_short_table(void **state)
{
	(void)state;
	begin(&t, 0, 0);
	finish(&t);
	memcpy(t.b, "FACP", 4);
	assert_int_equal(madt_parse((void *)t.b, &info), -EINVAL);
	begin(&t, 0, 0);
	t.len = 40;
	assert_int_equal(madt_parse(finish(&t), &info), -EINVAL);
}

static void test_entry_lengths_are_checked(void **state)
{
	(void)state;
	/* Length 0 would loop forever, 1 cannot hold the header. */
	begin(&t, 0, 0);
	lapic(&t, 0, 0, 1);
	entry(&t, 0, 0);
	t.len += 2;
	assert_int_equal(madt_parse(finish(&t), &info), -EINVAL);
	assert_int_equal(info.md_cpu_count, 1); /* what came before is kept */
	begin(&t, 0, 0);
	entry(&t, 0, 1);
	t.len += 1;
	assert_int_equal(madt_parse(finish(&t), &info), -EINVAL);
	/* An entry running past the table. */
	begin(&t, 0, 0);
	entry(&t, 1, 12);
	t.len -= 4;
	assert_int_equal(madt_parse(finish(&t), &info), -EINVAL);
	assert_int_equal(info.md_ioapic_count, 0);
	/* A single trailing byte cannot be an entry. */
	begin(&t, 0, 0);
	t.len += 1;
	assert_int_equal(madt_parse(finish(&t), &info), -EINVAL);
}

static void test_short_known_entries_are_skipped(void **state)
{
	(void)state;
	begin(&t, 0, 0);
	entry(&t, 0, 4); /* a LAPIC entry too short to hold its flags */
	entry(&t, 9, 12); /* an x2APIC entry without its UID */
	assert_int_equal(madt_parse(finish(&t), &info), 0);
	assert_int_equal(info.md_cpu_count, 0);
}

static void test_limits_count_drops(void **state)
{
	unsigned int i;

	(void)state;
	begin(&t, 0, 0);
	for (i = 0; i < MADT_CPUS_MAX + 3; i++)
		lapic(&t, (uint8_t)i, (uint8_t)i, 1);
	assert_int_equal(madt_parse(finish(&t), &info), 0);
	assert_int_equal(info.md_cpu_count, MADT_CPUS_MAX);
	assert_int_equal(info.md_dropped, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_every_known_entry),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_bad_signature_or_short_table),
		cmocka_unit_test(test_entry_lengths_are_checked),
		cmocka_unit_test(test_short_known_entries_are_skipped),
		cmocka_unit_test(test_limits_count_drops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
