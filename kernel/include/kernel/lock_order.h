/* SPDX-License-Identifier: MIT */
/*
 * The one place that says in which order locks nest. A lock may be taken
 * while holding only locks listed above it. Every new lock is added here
 * in the commit that adds it. All are spinlocks (<kernel/spinlock.h>)
 * unless marked "mutex" (those may yield; no spinlock may be held when
 * taking one).
 *
 *   mmap lock           (mm/mmap.c; mutex)
 *   ext2 lock           (libos/fs/ext2: mutex, one per file system;
 *                        taken under the VFS lock)
 *   bcache buffer locks (dev/bcache.c: mutexes, one per buffer; holders
 *                        nest them in their own order)
 *   bcache write-back lock (dev/bcache.c: mutex, the one writer of a
 *                        cache; held during its I/O)
 *   bcache lock         (dev/bcache.c: mutex; never held during I/O or
 *                        while sleeping on a buffer lock)
 *   stdio stream locks  (libos/libc/stdio.c, one per FILE)
 *   channel lock        (sched/chan.c, one per channel; select takes
 *                        several in address order)
 *   mutex/cond/sem/rwlock internal locks (sched/sync.c)
 *   virtio device locks (drivers/virtio_blk, virtio_rng: one per device,
 *                        taken in their interrupt handlers too; request
 *                        completions run after it is released;
 *                        virtio_net: a receive and a transmit lock per
 *                        device, never nested, no client call under
 *                        either; the receive lock is also taken by the
 *                        last netbuf_put() of a received frame, so a
 *                        frame may be put holding any lock listed above)
 *   blkdev wait lock    (dev/blkdev.c: one for every sleeping request
 *                        waiter; the completion wakes under it)
 *   bcache read-ahead lock (dev/bcache.c: read-ahead completions take it
 *                        in interrupt context and wake waiters under it)
 *   task lock           (sched/sched.c, one per task: exit record,
 *                        joiners)
 *   timer-queue lock    (sched/sched.c, one per CPU; its handler wakes
 *                        tasks, so it nests outside the run-queue lock)
 *   run-queue lock      (sched/sched.c, one per CPU; not a spinlock but
 *                        a raw exchange lock of its own, always taken
 *                        with interrupts off, answering TLB shootdowns
 *                        while it spins; steal only tries another
 *                        CPU's, holding none)
 *   tasks lock          (sched/sched.c: the list of all tasks)
 *   stack lock          (mm/stack.c)
 *   device registry and blkdev list locks (dev/dev.c, dev/blkdev.c,
 *                        and the netdev list, dev/netdev.c)
 *   vm lock             (mm/mm.c: the kernel page tables)
 *   tlb lock            (arch/x86_64/smp.c: one shootdown at a time)
 *   bcache lend lock    (dev/bcache.c: lent areas; taken by the last
 *                        netbuf_put() of a lent frame, in any context,
 *                        and under the bcache lock; nothing nests inside)
 *   heap lock           (mm/heap.c: slabs and large blocks)
 *   pmm lock            (mm/pmm.c)
 *   random lock         (lib/random.c)
 *   pci intx lock       (dev/pci.c: the shared INTx lines; a line's
 *                        vector is allocated and routed under it)
 *   irq lock            (arch/x86_64/irq.c: the vector table)
 *   ioapic lock         (arch/x86_64/ioapic.c: redirection entries)
 *   pci cf8 lock        (dev/pci.c: the 0xCF8/0xCFC address/data pair;
 *                        nothing nests inside)
 *   console lock        (lib/console.c; a panic only tries it, and a
 *                        fault on the CPU holding it writes without it)
 */
#ifndef KERNEL_LOCK_ORDER_H
#define KERNEL_LOCK_ORDER_H
#endif /* KERNEL_LOCK_ORDER_H */
