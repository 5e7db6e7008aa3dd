/* SPDX-License-Identifier: MIT */
/* Media types by file-name extension (RFC 6838 names, as registered with
 * IANA); the rest is application/octet-stream. */
#ifndef HTTPD_MIME_H
#define HTTPD_MIME_H

/* The Content-Type for the file named `path` (a static string). */
const char *mime_type(const char *path);

#endif /* HTTPD_MIME_H */
