/* SPDX-License-Identifier: MIT */
/*
 * x86-64 4-level page tables (Intel SDM vol. 3A §4.5). Every operation
 * validates, counts and allocates the tables it needs first, then commits
 * with stores that cannot fail; freed tables go back only after the flush.
 * Invariant between calls: no table but the root is empty.
 */
#include <kernel/vm.h>

#include <stdbool.h>

#include <kernel/errno.h>

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PWT 0x8ull
#define PTE_PCD 0x10ull
#define PTE_A 0x20ull
#define PTE_D 0x40ull
#define PTE_PS 0x80ull
#define PTE_G 0x100ull
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull
/* What an intermediate entry holds besides the table address. */
#define PTE_TABLE (PTE_P | PTE_RW)
/* Leaf bits set from prot; the rest of a leaf is P, A, D, PS, address. */
#define PTE_PROT_BITS (PTE_RW | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)
/* Leaf bits a split copies to the smaller pages (not PS, nor PAT). */
#define PTE_LEAF_BITS (PTE_PROT_BITS | PTE_P | PTE_A | PTE_D)

#define VM_ROOT_LEVEL 3 /* PML4; 2 = PDPT, 1 = PD, 0 = PT */
#define VM_ENTRIES 512u
#define VM_PHYS_LIMIT (1ull << 52)
#define VM_HIGH_BITS 0xffff000000000000ul
/* Ends a table list. Not page-aligned, so never a table; P clear. */
#define VM_LIST_END (~(paddr_t)PTE_P)

BUILD_ASSERT(sizeof(uint64_t) * VM_ENTRIES == PAGE_SIZE);
BUILD_ASSERT(sizeof(uintptr_t) == 8);

/*
 * Tables allocated ahead of a commit, or unlinked and waiting for the
 * flush, chained through their first entry.
 */
struct table_list {
	paddr_t tl_head; /* VM_LIST_END when empty */
};

static __always_inline unsigned int level_shift(int level)
{
	return PAGE_SHIFT + 9 * (unsigned int)level;
}

/* Bytes one entry of a level-l table maps. */
static __always_inline uintptr_t level_size(int level)
{
	return 1ul << level_shift(level);
}

static __always_inline unsigned int pte_index(uintptr_t va, int level)
{
	return (va >> level_shift(level)) & (VM_ENTRIES - 1);
}

static __always_inline bool pte_is_leaf(uint64_t e, int level)
{
	return level == 0 || (level < VM_ROOT_LEVEL && (e & PTE_PS));
}

/* Address an entry points to: table, page frame, or large page frame. */
static __always_inline paddr_t pte_addr(uint64_t e, int level)
{
	if (level > 0 && pte_is_leaf(e, level))
		return e & PTE_ADDR_MASK & ~(paddr_t)(level_size(level) - 1);
	return e & PTE_ADDR_MASK;
}

static __always_inline uint64_t pte_get(const uint64_t *pte)
{
	return __atomic_load_n(pte, __ATOMIC_RELAXED);
}

/* Release: a table's contents are visible before the entry linking it. */
static __always_inline void pte_set(uint64_t *pte, uint64_t e)
{
	__atomic_store_n(pte, e, __ATOMIC_RELEASE);
}

static __always_inline uint64_t *table_ptr(const struct vm_space *s, paddr_t pa)
{
	return (uint64_t *)(uintptr_t)(pa + s->vs_ops->virt_offset);
}

static uintptr_t sign_extend(uintptr_t va)
{
	return va & (1ul << 47) ? va | VM_HIGH_BITS : va;
}

static bool va_is_canonical(uintptr_t va)
{
	uintptr_t top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

static __always_inline uint64_t prot_to_pte(unsigned int prot)
{
	uint64_t e = 0;

	if (prot & VM_WRITE)
		e |= PTE_RW;
	if (!(prot & VM_EXEC))
		e |= PTE_NX;
	if (prot & VM_UNCACHED)
		e |= PTE_PCD | PTE_PWT;
	if (prot & VM_GLOBAL)
		e |= PTE_G;
	return e;
}

static __always_inline unsigned int pte_to_prot(uint64_t e)
{
	unsigned int prot = VM_READ;

	if (e & PTE_RW)
		prot |= VM_WRITE;
	if (!(e & PTE_NX))
		prot |= VM_EXEC;
	if (e & PTE_PCD)
		prot |= VM_UNCACHED;
	if (e & PTE_G)
		prot |= VM_GLOBAL;
	return prot;
}

static __always_inline uint64_t leaf_make(paddr_t pa, unsigned int prot,
					  int level)
{
	uint64_t e = pa | PTE_P | PTE_A | PTE_D | prot_to_pte(prot);

	return level > 0 ? e | PTE_PS : e;
}

/* Wrappers for the callbacks, which vm_space_init() checked. */
static int table_alloc(const struct vm_space *s, paddr_t *out)
{
	const struct vm_ops *ops = s->vs_ops;
	paddr_t pa;

	if (ops->alloc_table(ops->ctx, &pa))
		return -ENOMEM;
	if (pa & (PAGE_SIZE - 1) || pa >= VM_PHYS_LIMIT)
		return -EIO;
	*out = pa;
	return 0;
}

static void table_free(const struct vm_space *s, paddr_t pa)
{
	s->vs_ops->free_table(s->vs_ops->ctx, pa);
}

static void tlb_flush(const struct vm_space *s, uintptr_t va, size_t len)
{
	s->vs_ops->flush(s->vs_ops->ctx, va, len);
}

static void table_zero(const struct vm_space *s, paddr_t pa)
{
	/* The table is not linked yet: plain stores are fine. */
	__builtin_memset(table_ptr(s, pa), 0, PAGE_SIZE);
}

static bool table_is_empty(const struct vm_space *s, paddr_t pa)
{
	const uint64_t *t = table_ptr(s, pa);
	unsigned int i;

	for (i = 0; i < VM_ENTRIES; i++)
		if (pte_get(&t[i]) & PTE_P)
			return false;
	return true;
}

/*
 * Pushes an unlinked table. The link has P clear, so a stale walk of it by
 * a CPU that has not flushed yet still finds nothing.
 */
static void list_push(const struct vm_space *s, struct table_list *l,
		      paddr_t pa)
{
	pte_set(table_ptr(s, pa), l->tl_head);
	l->tl_head = pa;
}

/* Pops a table and zeroes it. The caller counted: an empty list is a bug. */
static paddr_t list_take(const struct vm_space *s, struct table_list *l)
{
	paddr_t pa = l->tl_head;

	if (pa == VM_LIST_END)
		__builtin_trap();
	l->tl_head = *table_ptr(s, pa);
	table_zero(s, pa);
	return pa;
}

static void list_release(const struct vm_space *s, struct table_list *l)
{
	paddr_t pa;

	while (l->tl_head != VM_LIST_END) {
		pa = l->tl_head;
		l->tl_head = *table_ptr(s, pa);
		table_free(s, pa);
	}
}

/* Allocates n tables onto an empty list, or none at all. */
static int list_fill(const struct vm_space *s, struct table_list *l, size_t n)
{
	paddr_t pa;
	int rc;

	for (; n > 0; n--) {
		rc = table_alloc(s, &pa);
		if (rc) {
			list_release(s, l);
			return rc;
		}
		list_push(s, l, pa);
	}
	return 0;
}

/*
 * Walks towards va's entry at level stop and returns the entry where the
 * walk ended: the one at level stop, or a non-present or leaf entry above
 * it. *level receives that entry's level. Stop at 0 to find what maps va.
 */
static uint64_t *pte_find(const struct vm_space *s, uintptr_t va, int stop,
			  int *level)
{
	paddr_t table = s->vs_root;
	uint64_t *pte;
	uint64_t e;
	int l;

	for (l = VM_ROOT_LEVEL;; l--) {
		pte = table_ptr(s, table) + pte_index(va, l);
		e = pte_get(pte);
		if (l == stop || !(e & PTE_P) || pte_is_leaf(e, l))
			break;
		table = e & PTE_ADDR_MASK;
	}
	*level = l;
	return pte;
}

/* Checks va, len: aligned, non-empty, canonical, in one half. */
static int range_check(uintptr_t va, size_t len)
{
	uintptr_t last = va + len - 1;

	if (len == 0 || (va | len) & (PAGE_SIZE - 1) || last < va)
		return -EINVAL;
	if (!va_is_canonical(va) || !va_is_canonical(last) || (va ^ last) >> 47)
		return -EINVAL;
	return 0;
}

static int prot_check(unsigned int prot)
{
	if (prot & ~VM_PROT_MASK)
		return -EINVAL;
	if ((prot & (VM_WRITE | VM_EXEC)) == (VM_WRITE | VM_EXEC))
		return -EINVAL;
	return 0;
}

static int map_check(uintptr_t va, paddr_t pa, size_t len, unsigned int prot,
		     size_t max_page)
{
	if (max_page != PAGE_SIZE && max_page != PAGE_SIZE_2M &&
	    max_page != PAGE_SIZE_1G)
		return -EINVAL;
	if (pa & (PAGE_SIZE - 1) || len > VM_PHYS_LIMIT ||
	    pa > VM_PHYS_LIMIT - len)
		return -EINVAL;
	if (prot_check(prot))
		return -EINVAL;
	return range_check(va, len);
}

/* Level of the largest page that fits va, pa, left bytes and max_page. */
static int map_level(uintptr_t va, paddr_t pa, size_t left, size_t max_page)
{
	int l;

	for (l = 2; l > 0; l--) {
		uintptr_t size = level_size(l);

		if (size <= max_page && size <= left &&
		    !((va | pa) & (size - 1)))
			break;
	}
	return l;
}

/*
 * Counts the tables a leaf at va, level leaf, needs when the walk found
 * nothing at level l: one per level below l. Tables an earlier page of
 * the same call needs too are counted once; pages come in address order,
 * so remembering the last new table of each level is enough.
 */
static size_t map_count_new(uintptr_t va, int l, int leaf, uintptr_t *last)
{
	size_t n = 0;
	uintptr_t base;
	int j;

	for (j = l - 1; j >= leaf; j--) {
		base = va & ~(level_size(j + 1) - 1);
		if (last[j] != base) {
			last[j] = base;
			n++;
		}
	}
	return n;
}

/*
 * Pages of level leaf, from va on, that vm_map() maps in one table: up to
 * the end of that table or of the range. map_level() picks the same level
 * for each of them: none but the first could start a larger page (that
 * would begin a new table), and all stay aligned and within the range.
 */
static size_t map_run(uintptr_t va, size_t left, int leaf)
{
	size_t in_table = VM_ENTRIES - pte_index(va, leaf);
	size_t in_range = left >> level_shift(leaf);

	return in_table < in_range ? in_table : in_range;
}

/* Read-only pass of vm_map(): -EEXIST, or the number of tables to add. */
static int map_prepare(const struct vm_space *s, uintptr_t va, paddr_t pa,
		       size_t len, size_t max_page, size_t *need)
{
	/* 1 is never a table base; one slot per level that may be new. */
	uintptr_t last[VM_ROOT_LEVEL] = { 1, 1, 1 };
	const uint64_t *pte;
	size_t off, n, i, run;
	int leaf, l;

	*need = 0;
	for (off = 0; off < len; off += run) {
		leaf = map_level(va + off, pa + off, len - off, max_page);
		n = map_run(va + off, len - off, leaf);
		run = n << level_shift(leaf);
		pte = pte_find(s, va + off, leaf, &l);
		/*
		 * At level leaf a present entry is a leaf, or a non-empty
		 * table by the invariant: either way something is mapped.
		 * Above it, one entry spans the whole run.
		 */
		if (l != leaf)
			n = 1;
		for (i = 0; i < n; i++)
			if (pte_get(&pte[i]) & PTE_P)
				return -EEXIST;
		*need += map_count_new(va + off, l, leaf, last);
	}
	return 0;
}

/* Returns va's entry at level stop, linking tables from pool on the way. */
static uint64_t *pte_walk_create(const struct vm_space *s, uintptr_t va,
				 int stop, struct table_list *pool)
{
	paddr_t table = s->vs_root;
	uint64_t *pte;
	uint64_t e;
	int l;

	for (l = VM_ROOT_LEVEL; l > stop; l--) {
		pte = table_ptr(s, table) + pte_index(va, l);
		e = pte_get(pte);
		if (!(e & PTE_P)) {
			e = list_take(s, pool) | PTE_TABLE;
			pte_set(pte, e);
		}
		table = e & PTE_ADDR_MASK;
	}
	return table_ptr(s, table) + pte_index(va, stop);
}

int vm_map(struct vm_space *s, uintptr_t va, paddr_t pa, size_t len,
	   unsigned int prot, size_t max_page)
{
	struct table_list pool = { VM_LIST_END };
	size_t off, need, n, i, step;
	uint64_t *pte, e;
	int leaf, rc;

	rc = map_check(va, pa, len, prot, max_page);
	if (rc)
		return rc;
	rc = map_prepare(s, va, pa, len, max_page, &need);
	if (rc)
		return rc;
	rc = list_fill(s, &pool, need);
	if (rc)
		return rc;

	for (off = 0; off < len; off += n * step) {
		leaf = map_level(va + off, pa + off, len - off, max_page);
		n = map_run(va + off, len - off, leaf);
		step = level_size(leaf);
		pte = pte_walk_create(s, va + off, leaf, &pool);
		e = leaf_make(pa + off, prot, leaf);
		for (i = 0; i < n; i++, e += step)
			pte_set(&pte[i], e);
	}
	list_release(s, &pool); /* empty unless the count was too high */
	return 0;
}

/*
 * Splits needed so that a page starts at b: one per level, from that of
 * the large leaf holding b down, to which b is not aligned. *leaf and
 * *level receive the leaf (or non-present entry) found at b.
 */
static size_t split_count(const struct vm_space *s, uintptr_t b,
			  uint64_t **leaf, int *level)
{
	size_t n = 0;
	int l;

	*leaf = pte_find(s, b, 0, level);
	if (!(pte_get(*leaf) & PTE_P))
		return 0;
	for (l = *level; l > 0 && (b & (level_size(l) - 1)); l--)
		n++;
	return n;
}

/* The range vm_unmap()/vm_protect() flush, widened over split pages. */
struct flush_range {
	uintptr_t fr_start;
	uintptr_t fr_last; /* inclusive, so that it cannot wrap */
};

/*
 * Read-only pass before a split at start and at end = last + 1: counts
 * the tables needed, once when both ends lie in one large page, and
 * widens *fr to the large pages that will be split.
 */
static size_t split_prepare(const struct vm_space *s, uintptr_t start,
			    uintptr_t last, struct flush_range *fr)
{
	uintptr_t end = last + 1;
	uint64_t *leaf_s, *leaf_e;
	size_t n_s, n_e = 0;
	int l_s, l_e;

	n_s = split_count(s, start, &leaf_s, &l_s);
	fr->fr_start = n_s ? start & ~(level_size(l_s) - 1) : start;
	fr->fr_last = last;
	/* A 1 GiB-aligned end needs no split (and may be 0 or 2^47). */
	if (end & (PAGE_SIZE_1G - 1))
		n_e = split_count(s, end, &leaf_e, &l_e);
	if (!n_e)
		return n_s;
	fr->fr_last = end | (level_size(l_e) - 1);
	if (n_s && leaf_e == leaf_s) {
		/* The table that splits the shared page serves both ends... */
		n_e--;
		/*
		 * ...and so does a 4 KiB table, when both ends need one in
		 * the same 2 MiB.
		 */
		if (n_e && start & (PAGE_SIZE_2M - 1) &&
		    !((start ^ end) & ~(PAGE_SIZE_2M - 1)))
			n_e--;
	}
	return n_s + n_e;
}

/*
 * Replaces the large leaf *pte of level l by a table of smaller pages with
 * the same translation and bits. Only the page size changes, so a CPU may
 * use old or new TLB entries until the flush (SDM vol. 3A §4.10.2.3).
 */
static void pte_split(const struct vm_space *s, uint64_t *pte, int l,
		      struct table_list *pool)
{
	uint64_t e = pte_get(pte);
	uint64_t bits = e & PTE_LEAF_BITS;
	paddr_t base = pte_addr(e, l);
	paddr_t table = list_take(s, pool);
	uint64_t *t = table_ptr(s, table);
	unsigned int i;

	if (l > 1)
		bits |= PTE_PS;
	for (i = 0; i < VM_ENTRIES; i++)
		t[i] = (base + i * level_size(l - 1)) | bits;
	pte_set(pte, table | PTE_TABLE);
}

/* Splits until no page straddles b (a page starts at b, or b is free). */
static void split_at(const struct vm_space *s, uintptr_t b,
		     struct table_list *pool)
{
	uint64_t *pte;
	int l;

	for (;;) {
		pte = pte_find(s, b, 0, &l);
		if (!(pte_get(pte) & PTE_P) || !(b & (level_size(l) - 1)))
			return;
		pte_split(s, pte, l, pool);
	}
}

/*
 * Validation done, allocates the tables to split pages at va and at
 * va + len, then splits. *fr receives the range to flush. Fails only
 * before any change.
 */
static int split_range(const struct vm_space *s, uintptr_t va, size_t len,
		       struct flush_range *fr)
{
	struct table_list pool = { VM_LIST_END };
	uintptr_t last = va + len - 1;
	int rc;

	rc = list_fill(s, &pool, split_prepare(s, va, last, fr));
	if (rc)
		return rc;
	split_at(s, va, &pool);
	if ((last + 1) & (PAGE_SIZE_1G - 1))
		split_at(s, last + 1, &pool);
	list_release(s, &pool); /* empty unless the count was too high */
	return 0;
}

static void flush_do(const struct vm_space *s, const struct flush_range *fr)
{
	tlb_flush(s, fr->fr_start, fr->fr_last - fr->fr_start + 1);
}

/* First address an entry of a level-l table maps, the table holding va. */
static __always_inline uintptr_t entry_base(uintptr_t va, int l, unsigned int i)
{
	uintptr_t table_span = level_size(l) * VM_ENTRIES;
	uintptr_t base =
		(va & ~(table_span - 1)) | ((uintptr_t)i << level_shift(l));

	return l == VM_ROOT_LEVEL ? sign_extend(base) : base;
}

/*
 * Clears the leaves in [start, last] of the level-l table at pa, all
 * wholly inside after the splits. Child tables left empty are unlinked
 * onto dead. Returns the number of leaves cleared.
 */
static size_t unmap_table(const struct vm_space *s, paddr_t pa, int l,
			  uintptr_t start, uintptr_t last,
			  struct table_list *dead)
{
	uint64_t *t = table_ptr(s, pa);
	unsigned int i;
	uintptr_t base, sub_last;
	size_t n = 0;
	uint64_t e;

	for (i = pte_index(start, l); i <= pte_index(last, l); i++) {
		e = pte_get(&t[i]);
		if (!(e & PTE_P))
			continue;
		if (pte_is_leaf(e, l)) {
			pte_set(&t[i], 0);
			n++;
			continue;
		}
		base = entry_base(start, l, i);
		sub_last = base + (level_size(l) - 1);
		n += unmap_table(s, e & PTE_ADDR_MASK, l - 1,
				 start > base ? start : base,
				 last < sub_last ? last : sub_last, dead);
		if (table_is_empty(s, e & PTE_ADDR_MASK)) {
			pte_set(&t[i], 0);
			list_push(s, dead, e & PTE_ADDR_MASK);
		}
	}
	return n;
}

int vm_unmap(struct vm_space *s, uintptr_t va, size_t len)
{
	struct table_list dead = { VM_LIST_END };
	struct flush_range fr;
	size_t cleared;
	int rc;

	rc = range_check(va, len);
	if (rc)
		return rc;
	rc = split_range(s, va, len, &fr);
	if (rc)
		return rc;
	cleared = unmap_table(s, s->vs_root, VM_ROOT_LEVEL, va, va + len - 1,
			      &dead);
	if (cleared || dead.tl_head != VM_LIST_END)
		flush_do(s, &fr);
	list_release(s, &dead);
	return 0;
}

/*
 * Calls fn on the leaf of every page in [va, va + len), in order, or stops
 * with -ENOENT at the first hole. fn == NULL only checks.
 */
static int range_for_each_leaf(const struct vm_space *s, uintptr_t va,
			       size_t len, unsigned int prot,
			       void (*fn)(uint64_t *pte, unsigned int prot))
{
	uint64_t *pte;
	size_t step;
	int l;

	for (;;) {
		pte = pte_find(s, va, 0, &l);
		if (!(pte_get(pte) & PTE_P))
			return -ENOENT;
		if (fn)
			fn(pte, prot);
		step = level_size(l) - (va & (level_size(l) - 1));
		if (step >= len)
			return 0;
		va += step;
		len -= step;
	}
}

static void leaf_protect(uint64_t *pte, unsigned int prot)
{
	pte_set(pte, (pte_get(pte) & ~PTE_PROT_BITS) | prot_to_pte(prot));
}

int vm_protect(struct vm_space *s, uintptr_t va, size_t len, unsigned int prot)
{
	struct flush_range fr;
	int rc;

	rc = range_check(va, len);
	if (rc || prot_check(prot))
		return -EINVAL;
	rc = range_for_each_leaf(s, va, len, prot, NULL);
	if (rc)
		return rc;
	rc = split_range(s, va, len, &fr);
	if (rc)
		return rc;
	range_for_each_leaf(s, va, len, prot, leaf_protect);
	flush_do(s, &fr);
	return 0;
}

int vm_query(const struct vm_space *s, uintptr_t va, paddr_t *pa,
	     unsigned int *prot, size_t *page_size)
{
	uint64_t e;
	int l;

	if (!va_is_canonical(va))
		return -EINVAL;
	e = pte_get(pte_find(s, va, 0, &l));
	if (!(e & PTE_P))
		return -ENOENT;
	if (pa)
		*pa = pte_addr(e, l) + (va & (level_size(l) - 1));
	if (prot)
		*prot = pte_to_prot(e);
	if (page_size)
		*page_size = level_size(l);
	return 0;
}

struct walk_state {
	const struct vm_space *ws_space;
	vm_walk_fn ws_fn;
	void *ws_arg;
};

static int walk_table(const struct walk_state *w, paddr_t pa, int l,
		      uintptr_t base)
{
	const uint64_t *t = table_ptr(w->ws_space, pa);
	unsigned int i;
	uintptr_t va;
	uint64_t e;
	int rc;

	for (i = 0; i < VM_ENTRIES; i++) {
		e = pte_get(&t[i]);
		if (!(e & PTE_P))
			continue;
		va = entry_base(base, l, i);
		if (pte_is_leaf(e, l))
			rc = w->ws_fn(w->ws_arg, va, pte_addr(e, l),
				      level_size(l), pte_to_prot(e));
		else
			rc = walk_table(w, e & PTE_ADDR_MASK, l - 1, va);
		if (rc)
			return rc;
	}
	return 0;
}

int vm_walk(const struct vm_space *s, vm_walk_fn fn, void *arg)
{
	struct walk_state w = { s, fn, arg };

	return walk_table(&w, s->vs_root, VM_ROOT_LEVEL, 0);
}

static int audit_table(const struct vm_space *s, paddr_t pa, int l,
		       uintptr_t base, size_t *leaves, uintptr_t *bad_va);

/* vm_audit_wx() for entry e, entry i of a level-l table mapping base. */
static int audit_entry(const struct vm_space *s, uint64_t e, int l,
		       uintptr_t base, unsigned int i, size_t *leaves,
		       uintptr_t *bad_va)
{
	if (!(e & PTE_P))
		return 0;
	if (!pte_is_leaf(e, l))
		return audit_table(s, e & PTE_ADDR_MASK, l - 1,
				   entry_base(base, l, i), leaves, bad_va);
	(*leaves)++;
	if ((e & (PTE_RW | PTE_NX)) != PTE_RW)
		return 0;
	*bad_va = entry_base(base, l, i);
	return -EEXIST;
}

/*
 * vm_audit_wx() over the level-l table at pa, which maps from base: one
 * test per entry whatever the size of its page, and one per four empty
 * entries (most of a table, mostly).
 */
static int audit_table(const struct vm_space *s, paddr_t pa, int l,
		       uintptr_t base, size_t *leaves, uintptr_t *bad_va)
{
	const uint64_t *t = table_ptr(s, pa);
	unsigned int g, i;
	uint64_t e;

	/* A page table holds only leaves: the short loop. */
	for (i = 0; l == 0 && i < VM_ENTRIES; i++) {
		e = pte_get(&t[i]);
		if (!(e & PTE_P))
			continue;
		(*leaves)++;
		if ((e & (PTE_RW | PTE_NX)) == PTE_RW) {
			*bad_va = entry_base(base, l, i);
			return -EEXIST;
		}
	}
	for (g = 0; l > 0 && g < VM_ENTRIES; g += 4) {
		if (!((pte_get(&t[g]) | pte_get(&t[g + 1]) |
		       pte_get(&t[g + 2]) | pte_get(&t[g + 3])) &
		      PTE_P))
			continue;
		for (i = g; i < g + 4; i++)
			if (audit_entry(s, pte_get(&t[i]), l, base, i, leaves,
					bad_va))
				return -EEXIST;
	}
	return 0;
}

int vm_audit_wx(const struct vm_space *s, size_t *leaves, uintptr_t *bad_va)
{
	*leaves = 0;
	return audit_table(s, s->vs_root, VM_ROOT_LEVEL, 0, leaves, bad_va);
}

static void free_tables(const struct vm_space *s, paddr_t pa, int l)
{
	const uint64_t *t = table_ptr(s, pa);
	unsigned int i;
	uint64_t e;

	for (i = 0; l > 0 && i < VM_ENTRIES; i++) {
		e = pte_get(&t[i]);
		if ((e & PTE_P) && !pte_is_leaf(e, l))
			free_tables(s, e & PTE_ADDR_MASK, l - 1);
	}
	table_free(s, pa);
}

void vm_space_destroy(struct vm_space *s)
{
	free_tables(s, s->vs_root, VM_ROOT_LEVEL);
	s->vs_root = VM_LIST_END;
	s->vs_ops = NULL;
}

int vm_space_init(struct vm_space *s, const struct vm_ops *ops)
{
	struct vm_space tmp = { 0, ops };
	int rc;

	if (!ops || !ops->alloc_table || !ops->free_table || !ops->flush)
		return -EINVAL;
	rc = table_alloc(&tmp, &tmp.vs_root);
	if (rc)
		return rc;
	table_zero(&tmp, tmp.vs_root);
	*s = tmp;
	return 0;
}
