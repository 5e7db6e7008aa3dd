# SPDX-License-Identifier: MIT
# apps/echo: `make APP=apps/echo` builds build/echo.elf.
APP_SRCS := main.c
# `make run APP=apps/echo`: TCP and UDP port 7 at 127.0.0.1:7007.
APP_RUNFLAGS := --net \
	user,hostfwd=tcp:127.0.0.1:7007-:7,hostfwd=udp:127.0.0.1:7007-:7
APP_RUN_NOTE := echo listens at 127.0.0.1:7007 (TCP and UDP); Ctrl-C \
	stops the appliance.
