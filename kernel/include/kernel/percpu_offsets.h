/* SPDX-License-Identifier: MIT */
/* Offsets into struct percpu that assembly reads through %gs; percpu.h
 * pins each one with a BUILD_ASSERT. */
#ifndef KERNEL_PERCPU_OFFSETS_H
#define KERNEL_PERCPU_OFFSETS_H

#define PERCPU_SELF 0
#define PERCPU_ID 8
#define PERCPU_PREEMPT 12
#define PERCPU_LOCK_DEPTH 20
#define PERCPU_CURRENT 24

#endif /* KERNEL_PERCPU_OFFSETS_H */
