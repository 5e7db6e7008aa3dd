/* SPDX-License-Identifier: MIT */
/*
 * Host tests of libos/libc/scanf.c: unit.mk force-includes this file in
 * scanf.c, so that its sscanf/vsscanf link as mosaic_* next to glibc's,
 * the oracle; scanf_test.c declares the mosaic_* names itself.
 */
#define sscanf mosaic_sscanf
#define vsscanf mosaic_vsscanf
