// The init that stays as PID 1 of a service's own PID namespace (see init.c).
#ifndef SYSG_INIT_H
#define SYSG_INIT_H

/* Forwards signals to the service's process group and reaps every child until `service`
 * is gone; returns the exit code for the init: the service's, or 128 + its signal. */
int sysg_init_loop(int service);

#endif
