# SPDX-License-Identifier: MIT
# apps/kv: a memcached-compatible in-memory store (tests/apps/kv).
APP_SRCS := main.c proto.c store.c
# `make run APP=apps/kv`: memcached's port on 127.0.0.1, and RAM for the
# default 64 MiB store.
APP_RUNFLAGS := --mem 256M --net user,hostfwd=tcp:127.0.0.1:11211-:11211
APP_RUN_NOTE := memcached clients reach the store at 127.0.0.1:11211; \
	Ctrl-C stops the appliance.
