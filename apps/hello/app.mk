# SPDX-License-Identifier: MIT
# apps/hello: `make APP=apps/hello` builds build/hello.elf.
APP_SRCS := main.c
