/* The floor for sysg's log path: a minimal C pump doing the same job as sysg's LogFile —
 * read up to 64 KiB from stdin (a pipe), prefix every complete line with one ISO-8601 UTC
 * timestamp per read, write the result to a file with one write(2) per read. With `-r` it only
 * copies (read/write, no timestamps): the raw ceiling. Built by scripts/bench/service-logs.ts.
 *   pump [-r] OUTFILE < input */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define IN 65536

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(int argc, char **argv) {
  int raw = argc > 2 && strcmp(argv[1], "-r") == 0;
  const char *path = argv[argc - 1];
  int out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
  if (argc < 2 || out < 0) {
    perror("pump: open");
    return 1;
  }
  static char in[IN], pending[1 << 20], buf[IN * 2 + (1 << 20)];
  size_t npending = 0;
  for (;;) {
    ssize_t n = read(0, in, sizeof in);
    if (n < 0) {
      perror("pump: read");
      return 1;
    }
    if (n == 0) break;
    if (raw) {
      if (write_all(out, in, (size_t)n) < 0) return 1;
      continue;
    }
    char stamp[32];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t sl = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    sl += (size_t)snprintf(stamp + sl, sizeof stamp - sl, ".%03dZ ", (int)(tv.tv_usec / 1000));
    size_t len = 0, pos = 0;
    const char *nl;
    while ((nl = memchr(in + pos, '\n', (size_t)n - pos)) != NULL) {
      size_t line = (size_t)(nl - (in + pos)) + 1;
      memcpy(buf + len, stamp, sl);
      len += sl;
      if (npending) {
        memcpy(buf + len, pending, npending);
        len += npending;
        npending = 0;
      }
      memcpy(buf + len, in + pos, line);
      len += line;
      pos += line;
    }
    if (pos < (size_t)n && npending + ((size_t)n - pos) <= sizeof pending) {
      memcpy(pending + npending, in + pos, (size_t)n - pos);
      npending += (size_t)n - pos;
    }
    if (len && write_all(out, buf, len) < 0) return 1;
  }
  if (npending) {
    pending[npending++] = '\n';
    if (write_all(out, pending, npending) < 0) return 1;
  }
  return close(out) == 0 ? 0 : 1;
}
