/* SPDX-License-Identifier: MIT */
/* Address-to-symbol lookup over the table tools/mksyms links in. */
#include <kernel/ksym.h>

#include <kernel/errno.h>
#include <kernel/sections.h>

int ksym_lookup_in(const struct ksym_table *t, uintptr_t addr,
		   const char **name, uintptr_t *offset)
{
	uint32_t lo = 0, hi = t->kt_count;
	const struct ksym_entry *e;

	if (hi == 0 || addr < t->kt_entries[0].ke_addr ||
	    addr >= t->kt_text_end)
		return -ENOENT;
	/* Largest entry with ke_addr <= addr. */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->kt_entries[mid].ke_addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	e = &t->kt_entries[lo];
	*name = (const char *)t + t->kt_names + e->ke_name;
	*offset = addr - e->ke_addr;
	return 0;
}

int ksym_lookup(uintptr_t addr, const char **name, uintptr_t *offset)
{
	return ksym_lookup_in(&ksym_table, addr, name, offset);
}
