// sysg-init: PID 1 of a service's own PID namespace (`isolation.pid`), a static program of a
// few KiB with no libc. ffi/spawn.c forks the service from the namespace's first process, then
// that process execs this program from a sealed memfd (ffi/init-exec.c) with the service's pid
// (inside the namespace) as argv[1], so what stays resident per service is this, not a
// copy-on-write copy of the supervisor.
//
// The kernel drops every signal sent to a namespace init that has no handler, so a service
// that were PID 1 itself would ignore a plain SIGTERM. This init keeps all signals blocked,
// takes them one at a time with sigtimedwait, forwards them to the service's process group and
// reaps whatever dies (orphans, and a service that died before this exec: zombies and the
// pending SIGCHLD survive exec), tini-style. It exits with the service's status (128 + signal).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "../raw.h"

#define BIT(sig) (1ULL << ((sig) - 1))

/* Not forwarded: ours to handle (SIGCHLD), uncatchable, or raised by our own faults. */
static const uint64_t NOT_FORWARDED = BIT(SIGCHLD) | BIT(SIGKILL) | BIT(SIGSTOP) | BIT(SIGSEGV) |
                                      BIT(SIGBUS) | BIT(SIGILL) | BIT(SIGFPE) | BIT(SIGTRAP) | BIT(SIGSYS);

/* Exit code for a usage error: only sysg execs this program, with one numeric argument. */
#define USAGE_EXIT 125

static void forward_signal(long service, long sig) {
  if (raw2(SYS_kill, -service, sig) == -ESRCH) raw2(SYS_kill, service, sig);
}

/* Reaps every exited child; returns 1 and fills *status once the service itself is reaped. */
static int reap_zombies(long service, int *status) {
  int found = 0, st;
  long pid;
  while ((pid = raw4(SYS_wait4, -1, &st, WNOHANG | __WALL, 0)) > 0)
    if (pid == service) {
      *status = st;
      found = 1;
    }
  return found;
}

static int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  /* an init cannot kill itself with a signal from inside its namespace: the shell convention */
  return 128 + WTERMSIG(status);
}

static long parse_pid(const char *s) {
  long v = 0;
  if (!s || !*s) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 4194304) return -1;
    v = v * 10 + (*s - '0');
  }
  return v > 1 ? v : -1;
}

__attribute__((noreturn)) static void leave(long code) {
  for (;;) raw1(SYS_exit_group, code);
}

__attribute__((used, noreturn)) void sysg_init_main(long *sp) {
  char **argv = (char **)(sp + 1);
  uint64_t all = ~0ULL;
  /* already blocked by the supervisor's clone; set again so nothing depends on it */
  raw4(SYS_rt_sigprocmask, SIG_SETMASK, &all, 0, sizeof all);
  /* the name ps shows (an fd exec would otherwise be named after the fd number), and not
   * dumpable: the service, which may run as the same uid, cannot ptrace its init */
  raw5(SYS_prctl, PR_SET_NAME, "sysg-init", 0, 0, 0);
  raw5(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
  long service = sp[0] == 2 ? parse_pid(argv[1]) : -1;
  if (service < 0) leave(USAGE_EXIT);
  uint64_t wanted = ~(NOT_FORWARDED & ~BIT(SIGCHLD));
  int status;
  if (reap_zombies(service, &status)) leave(exit_code(status));
  for (;;) {
    siginfo_t info;
    long sig = raw4(SYS_rt_sigtimedwait, &wanted, &info, 0, sizeof wanted);
    if (sig < 0) continue; /* EINTR */
    if (sig == SIGCHLD) {
      if (reap_zombies(service, &status)) leave(exit_code(status));
    } else {
      forward_signal(service, sig);
    }
  }
}

/* The entry point: the kernel's initial stack (argc, argv…, envp…) goes to sysg_init_main. */
#if defined(__x86_64__)
__asm__(".text\n.global _start\n.type _start,@function\n_start:\n"
        "  xor %rbp, %rbp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call sysg_init_main\n  hlt\n");
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n.type _start,%function\n_start:\n"
        "  mov x29, #0\n  mov x30, #0\n  mov x0, sp\n  bl sysg_init_main\n  brk #0\n");
#endif
