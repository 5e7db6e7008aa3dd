# SPDX-License-Identifier: MIT
# apps/httpd: `make APP=apps/httpd` builds build/httpd.elf; rootfs/www is
# the demo site it serves.
APP_SRCS := main.c conn.c http.c url.c date.c mime.c resp.c file.c dir.c
