// The filesystem, LSM and seccomp steps of the sandbox. Runs in the clone child between the
// namespace step and exec, so raw system calls only (see raw.h). The mount plan is a flat list
// of records computed by src/privilege/mount-plan.ts; this file only replays it in order.
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mount.h>

#include "raw.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static long str_len(const char *s) {
  long n = 0;
  while (s[n]) n++;
  return n;
}

long sysg_mount_slave_root(void) { return raw5(SYS_mount, 0, "/", 0, MS_REC | MS_SLAVE, 0); }

static long run_op(const struct sysg_mount_op *op, const char *target, const char *source, const char *data, int *slots) {
  switch (op->op) {
  case MOUNT_OP_BIND:
    return raw5(SYS_mount, source, target, 0, MS_BIND | op->flags, 0);
  case MOUNT_OP_MOUNT:
    return raw5(SYS_mount, source, target, source, op->flags, data[0] ? data : 0);
  case MOUNT_OP_SETATTR: {
    struct mount_attr attr = {.attr_set = op->set, .attr_clr = op->clr};
    /* an autofs mount point is changed itself, not mounted by the lookup */
    return raw5(SYS_mount_setattr, AT_FDCWD, target, op->flags | AT_NO_AUTOMOUNT, &attr, sizeof attr);
  }
  case MOUNT_OP_MKDIR: {
    long r = raw3(SYS_mkdirat, AT_FDCWD, target, op->flags);
    return r == -EEXIST ? 0 : r;
  }
  case MOUNT_OP_MKFILE: {
    long fd = raw4(SYS_openat, AT_FDCWD, target, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, op->flags);
    if (fd == -EEXIST) return 0;
    if (fd < 0) return fd;
    raw1(SYS_close, fd);
    return 0;
  }
  case MOUNT_OP_SYMLINK: {
    long r = raw3(SYS_symlinkat, source, AT_FDCWD, target);
    return r == -EEXIST ? 0 : r;
  }
  case MOUNT_OP_CLONE: {
    if (op->set >= SYSG_MOUNT_SLOTS) return -EINVAL;
    long fd = raw3(SYS_open_tree, AT_FDCWD, target, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_NO_AUTOMOUNT | op->flags);
    if (fd < 0) return fd;
    slots[op->set] = (int)fd;
    return 0;
  }
  case MOUNT_OP_ATTACH: {
    if (op->set >= SYSG_MOUNT_SLOTS || slots[op->set] < 0) return -EINVAL;
    long r = raw5(SYS_move_mount, slots[op->set], "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
    raw1(SYS_close, slots[op->set]);
    slots[op->set] = -1;
    return r;
  }
  default:
    return -EINVAL;
  }
}

long sysg_run_mount_plan(const struct sysg_spawn_spec *s, int32_t *failed) {
  int slots[SYSG_MOUNT_SLOTS];
  for (int i = 0; i < SYSG_MOUNT_SLOTS; i++) slots[i] = -1;
  const uint8_t *p = s->mount_plan, *end = p + s->mount_plan_len;
  long r = 0;
  for (int32_t index = 0; p < end; index++) {
    const struct sysg_mount_op *op = (const struct sysg_mount_op *)p;
    const char *target = (const char *)(op + 1);
    const char *source = target + str_len(target) + 1;
    const char *data = source + str_len(source) + 1;
    const char *next = data + str_len(data) + 1;
    r = run_op(op, target, source, data, slots);
    if (r < 0) {
      *failed = index;
      break;
    }
    p = (const uint8_t *)next;
    p += (4 - ((uintptr_t)(p - s->mount_plan) & 3)) & 3;
  }
  for (int i = 0; i < SYSG_MOUNT_SLOTS; i++)
    if (slots[i] >= 0) raw1(SYS_close, slots[i]);
  return r;
}

/* "attr file\0label\0": e.g. /proc/self/attr/apparmor/exec + "exec profile". The kernel applies
 * the label at the next execve. */
long sysg_set_lsm_exec_label(const struct sysg_spawn_spec *s) {
  const char *path = s->lsm_exec;
  const char *label = path + str_len(path) + 1;
  long fd = raw4(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0) return fd;
  long n = str_len(label);
  long r = raw3(SYS_write, fd, label, n);
  raw1(SYS_close, fd);
  if (r >= 0 && r != n) return -EIO;
  return r < 0 ? r : 0;
}

/* The filter was compiled by src/privilege/seccomp.ts; no_new_privs is already set. */
long sysg_install_seccomp(const struct sysg_spawn_spec *s) {
  struct sock_fprog prog = {.len = (unsigned short)s->seccomp_len, .filter = (struct sock_filter *)s->seccomp_filter};
  if (s->seccomp_len <= 0 || s->seccomp_len > BPF_MAXINSNS) return -EINVAL;
  return raw3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}
