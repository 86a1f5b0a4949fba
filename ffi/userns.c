// isolation.user (SPEC §8): a new user namespace in which the service is uid/gid 0, mapped to
// its configured account outside (or the supervisor's, when it names none). A process may map
// its own euid/egid into a namespace it created, once setgroups is denied, so no helper process
// or sync pipe is needed. Raw system calls only: this runs between clone and exec.
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>

#include "raw.h"

static long write_file(const char *path, const char *text, long len) {
  long fd = raw4(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0) return fd;
  long r = raw3(SYS_write, fd, text, len);
  raw1(SYS_close, fd);
  return r < 0 ? r : 0;
}

/* "0 <id> 1\n", formatted by hand (no libc here); returns its length. */
static long format_map(char *buf, uint32_t id) {
  char digits[10];
  int n = 0;
  do digits[n++] = (char)('0' + id % 10);
  while ((id /= 10) > 0);
  long len = 0;
  buf[len++] = '0';
  buf[len++] = ' ';
  while (n > 0) buf[len++] = digits[--n];
  buf[len++] = ' ';
  buf[len++] = '1';
  buf[len++] = '\n';
  return len;
}

long sysg_map_user_namespace(uint32_t uid, uint32_t gid) {
  /* After a uid switch the kernel made us non-dumpable, which hands the files of /proc/self to root and
   * makes uid_map unwritable for us; exec resets this flag anyway. */
  long r = raw5(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
  if (r < 0) return r;
  /* an unprivileged writer may set gid_map only once setgroups is denied */
  r = write_file("/proc/self/setgroups", "deny", 4);
  if (r < 0) return r;
  char map[24];
  r = write_file("/proc/self/uid_map", map, format_map(map, uid));
  if (r < 0) return r;
  return write_file("/proc/self/gid_map", map, format_map(map, gid));
}

long sysg_enter_user_namespace(const struct sysg_spawn_spec *s) {
  uint32_t uid = (uint32_t)raw0(SYS_geteuid), gid = (uint32_t)raw0(SYS_getegid);
  long r = raw1(SYS_unshare, CLONE_NEWUSER);
  if (r < 0) return r;
  r = sysg_map_user_namespace(uid, gid);
  if (r < 0 || !(s->flags & SYSG_CAPS)) return r;
  /* the new namespace starts with a full bounding set: root inside keeps only what is listed */
  for (long cap = 0; cap < 64; cap++) {
    if (s->caps & (1ULL << cap)) continue;
    r = raw5(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0);
    if (r == -EINVAL) break; /* past the kernel's last capability */
    if (r < 0) return r;
  }
  return 0;
}
