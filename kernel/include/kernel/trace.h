/* SPDX-License-Identifier: MIT */
/*
 * Scheduler event trace: each CPU appends fixed-size records with TSC
 * timestamps (spawn, switch, block, wake, exit, fault, channel send/recv,
 * IRQ, idle, user marks) to a ring of its own that overwrites its oldest
 * records when full. Off unless `mosaic.trace=on`; off, each call site
 * costs one load and one not-taken branch. trace_dump() writes the rings
 * to COM2 as the stream below; tools/trace2json turns that into Chrome
 * trace-event JSON for ui.perfetto.dev. Not a log: no strings but task
 * names, and nothing reaches the console.
 *
 * Stream (all little-endian). One dump is a struct trace_file_hdr, then
 * th_ncpus times a struct trace_cpu_hdr followed by tc_count records
 * (struct trace_rec, oldest first). A dump drains what it wrote, so the
 * dumps an image writes (on request, then at exit) can be concatenated
 * and decoded as one trace.
 *
 * Record: tr_stamp holds the TSC in bits 0-55 and the type (enum
 * trace_type) in bits 56-63; tr_a and tr_b are the arguments listed at
 * each type. A record of type TRACE_NONE is a slot the dump found
 * overwritten while it read it: skip it and count it as dropped.
 * TRACE_NAME is the exception to the layout: it has no timestamp, because
 * it follows the TRACE_SPAWN it belongs to. Its tr_stamp bits 0-47 carry
 * name bytes [off, off + 6), bits 48-55 the offset `off`, tr_a the task
 * id and tr_b name bytes [off + 6, off + 10). A name is up to
 * TRACE_NAME_MAX bytes, in one record (off 0) or two (off 0 and 10);
 * unused bytes are 0. Task id 0 is a CPU's idle task, which is never
 * spawned (tools/trace2json calls it "idle task" and does not count its
 * time as busy).
 */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>

enum trace_type {
	TRACE_NONE = 0, /* an overwritten slot (never emitted) */
	TRACE_SPAWN = 1, /* a: task id, b: parent task id */
	TRACE_NAME = 2, /* task name chunk; see the layout above */
	TRACE_SWITCH = 3, /* a: next task id, b: previous task id */
	TRACE_BLOCK = 4, /* a: task id, b: reason (TRACE_BLOCK_*) */
	TRACE_WAKE = 5, /* a: task id, b: CPU it will run on */
	TRACE_EXIT = 6, /* a: task id, b: exit status (int32_t) */
	TRACE_FAULT = 7, /* a: task id, b: CPU vector or fault code */
	TRACE_CHAN_SEND = 8, /* a: channel id, b: sending task id */
	TRACE_CHAN_RECV = 9, /* a: channel id, b: receiving task id */
	TRACE_IRQ = 10, /* a: vector, b: 0 */
	TRACE_IDLE = 11, /* a: 1 on entering the idle loop, 0 on leaving */
	TRACE_MARK = 12, /* a: low, b: high 32 bits of the user's value */
	TRACE_NTYPES
};

/* Why a task blocked (TRACE_BLOCK's b). */
enum trace_block_reason {
	TRACE_BLOCK_WAIT = 0, /* a wait queue, or a reason not listed */
	TRACE_BLOCK_SLEEP = 1,
	TRACE_BLOCK_JOIN = 2,
	TRACE_BLOCK_MUTEX = 3,
	TRACE_BLOCK_CHAN = 4,
};

#define TRACE_NAME_MAX 15 /* bytes of a task name kept, without the NUL */
#define TRACE_NAME_CHUNK 10 /* name bytes per TRACE_NAME record */
#define TRACE_TSC_BITS 56
#define TRACE_TSC_MASK ((1ull << TRACE_TSC_BITS) - 1)

#define TRACE_MAGIC "MOSTRACE"
#define TRACE_VERSION 1
#define TRACE_CPU_MAGIC 0x55504354u /* "TCPU" */

struct trace_rec {
	uint64_t tr_stamp; /* TSC (bits 0-55) | type << 56 */
	uint32_t tr_a;
	uint32_t tr_b;
};

struct trace_file_hdr {
	char th_magic[8]; /* TRACE_MAGIC, no NUL */
	uint16_t th_version; /* TRACE_VERSION */
	uint16_t th_rec_size; /* sizeof(struct trace_rec) */
	uint32_t th_ncpus; /* CPU sections that follow */
	uint64_t th_tsc_hz; /* TSC ticks per second; 0 when unknown */
	uint64_t th_dump_tsc; /* TSC when the dump started */
	char th_app[16]; /* the application's name, NUL-padded */
};

struct trace_cpu_hdr {
	uint32_t tc_magic; /* TRACE_CPU_MAGIC */
	uint32_t tc_cpu; /* dense CPU id */
	uint64_t tc_count; /* records that follow */
	uint64_t tc_dropped; /* overwritten since the previous dump */
	uint64_t tc_capacity; /* the ring's size, records */
};

BUILD_ASSERT(sizeof(struct trace_rec) == 16);
BUILD_ASSERT(sizeof(struct trace_file_hdr) == 48);
BUILD_ASSERT(sizeof(struct trace_cpu_hdr) == 32);

/*
 * True while tracing is on: set once at boot when `mosaic.trace=on` was
 * given and the boot CPU's ring exists, never cleared. The one exported
 * variable, so that the off case stays inline: read it only through the
 * wrappers below.
 */
extern bool trace_enabled;

/*
 * Appends one record of `type` with arguments a and b to this CPU's ring,
 * stamped with the TSC now. Out of line; call the wrappers below instead.
 * A CPU without a ring (trace_cpu_init() not run or failed) drops it. Any
 * context but NMI; interrupts are off for the few instructions of the
 * write, so an IRQ handler on the same CPU may trace too.
 */
void trace_emit(unsigned int type, uint32_t a, uint32_t b);

/* TRACE_SPAWN then the TRACE_NAME records of `name` (may be NULL),
 * written together. As trace_emit(). */
void trace_emit_spawn(uint32_t task, uint32_t parent, const char *name);

/* A task was created (task id `task`, by `parent`) with `name` (its first
 * TRACE_NAME_MAX bytes are kept; NULL for none). */
static inline void trace_spawn(uint32_t task, uint32_t parent, const char *name)
{
	if (unlikely(trace_enabled))
		trace_emit_spawn(task, parent, name);
}

/* This CPU now runs `next` instead of `prev`. */
static inline void trace_switch(uint32_t next, uint32_t prev)
{
	if (unlikely(trace_enabled))
		trace_emit(TRACE_SWITCH, next, prev);
}

/* `task` stops running until woken; `reason` is a TRACE_BLOCK_* value. */
static inline void trace_block(uint32_t task, unsigned int reason)
{
	if (unlikely(trace_enabled))
		trace_emit(TRACE_BLOCK, task, reason);
}

/* `task` was made runnable on CPU `cpu` (emitted by the waker's CPU). */
static inline void trace_wake(uint32_t task, unsigned int cpu)
{
	if (unlikely(trace_enabled))
		trace_emit(TRACE_WAKE, task, cpu);
}

/* `task` ended with `status`. */
static inline void trace_exit(uint32_t task, int status)
{
	if (unlikely(trace_enabled))
		trace_emit(TRACE_EXIT, task, (uint32_t)status);
}

/* `task` was ended by a fault: a CPU vector (0-31) or a fault code. */
static inline void trace_fault(uint32_t task, unsigned int code)
{
	if (unlikely(trace_enabled))
		trace_emit(TRACE_FAULT, task, code);
}

/* `task` sent a message on channel `chan`. */
static inline void trace_chan_send(uint32_t chan, uint32_t task)
{
	if (unlikely(trace_enabled))
		trace_emit(TRACE_CHAN_SEND, chan, task);
}

/* `task` received a message from channel `chan`. */
static inline void trace_chan_recv(uint32_t chan, uint32_t task)
{
	if (unlikely(trace_enabled))
		trace_emit(TRACE_CHAN_RECV, chan, task);
}

/* Interrupt `vector` arrived on this CPU (IRQ context). */
static inline void trace_irq(unsigned int vector)
{
	if (unlikely(trace_enabled))
		trace_emit(TRACE_IRQ, vector, 0);
}

/* This CPU enters (true) or leaves (false) its idle loop. */
static inline void trace_idle(bool enter)
{
	if (unlikely(trace_enabled))
		trace_emit(TRACE_IDLE, enter, 0);
}

/* A user-defined point in time carrying `value` (apps: mapp_trace_mark). */
static inline void trace_mark(uint64_t value)
{
	if (unlikely(trace_enabled))
		trace_emit(TRACE_MARK, (uint32_t)value,
			   (uint32_t)(value >> 32));
}

/*
 * Gives CPU `cpu` (a dense id) its ring when tracing was asked for; else
 * does nothing and returns 0. Call it once per CPU before that CPU runs
 * tasks: on the CPU itself during its start-up, or on the boot CPU before
 * starting it. The boot CPU's own ring comes from a core initcall. Until
 * a CPU has a ring, its events are dropped. Allocates: thread context, no
 * spinlock held. Returns 0; -ENOMEM (logged); -EINVAL when `cpu` is out
 * of range.
 */
int trace_cpu_init(unsigned int cpu);

/*
 * Writes every ring to COM2 (I/O port 0x2f8) as one dump of the stream
 * above, and drains them: a later dump holds only newer records. Other
 * CPUs may go on tracing meanwhile; a record overwritten while it was
 * being read goes out as TRACE_NONE. Polled output with bounded waits.
 * Takes no lock and never allocates, so the exit and panic paths call
 * it. Returns 0; -EPERM when tracing is off; -ENODEV (after one log
 * line) when there is no COM2; -EIO (after one log line) when COM2
 * stopped taking bytes and the dump was cut short; -EBUSY when another
 * dump is running.
 */
int trace_dump(void);

/* For the exit paths: trace_dump() when tracing is on, else nothing. */
static inline void trace_dump_at_exit(void)
{
	if (unlikely(trace_enabled))
		(void)trace_dump();
}

#endif /* KERNEL_TRACE_H */
