// The receiving end of sd_notify: a unix datagram socket that carries each sender's credentials
// (SO_PASSCRED → SCM_CREDENTIALS), so the supervisor accepts READY=1 only from the service's
// own processes, and whose file belongs to the service's user with mode 0600, so no other user
// can even send. Each function returns -errno on failure (bun:ffi cannot read errno).
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
/* fds a sender may pass in one message (systemd-notify's BARRIER=1 passes one) */
#define MAX_FDS 16

/* Binds a non-blocking datagram socket at `path` (a stale file there is replaced), owned by
 * uid:gid when uid >= 0, mode 0600. Returns the fd, or -errno with *step naming the call. */
EXPORT int sysg_notify_open(const char *path, int uid, int gid, int32_t *step) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  *step = 0;
  if (len >= sizeof addr.sun_path) return -ENAMETOOLONG;
  memcpy(addr.sun_path, path, len + 1);
  if (unlink(path) < 0 && errno != ENOENT) return *step = 1, -errno;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return *step = 2, -errno;
  int one = 1, e;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) {
    *step = 3;
    goto fail;
  }
  /* until the chmod below the file has the mode bind gives it under our umask (never
   * writable by others under the 022/077 a supervisor runs with), so nobody else can send */
  if (bind(fd, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1)) < 0) {
    *step = 4;
    goto fail;
  }
  if (uid >= 0 && chown(path, (uid_t)uid, (gid_t)gid) < 0) {
    *step = 5;
    goto unlink_fail;
  }
  if (chmod(path, 0600) < 0) {
    *step = 6;
    goto unlink_fail;
  }
  return fd;
unlink_fail:
  e = errno;
  unlink(path);
  close(fd);
  return -e;
fail:
  e = errno;
  close(fd);
  return -e;
}

/* One waiting datagram into buf (truncated to len), its sender's pid, uid, gid into cred[0..2]
 * (-1 when the kernel attached none). Passed fds are closed at once: a sender waiting for
 * that (BARRIER=1) continues. Returns the byte count, or -EAGAIN when nothing waits. */
EXPORT int sysg_notify_recv(int fd, char *buf, int len, int32_t *cred) {
  union {
    char bytes[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = buf, .iov_len = (size_t)len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes, .msg_controllen = sizeof control.bytes};
  ssize_t n;
  while ((n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) continue;
  if (n < 0) return -errno;
  cred[0] = cred[1] = cred[2] = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      struct ucred u;
      memcpy(&u, CMSG_DATA(c), sizeof u);
      cred[0] = u.pid;
      cred[1] = (int32_t)u.uid;
      cred[2] = (int32_t)u.gid;
    } else if (c->cmsg_type == SCM_RIGHTS) {
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; i++) {
        int passed;
        memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
        close(passed);
      }
    }
  }
  return (int)n;
}
