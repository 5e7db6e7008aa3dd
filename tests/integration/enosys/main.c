/* SPDX-License-Identifier: MIT */
/*
 * Integration test: the calls Mosaic does not implement fail honestly.
 * socketpair() and ioctl() (each called twice) return -1/ENOSYS and print
 * their notice once (test.cfg rejects a second one); the calls that once
 * were stubs (socket, pipe, getaddrinfo) and uname(), fstat(1),
 * fcntl(1, F_GETFL) and writev(1) work.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <itest.h>

static void test_stubs(void)
{
	struct addrinfo *res = NULL;
	int fds[2];
	int rc;

	for (int i = 0; i < 2; i++) {
		errno = 0;
		rc = socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
		CHECK(rc == -1 && errno == ENOSYS, "socketpair: %d errno %d",
		      rc, errno);
		errno = 0;
		rc = ioctl(1, FIONREAD, &fds[0]);
		CHECK(rc == -1 && errno == ENOSYS, "ioctl: %d errno %d", rc,
		      errno);
		printf("round %d done\n", i);
	}
	rc = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(rc >= 3 && close(rc) == 0, "socket: %d errno %d", rc, errno);
	rc = pipe(fds);
	CHECK(rc == 0 && close(fds[0]) == 0 && close(fds[1]) == 0,
	      "pipe: %d errno %d", rc, errno);
	rc = getaddrinfo("localhost", "80", NULL, &res);
	CHECK(rc == 0 && res && res->ai_family == AF_INET &&
		      ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr ==
			      htonl(INADDR_LOOPBACK),
	      "getaddrinfo: %d", rc);
	if (rc == 0)
		freeaddrinfo(res);
	CHECK(!strcmp(gai_strerror(EAI_SYSTEM), "System error"),
	      "gai_strerror");
}

static void test_working(void)
{
	static char a[] = "writev ", b[] = "to stdout\n";
	struct iovec iov[] = { { a, 7 }, { NULL, 0 }, { b, 10 } };
	struct utsname u;
	struct stat st;
	ssize_t n;

	CHECK(uname(&u) == 0, "uname");
	CHECK(!strcmp(u.sysname, "Mosaic") && !strcmp(u.machine, "x86_64") &&
		      !strcmp(u.release, "0.1") && u.nodename[0],
	      "uname fields %s %s %s %s", u.sysname, u.nodename, u.release,
	      u.machine);
	CHECK(fstat(1, &st) == 0 && S_ISCHR(st.st_mode), "fstat(1)");
	CHECK(fstat(7, &st) == -1 && errno == EBADF, "fstat(7)");
	CHECK(fcntl(1, F_GETFL) == O_WRONLY, "fcntl(1, F_GETFL)");
	n = writev(1, iov, 3);
	CHECK(n == 17, "writev returned %ld", (long)n);
	CHECK(sizeof(struct stat) == 144 && sizeof(struct sockaddr_in) == 16 &&
		      sizeof(struct sockaddr_in6) == 28,
	      "struct sizes");
}

int main(void)
{
	test_stubs();
	test_working();
	if (!failures)
		printf("TEST PASS\n");
	return failures != 0;
}
