/* SPDX-License-Identifier: MIT */
/*
 * Memory set-up (<kernel/mm.h>). The boot identity map covers only the
 * first 4 GiB, so the new tables come from a bump allocator over low RAM
 * just above the image; once the kernel runs on them every frame is
 * reachable and the buddy allocator takes over the rest, with the bump
 * pages reserved. Then the heap starts over the buddy allocator.
 */
#include <kernel/mm.h>

#include <boot/boot_info.h>
#include <kernel/arch.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/random.h>
#include <kernel/sections.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/vm.h>

#define LOW_UNMAPPED 0x10000ul /* never mapped: NULL and small offsets */
#define LEGACY_END 0x100000ul /* BIOS data, EBDA, VGA, option ROMs */
#define BOOT_MAP_LIMIT (1ul << 32) /* what the boot identity map covers */
#define RESERVED_MAX (BOOT_MODULES_MAX + 4)

/* [c] boot CPU during mm_init(), then read-only. */
static struct {
	paddr_t next, end; /* bump allocator for the first tables */
	paddr_t start;
	bool done; /* tables now come from the pmm */
} bump;

static struct vm_space kernel_space; /* [G vm lock] to change */
static struct spinlock vm_lock = SPINLOCK_INIT("vm");
static bool kernel_space_live; /* [c] CR3 holds kernel_space.vs_root */

static bool overlaps_module(const struct boot_info *bi, paddr_t pa)
{
	uint32_t i;

	for (i = 0; i < bi->module_count; i++) {
		if (pa + PAGE_SIZE > bi->modules[i].start &&
		    pa < bi->modules[i].end)
			return true;
	}
	return false;
}

static int table_alloc(void *ctx, paddr_t *out)
{
	const struct boot_info *bi = ctx;

	if (bump.done)
		return pmm_alloc_page(out);
	while (bump.next < bump.end && overlaps_module(bi, bump.next))
		bump.next += PAGE_SIZE;
	if (bump.next >= bump.end)
		return -ENOMEM;
	*out = bump.next;
	bump.next += PAGE_SIZE;
	return 0;
}

static void table_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	if (bump.done && (pa < bump.start || pa >= bump.end))
		pmm_free_page(pa);
	/* A bump page freed during set-up just stays reserved. */
}

static void table_flush(void *ctx, uintptr_t va, size_t len)
{
	(void)ctx;
	arch_tlb_flush(va, len);
	smp_tlb_shootdown(va, len);
}

static struct vm_ops kernel_vm_ops = {
	.alloc_table = table_alloc,
	.free_table = table_free,
	.flush = table_flush,
};

/* The bump allocator runs from the image end to the end of its RAM range
 * (capped to what the boot map reaches). */
static void bump_setup(const struct boot_info *bi)
{
	paddr_t img_end = bi->image_end;
	uint32_t i;

	for (i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *r = &bi->mmap[i];
		paddr_t end = r->base + r->length;

		if (r->type != BOOT_MEM_USABLE || img_end < r->base ||
		    img_end >= end)
			continue;
		bump.start = bump.next = PAGE_ALIGN_UP(img_end);
		bump.end = PAGE_ALIGN_DOWN(
			end < BOOT_MAP_LIMIT ? end : BOOT_MAP_LIMIT);
		return;
	}
	PANIC("mm: the image does not lie in usable RAM");
}

static void map_or_panic(uintptr_t va, size_t len, unsigned int prot,
			 size_t max_page)
{
	int rc;

	if (len == 0)
		return;
	rc = vm_map(&kernel_space, va, va, len, prot, max_page);
	if (rc)
		PANIC("mm: cannot map 0x%lx-0x%lx (%d)", va, va + len, rc);
}

/* Maps [a, b) of the direct map around the image, which is mapped apart. */
static void map_direct(paddr_t a, paddr_t b, size_t max_page,
		       unsigned int extra)
{
	paddr_t img_a = (uintptr_t)__image_start;
	paddr_t img_b = (uintptr_t)__image_end;

	a = PAGE_ALIGN_UP(a < LEGACY_END ? LEGACY_END : a);
	b = PAGE_ALIGN_DOWN(b);
	if (a >= b)
		return;
	if (b <= img_a || a >= img_b) {
		map_or_panic(a, b - a, VM_WRITE | extra, max_page);
		return;
	}
	if (a < img_a)
		map_or_panic(a, img_a - a, VM_WRITE | extra, max_page);
	if (b > img_b)
		map_or_panic(img_b, b - img_b, VM_WRITE | extra, max_page);
}

static void map_image(void)
{
	uintptr_t text = (uintptr_t)__image_start;
	uintptr_t ro = (uintptr_t)__rodata_start;
	uintptr_t rw = (uintptr_t)__rodata_end;
	uintptr_t guard = (uintptr_t)boot_stack_guard;
	uintptr_t end = (uintptr_t)__image_end;

	map_or_panic(text, ro - text, VM_EXEC, PAGE_SIZE);
	map_or_panic(ro, rw - ro, VM_READ, PAGE_SIZE);
	map_or_panic(rw, guard - rw, VM_WRITE, PAGE_SIZE);
	map_or_panic(guard + PAGE_SIZE, end - guard - PAGE_SIZE, VM_WRITE,
		     PAGE_SIZE);
}

static void build_kernel_space(const struct boot_info *bi)
{
	size_t max_page = arch_has_1g_pages() ? PAGE_SIZE_1G : PAGE_SIZE_2M;
	uint32_t i;

	kernel_vm_ops.ctx = (void *)bi;
	if (vm_space_init(&kernel_space, &kernel_vm_ops))
		PANIC("mm: no memory for the first page table");
	/* Firmware areas below 1 MiB (BDA, EBDA, VGA, ACPI in the BIOS
	 * segment) whatever the map says; never the low 64 KiB. */
	map_or_panic(LOW_UNMAPPED, LEGACY_END - LOW_UNMAPPED, VM_WRITE,
		     PAGE_SIZE);
	map_image();
	for (i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *r = &bi->mmap[i];

		/* Reserved ranges above 4 GiB are address holes, not
		 * firmware tables; below, they may be device memory (q35's
		 * PCIe ECAM), so they are mapped uncached. */
		if (r->type == BOOT_MEM_BAD ||
		    (r->type == BOOT_MEM_RESERVED && r->base >= BOOT_MAP_LIMIT))
			continue;
		map_direct(r->base, r->base + r->length, max_page,
			   r->type == BOOT_MEM_RESERVED ? VM_UNCACHED : 0);
	}
	arch_set_page_root(kernel_space.vs_root);
	kernel_space_live = true;
}

static void start_pmm(const struct boot_info *bi)
{
	struct pmm_range usable[BOOT_MMAP_MAX], reserved[RESERVED_MAX];
	size_t nu = 0, nr = 0;
	uint32_t i;
	int rc;

	for (i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *r = &bi->mmap[i];

		if (r->type == BOOT_MEM_USABLE)
			usable[nu++] =
				(struct pmm_range){ r->base,
						    r->base + r->length };
	}
	reserved[nr++] = (struct pmm_range){ 0, LOW_UNMAPPED };
	reserved[nr++] = (struct pmm_range){ bi->image_start, bi->image_end };
	reserved[nr++] = (struct pmm_range){ bump.start, bump.next };
	for (i = 0; i < bi->module_count; i++)
		reserved[nr++] = (struct pmm_range){ bi->modules[i].start,
						     bi->modules[i].end };
	rc = pmm_init(usable, nu, reserved, nr, 0);
	if (rc)
		PANIC("mm: frame allocator found no usable RAM (%d)", rc);
	bump.end = bump.next; /* what pmm_init saw reserved */
	bump.done = true;
}

/* The heap takes whole power-of-two runs of frames from the buddy
 * allocator, reached through the direct map. */
static unsigned int order_of(size_t npages)
{
	unsigned int order = 0;

	while ((1ul << order) < npages)
		order++;
	return order;
}

static int heap_pages_alloc(void *ctx, size_t npages, uintptr_t *va)
{
	paddr_t pa;
	int rc;

	(void)ctx;
	if (npages == 0 || npages > (1ul << PMM_MAX_ORDER))
		return -ENOMEM;
	rc = pmm_alloc(order_of(npages), &pa);
	if (rc)
		return rc;
	*va = pa;
	return 0;
}

static void heap_pages_free(void *ctx, uintptr_t va, size_t npages)
{
	(void)ctx;
	if (pmm_free(va, order_of(npages)))
		heap_violation("pages returned twice or never taken",
			       (void *)va);
}

static const struct heap_page_ops heap_ops = {
	.alloc_pages = heap_pages_alloc,
	.free_pages = heap_pages_free,
};

static void start_heap(void)
{
	struct heap_config cfg = {
		.ops = &heap_ops,
		.key = random_u64() | 1,
		.poison = IS_ENABLED(CONFIG_DEBUG),
	};

	if (heap_init(&cfg))
		PANIC("mm: heap set-up failed");
}

/* Proves W^X: no leaf mapping of the kernel space is both. */
static void log_summary(void)
{
	struct pmm_stats st;
	size_t leaves;
	uintptr_t bad;

	if (vm_audit_wx(&kernel_space, &leaves, &bad))
		PANIC("mm: page at 0x%lx is writable and executable", bad);
	if (!log_is_enabled(LOG_INFO))
		return;
	pmm_get_stats(&st);
	log_info("mm: %lu KiB free of %lu KiB; W^X audit: %lu mappings, "
		 "none writable and executable\n",
		 st.free_pages * (PAGE_SIZE / 1024),
		 st.total_pages * (PAGE_SIZE / 1024), leaves);
}

void mm_init(const struct boot_info *bi)
{
	/* Without NX, bit 63 of every non-executable entry is reserved and
	 * the first access would fault: say why instead. */
	if (!arch_has_nx())
		PANIC("mm: this CPU has no NX bit, so W^X cannot be enforced");
	bump_setup(bi);
	build_kernel_space(bi);
	start_pmm(bi);
	start_heap();
	log_summary();
}

static bool range_ok(paddr_t pa, size_t len)
{
	return len && pa + len > pa && pa + len <= (1ull << 47);
}

int mm_map_mmio(paddr_t pa, size_t len)
{
	paddr_t a = PAGE_ALIGN_DOWN(pa), b;
	int rc;

	if (!range_ok(pa, len) || pa < LOW_UNMAPPED)
		return -EINVAL;
	b = PAGE_ALIGN_UP(pa + len);
	rc = 0;
	spin_lock(&vm_lock);
	for (; a < b && !rc; a += PAGE_SIZE) {
		paddr_t cur;
		unsigned int prot;
		size_t size;

		if (vm_query(&kernel_space, a, &cur, &prot, &size) == 0) {
			/* RAM or the image: never device memory. */
			if (cur != a || !(prot & VM_UNCACHED))
				rc = -EEXIST;
			continue;
		}
		rc = vm_map(&kernel_space, a, a, PAGE_SIZE,
			    VM_WRITE | VM_UNCACHED, PAGE_SIZE);
	}
	spin_unlock(&vm_lock);
	return rc;
}

static bool boot_map_covers(uintptr_t va, size_t len)
{
	uintptr_t guard = (uintptr_t)boot_stack_guard;

	return va >= LOW_UNMAPPED && va + len <= BOOT_MAP_LIMIT &&
	       (va + len <= guard || va >= guard + PAGE_SIZE);
}

bool mm_is_mapped(uintptr_t va, size_t len)
{
	uintptr_t a = PAGE_ALIGN_DOWN(va);
	paddr_t pa;
	unsigned int prot;
	size_t size;

	if (!range_ok(va, len))
		return false;
	if (!kernel_space_live) /* the boot map is still in force */
		return boot_map_covers(va, len);
	while (a < va + len) {
		if (vm_query(&kernel_space, a, &pa, &prot, &size))
			return false;
		a = (a & ~(size - 1)) + size;
	}
	return true;
}

/* Page-by-page mappings for mmap (<kernel/mm.h>): 4 KiB pages only. */
int mm_map_pages(uintptr_t va, paddr_t pa, size_t len, unsigned int vm_prot)
{
	int rc;

	spin_lock(&vm_lock);
	rc = vm_map(&kernel_space, va, pa, len, vm_prot, PAGE_SIZE);
	spin_unlock(&vm_lock);
	return rc;
}

int mm_unmap_pages(uintptr_t va, size_t len)
{
	int rc;

	spin_lock(&vm_lock);
	rc = vm_unmap(&kernel_space, va, len);
	spin_unlock(&vm_lock);
	return rc;
}

int mm_protect_pages(uintptr_t va, size_t len, unsigned int vm_prot)
{
	int rc;

	spin_lock(&vm_lock);
	rc = vm_protect(&kernel_space, va, len, vm_prot);
	spin_unlock(&vm_lock);
	return rc;
}

int mm_query(uintptr_t va, paddr_t *pa, unsigned int *vm_prot)
{
	return vm_query(&kernel_space, va, pa, vm_prot, NULL);
}
