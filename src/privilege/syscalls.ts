// x86_64 system call numbers and systemd's syscall groups, as data (SPEC §8 `seccomp`).
//
// Numbers: the kernel's arch/x86/entry/syscalls/syscall_64.tbl (common + 64 entries), i.e.
// <asm/unistd_64.h> of Linux 6.1 plus the calls added up to 6.17 (cachestat 451 … file_setattr
// 469). test/unit/privilege/syscalls.test.ts checks them against the installed header.
// Groups: the sets `systemd-analyze syscall-filter` of systemd 252 prints, restricted to names
// that exist on x86_64, with the calls newer than systemd 252 placed where later systemd puts them.
// A group may name other groups ("@system-service" includes "@default", …).

export const SYSCALLS_X86_64: Readonly<Record<string, number>> = {
  read: 0, write: 1, open: 2, close: 3, stat: 4, fstat: 5, lstat: 6, poll: 7, lseek: 8, mmap: 9, mprotect: 10,
  munmap: 11, brk: 12, rt_sigaction: 13, rt_sigprocmask: 14, rt_sigreturn: 15, ioctl: 16, pread64: 17, pwrite64: 18,
  readv: 19, writev: 20, access: 21, pipe: 22, select: 23, sched_yield: 24, mremap: 25, msync: 26, mincore: 27,
  madvise: 28, shmget: 29, shmat: 30, shmctl: 31, dup: 32, dup2: 33, pause: 34, nanosleep: 35, getitimer: 36,
  alarm: 37, setitimer: 38, getpid: 39, sendfile: 40, socket: 41, connect: 42, accept: 43, sendto: 44, recvfrom: 45,
  sendmsg: 46, recvmsg: 47, shutdown: 48, bind: 49, listen: 50, getsockname: 51, getpeername: 52, socketpair: 53,
  setsockopt: 54, getsockopt: 55, clone: 56, fork: 57, vfork: 58, execve: 59, exit: 60, wait4: 61, kill: 62,
  uname: 63, semget: 64, semop: 65, semctl: 66, shmdt: 67, msgget: 68, msgsnd: 69, msgrcv: 70, msgctl: 71,
  fcntl: 72, flock: 73, fsync: 74, fdatasync: 75, truncate: 76, ftruncate: 77, getdents: 78, getcwd: 79,
  chdir: 80, fchdir: 81, rename: 82, mkdir: 83, rmdir: 84, creat: 85, link: 86, unlink: 87, symlink: 88,
  readlink: 89, chmod: 90, fchmod: 91, chown: 92, fchown: 93, lchown: 94, umask: 95, gettimeofday: 96, getrlimit: 97,
  getrusage: 98, sysinfo: 99, times: 100, ptrace: 101, getuid: 102, syslog: 103, getgid: 104, setuid: 105,
  setgid: 106, geteuid: 107, getegid: 108, setpgid: 109, getppid: 110, getpgrp: 111, setsid: 112, setreuid: 113,
  setregid: 114, getgroups: 115, setgroups: 116, setresuid: 117, getresuid: 118, setresgid: 119, getresgid: 120,
  getpgid: 121, setfsuid: 122, setfsgid: 123, getsid: 124, capget: 125, capset: 126, rt_sigpending: 127,
  rt_sigtimedwait: 128, rt_sigqueueinfo: 129, rt_sigsuspend: 130, sigaltstack: 131, utime: 132, mknod: 133,
  uselib: 134, personality: 135, ustat: 136, statfs: 137, fstatfs: 138, sysfs: 139, getpriority: 140, setpriority: 141,
  sched_setparam: 142, sched_getparam: 143, sched_setscheduler: 144, sched_getscheduler: 145, sched_get_priority_max: 146,
  sched_get_priority_min: 147, sched_rr_get_interval: 148, mlock: 149, munlock: 150, mlockall: 151, munlockall: 152,
  vhangup: 153, modify_ldt: 154, pivot_root: 155, _sysctl: 156, prctl: 157, arch_prctl: 158, adjtimex: 159,
  setrlimit: 160, chroot: 161, sync: 162, acct: 163, settimeofday: 164, mount: 165, umount2: 166, swapon: 167,
  swapoff: 168, reboot: 169, sethostname: 170, setdomainname: 171, iopl: 172, ioperm: 173, create_module: 174,
  init_module: 175, delete_module: 176, get_kernel_syms: 177, query_module: 178, quotactl: 179, nfsservctl: 180,
  getpmsg: 181, putpmsg: 182, afs_syscall: 183, tuxcall: 184, security: 185, gettid: 186, readahead: 187,
  setxattr: 188, lsetxattr: 189, fsetxattr: 190, getxattr: 191, lgetxattr: 192, fgetxattr: 193, listxattr: 194,
  llistxattr: 195, flistxattr: 196, removexattr: 197, lremovexattr: 198, fremovexattr: 199, tkill: 200, time: 201,
  futex: 202, sched_setaffinity: 203, sched_getaffinity: 204, set_thread_area: 205, io_setup: 206, io_destroy: 207,
  io_getevents: 208, io_submit: 209, io_cancel: 210, get_thread_area: 211, lookup_dcookie: 212, epoll_create: 213,
  epoll_ctl_old: 214, epoll_wait_old: 215, remap_file_pages: 216, getdents64: 217, set_tid_address: 218,
  restart_syscall: 219, semtimedop: 220, fadvise64: 221, timer_create: 222, timer_settime: 223, timer_gettime: 224,
  timer_getoverrun: 225, timer_delete: 226, clock_settime: 227, clock_gettime: 228, clock_getres: 229, clock_nanosleep: 230,
  exit_group: 231, epoll_wait: 232, epoll_ctl: 233, tgkill: 234, utimes: 235, vserver: 236, mbind: 237, set_mempolicy: 238,
  get_mempolicy: 239, mq_open: 240, mq_unlink: 241, mq_timedsend: 242, mq_timedreceive: 243, mq_notify: 244,
  mq_getsetattr: 245, kexec_load: 246, waitid: 247, add_key: 248, request_key: 249, keyctl: 250, ioprio_set: 251,
  ioprio_get: 252, inotify_init: 253, inotify_add_watch: 254, inotify_rm_watch: 255, migrate_pages: 256,
  openat: 257, mkdirat: 258, mknodat: 259, fchownat: 260, futimesat: 261, newfstatat: 262, unlinkat: 263,
  renameat: 264, linkat: 265, symlinkat: 266, readlinkat: 267, fchmodat: 268, faccessat: 269, pselect6: 270,
  ppoll: 271, unshare: 272, set_robust_list: 273, get_robust_list: 274, splice: 275, tee: 276, sync_file_range: 277,
  vmsplice: 278, move_pages: 279, utimensat: 280, epoll_pwait: 281, signalfd: 282, timerfd_create: 283, eventfd: 284,
  fallocate: 285, timerfd_settime: 286, timerfd_gettime: 287, accept4: 288, signalfd4: 289, eventfd2: 290,
  epoll_create1: 291, dup3: 292, pipe2: 293, inotify_init1: 294, preadv: 295, pwritev: 296, rt_tgsigqueueinfo: 297,
  perf_event_open: 298, recvmmsg: 299, fanotify_init: 300, fanotify_mark: 301, prlimit64: 302, name_to_handle_at: 303,
  open_by_handle_at: 304, clock_adjtime: 305, syncfs: 306, sendmmsg: 307, setns: 308, getcpu: 309, process_vm_readv: 310,
  process_vm_writev: 311, kcmp: 312, finit_module: 313, sched_setattr: 314, sched_getattr: 315, renameat2: 316,
  seccomp: 317, getrandom: 318, memfd_create: 319, kexec_file_load: 320, bpf: 321, execveat: 322, userfaultfd: 323,
  membarrier: 324, mlock2: 325, copy_file_range: 326, preadv2: 327, pwritev2: 328, pkey_mprotect: 329, pkey_alloc: 330,
  pkey_free: 331, statx: 332, io_pgetevents: 333, rseq: 334, pidfd_send_signal: 424, io_uring_setup: 425,
  io_uring_enter: 426, io_uring_register: 427, open_tree: 428, move_mount: 429, fsopen: 430, fsconfig: 431,
  fsmount: 432, fspick: 433, pidfd_open: 434, clone3: 435, close_range: 436, openat2: 437, pidfd_getfd: 438,
  faccessat2: 439, process_madvise: 440, epoll_pwait2: 441, mount_setattr: 442, quotactl_fd: 443, landlock_create_ruleset: 444,
  landlock_add_rule: 445, landlock_restrict_self: 446, memfd_secret: 447, process_mrelease: 448, futex_waitv: 449,
  set_mempolicy_home_node: 450, cachestat: 451, fchmodat2: 452, map_shadow_stack: 453, futex_wake: 454, futex_wait: 455,
  futex_requeue: 456, statmount: 457, listmount: 458, lsm_get_self_attr: 459, lsm_set_self_attr: 460, lsm_list_modules: 461,
  mseal: 462, setxattrat: 463, getxattrat: 464, listxattrat: 465, removexattrat: 466, open_tree_attr: 467,
  file_getattr: 468, file_setattr: 469,
};

export interface SyscallGroup {
  description: string;
  /** syscall names and "@group" names */
  members: readonly string[];
}

export const SYSCALL_GROUPS: Readonly<Record<string, SyscallGroup>> = {
  "@aio": {
    description: "Asynchronous IO",
    members: [
      "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_setup", "io_submit", "io_uring_enter",
      "io_uring_register", "io_uring_setup",
    ],
  },
  "@basic-io": {
    description: "Basic IO",
    members: [
      "close", "close_range", "dup", "dup2", "dup3", "lseek", "pread64", "preadv", "preadv2", "pwrite64",
      "pwritev", "pwritev2", "read", "readv", "write", "writev",
    ],
  },
  "@chown": {
    description: "Change ownership of files and directories",
    members: [
      "chown", "fchown", "fchownat", "lchown",
    ],
  },
  "@clock": {
    description: "Change the system time",
    members: [
      "adjtimex", "clock_adjtime", "clock_settime", "settimeofday",
    ],
  },
  "@cpu-emulation": {
    description: "System calls for CPU emulation functionality",
    members: [
      "modify_ldt",
    ],
  },
  "@debug": {
    description: "Debugging, performance monitoring and tracing functionality",
    members: [
      "lookup_dcookie", "perf_event_open", "pidfd_getfd", "ptrace",
    ],
  },
  "@default": {
    description: "System calls that are always permitted",
    members: [
      "arch_prctl", "brk", "clock_getres", "clock_gettime", "clock_nanosleep", "execve", "exit", "exit_group",
      "futex", "futex_waitv", "get_robust_list", "get_thread_area", "getegid", "geteuid", "getgid", "getgroups",
      "getpgid", "getpgrp", "getpid", "getppid", "getrandom", "getresgid", "getresuid", "getrlimit", "getsid",
      "gettid", "gettimeofday", "getuid", "membarrier", "mmap", "mprotect", "munmap", "nanosleep", "pause",
      "prlimit64", "restart_syscall", "rseq", "rt_sigreturn", "sched_getaffinity", "sched_yield", "set_robust_list",
      "set_thread_area", "set_tid_address", "time", "futex_wake", "futex_wait", "futex_requeue", "map_shadow_stack",
    ],
  },
  "@file-system": {
    description: "File system operations",
    members: [
      "access", "chdir", "chmod", "close", "creat", "faccessat", "faccessat2", "fallocate", "fchdir", "fchmod",
      "fchmodat", "fchmodat2", "fcntl", "fgetxattr", "flistxattr", "fremovexattr", "fsetxattr", "fstat",
      "fstatfs", "ftruncate", "futimesat", "getcwd", "getdents", "getdents64", "getxattr", "inotify_add_watch",
      "inotify_init", "inotify_init1", "inotify_rm_watch", "lgetxattr", "link", "linkat", "listxattr", "llistxattr",
      "lremovexattr", "lsetxattr", "lstat", "mkdir", "mkdirat", "mknod", "mknodat", "newfstatat", "open",
      "openat", "openat2", "readlink", "readlinkat", "removexattr", "rename", "renameat", "renameat2", "rmdir",
      "setxattr", "stat", "statfs", "statx", "symlink", "symlinkat", "truncate", "unlink", "unlinkat", "utime",
      "utimensat", "utimes", "fchmodat2", "cachestat", "setxattrat", "getxattrat", "listxattrat", "removexattrat",
      "file_getattr", "file_setattr",
    ],
  },
  "@io-event": {
    description: "Event loop system calls",
    members: [
      "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
      "epoll_wait_old", "eventfd", "eventfd2", "poll", "ppoll", "pselect6", "select",
    ],
  },
  "@ipc": {
    description: "SysV IPC, POSIX Message Queues or other IPC",
    members: [
      "memfd_create", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink",
      "msgctl", "msgget", "msgrcv", "msgsnd", "pipe", "pipe2", "process_madvise", "process_vm_readv", "process_vm_writev",
      "semctl", "semget", "semop", "semtimedop", "shmat", "shmctl", "shmdt", "shmget",
    ],
  },
  "@keyring": {
    description: "Kernel keyring access",
    members: [
      "add_key", "keyctl", "request_key",
    ],
  },
  "@known": {
    description: "All known syscalls declared in the kernel",
    members: [
      "@obsolete", "accept", "accept4", "access", "acct", "add_key", "adjtimex", "alarm", "arch_prctl", "bind",
      "bpf", "brk", "capget", "capset", "chdir", "chmod", "chown", "chroot", "clock_adjtime", "clock_getres",
      "clock_gettime", "clock_nanosleep", "clock_settime", "clone", "clone3", "close", "close_range", "connect",
      "copy_file_range", "creat", "delete_module", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
      "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd",
      "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fallocate",
      "fanotify_init", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchownat",
      "fcntl", "fdatasync", "fgetxattr", "finit_module", "flistxattr", "flock", "fork", "fremovexattr", "fsconfig",
      "fsetxattr", "fsmount", "fsopen", "fspick", "fstat", "fstatfs", "fsync", "ftruncate", "futex", "futex_requeue",
      "futex_wait", "futex_waitv", "futex_wake", "futimesat", "get_mempolicy", "get_robust_list", "get_thread_area",
      "getcpu", "getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid", "getgroups", "getitimer",
      "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
      "getresuid", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday",
      "getuid", "getxattr", "init_module", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
      "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_setup", "io_submit", "io_uring_enter",
      "io_uring_register", "io_uring_setup", "ioctl", "ioperm", "iopl", "ioprio_get", "ioprio_set", "kcmp",
      "kexec_file_load", "kexec_load", "keyctl", "kill", "landlock_add_rule", "landlock_create_ruleset",
      "landlock_restrict_self", "lchown", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
      "lookup_dcookie", "lremovexattr", "lseek", "lsetxattr", "lstat", "madvise", "map_shadow_stack", "mbind",
      "membarrier", "memfd_create", "memfd_secret", "migrate_pages", "mincore", "mkdir", "mkdirat", "mknod",
      "mknodat", "mlock", "mlock2", "mlockall", "mmap", "modify_ldt", "mount", "mount_setattr", "move_mount",
      "move_pages", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend",
      "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
      "name_to_handle_at", "nanosleep", "newfstatat", "open", "open_by_handle_at", "open_tree", "openat",
      "openat2", "pause", "perf_event_open", "personality", "pidfd_getfd", "pidfd_open", "pidfd_send_signal",
      "pipe", "pipe2", "pivot_root", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "prctl",
      "pread64", "preadv", "preadv2", "prlimit64", "process_madvise", "process_mrelease", "process_vm_readv",
      "process_vm_writev", "pselect6", "ptrace", "pwrite64", "pwritev", "pwritev2", "quotactl", "quotactl_fd",
      "read", "readahead", "readlink", "readlinkat", "readv", "reboot", "recvfrom", "recvmmsg", "recvmsg",
      "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "request_key", "restart_syscall",
      "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
      "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min",
      "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
      "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
      "select", "semctl", "semget", "semop", "semtimedop", "sendfile", "sendmmsg", "sendmsg", "sendto", "set_mempolicy",
      "set_mempolicy_home_node", "set_robust_list", "set_thread_area", "set_tid_address", "setdomainname",
      "setfsgid", "setfsuid", "setgid", "setgroups", "sethostname", "setitimer", "setns", "setpgid", "setpriority",
      "setregid", "setresgid", "setresuid", "setreuid", "setrlimit", "setsid", "setsockopt", "settimeofday",
      "setuid", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
      "signalfd4", "socket", "socketpair", "splice", "stat", "statfs", "statx", "swapoff", "swapon", "symlink",
      "symlinkat", "sync", "sync_file_range", "syncfs", "sysfs", "sysinfo", "syslog", "tee", "tgkill", "time",
      "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create",
      "timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate", "umask", "umount2", "uname", "unlink",
      "unlinkat", "unshare", "userfaultfd", "ustat", "utime", "utimensat", "utimes", "vfork", "vhangup",
      "vmsplice", "wait4", "waitid", "write", "writev",
    ],
  },
  "@memlock": {
    description: "Memory locking control",
    members: [
      "mlock", "mlock2", "mlockall", "munlock", "munlockall",
    ],
  },
  "@module": {
    description: "Loading and unloading of kernel modules",
    members: [
      "delete_module", "finit_module", "init_module",
    ],
  },
  "@mount": {
    description: "Mounting and unmounting of file systems",
    members: [
      "chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr", "move_mount", "open_tree",
      "pivot_root", "umount2", "statmount", "listmount", "open_tree_attr",
    ],
  },
  "@network-io": {
    description: "Network or Unix socket IO, should not be needed if not network facing",
    members: [
      "accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen", "recvfrom",
      "recvmmsg", "recvmsg", "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown", "socket", "socketpair",
    ],
  },
  "@obsolete": {
    description: "Unusual, obsolete or unimplemented system calls",
    members: [
      "_sysctl", "afs_syscall", "create_module", "get_kernel_syms", "getpmsg", "putpmsg", "query_module",
      "security", "sysfs", "tuxcall", "uselib", "ustat", "vserver",
    ],
  },
  "@pkey": {
    description: "System calls used for memory protection keys",
    members: [
      "pkey_alloc", "pkey_free", "pkey_mprotect",
    ],
  },
  "@privileged": {
    description: "All system calls which need super-user capabilities",
    members: [
      "@chown", "@clock", "@module", "@raw-io", "@reboot", "@swap", "_sysctl", "acct", "bpf", "capset", "chroot",
      "fanotify_init", "fanotify_mark", "nfsservctl", "open_by_handle_at", "pivot_root", "quotactl", "quotactl_fd",
      "setdomainname", "setfsuid", "setgroups", "sethostname", "setresuid", "setreuid", "setuid", "vhangup",
    ],
  },
  "@process": {
    description: "Process control, execution, namespacing operations",
    members: [
      "capget", "clone", "clone3", "execveat", "fork", "getrusage", "kill", "pidfd_open", "pidfd_send_signal",
      "prctl", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "setns", "tgkill", "times", "tkill", "unshare", "vfork",
      "wait4", "waitid",
    ],
  },
  "@raw-io": {
    description: "Raw I/O port access",
    members: [
      "ioperm", "iopl",
    ],
  },
  "@reboot": {
    description: "Reboot and reboot preparation/kexec",
    members: [
      "kexec_file_load", "kexec_load", "reboot",
    ],
  },
  "@resources": {
    description: "Alter resource settings",
    members: [
      "ioprio_set", "mbind", "migrate_pages", "move_pages", "sched_setaffinity", "sched_setattr", "sched_setparam",
      "sched_setscheduler", "set_mempolicy", "set_mempolicy_home_node", "setpriority", "setrlimit",
    ],
  },
  "@setuid": {
    description: "Operations for changing user/group credentials",
    members: [
      "setgid", "setgroups", "setregid", "setresgid", "setresuid", "setreuid", "setuid",
    ],
  },
  "@signal": {
    description: "Process signal handling",
    members: [
      "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigsuspend", "rt_sigtimedwait", "sigaltstack",
      "signalfd", "signalfd4",
    ],
  },
  "@swap": {
    description: "Enable/disable swap devices",
    members: [
      "swapoff", "swapon",
    ],
  },
  "@sync": {
    description: "Synchronize files and memory to storage",
    members: [
      "fdatasync", "fsync", "msync", "sync", "sync_file_range", "syncfs",
    ],
  },
  "@system-service": {
    description: "General system service operations",
    members: [
      "@aio", "@basic-io", "@chown", "@default", "@file-system", "@io-event", "@ipc", "@keyring", "@memlock",
      "@network-io", "@process", "@resources", "@setuid", "@signal", "@sync", "@timer", "capget", "capset",
      "copy_file_range", "fadvise64", "flock", "get_mempolicy", "getcpu", "getpriority", "ioctl", "ioprio_get",
      "kcmp", "madvise", "mremap", "name_to_handle_at", "personality", "readahead", "remap_file_pages", "sched_get_priority_max",
      "sched_get_priority_min", "sched_getattr", "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
      "sched_yield", "sendfile", "setfsgid", "setfsuid", "setpgid", "setsid", "splice", "sysinfo", "tee",
      "umask", "uname", "userfaultfd", "vmsplice", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules",
      "mseal",
    ],
  },
  "@timer": {
    description: "Schedule operations by time",
    members: [
      "alarm", "getitimer", "setitimer", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
      "timer_settime", "timerfd_create", "timerfd_gettime", "timerfd_settime", "times",
    ],
  },
};
