/* SPDX-License-Identifier: MIT */
/* Which initrd archive the kernel hands to libos (<kernel/initrd.h>). */
#include <kernel/initrd.h>

#include <boot/boot_info.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/page.h>
#include <kernel/sections.h>
#include <kernel/vm.h>

/* [c] boot CPU in kernel_initrd_init(), then read-only. */
static const void *initrd_base;
static size_t initrd_len;

/* The module's whole pages become read-only in the direct map; the
 * partial pages at its ends may share a frame with other data and keep
 * their mapping. Its frames stay reserved (mm.c reserves every module).
 * Returns the number of pages made read-only. */
static unsigned long protect_module(paddr_t start, paddr_t end)
{
	paddr_t a = PAGE_ALIGN_UP(start), b = PAGE_ALIGN_DOWN(end);
	int rc;

	if (a >= b)
		return 0;
	rc = mm_protect_pages(a, b - a, VM_READ);
	if (rc) {
		log_warn("initrd: cannot make 0x%lx-0x%lx read-only (%d)\n",
			 (unsigned long)a, (unsigned long)b, rc);
		return 0;
	}
	return (b - a) / PAGE_SIZE;
}

void kernel_initrd_init(const struct boot_info *bi)
{
	if (bi->module_count > 0 &&
	    !mm_is_mapped(bi->modules[0].start,
			  bi->modules[0].end - bi->modules[0].start)) {
		log_warn("initrd: boot module at 0x%lx-0x%lx is empty or not "
			 "in mapped RAM; ignored\n",
			 (unsigned long)bi->modules[0].start,
			 (unsigned long)bi->modules[0].end);
	} else if (bi->module_count > 0) {
		const struct boot_module *m = &bi->modules[0];
		unsigned long ro;

		initrd_base = (const void *)(uintptr_t)m->start;
		initrd_len = m->end - m->start;
		ro = protect_module(m->start, m->end);
		log_info("initrd: boot module '%s' at 0x%lx-0x%lx (%lu bytes, "
			 "%lu pages read-only)\n",
			 m->name, (unsigned long)m->start,
			 (unsigned long)m->end, (unsigned long)initrd_len, ro);
		if (bi->module_count > 1)
			log_warn("initrd: %u boot modules, using the first\n",
				 bi->module_count);
		return;
	}
	initrd_len = (size_t)(__initrd_end - __initrd_start);
	initrd_base = initrd_len ? __initrd_start : NULL;
	log_info("initrd: %s (%lu bytes)\n",
		 initrd_len ? "embedded in the image" : "none",
		 (unsigned long)initrd_len);
}

const void *kernel_initrd(size_t *len)
{
	if (len)
		*len = initrd_len;
	return initrd_base;
}
