/* SPDX-License-Identifier: MIT */
/* <sys/utsname.h>: uname(), with Linux's six 65-byte fields. */
#ifndef MOSAIC_SYS_UTSNAME_H
#define MOSAIC_SYS_UTSNAME_H

#define _UTSNAME_LENGTH 65

struct utsname {
	char sysname[_UTSNAME_LENGTH];
	char nodename[_UTSNAME_LENGTH];
	char release[_UTSNAME_LENGTH];
	char version[_UTSNAME_LENGTH];
	char machine[_UTSNAME_LENGTH];
	char domainname[_UTSNAME_LENGTH];
};

/* sysname "Mosaic", nodename gethostname()'s, release "0.1", version
 * the build's, machine "x86_64", domainname "(none)". Returns 0. */
int uname(struct utsname *u);

#endif /* MOSAIC_SYS_UTSNAME_H */
