/* SPDX-License-Identifier: MIT */
/* Address-to-symbol lookup over the table tools/mksyms links in. */
#include <kernel/ksym.h>

#include <stdbool.h>

#include <kernel/errno.h>
#include <kernel/sections.h>

/* Reads one LEB128 number at *pos (< end); false when it runs past end
 * or does not fit 32 bits (a damaged table is not trusted either). */
static bool read_delta(const uint8_t *data, uint32_t end, uint32_t *pos,
		       uint32_t *out)
{
	uint32_t v = 0;

	for (unsigned int shift = 0; shift < 32 && *pos < end; shift += 7) {
		uint8_t b = data[(*pos)++];

		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* Moves *pos past the NUL-terminated name there; false past end. */
static bool skip_name(const uint8_t *data, uint32_t end, uint32_t *pos)
{
	while (*pos < end)
		if (data[(*pos)++] == '\0')
			return true;
	return false;
}

int ksym_lookup_in(const struct ksym_table *t, uintptr_t addr,
		   const char **name, uintptr_t *offset)
{
	uint64_t at = t->kt_base;
	uint32_t pos = 0, delta, found = 0, name_pos = 0;
	uint64_t found_addr = 0;

	if (addr >= t->kt_text_end)
		return -ENOENT;
	/* The last record that starts at or before addr. */
	for (uint32_t i = 0; i < t->kt_count; i++) {
		if (!read_delta(t->kt_data, t->kt_bytes, &pos, &delta))
			break;
		at += delta;
		if (at > addr)
			break;
		found_addr = at;
		name_pos = pos;
		found = 1;
		if (!skip_name(t->kt_data, t->kt_bytes, &pos))
			return -ENOENT;
	}
	if (!found)
		return -ENOENT;
	*name = (const char *)&t->kt_data[name_pos];
	*offset = addr - (uintptr_t)found_addr;
	return 0;
}

int ksym_lookup(uintptr_t addr, const char **name, uintptr_t *offset)
{
	return ksym_lookup_in(&ksym_table, addr, name, offset);
}
