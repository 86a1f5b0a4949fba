// PID 1 of a service's PID namespace. The kernel drops every signal sent to a namespace init
// that has no handler, so a service that were PID 1 itself would ignore a plain SIGTERM. This
// init keeps all signals blocked, takes them one at a time with sigtimedwait, forwards them to
// the service's process group and reaps whatever dies (orphans included), tini-style.
// It runs in a forked copy of the supervisor, so it uses raw system calls only.
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

#include "raw.h"

#define BIT(sig) (1ULL << ((sig) - 1))

/* Not forwarded: ours to handle (SIGCHLD), uncatchable, or raised by our own faults. */
static const uint64_t NOT_FORWARDED = BIT(SIGCHLD) | BIT(SIGKILL) | BIT(SIGSTOP) | BIT(SIGSEGV) |
                                      BIT(SIGBUS) | BIT(SIGILL) | BIT(SIGFPE) | BIT(SIGTRAP) | BIT(SIGSYS);

static void forward_signal(int service, long sig) {
  if (raw2(SYS_kill, -service, sig) == -ESRCH) raw2(SYS_kill, service, sig);
}

/* Reaps every exited child; returns 1 and fills *status once the service itself is reaped. */
static int reap_zombies(int service, int *status) {
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

int sysg_init_loop(int service) {
  uint64_t wanted = ~(NOT_FORWARDED & ~BIT(SIGCHLD));
  for (;;) {
    siginfo_t info;
    long sig = raw4(SYS_rt_sigtimedwait, &wanted, &info, 0, sizeof wanted);
    if (sig < 0) continue; /* EINTR */
    if (sig == SIGCHLD) {
      int status;
      if (reap_zombies(service, &status)) return exit_code(status);
    } else {
      forward_signal(service, sig);
    }
  }
}
