/* SPDX-License-Identifier: MIT */
/*
 * Application-processor start-up and the IPIs generic code uses
 * (<kernel/smp.h>). Start-up sends INIT and STARTUP to every AP the MADT
 * lists at once and polls, with a time bound, for each to report in; the
 * APs take dense CPU ids in the order they arrive. Intel SDM vol. 3 §9.4.
 * Under a hypervisor the 10 ms INIT wait of the SDM's recipe is skipped
 * (virtual CPUs are ready at once), and a second STARTUP goes out only to
 * CPUs that have not answered the first.
 */
#include <kernel/smp.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/smp.h>
#include <arch/trap.h>

#include <kernel/acpi.h>
#include <kernel/arch.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/irq.h>
#include <kernel/log.h>
#include <kernel/madt.h>
#include <kernel/mm.h>
#include <kernel/page.h>
#include <kernel/param.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/stack.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/trace.h>
#include <kernel/vm.h>

#define TRAMP_CODE_PA 0x8000ul
#define TRAMP_DATA_PA 0x9000ul
#define AP_STACK_SIZE (16ul << 10)

#define INIT_WAIT_NS (10 * 1000 * 1000ull) /* SDM: 10 ms after INIT */
#define SIPI_RETRY_NS (1 * 1000 * 1000ull) /* second STARTUP after 1 ms */
#define ARRIVE_WAIT_NS (2000 * 1000 * 1000ull) /* give up after 2 s */

/* The data page the trampoline reads; offsets pinned for trampoline.S. */
struct tramp_data {
	uint32_t td_cr3;
	uint32_t td_cr4;
	uint64_t td_entry;
	uint32_t td_next; /* slots claimed (lock xadd by the APs) */
	uint32_t td_pad;
	uint64_t td_stacks[CONFIG_MAX_CPUS];
};

BUILD_ASSERT(offsetof(struct tramp_data, td_cr3) == 0);
BUILD_ASSERT(offsetof(struct tramp_data, td_cr4) == 4);
BUILD_ASSERT(offsetof(struct tramp_data, td_entry) == 8);
BUILD_ASSERT(offsetof(struct tramp_data, td_next) == 16);
BUILD_ASSERT(offsetof(struct tramp_data, td_stacks) == 24);
BUILD_ASSERT(sizeof(struct tramp_data) <= PAGE_SIZE);

extern const uint8_t tramp_start[], tramp_end[];

/* What each started CPU needs before it can run C: [I] once started. */
struct ap_slot {
	struct kstack as_stack; /* start-up, then idle, stack */
	struct kstack as_ist[IST_COUNT];
};

static struct ap_slot *slots; /* [I] heap, one per AP started */
static void (*ap_main_fn)(unsigned int cpu); /* [I] */
static unsigned int smp_limit = CONFIG_MAX_CPUS; /* [I] mosaic.smp */

/* mosaic.smp=N: use at most N CPUs (1 = the boot CPU alone). */
static int set_smp(const char *value)
{
	unsigned int n = 0;
	const char *p = value;

	if (!p || *p < '1' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9' && n <= CONFIG_MAX_CPUS; p++)
		n = n * 10 + (unsigned int)(*p - '0');
	if (*p || n == 0 || n > CONFIG_MAX_CPUS)
		return -EINVAL;
	smp_limit = n;
	return 0;
}
KERNEL_PARAM("smp", set_smp, "a CPU count of 1 to 64");

static const char *const ist_names[IST_COUNT] = { "#DF stack", "NMI stack",
						  "#MC stack", "IRQ stack" };

/* First C code on an AP, on its slot's stack, interrupts off. */
static void __noreturn ap_entry(unsigned int slot)
{
	struct ap_slot *as = &slots[slot];
	uintptr_t tops[IST_COUNT];
	struct percpu *pc;
	int i;

	for (i = 0; i < IST_COUNT; i++)
		tops[i] = as->as_ist[i].ks_top;
	gdt_init_cpu(slot + 1, tops);
	idt_load();
	arch_fpu_init_cpu();
	lapic_init_cpu();
	percpu_setup(slot + 1, lapic_id());
	pc = this_cpu();
	pc->pc_irq_stack_top = tops[IST_IRQ - 1];
	pc->pc_idle_stack_top = as->as_stack.ks_top;
	timer_init_cpu();
	__atomic_store_n(&pc->pc_online, 1, __ATOMIC_RELEASE);
	ap_main_fn(slot + 1);
	arch_halt();
}

static int slot_alloc(struct ap_slot *as)
{
	int i, rc;

	rc = stack_alloc(&as->as_stack, AP_STACK_SIZE, "cpu idle");
	for (i = 0; !rc && i < IST_COUNT; i++)
		rc = stack_alloc(&as->as_ist[i],
				 i == IST_IRQ - 1 ? IRQ_STACK_SIZE
						  : IST_STACK_SIZE,
				 ist_names[i]);
	return rc;
}

static int tramp_map(struct tramp_data **data)
{
	size_t len = (size_t)(tramp_end - tramp_start);
	uint64_t cr3 = cpu_read_cr3(), cr4;
	int rc;

	if (cr3 >= (1ull << 32) || len > PAGE_SIZE)
		return -EINVAL;
	rc = mm_map_pages(TRAMP_CODE_PA, TRAMP_CODE_PA, 2 * PAGE_SIZE,
			  VM_READ | VM_WRITE);
	if (rc)
		return rc;
	memcpy((void *)TRAMP_CODE_PA, tramp_start, len);
	rc = mm_protect_pages(TRAMP_CODE_PA, PAGE_SIZE, VM_READ | VM_EXEC);
	if (rc) {
		mm_unmap_pages(TRAMP_CODE_PA, 2 * PAGE_SIZE);
		return rc;
	}
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	*data = (struct tramp_data *)TRAMP_DATA_PA;
	memset(*data, 0, sizeof(**data));
	(*data)->td_cr3 = (uint32_t)cr3;
	(*data)->td_cr4 = (uint32_t)cr4 & ~(1u << 17); /* no PCIDE yet */
	(*data)->td_entry = (uintptr_t)ap_entry;
	return 0;
}

/* Waits until n APs have claimed a slot or `until` passes; returns how
 * many have. */
static unsigned int wait_arrivals(struct tramp_data *d, unsigned int n,
				  uint64_t until)
{
	unsigned int got;

	while ((got = __atomic_load_n(&d->td_next, __ATOMIC_ACQUIRE)) < n &&
	       time_ns() < until)
		arch_cpu_relax();
	return got;
}

static void delay_ns(uint64_t ns)
{
	uint64_t until = time_ns() + ns;

	while (time_ns() < until)
		arch_cpu_relax();
}

static bool apic_online(uint32_t apic_id, unsigned int n)
{
	unsigned int i;

	for (i = 1; i <= n; i++) {
		struct percpu *pc = cpu_get(i);

		if (__atomic_load_n(&pc->pc_online, __ATOMIC_ACQUIRE) &&
		    pc->pc_apic_id == apic_id)
			return true;
	}
	return false;
}

unsigned int smp_init(void (*ap_main)(unsigned int cpu))
{
	const struct madt_info *m = acpi_madt();
	uint32_t targets[CONFIG_MAX_CPUS];
	uint32_t self = lapic_id();
	struct tramp_data *d;
	unsigned int n = 0, got, up, i;
	uint64_t until;
	bool virt = arch_is_hypervisor();

	this_cpu()->pc_apic_id = self;
	for (i = 0; m && i < m->md_cpu_count && n + 1 < smp_limit; i++)
		if (m->md_cpus[i].mc_enabled &&
		    m->md_cpus[i].mc_apic_id != self)
			targets[n++] = m->md_cpus[i].mc_apic_id;
	if (n == 0)
		return 1;

	ap_main_fn = ap_main;
	slots = heap_calloc(n, sizeof(*slots));
	if (!slots)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (slot_alloc(&slots[i]))
			goto nomem;
		trace_cpu_init(i + 1); /* its ring, before it runs tasks */
	}
	if (tramp_map(&d))
		goto nomem;
	for (i = 0; i < n; i++)
		d->td_stacks[i] = slots[i].as_stack.ks_top;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	for (i = 0; i < n; i++)
		lapic_send_init(targets[i]);
	if (!virt)
		delay_ns(INIT_WAIT_NS);
	for (i = 0; i < n; i++)
		lapic_send_startup(targets[i], TRAMP_CODE_PA >> PAGE_SHIFT);
	got = wait_arrivals(d, n, time_ns() + SIPI_RETRY_NS);
	if (got < n) {
		/* The SDM's second STARTUP, only to CPUs not yet up. A CPU
		 * that is already running ignores it anyway. */
		for (i = 0; i < n; i++)
			lapic_send_startup(targets[i],
					   TRAMP_CODE_PA >> PAGE_SHIFT);
		got = wait_arrivals(d, n, time_ns() + ARRIVE_WAIT_NS);
	}
	/* Every CPU that claimed a slot finishes its start-up. */
	until = time_ns() + ARRIVE_WAIT_NS;
	for (up = 0; up < got; up++) {
		struct percpu *pc = cpu_get(up + 1);

		while (!__atomic_load_n(&pc->pc_online, __ATOMIC_ACQUIRE) &&
		       time_ns() < until)
			arch_cpu_relax();
		if (!pc->pc_online)
			break;
	}
	/* A CPU that never arrived goes back to waiting for STARTUP, so it
	 * cannot wake up later inside an unmapped trampoline. */
	for (i = 0; up < n && i < n; i++) {
		if (!apic_online(targets[i], up)) {
			log_warn("smp: CPU with APIC id %u did not start\n",
				 targets[i]);
			lapic_send_init(targets[i]);
		}
	}
	/* Count the new CPUs first, so the unmap reaches their TLBs. */
	percpu_set_count(1 + up);
	mm_unmap_pages(TRAMP_CODE_PA, 2 * PAGE_SIZE);
	log_info("smp: %u CPUs online\n", 1 + up);
	return 1 + up;

nomem:
	log_warn("smp: out of memory for CPU start-up; one CPU only\n");
	return 1;
}

void smp_send_resched(unsigned int cpu)
{
	struct percpu *pc = cpu_get(cpu);

	if (pc && cpu < cpu_count())
		lapic_send_ipi(pc->pc_apic_id, VEC_RESCHED);
}

void smp_stop_others(void)
{
	if (cpu_count() > 1)
		lapic_send_nmi_others();
}

/*
 * One shootdown at a time: the initiator publishes the range, then a new
 * generation number; each CPU flushes and stores that number in its
 * pc_tlb_gen. A CPU that spins on a lock with interrupts off calls
 * smp_poll(), so it answers too.
 */
static struct spinlock tlb_lock = SPINLOCK_INIT("tlb");
static struct {
	uintptr_t va; /* [G tlb lock] */
	size_t len; /* [G tlb lock] */
	uint32_t gen; /* [a], written under the tlb lock */
} tlb_req;

void smp_poll(void)
{
	struct percpu *pc = this_cpu();
	uint32_t gen = __atomic_load_n(&tlb_req.gen, __ATOMIC_ACQUIRE);

	if (gen == __atomic_load_n(&pc->pc_tlb_gen, __ATOMIC_RELAXED))
		return;
	arch_tlb_flush(tlb_req.va, tlb_req.len);
	__atomic_store_n(&pc->pc_tlb_gen, gen, __ATOMIC_RELEASE);
}

void smp_tlb_intr(void *arg)
{
	(void)arg;
	smp_poll();
}

void smp_tlb_shootdown(uintptr_t va, size_t len)
{
	unsigned int n = cpu_count(), me, i;
	uint32_t gen;

	if (n == 1)
		return;
	spin_lock(&tlb_lock);
	me = cpu_id();
	tlb_req.va = va;
	tlb_req.len = len;
	gen = tlb_req.gen + 1;
	__atomic_store_n(&tlb_req.gen, gen, __ATOMIC_RELEASE);
	__atomic_store_n(&this_cpu()->pc_tlb_gen, gen, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++)
		if (i != me)
			lapic_send_ipi(cpu_get(i)->pc_apic_id, VEC_TLB);
	for (i = 0; i < n; i++) {
		struct percpu *pc = cpu_get(i);

		while (__atomic_load_n(&pc->pc_tlb_gen, __ATOMIC_ACQUIRE) !=
		       gen)
			arch_cpu_relax();
	}
	spin_unlock(&tlb_lock);
}
