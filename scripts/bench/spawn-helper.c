// C side of scripts/bench/spawn.ts: spawn N times one way and print two numbers, the mean
// microseconds per /bin/true spawn+wait cycle and per spawn of a missing program (the spawn
// machinery alone, without the cost of exec).
// usage: spawn-bench posix_spawn|fork|shim N path/to/libsysg.so ballast-MiB
// Ballast: touch that much heap first, so fork has a supervisor-sized address space to copy.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../ffi/spawn.h"

extern char **environ;
static char *const argv_true[] = {"/bin/true", NULL};
static char *const argv_missing[] = {"/nonexistent/sysg-bench", NULL};
static posix_spawnattr_t attr;
static int (*shim_spawn)(const struct sysg_spawn_spec *, struct sysg_spawn_result *);
static struct sysg_spawn_spec spec, spec_missing;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Same semantics as the shim where posix_spawn has them: new session, default signals, empty mask. */
static void setup_posix_spawn(void) {
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
}

static void setup_shim(const char *so) {
  void *lib = dlopen(so, RTLD_NOW);
  if (!lib || !(shim_spawn = (int (*)(const struct sysg_spawn_spec *, struct sysg_spawn_result *))dlsym(lib, "sysg_spawn"))) {
    fprintf(stderr, "cannot load %s: %s\n", so, dlerror());
    exit(1);
  }
  static const char strings[] = "/bin/true\0PATH=/usr/bin:/bin\0/";
  spec.strings = strings;
  spec.argc = 1;
  spec.envc = 1;
  spec.stdio[0] = spec.stdio[1] = spec.stdio[2] = -1;
  spec.flags = SYSG_SESSION;
  static const char missing[] = "/nonexistent/sysg-bench\0PATH=/usr/bin:/bin\0/";
  spec_missing = spec;
  spec_missing.strings = missing;
}

/* Returns the pid, or -1 when the spawn failed (expected for the missing program). */
static pid_t spawn_one(const char *mode, int missing) {
  char *const *args = missing ? argv_missing : argv_true;
  pid_t pid = -1;
  if (strcmp(mode, "posix_spawn") == 0) {
    if (posix_spawn(&pid, args[0], NULL, &attr, args, environ) != 0) return -1;
  } else if (strcmp(mode, "fork") == 0) {
    pid = fork();
    if (pid == 0) {
      setsid();
      execve(args[0], args, environ);
      _exit(127);
    }
  } else {
    struct sysg_spawn_result out;
    pid = shim_spawn(missing ? &spec_missing : &spec, &out);
  }
  return pid;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  const char *mode = argv[1];
  int n = atoi(argv[2]);
  if (strcmp(mode, "posix_spawn") == 0) setup_posix_spawn();
  else if (strcmp(mode, "shim") == 0) setup_shim(argv[3]);
  if (argc > 4 && atoi(argv[4]) > 0) {
    size_t ballast = (size_t)atoi(argv[4]) << 20;
    memset(malloc(ballast), 1, ballast);
  }
  for (int i = 0; i < 50; i++) waitpid(spawn_one(mode, 0), NULL, 0); /* warm-up */
  double t0 = now_us();
  for (int i = 0; i < n; i++) {
    pid_t pid = spawn_one(mode, 0);
    if (pid < 0) return 1;
    waitpid(pid, NULL, 0);
  }
  double cycle = now_us() - t0;
  t0 = now_us();
  for (int i = 0; i < n; i++) {
    pid_t pid = spawn_one(mode, 1); /* fork reports the failure only through the exit status */
    if (pid > 0) waitpid(pid, NULL, 0);
  }
  double failed = now_us() - t0;
  printf("%.1f %.1f\n", cycle / n, failed / n);
  return 0;
}
