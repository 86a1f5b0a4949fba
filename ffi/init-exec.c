// The init program of PID namespaces lives in one memfd per supervisor: written once, then
// sealed (no write, grow or shrink: what every later exec runs is exactly what was embedded),
// close-on-exec (the init does not keep it, nor does any service). PID 1 of each namespace
// execs it with execveat(fd, "", AT_EMPTY_PATH): no file on disk, so a read-only or noexec
// /tmp, or a mount namespace that hides the binary, does not matter.
#define _GNU_SOURCE
#include "init-exec.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "raw.h"

#define EXPORT __attribute__((visibility("default")))
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: ask for an executable memfd where vm.memfd_noexec = 1 */
#endif

static int init_fd = -1;

EXPORT int sysg_init_install(const uint8_t *bytes, int32_t len) {
  if (!bytes || len <= 0) return -EINVAL;
  int fd = memfd_create("sysg-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) fd = memfd_create("sysg-init", MFD_CLOEXEC | MFD_ALLOW_SEALING); /* before 6.3 */
  if (fd < 0) return -errno;
  for (int32_t at = 0; at < len;) {
    ssize_t n = write(fd, bytes + at, (size_t)(len - at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      close(fd);
      return -e;
    }
    at += (int32_t)n;
  }
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  if (init_fd >= 0) close(init_fd);
  init_fd = fd;
  return fd;
}

int sysg_init_fd(void) {
  return init_fd;
}

long sysg_exec_init(long service) {
  if (init_fd < 0) return -EBADF;
  char digits[24];
  int n = sizeof digits - 1;
  digits[n] = '\0';
  do digits[--n] = (char)('0' + service % 10); while ((service /= 10) > 0 && n > 0);
  char *argv[] = {"sysg-init", digits + n, 0};
  char *envp[] = {0};
  return raw5(SYS_execveat, init_fd, "", argv, envp, AT_EMPTY_PATH);
}
