# SPDX-License-Identifier: MIT
#
# Host unit tests (cmocka, ASan + UBSan), included by the top-level
# Makefile, which defines BUILD, HOSTCC and Q (empty or @) first. Each test
# links the real sources under test with fakes from tests/unit/fakes/ into
# $(BUILD)/unit/<name>; `make test-unit` builds and runs them all and ends
# with "N passed, N failed" (cmocka test cases, see tests/unit/run-unit).
#
# To add a test, add one line at the end of this file:
#   $(eval $(call unit_test,NAME,TEST_SOURCE REAL_SOURCES...))
# UNIT_CFLAGS_NAME, if set, adds flags for that test alone.

UNIT_DIR := $(BUILD)/unit
UNIT_CFLAGS := -std=gnu11 -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -DUNIT_TEST \
	-Ikernel/include -Iboot/include -Itests/unit/fakes
UNIT_LDLIBS := -lcmocka

# Names of all registered tests; the binaries are $(UNIT_DIR)/<name>.
UNIT_TESTS :=

# Print a short "  WHAT  target" line when the build is quiet.
unit_quiet = $(if $(Q),@printf '  %-8s %s\n' '$(1)' '$(2)';)

# unit_test(name, sources): builds $(UNIT_DIR)/name from sources. Each
# test has its own object directory, $(UNIT_DIR)/obj/name/, so a source
# shared between tests may be compiled with different flags.
define unit_test
UNIT_TESTS += $(1)
UNIT_OBJS_$(1) := $$(patsubst %.c,$$(UNIT_DIR)/obj/$(1)/%.o,$(2))

$$(UNIT_DIR)/obj/$(1)/%.o: %.c
	$$(call unit_quiet,HOSTCC,$$@)mkdir -p $$(@D)
	$(Q)$$(HOSTCC) $$(UNIT_CFLAGS) $$(UNIT_CFLAGS_$(1)) -MD -MP \
		-c $$< -o $$@

$$(UNIT_DIR)/$(1): $$(UNIT_OBJS_$(1))
	$$(call unit_quiet,HOSTLD,$$@)$$(HOSTCC) $$(UNIT_CFLAGS) \
		$$(UNIT_CFLAGS_$(1)) -o $$@ $$^ $$(UNIT_LDLIBS)

test-unit: $$(UNIT_DIR)/$(1)

-include $$(UNIT_OBJS_$(1):.o=.d)
endef

# Runs every test, whatever the order in which they were registered.
.PHONY: test-unit
test-unit:
	$(Q)sh tests/unit/run-unit $(addprefix $(UNIT_DIR)/,$(UNIT_TESTS))

$(eval $(call unit_test,fmt,tests/unit/kernel/fmt_test.c kernel/lib/fmt.c))
$(eval $(call unit_test,cmdline,tests/unit/kernel/cmdline_test.c \
	kernel/lib/cmdline.c kernel/lib/string.c))
UNIT_CFLAGS_bootinfo := -Iboot
$(eval $(call unit_test,bootinfo,tests/unit/boot/bootinfo_test.c boot/bootinfo.c))
$(eval $(call unit_test,ksym,tests/unit/kernel/ksym_test.c kernel/lib/ksym.c))
$(eval $(call unit_test,random,tests/unit/kernel/random_test.c kernel/lib/random.c kernel/lib/chacha20.c tests/unit/fakes/percpu_fake.c))
$(eval $(call unit_test,pmm,tests/unit/kernel/pmm_test.c kernel/mm/pmm.c tests/unit/fakes/percpu_fake.c))
$(eval $(call unit_test,heap,tests/unit/kernel/heap_test.c kernel/mm/heap.c tests/unit/fakes/percpu_fake.c))
$(eval $(call unit_test,vm,tests/unit/kernel/vm_test.c kernel/mm/vm.c))
$(eval $(call unit_test,vmem,tests/unit/kernel/vmem_test.c kernel/mm/vmem.c))
$(eval $(call unit_test,madt,tests/unit/kernel/madt_test.c kernel/acpi/madt.c))
$(eval $(call unit_test,stack,tests/unit/kernel/stack_test.c kernel/mm/stack.c tests/unit/fakes/percpu_fake.c))
$(eval $(call unit_test,time_calc,tests/unit/kernel/time_calc_test.c kernel/time/time_calc.c))
UNIT_CFLAGS_trace := -Ikernel/lib
$(eval $(call unit_test,trace,tests/unit/kernel/trace_test.c kernel/lib/trace_ring.c))
$(eval $(call unit_test,timerq,tests/unit/kernel/timerq_test.c kernel/sched/timerq.c))
UNIT_CFLAGS_policy := -Ikernel/sched
$(eval $(call unit_test,policy,tests/unit/kernel/policy_test.c kernel/sched/policy.c))
# tools/trace2json: a Python test printing cmocka's result lines.
UNIT_TESTS += trace2json
$(UNIT_DIR)/trace2json: tests/unit/tools/trace2json_test.py tools/trace2json
	$(call unit_quiet,LN,$@)mkdir -p $(@D) && ln -sf $(abspath $<) $@
test-unit: $(UNIT_DIR)/trace2json
UNIT_CFLAGS_chan_ring := -iquote kernel/sched
$(eval $(call unit_test,chan_ring,tests/unit/kernel/chan_ring_test.c \
	kernel/sched/chan_ring.c))
UNIT_CFLAGS_sync := -pthread
$(eval $(call unit_test,sync,tests/unit/kernel/sync_test.c kernel/sched/sync.c \
	tests/unit/fakes/fake_sched.c tests/unit/fakes/fake_host.c))
UNIT_CFLAGS_chan := -pthread
$(eval $(call unit_test,chan,tests/unit/kernel/chan_test.c kernel/sched/chan.c \
	kernel/sched/chan_ring.c tests/unit/fakes/fake_sched.c \
	tests/unit/fakes/fake_host.c))
UNIT_CFLAGS_chan_abi := -iquote libos/include
$(eval $(call unit_test,chan_abi,tests/unit/libos/chan_abi_test.c \
	tests/unit/libos/chan_abi_app.c))
# libos/libc against glibc: the libc objects see Mosaic's headers and get
# mosaic_* names (tests/unit/libos/libc_names.h); the tests see both.
UNIT_LIBC_CFLAGS := -ffreestanding -Ilibos/include \
	-include tests/unit/libos/libc_names.h
UNIT_CFLAGS_ctype := -iquote libos/include
$(eval $(call unit_test,ctype,tests/unit/libos/ctype_test.c libos/libc/ctype.c))
$(UNIT_DIR)/obj/ctype/libos/%.o: UNIT_CFLAGS_ctype += $(UNIT_LIBC_CFLAGS)
UNIT_CFLAGS_string := -iquote libos/include
$(eval $(call unit_test,string,tests/unit/libos/string_test.c \
	tests/unit/libos/libc_test_util.c libos/libc/string.c \
	libos/libc/ctype.c kernel/lib/string.c))
$(UNIT_DIR)/obj/string/libos/%.o: UNIT_CFLAGS_string += $(UNIT_LIBC_CFLAGS)
# libc math against glibc's libm; the sources see libos's <math.h> and
# math_rename.h, the test glibc's <math.h>.
$(UNIT_DIR)/obj/math/libos/%.o: UNIT_CFLAGS_math = -Ilibos/include \
	-include tests/unit/libos/math_rename.h
$(UNIT_DIR)/math: UNIT_LDLIBS += -lm
$(eval $(call unit_test,math,tests/unit/libos/math_test.c \
	libos/libc/math/basic.c libos/libc/math/exp_log.c \
	libos/libc/math/trig.c libos/libc/math/atrig.c \
	libos/libc/math/hyper.c))
UNIT_CFLAGS_printf := -iquote libos/libc
$(eval $(call unit_test,printf,tests/unit/libos/printf_test.c \
	libos/libc/printf.c libos/libc/printf_float.c))
UNIT_CFLAGS_stdlib := -iquote libos/include
$(eval $(call unit_test,stdlib,tests/unit/libos/stdlib_test.c \
	tests/unit/libos/libc_test_util.c libos/libc/stdlib.c \
	libos/libc/string.c libos/libc/ctype.c kernel/lib/string.c))
$(UNIT_DIR)/obj/stdlib/libos/%.o: UNIT_CFLAGS_stdlib += $(UNIT_LIBC_CFLAGS)
$(UNIT_DIR)/stdlib: UNIT_LDLIBS += -lm
UNIT_CFLAGS_strto := -iquote libos/libc
$(UNIT_DIR)/strto: UNIT_LDLIBS += -lm -lquadmath
$(eval $(call unit_test,strto,tests/unit/libos/strto_test.c \
	libos/libc/strto_float.c libos/libc/strto_int.c))
UNIT_CFLAGS_time := -iquote libos/include
$(eval $(call unit_test,time,tests/unit/libos/time_test.c libos/libc/time.c tests/unit/libos/libc_test_util.c))
$(UNIT_DIR)/obj/time/libos/%.o: UNIT_CFLAGS_time += -ffreestanding -Ilibos/include -include tests/unit/libos/time_names.h
UNIT_CFLAGS_getopt := -iquote libos/include
$(eval $(call unit_test,getopt,tests/unit/libos/getopt_test.c libos/libc/getopt.c tests/unit/libos/libc_test_util.c))
$(UNIT_DIR)/obj/getopt/libos/%.o: UNIT_CFLAGS_getopt += -ffreestanding -Ilibos/include -include tests/unit/libos/getopt_names.h
# scanf.c against glibc's sscanf; only scanf.c sees Mosaic's headers.
UNIT_CFLAGS_scanf := -iquote libos/libc
$(UNIT_DIR)/scanf: UNIT_LDLIBS += -lm
$(UNIT_DIR)/obj/scanf/libos/libc/scanf.o: UNIT_CFLAGS_scanf += -ffreestanding \
	-Ilibos/include -include tests/unit/libos/scanf_names.h
$(eval $(call unit_test,scanf,tests/unit/libos/scanf_test.c \
	libos/libc/scanf.c libos/libc/strto_float.c libos/libc/strto_int.c))
# inet.c, wchar.c and locale.c against glibc; only they see Mosaic's
# headers (and mosaic_* names), the tests declare what they call.
$(eval $(call unit_test,inet,tests/unit/libos/inet_test.c libos/libc/inet.c))
$(UNIT_DIR)/obj/inet/libos/%.o: UNIT_CFLAGS_inet += -ffreestanding \
	-Ilibos/include -include tests/unit/libos/inet_names.h
$(eval $(call unit_test,wchar,tests/unit/libos/wchar_test.c \
	libos/libc/wchar.c libos/libc/locale.c))
$(UNIT_DIR)/obj/wchar/libos/%.o: UNIT_CFLAGS_wchar += -ffreestanding \
	-Ilibos/include -include tests/unit/libos/wchar_names.h
UNIT_CFLAGS_bcache := -pthread -Wshadow -Wmissing-prototypes
$(eval $(call unit_test,bcache,tests/unit/kernel/bcache_test.c kernel/dev/bcache.c kernel/dev/netbuf.c kernel/sched/sync.c tests/unit/fakes/fake_sched.c tests/unit/fakes/fake_host.c))
UNIT_CFLAGS_virtq := -Idrivers/virtio/include -iquote drivers/virtio -Wshadow -Wmissing-prototypes
$(eval $(call unit_test,virtq,tests/unit/drivers/virtq_test.c drivers/virtio/virtq.c tests/unit/fakes/fake_dma.c))
UNIT_CFLAGS_virtio_blk := -Idrivers/virtio/include -iquote drivers/virtio -iquote drivers/virtio_blk
$(eval $(call unit_test,virtio_blk,tests/unit/drivers/virtio_blk_test.c drivers/virtio/virtio.c drivers/virtio/virtio_mmio.c drivers/virtio/virtq.c kernel/dev/blkdev.c kernel/lib/string.c kernel/lib/fmt.c tests/unit/fakes/fake_dma.c tests/unit/fakes/percpu_fake.c))
UNIT_CFLAGS_pci := -iquote kernel/dev
$(eval $(call unit_test,pci,tests/unit/kernel/pci_test.c kernel/dev/pci_parse.c))
$(eval $(call unit_test,aml_mmio,tests/unit/kernel/aml_mmio_test.c kernel/acpi/aml_mmio.c))
# libos/fs/initrd.c against glibc; archives from tools/mkinitrd.
UNIT_CFLAGS_initrd := -Ilibos/fs/include -DMKINITRD='"$(abspath tools/mkinitrd)"'
$(eval $(call unit_test,initrd,tests/unit/libos/initrd_test.c libos/fs/initrd.c))
# tools/mkinitrd: a Python test printing cmocka's result lines.
UNIT_TESTS += mkinitrd
$(UNIT_DIR)/mkinitrd: tests/unit/tools/mkinitrd_test.py tools/mkinitrd
	$(call unit_quiet,LN,$@)mkdir -p $(@D) && ln -sf $(abspath $<) $@
test-unit: $(UNIT_DIR)/mkinitrd
# libos/fs/ext2 over image files made by the host's mke2fs, checked by
# e2fsck (tests/unit/fakes/fake_fileblk.c), with the real block cache.
UNIT_CFLAGS_ext2 := -pthread -Wshadow -Wmissing-prototypes \
	-Ilibos/fs/include -iquote libos/fs/ext2
$(eval $(call unit_test,ext2,tests/unit/libos/ext2_test.c \
	libos/fs/ext2/ext2.c libos/fs/ext2/ext2_alloc.c libos/fs/ext2/ext2_file.c \
	libos/fs/ext2/ext2_dir.c kernel/dev/bcache.c kernel/dev/netbuf.c \
	kernel/sched/sync.c tests/unit/fakes/fake_sched.c \
	tests/unit/fakes/fake_host.c tests/unit/fakes/fake_fileblk.c))
# libos/fs: the VFS, tmpfs and the descriptor table, with the kernel's
# mutexes over the fake scheduler.
UNIT_CFLAGS_vfs := -pthread -Ilibos/fs/include -Wshadow -Wmissing-prototypes
$(eval $(call unit_test,vfs,tests/unit/libos/vfs_test.c libos/fs/vfs.c libos/fs/tmpfs.c libos/fs/fd.c kernel/sched/sync.c tests/unit/fakes/fake_sched.c tests/unit/fakes/fake_host.c))
# libos/net below TCP (Ethernet, ARP, IPv4, ICMP, UDP), TCP stubbed out by
# tcp_none.c; the clock, randomness and heap from fake_netenv.c.
NET_L3_SRCS := libos/net/stack.c libos/net/ether.c libos/net/arp.c \
	libos/net/ip.c libos/net/ip_frag.c libos/net/icmp.c libos/net/udp.c \
	kernel/dev/netbuf.c kernel/sched/timerq.c \
	tests/unit/fakes/fake_netenv.c tests/unit/libos/net/netlink_fake.c \
	tests/unit/libos/net/net_test_util.c tests/unit/libos/net/tcp_none.c
UNIT_CFLAGS_net_l3 := -Ilibos/net/include -iquote libos/net -Wshadow \
	-Wmissing-prototypes -Wvla
$(eval $(call unit_test,net_l3,tests/unit/libos/net/l3_test.c $(NET_L3_SRCS)))
# libos/fs: pipes, poll/select and epoll over the descriptor table, with
# the kernel's mutexes over the fake scheduler.
UNIT_CFLAGS_poll := -pthread -Ilibos/fs/include -Wshadow -Wmissing-prototypes
$(eval $(call unit_test,poll,tests/unit/libos/poll_test.c libos/fs/poll.c libos/fs/epoll.c libos/fs/pipe.c libos/fs/fd.c libos/fs/vfs.c libos/fs/tmpfs.c kernel/sched/sync.c tests/unit/fakes/fake_sched.c tests/unit/fakes/fake_host.c))
UNIT_CFLAGS_net_malformed := $(UNIT_CFLAGS_net_l3)
$(eval $(call unit_test,net_malformed,tests/unit/libos/net/malformed_test.c \
	$(NET_L3_SRCS)))
# libos/libc's file calls and stdio (file.c, stdio.c and the printf and
# scanf engines) over the real VFS, tmpfs and descriptor table, with a
# captured console. The libc objects see Mosaic's headers and get
# mosaic_* names (files_names.h), so they link next to glibc's.
UNIT_CFLAGS_libc_files := -pthread -Ilibos/fs/include
$(UNIT_DIR)/obj/libc_files/libos/libc/%.o: UNIT_CFLAGS_libc_files += \
	-ffreestanding -Ilibos/include -iquote libos/libc -Wno-format \
	-include tests/unit/libos/files_names.h
$(UNIT_DIR)/libc_files: UNIT_LDLIBS += -lm
$(eval $(call unit_test,libc_files,tests/unit/libos/libc_files_test.c \
	libos/libc/file.c libos/libc/stdio.c libos/libc/printf.c \
	libos/libc/printf_float.c libos/libc/scanf.c libos/libc/strto_float.c \
	libos/libc/strto_int.c libos/fs/vfs.c libos/fs/tmpfs.c libos/fs/fd.c \
	kernel/sched/sync.c tests/unit/fakes/fake_sched.c \
	tests/unit/fakes/fake_host.c))
# kernel/dev/netbuf.c with a malloc heap (fakes in the test).
UNIT_CFLAGS_netbuf := -Wshadow -Wmissing-prototypes
$(eval $(call unit_test,netbuf,tests/unit/kernel/netbuf_test.c kernel/dev/netbuf.c))
# libos/net/dns.c: DNS queries and the hardened response decoder.
UNIT_CFLAGS_dns := -Ilibos/net/include -Wshadow -Wmissing-prototypes
$(eval $(call unit_test,dns,tests/unit/libos/net/dns_test.c libos/net/dns.c))
# libos/net TCP over a fake IP layer, clock and randomness
# (tests/unit/libos/net/tcp_fake_ip.c), with the real core and netbufs.
UNIT_TCP_SRCS := libos/net/tcp.c libos/net/tcp_in.c libos/net/tcp_out.c \
	libos/net/tcp_syn.c libos/net/tcp_timer.c libos/net/stack.c \
	libos/mapp/siphash.c \
	kernel/dev/netbuf.c kernel/sched/timerq.c \
	tests/unit/libos/net/tcp_fake_ip.c
# <mosaic/siphash.h> after the host's headers (libos/include has a libc).
UNIT_TCP_CFLAGS := -Ilibos/net/include -iquote libos/net \
	-idirafter libos/include -Wshadow \
	-Wmissing-prototypes
UNIT_CFLAGS_tcp_state := $(UNIT_TCP_CFLAGS)
$(eval $(call unit_test,tcp_state,tests/unit/libos/net/tcp_state_test.c $(UNIT_TCP_SRCS)))
# drivers/virtio_net with the virtio core, the split virtqueue, netbufs
# and the netdev layer (included by the test), over a transport the test
# emulates (virtio_mmio.c is linked for the core's references only).
UNIT_CFLAGS_virtio_net := -Idrivers/virtio/include -iquote drivers/virtio \
	-iquote drivers/virtio_net -Wshadow
$(eval $(call unit_test,virtio_net,tests/unit/drivers/virtio_net_test.c \
	drivers/virtio/virtio.c drivers/virtio/virtio_mmio.c \
	drivers/virtio/virtq.c kernel/dev/netbuf.c kernel/lib/string.c \
	kernel/lib/fmt.c tests/unit/fakes/fake_dma.c \
	tests/unit/fakes/percpu_fake.c))
# libos/net sockets: UDP through the real stack over its loopback, TCP
# through an in-memory fake, netd faked, the real descriptor table,
# poll/epoll and kernel mutexes over the fake scheduler.
UNIT_CFLAGS_socket := -pthread -D_GNU_SOURCE -Ilibos/net/include -Ilibos/fs/include \
	-idirafter libos/include \
	-iquote libos/net -Wshadow -Wmissing-prototypes -Wvla
$(eval $(call unit_test,socket,tests/unit/libos/net/socket_test.c \
	libos/net/socket.c libos/net/sock_io.c libos/net/sockopt.c \
	libos/net/stack.c libos/net/ether.c libos/net/arp.c libos/net/ip.c \
	libos/net/ip_frag.c libos/net/icmp.c libos/net/udp.c \
	kernel/dev/netbuf.c kernel/sched/timerq.c \
	tests/unit/libos/net/socket_tcp_fake.c \
	tests/unit/libos/net/socket_netd_fake.c \
	libos/fs/poll.c libos/fs/epoll.c libos/fs/pipe.c libos/fs/fd.c \
	libos/fs/vfs.c libos/fs/tmpfs.c kernel/sched/sync.c \
	tests/unit/fakes/fake_sched.c tests/unit/fakes/fake_host.c))
# libos/net/dhcp.c: the DHCP engine alone, and its binding over fake UDP.
UNIT_CFLAGS_dhcp := -Ilibos/net/include -iquote libos/net -Wshadow \
	-Wmissing-prototypes
$(eval $(call unit_test,dhcp,tests/unit/libos/net/dhcp_test.c \
	libos/net/dhcp.c tests/unit/fakes/fake_netenv.c))
UNIT_CFLAGS_tcp_link := $(UNIT_TCP_CFLAGS)
$(eval $(call unit_test,tcp_link,tests/unit/libos/net/tcp_link_test.c $(UNIT_TCP_SRCS)))
# The same socket layer over the real TCP (libos/net/tcp*.c) and the
# whole stack's loopback, with the stack's timers run by a fake netd task.
UNIT_CFLAGS_socket_tcp := $(UNIT_CFLAGS_socket)
$(eval $(call unit_test,socket_tcp,tests/unit/libos/net/socket_tcp_test.c \
	libos/net/socket.c libos/net/sock_io.c libos/net/sockopt.c \
	libos/net/stack.c libos/net/ether.c libos/net/arp.c libos/net/ip.c \
	libos/net/ip_frag.c libos/net/icmp.c libos/net/udp.c \
	libos/net/tcp.c libos/net/tcp_in.c libos/net/tcp_out.c \
	libos/net/tcp_syn.c libos/net/tcp_timer.c libos/mapp/siphash.c \
	kernel/dev/netbuf.c kernel/sched/timerq.c \
	tests/unit/libos/net/socket_netd_fake.c \
	libos/fs/poll.c libos/fs/epoll.c libos/fs/pipe.c libos/fs/fd.c \
	libos/fs/vfs.c libos/fs/tmpfs.c kernel/sched/sync.c \
	tests/unit/fakes/fake_sched.c tests/unit/fakes/fake_host.c))
# libos/net/resolv.c (getaddrinfo) against Mosaic's headers, over the host's
# sockets and a fake DNS server thread on 127.0.0.1 and 127.0.0.2.
UNIT_CFLAGS_resolv := -pthread -Ilibos/net/include -Wshadow \
	-Wmissing-prototypes
$(UNIT_DIR)/obj/resolv/libos/%.o: UNIT_CFLAGS_resolv += -ffreestanding \
	-Ilibos/include -include tests/unit/libos/net/resolv_names.h
$(eval $(call unit_test,resolv,tests/unit/libos/net/resolv_test.c \
	libos/net/resolv.c libos/net/dns.c))
UNIT_CFLAGS_tcp_malformed := $(UNIT_TCP_CFLAGS)
$(eval $(call unit_test,tcp_malformed,tests/unit/libos/net/tcp_malformed_test.c $(UNIT_TCP_SRCS)))
# libos/net/dhcp.c over the real stack below TCP, on a captured interface.
UNIT_CFLAGS_dhcp_stack := $(UNIT_CFLAGS_net_l3)
$(eval $(call unit_test,dhcp_stack,tests/unit/libos/net/dhcp_stack_test.c \
	libos/net/dhcp.c $(NET_L3_SRCS)))
# The same TCP over the real stack below it (Ethernet, ARP, IPv4, ICMP,
# loopback): two instances on tests/unit/libos/net/netlink_fake.c's wire.
UNIT_CFLAGS_tcp_stack := $(UNIT_TCP_CFLAGS)
$(eval $(call unit_test,tcp_stack,tests/unit/libos/net/tcp_stack_test.c \
	libos/net/tcp.c libos/net/tcp_in.c libos/net/tcp_out.c \
	libos/net/tcp_syn.c libos/net/tcp_timer.c libos/net/stack.c \
	libos/mapp/siphash.c \
	libos/net/ether.c libos/net/arp.c libos/net/ip.c libos/net/ip_frag.c \
	libos/net/icmp.c libos/net/udp.c kernel/dev/netbuf.c \
	kernel/sched/timerq.c tests/unit/fakes/fake_netenv.c \
	tests/unit/libos/net/netlink_fake.c))
# libos/fs/ext2_vfs.c: ext2 images under the real VFS and tmpfs root.
UNIT_CFLAGS_ext2_vfs := -pthread -Wshadow -Wmissing-prototypes \
	-Ilibos/fs/include -iquote libos/fs/ext2
$(eval $(call unit_test,ext2_vfs,tests/unit/libos/ext2_vfs_test.c \
	libos/fs/ext2_vfs.c libos/fs/ext2/ext2.c libos/fs/ext2/ext2_alloc.c \
	libos/fs/ext2/ext2_file.c libos/fs/ext2/ext2_dir.c \
	libos/fs/vfs.c libos/fs/tmpfs.c kernel/dev/bcache.c kernel/dev/netbuf.c \
	kernel/sched/sync.c tests/unit/fakes/fake_sched.c \
	tests/unit/fakes/fake_host.c tests/unit/fakes/fake_fileblk.c))
# apps/kv/store.c: kv's item store (hash table, LRU, expiry), real threads.
UNIT_CFLAGS_kv_store := -pthread -Iapps/kv -idirafter libos/include
$(eval $(call unit_test,kv_store,tests/unit/apps/kv_store_test.c apps/kv/store.c \
	libos/mapp/siphash.c))
# apps/httpd's pure parts: request parser, target to path, dates, types.
UNIT_CFLAGS_httpd := -Iapps/httpd
$(eval $(call unit_test,httpd,tests/unit/apps/httpd_test.c \
	apps/httpd/http.c apps/httpd/url.c apps/httpd/date.c apps/httpd/mime.c))
# TCP segmentation offload decisions (super-segments) over the fake IP layer.
UNIT_CFLAGS_tcp_tso := $(UNIT_TCP_CFLAGS)
$(eval $(call unit_test,tcp_tso,tests/unit/libos/net/tcp_tso_test.c $(UNIT_TCP_SRCS)))
