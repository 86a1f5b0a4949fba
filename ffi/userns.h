// isolation.user: a user namespace where the service is root inside and its own account outside.
#ifndef SYSG_USERNS_H
#define SYSG_USERNS_H

#include <stdint.h>

#include "spawn.h"

/* In a fresh user namespace: setgroups "deny", then map 0 inside to `uid`/`gid` outside. */
long sysg_map_user_namespace(uint32_t uid, uint32_t gid);

/* After the uid/gid switch: unshare a user namespace and map root inside to the account we now
 * are; with SYSG_CAPS the namespace's fresh bounding set is cut back to the configured caps. */
long sysg_enter_user_namespace(const struct sysg_spawn_spec *s);

#endif
