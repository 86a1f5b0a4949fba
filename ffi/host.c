// The Bun backend's libc calls outside spawn (docs/architecture.md: every libc call goes through
// the shim, the one library JavaScript loads): peer credentials of the control socket, sysg's own
// sd_notify client, giving code pages back, and the host probes of `sysg doctor`. Each returns
// -errno on failure, because bun:ffi cannot read errno reliably after a call returns to
// JavaScript.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* x86_64 and aarch64 (asm-generic) alike */
#endif

/* SO_PEERCRED of a connected unix socket: out = {pid, uid, gid}. */
EXPORT int sysg_peercred(int fd, int32_t out[3]) {
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return -errno;
  out[0] = cred.pid;
  out[1] = (int32_t)cred.uid;
  out[2] = (int32_t)cred.gid;
  return 0;
}

/* SO_PEERGROUPS into gids (*len bytes); *len becomes the bytes used, or on -ERANGE the bytes
 * the kernel needs. */
EXPORT int sysg_peergroups(int fd, uint32_t *gids, uint32_t *len) {
  socklen_t n = *len;
  int r = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gids, &n);
  *len = n;
  return r < 0 ? -errno : 0;
}

/* A non-blocking unix datagram socket for sending (a stuck receiver costs a lost message,
 * never a stalled supervisor). */
EXPORT int sysg_dgram_socket(void) {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd < 0 ? -errno : fd;
}

/* One datagram to addr (a struct sockaddr_un of addrlen bytes): the bytes sent, or -errno. */
EXPORT int sysg_sendto(int fd, const void *buf, uint32_t len, const void *addr, uint32_t addrlen) {
  ssize_t n;
  while ((n = sendto(fd, buf, len, MSG_NOSIGNAL, addr, addrlen)) < 0 && errno == EINTR) continue;
  return n < 0 ? -errno : (int)n;
}

/* CLOCK_MONOTONIC in microseconds (sd_notify's MONOTONIC_USEC=). */
EXPORT int sysg_monotonic_usec(int64_t *out) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) return -errno;
  *out = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
  return 0;
}

EXPORT int sysg_madvise(uint64_t addr, uint64_t len, int advice) {
  return madvise((void *)(uintptr_t)addr, (size_t)len, advice) < 0 ? -errno : 0;
}

/* Whether pidfd_open works here: 0, or -errno (ENOSYS on kernels before 5.3). */
EXPORT int sysg_pidfd_probe(void) {
  long fd = syscall(SYS_pidfd_open, getpid(), 0);
  if (fd < 0) return -errno;
  close((int)fd);
  return 0;
}
