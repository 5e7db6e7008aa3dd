/* SPDX-License-Identifier: MIT */
/*
 * The symbol table embedded in the image at link time (tools/mksyms), used
 * to name addresses in panic records, even in a stripped image.
 */
#ifndef KERNEL_KSYM_H
#define KERNEL_KSYM_H

#include <stdint.h>

/*
 * Layout written by tools/mksyms, packed because it ships in every image:
 * after the header, one record per function in address order: its start
 * minus the previous record's (the first: minus kt_base) as an unsigned
 * LEB128 number (one or two bytes for most functions), then its
 * NUL-terminated name. Addresses are absolute (< 4 GiB). A lookup walks
 * the records, which is cheap for the panic and fault paths that use it.
 */
struct ksym_table {
	uint32_t kt_count; /* records */
	uint32_t kt_base; /* the first record's delta counts from here */
	uint32_t kt_text_end; /* end of text: the last symbol ends here */
	uint32_t kt_bytes; /* bytes of kt_data */
	uint8_t kt_data[];
};

/* tools/mksyms writes this layout. */
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
