// The flat spawn spec that src/platform/bun/spawn-spec.ts fills (offsets mirrored there;
// the _Static_asserts in spawn.c pin them). Every field is fixed-size, pointers first, so
// the layout is the same for any x86_64/aarch64 compiler.
#ifndef SYSG_SPAWN_H
#define SYSG_SPAWN_H

#include <stdint.h>

/* Which optional steps to run (a field without its flag is ignored). */
enum {
  SYSG_SESSION = 1 << 0,   /* setsid(); otherwise setpgid(0, 0) */
  SYSG_UMASK = 1 << 1,
  SYSG_NICE = 1 << 2,
  SYSG_CGROUP = 1 << 3,
  SYSG_CAPS = 1 << 4,      /* keep exactly `caps`, drop every other capability */
  SYSG_GROUPS = 1 << 5,
  SYSG_GID = 1 << 6,
  SYSG_UID = 1 << 7,
  SYSG_NO_NEW_PRIVS = 1 << 8,
  SYSG_AFFINITY = 1 << 9,
  SYSG_LISTEN_PID = 1 << 10, /* add LISTEN_PID=<the service's own pid> to its env (sd_listen_fds) */
  /* i8 hardening (bits 16-23), see sandbox.c */
  SYSG_MOUNTS = 1 << 16,     /* run the mount plan (needs CLONE_NEWNS) */
  SYSG_SECCOMP = 1 << 17,    /* install the seccomp filter, the last step before exec */
  SYSG_LSM = 1 << 18,        /* write an AppArmor/SELinux exec label */
  /* isolation.user (userns.c): CLONE_NEWUSER is in `namespaces`; map root inside to our uid */
  SYSG_USERNS_MAP = 1 << 24,
  /* isolation.user for a root supervisor: create the user namespace after the uid switch */
  SYSG_USERNS_AFTER_UID = 1 << 25,
};

/* The child's setup steps; numbering = index in SpawnStep of src/platform/types.ts. */
enum sysg_step {
  STEP_FORK, STEP_SIGNALS, STEP_SESSION, STEP_NAMESPACE, STEP_LIMITS, STEP_NICE, STEP_AFFINITY,
  STEP_CGROUP, STEP_CAPABILITIES, STEP_GROUPS, STEP_GID, STEP_UID, STEP_AMBIENT, STEP_NO_NEW_PRIVS,
  STEP_STDIO, STEP_FDS, STEP_CHDIR, STEP_UMASK, STEP_EXEC, STEP_USERNS,
  STEP_MOUNTS, STEP_LSM, STEP_SECCOMP, STEP_INIT,
};

struct sysg_rlimit {
  int32_t resource; /* RLIMIT_* */
  int32_t pad;
  int64_t soft;     /* -1 = RLIM_INFINITY */
  int64_t hard;
};

struct sysg_spawn_spec {
  const char *strings;               /*   0: argc argv strings, envc env strings, cwd; each NUL-terminated */
  const int32_t *pass_fds;           /*   8: npass fds that become 3, 4, ... */
  const struct sysg_rlimit *rlimits; /*  16 */
  const uint32_t *groups;            /*  24 */
  const uint64_t *cpu_mask;          /*  32: affinity bitmap, cpu_mask_words words */
  uint64_t caps;                     /*  40: bit n = capability n */
  uint32_t flags;                    /*  48: SYSG_* */
  int32_t argc;                      /*  52 */
  int32_t envc;                      /*  56 */
  int32_t stdio[3];                  /*  60: parent fds for 0,1,2; -1 = /dev/null */
  int32_t npass;                     /*  72 */
  int32_t nrlimits;                  /*  76 */
  int32_t ngroups;                   /*  80 */
  int32_t cpu_mask_words;            /*  84 */
  int32_t namespaces;                /*  88: CLONE_NEW* */
  int32_t nice;                      /*  92 */
  int32_t umask;                     /*  96 */
  int32_t cgroup_fd;                 /* 100: O_DIRECTORY fd of a cgroup v2 directory */
  uint32_t uid;                      /* 104 */
  uint32_t gid;                      /* 108 */
  const uint8_t *mount_plan;         /* 112: SYSG_MOUNTS: mount_plan_len bytes of records (sandbox.h) */
  const void *seccomp_filter;        /* 120: SYSG_SECCOMP: seccomp_len struct sock_filter */
  const char *lsm_exec;              /* 128: SYSG_LSM: "attr file\0label\0" */
  int32_t mount_plan_len;            /* 136 */
  int32_t seccomp_len;               /* 140 */
};                                   /* 144 bytes */

struct sysg_spawn_result {
  int32_t pid;    /* > 0 on success, -1 on failure */
  int32_t step;   /* enum sysg_step of the failure */
  int32_t err;    /* errno of the failure, 0 on success */
  int32_t detail; /* STEP_MOUNTS: index of the failing record in the mount plan; else -1 */
  int32_t program; /* the program's pid: `pid` itself, or with CLONE_NEWPID the service under
                      the namespace's init (`pid` is the init: reap and signal that one) */
};

/* Spawns a child as described; returns its pid, or -1 with out->step/out->err set. */
int sysg_spawn(const struct sysg_spawn_spec *spec, struct sysg_spawn_result *out);

#endif
