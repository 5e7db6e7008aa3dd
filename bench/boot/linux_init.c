/* SPDX-License-Identifier: MIT */
/*
 * The Linux guest's /init for bench/boot.py and bench/size.py: the same
 * job as Mosaic's hello and bench/boot probe. It reads the TSC first (the
 * guest instructions since reset under -icount shift=0, as Mosaic's
 * bs_main_tsc), prints a greeting, finds the kernel's "Run /init as init
 * process" line in the kernel log for its printk timestamp, and leaves
 * QEMU through isa-debug-exit (port 0x501; QEMU exits (0 << 1) | 1, which
 * tools/run and bench/boot.py read as status 0).
 * Built static with the host gcc; Linux only.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/klog.h>
#include <unistd.h>
#include <x86intrin.h>

#define DEBUG_EXIT_PORT 0x501
#define SYSLOG_ACTION_READ_ALL 3
#define RUN_INIT "Run /init as init process"

static char klog[1 << 20];

/* The "[ seconds.micros]" stamp of the log line holding RUN_INIT, in
 * microseconds, or -1 when the log has no such line or no stamp. */
static long long run_init_us(void)
{
	int n = klogctl(SYSLOG_ACTION_READ_ALL, klog, sizeof(klog) - 1);
	char *hit, *line, *open;
	long long s, us;

	if (n <= 0)
		return -1;
	klog[n] = '\0';
	hit = strstr(klog, RUN_INIT);
	if (!hit)
		return -1;
	line = hit;
	while (line > klog && line[-1] != '\n')
		line--;
	open = memchr(line, '[', (size_t)(hit - line));
	if (!open || sscanf(open, "[ %lld.%lld]", &s, &us) != 2)
		return -1;
	return s * 1000000 + us;
}

int main(void)
{
	uint64_t tsc = __rdtsc();

	printf("Hello from Linux!\n");
	printf("linuxboot init_tsc=%llu run_init_us=%lld\n",
	       (unsigned long long)tsc, run_init_us());
	fflush(stdout);
	if (ioperm(DEBUG_EXIT_PORT, 1, 1)) {
		perror("linuxboot error: ioperm");
		return 1;
	}
	outb(0, DEBUG_EXIT_PORT);
	for (;;)
		pause();
}
