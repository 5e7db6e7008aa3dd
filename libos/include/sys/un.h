/* SPDX-License-Identifier: MIT */
/* <sys/un.h>: the AF_UNIX address (Linux layout, 110 bytes). */
#ifndef MOSAIC_SYS_UN_H
#define MOSAIC_SYS_UN_H

#include <sys/socket.h>

struct sockaddr_un {
	sa_family_t sun_family;
	char sun_path[108];
};

#endif /* MOSAIC_SYS_UN_H */
