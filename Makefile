# SPDX-License-Identifier: MIT
# Mosaic's one build entry (non-recursive). Each folder's module.mk appends
# its sources to SRCS-<layer>; each layer is compiled with only the -I paths
# that shared/STYLE.md's dependency table allows, so a forbidden include
# does not compile. Output goes to $(BUILD); `make V=1` shows full commands.

APP ?= apps/httpd
BUILD ?= build
V ?= 0
CROSS_COMPILE ?=
CONFIG_DEBUG ?= 1

CC := $(CROSS_COMPILE)gcc
LD := $(CROSS_COMPILE)ld
NM := $(CROSS_COMPILE)nm
OBJCOPY := $(CROSS_COMPILE)objcopy
STRIP := $(CROSS_COMPILE)strip
HOSTCC ?= cc
PYTHON ?= python3

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2)
endif

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

GCC_INCLUDE := $(shell $(CC) -print-file-name=include)

# Flags every image object gets (DESIGN.md §1, STYLE.md §2 "Build").
CFLAGS_IMAGE := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
	-fno-pie -fno-pic -mcmodel=small -mno-red-zone \
	-fno-omit-frame-pointer -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-stack-protector -fcf-protection=none -fno-common \
	-g -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wvla \
	-Wimplicit-fallthrough -include $(BUILD)/config.h
DEPFLAGS := -MD -MP
# boot/, kernel/ and drivers/ never touch FPU/SSE state.
CFLAGS_NOFPU := -mno-sse -mno-mmx -mno-avx -mno-80387
LDFLAGS_IMAGE := -nostdlib -static -no-pie -z max-page-size=0x200 -z common-page-size=0x200 \
	-z noexecstack --gc-sections --build-id=none -T linker/image.ld

# Include paths per layer: the dependency table of STYLE.md §1.
INC-boot := -Iboot/include
INC-kernel := -Ikernel/include -Ikernel/arch/x86_64/include -Iboot/include
INC-drivers := -Ikernel/include -Idrivers/virtio/include
INC-libos := -Ilibos/include -Ikernel/include -Ilibos/fs/include -Ilibos/net/include
INC-apps := -Ilibos/include

# Code is built for size, except apps and the hot paths: a hot kernel file
# opts into speed with a target-specific EXTRA_CFLAGS below, a hot libos
# file by its place in SPEED-libos (libos/module.mk).
OPT_SIZE ?= -Os
# -falign-jumps=1: no padding after unconditional jumps, which no path
# executes and emulation gains nothing from (httpd: 4 KB less text, the
# same instructions per request). -falign-functions=1: none between
# functions either, which no path executes (httpd: 2 KB less text, the
# same instructions per request). Loops keep -O2's.
OPT_SPEED ?= -O2 -falign-jumps=1 -falign-functions=1
CFLAGS-boot := $(OPT_SIZE) $(CFLAGS_NOFPU) $(INC-boot)
CFLAGS-kernel := $(OPT_SIZE) $(CFLAGS_NOFPU) $(INC-kernel)
CFLAGS-drivers := $(OPT_SIZE) $(CFLAGS_NOFPU) $(INC-drivers)
# Application code (libos and apps) runs only in microapps, each with a
# thread pointer whose canary (%fs:0x28, random per boot) the stack
# protector checks; the kernel layers do not use it.
CFLAGS_SSP := -fstack-protector-strong
CFLAGS-libos := $(OPT_SIZE) $(CFLAGS_SSP) $(INC-libos)
CFLAGS-apps := $(OPT_SPEED) $(CFLAGS_SSP) $(INC-apps)

# Hot paths in size-optimised layers (the heap's malloc/free fast path).
$(BUILD)/obj/kernel/mm/heap.o: EXTRA_CFLAGS := $(OPT_SPEED)
$(BUILD)/obj/kernel/lib/spinlock.o: EXTRA_CFLAGS := $(OPT_SPEED)
# Integration test apps share tests/integration/include/itest.h.
$(BUILD)/obj/tests/integration/%.o: EXTRA_CFLAGS := -Itests/integration/include

SRCS-boot :=
SRCS-kernel :=
SRCS-drivers :=
SRCS-libos :=
SPEED-libos :=
include boot/module.mk kernel/module.mk drivers/module.mk libos/module.mk

obj = $(patsubst %,$(BUILD)/obj/%.o,$(basename $(1)))
$(call obj,$(SPEED-libos)): EXTRA_CFLAGS := $(OPT_SPEED)
OBJS-kernel := $(call obj,$(SRCS-boot) $(SRCS-kernel) $(SRCS-drivers))

# Selection by use (<kernel/init.h>): each device class of drivers/module.mk
# becomes a symbol driver_class_<class> whose R_X86_64_NONE relocations name
# the class's driver initcalls, so a linked DRIVER_CLASS_USE(<class>) keeps
# them through --gc-sections, and the kernel's C never names a driver.
DRIVER_CLASSES_OBJ := $(BUILD)/obj/drivers/classes.o
OBJS-kernel += $(DRIVER_CLASSES_OBJ)
driver_class_asm = $(foreach c,$(DRIVER_CLASSES),\
	\t.section .rodata.driver_class_$(c),"a"\n\t.globl driver_class_$(c)\n\
	driver_class_$(c):\n$(foreach d,$(DRIVERS-$(c)),\
	\t.reloc ., R_X86_64_NONE, initcall_$(d)\n)\t.byte 0\n)
$(DRIVER_CLASSES_OBJ): drivers/module.mk Makefile
	$(call msg,GEN,$@)
	@mkdir -p $(@D)
	$(Q)printf '$(driver_class_asm)\t.section .note.GNU-stack,"",@progbits\n' \
		| $(CC) -c -x assembler - -o $@

# The class symbols stay global through both localizations, so that
# APP_LINK can name them.
DRIVER_CLASS_KEEP := $(foreach c,$(DRIVER_CLASSES),\
	--keep-global-symbol=driver_class_$(c))

# APP_LINK (set in an app.mk): features the command line can ask for at run
# time although the app's code does not use them, linked anyway by naming
# them as roots of the link (kernel/exports-image.txt keeps the initcall
# global in os.o). An app that calls mount() gets ext2 without it.
#   ext2           mosaic.disk= (ext2 disks mounted before main())
#   drivers-CLASS  a device class's drivers (net, blk, rng) without
#                  their users, e.g. to test a driver on its own
APP_LINK_FEATURES := ext2 $(addprefix drivers-,$(DRIVER_CLASSES))
LINK_ROOT-ext2 := initcall_vfs_disks_mount
$(foreach c,$(DRIVER_CLASSES),$(eval LINK_ROOT-drivers-$(c) := driver_class_$(c)))
app_link = $(foreach f,$(1),$(if $(LINK_ROOT-$(f)),\
	--require-defined=$(LINK_ROOT-$(f)),\
	$(error APP_LINK: unknown feature '$(f)' (known: $(APP_LINK_FEATURES)))))
OBJS-libos := $(call obj,$(SRCS-libos))
OBJS-os := $(BUILD)/os.o

# Compile rules, one per layer; apps and integration tests are "apps".
define layer_rules
$(BUILD)/obj/$(1)/%.o: $(1)/%.c $(BUILD)/config.h
	$$(call msg,CC,$$<)
	@mkdir -p $$(@D)
	$(Q)$$(CC) $$(CFLAGS_IMAGE) $$(DEPFLAGS) $$(CFLAGS-$(2)) \
		$$(EXTRA_CFLAGS) -c $$< -o $$@
$(BUILD)/obj/$(1)/%.o: $(1)/%.S $(BUILD)/config.h
	$$(call msg,AS,$$<)
	@mkdir -p $$(@D)
	$(Q)$$(CC) $$(CFLAGS_IMAGE) $$(DEPFLAGS) $$(CFLAGS-$(2)) -D__ASSEMBLY__ \
		-c $$< -o $$@
endef
$(eval $(call layer_rules,boot,boot))
$(eval $(call layer_rules,kernel,kernel))
$(eval $(call layer_rules,drivers,drivers))
$(eval $(call layer_rules,libos,libos))
$(eval $(call layer_rules,apps,apps))
$(eval $(call layer_rules,tests/integration,apps))
$(eval $(call layer_rules,bench,apps))

# Layers are linked with `ld -r` and localized to their exports (STYLE.md
# §2): libos reaches only kernel/exports.txt, an app only libos/exports.txt,
# and nobody collides with another layer's internal names. LD_UNIQUE keeps
# each object's function and data sections apart: `ld -r` would otherwise
# join two files' sections of one name (two static flush_locked(), say)
# into one, and --gc-sections would keep or drop them together.
LD_UNIQUE := --unique=.text.\* --unique=.data.\* --unique=.bss.\* \
	--unique=.rodata.\*
$(BUILD)/kernel.o: $(OBJS-kernel) kernel/exports.txt
	$(call msg,LD,$@)
	$(Q)$(LD) -r $(LD_UNIQUE) -o $@.all $(OBJS-kernel)
	$(Q)$(OBJCOPY) --keep-global-symbols=kernel/exports.txt \
		$(DRIVER_CLASS_KEEP) $@.all $@
$(BUILD)/os.o: $(BUILD)/kernel.o $(OBJS-libos) libos/exports.txt \
		kernel/exports-image.txt
	$(call msg,LD,$@)
	$(Q)$(LD) -r $(LD_UNIQUE) -o $@.all $(BUILD)/kernel.o $(OBJS-libos)
	$(Q)$(OBJCOPY) --keep-global-symbols=libos/exports.txt \
		--keep-global-symbols=kernel/exports-image.txt \
		$(DRIVER_CLASS_KEEP) $@.all $@

# Rewritten only when a CONFIG_ value, the code-generation flags or the
# layers' link flags change (its comment records them), so that changing
# one, on the command line or in a Makefile, rebuilds everything and an
# unchanged one rebuilds nothing.
CONFIG_FLAGS := $(CC) $(CFLAGS_IMAGE) $(CFLAGS_NOFPU) $(CFLAGS_SSP) \
	$(OPT_SIZE) $(OPT_SPEED) $(SPEED-libos) $(LD_UNIQUE)
$(BUILD)/config.h: FORCE
	@mkdir -p $(@D)
	@printf '/* generated by the Makefile; flags: %s */\n#define CONFIG_DEBUG %s\n' \
		'$(CONFIG_FLAGS)' '$(CONFIG_DEBUG)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
FORCE:

# image_rules(out, app-objs, app-name, link-flags, mk): two-pass link (mk,
# the app.mk or link.mk that set link-flags, relinks it when it changes).
# Pass 1 links with an empty symbol table; tools/mksyms turns its text
# symbols into .ksyms and pass 2 links the real table in. .ksyms sits after
# text, so text addresses cannot move; mksyms --check proves it (and that
# the table decodes back to them), tools/check-image checks segments.
define image_rules
$(1): $(2) $(5) $(OBJS-os) $(BUILD)/ksyms-empty.o linker/image.ld \
		tools/mksyms tools/check-image
	$$(call msg,LD,$$@)
	@mkdir -p $$(@D)
	$(Q)$$(LD) $$(LDFLAGS_IMAGE) $(4) -o $$@.pass1 $(2) $(OBJS-os) \
		$(BUILD)/ksyms-empty.o
	$(Q)$$(PYTHON) tools/mksyms --nm $$(NM) --app $(3) $$@.pass1 \
		$$@.ksyms.S
	$(Q)$$(CC) -c $$@.ksyms.S -o $$@.ksyms.o
	$(Q)$$(LD) $$(LDFLAGS_IMAGE) $(4) -o $$@ $(2) $(OBJS-os) $$@.ksyms.o
	$(Q)$$(PYTHON) tools/mksyms --nm $$(NM) --objcopy $$(OBJCOPY) \
		--check $$@.pass1 $$@
	$(Q)$$(PYTHON) tools/check-image $$@
	$(Q)rm -f $$@.pass1
endef

$(BUILD)/ksyms-empty.o: tools/mksyms
	@mkdir -p $(@D)
	$(Q)$(PYTHON) tools/mksyms --empty $(BUILD)/ksyms-empty.S
	$(Q)$(CC) -c $(BUILD)/ksyms-empty.S -o $@

# initrd_rules(cpio, obj, dir): tools/mkinitrd packs dir (an app's
# rootfs/) into cpio, which obj carries in section .initrd (read-only data
# in the image, see linker/image.ld and <kernel/initrd.h>). Any change
# under dir (files, or a directory's mtime when entries come and go)
# repacks it. An app without rootfs/ links no initrd object.
define initrd_rules
$(1): tools/mkinitrd $(shell find $(3) 2>/dev/null)
	$$(call msg,CPIO,$$@)
	@mkdir -p $$(@D)
	$(Q)$$(PYTHON) tools/mkinitrd --mkdir tmp --mkdir data -o $$@ $(3)
$(2): $(1)
	$$(call msg,AS,$$@)
	@mkdir -p $$(@D)
	$(Q)printf '\t.section .initrd,"a",@progbits\n\t.incbin "%s"\n' \
		$$< | $$(CC) -c -x assembler - -o $$@
endef
# initrd_obj(cpio, obj, dir): obj, with its rules, when dir exists.
initrd_obj = $(if $(wildcard $(3)),\
	$(eval $(call initrd_rules,$(1),$(2),$(3)))$(2))

# The application: every .c/.S in $(APP) unless its app.mk sets APP_SRCS.
# Its app.mk may also set APP_RUNFLAGS (tools/run options `make run`
# puts before RUNFLAGS, e.g. a port forward), APP_RUN_NOTE (a line
# `make run` prints first) and APP_LINK (see above).
APP_NAME := $(notdir $(patsubst %/,%,$(APP)))
APP_SRCS :=
APP_LINK :=
APP_RUNFLAGS :=
APP_RUN_NOTE :=
-include $(APP)/app.mk
RUN_DEFAULTS := $(APP_RUNFLAGS)
RUN_NOTE := $(APP_RUN_NOTE)
APP_SRCS := $(if $(APP_SRCS),$(addprefix $(APP)/,$(APP_SRCS)),\
	$(wildcard $(APP)/*.c $(APP)/*.S))
APP_IMAGE := $(BUILD)/$(APP_NAME).elf
APP_INITRD := $(call initrd_obj,$(BUILD)/$(APP_NAME).cpio,\
	$(BUILD)/initrd/$(APP_NAME).o,$(patsubst %/,%,$(APP))/rootfs)
# An app outside the tree (APP=/path/to/dir, as tools/mosaic build passes
# it) compiles into $(BUILD)/obj/app/ with the apps layer's flags.
# $(BUILD)/app-dir names the app those objects belong to; for another app
# they go, before their .d files (naming the old sources) are read.
APP_DIR := $(patsubst %/,%,$(APP))
ifeq ($(filter apps/% tests/integration/% bench/%,$(APP_DIR)),)
ifneq ($(shell cat $(BUILD)/app-dir 2>/dev/null),$(abspath $(APP_DIR)))
$(shell rm -rf $(BUILD)/obj/app && mkdir -p $(BUILD) && \
	echo '$(abspath $(APP_DIR))' > $(BUILD)/app-dir)
endif
APP_OBJS := $(patsubst $(APP_DIR)/%,$(BUILD)/obj/app/%.o,\
	$(basename $(APP_SRCS)))
$(BUILD)/obj/app/%.o: $(APP_DIR)/%.c $(BUILD)/config.h
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_IMAGE) $(DEPFLAGS) $(CFLAGS-apps) $(EXTRA_CFLAGS) \
		-c $< -o $@
$(BUILD)/obj/app/%.o: $(APP_DIR)/%.S $(BUILD)/config.h
	$(call msg,AS,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_IMAGE) $(DEPFLAGS) $(CFLAGS-apps) -D__ASSEMBLY__ \
		-c $< -o $@
else
APP_OBJS := $(call obj,$(APP_SRCS))
endif
$(eval $(call image_rules,$(APP_IMAGE),$(APP_OBJS) \
	$(APP_INITRD),$(APP_NAME),$(call app_link,$(APP_LINK)),\
	$(wildcard $(APP_DIR)/app.mk)))

# Every appliance under apps/ is also linked as $(BUILD)/tests/app-<name>.elf
# for its end-to-end tests, tests/apps/<name>/test.cfg (`image =
# app-<name>.elf`), which talk to it with real clients.
APPS := $(patsubst apps/%/app.mk,%,$(wildcard apps/*/app.mk))
app_srcs = $(if $(APP_SRCS),$(addprefix apps/$(1)/,$(APP_SRCS)),\
	$(wildcard apps/$(1)/*.c apps/$(1)/*.S))
define app_rules
APP_SRCS :=
APP_LINK :=
include apps/$(1)/app.mk
$$(eval $$(call image_rules,$(BUILD)/tests/app-$(1).elf,\
	$$(call obj,$$(call app_srcs,$(1))) \
	$$(call initrd_obj,$(BUILD)/tests/app-$(1).cpio,\
	$(BUILD)/initrd/tests/app-$(1).o,apps/$(1)/rootfs),app-$(1),\
	$$(call app_link,$$(APP_LINK)),apps/$(1)/app.mk))
endef
$(foreach a,$(APPS),$(eval $(call app_rules,$(a))))
APP_IMAGES := $(foreach a,$(APPS),$(BUILD)/tests/app-$(a).elf)
APP_TESTS := $(patsubst tests/apps/%/test.cfg,%,\
	$(wildcard tests/apps/*/test.cfg))

# Integration tests: tests/integration/<name>/ is a small app plus test.cfg,
# and optionally link.mk, which may set APP_LINK as an app.mk does.
ITESTS := $(patsubst tests/integration/%/test.cfg,%,\
	$(wildcard tests/integration/*/test.cfg))
ITEST_IMAGES := $(foreach t,$(ITESTS),$(BUILD)/tests/$(t).elf)
define itest_rules
APP_LINK :=
-include tests/integration/$(1)/link.mk
$$(eval $$(call image_rules,$(BUILD)/tests/$(1).elf,\
	$$(call obj,$$(wildcard tests/integration/$(1)/*.c \
	tests/integration/$(1)/*.S)) \
	$$(call initrd_obj,$(BUILD)/tests/$(1).cpio,\
	$(BUILD)/initrd/tests/$(1).o,tests/integration/$(1)/rootfs),$(1),\
	$$(call app_link,$$(APP_LINK)),\
	$$(wildcard tests/integration/$(1)/link.mk)))
endef
$(foreach t,$(ITESTS),$(eval $(call itest_rules,$(t))))

%.stripped.elf: %.elf
	$(call msg,STRIP,$@)
	$(Q)$(STRIP) -o $@ $<

include tests/unit/unit.mk

.PHONY: FORCE all image run test test-unit test-integration test-apps test-tools test-porting iso check clean deps \
	check-includes check-headers bench test-bench deps-bench
all: $(APP_IMAGE)
image: $(APP_IMAGE) $(APP_IMAGE:.elf=.stripped.elf)

deps:
	$(Q)tools/deps all

# `make run` needs only the build and run packages; RUNFLAGS go to tools/run
# after the app's own APP_RUNFLAGS. Ctrl-C (status 130) ends it quietly.
run:
	$(Q)tools/deps build && tools/deps run
	$(Q)$(MAKE) --no-print-directory $(APP_IMAGE)
	$(if $(RUN_NOTE),@echo 'make run: $(RUN_NOTE)')
	$(Q)tools/run $(RUN_DEFAULTS) $(RUNFLAGS) $(APP_IMAGE) || \
		{ rc=$$?; [ $$rc -eq 130 ] || exit $$rc; }

iso: $(BUILD)/$(APP_NAME).iso
$(BUILD)/$(APP_NAME).iso: $(APP_IMAGE) tools/mkiso
	$(call msg,ISO,$@)
	$(Q)tools/mkiso $(APP_IMAGE) $@

test-integration: $(ITEST_IMAGES) $(ITEST_IMAGES:.elf=.stripped.elf)
	$(Q)tools/testrun --build $(BUILD) $(addprefix tests/integration/,$(ITESTS))

test-apps: $(APP_IMAGES) $(APP_IMAGES:.elf=.stripped.elf)
	$(Q)tools/testrun --build $(BUILD) $(addprefix tests/apps/,$(APP_TESTS))

# The mosaic CLI end to end (tests/tools/run: new, build, run, debug, ...),
# what images link (tests/tools/selection) and tools/check-image's rules
# (tests/tools/image).
SELECTION_IMAGES := $(foreach a,hello echo httpd,$(BUILD)/tests/app-$(a).elf) \
	$(BUILD)/tests/app-hello.stripped.elf
test-tools: $(BUILD)/os.o $(BUILD)/ksyms-empty.o $(SELECTION_IMAGES)
	$(Q)tests/tools/run $(BUILD)
	$(Q)tests/tools/selection $(BUILD)
	$(Q)tests/tools/image $(BUILD)

# Porting: small C programs with their own plain Makefiles, built by
# tools/mosaic-cc from a copy under $(BUILD)/porting (the tree stays clean)
# and run like the integration tests (their test.cfg names the image).
PORTING := $(patsubst tests/porting/%/Makefile,%,\
	$(wildcard tests/porting/*/Makefile))
test-porting: $(BUILD)/os.o $(BUILD)/ksyms-empty.o
	$(Q)set -e; mkdir -p $(BUILD)/tests; for p in $(PORTING); do \
		rm -rf $(BUILD)/porting/$$p; mkdir -p $(BUILD)/porting; \
		cp -r tests/porting/$$p $(BUILD)/porting/$$p; \
		rm -f $(BUILD)/porting/$$p/test.cfg; \
		$(MAKE) -s --no-print-directory -C $(BUILD)/porting/$$p \
			CC=$(abspath tools/mosaic-cc) \
			MOSAIC_BUILD=$(abspath $(BUILD)) >/dev/null; \
		cp $(BUILD)/porting/$$p/$$p $(BUILD)/tests/porting-$$p.elf; \
	done
	$(Q)tools/testrun --build $(BUILD) $(addprefix tests/porting/,$(PORTING))

check-includes:
	$(Q)tools/check-includes

# Every public header compiles on its own with its layer's flags.
HEADERS-kernel := $(wildcard kernel/include/kernel/*.h)
HEADERS-boot := $(wildcard boot/include/boot/*.h)
HEADERS-libos := $(wildcard libos/include/*.h libos/include/*/*.h)
HEADER_STAMPS := $(foreach l,kernel boot libos,\
	$(patsubst %.h,$(BUILD)/hdr/%.ok,$(HEADERS-$(l))))
define header_rule
$(BUILD)/hdr/$(1)/%.ok: $(1)/%.h $(BUILD)/config.h
	@mkdir -p $$(@D)
	$(Q)$$(CC) $$(CFLAGS_IMAGE) $$(CFLAGS-$(2)) -fsyntax-only -x c \
		-include $$< /dev/null && touch $$@
endef
$(eval $(call header_rule,kernel/include,kernel))
$(eval $(call header_rule,boot/include,boot))
$(eval $(call header_rule,libos/include,apps))
check-headers: $(HEADER_STAMPS)

# make test: everything, one summary line at the end.
test: deps
	$(Q)$(MAKE) --no-print-directory check-includes check-headers \
		$(ITEST_IMAGES) $(ITEST_IMAGES:.elf=.stripped.elf) $(APP_IMAGE) \
		$(APP_IMAGES)
	$(Q)$(PYTHON) tools/libc-inventory --check
	$(Q)tests/run-all $(BUILD) $(MAKE)

check: check-includes
	$(Q)tools/check-format
	$(Q)$(MAKE) --no-print-directory test

# Benchmarks (issue #10): Mosaic beside a minimal Linux guest under the
# same QEMU line; bench/run.py runs the parts and writes the dated report
# in bench/results/. `make bench-PART` runs one part (bench/run.py --list).
# Never part of `make test`, which runs only their smoke check
# (test-bench: tiny loads, Mosaic only).
BENCH_PARTS := size boot http kv smp conn micro disk
.PHONY: $(addprefix bench-,$(BENCH_PARTS))
bench: deps-bench
	$(Q)BUILD=$(BUILD) $(PYTHON) bench/run.py

$(addprefix bench-,$(BENCH_PARTS)): bench-%: deps-bench
	$(Q)BUILD=$(BUILD) $(PYTHON) bench/run.py $*

test-bench: $(BUILD)/os.o
	$(Q)BUILD=$(BUILD) $(PYTHON) bench/run.py --smoke --quiet

deps-bench:
	$(Q)tools/deps all

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
