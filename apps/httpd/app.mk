# SPDX-License-Identifier: MIT
# apps/httpd: `make APP=apps/httpd` builds build/httpd.elf; rootfs/www is
# the demo site it serves.
APP_SRCS := main.c conn.c park.c http.c url.c date.c mime.c resp.c file.c dir.c
# `make run` (the default appliance) forwards 127.0.0.1:8080 to its port 80.
APP_RUNFLAGS := --net user,hostfwd=tcp:127.0.0.1:8080-:80
APP_RUN_NOTE := the demo site is at http://localhost:8080/ once httpd \
	says it listens; Ctrl-C stops the appliance.
# mosaic.disk= serves a site from an ext2 disk (httpd itself never calls
# mount()).
APP_LINK := ext2
