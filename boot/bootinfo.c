/* SPDX-License-Identifier: MIT */
/*
 * Normalises the multiboot1, multiboot2 and PVH hand-offs into struct
 * boot_info. Every loader field is bounds-checked: a malformed structure
 * gives an error string, never a wild read past what the loader declared.
 * Specs: Multiboot 0.6.96 §3.3, Multiboot2 1.6 §3.6, Xen
 * arch-x86/hvm/start_info.h.
 */
#include "bootinfo.h"

#include <stdbool.h>
#include <stddef.h>

#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER (1u << 9)

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEM 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_EFI32 11
#define MB2_TAG_EFI64 12
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_INFO_MAX (1u << 20) /* sanity bound on total_size */

#define PVH_MAGIC 0x336ec578u
#define RAW_MAX 128

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

struct mb1_mmap {
	uint32_t size; /* of the rest of the entry */
	uint64_t base, length;
	uint32_t type;
} __attribute__((packed));

struct mb1_module {
	uint32_t start, end, string, reserved;
};

struct mb2_tag {
	uint32_t type, size;
};

struct mb2_module {
	struct mb2_tag tag;
	uint32_t start, end;
	char string[];
};

struct mb2_mmap {
	struct mb2_tag tag;
	uint32_t entry_size, entry_version;
};

struct pvh_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct pvh_module {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct pvh_memmap {
	uint64_t addr, size;
	uint32_t type, reserved;
};

_Static_assert(sizeof(struct mb1_info) == 68, "multiboot1 info layout");
_Static_assert(sizeof(struct mb1_mmap) == 24, "multiboot1 mmap layout");
_Static_assert(sizeof(struct pvh_start_info) == 56, "PVH start_info layout");
_Static_assert(sizeof(struct pvh_memmap) == 24, "PVH memmap layout");
_Static_assert(sizeof(struct pvh_module) == 32, "PVH module layout");
_Static_assert(sizeof(struct mb1_module) == 16, "multiboot1 module layout");
_Static_assert(sizeof(struct mb2_tag) == 8, "multiboot2 tag layout");
_Static_assert(sizeof(struct mb2_module) == 16, "multiboot2 module layout");
_Static_assert(sizeof(struct mb2_mmap) == 16, "multiboot2 mmap tag layout");

/* Raw ranges as the loader gave them, before normalisation. Boot runs once
 * on one CPU, so a static scratch area is enough. */
static struct boot_mem_range raw[RAW_MAX];
static uint32_t raw_count;
/* multiboot2 basic memory information (KiB), a fallback for no map. */
static uint32_t basic_lower, basic_upper;

static const void *phys(uintptr_t base, uint64_t pa)
{
	return (const void *)(base + (uintptr_t)pa);
}

/* Loader structures must lie inside the boot identity map (4 GiB). */
#define PHYS_LIMIT (1ull << 32)
#define STR_MAX 65536 /* longest loader string we scan */

static bool phys_ok(uint64_t pa, uint64_t len)
{
	return pa < PHYS_LIMIT && len <= PHYS_LIMIT - pa;
}

/* How many bytes of a string at pa may be read. */
static size_t str_room(uint64_t pa)
{
	if (pa >= PHYS_LIMIT)
		return 0;
	return PHYS_LIMIT - pa < STR_MAX ? PHYS_LIMIT - pa : STR_MAX;
}

static void set_error(struct boot_info *bi, const char *msg)
{
	size_t i;

	for (i = 0; msg[i] && i + 1 < sizeof(bi->error); i++)
		bi->error[i] = msg[i];
	bi->error[i] = '\0';
}

/* Copies at most dst_size - 1 bytes of a loader string, reading at most
 * `room` bytes; returns true when the whole string fitted. */
static bool copy_str(char *dst, size_t dst_size, const char *src, size_t room)
{
	size_t i;

	for (i = 0; i < room && src[i] && i + 1 < dst_size; i++)
		dst[i] = src[i];
	dst[i] = '\0';
	/* room 0: a pointer outside the map, taken as no string at all. */
	return room == 0 || (i < room && src[i] == '\0');
}

static void set_cmdline(struct boot_info *bi, const char *s, size_t room,
			bool skip_path)
{
	if (skip_path) {
		while (room && *s && *s != ' ') {
			s++;
			room--;
		}
	}
	while (room && *s == ' ') {
		s++;
		room--;
	}
	bi->cmdline_truncated =
		!copy_str(bi->cmdline, sizeof(bi->cmdline), s, room);
}

static void add_module(struct boot_info *bi, uint64_t start, uint64_t end,
		       const char *name, size_t room)
{
	struct boot_module *m;

	if (bi->module_count >= BOOT_MODULES_MAX || end < start)
		return;
	m = &bi->modules[bi->module_count++];
	m->start = start;
	m->end = end;
	copy_str(m->name, sizeof(m->name), name ? name : "", name ? room : 1);
}

void bootinfo_mmap_add(struct boot_info *bi, uint64_t base, uint64_t length,
		       uint32_t type)
{
	if (length == 0)
		return;
	if (raw_count >= RAW_MAX) {
		bi->mmap_truncated = 1;
		return;
	}
	if (type < BOOT_MEM_USABLE || type > BOOT_MEM_BAD)
		type = BOOT_MEM_RESERVED;
	if (base + length < base)
		length = UINT64_MAX - base;
	raw[raw_count++] = (struct boot_mem_range){ base, length, type, 0 };
}

/* The more restrictive type wins an overlap. */
static int type_rank(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_USABLE:
		return 1;
	case BOOT_MEM_ACPI_RECLAIM:
		return 2;
	case BOOT_MEM_ACPI_NVS:
		return 3;
	case BOOT_MEM_RESERVED:
		return 4;
	default:
		return 5;
	}
}

static uint32_t type_at(uint64_t a, uint64_t b)
{
	uint32_t type = 0;
	uint32_t i;

	for (i = 0; i < raw_count; i++) {
		uint64_t end = raw[i].base + raw[i].length;

		if (raw[i].base <= a && end >= b &&
		    (type == 0 || type_rank(raw[i].type) > type_rank(type)))
			type = raw[i].type;
	}
	return type;
}

static void emit_range(struct boot_info *bi, uint64_t a, uint64_t b,
		       uint32_t type)
{
	struct boot_mem_range *last = NULL;

	if (bi->mmap_count)
		last = &bi->mmap[bi->mmap_count - 1];
	if (last && last->type == type && last->base + last->length == a) {
		last->length += b - a;
		return;
	}
	if (bi->mmap_count >= BOOT_MMAP_MAX) {
		bi->mmap_truncated = 1;
		return;
	}
	bi->mmap[bi->mmap_count++] =
		(struct boot_mem_range){ a, b - a, type, 0 };
}

static void sort_points(uint64_t *p, uint32_t n)
{
	uint32_t i, j;

	for (i = 1; i < n; i++) {
		uint64_t v = p[i];

		for (j = i; j > 0 && p[j - 1] > v; j--)
			p[j] = p[j - 1];
		p[j] = v;
	}
}

void bootinfo_mmap_normalise(struct boot_info *bi)
{
	static uint64_t points[2 * RAW_MAX];
	uint32_t n = 0, i;

	for (i = 0; i < raw_count; i++) {
		points[n++] = raw[i].base;
		points[n++] = raw[i].base + raw[i].length;
	}
	sort_points(points, n);
	bi->mmap_count = 0;
	for (i = 0; i + 1 < n; i++) {
		uint32_t type;

		if (points[i] == points[i + 1])
			continue;
		type = type_at(points[i], points[i + 1]);
		if (type)
			emit_range(bi, points[i], points[i + 1], type);
	}
	raw_count = 0;
}

static void begin(struct boot_info *bi, uint32_t loader)
{
	bi->version = BOOT_INFO_VERSION;
	bi->loader = loader;
	raw_count = 0;
	basic_lower = basic_upper = 0;
}

/* The multiboot "basic memory" pair: KiB below 640 KiB and above 1 MiB. */
static void add_lower_upper(struct boot_info *bi, uint32_t lower_kib,
			    uint32_t upper_kib)
{
	bootinfo_mmap_add(bi, 0, (uint64_t)lower_kib << 10, BOOT_MEM_USABLE);
	bootinfo_mmap_add(bi, 1 << 20, (uint64_t)upper_kib << 10,
			  BOOT_MEM_USABLE);
}

static void mb1_mmap(struct boot_info *bi, uintptr_t base,
		     const struct mb1_info *mi)
{
	uint32_t off = 0;

	while (off + sizeof(struct mb1_mmap) <= mi->mmap_length) {
		const struct mb1_mmap *e = phys(base, mi->mmap_addr + off);

		/* Malformed: an entry must hold base/len/type and end
		 * inside the map (a huge size would wrap `off`). */
		if (e->size < 20 || e->size > mi->mmap_length - off - 4)
			break;
		bootinfo_mmap_add(bi, e->base, e->length, e->type);
		off += e->size + 4;
	}
}

static void mb1_modules(struct boot_info *bi, uintptr_t base,
			const struct mb1_info *mi)
{
	const struct mb1_module *mod = phys(base, mi->mods_addr);
	uint32_t i, n = mi->mods_count;

	if (n > BOOT_MODULES_MAX)
		n = BOOT_MODULES_MAX;
	if (!phys_ok(mi->mods_addr, (uint64_t)n * sizeof(*mod)))
		return;
	for (i = 0; i < n; i++)
		add_module(bi, mod[i].start, mod[i].end,
			   mod[i].string ? phys(base, mod[i].string) : NULL,
			   str_room(mod[i].string));
}

int bootinfo_from_mb1(struct boot_info *bi, uintptr_t base, uint32_t info)
{
	const struct mb1_info *mi = phys(base, info);

	begin(bi, BOOT_LOADER_MULTIBOOT1);
	bi->firmware = BOOT_FIRMWARE_BIOS;
	if (!phys_ok(info, sizeof(*mi))) {
		set_error(bi, "multiboot1 information lies outside 4 GiB");
		return -BOOT_EINVAL;
	}
	if (mi->flags & MB1_INFO_CMDLINE)
		set_cmdline(bi, phys(base, mi->cmdline), str_room(mi->cmdline),
			    true);
	if (mi->flags & MB1_INFO_LOADER)
		copy_str(bi->loader_name, sizeof(bi->loader_name),
			 phys(base, mi->boot_loader_name),
			 str_room(mi->boot_loader_name));
	if (mi->flags & MB1_INFO_MODS)
		mb1_modules(bi, base, mi);
	if ((mi->flags & MB1_INFO_MMAP) &&
	    phys_ok(mi->mmap_addr, mi->mmap_length)) {
		mb1_mmap(bi, base, mi);
	} else if (mi->flags & MB1_INFO_MEM) {
		add_lower_upper(bi, mi->mem_lower, mi->mem_upper);
	}
	bootinfo_mmap_normalise(bi);
	if (bi->mmap_count == 0) {
		set_error(bi, "multiboot1 loader gave no memory map");
		return -BOOT_EINVAL;
	}
	return 0;
}

static void mb2_mmap(struct boot_info *bi, const struct mb2_mmap *t)
{
	const uint8_t *p = (const uint8_t *)(t + 1);
	const uint8_t *end = (const uint8_t *)t + t->tag.size;

	if (t->entry_size < 20)
		return;
	for (; p + t->entry_size <= end; p += t->entry_size) {
		struct pvh_memmap e; /* same layout as a multiboot2 entry */

		/* Copied: an entry size that is not a multiple of 8 (the spec
		 * says it is) would make a direct read misaligned. */
		__builtin_memcpy(&e, p, 20);
		bootinfo_mmap_add(bi, e.addr, e.size, e.type);
	}
}

static void mb2_acpi(struct boot_info *bi, const struct mb2_tag *t)
{
	uint32_t len = t->size - sizeof(*t);
	const uint8_t *src = (const uint8_t *)(t + 1);
	uint32_t i;

	if (len < 20 || (bi->rsdp && t->type == MB2_TAG_ACPI_OLD))
		return; /* keep the ACPI 2.0 copy over the 1.0 one */
	if (len > sizeof(bi->rsdp_copy))
		len = sizeof(bi->rsdp_copy);
	for (i = 0; i < len; i++)
		bi->rsdp_copy[i] = src[i];
	bi->rsdp = (uintptr_t)bi->rsdp_copy;
}

static bool is_string_tag(uint32_t type)
{
	return type == MB2_TAG_CMDLINE || type == MB2_TAG_LOADER ||
	       type == MB2_TAG_MODULE;
}

static void mb2_basic_mem(const struct mb2_tag *t)
{
	const uint32_t *mem = (const uint32_t *)(t + 1);

	/* Used only when the loader gives no memory map tag. */
	if (t->size >= sizeof(*t) + 8) {
		basic_lower = mem[0];
		basic_upper = mem[1];
	}
}

static void mb2_tag(struct boot_info *bi, const struct mb2_tag *t)
{
	const struct mb2_module *mod = (const void *)t;

	switch (t->type) {
	case MB2_TAG_CMDLINE:
		set_cmdline(bi, (const char *)(t + 1), t->size - sizeof(*t),
			    false);
		break;
	case MB2_TAG_LOADER:
		copy_str(bi->loader_name, sizeof(bi->loader_name),
			 (const char *)(t + 1), t->size - sizeof(*t));
		break;
	case MB2_TAG_MODULE:
		if (t->size >= sizeof(*mod) + 1)
			add_module(bi, mod->start, mod->end, mod->string,
				   t->size - sizeof(*mod));
		break;
	case MB2_TAG_MMAP:
		if (t->size >= sizeof(struct mb2_mmap))
			mb2_mmap(bi, (const void *)t);
		break;
	case MB2_TAG_BASIC_MEM:
		mb2_basic_mem(t);
		break;
	case MB2_TAG_EFI32:
	case MB2_TAG_EFI64:
		bi->firmware = BOOT_FIRMWARE_UEFI;
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		mb2_acpi(bi, t);
		break;
	default:
		break;
	}
}

int bootinfo_from_mb2(struct boot_info *bi, uintptr_t base, uint32_t info)
{
	const uint8_t *start = phys(base, info);
	uint32_t total, off = 8;

	begin(bi, BOOT_LOADER_MULTIBOOT2);
	bi->firmware = BOOT_FIRMWARE_BIOS;
	if (!phys_ok(info, 8)) {
		set_error(bi, "multiboot2 information lies outside 4 GiB");
		return -BOOT_EINVAL;
	}
	total = *(const uint32_t *)start;
	if (total < 16 || total > MB2_INFO_MAX || !phys_ok(info, total)) {
		set_error(bi, "multiboot2 information has a bad total_size");
		return -BOOT_EINVAL;
	}
	while (off + sizeof(struct mb2_tag) <= total) {
		const struct mb2_tag *t = (const void *)(start + off);

		if (t->type == MB2_TAG_END)
			break;
		/* A tag must hold its header and stay inside the block;
		 * strings must end inside their tag. */
		if (t->size < sizeof(*t) || t->size > total - off) {
			set_error(bi,
				  "multiboot2 tag overruns the information");
			return -BOOT_EINVAL;
		}
		if (is_string_tag(t->type) &&
		    (t->size <= sizeof(*t) ||
		     start[off + t->size - 1] != '\0')) {
			set_error(bi,
				  "multiboot2 string tag is not terminated");
			return -BOOT_EINVAL;
		}
		mb2_tag(bi, t);
		off += (t->size + 7) & ~7u;
	}
	if (raw_count == 0)
		add_lower_upper(bi, basic_lower, basic_upper);
	bootinfo_mmap_normalise(bi);
	if (bi->mmap_count == 0) {
		set_error(bi, "multiboot2 loader gave no memory map");
		return -BOOT_EINVAL;
	}
	return 0;
}

static void pvh_modules(struct boot_info *bi, uintptr_t base,
			const struct pvh_start_info *si)
{
	const struct pvh_module *mod = phys(base, si->modlist_paddr);
	uint32_t i, n = si->nr_modules;

	if (n > BOOT_MODULES_MAX)
		n = BOOT_MODULES_MAX;
	if (!si->modlist_paddr ||
	    !phys_ok(si->modlist_paddr, (uint64_t)n * sizeof(*mod)))
		return;
	for (i = 0; i < n; i++) {
		uint64_t name = mod[i].cmdline_paddr;

		add_module(bi, mod[i].paddr, mod[i].paddr + mod[i].size,
			   name ? phys(base, name) : NULL, str_room(name));
	}
}

static void pvh_memmap(struct boot_info *bi, uintptr_t base,
		       const struct pvh_start_info *si)
{
	const struct pvh_memmap *mm = phys(base, si->memmap_paddr);
	uint32_t i, n = si->memmap_entries;

	if (n > RAW_MAX) {
		bi->mmap_truncated = 1;
		n = RAW_MAX;
	}
	if (!phys_ok(si->memmap_paddr, (uint64_t)n * sizeof(*mm)))
		return;
	for (i = 0; i < n; i++)
		bootinfo_mmap_add(bi, mm[i].addr, mm[i].size, mm[i].type);
}

int bootinfo_from_pvh(struct boot_info *bi, uintptr_t base, uint32_t info)
{
	const struct pvh_start_info *si = phys(base, info);

	begin(bi, BOOT_LOADER_PVH);
	bi->firmware = BOOT_FIRMWARE_NONE;
	if (!phys_ok(info, sizeof(*si)) || si->magic != PVH_MAGIC) {
		set_error(bi, "PVH start_info is outside 4 GiB or has a bad "
			      "magic");
		return -BOOT_EINVAL;
	}
	if (si->cmdline_paddr)
		set_cmdline(bi, phys(base, si->cmdline_paddr),
			    str_room(si->cmdline_paddr), false);
	bi->rsdp = si->rsdp_paddr;
	pvh_modules(bi, base, si);
	if (si->version >= 1 && si->memmap_paddr)
		pvh_memmap(bi, base, si);
	bootinfo_mmap_normalise(bi);
	if (bi->mmap_count == 0) {
		set_error(bi, "PVH loader gave no memory map");
		return -BOOT_EINVAL;
	}
	return 0;
}

/* "RSD PTR " as one little-endian load. */
#define RSDP_SIG 0x2052545020445352ull

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static bool rsdp_valid(const uint8_t *p)
{
	uint8_t sum = 0;
	int i;

	if (load64(p) != RSDP_SIG)
		return false;
	for (i = 0; i < 20; i++)
		sum += p[i];
	return sum == 0;
}

/*
 * The scan tries thousands of places (five thousand before QEMU's), so
 * the first loop only looks for the signature, four places per step, and
 * the second checks from the first hit on.
 */
static uint64_t scan_rsdp(uintptr_t base, uint64_t start, uint64_t len)
{
	uint64_t pa = start, end = start + len;
	const uint8_t *q;

	for (; pa + 48 + 20 <= end; pa += 64) {
		q = phys(base, pa);
		if (load64(q) == RSDP_SIG || load64(q + 16) == RSDP_SIG ||
		    load64(q + 32) == RSDP_SIG || load64(q + 48) == RSDP_SIG)
			break;
	}
	for (; pa + 20 <= end; pa += 16) {
		if (rsdp_valid(phys(base, pa)))
			return pa;
	}
	return 0;
}

uint64_t bootinfo_find_rsdp(uintptr_t base, uint32_t ebda_segment)
{
	uint64_t ebda = (uint64_t)ebda_segment << 4;
	uint64_t pa = 0;

	/* The EBDA lives below 640 KiB; anything else is a stale BDA word. */
	if (ebda >= 0x80000 && ebda < 0xa0000)
		pa = scan_rsdp(base, ebda, 1024);
	if (!pa)
		pa = scan_rsdp(base, 0xe0000, 0x20000);
	return pa;
}
