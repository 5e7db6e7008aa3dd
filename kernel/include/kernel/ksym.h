/* SPDX-License-Identifier: MIT */
/*
 * The symbol table embedded in the image at link time (tools/mksyms), used
 * to name addresses in panic records, even in a stripped image.
 */
#ifndef KERNEL_KSYM_H
#define KERNEL_KSYM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Layout written by tools/mksyms, packed because it ships in every image.
 * kt_data starts with kt_tokens token pairs, two bytes each: token i (code
 * 0x80 + i) stands for its two codes in turn, each a character (1..0x7f)
 * or an earlier token, so expansion always ends. Then one record per
 * function in address order: its start minus the previous record's (the
 * first: minus kt_base) as an unsigned LEB128 number (one or two bytes for
 * most functions), then its name as codes, ended by a 0 byte. Addresses
 * are absolute (< 4 GiB). A lookup walks the records and expands only the
 * name it returns, which is cheap for the panic and fault paths that use
 * it; the tokens halve the bytes the names take.
 */
struct ksym_table {
	uint32_t kt_count; /* records */
	uint32_t kt_base; /* the first record's delta counts from here */
	uint32_t kt_text_end; /* end of text: the last symbol ends here */
	uint32_t kt_bytes; /* bytes of kt_data, token pairs included */
	uint32_t kt_tokens; /* token pairs at the start of kt_data (<= 128) */
	uint8_t kt_data[];
};

/* tools/mksyms writes this layout. */
_Static_assert(sizeof(struct ksym_table) == 20, "ksym_table layout");

/* Codes from 0x80 up are tokens. */
#define KSYM_TOKEN 0x80u
/* A token nests at most this deep (tools/mksyms keeps to it). */
#define KSYM_DEPTH_MAX 16
/* Room for any name the table holds, with its NUL; longer are cut. */
#define KSYM_NAME_MAX 128

/*
 * Finds the function containing `addr` in `table`. On success writes its
 * name into name[size] (NUL-terminated, cut to fit; nothing when size is
 * 0), stores the offset of addr into it and returns 0; returns -ENOENT when
 * addr lies outside every symbol and -EINVAL when the table is damaged.
 */
int ksym_lookup_in(const struct ksym_table *table, uintptr_t addr, char *name,
		   size_t size, uintptr_t *offset);

/* ksym_lookup_in() on the image's own table. */
int ksym_lookup(uintptr_t addr, char *name, size_t size, uintptr_t *offset);

#endif /* KERNEL_KSYM_H */
