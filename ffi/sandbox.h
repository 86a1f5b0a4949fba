// The hardening steps of the child (systemd.exec-style sandbox), run with raw system calls only.
// TypeScript (src/privilege/mount-plan.ts, seccomp.ts) decides everything; these functions
// replay its decisions in order.
#ifndef SYSG_SANDBOX_H
#define SYSG_SANDBOX_H

#include <stdint.h>

#include "spawn.h"

/* One mount-plan record: this header, then three NUL-terminated strings (target, source,
 * data; empty when unused), then zero padding to a multiple of 4 bytes. */
struct sysg_mount_op {
  uint32_t op;    /* MOUNT_OP_* */
  uint32_t flags; /* MS_* for mount/bind; AT_RECURSIVE for setattr/clone; mode for mkdir/mkfile */
  uint32_t set;   /* setattr: MOUNT_ATTR_* to set; clone/attach: slot */
  uint32_t clr;   /* setattr: MOUNT_ATTR_* to clear */
};

enum {
  MOUNT_OP_BIND = 1,    /* mount(source, target, NULL, MS_BIND | flags) */
  MOUNT_OP_MOUNT = 2,   /* mount(source, target, fstype = data's first string, flags, options) */
  MOUNT_OP_SETATTR = 3, /* mount_setattr(target, flags, {set, clr}) */
  MOUNT_OP_MKDIR = 4,   /* mkdir(target, flags), an existing one is fine */
  MOUNT_OP_MKFILE = 5,  /* an empty file (a bind target), an existing one is fine */
  MOUNT_OP_SYMLINK = 6, /* symlink(source, target) */
  MOUNT_OP_CLONE = 7,   /* slot[set] = open_tree(target, OPEN_TREE_CLONE | flags): a detached copy */
  MOUNT_OP_ATTACH = 8,  /* move_mount(slot[set], target) */
};

#define SYSG_MOUNT_SLOTS 64

/* MS_REC|MS_SLAVE on / of a new mount namespace: nothing mounted inside propagates out. */
long sysg_mount_slave_root(void);
/* Runs the plan; on failure returns -errno and sets *failed to the record's index. */
long sysg_run_mount_plan(const struct sysg_spawn_spec *s, int32_t *failed);
long sysg_set_lsm_exec_label(const struct sysg_spawn_spec *s);
long sysg_install_seccomp(const struct sysg_spawn_spec *s);

#endif
