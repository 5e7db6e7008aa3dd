/* SPDX-License-Identifier: MIT */
/*
 * kernel_main(): from the normalised boot hand-off to the application's
 * main() and back out through kernel_exit(). Order: CPU tables, consoles,
 * command line (so a bad option is refused before anything else runs),
 * memory, the remaining initcalls, then the one application entry.
 */
#include <stdarg.h>

#include <boot/boot_info.h>
#include <kernel/app.h>
#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <kernel/init.h>
#include <kernel/initrd.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/param.h>
#include <kernel/platform.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/time.h>
#include <kernel/power.h>
#include <kernel/sections.h>
#include <kernel/stack.h>
#include <kernel/string.h>

#define MAIN_STACK_DEFAULT (128ul << 10)

static char cmdline_buf[BOOT_CMDLINE_MAX];
static struct cmdline cmdline;
static size_t main_stack_size = MAIN_STACK_DEFAULT;

/* mosaic.stack=N[K|M]: the size of main()'s stack (default 128K). */
static int set_main_stack(const char *value)
{
	size_t n = 0;
	const char *p = value;

	if (!p || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9' && n <= STACK_SIZE_MAX; p++)
		n = n * 10 + (size_t)(*p - '0');
	if (*p == 'K' || *p == 'k')
		n <<= 10, p++;
	else if (*p == 'M' || *p == 'm')
		n <<= 20, p++;
	if (*p || n == 0 || n > STACK_SIZE_MAX)
		return -EINVAL;
	main_stack_size = n;
	return 0;
}
KERNEL_PARAM("stack", set_main_stack, "a size of 4K to 8188K, e.g. 256K");

/* One line saying why, then the reserved status: nothing else runs. */
static void __noreturn __printf(1, 2) refuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	kernel_exit_raw(KERNEL_EXIT_BADCONF);
}

static void apply_options(const struct cmdline *cl)
{
	char known[256];
	int i, rc;

	for (i = 0; i < cl->cl_optc; i++) {
		const struct cmdline_opt *o = &cl->cl_opts[i];
		const char *help = "";

		rc = kparam_apply(o->co_name, o->co_value, &help);
		if (rc == -ENOENT) {
			kparam_list(known, sizeof(known));
			refuse("mosaic: unknown option 'mosaic.%s' (known: %s)\n",
			       o->co_name, known);
		}
		if (rc)
			refuse("mosaic: bad value '%s' for mosaic.%s "
			       "(expected %s)\n",
			       o->co_value ? o->co_value : "", o->co_name,
			       help);
	}
}

static void parse_cmdline(const struct boot_info *bi)
{
	int rc;

	if (bi->cmdline_truncated)
		refuse("mosaic: command line longer than %d bytes\n",
		       BOOT_CMDLINE_MAX - 1);
	kstrlcpy(cmdline_buf, bi->cmdline, sizeof(cmdline_buf));
	rc = cmdline_parse(cmdline_buf, (char *)mosaic_app_name, &cmdline);
	if (rc == -E2BIG)
		refuse("mosaic: command line has too many words\n");
	if (rc)
		refuse("mosaic: command line has an unterminated quote\n");
	apply_options(&cmdline);
}

static void log_boot_info(const struct boot_info *bi)
{
	static const char *const loaders[] = { "?", "multiboot1", "multiboot2",
					       "pvh" };
	uint32_t i;

	log_info("mosaic: booted by %s (%s), image %#lx-%#lx, rsdp %#lx\n",
		 loaders[bi->loader <= 3 ? bi->loader : 0], bi->loader_name,
		 bi->image_start, bi->image_end, bi->rsdp);
	for (i = 0; i < bi->mmap_count && log_is_enabled(LOG_DEBUG); i++)
		log_debug("mosaic: mem 0x%016lx-0x%016lx type %u\n",
			  bi->mmap[i].base,
			  bi->mmap[i].base + bi->mmap[i].length,
			  bi->mmap[i].type);
}

static int run_app(void *unused)
{
	(void)unused;
	kernel_exit(__kentry_start[0](cmdline.cl_argc, cmdline.cl_argv,
				      cmdline.cl_envp));
}

void kernel_main(const struct boot_info *bi)
{
	struct task_opts main_opts = { 0 };
	uint64_t t0 = arch_cycles();
	unsigned int cpus;
	int rc;

	arch_early_init();
	platform_init(bi);
	initcalls_run("console");
	if (bi->version != BOOT_INFO_VERSION)
		PANIC("boot_info version %u, kernel expects %u", bi->version,
		      BOOT_INFO_VERSION);
	if (bi->error[0])
		PANIC("boot: %s", bi->error);
	parse_cmdline(bi);
	log_boot_info(bi);
	mm_init(bi);
	kernel_initrd_init(bi);
	initcalls_run("core");
	rc = arch_irq_init();
	if (rc)
		PANIC("no local APIC (%d): Mosaic needs one", rc);
	rc = time_init();
	if (rc)
		PANIC("no usable clock (%d)", rc);
	timer_init_cpu();
	sched_init();
	cpus = smp_init(sched_start_cpu);
	initcalls_run("bus");
	initcalls_run("device");
	initcalls_run("late");

	if (__kentry_end - __kentry_start != 1)
		PANIC("image has %ld application entries, needs exactly one",
		      (long)(__kentry_end - __kentry_start));
	/* Under QEMU -icount shift=0 the TSC counts guest instructions, so
	 * this line is the deterministic cost of booting (bench/). */
	log_info("mosaic: entering main at tsc %lu (kernel_main at %lu), "
		 "%u CPUs\n",
		 arch_cycles(), t0, cpus);
	main_opts.to_stack_size = main_stack_size;
	main_opts.to_root = true;
	rc = sched_spawn(NULL, "main", run_app, NULL, &main_opts);
	if (rc)
		PANIC("no memory for a %lu KiB main stack (%d)",
		      main_stack_size >> 10, rc);
	sched_run_idle();
}
