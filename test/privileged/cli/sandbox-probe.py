# Tries actions from inside a sandboxed service and prints one line per action:
# "probe <name>: ok" or "probe <name>: <ERRNO NAME>". Then prints "probe done" and sleeps, so the
# test can read /proc/PID of the running service. Used by sandbox.test.ts; every action is
# harmless when it succeeds (invalid magic for reboot, NULL module image, CLOCK_MONOTONIC, …).
import ctypes
import errno
import mmap
import os
import socket
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def sys_call(nr, *args):
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])
    if r < 0:
        raise OSError(ctypes.get_errno(), "")
    return r


# x86_64 numbers
NR = {"reboot": 169, "init_module": 175, "clock_settime": 227, "syslog": 103, "unshare": 272, "personality": 135,
      "sched_setscheduler": 144, "sethostname": 170, "mount": 165, "mknodat": 259}


def write(path):
    with open(path, "w") as f:
        f.write("x")


def read(path):
    with open(path, "rb") as f:
        f.read(4096)


def action(name, arg):
    if name == "write":
        write(arg)
    elif name == "read":
        read(arg)
    elif name == "list":
        os.listdir(arg)
    elif name == "exists":
        if not os.path.lexists(arg):
            raise OSError(errno.ENOENT, arg)
    elif name == "mount":
        # a tmpfs on a directory of the service's own /tmp
        os.makedirs(arg, exist_ok=True)
        sys_call(NR["mount"], b"tmpfs", arg.encode(), b"tmpfs", 0, None)
    elif name == "reboot":
        sys_call(NR["reboot"], 0, 0, 0, None)  # bad magic: EINVAL when allowed, never reboots
    elif name == "init_module":
        sys_call(NR["init_module"], None, 0, b"")  # no image: EFAULT/ENOEXEC when allowed
    elif name == "block":
        fd = os.open(arg, os.O_RDONLY)
        os.close(fd)
    elif name == "mknod":
        os.mknod(arg, 0o600 | 0o020000, os.makedev(1, 3))  # a char device like /dev/null
    elif name == "setuid_file":
        with open(arg, "w"):
            pass
        os.chmod(arg, 0o4755)
    elif name == "wx_mmap":
        m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        m.close()
    elif name == "clock":
        ts = (ctypes.c_long * 2)(0, 0)
        sys_call(NR["clock_settime"], 1, ts)  # CLOCK_MONOTONIC cannot be set: EINVAL when allowed
    elif name == "raw_socket":
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close()
    elif name == "inet_socket":
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    elif name == "unix_socket":
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
    elif name == "hostname":
        sys_call(NR["sethostname"], arg.encode(), len(arg))
    elif name == "unshare":
        sys_call(NR["unshare"], 0x00020000)  # CLONE_NEWNS
    elif name == "realtime":
        param = (ctypes.c_int * 1)(1)
        sys_call(NR["sched_setscheduler"], 0, 1, param)  # SCHED_FIFO
    elif name == "personality":
        sys_call(NR["personality"], 0x0008)  # PER_LINUX32
    elif name == "syslog":
        buf = ctypes.create_string_buffer(64)
        sys_call(NR["syslog"], 3, buf, 64)  # SYSLOG_ACTION_READ_ALL
    else:
        raise SystemExit(f"unknown action {name}")


for spec in sys.argv[1:]:
    name, _, arg = spec.partition("=")
    try:
        action(name, arg)
        result = "ok"
    except OSError as e:
        result = errno.errorcode.get(e.errno, str(e.errno))
    print(f"probe {spec}: {result}", flush=True)
print("probe done", flush=True)
time.sleep(300)
