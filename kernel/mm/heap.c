/* SPDX-License-Identifier: MIT */
/*
 * The kernel heap (<kernel/heap.h>). Size classes live in slabs of one page
 * (classes up to 1 KiB) or two (1280..2048); each CPU caches up to two
 * batches of free objects per class in front of them (struct heap_mag),
 * and larger requests get their own page run. Who owns a pointer is decided
 * only from descriptors in a side table keyed by page number, never from
 * memory next to the object.
 *
 * Free objects hold one link, stored mangled: *slot = next ^ key ^ slot
 * (slot is the object's own address, next the following free object or 0).
 * A link is unmangled and checked before it is followed: on a slab list it
 * must name a free object of the same slab; on a CPU cache, a free object
 * of a slab of the same class. Corruption is thus caught at the allocation
 * that would have returned the bad pointer, before any access through it.
 *
 * In front of the magazines of the classes up to HEAP_FRONT_MAX bytes, each
 * CPU keeps its last HEAP_FRONT_SLOTS frees per class by pointer (struct
 * heap_front), so the common malloc/free pair walks and checks no link:
 * see there for what is still checked. A free into the front of an object
 * in the page this CPU last looked up skips the table too (struct
 * owner_hint), and the front's poison is written and checked by
 * straight-line code per class.
 *
 * Memory: a slab descriptor is 80 bytes and a table entry 16 (the table
 * is kept at most half full), about 3% of a one-page slab; a CPU cache
 * holds at most two batches of about 2 KiB per class. Descriptor pages are
 * kept for reuse; one empty slab per class is kept, further ones go back
 * to the page allocator. Cross-CPU frees are not handled: an object joins
 * the cache of the CPU that frees it.
 */
#include <kernel/heap.h>

#include <kernel/compiler.h>
#include <kernel/errno.h>
#include <kernel/page.h>
#include <kernel/irq.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define HEAP_MAX_CPUS CONFIG_MAX_CPUS

#define SLAB_MAX_OBJS 256 /* 16-byte objects in one page */
#define SLAB_BITMAP_WORDS (SLAB_MAX_OBJS / 64)
#define DESC_LARGE 0xff /* d_class of a large allocation */
#define SLABS_EMPTY_KEPT 1 /* per class, beyond that return pages */
#define TABLE_MIN_ENTRIES 256 /* one page */
#define LARGE_MAX_BYTES (1ull << 43) /* 2^31 pages */
#define GOLDEN 0x9e3779b97f4a7c15ull /* 2^64 / phi, odd */
#define POISON_WORD (0x0101010101010101ull * HEAP_POISON)

struct heap_class_info {
	uint32_t ci_recip; /* ceil(2^32 / ci_size): offset to index */
	uint16_t ci_size; /* object size, a multiple of 16 */
	uint16_t ci_nobj; /* objects per slab */
	uint8_t ci_pages; /* pages per slab */
	uint8_t ci_batch; /* per-CPU cache list: about 2 KiB, 1..16 objects */
};

#define BATCH(s) (2048 / (s) > 16 ? 16 : 2048 / (s))
#define CLASS(s, pages)                                                        \
	{                                                                      \
		.ci_recip = (uint32_t)(((1ull << 32) + (s)-1) / (s)),          \
		.ci_size = (s), .ci_nobj = (pages)*PAGE_SIZE / (s),            \
		.ci_pages = (pages), .ci_batch = BATCH(s),                     \
	}

/* Two-page slabs keep the tail waste of the largest classes under 13%. */
static const struct heap_class_info heap_classes[] = {
	CLASS(16, 1),	CLASS(32, 1),	CLASS(48, 1),	CLASS(64, 1),
	CLASS(80, 1),	CLASS(96, 1),	CLASS(112, 1),	CLASS(128, 1),
	CLASS(160, 1),	CLASS(192, 1),	CLASS(224, 1),	CLASS(256, 1),
	CLASS(320, 1),	CLASS(384, 1),	CLASS(448, 1),	CLASS(512, 1),
	CLASS(640, 1),	CLASS(768, 1),	CLASS(896, 1),	CLASS(1024, 1),
	CLASS(1280, 2), CLASS(1536, 2), CLASS(1792, 2), CLASS(2048, 2),
};
BUILD_ASSERT(ARRAY_SIZE(heap_classes) == HEAP_NCLASSES);
BUILD_ASSERT(PAGE_SIZE / 16 <= SLAB_MAX_OBJS);

/*
 * One slab or large allocation, found through the table. Locking: [I] set
 * before the descriptor enters the table and kept until it leaves
 * [a] atomic ops only  [G] heap lock.
 */
struct heap_desc {
	uintptr_t d_base; /* [I] slab: first object; large: the pointer */
	uint64_t d_check; /* [I] desc_check() of the [I] fields */
	uint32_t d_pages; /* [I] slab pages, or the large run's pages */
	uint8_t d_class; /* [I] size class, or DESC_LARGE */
	uint16_t d_nlist; /* [G] objects on d_list */
	uintptr_t d_list; /* [G] slab free list, 0 when empty */
	struct heap_desc *d_next; /* [G] class partial list; free descs */
	struct heap_desc *d_prev; /* [G] */
	union {
		/* [a] slab: bit set when the object is not allocated */
		uint64_t d_free[SLAB_BITMAP_WORDS];
		uintptr_t d_run; /* [I] large: the run alloc_pages() gave */
	};
};
BUILD_ASSERT(sizeof(struct heap_desc) == 80);

/* Free objects linked through their first word. Locking: [c] only. */
struct heap_list {
	uintptr_t l_head; /* [c] most recently freed, or 0 */
	struct heap_desc *l_head_desc; /* [c] slab of l_head */
	uint32_t l_head_idx; /* [c] index of l_head in it */
	uint32_t l_count; /* [c] objects on the list */
};

/*
 * One CPU's cache for one class (Bonwick's magazines): frees fill m_cur;
 * when it holds a batch it becomes m_full, whose older objects first go
 * back to their slabs. Allocations empty m_cur, then take m_full whole,
 * then a batch from a slab. So at most two batches sit here, and the
 * objects returned to the slabs are the coldest. Locking: [c] only.
 */
struct heap_mag {
	struct heap_list m_cur; /* [c] */
	struct heap_list m_full; /* [c] empty or a full batch */
	uint64_t m_allocs; /* [c] for heap_get_stats() */
	uint64_t m_frees; /* [c] */
};

/*
 * One CPU's front cache for one class (glibc's tcache plays this part):
 * the last objects freed, kept by pointer here. A cached object is free
 * in its slab's bitmap, so a second free of it is found as before; its
 * first word holds the link an end of list has (key ^ obj), and with
 * poisoning the rest is poison: both are checked when it is handed out
 * again, as a magazine's objects are. Frees beyond the front go to the
 * magazine; allocations take from the front first. Locking: [c] only.
 */
struct heap_front {
	uint32_t f_count; /* [c] objects in f_obj[0..f_count) */
	uint8_t f_idx[HEAP_FRONT_SLOTS]; /* [c] its index in its slab */
	uintptr_t f_obj[HEAP_FRONT_SLOTS]; /* [c] newest last */
	uint64_t *f_map[HEAP_FRONT_SLOTS]; /* [c] its slab's d_free */
	/* [c] for heap_get_stats(); objects handed out are
	 * f_frees - f_count (those a violation dropped count as out) */
	uint64_t f_frees;
	/* A power of two: finding a class's front is one shift. */
	uint64_t f_pad[13];
};

/* Classes 0..FRONT_CLASSES-1 have a front. */
#define FRONT_CLASSES (HEAP_FRONT_MAX / 16)

struct heap_entry {
	uintptr_t e_pfn; /* page number */
	struct heap_desc *e_desc; /* NULL: slot is empty */
};
BUILD_ASSERT(PAGE_SIZE % sizeof(struct heap_entry) == 0);

struct heap_class {
	struct heap_desc *c_partial; /* [G] slabs with objects on d_list */
	uint32_t c_slabs; /* [G] */
	uint32_t c_empty; /* [G] slabs with all objects listed */
};

/*
 * Locking: [I] set by heap_init()  [c] owning CPU only, interrupts off
 * (fast_enter())  [G] heap lock  [S] written under G inside a
 * h_table_seq write section; read lock-free by table_find().
 *
 * Small allocations and frees run on this CPU's magazines with only
 * interrupts off; the heap lock is taken to refill or empty a magazine
 * and for large blocks. Slab bitmaps change with atomic RMW, so a free on
 * one CPU of an object another CPU's magazine handed out is safe.
 */
struct heap {
	struct heap_page_ops h_ops; /* [I] */
	uint64_t h_key; /* [I] */
	bool h_poison; /* [I] */
	uint8_t h_size_class[HEAP_SMALL_MAX / 16 + 1]; /* [I] by size / 16 */
	uint8_t h_front_class[HEAP_FRONT_MAX + 1]; /* [I] by size */

	struct heap_entry *h_table; /* [S] open addressing */
	size_t h_table_mask; /* [S] capacity - 1 */
	uint64_t h_table_seq; /* [a] odd while the table changes */
	/* [a] moved (under G) once a slab's pages left the table; 64 bits
	 * so that an owner hint never sees it wrap */
	uint64_t h_slab_seq;
	size_t h_table_used; /* [G] */
	struct heap_desc *h_desc_free; /* [G] */
	struct heap_class h_class[HEAP_NCLASSES]; /* [G] */
	uint64_t h_large_allocs; /* [G] */
	uint64_t h_large_frees; /* [G] */
	uint64_t h_large_pages; /* [G] */
	uint64_t h_pages; /* [G] */

	/* [c] each CPU's magazines; CPU 0's are static, the others' come
	 * from one page at that CPU's first allocation ([G] to set). */
	struct heap_mag (*h_mags[HEAP_MAX_CPUS])[HEAP_NCLASSES];
	/* [c] each CPU's fronts: CPU 0's static, the others' in the page
	 * of their magazines, after them ([G] to set). */
	struct heap_front (*h_front[HEAP_MAX_CPUS])[FRONT_CLASSES];
};

BUILD_ASSERT(sizeof(struct heap_mag[HEAP_NCLASSES]) +
		     sizeof(struct heap_front[FRONT_CLASSES]) <=
	     PAGE_SIZE);
BUILD_ASSERT(HEAP_FRONT_MAX % 16 == 0 && HEAP_FRONT_MAX <= 128);
BUILD_ASSERT(sizeof(struct heap_front) == 256);
BUILD_ASSERT(SLAB_MAX_OBJS - 1 <= UINT8_MAX); /* f_idx */

static struct heap heap;
static struct heap_mag boot_mags[HEAP_NCLASSES];
static struct heap_front boot_front[FRONT_CLASSES];
/* [c] the flags the last fast_enter() saved, for violation(): every
 * violation is found inside fast_enter(). */
static unsigned long fast_flags[HEAP_MAX_CPUS];
/* [c] the magazine small_alloc() takes from: a violation found there
 * (a poisoned or mislinked object) drops its lists, so the supervisor's
 * restart does not meet the same bad object again. */
static struct heap_mag *alloc_mag[HEAP_MAX_CPUS];
/*
 * [c] each CPU's last slab lookup: page `oh_pfn` belonged to slab
 * `oh_desc` when h_slab_seq was `oh_seq`. A page leaves its slab only
 * when the slab leaves the table, which moves h_slab_seq after it, so
 * while h_slab_seq still reads oh_seq the entry is what table_find()
 * would answer (other table changes, large allocations above all, keep
 * the hint), and a free of a neighbour of the last freed object skips the
 * probe. The hint is written only after the
 * descriptor passed desc_verify(), with a copy of what heap_free()'s fast
 * path (a front class's object into this CPU's front) needs of it; that
 * path works from the copy alone, and checks that the descriptor still
 * holds the check word and base it was verified with.
 */
static struct owner_hint {
	uintptr_t oh_pfn; /* NO_PFN: no hint */
	uint64_t oh_seq;
	struct heap_desc *oh_desc;
	uintptr_t oh_base; /* d_base */
	uint64_t oh_check; /* d_check */
	uint32_t oh_limit; /* objects * size: no object at or past it */
	uint32_t oh_recip; /* the class's ci_recip */
	uint32_t oh_size; /* and ci_size */
	uint32_t oh_class;
	/* this CPU's for the class, or no_front (also with no hint) */
	struct heap_front *oh_front;
} __aligned(64) owner_hint[HEAP_MAX_CPUS]; /* a line each: one shift */
#define NO_PFN UINTPTR_MAX /* addresses shifted right are below it */
/* Capacity 1 and empty: lookups before the first insert find nothing. */
static struct heap_entry heap_no_table[1];

/* What a pointer is being used for, and what can be wrong with it. */
enum heap_use { USE_FREE, USE_QUERY };
enum heap_bad_ptr { BAD_FOREIGN, BAD_MISALIGNED, BAD_FREED };

static const char *const bad_ptr_msg[2][3] = {
	[USE_FREE] = {
		[BAD_FOREIGN] = HEAP_VIOLATION_FOREIGN_FREE,
		[BAD_MISALIGNED] = HEAP_VIOLATION_MISALIGNED_FREE,
		[BAD_FREED] = HEAP_VIOLATION_DOUBLE_FREE,
	},
	[USE_QUERY] = {
		[BAD_FOREIGN] = HEAP_VIOLATION_FOREIGN_USE,
		[BAD_MISALIGNED] = HEAP_VIOLATION_MISALIGNED_USE,
		[BAD_FREED] = HEAP_VIOLATION_USE_AFTER_FREE,
	},
};

static struct spinlock heap_lock = SPINLOCK_INIT("heap");

/*
 * The fast paths run with interrupts off, so neither a handler nor timer
 * preemption can come between them and this CPU's magazines, and *cpu
 * (this CPU's id) stays true until fast_exit(). The saved flags stay in
 * fast_flags[] for violation(). Callers inside fast_enter() may take the
 * heap lock (nested). Every public function that can find a violation
 * does all its checks inside fast_enter().
 */
static __always_inline unsigned long fast_enter(unsigned long *cpu)
{
	unsigned long flags = irq_save();

#ifdef UNIT_TEST
	*cpu = cpu_id();
#else
	/* cpu_id() as a 64-bit value: the 32-bit load zero-extends, which
	 * GCC would otherwise do again for every array it indexes. */
	__asm__ volatile("movl %%gs:%c1, %k0" : "=r"(*cpu) : "i"(PERCPU_ID));
#endif
	fast_flags[*cpu] = flags;
	return flags;
}

static __always_inline void fast_exit(unsigned long flags)
{
#ifdef UNIT_TEST
	irq_restore(flags);
#else
	/* irq_restore() in two instructions instead of three: the other
	 * flags are back as they were at fast_enter() too. */
	__asm__ volatile("pushq %0; popfq" : : "r"(flags) : "memory", "cc");
#endif
}

/* Drops the heap lock and the fast path's interrupts-off before
 * reporting, so the report may end just the offending task. Every
 * violation is found before anything changed. */
static void __noreturn __cold violation(const char *what, const void *ptr)
{
	unsigned int cpu;

	if (spin_held(&heap_lock))
		spin_unlock(&heap_lock);
	cpu = cpu_id();
	if (alloc_mag[cpu]) {
		/* The lists' objects are lost on purpose: one is corrupt. */
		memset(&alloc_mag[cpu]->m_cur, 0,
		       sizeof(alloc_mag[cpu]->m_cur));
		memset(&alloc_mag[cpu]->m_full, 0,
		       sizeof(alloc_mag[cpu]->m_full));
		alloc_mag[cpu] = NULL;
	}
	irq_restore(fast_flags[cpu]);
	heap_violation(what, ptr);
}

static uintptr_t link_mangle(uintptr_t next, uintptr_t slot)
{
	return next ^ heap.h_key ^ slot;
}

static uintptr_t link_read(uintptr_t slot)
{
	return *(const uintptr_t *)slot ^ heap.h_key ^ slot;
}

static void link_write(uintptr_t slot, uintptr_t next)
{
	*(uintptr_t *)slot = link_mangle(next, slot);
}

/* --- Page allocator and descriptors ----------------------------------- */

static int pages_alloc(size_t npages, uintptr_t *va)
{
	int err;

	if (!heap.h_ops.alloc_pages)
		return -ENOMEM; /* before heap_init() */
	err = heap.h_ops.alloc_pages(heap.h_ops.ctx, npages, va);
	if (err)
		return err;
	heap.h_pages += npages;
	return 0;
}

static void pages_free(uintptr_t va, size_t npages)
{
	heap.h_ops.free_pages(heap.h_ops.ctx, va, npages);
	heap.h_pages -= npages;
}

static uint64_t desc_check(const struct heap_desc *d)
{
	uint64_t h = d->d_base ^ ((uint64_t)d->d_pages << 8 | d->d_class);

	if (d->d_class == DESC_LARGE)
		h = (h * GOLDEN) ^ d->d_run;
	return (h * GOLDEN) ^ heap.h_key;
}

/* Checks a descriptor the table gave before trusting its fields. */
static __always_inline void desc_verify(const struct heap_desc *d,
					const void *p)
{
	if (likely(d->d_check == desc_check(d) &&
		   (d->d_class < HEAP_NCLASSES || d->d_class == DESC_LARGE)))
		return;
	violation(d->d_class == DESC_LARGE ? HEAP_VIOLATION_BAD_LARGE
					   : HEAP_VIOLATION_BAD_SLAB,
		  p);
}

/* Descriptor pages are never returned; a page holds 51. Caller holds G. */
static struct heap_desc *desc_get(void)
{
	struct heap_desc *d;
	uintptr_t va;
	size_t i;

	if (!heap.h_desc_free) {
		if (pages_alloc(1, &va) < 0)
			return NULL;
		d = (struct heap_desc *)va;
		for (i = 0; i < PAGE_SIZE / sizeof(*d); i++) {
			d[i].d_next = heap.h_desc_free;
			heap.h_desc_free = &d[i];
		}
	}
	d = heap.h_desc_free;
	heap.h_desc_free = d->d_next;
	memset(d, 0, sizeof(*d));
	return d;
}

static void desc_put(struct heap_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->d_next = heap.h_desc_free;
	heap.h_desc_free = d;
}

/* --- Page table: page number -> descriptor ---------------------------- */

static size_t table_home(uintptr_t pfn)
{
	return (size_t)((pfn * GOLDEN) >> 32) & heap.h_table_mask;
}

/*
 * The table is a seqlock: writers (under G) make h_table_seq odd, change
 * entries, the table or its mask, and make it even again; readers probe
 * without the lock and start over if it moved meanwhile. An old table's
 * pages may be freed under a reader, but they stay in the direct map, and
 * the probe is bounded, so a stale read only costs a retry.
 */
static void table_write_begin(void)
{
	__atomic_store_n(&heap.h_table_seq, heap.h_table_seq + 1,
			 __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void table_write_end(void)
{
	__atomic_store_n(&heap.h_table_seq, heap.h_table_seq + 1,
			 __ATOMIC_RELEASE);
}

/* The descriptor of addr's page or NULL, as of h_table_seq == *seq_out
 * (may be NULL). */
static struct heap_desc *table_find_seq(uintptr_t addr, uint64_t *seq_out)
{
	uintptr_t pfn = addr >> PAGE_SHIFT;
	const volatile struct heap_entry *t;
	struct heap_desc *d;
	size_t mask, i, n;
	uint64_t seq;

	for (;;) {
		seq = __atomic_load_n(&heap.h_table_seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			__builtin_ia32_pause();
			continue;
		}
		t = __atomic_load_n(&heap.h_table, __ATOMIC_RELAXED);
		mask = __atomic_load_n(&heap.h_table_mask, __ATOMIC_RELAXED);
		i = (size_t)((pfn * GOLDEN) >> 32) & mask;
		d = NULL;
		for (n = 0; n <= mask; n++, i = (i + 1) & mask) {
			if (!t[i].e_desc || t[i].e_pfn == pfn) {
				d = t[i].e_desc;
				break;
			}
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&heap.h_table_seq, __ATOMIC_RELAXED) ==
		    seq) {
			if (seq_out)
				*seq_out = seq;
			return d;
		}
	}
}

static struct heap_desc *table_find(uintptr_t addr)
{
	return table_find_seq(addr, NULL);
}

/* table_find() through this CPU's owner hint. Inside fast_enter(). On a
 * probe, *seq is h_slab_seq as read before it (for hint_set()), else it
 * is left alone. */
static __always_inline struct heap_desc *
owner_lookup(unsigned int cpu, uintptr_t addr, uint64_t *seq, bool *probed)
{
	struct owner_hint *h = &owner_hint[cpu];
	uintptr_t pfn = addr >> PAGE_SHIFT;
	uint64_t now = __atomic_load_n(&heap.h_slab_seq, __ATOMIC_ACQUIRE);

	/* oh_pfn is no page number while there is no hint. */
	if (likely(h->oh_pfn == pfn && h->oh_seq == now))
		return h->oh_desc;
	/* Read before the probe: a slab it finds that leaves the table
	 * afterwards moves h_slab_seq past this. */
	*seq = now;
	*probed = true;
	return table_find(addr);
}

/* This CPU's front for class c (< FRONT_CLASSES), or NULL before its
 * magazines exist. Inside fast_enter(). */
static __always_inline struct heap_front *front_of(unsigned int cpu,
						   unsigned int c)
{
	struct heap_front(*f)[FRONT_CLASSES] = heap.h_front[cpu];

	return f ? &(*f)[c] : NULL;
}

/* The oh_front of a class without a front (or of a CPU without one yet):
 * always full, so heap_free() never puts anything there; never written. */
static struct heap_front no_front = { .f_count = HEAP_FRONT_SLOTS };

/* Makes the verified slab d, found with h_slab_seq == seq read before
 * the probe, this CPU's hint for page pfn; without the copy for
 * heap_free()'s fast path yet (hint_fill()), so that frees that go from
 * page to page pay little for it. */
static __always_inline void hint_set(unsigned int cpu, uintptr_t pfn,
				     uint64_t seq, struct heap_desc *d)
{
	struct owner_hint *h = &owner_hint[cpu];

	h->oh_pfn = pfn;
	h->oh_seq = seq;
	h->oh_desc = d;
	h->oh_front = &no_front;
}

/* Completes this CPU's hint, which names the verified slab d of a front
 * class, with the copy heap_free()'s fast path works from: a second use of
 * the page. */
static void __attribute__((noinline))
hint_fill(unsigned int cpu, struct heap_desc *d)
{
	const struct heap_class_info *ci = &heap_classes[d->d_class];
	struct owner_hint *h = &owner_hint[cpu];
	struct heap_front *f = front_of(cpu, d->d_class);

	if (!f)
		return;
	h->oh_base = d->d_base;
	h->oh_check = d->d_check;
	h->oh_limit = (uint32_t)ci->ci_nobj * ci->ci_size;
	h->oh_recip = ci->ci_recip;
	h->oh_size = ci->ci_size;
	h->oh_class = d->d_class;
	h->oh_front = f;
}

/* Caller holds G, is inside a write section, and made room. */
static void table_put(uintptr_t pfn, struct heap_desc *d)
{
	size_t i = table_home(pfn);

	while (heap.h_table[i].e_desc)
		i = (i + 1) & heap.h_table_mask;
	heap.h_table[i].e_pfn = pfn;
	heap.h_table[i].e_desc = d;
	heap.h_table_used++;
}

/* Caller holds G and made room with table_reserve(). */
static void table_insert(uintptr_t pfn, struct heap_desc *d)
{
	table_write_begin();
	table_put(pfn, d);
	table_write_end();
}

/* Backward-shift deletion keeps probe chains whole without tombstones. */
static void table_remove(uintptr_t pfn)
{
	struct heap_entry *t = heap.h_table;
	size_t mask = heap.h_table_mask, i = table_home(pfn), j, home;

	while (t[i].e_desc && t[i].e_pfn != pfn)
		i = (i + 1) & mask;
	if (!t[i].e_desc)
		return;
	table_write_begin();
	for (j = (i + 1) & mask; t[j].e_desc; j = (j + 1) & mask) {
		home = table_home(t[j].e_pfn);
		/* t[j] may fill the hole unless its home lies in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t[i] = t[j];
			i = j;
		}
	}
	t[i].e_desc = NULL;
	t[i].e_pfn = 0;
	heap.h_table_used--;
	table_write_end();
}

/* Grows the table so that `n` more entries keep it at most half full. */
static __cold int table_reserve(size_t n)
{
	struct heap_entry *old = heap.h_table;
	size_t old_cap = heap.h_table_mask + 1, cap = old_cap, i;
	uintptr_t va;

	if ((heap.h_table_used + n) * 2 <= cap)
		return 0;
	cap = cap < TABLE_MIN_ENTRIES ? TABLE_MIN_ENTRIES : cap;
	while ((heap.h_table_used + n) * 2 > cap)
		cap *= 2;
	if (pages_alloc(cap * sizeof(*old) / PAGE_SIZE, &va) < 0)
		return -ENOMEM;
	memset((void *)va, 0, cap * sizeof(*old));
	table_write_begin();
	heap.h_table = (struct heap_entry *)va;
	heap.h_table_mask = cap - 1;
	heap.h_table_used = 0;
	for (i = 0; i < old_cap; i++)
		if (old[i].e_desc)
			table_put(old[i].e_pfn, old[i].e_desc);
	table_write_end();
	if (old != heap_no_table)
		pages_free((uintptr_t)old, old_cap * sizeof(*old) / PAGE_SIZE);
	return 0;
}

/* --- Slabs ------------------------------------------------------------- */

/* Index of the object starting at addr in slab d, or -1. */
static int slab_index(const struct heap_desc *d, uintptr_t addr)
{
	const struct heap_class_info *ci = &heap_classes[d->d_class];
	uintptr_t off = addr - d->d_base;
	uint32_t idx;

	if (off >= (uintptr_t)ci->ci_nobj * ci->ci_size)
		return -1;
	idx = (uint32_t)((off * ci->ci_recip) >> 32);
	if ((uintptr_t)idx * ci->ci_size != off)
		return -1;
	return (int)idx;
}

static bool obj_is_free(const struct heap_desc *d, unsigned int idx)
{
	uint64_t w = __atomic_load_n(&d->d_free[idx / 64], __ATOMIC_RELAXED);

	return w & (1ull << (idx % 64));
}

/* Marks the object free; returns whether it already was. */
static bool obj_test_and_free(struct heap_desc *d, unsigned int idx)
{
	uint64_t bit = 1ull << (idx % 64);

	return __atomic_fetch_or(&d->d_free[idx / 64], bit, __ATOMIC_RELAXED) &
	       bit;
}

/* Marks the object allocated; returns whether it was free. A listed
 * object that is not free means a forged link handed it out twice. */
static bool obj_test_and_alloc(struct heap_desc *d, unsigned int idx)
{
	uint64_t bit = 1ull << (idx % 64);

	return __atomic_fetch_and(&d->d_free[idx / 64], ~bit,
				  __ATOMIC_RELAXED) &
	       bit;
}

/*
 * obj_test_and_free() and obj_test_and_alloc() on bitmap `map` for the
 * fast paths: BTS and BTR with the index in a register address the whole
 * bit string, so no word and mask need computing. Atomic like those (the
 * same locked read-modify-write of the word that holds the bit).
 */
static __always_inline bool map_test_and_set(uint64_t *map, unsigned long idx)
{
	bool old;

	__asm__ volatile("lock btsq %2, %1"
			 : "=@ccc"(old), "+m"(*map)
			 : "r"(idx)
			 : "memory");
	return old;
}

static __always_inline bool map_test_and_clear(uint64_t *map, unsigned long idx)
{
	bool old;

	__asm__ volatile("lock btrq %2, %1"
			 : "=@ccc"(old), "+m"(*map)
			 : "r"(idx)
			 : "memory");
	return old;
}

static void partial_add(struct heap_class *hc, struct heap_desc *d)
{
	d->d_prev = NULL;
	d->d_next = hc->c_partial;
	if (hc->c_partial)
		hc->c_partial->d_prev = d;
	hc->c_partial = d;
}

static void partial_remove(struct heap_class *hc, struct heap_desc *d)
{
	if (d->d_prev)
		d->d_prev->d_next = d->d_next;
	else
		hc->c_partial = d->d_next;
	if (d->d_next)
		d->d_next->d_prev = d->d_prev;
	d->d_next = d->d_prev = NULL;
}

/* Fills in a new slab at va: all objects free and listed in order. */
static void slab_format(struct heap_desc *d, unsigned int c, uintptr_t va)
{
	const struct heap_class_info *ci = &heap_classes[c];
	unsigned int i;

	d->d_base = va;
	d->d_pages = ci->ci_pages;
	d->d_class = (uint8_t)c;
	d->d_check = desc_check(d);
	if (heap.h_poison)
		memset((void *)va, HEAP_POISON, ci->ci_pages * PAGE_SIZE);
	for (i = 0; i < ci->ci_nobj; i++)
		d->d_free[i / 64] |= 1ull << (i % 64);
	d->d_list = 0;
	for (i = ci->ci_nobj; i-- > 0;) {
		link_write(va + i * ci->ci_size, d->d_list);
		d->d_list = va + i * ci->ci_size;
	}
	d->d_nlist = ci->ci_nobj;
}

/* Caller holds G. Returns 0 with the slab on the partial list, or -ENOMEM. */
static int slab_create(unsigned int c)
{
	const struct heap_class_info *ci = &heap_classes[c];
	struct heap_class *hc = &heap.h_class[c];
	struct heap_desc *d;
	uintptr_t va;
	unsigned int i;

	if (table_reserve(ci->ci_pages) < 0)
		return -ENOMEM;
	d = desc_get();
	if (!d)
		return -ENOMEM;
	if (pages_alloc(ci->ci_pages, &va) < 0)
		goto err_put_desc;
	slab_format(d, c, va);
	for (i = 0; i < ci->ci_pages; i++)
		table_insert((va >> PAGE_SHIFT) + i, d);
	partial_add(hc, d);
	hc->c_slabs++;
	hc->c_empty++;
	return 0;

err_put_desc:
	desc_put(d);
	return -ENOMEM;
}

/* Caller holds G; every object of d is on its list. */
static void slab_destroy(struct heap_desc *d)
{
	struct heap_class *hc = &heap.h_class[d->d_class];
	unsigned int i;

	partial_remove(hc, d);
	for (i = 0; i < d->d_pages; i++)
		table_remove((d->d_base >> PAGE_SHIFT) + i);
	/* After the removal: see struct owner_hint. */
	__atomic_store_n(&heap.h_slab_seq, heap.h_slab_seq + 1,
			 __ATOMIC_RELEASE);
	pages_free(d->d_base, d->d_pages);
	hc->c_slabs--;
	desc_put(d);
}

/* Unlinks the first listed object of d, after checking its link. */
static uintptr_t slab_pop(struct heap_desc *d, unsigned int *idx)
{
	uintptr_t obj = d->d_list, next = link_read(obj);
	int next_idx = next ? slab_index(d, next) : -1;

	if (d->d_nlist > 1 ? next_idx < 0 || !obj_is_free(d, next_idx) : next)
		violation(HEAP_VIOLATION_BAD_LINK, (void *)obj);
	if (d->d_nlist == heap_classes[d->d_class].ci_nobj)
		heap.h_class[d->d_class].c_empty--;
	*idx = (unsigned int)slab_index(d, obj);
	d->d_list = next;
	d->d_nlist--;
	return obj;
}

/* Lists a free object on its slab again; may return the slab's pages. */
static void slab_push(struct heap_desc *d, uintptr_t obj)
{
	struct heap_class *hc = &heap.h_class[d->d_class];

	link_write(obj, d->d_list);
	d->d_list = obj;
	if (d->d_nlist++ == 0)
		partial_add(hc, d);
	if (d->d_nlist < heap_classes[d->d_class].ci_nobj)
		return;
	if (hc->c_empty >= SLABS_EMPTY_KEPT)
		slab_destroy(d);
	else
		hc->c_empty++;
}

/* --- Per-CPU caches ----------------------------------------------------- */

static void list_push(struct heap_list *l, struct heap_desc *d, uintptr_t obj,
		      unsigned int idx)
{
	link_write(obj, l->l_head);
	l->l_head = obj;
	l->l_head_desc = d;
	l->l_head_idx = idx;
	l->l_count++;
}

/*
 * The slab of `next`, the link read from the head of class c's list l, or
 * a violation. Most links stay in the head's slab, which needs no lookup.
 */
static struct heap_desc *list_link_desc(const struct heap_list *l,
					uintptr_t next, unsigned int c,
					int *idx)
{
	struct heap_desc *d = l->l_head_desc;
	void *from = (void *)l->l_head;

	if (unlikely(next == l->l_head))
		violation(HEAP_VIOLATION_BAD_LINK, from);
	if (next - d->d_base >= d->d_pages * PAGE_SIZE) {
		d = table_find(next);
		if (unlikely(!d || d->d_class != c))
			violation(HEAP_VIOLATION_BAD_LINK, from);
		desc_verify(d, from);
	}
	*idx = slab_index(d, next);
	if (unlikely(*idx < 0 || !obj_is_free(d, *idx)))
		violation(HEAP_VIOLATION_BAD_LINK, from);
	return d;
}

/* Unlinks the head of l (not empty), after checking the link it holds. */
static uintptr_t list_take(struct heap_list *l, unsigned int c,
			   struct heap_desc **d, unsigned int *idx)
{
	uintptr_t obj = l->l_head, next = link_read(obj);
	struct heap_desc *next_desc = NULL;
	int next_idx = 0;

	if (l->l_count > 1)
		next_desc = list_link_desc(l, next, c, &next_idx);
	else if (unlikely(next))
		violation(HEAP_VIOLATION_BAD_LINK, (void *)obj);
	*d = l->l_head_desc;
	*idx = l->l_head_idx;
	l->l_head = next;
	l->l_head_desc = next_desc;
	l->l_head_idx = (uint32_t)next_idx;
	l->l_count--;
	return obj;
}

/* Gives m an object to hand out: the full list, else a slab's objects. */
static int mag_reload(struct heap_mag *m, unsigned int c)
{
	struct heap_class *hc = &heap.h_class[c];
	struct heap_desc *d;
	unsigned int idx;
	uintptr_t obj;

	if (m->m_full.l_count) {
		m->m_cur = m->m_full;
		m->m_full.l_count = 0;
		return 0;
	}
	if (!hc->c_partial && slab_create(c) < 0)
		return -ENOMEM;
	d = hc->c_partial;
	desc_verify(d, (void *)d->d_base);
	while (m->m_cur.l_count < heap_classes[c].ci_batch && d->d_nlist) {
		obj = slab_pop(d, &idx);
		list_push(&m->m_cur, d, obj, idx);
	}
	if (!d->d_nlist)
		partial_remove(hc, d);
	return 0;
}

/* Makes room in m's full m_cur: the older full list goes to the slabs. */
static void mag_rotate(struct heap_mag *m, unsigned int c)
{
	struct heap_desc *d;
	unsigned int idx;
	uintptr_t obj;

	while (m->m_full.l_count) {
		obj = list_take(&m->m_full, c, &d, &idx);
		slab_push(d, obj);
	}
	m->m_full = m->m_cur;
	m->m_cur.l_head = 0;
	m->m_cur.l_count = 0;
}

/*
 * Poison of a free object of `size` bytes (a multiple of 16) at obj, all
 * but word 0, which holds the link. These run on every small free and
 * allocation, where a memset() call, or a loop that stops at the first bad
 * word, costs more than the stores and loads themselves: the front's
 * classes get straight-line code entered by class (the _front versions),
 * the others a loop of two words a step.
 */
static __always_inline void poison_fill(uintptr_t obj, size_t size)
{
	uint64_t *w = (uint64_t *)obj, *end = (uint64_t *)(obj + size);
	uint64_t pw = POISON_WORD;

	/* Keeps GCC from making this a memset() call. */
	__asm__("" : "+r"(pw));
	w[1] = pw;
	for (w += 2; w < end; w += 2) {
		w[0] = pw;
		w[1] = pw;
	}
}

static __always_inline bool poison_intact(const uint64_t *w, size_t size)
{
	const uint64_t *end = (const uint64_t *)((uintptr_t)w + size);
	uint64_t diff = w[1] ^ POISON_WORD;

	for (w += 2; w < end; w += 2)
		diff |= (w[0] ^ POISON_WORD) | (w[1] ^ POISON_WORD);
	return !diff;
}

/* Class c < FRONT_CLASSES is 16 * (c + 1) bytes. */
BUILD_ASSERT(FRONT_CLASSES == 8);

static __always_inline void poison_fill_front(uintptr_t obj, unsigned int c)
{
	uint64_t *w = (uint64_t *)obj;
	uint64_t pw = POISON_WORD;

	/* One register for all the stores; and c < FRONT_CLASSES, but an
	 * opaque one, so that the mask below replaces the range check GCC
	 * would put before the jump. */
	__asm__("" : "+r"(pw), "+r"(c));
	switch (c & (FRONT_CLASSES - 1)) {
	case 7:
		w[15] = pw;
		w[14] = pw;
		fallthrough;
	case 6:
		w[13] = pw;
		w[12] = pw;
		fallthrough;
	case 5:
		w[11] = pw;
		w[10] = pw;
		fallthrough;
	case 4:
		w[9] = pw;
		w[8] = pw;
		fallthrough;
	case 3:
		w[7] = pw;
		w[6] = pw;
		fallthrough;
	case 2:
		w[5] = pw;
		w[4] = pw;
		fallthrough;
	case 1:
		w[3] = pw;
		w[2] = pw;
		fallthrough;
	case 0:
		w[1] = pw;
		break;
	}
}

static __always_inline bool poison_intact_front(const uint64_t *w,
						unsigned int c)
{
	uint64_t pw = POISON_WORD;

	/* One register for all the compares; and c < FRONT_CLASSES, but an
	 * opaque one, so that the mask below replaces the range check GCC
	 * would put before the jump. */
	__asm__("" : "+r"(pw), "+r"(c));
	switch (c & (FRONT_CLASSES - 1)) {
	case 7:
		if (w[15] != pw || w[14] != pw)
			return false;
		fallthrough;
	case 6:
		if (w[13] != pw || w[12] != pw)
			return false;
		fallthrough;
	case 5:
		if (w[11] != pw || w[10] != pw)
			return false;
		fallthrough;
	case 4:
		if (w[9] != pw || w[8] != pw)
			return false;
		fallthrough;
	case 3:
		if (w[7] != pw || w[6] != pw)
			return false;
		fallthrough;
	case 2:
		if (w[5] != pw || w[4] != pw)
			return false;
		fallthrough;
	case 1:
		if (w[3] != pw || w[2] != pw)
			return false;
		fallthrough;
	case 0:
		break;
	}
	return w[1] == pw;
}

static __always_inline void poison_check(uintptr_t obj, size_t size)
{
	if (unlikely(!poison_intact((const uint64_t *)obj, size)))
		violation(HEAP_VIOLATION_WRITE_AFTER_FREE, (const void *)obj);
}

/* This CPU's magazines; the first call on a CPU allocates them. Inside
 * fast_enter(). NULL when no page is left for them. */
static struct heap_mag *cpu_mags(unsigned int cpu)
{
	struct heap_mag(*m)[HEAP_NCLASSES] = heap.h_mags[cpu];
	uintptr_t va;

	if (likely(m))
		return *m;
	spin_lock(&heap_lock);
	if (pages_alloc(1, &va) == 0) {
		memset((void *)va, 0, PAGE_SIZE);
		heap.h_mags[cpu] = (struct heap_mag(*)[HEAP_NCLASSES])va;
		heap.h_front[cpu] =
			(struct heap_front(*)[FRONT_CLASSES])(va + sizeof(*m));
	}
	spin_unlock(&heap_lock);
	return heap.h_mags[cpu] ? *heap.h_mags[cpu] : NULL;
}

/* Inside fast_enter(). */
static void *small_alloc(unsigned int cpu, unsigned int c)
{
	struct heap_mag *mags = cpu_mags(cpu), *m;
	struct heap_desc *d;
	unsigned int idx;
	uintptr_t obj;
	int rc;

	if (unlikely(!mags))
		return NULL;
	m = &mags[c];
	if (unlikely(!m->m_cur.l_count)) {
		spin_lock(&heap_lock);
		rc = mag_reload(m, c);
		spin_unlock(&heap_lock);
		if (rc < 0)
			return NULL;
	}
	alloc_mag[cpu] = m;
	if (heap.h_poison)
		poison_check(m->m_cur.l_head, heap_classes[c].ci_size);
	obj = list_take(&m->m_cur, c, &d, &idx);
	if (unlikely(!obj_test_and_alloc(d, idx)))
		violation(HEAP_VIOLATION_BAD_LINK, (void *)obj);
	alloc_mag[cpu] = NULL;
	/* The stale link would tell the app key ^ obj ^ next. */
	*(uintptr_t *)obj = 0;
	m->m_allocs++;
	return (void *)obj;
}

/* Caches p, of class c and object idx of the slab whose d_free is map
 * (marked free there already), in f, this CPU's front for c, which has
 * room. Inside fast_enter(). */
static __always_inline void front_push(struct heap_front *f, unsigned int c,
				       uint64_t *map, unsigned int idx, void *p)
{
	unsigned int n;

	if (heap.h_poison)
		poison_fill_front((uintptr_t)p, c);
	link_write((uintptr_t)p, 0);
	n = f->f_count++;
	f->f_obj[n] = (uintptr_t)p;
	f->f_map[n] = map;
	f->f_idx[n] = (uint8_t)idx;
	f->f_frees++;
}

/* front_push() when f (NULL: none) has room; returns whether it had. */
static __always_inline bool front_put(struct heap_front *f, unsigned int c,
				      uint64_t *map, unsigned int idx, void *p)
{
	if (!f || f->f_count >= HEAP_FRONT_SLOTS)
		return false;
	front_push(f, c, map, idx, p);
	return true;
}

/* Hands out f's newest object (f not empty). It leaves the front before
 * the checks, so a violation drops it. Inside fast_enter(). */
static __always_inline void *front_take(struct heap_front *f, unsigned int c)
{
	unsigned int n = --f->f_count;
	uintptr_t obj = f->f_obj[n];

	if (unlikely(link_read(obj) != 0))
		violation(HEAP_VIOLATION_BAD_LINK, (void *)obj);
	if (heap.h_poison &&
	    unlikely(!poison_intact_front((const uint64_t *)obj, c)))
		violation(HEAP_VIOLATION_WRITE_AFTER_FREE, (void *)obj);
	/* As obj_test_and_alloc(). */
	if (unlikely(!map_test_and_clear(f->f_map[n], f->f_idx[n])))
		violation(HEAP_VIOLATION_BAD_LINK, (void *)obj);
	*(uintptr_t *)obj = 0;
	return (void *)obj;
}

/* small_free() beyond the front: the magazine, or the slab. Inside
 * fast_enter(); p, object idx of slab d of class c, is marked free
 * already. */
static void mag_free(unsigned int cpu, struct heap_desc *d, unsigned int c,
		     unsigned int idx, void *p)
{
	struct heap_mag *mags = cpu_mags(cpu), *m;

	if (unlikely(!mags)) {
		/* No page for magazines: straight back to the slab. */
		spin_lock(&heap_lock);
		if (heap.h_poison)
			memset(p, HEAP_POISON, heap_classes[c].ci_size);
		slab_push(d, (uintptr_t)p);
		spin_unlock(&heap_lock);
		return;
	}
	m = &mags[c];
	if (unlikely(m->m_cur.l_count >= heap_classes[c].ci_batch)) {
		spin_lock(&heap_lock);
		mag_rotate(m, c);
		spin_unlock(&heap_lock);
	}
	if (heap.h_poison)
		poison_fill((uintptr_t)p, heap_classes[c].ci_size);
	list_push(&m->m_cur, d, (uintptr_t)p, idx);
	m->m_frees++;
}

/* Inside fast_enter(). */
static __always_inline void small_free(unsigned int cpu, struct heap_desc *d,
				       unsigned int idx, void *p)
{
	unsigned int c = d->d_class;

	/* Test before rotating: the rotation may give this very slab
	 * back to the page allocator, and with it the bit to test. The
	 * atomic RMW also settles two CPUs freeing p at once. */
	if (unlikely(obj_test_and_free(d, idx)))
		violation(HEAP_VIOLATION_DOUBLE_FREE, p);
	if (c < FRONT_CLASSES &&
	    front_put(front_of(cpu, c), c, d->d_free, idx, p))
		return;
	mag_free(cpu, d, c, idx, p);
}

/* --- Large allocations ---------------------------------------------------- */

/* `align` is a power of two >= PAGE_SIZE. */
static void *large_alloc(size_t size, size_t align)
{
	size_t extra = align / PAGE_SIZE - 1, pages;
	struct heap_desc *d;
	uintptr_t va;

	/* Keeps d_pages within 32 bits. */
	if (size > LARGE_MAX_BYTES || align > LARGE_MAX_BYTES)
		return NULL;
	/* Size 0 still needs a page for the pointer to point into. */
	pages = (PAGE_ALIGN_UP(size ? size : 1) >> PAGE_SHIFT) + extra;
	if (table_reserve(1) < 0)
		return NULL;
	d = desc_get();
	if (!d)
		return NULL;
	if (pages_alloc(pages, &va) < 0)
		goto err_put_desc;
	d->d_run = va;
	d->d_base = (va + align - 1) & ~(align - 1);
	d->d_pages = (uint32_t)pages;
	d->d_class = DESC_LARGE;
	d->d_check = desc_check(d);
	table_insert(d->d_base >> PAGE_SHIFT, d);
	heap.h_large_allocs++;
	heap.h_large_pages += pages;
	return (void *)d->d_base;

err_put_desc:
	desc_put(d);
	return NULL;
}

static __cold void large_free(struct heap_desc *d)
{
	table_remove(d->d_base >> PAGE_SHIFT);
	if (heap.h_poison)
		memset((void *)d->d_run, HEAP_POISON, d->d_pages * PAGE_SIZE);
	pages_free(d->d_run, d->d_pages);
	heap.h_large_frees++;
	heap.h_large_pages -= d->d_pages;
	desc_put(d);
}

/*
 * The descriptor owning p, which must start a live object or large
 * allocation (*idx is then its slab index, or -1 for large).
 */
static __always_inline struct heap_desc *
owner_find(unsigned int cpu, const void *p, enum heap_use use, int *idx)
{
	bool probed = false;
	uint64_t seq = 0;
	struct heap_desc *d = owner_lookup(cpu, (uintptr_t)p, &seq, &probed);

	if (unlikely(!d))
		violation(bad_ptr_msg[use][BAD_FOREIGN], p);
	desc_verify(d, p);
	if (probed) {
		if (d->d_class != DESC_LARGE)
			hint_set(cpu, (uintptr_t)p >> PAGE_SHIFT, seq, d);
	} else if (d->d_class < FRONT_CLASSES &&
		   owner_hint[cpu].oh_front == &no_front) {
		hint_fill(cpu, d);
	}
	if (d->d_class == DESC_LARGE) {
		if (unlikely((uintptr_t)p != d->d_base))
			violation(bad_ptr_msg[use][BAD_MISALIGNED], p);
		*idx = -1;
		return d;
	}
	*idx = slab_index(d, (uintptr_t)p);
	if (unlikely(*idx < 0))
		violation(bad_ptr_msg[use][BAD_MISALIGNED], p);
	/* heap_free() finds double frees atomically, in small_free(). */
	if (use == USE_QUERY && unlikely(obj_is_free(d, *idx)))
		violation(bad_ptr_msg[use][BAD_FREED], p);
	return d;
}

static size_t usable_size(const struct heap_desc *d)
{
	if (d->d_class == DESC_LARGE)
		return d->d_run + d->d_pages * PAGE_SIZE - d->d_base;
	return heap_classes[d->d_class].ci_size;
}

static unsigned int size_class(size_t size)
{
	return heap.h_size_class[(size + 15) >> 4];
}

/* --- Public interface ----------------------------------------------------- */

__cold int heap_init(const struct heap_config *cfg)
{
	unsigned int c = 0;
	size_t i;

	if (!cfg || !cfg->ops || !cfg->ops->alloc_pages ||
	    !cfg->ops->free_pages || !cfg->key)
		return -EINVAL;
	memset(&heap, 0, sizeof(heap));
	heap.h_ops = *cfg->ops;
	heap.h_key = cfg->key;
	heap.h_poison = cfg->poison;
	heap.h_table = heap_no_table;
	memset(boot_mags, 0, sizeof(boot_mags));
	memset(fast_flags, 0, sizeof(fast_flags));
	memset(alloc_mag, 0, sizeof(alloc_mag));
	memset(owner_hint, 0, sizeof(owner_hint));
	for (i = 0; i < HEAP_MAX_CPUS; i++) {
		owner_hint[i].oh_pfn = NO_PFN;
		owner_hint[i].oh_front = &no_front;
	}
	heap.h_mags[0] = &boot_mags;
	memset(boot_front, 0, sizeof(boot_front));
	heap.h_front[0] = &boot_front;
	for (i = 0; i < ARRAY_SIZE(heap.h_size_class); i++) {
		while (heap_classes[c].ci_size < i * 16)
			c++;
		heap.h_size_class[i] = (uint8_t)c;
	}
	for (i = 0; i < ARRAY_SIZE(heap.h_front_class); i++)
		heap.h_front_class[i] = heap.h_size_class[(i + 15) >> 4];
	return 0;
}

/* Inside fast_enter(); large blocks take the heap lock. */
static __always_inline void *alloc_any(unsigned int cpu, size_t size,
				       size_t align)
{
	struct heap_front *f;
	unsigned int c;
	void *p;

	if (align <= HEAP_MIN_ALIGN && size <= HEAP_FRONT_MAX) {
		c = size_class(size);
		f = front_of(cpu, c);
		if (f && f->f_count)
			return front_take(f, c);
		return small_alloc(cpu, c);
	}
	if (align <= HEAP_MIN_ALIGN && size <= HEAP_SMALL_MAX)
		return small_alloc(cpu, size_class(size));
	if (size <= HEAP_SMALL_MAX) {
		/* Slabs are page-aligned: size % align == 0 aligns them all. */
		for (c = size_class(size); c < HEAP_NCLASSES; c++)
			if (heap_classes[c].ci_size % align == 0)
				return small_alloc(cpu, c);
	}
	spin_lock(&heap_lock);
	p = large_alloc(size, align > PAGE_SIZE ? align : PAGE_SIZE);
	spin_unlock(&heap_lock);
	return p;
}

/* alloc_fast() beyond the front, and its fast_exit(): called last, so
 * that the fast path keeps nothing live across a call. */
static void *__attribute__((noinline))
alloc_slow(unsigned int cpu, size_t size, unsigned long flags,
	   void (*on_fail)(void))
{
	void *p = alloc_any(cpu, size, HEAP_MIN_ALIGN);

	fast_exit(flags);
	if (!p && on_fail)
		on_fail();
	return p;
}

static __always_inline void *alloc_fast(size_t size, void (*on_fail)(void))
{
	struct heap_front *f;
	unsigned long flags, cpu;
	unsigned int c;
	void *p;

	flags = fast_enter(&cpu);
	/* alloc_any()'s first case, without the call. */
	if (likely(size <= HEAP_FRONT_MAX)) {
		struct heap_front(*fa)[FRONT_CLASSES] = heap.h_front[cpu];

		c = heap.h_front_class[size];
		if (unlikely(!fa))
			return alloc_slow(cpu, size, flags, on_fail);
		f = &(*fa)[c];
		/* A plain pointer from here: GCC would index the array of
		 * fronts by class again for every field. */
		__asm__("" : "+r"(f));
		if (likely(f->f_count)) {
			p = front_take(f, c);
			fast_exit(flags);
			return p;
		}
	}
	return alloc_slow(cpu, size, flags, on_fail);
}

void *heap_alloc(size_t size)
{
	return alloc_fast(size, NULL);
}

void *heap_alloc_or(size_t size, void (*on_fail)(void))
{
	return alloc_fast(size, on_fail);
}

void *heap_alloc_aligned(size_t align, size_t size)
{
	unsigned long flags, cpu;
	void *p;

	if (!align || (align & (align - 1)))
		return NULL;
	flags = fast_enter(&cpu);
	p = alloc_any(cpu, size, align);
	fast_exit(flags);
	return p;
}

void *heap_calloc(size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	p = heap_alloc(bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

/* Whether heap_realloc() may keep d's allocation for `size` bytes. */
static bool realloc_fits(const struct heap_desc *d, size_t size)
{
	size_t usable = usable_size(d);

	if (size > usable)
		return false;
	if (d->d_class == DESC_LARGE)
		return size > HEAP_SMALL_MAX && size > usable / 2;
	return size_class(size) == d->d_class;
}

__cold void *heap_realloc(void *p, size_t size)
{
	struct heap_desc *d;
	unsigned long flags, cpu;
	size_t old;
	bool fits;
	void *n;
	int idx;

	if (!p)
		return heap_alloc(size);
	flags = fast_enter(&cpu);
	d = owner_find(cpu, p, USE_FREE, &idx);
	if (idx >= 0 && unlikely(obj_is_free(d, idx)))
		violation(HEAP_VIOLATION_DOUBLE_FREE, p);
	fits = realloc_fits(d, size);
	old = usable_size(d);
	fast_exit(flags);
	if (fits)
		return p;
	n = heap_alloc(size);
	if (!n)
		return NULL;
	memcpy(n, p, old < size ? old : size);
	heap_free(p);
	return n;
}

/* heap_free() of the large allocation d at p. Inside fast_enter(). */
static __always_inline void large_free_checked(struct heap_desc *d, void *p)
{
	spin_lock(&heap_lock);
	/* Found without the lock: a second free of p on another CPU may have
	 * won meanwhile. */
	if (table_find((uintptr_t)p) != d)
		violation(HEAP_VIOLATION_DOUBLE_FREE, p);
	large_free(d);
	spin_unlock(&heap_lock);
}

/* heap_free() the long way: the owner from the table (or the hint,
 * verified in full), large allocations. Ends the fast_enter() that saved
 * flags. heap_free() jumps here, so a report's backtrace names this, not
 * heap_free(): hence the prefix. */
static void __attribute__((noinline))
heap_free_slow(unsigned int cpu, void *p, unsigned long flags)
{
	struct heap_desc *d;
	int idx;

	d = owner_find(cpu, p, USE_FREE, &idx);
	if (idx >= 0)
		small_free(cpu, d, (unsigned int)idx, p);
	else
		large_free_checked(d, p);
	fast_exit(flags);
}

/*
 * The fast path frees a small object of the page this CPU's hint names
 * into this CPU's front, from the hint's copy of its verified slab
 * descriptor: owner_find() and small_free() with the same checks in the
 * same order, but no table probe and no class table. Anything else (no
 * hint, a full front, a class without one) goes the long way.
 */
void heap_free(void *p)
{
	uintptr_t addr = (uintptr_t)p, off;
	unsigned long flags, cpu;
	struct owner_hint *h;
	struct heap_front *f;
	struct heap_desc *d;
	uint32_t idx;

	if (!p)
		return;
	flags = fast_enter(&cpu);
	h = &owner_hint[cpu];
	f = h->oh_front;
	if (unlikely(h->oh_pfn != addr >> PAGE_SHIFT ||
		     h->oh_seq != __atomic_load_n(&heap.h_slab_seq,
						  __ATOMIC_ACQUIRE) ||
		     f->f_count >= HEAP_FRONT_SLOTS)) {
		/* Last: the fast path keeps nothing live across a call. */
		heap_free_slow(cpu, p, flags);
		return;
	}
	d = h->oh_desc;
	if (unlikely(d->d_check != h->oh_check || d->d_base != h->oh_base))
		violation(HEAP_VIOLATION_BAD_SLAB, p);
	off = addr - h->oh_base;
	/* Exact for offsets below the limit (see CLASS()). */
	idx = (uint32_t)((off * h->oh_recip) >> 32);
	if (unlikely(off >= h->oh_limit || (uintptr_t)idx * h->oh_size != off))
		violation(HEAP_VIOLATION_MISALIGNED_FREE, p);
	/* As obj_test_and_free(). */
	if (unlikely(map_test_and_set(d->d_free, idx)))
		violation(HEAP_VIOLATION_DOUBLE_FREE, p);
	front_push(f, h->oh_class, d->d_free, idx, p);
	fast_exit(flags);
}

__cold size_t heap_usable_size(const void *p)
{
	unsigned long flags, cpu;
	size_t n;
	int idx;

	if (!p)
		return 0;
	flags = fast_enter(&cpu);
	n = usable_size(owner_find(cpu, p, USE_QUERY, &idx));
	fast_exit(flags);
	return n;
}

__cold void heap_get_stats(struct heap_stats *st)
{
	struct heap_class_stats *cs;
	unsigned int c, cpu;

	memset(st, 0, sizeof(*st));
	st->nclasses = HEAP_NCLASSES;
	spin_lock(&heap_lock);
	for (c = 0; c < HEAP_NCLASSES; c++) {
		cs = &st->cls[c];
		cs->size = heap_classes[c].ci_size;
		for (cpu = 0; cpu < HEAP_MAX_CPUS; cpu++) {
			struct heap_mag(*m)[HEAP_NCLASSES] = heap.h_mags[cpu];

			if (!m)
				continue;
			/* Other CPUs' counters, read racily. */
			cs->allocs += __atomic_load_n(&(*m)[c].m_allocs,
						      __ATOMIC_RELAXED);
			cs->frees += __atomic_load_n(&(*m)[c].m_frees,
						     __ATOMIC_RELAXED);
		}
		for (cpu = 0; c < FRONT_CLASSES && cpu < HEAP_MAX_CPUS; cpu++) {
			struct heap_front(*f)[FRONT_CLASSES] =
				heap.h_front[cpu];

			if (!f)
				continue;
			uint64_t frees = __atomic_load_n(&(*f)[c].f_frees,
							 __ATOMIC_RELAXED);

			cs->allocs += frees - __atomic_load_n(&(*f)[c].f_count,
							      __ATOMIC_RELAXED);
			cs->frees += frees;
		}
		cs->live = cs->allocs - cs->frees;
		cs->slabs = heap.h_class[c].c_slabs;
	}
	st->large_allocs = heap.h_large_allocs;
	st->large_frees = heap.h_large_frees;
	st->large_live_pages = heap.h_large_pages;
	st->pages_held = heap.h_pages;
	spin_unlock(&heap_lock);
}
