# SPDX-License-Identifier: MIT
# apps/echo: `make APP=apps/echo` builds build/echo.elf.
APP_SRCS := main.c
