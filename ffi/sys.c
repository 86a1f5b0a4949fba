// Small libc wrappers for the Bun backend: each returns -errno on failure, because bun:ffi
// cannot read errno reliably after a call returns to JavaScript.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* waitpid(pid, &status, flags): the pid reaped, 0 (WNOHANG, nothing yet), or -errno. */
EXPORT int sysg_waitpid(int pid, int *status, int flags) {
  int r;
  while ((r = waitpid(pid, status, flags)) < 0 && errno == EINTR) continue;
  return r < 0 ? -errno : r;
}

EXPORT int sysg_kill(int pid, int sig) { return kill(pid, sig) < 0 ? -errno : 0; }

/* Both ends O_CLOEXEC; only our read end O_NONBLOCK, so a child's writes still block. */
EXPORT int sysg_pipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) < 0) return -errno;
  if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
    int e = errno;
    close(fds[0]);
    close(fds[1]);
    return -e;
  }
  return 0;
}

/* No retry on EINTR: on Linux the fd is closed even then. */
EXPORT int sysg_close(int fd) { return close(fd) < 0 ? -errno : 0; }

EXPORT int sysg_set_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0; }

/* English text for an errno ("No such file or directory"), independent of the locale. */
EXPORT const char *sysg_strerror(int err) {
  const char *text = strerrordesc_np(err);
  return text ? text : "Unknown error";
}

EXPORT int sysg_unlink(const char *path) { return unlink(path) < 0 ? -errno : 0; }
