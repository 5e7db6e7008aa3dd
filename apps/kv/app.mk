# SPDX-License-Identifier: MIT
# apps/kv: a memcached-compatible in-memory store (tests/apps/kv).
APP_SRCS := main.c proto.c store.c
