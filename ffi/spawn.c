// The spawn core: clone a child that sets itself up with raw system calls only and execs.
//
// Normal path: clone(CLONE_VM|CLONE_VFORK) onto a private mmap'd stack (posix_spawn's trick:
// no page-table copy, the supervisor thread sleeps until the child execs or exits). A failing
// child stores {step, errno} in the shared `struct child` and exits 127; we reap it here.
// PID-namespace path (CLONE_NEWPID): the child becomes PID 1 of the new namespace and forks the
// service, then execs the small static init (ffi/init/init.c, from the memfd of init-exec.c), so
// it cannot share our memory. Failures come back through an O_CLOEXEC socket instead, and the
// service announces itself on it first: the kernel attaches its pid, as we see it, to the
// message (SCM_CREDENTIALS), which is how we learn the program's host pid.
//
// The caller's thread blocks every signal around the clone, so no supervisor signal handler
// can run in the child before it has reset all dispositions.
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init-exec.h"
#include "raw.h"
#include "userns.h"
#include "sandbox.h"

_Static_assert(offsetof(struct sysg_spawn_spec, caps) == 40, "spawn spec layout");
_Static_assert(offsetof(struct sysg_spawn_spec, flags) == 48, "spawn spec layout");
_Static_assert(offsetof(struct sysg_spawn_spec, stdio) == 60, "spawn spec layout");
_Static_assert(offsetof(struct sysg_spawn_spec, namespaces) == 88, "spawn spec layout");
_Static_assert(offsetof(struct sysg_spawn_spec, gid) == 108, "spawn spec layout");
_Static_assert(offsetof(struct sysg_spawn_spec, mount_plan) == 112, "spawn spec layout");
_Static_assert(offsetof(struct sysg_spawn_spec, mount_plan_len) == 136, "spawn spec layout");
_Static_assert(sizeof(struct sysg_spawn_spec) == 144, "spawn spec layout");
_Static_assert(sizeof(struct sysg_rlimit) == 24, "rlimit layout");

#define EXPORT __attribute__((visibility("default")))
#define MAX_PASS_FDS 1021 /* 3 + 1021 targets fit the child's 1024-entry table */
#define CHILD_STACK (128 * 1024)
#define CAPS_VERSION_3 0x20080522

struct child {
  const struct sysg_spawn_spec *spec;
  char *const *argv;
  char *const *envp;
  const char *cwd;
  const char *path;       /* PATH from envp, for a bare argv[0] */
  size_t file_len;        /* strlen(argv[0]) */
  int search;             /* argv[0] has no '/' */
  int errfd;              /* PID-namespace path: where a failing child writes {step, errno}; else -1 */
  char *listen_pid;       /* SYSG_LISTEN_PID: the env slot "LISTEN_PID=" + room for the digits */
  uint32_t outer_uid;     /* the supervisor's euid/egid: what SYSG_USERNS_MAP maps root to */
  uint32_t outer_gid;
  volatile int32_t step;  /* vfork path: written by a failing child before it exits */
  volatile int32_t err;
  volatile int32_t detail; /* STEP_MOUNTS: the failing record's index */
};

/* The kernel's struct sigaction (glibc's differs in size and refuses signals 32 and 33). */
struct kernel_sigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  uint64_t mask;
};

__attribute__((noreturn)) static void fail(struct child *c, int step, long negerr) {
  c->step = step;
  c->err = (int32_t)-negerr;
  if (c->errfd >= 0) {
    int32_t report[3] = {step, (int32_t)-negerr, c->detail};
    raw3(SYS_write, c->errfd, report, sizeof report);
  }
  raw1(SYS_exit_group, 127);
  __builtin_unreachable();
}

#define STEP(c, step, call)              \
  do {                                   \
    long r_ = (call);                    \
    if (r_ < 0) fail((c), (step), r_);   \
  } while (0)

/* ---- steps, in the order the child runs them ---- */

static long reset_signal_dispositions(void) {
  struct kernel_sigaction dfl = {.handler = SIG_DFL};
  for (long sig = 1; sig <= 64; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    long r = raw4(SYS_rt_sigaction, sig, &dfl, 0, sizeof(uint64_t));
    if (r < 0) return r;
  }
  return 0;
}

static long set_signal_mask(uint64_t mask) {
  return raw4(SYS_rt_sigprocmask, SIG_SETMASK, &mask, 0, sizeof mask);
}

static long enter_session(const struct sysg_spawn_spec *s) {
  return (s->flags & SYSG_SESSION) ? raw0(SYS_setsid) : raw2(SYS_setpgid, 0, 0);
}

static long set_limits(const struct sysg_spawn_spec *s) {
  for (int i = 0; i < s->nrlimits; i++) {
    const struct sysg_rlimit *l = &s->rlimits[i];
    uint64_t value[2] = {(uint64_t)l->soft, (uint64_t)l->hard}; /* -1 is RLIM_INFINITY */
    long r = raw4(SYS_prlimit64, 0, l->resource, value, 0);
    if (r < 0) return r;
  }
  return 0;
}

static long join_cgroup(int dirfd) {
  long fd = raw4(SYS_openat, dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0) return fd;
  long r = raw3(SYS_write, fd, "0", 1); /* "0" = the writing process */
  raw1(SYS_close, fd);
  return r;
}

/* In a new mount namespace: first cut propagation towards the host (systemd's order: slave,
 * then the sandbox's mounts), so nothing mounted here or by the service leaks out. */
static void setup_mounts(struct child *c) {
  const struct sysg_spawn_spec *s = c->spec;
  if (!(s->namespaces & CLONE_NEWNS)) return;
  STEP(c, STEP_MOUNTS, sysg_mount_slave_root());
  if (s->flags & SYSG_MOUNTS) {
    int32_t failed = -1;
    long r = sysg_run_mount_plan(s, &failed);
    c->detail = failed;
    if (r < 0) fail(c, STEP_MOUNTS, r);
    c->detail = -1;
  }
}

/* Namespaces (vfork path only), limits, nice, affinity, cgroup: what the PID-1 init shares. */
static void prepare_process(struct child *c) {
  const struct sysg_spawn_spec *s = c->spec;
  if (s->nrlimits > 0) STEP(c, STEP_LIMITS, set_limits(s));
  if (s->flags & SYSG_NICE) STEP(c, STEP_NICE, raw3(SYS_setpriority, PRIO_PROCESS, 0, s->nice));
  if (s->flags & SYSG_AFFINITY)
    STEP(c, STEP_AFFINITY, raw3(SYS_sched_setaffinity, 0, (long)s->cpu_mask_words * 8, s->cpu_mask));
  if (s->flags & SYSG_CGROUP) STEP(c, STEP_CGROUP, join_cgroup(s->cgroup_fd));
}

/* Before the uid switch: shrink the bounding set (needs CAP_SETPCAP, which root has now) and
 * ask the kernel to keep the permitted set across setuid. */
static long prepare_capabilities(const struct sysg_spawn_spec *s) {
  for (long cap = 0; cap < 64; cap++) {
    if (s->caps & (1ULL << cap)) continue;
    long r = raw5(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0);
    if (r == -EINVAL) break; /* past the kernel's last capability */
    if (r < 0) return r;
  }
  return (s->flags & SYSG_UID) ? raw5(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0) : 0;
}

static long set_capabilities(uint64_t caps) {
  struct { uint32_t version; int pid; } header = {CAPS_VERSION_3, 0};
  struct { uint32_t effective, permitted, inheritable; } data[2] = {
      {(uint32_t)caps, (uint32_t)caps, (uint32_t)caps},
      {(uint32_t)(caps >> 32), (uint32_t)(caps >> 32), (uint32_t)(caps >> 32)},
  };
  return raw2(SYS_capset, &header, data);
}

static long raise_ambient(uint64_t caps) {
  long r = raw5(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (long cap = 0; r >= 0 && cap < 64; cap++)
    if (caps & (1ULL << cap)) r = raw5(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
  return r;
}

/* stdio and passed fds: every source is first copied above the target range (so a source that
 * is itself a target number is not clobbered), then dup'd onto 0..n-1; all else is closed. */
static void setup_fds(struct child *c) {
  const struct sysg_spawn_spec *s = c->spec;
  int n = 3 + s->npass;
  int moved[3 + MAX_PASS_FDS];
  long devnull = -1;
  if (c->errfd >= 0) {
    long e = raw3(SYS_fcntl, c->errfd, F_DUPFD_CLOEXEC, n);
    if (e < 0) fail(c, STEP_FDS, e);
    c->errfd = (int)e;
  }
  for (int i = 0; i < n; i++) {
    int step = i < 3 ? STEP_STDIO : STEP_FDS;
    long src = i < 3 ? s->stdio[i] : s->pass_fds[i - 3];
    if (src < 0) {
      if (devnull < 0) devnull = raw4(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC, 0);
      if (devnull < 0) fail(c, step, devnull);
      src = devnull;
    }
    long fd = raw3(SYS_fcntl, src, F_DUPFD_CLOEXEC, n);
    if (fd < 0) fail(c, step, fd);
    moved[i] = (int)fd;
  }
  for (int i = 0; i < n; i++) STEP(c, i < 3 ? STEP_STDIO : STEP_FDS, raw3(SYS_dup3, moved[i], i, 0));
  if (c->errfd < 0) {
    STEP(c, STEP_FDS, raw3(SYS_close_range, n, ~0U, 0));
  } else {
    if (c->errfd > n) STEP(c, STEP_FDS, raw3(SYS_close_range, n, c->errfd - 1, 0));
    STEP(c, STEP_FDS, raw3(SYS_close_range, c->errfd + 1, ~0U, 0));
  }
}

/* Byte copy the compiler cannot turn into a memcpy call (no libc in the child). */
static void copy_bytes(char *dst, const char *src, size_t n) {
  volatile char *d = dst;
  while (n--) *d++ = *src++;
}

/* execve, searching PATH like execvp when argv[0] has no '/': keep going past directories
 * that lack the file, report EACCES if some candidate was not executable, else ENOENT. */
static long exec_service(struct child *c) {
  const char *file = c->argv[0];
  if (!c->search) return raw3(SYS_execve, file, c->argv, c->envp);
  char buf[PATH_MAX];
  int denied = 0;
  for (const char *dir = c->path;;) {
    const char *end = dir;
    while (*end && *end != ':') end++;
    size_t len = (size_t)(end - dir);
    if (len + 1 + c->file_len + 1 <= sizeof buf) {
      size_t at = 0;
      if (len > 0) { /* an empty entry means the working directory */
        copy_bytes(buf, dir, len);
        buf[len] = '/';
        at = len + 1;
      }
      copy_bytes(buf + at, file, c->file_len + 1);
      long r = raw3(SYS_execve, buf, c->argv, c->envp);
      if (r == -EACCES) denied = 1;
      else if (r != -ENOENT && r != -ENOTDIR && r != -ESTALE && r != -ENODEV && r != -ETIMEDOUT) return r;
    }
    if (!*end) break;
    dir = end + 1;
  }
  return denied ? -EACCES : -ENOENT;
}

/* Fills the reserved "LISTEN_PID=" slot with getpid(): only the child knows its pid (in the PID
 * namespace path, the pid the service sees inside it). No libc: formatted by hand. */
static void set_listen_pid(char *slot) {
  char digits[20];
  int n = 0;
  for (unsigned long pid = (unsigned long)raw0(SYS_getpid); n == 0 || pid > 0; pid /= 10) digits[n++] = (char)('0' + pid % 10);
  volatile char *out = slot + sizeof "LISTEN_PID=" - 1;
  while (n > 0) *out++ = digits[--n];
  *out = '\0';
}

/* Everything after the shared process setup: identity, capabilities, fds, cwd, exec. */
__attribute__((noreturn)) static void become_service(struct child *c) {
  const struct sysg_spawn_spec *s = c->spec;
  uint32_t f = s->flags;
  if (f & SYSG_CAPS) STEP(c, STEP_CAPABILITIES, prepare_capabilities(s));
  if (f & SYSG_GROUPS) STEP(c, STEP_GROUPS, raw2(SYS_setgroups, s->ngroups, s->groups));
  if (f & SYSG_GID) STEP(c, STEP_GID, raw3(SYS_setresgid, s->gid, s->gid, s->gid));
  if (f & SYSG_UID) STEP(c, STEP_UID, raw3(SYS_setresuid, s->uid, s->uid, s->uid));
  if (f & SYSG_USERNS_AFTER_UID) STEP(c, STEP_USERNS, sysg_enter_user_namespace(s));
  if (f & SYSG_CAPS) {
    STEP(c, STEP_CAPABILITIES, set_capabilities(s->caps));
    STEP(c, STEP_AMBIENT, raise_ambient(s->caps));
  }
  if (f & SYSG_NO_NEW_PRIVS) STEP(c, STEP_NO_NEW_PRIVS, raw5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
  if (f & SYSG_LSM) STEP(c, STEP_LSM, sysg_set_lsm_exec_label(s));
  setup_fds(c);
  if (c->cwd[0]) STEP(c, STEP_CHDIR, raw1(SYS_chdir, c->cwd));
  if (f & SYSG_UMASK) raw1(SYS_umask, s->umask); /* umask cannot fail */
  if (c->listen_pid) set_listen_pid(c->listen_pid);
  /* last: from here on the service's own filter judges every call, exec included */
  if (f & SYSG_SECCOMP) STEP(c, STEP_SECCOMP, sysg_install_seccomp(s));
  fail(c, STEP_EXEC, exec_service(c));
}

/* The PID-1 init only forwards signals and reaps, so it takes the service's identity (a uid
 * switch clears its capabilities) or, for a service that stays root with a capability list,
 * drops every capability: the same uid still lets it signal the service. Until it execs the
 * init it is a copy of the supervisor's memory, so it is made non-dumpable first: the service
 * cannot ptrace or read it (the init makes itself non-dumpable again after the exec). */
static void drop_init_privileges(struct child *c) {
  const struct sysg_spawn_spec *s = c->spec;
  uint32_t f = s->flags;
  STEP(c, STEP_CAPABILITIES, raw5(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0));
  if (f & SYSG_CAPS) {
    /* a process that execs as root regains its whole bounding set: empty it (while we still
     * hold CAP_SETPCAP), so the init keeps none whatever uid it ends up with */
    for (long cap = 0; cap < 64; cap++) {
      long r = raw5(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0);
      if (r == -EINVAL) break; /* past the kernel's last capability */
      if (r < 0) fail(c, STEP_CAPABILITIES, r);
    }
  }
  if (f & SYSG_GROUPS) STEP(c, STEP_GROUPS, raw2(SYS_setgroups, s->ngroups, s->groups));
  if (f & SYSG_GID) STEP(c, STEP_GID, raw3(SYS_setresgid, s->gid, s->gid, s->gid));
  if (f & SYSG_UID) STEP(c, STEP_UID, raw3(SYS_setresuid, s->uid, s->uid, s->uid));
  if ((f & SYSG_CAPS) && (!(f & SYSG_UID) || s->uid == 0)) STEP(c, STEP_CAPABILITIES, set_capabilities(0));
}

/* ---- the two child entry points ---- */

static int vfork_child(void *arg) {
  struct child *c = arg;
  STEP(c, STEP_SIGNALS, reset_signal_dispositions());
  STEP(c, STEP_SIGNALS, set_signal_mask(0));
  STEP(c, STEP_SESSION, enter_session(c->spec));
  if (c->spec->namespaces) STEP(c, STEP_NAMESPACE, raw1(SYS_unshare, c->spec->namespaces));
  if (c->spec->flags & SYSG_USERNS_MAP) STEP(c, STEP_USERNS, sysg_map_user_namespace(c->outer_uid, c->outer_gid));
  setup_mounts(c);
  prepare_process(c);
  become_service(c);
}

/* The first record on the report socket of the PID-namespace path: the service says "this is
 * me" and the kernel adds its pid (as the supervisor sees it) to the message. */
#define ANNOUNCE (-1)

/* Closes every fd but a and b (both close-on-exec: the report socket and the init's memfd),
 * so the init holds nothing of ours, our pipes included, once it has exec'd. */
static long close_all_but(int a, int b) {
  int lo = a < b ? a : b, hi = a < b ? b : a;
  long r = 0;
  if (lo > 0) r = raw3(SYS_close_range, 0, lo - 1, 0);
  if (r >= 0 && hi > lo + 1) r = raw3(SYS_close_range, lo + 1, hi - 1, 0);
  if (r >= 0) r = raw3(SYS_close_range, hi + 1, ~0U, 0);
  return r;
}

/* PID 1 of a new PID namespace (the namespaces were created by clone itself). Signals stay
 * blocked here and across the exec: the init collects them with sigtimedwait and forwards them.
 * If the init cannot be exec'd, this process exits after its report, which ends the namespace
 * (the service with it): nothing half-started is left. */
static int pidns_child(void *arg) {
  struct child *c = arg;
  STEP(c, STEP_SIGNALS, reset_signal_dispositions());
  STEP(c, STEP_SESSION, enter_session(c->spec));
  if (c->spec->flags & SYSG_USERNS_MAP) STEP(c, STEP_USERNS, sysg_map_user_namespace(c->outer_uid, c->outer_gid));
  setup_mounts(c);
  prepare_process(c);
  long service = raw5(SYS_clone, SIGCHLD, 0, 0, 0, 0); /* a plain fork, without atfork handlers */
  if (service < 0) fail(c, STEP_FORK, service);
  if (service == 0) {
    int32_t hello[3] = {ANNOUNCE, 0, -1};
    STEP(c, STEP_FORK, raw3(SYS_write, c->errfd, hello, sizeof hello));
    STEP(c, STEP_SIGNALS, set_signal_mask(0));
    /* its own session inside the namespace, so the init can signal the whole service group */
    STEP(c, STEP_SESSION, raw0(SYS_setsid));
    become_service(c);
  }
  drop_init_privileges(c); /* on failure PID 1 exits, which kills the service with it */
  STEP(c, STEP_INIT, close_all_but(c->errfd, sysg_init_fd()));
  fail(c, STEP_INIT, sysg_exec_init(service));
}

/* ---- parent side ---- */

/* The child's stack. One static stack serves the usual caller (the supervisor's JS thread):
 * a fresh mmap per spawn costs page faults and, in a many-threaded process, TLB shootdowns on
 * munmap. The stack is free again once clone returns: a vfork child has exec'd or exited by
 * then, and a fork child runs on its own copy. A concurrent caller gets a private mapping. */
static char shared_stack[CHILD_STACK] __attribute__((aligned(64)));
static char shared_stack_busy;

static char *acquire_stack(void) {
  if (!__atomic_test_and_set(&shared_stack_busy, __ATOMIC_ACQUIRE)) return shared_stack;
  void *stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  return stack == MAP_FAILED ? NULL : stack;
}

static void release_stack(char *stack) {
  if (stack == shared_stack) __atomic_clear(&shared_stack_busy, __ATOMIC_RELEASE);
  else munmap(stack, CHILD_STACK);
}

static void reap_failed(int pid) {
  int status;
  while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) continue;
}

static int spawn_vfork(struct child *c) {
  char *stack = acquire_stack();
  if (!stack) {
    c->step = STEP_FORK;
    c->err = errno;
    return -1;
  }
  int pid = clone(vfork_child, stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, c);
  int e = errno;
  release_stack(stack);
  if (pid < 0) {
    c->step = STEP_FORK;
    c->err = e;
    return -1;
  }
  if (c->err != 0) {
    reap_failed(pid);
    return -1;
  }
  return pid;
}

/* Reads the PID-namespace child's reports until every holder of the socket has exec'd or exited
 * (EOF). Returns 1 with c->step/err/detail set when a step failed, else 0 with *program set
 * from the service's announcement (0 if it never came). */
static int read_reports(struct child *c, int fd, int *program) {
  *program = 0;
  for (;;) {
    int32_t report[3];
    union {
      struct cmsghdr align;
      char buf[CMSG_SPACE(sizeof(struct ucred))];
    } control;
    struct iovec iov = {.iov_base = report, .iov_len = sizeof report};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    ssize_t r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return 0; /* EOF: the service and the init have exec'd */
    if (r != sizeof report) continue;
    if (report[0] == ANNOUNCE) {
      for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h))
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS) {
          struct ucred cred;
          memcpy(&cred, CMSG_DATA(h), sizeof cred);
          *program = cred.pid;
        }
      continue;
    }
    c->step = report[0];
    c->err = report[1];
    c->detail = report[2];
    return 1;
  }
}

static int spawn_in_pid_namespace(struct child *c, int *program) {
  if (sysg_init_fd() < 0) { /* sysg_init_install was never called: nothing to become PID 1 */
    c->step = STEP_INIT;
    c->err = EBADF;
    return -1;
  }
  /* seqpacket: one record per write, and the receiver's SO_PASSCRED (set before any send)
   * makes the kernel attach each sender's credentials */
  int sv[2] = {-1, -1}, on = 1;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) {
    c->step = STEP_FORK;
    c->err = errno;
    if (sv[0] >= 0) {
      close(sv[0]);
      close(sv[1]);
    }
    return -1;
  }
  c->errfd = sv[1];
  char *stack = acquire_stack();
  int pid = -1, e = errno;
  if (stack) {
    pid = clone(pidns_child, stack + CHILD_STACK, SIGCHLD | c->spec->namespaces, c);
    e = errno;
    release_stack(stack);
  }
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    /* EPERM, EINVAL, ENOSPC, EUSERS come from creating the namespaces */
    c->step = (e == EAGAIN || e == ENOMEM) ? STEP_FORK : STEP_NAMESPACE;
    c->err = e;
    return -1;
  }
  int failed = read_reports(c, sv[0], program);
  close(sv[0]);
  if (!failed && *program <= 0) {
    /* killed before it could announce itself (never by our own code): end the namespace */
    raw2(SYS_kill, pid, SIGKILL);
    c->step = STEP_FORK;
    c->err = ESRCH;
    failed = 1;
  }
  if (failed) {
    reap_failed(pid);
    return -1;
  }
  return pid;
}

EXPORT int sysg_spawn(const struct sysg_spawn_spec *spec, struct sysg_spawn_result *out) {
  struct child c = {.spec = spec, .errfd = -1, .outer_uid = geteuid(), .outer_gid = getegid(), .detail = -1};
  out->pid = -1;
  out->program = -1;
  out->err = 0;
  out->detail = -1;
  if (spec->argc < 1 || spec->envc < 0 || spec->npass < 0 || spec->npass > MAX_PASS_FDS) {
    out->step = spec->argc < 1 ? STEP_EXEC : STEP_FDS;
    out->err = EINVAL;
    return -1;
  }
  /* argv and envp tables over the caller's string blob; PATH is looked up here, not in the child */
  /* one spare env entry for LISTEN_PID */
  char **table = malloc(sizeof(char *) * ((size_t)spec->argc + (size_t)spec->envc + 3));
  if (!table) {
    out->step = STEP_FORK;
    out->err = ENOMEM;
    return -1;
  }
  const char *p = spec->strings;
  char **argv = table, **envp = table + spec->argc + 1;
  for (int i = 0; i < spec->argc; i++, p += strlen(p) + 1) argv[i] = (char *)p;
  argv[spec->argc] = NULL;
  c.path = "/bin:/usr/bin"; /* glibc's default when the environment has no PATH */
  int listen = (spec->flags & SYSG_LISTEN_PID) != 0, nenv = 0;
  for (int i = 0; i < spec->envc; i++, p += strlen(p) + 1) {
    if (listen && strncmp(p, "LISTEN_PID=", 11) == 0) continue; /* ours replaces any given one */
    envp[nenv++] = (char *)p;
    if (strncmp(p, "PATH=", 5) == 0) c.path = p + 5;
  }
  char listen_pid[sizeof "LISTEN_PID=" + 20] = "LISTEN_PID=";
  if (listen) envp[nenv++] = c.listen_pid = listen_pid;
  envp[nenv] = NULL;
  c.argv = argv;
  c.envp = envp;
  c.cwd = p;
  c.file_len = strlen(argv[0]);
  c.search = c.file_len > 0 && strchr(argv[0], '/') == NULL;
  if (c.file_len == 0) {
    free(table);
    out->step = STEP_EXEC;
    out->err = ENOENT;
    return -1;
  }

  uint64_t all = ~0ULL, old;
  raw4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all);
  int program = 0;
  int pid = (spec->namespaces & CLONE_NEWPID) ? spawn_in_pid_namespace(&c, &program) : (program = spawn_vfork(&c));
  raw4(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, sizeof old);
  free(table);

  out->pid = pid;
  out->program = pid > 0 ? program : -1;
  out->step = pid > 0 ? 0 : c.step;
  out->err = pid > 0 ? 0 : c.err;
  out->detail = pid > 0 ? -1 : c.detail;
  return pid;
}
