/* The log pump: one thread in the supervisor that owns every service output pipe (epoll),
 * stamps each line with an ISO-8601 UTC time and appends it to the service's log file,
 * rotating by size at line boundaries (SPEC §4, §7). JavaScript never runs on this thread: it
 * hands pipes and log files over through a command queue (mutex + eventfd) and learns what it
 * asked for (lines, warnings, end of a pipe) from one event pipe it reads like any other fd.
 *
 * No line is lost or torn when the supervisor is SIGKILLed: a pipe's bytes are first copied
 * with tee(2) (the pipe keeps them), written to the file, and only then consumed (spliced to
 * /dev/null) — exactly the bytes of the whole lines written. A kill between the write and the
 * consume leaves those lines in the pipe for the next supervisor: at worst a line appears
 * twice, never lost. An unfinished last line stays in the pipe until its newline comes (or its
 * writers are gone, or it passes PEEK_MAX bytes). A write the kill cut short leaves a torn
 * tail in the file: the next opening cuts the file back to its last newline (those lines are
 * still in the pipe, since they were never consumed). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* Bytes copied from a pipe per round (the scratch pipe is sized to hold them). */
#define CHUNK (1 << 20)
/* An unfinished line this long is taken out of its pipe (held here, see the header): a full
 * pipe of one unending line must not stall its writer. Lines are rarely this long. */
#define PEEK_MAX (16 * 1024)
/* A line still without newline after this many bytes is written as a line of its own. */
#define MAX_LINE (1024 * 1024)
#define STAMP_LEN 25
#define OUT_CAP (256 * 1024)

enum { EV_LINE = 1, EV_EOF = 2, EV_WARN = 3, EV_SYNC = 4 };
enum { CMD_ATTACH = 1, CMD_CLOSE_LOG = 2, CMD_SYNC = 3 };

struct plog {
  uint32_t id;
  int fd; /* -1 until the first line (a silent service holds no fd) */
  uint64_t size;
  uint64_t max_size;
  int max_files;
  int timestamps;
  int mode;
  int want_lines;
  int refs; /* JS's handle + attached sources */
  int failing; /* errno of the write that failed; 0 when writing works */
  uint64_t dropped_lines, dropped_bytes;
  char *path;
};

struct psrc {
  uint32_t id;
  int fd;
  int plain; /* tee(2) refused: read and consume first (a chunk in flight may be lost) */
  struct plog *log;
  char *pending; /* an unfinished line taken out of the pipe (only past PEEK_MAX) */
  size_t npending;
  struct psrc *next;
};

struct cmd {
  int op;
  uint32_t id;
  struct plog *log;
  struct psrc *src;
  struct cmd *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct cmd *queue_head, *queue_tail;
static int wake_fd = -1, ev_write = -1, ep = -1, scratch[2] = {-1, -1}, devnull = -1;
static uint32_t next_id = 1;
static struct psrc *sources;
static char *inbuf, *outbuf;
static size_t outlen;
static char *evbuf;
static size_t evlen, evcap;
static char stamp[STAMP_LEN + 1];
static int64_t stamp_ms = -1;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000);
}

static void put_digits(char *p, int v, int n) {
  for (int i = n - 1; i >= 0; i--, v /= 10) p[i] = (char)('0' + v % 10);
}

static void set_stamp(double at) {
  int64_t ms = (int64_t)at;
  if (ms == stamp_ms) return;
  stamp_ms = ms;
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  put_digits(stamp, tm.tm_year + 1900, 4);
  stamp[4] = '-';
  put_digits(stamp + 5, tm.tm_mon + 1, 2);
  stamp[7] = '-';
  put_digits(stamp + 8, tm.tm_mday, 2);
  stamp[10] = 'T';
  put_digits(stamp + 11, tm.tm_hour, 2);
  stamp[13] = ':';
  put_digits(stamp + 14, tm.tm_min, 2);
  stamp[16] = ':';
  put_digits(stamp + 17, tm.tm_sec, 2);
  stamp[19] = '.';
  put_digits(stamp + 20, (int)(ms % 1000), 3);
  stamp[23] = 'Z';
  stamp[24] = ' ';
}

/* ── events to JS ─────────────────────────────────────────────────────────────────────── */

/* u32 type, u32 id, u32 len, u32 zero, f64 at, then len bytes */
static void event(uint32_t type, uint32_t id, double at, const char *data, size_t len) {
  size_t need = evlen + 24 + len;
  if (need > evcap) {
    size_t cap = evcap ? evcap : 4096;
    while (cap < need) cap *= 2;
    char *p = realloc(evbuf, cap);
    if (!p) return; /* no memory: the event is lost, the log is not */
    evbuf = p;
    evcap = cap;
  }
  uint32_t head[4] = {type, id, (uint32_t)len, 0};
  memcpy(evbuf + evlen, head, 16);
  memcpy(evbuf + evlen + 16, &at, 8);
  if (len) memcpy(evbuf + evlen + 24, data, len);
  evlen = need;
}

static void warn(struct plog *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct plog *log, const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  event(EV_WARN, log->id, now_ms(), text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

/* Blocks while JS is slow to read: the pump waits rather than drop what JS asked for. */
static void flush_events(void) {
  size_t off = 0;
  while (off < evlen) {
    ssize_t w = write(ev_write, evbuf + off, evlen - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      break; /* JS is gone */
    }
    off += (size_t)w;
  }
  evlen = 0;
  if (evcap > (1 << 20)) {
    free(evbuf);
    evbuf = NULL;
    evcap = 0;
  }
}

/* ── files ───────────────────────────────────────────────────────────────────────────── */

static const char *errname(int e) {
  const char *n = strerrorname_np(e);
  return n ? n : "E?";
}

/* Cuts the file back to its last newline: a write a kill cut short leaves a torn tail, whose
 * lines are still in their pipe (the pump consumes only what it wrote whole). */
static void cut_torn_tail(int fd, uint64_t *size) {
  if (*size == 0) return;
  char c;
  if (pread(fd, &c, 1, (off_t)(*size - 1)) != 1 || c == '\n') return;
  char buf[4096];
  uint64_t end = *size;
  while (end > 0) {
    size_t n = end < sizeof buf ? (size_t)end : sizeof buf;
    if (pread(fd, buf, n, (off_t)(end - n)) != (ssize_t)n) return;
    char *nl = memrchr(buf, '\n', n);
    if (nl) {
      end = end - n + (uint64_t)(nl - buf) + 1;
      break;
    }
    end -= n;
    if (*size - end > MAX_LINE + 2 * STAMP_LEN) return; /* not a tail of ours: leave it */
  }
  if (ftruncate(fd, (off_t)end) == 0) *size = end;
}

static int open_append(const char *path, int mode, uint64_t *size) {
  int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, mode); /* read: cut_torn_tail */
  if (fd < 0) return -errno;
  struct stat st;
  if (fchmod(fd, (mode_t)mode) < 0 || fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  *size = (uint64_t)st.st_size;
  return fd;
}

static int cmp_desc(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* live → .1 → .2 …; at most max_files rotated files survive (only those present are touched). */
static int shift_rotated(const char *path, int max_files) {
  char dir[4096], name[4096];
  const char *slash = strrchr(path, '/');
  if (!slash) return -EINVAL;
  size_t dl = (size_t)(slash - path);
  if (dl >= sizeof dir) return -ENAMETOOLONG;
  memcpy(dir, path, dl);
  dir[dl] = 0;
  if (dl == 0) strcpy(dir, "/");
  const char *base = slash + 1;
  size_t bl = strlen(base);
  DIR *d = opendir(dir);
  if (!d) return -errno;
  long *ks = NULL;
  size_t nk = 0, ck = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, base, bl) != 0 || e->d_name[bl] != '.') continue;
    const char *num = e->d_name + bl + 1;
    if (!*num || strspn(num, "0123456789") != strlen(num) || strlen(num) > 9) continue;
    if (nk == ck) {
      ck = ck ? ck * 2 : 16;
      long *p = realloc(ks, ck * sizeof *ks);
      if (!p) break;
      ks = p;
    }
    ks[nk++] = strtol(num, NULL, 10);
  }
  closedir(d);
  qsort(ks, nk, sizeof *ks, cmp_desc);
  int err = 0;
  int keep = max_files > 1 ? max_files : 1;
  for (size_t i = 0; i < nk; i++)
    if (ks[i] >= keep) {
      snprintf(name, sizeof name, "%s.%ld", path, ks[i]);
      if (unlink(name) < 0 && errno != ENOENT) err = -errno;
    }
  for (size_t i = 0; i < nk; i++)
    if (ks[i] < max_files) {
      char to[4096];
      snprintf(name, sizeof name, "%s.%ld", path, ks[i]);
      snprintf(to, sizeof to, "%s.%ld", path, ks[i] + 1);
      if (rename(name, to) < 0 && errno != ENOENT) err = -errno;
    }
  free(ks);
  if (max_files == 0) {
    if (unlink(path) < 0 && errno != ENOENT) err = -errno;
  } else {
    snprintf(name, sizeof name, "%s.1", path);
    if (rename(path, name) < 0 && errno != ENOENT) err = -errno;
  }
  return err;
}

static int ensure_open(struct plog *log) {
  if (log->fd >= 0) return 0;
  int fd = open_append(log->path, log->mode, &log->size);
  if (fd < 0) return fd;
  cut_torn_tail(fd, &log->size);
  log->fd = fd;
  return 0;
}

static int rotate(struct plog *log) {
  close(log->fd);
  log->fd = -1;
  int err = shift_rotated(log->path, log->max_files);
  int r = ensure_open(log);
  return err ? err : r;
}

/* Appends whole lines; a write the disk takes only part of is cut back to the last whole line. */
static int append(struct plog *log, const char *buf, size_t len) {
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(log->fd, buf + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      if (off > 0 && ftruncate(log->fd, (off_t)log->size) < 0) {
        /* the next write reports again */
      }
      return -e;
    }
    off += (size_t)w;
  }
  log->size += len;
  return 0;
}

/* buf[0, len): whole lines. Rotates only when the next line does not fit (never right after a
 * write), so a line longer than max_size goes whole into a fresh file. */
static int emit(struct plog *log, const char *buf, size_t len) {
  int r = ensure_open(log);
  if (r < 0) return r;
  size_t pos = 0;
  while (pos < len) {
    uint64_t room = log->max_size > log->size ? log->max_size - log->size : 0;
    if (len - pos <= room) return append(log, buf + pos, len - pos);
    const char *end = NULL;
    if (room > 0) end = memrchr(buf + pos, '\n', (size_t)room);
    if (!end && log->size == 0) end = memchr(buf + pos, '\n', len - pos);
    if (end) {
      size_t n = (size_t)(end - (buf + pos)) + 1;
      if ((r = append(log, buf + pos, n)) < 0) return r;
      pos += n;
    } else if ((r = rotate(log)) < 0)
      return r;
  }
  return 0;
}

static size_t count_lines(const char *p, size_t n) {
  size_t k = 0;
  for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) k++;
  return k;
}

/* Writes whole lines to the log, keeping the disk-full watch: the first failure warns once,
 * what cannot be written is dropped and counted (a service is never blocked by its log), and
 * the first write that works again is a marker line saying how much was dropped. */
static void write_lines(struct plog *log, const char *buf, size_t len, double at) {
  if (log->failing) {
    char marker[512];
    int n = 0;
    if (log->timestamps) {
      set_stamp(at);
      memcpy(marker, stamp, STAMP_LEN);
      n = STAMP_LEN;
    }
    n += snprintf(marker + n, sizeof marker - (size_t)n, "[sysg: %llu line(s), %llu byte(s) of output dropped: cannot write log %s: %s (%s)]\n",
                  (unsigned long long)log->dropped_lines, (unsigned long long)log->dropped_bytes, log->path, strerrordesc_np(log->failing),
                  errname(log->failing));
    if ((size_t)n >= sizeof marker) {
      marker[sizeof marker - 2] = ']';
      marker[sizeof marker - 1] = '\n';
      n = sizeof marker;
    }
    if (emit(log, marker, (size_t)n) < 0) {
      log->dropped_lines += count_lines(buf, len);
      log->dropped_bytes += len;
      return;
    }
    warn(log, "%s: writing works again; %llu line(s) (%llu bytes) were dropped meanwhile", log->path, (unsigned long long)log->dropped_lines,
         (unsigned long long)log->dropped_bytes);
    log->failing = 0;
    log->dropped_lines = log->dropped_bytes = 0;
  }
  int r = emit(log, buf, len);
  if (r < 0) {
    log->failing = -r;
    warn(log, "cannot write log %s: %s (%s); dropping this output until writing works again (the service keeps running)", log->path,
         strerrordesc_np(-r), errname(-r));
    log->dropped_lines += count_lines(buf, len);
    log->dropped_bytes += len;
  }
}

/* ── the output buffer: stamped lines of one chunk ───────────────────────────────────── */

static void out_flush(struct plog *log, double at) {
  if (outlen) write_lines(log, outbuf, outlen, at);
  outlen = 0;
}

/* One line: [pending] + p[0, n) where p ends with '\n' (or add_nl adds it). */
static void out_line(struct psrc *s, const char *p, size_t n, int add_nl, double at) {
  struct plog *log = s->log;
  size_t text = s->npending + n - (add_nl ? 0 : 1);
  size_t need = (log->timestamps ? STAMP_LEN : 0) + s->npending + n + (add_nl ? 1 : 0);
  if (log->want_lines) {
    if (s->npending) {
      char *joined = malloc(text ? text : 1);
      if (joined) {
        memcpy(joined, s->pending, s->npending);
        memcpy(joined + s->npending, p, text - s->npending);
        event(EV_LINE, log->id, at, joined, text);
        free(joined);
      }
    } else
      event(EV_LINE, log->id, at, p, text);
  }
  if (outlen + need > OUT_CAP) out_flush(log, at);
  if (need > OUT_CAP) {
    /* a line longer than the buffer: written on its own, in one writev-like pass */
    char *big = malloc(need);
    if (!big) return;
    size_t k = 0;
    if (log->timestamps) memcpy(big, stamp, STAMP_LEN), k = STAMP_LEN;
    memcpy(big + k, s->pending, s->npending), k += s->npending;
    memcpy(big + k, p, n), k += n;
    if (add_nl) big[k++] = '\n';
    write_lines(log, big, k, at);
    free(big);
  } else {
    if (log->timestamps) memcpy(outbuf + outlen, stamp, STAMP_LEN), outlen += STAMP_LEN;
    if (s->npending) memcpy(outbuf + outlen, s->pending, s->npending), outlen += s->npending;
    memcpy(outbuf + outlen, p, n), outlen += n;
    if (add_nl) outbuf[outlen++] = '\n';
  }
  free(s->pending);
  s->pending = NULL;
  s->npending = 0;
}

static int keep_pending(struct psrc *s, const char *p, size_t n) {
  char *q = realloc(s->pending, s->npending + n);
  if (!q) return -1;
  memcpy(q + s->npending, p, n);
  s->pending = q;
  s->npending += n;
  return 0;
}

/* Consumes exactly n bytes that are now in the file. */
static void consume(struct psrc *s, size_t n) {
  while (n > 0) {
    ssize_t k = splice(s->fd, NULL, devnull, NULL, n, SPLICE_F_NONBLOCK);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      /* no splice to /dev/null: read them away */
      size_t m = n < CHUNK ? n : CHUNK;
      k = read(s->fd, inbuf, m);
      if (k <= 0) return;
    }
    n -= (size_t)k;
  }
}

/* ── sources ─────────────────────────────────────────────────────────────────────────── */

static void log_release(struct plog *log) {
  if (__atomic_sub_fetch(&log->refs, 1, __ATOMIC_SEQ_CST) > 0) return;
  if (log->fd >= 0) close(log->fd);
  free(log->path);
  free(log);
}

static void source_end(struct psrc *s) {
  if (s->npending) {
    set_stamp(now_ms());
    out_line(s, "", 0, 1, now_ms());
    out_flush(s->log, now_ms());
  }
  epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
  close(s->fd);
  event(EV_EOF, s->id, now_ms(), NULL, 0);
  for (struct psrc **pp = &sources; *pp; pp = &(*pp)->next)
    if (*pp == s) {
      *pp = s->next;
      break;
    }
  log_release(s->log);
  free(s);
}

/* Copies n bytes of the chunk in inbuf into the log: whole lines now; the last unfinished line
 * stays in the pipe (or in pending, once past PEEK_MAX). Returns the bytes to consume. */
static size_t take(struct psrc *s, size_t n, int hup, double at) {
  if (s->log->timestamps) set_stamp(at);
  const char *p = inbuf, *end = inbuf + n;
  const char *nl;
  while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    out_line(s, p, (size_t)(nl - p) + 1, 0, at);
    p = nl + 1;
  }
  size_t rest = (size_t)(end - p);
  if (rest > 0 && (hup || s->plain || rest >= PEEK_MAX || s->npending + rest >= MAX_LINE)) {
    if (hup || s->npending + rest >= MAX_LINE)
      out_line(s, p, rest, 1, at);
    else if (keep_pending(s, p, rest) < 0)
      out_line(s, p, rest, 1, at);
    p = end;
  }
  out_flush(s->log, at);
  return (size_t)(p - inbuf);
}

static void pump_source(struct psrc *s, int hup) {
  for (;;) {
    ssize_t n;
    if (!s->plain) {
      n = tee(s->fd, scratch[1], CHUNK, SPLICE_F_NONBLOCK);
      if (n < 0 && errno == EINVAL) {
        s->plain = 1;
        continue;
      }
      if (n > 0) {
        /* the scratch pipe now holds exactly n bytes */
        size_t got = 0;
        while (got < (size_t)n) {
          ssize_t r = read(scratch[0], inbuf + got, (size_t)n - got);
          if (r < 0 && errno == EINTR) continue;
          if (r <= 0) break;
          got += (size_t)r;
        }
        n = (ssize_t)got;
      }
    } else
      n = read(s->fd, inbuf, CHUNK);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      source_end(s);
      return;
    }
    if (n == 0) {
      source_end(s);
      return;
    }
    size_t used = take(s, (size_t)n, hup, now_ms());
    if (!s->plain) consume(s, used);
    /* nothing whole in what the pipe holds: wait for more (edge-triggered: the next write wakes us) */
    if (used == 0) return;
  }
}

/* ── the thread ──────────────────────────────────────────────────────────────────────── */

static void run_commands(void) {
  uint64_t v;
  if (read(wake_fd, &v, sizeof v) < 0) {
    /* nothing pending */
  }
  pthread_mutex_lock(&lock);
  struct cmd *c = queue_head;
  queue_head = queue_tail = NULL;
  pthread_mutex_unlock(&lock);
  while (c) {
    struct cmd *next = c->next;
    if (c->op == CMD_ATTACH) {
      struct psrc *s = c->src;
      s->next = sources;
      sources = s;
      struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.ptr = s};
      if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &e) < 0)
        source_end(s);
      else
        pump_source(s, 0);
    } else if (c->op == CMD_CLOSE_LOG) {
      log_release(c->log);
    } else if (c->op == CMD_SYNC) {
      for (struct psrc *s = sources; s; s = s->next)
        if (s->id == c->id) {
          pump_source(s, 0);
          break;
        }
      /* also when the source has ended meanwhile: its EOF came first */
      event(EV_SYNC, c->id, now_ms(), NULL, 0);
    }
    free(c);
    c = next;
  }
}

static void *pump_main(void *arg) {
  (void)arg;
  struct epoll_event evs[64];
  for (;;) {
    int n = epoll_wait(ep, evs, 64, -1);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL)
        run_commands();
      else
        pump_source(evs[i].data.ptr, (evs[i].events & (EPOLLHUP | EPOLLERR)) != 0);
    }
    if (evlen) flush_events();
  }
  return NULL;
}

static void enqueue(struct cmd *c) {
  pthread_mutex_lock(&lock);
  if (queue_tail)
    queue_tail->next = c;
  else
    queue_head = c;
  queue_tail = c;
  pthread_mutex_unlock(&lock);
  uint64_t one = 1;
  if (write(wake_fd, &one, sizeof one) < 0) {
    /* the counter is saturated: the thread is awake anyway */
  }
}

static uint32_t new_id(void) { return __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED); }

/* ── the API (JS thread) ─────────────────────────────────────────────────────────────── */

/* The pump's own fds for the process's lifetime go above 100: the low numbers stay free for
 * the short-lived ones (a child's pipes, sockets), as they were before the pump existed. */
static int high(int fd) {
  if (fd < 0) return fd;
  int h = fcntl(fd, F_DUPFD_CLOEXEC, 100);
  if (h < 0) return fd;
  close(fd);
  return h;
}

/* Starts the thread; returns the read end of the event pipe (O_NONBLOCK), or -errno. */
EXPORT int sysg_pump_start(void) {
  int evp[2];
  if (pipe2(evp, O_CLOEXEC) < 0) return -errno;
  evp[1] = high(evp[1]);
  fcntl(evp[0], F_SETFL, O_NONBLOCK);
  fcntl(evp[1], F_SETPIPE_SZ, 1 << 20);
  if (pipe2(scratch, O_CLOEXEC) < 0) return -errno;
  scratch[0] = high(scratch[0]);
  scratch[1] = high(scratch[1]);
  fcntl(scratch[1], F_SETPIPE_SZ, CHUNK); /* else tee copies at most 64 KiB a round */
  devnull = high(open("/dev/null", O_WRONLY | O_CLOEXEC));
  wake_fd = high(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  ep = high(epoll_create1(EPOLL_CLOEXEC));
  inbuf = malloc(CHUNK);
  outbuf = malloc(OUT_CAP);
  if (devnull < 0 || wake_fd < 0 || ep < 0 || !inbuf || !outbuf) return -ENOMEM;
  struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, wake_fd, &e) < 0) return -errno;
  ev_write = evp[1];
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t t;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old); /* signals stay with the JS thread */
  int r = pthread_create(&t, &attr, pump_main, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (r != 0) return -r;
  pthread_detach(t);
  return evp[0];
}

/* A log file: created now with `mode` (so it is there for `logs`), held open from its first
 * line on. max_size < 0 or not finite: never rotate. Returns a handle, or NULL (errno in *err). */
EXPORT void *sysg_pump_log(const char *path, double max_size, int max_files, int timestamps, int mode, int want_lines, int *err) {
  uint64_t size;
  int fd = open_append(path, mode, &size);
  if (fd < 0) {
    *err = -fd;
    return NULL;
  }
  close(fd);
  struct plog *log = calloc(1, sizeof *log);
  char *p = strdup(path);
  if (!log || !p) {
    free(log);
    free(p);
    *err = ENOMEM;
    return NULL;
  }
  log->id = new_id();
  log->fd = -1;
  log->max_size = (isfinite(max_size) && max_size >= 0) ? (uint64_t)max_size : UINT64_MAX;
  log->max_files = max_files;
  log->timestamps = timestamps;
  log->mode = mode;
  log->want_lines = want_lines;
  log->refs = 1;
  log->path = p;
  *err = 0;
  return log;
}

EXPORT int sysg_pump_log_id(void *log) { return (int)((struct plog *)log)->id; }

/* Hands a pipe's read end (O_NONBLOCK) over to the pump; returns the source id (its EOF event
 * carries it) or 0 without memory. The log's handle must still be open. */
EXPORT int sysg_pump_attach(void *log, int fd) {
  struct psrc *s = calloc(1, sizeof *s);
  struct cmd *c = calloc(1, sizeof *c);
  if (!s || !c) {
    free(s);
    free(c);
    return 0;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  s->id = new_id();
  s->fd = fd;
  s->log = log;
  /* counted here, on the JS thread, where the handle is known to be open */
  __atomic_fetch_add(&((struct plog *)log)->refs, 1, __ATOMIC_SEQ_CST);
  c->op = CMD_ATTACH;
  c->src = s;
  int id = (int)s->id; /* s belongs to the pump once queued (it may end and be freed at once) */
  enqueue(c);
  return id;
}

/* The pump copies what source `id` holds now and then answers with a SYNC event. */
EXPORT int sysg_pump_sync(int id) {
  struct cmd *c = calloc(1, sizeof *c);
  if (!c) return -ENOMEM;
  c->op = CMD_SYNC;
  c->id = (uint32_t)id;
  enqueue(c);
  return 0;
}

/* JS lets go of the log; its file closes once its last source has ended. */
EXPORT int sysg_pump_close_log(void *log) {
  struct cmd *c = calloc(1, sizeof *c);
  if (!c) return -ENOMEM;
  c->op = CMD_CLOSE_LOG;
  c->log = log;
  enqueue(c);
  return 0;
}
