// The supervisor's side of sysg-init (ffi/init/init.c): the sealed memfd holding the program,
// and the exec of it by the first process of a service's PID namespace.
#ifndef SYSG_INIT_EXEC_H
#define SYSG_INIT_EXEC_H

#include <stdint.h>

/* Copies the init program into a new sealed, close-on-exec memfd that replaces any earlier
 * one; returns the fd, or -errno. */
int sysg_init_install(const uint8_t *bytes, int32_t len);

/* The installed memfd, or -1. */
int sysg_init_fd(void);

/* In the namespace's PID 1 (raw system calls only): execs the init with `service` (its pid
 * inside the namespace) as argv[1] and an empty environment. Returns -errno on failure
 * (-EBADF: no init was installed). */
long sysg_exec_init(long service);

#endif
