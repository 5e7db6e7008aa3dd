/* SPDX-License-Identifier: MIT */
/*
 * <unistd.h>: the calls a single appliance can answer. File descriptors 0,
 * 1 and 2 are the console (reading gives end of file until there is an
 * input device); other descriptors arrive with the storage and network
 * issues, and until then calls on them fail with EBADF. One process: its
 * id is 1 and it runs as root.
 */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <stddef.h>
#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define _SC_CLK_TCK 2
#define _SC_OPEN_MAX 4
#define _SC_PAGESIZE 30
#define _SC_PAGE_SIZE _SC_PAGESIZE
#define _SC_NPROCESSORS_CONF 83
#define _SC_NPROCESSORS_ONLN 84
#define _SC_PHYS_PAGES 85
#define _SC_AVPHYS_PAGES 86

/* Files over the VFS (libc file.c). Descriptors 0-2 start as the
 * console (no seeking: ESPIPE; reading 0 gives end of file) and stdio's
 * streams use whatever they are later (dup2). */
ssize_t write(int fd, const void *buf, size_t len);
ssize_t read(int fd, void *buf, size_t len);
ssize_t pread(int fd, void *buf, size_t len, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t len, off_t off);
int ftruncate(int fd, off_t len);
int truncate(const char *path, off_t len);
int dup(int fd);
int dup2(int fd, int fd2);
int dup3(int fd, int fd2, int flags);
/* fds[0] reads what fds[1] writes; pipe2 takes O_NONBLOCK, O_CLOEXEC. */
int pipe(int fds[2]);
int pipe2(int fds[2], int flags);
int access(const char *path, int mode);
int faccessat(int dirfd, const char *path, int mode, int flags);
int chdir(const char *path);
int fchdir(int fd);
int rmdir(const char *path);
int unlink(const char *path);
int unlinkat(int dirfd, const char *path, int flags);
int link(const char *from, const char *to);
int symlink(const char *target, const char *path);
ssize_t readlink(const char *path, char *buf, size_t size);
ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t size);
int close(int fd);
off_t lseek(int fd, off_t off, int whence);
int isatty(int fd);
int fsync(int fd);
int fdatasync(int fd);

pid_t getpid(void);
pid_t getppid(void);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);

void _exit(int status) __attribute__((noreturn));
long sysconf(int name);
int getpagesize(void);
char *getcwd(char *buf, size_t size);
int gethostname(char *name, size_t len);
/* Up to 256 random bytes from the kernel's CSPRNG. */
int getentropy(void *buf, size_t len);

/* Sleeps that never end early (time.c). sleep() returns 0. */
unsigned int sleep(unsigned int seconds);
int usleep(useconds_t usec);

/* getopt() as <getopt.h> declares it (repeated here, as POSIX puts it in
 * <unistd.h>, without the GNU long-option interface). */
extern char *optarg;
extern int optind, opterr, optopt;
int getopt(int argc, char *const argv[], const char *optstring);

extern char **environ;

#endif /* _UNISTD_H */
