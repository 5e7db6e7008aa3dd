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

/* Moves *pos past the name there and its 0; false past end. */
static bool skip_name(const uint8_t *data, uint32_t end, uint32_t *pos)
{
	while (*pos < end)
		if (data[(*pos)++] == '\0')
			return true;
	return false;
}

/*
 * Expands the codes at data[pos] up to their 0 (which skip_name() found
 * within kt_bytes) into name[size], cut to fit. Each token pushes its
 * second code, then its first, on a stack of codes still to write; a token
 * naming itself or a later one, or a stack deeper than KSYM_DEPTH_MAX, is
 * a damaged table.
 */
static int expand(const struct ksym_table *t, uint32_t pos, char *name,
		  size_t size)
{
	const uint8_t *pairs = t->kt_data;
	uint8_t stack[KSYM_DEPTH_MAX + 1];
	size_t len = 0;

	for (; t->kt_data[pos]; pos++) {
		unsigned int depth = 0;

		stack[depth++] = t->kt_data[pos];
		while (depth) {
			uint8_t c = stack[--depth];
			uint32_t i = c - KSYM_TOKEN;

			if (c < KSYM_TOKEN) {
				if (len + 1 < size)
					name[len++] = (char)c;
				continue;
			}
			if (i >= t->kt_tokens || depth + 2 > sizeof(stack) ||
			    pairs[2 * i] >= c || pairs[2 * i + 1] >= c ||
			    !pairs[2 * i] || !pairs[2 * i + 1])
				return -EINVAL;
			stack[depth++] = pairs[2 * i + 1];
			stack[depth++] = pairs[2 * i];
		}
	}
	if (size)
		name[len] = '\0';
	return 0;
}

int ksym_lookup_in(const struct ksym_table *t, uintptr_t addr, char *name,
		   size_t size, uintptr_t *offset)
{
	uint64_t at = t->kt_base;
	uint32_t pos, delta, found = 0, name_pos = 0;
	uint64_t found_addr = 0;
	int err;

	if (addr >= t->kt_text_end)
		return -ENOENT;
	if (t->kt_tokens > 0x100 - KSYM_TOKEN || 2 * t->kt_tokens > t->kt_bytes)
		return -EINVAL;
	pos = 2 * t->kt_tokens;
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
	err = expand(t, name_pos, name, size);
	if (err)
		return err;
	*offset = addr - (uintptr_t)found_addr;
	return 0;
}

int ksym_lookup(uintptr_t addr, char *name, size_t size, uintptr_t *offset)
{
	return ksym_lookup_in(&ksym_table, addr, name, size, offset);
}
