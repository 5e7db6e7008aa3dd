/* SPDX-License-Identifier: MIT */
/*
 * The symbol table embedded in the image at link time (tools/mksyms), used
 * to name addresses in panic records, even in a stripped image.
 */
#ifndef KERNEL_KSYM_H
#define KERNEL_KSYM_H

#include <stdint.h>

/* Layout written by tools/mksyms; addresses are absolute (< 4 GiB). */
struct ksym_entry {
	uint32_t ke_addr;
	uint32_t ke_name; /* offset of the NUL-terminated name from names */
};

struct ksym_table {
	uint32_t kt_count; /* entries, sorted by ke_addr */
	uint32_t kt_names; /* offset of the name area from the table */
	uint32_t kt_text_end; /* end of text: the last symbol ends here */
	uint32_t kt_reserved;
	struct ksym_entry kt_entries[];
};

/* tools/mksyms writes this layout. */
_Static_assert(sizeof(struct ksym_entry) == 8, "ksym_entry layout");
_Static_assert(sizeof(struct ksym_table) == 16, "ksym_table layout");

/*
 * Finds the function containing `addr` in `table`. On success stores its
 * name and the offset of addr into it and returns 0; returns -ENOENT when
 * addr lies outside every symbol.
 */
int ksym_lookup_in(const struct ksym_table *table, uintptr_t addr,
		   const char **name, uintptr_t *offset);

/* ksym_lookup_in() on the image's own table. */
int ksym_lookup(uintptr_t addr, const char **name, uintptr_t *offset);

#endif /* KERNEL_KSYM_H */
