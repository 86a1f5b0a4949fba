// Terminal output of the foreground supervisor: every line prefixed with the colored service
// name, batched into one write per tick so a chatty service cannot monopolise the loop.
// Plain fs.writeSync on fd 1: process.stdout costs ~20 ms of start-up in a compiled binary.
import { fstatSync, readlinkSync, writeSync } from "node:fs";

const COLORS = [36, 33, 32, 35, 34, 91, 96, 93, 92, 95];

/** --no-color, NO_COLOR, or a non-terminal stdout turn colors off. */
export function wantColor(flag: boolean | undefined, isTty: boolean): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  return isTty;
}

/**
 * isatty(fd) without node:tty, whose module costs ~3 ms of a one-shot command's start-up: a
 * character device that /proc names as a terminal (/dev/pts/N, /dev/ttyX, /dev/console).
 * Without /proc every character device except the usual sinks counts.
 */
export function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  try {
    return /^\/dev\/(pts\/|tty|console)/.test(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return true;
  }
}

export function paint(color: boolean, code: number, text: string): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

export class PrefixedOutput {
  private pending: string[] = [];
  private scheduled = false;
  private readonly prefixes = new Map<string, string>();
  private readonly width: number;

  constructor(
    names: string[],
    private readonly color: boolean,
    private readonly fd = 1,
  ) {
    this.width = Math.max(4, ...names.map((n) => n.length));
    names.forEach((n, i) => this.prefixes.set(n, paint(color, COLORS[i % COLORS.length]!, `${n.padEnd(this.width)} |`)));
    this.prefixes.set("", paint(color, 90, `${"sysg".padEnd(this.width)} |`));
  }

  /** A line of a service's output (stderr lines are not told apart on the terminal, as with compose). */
  line(service: string, text: string): void {
    this.push(`${this.prefixes.get(service) ?? `${service} |`} ${text}`);
  }

  /** A supervisor event, e.g. "web: started (pid 12)". */
  event(level: "error" | "warn" | "info" | "debug", text: string): void {
    const tag = level === "error" ? paint(this.color, 31, "error ") : level === "warn" ? paint(this.color, 33, "warn ") : "";
    this.push(`${this.prefixes.get("")} ${tag}${text}`);
  }

  private push(s: string): void {
    this.pending.push(s);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = `${this.pending.join("\n")}\n`;
    this.pending = [];
    try {
      writeSync(this.fd, text);
    } catch {
      // A closed or non-blocking terminal must not take the supervisor down; logs keep every line.
    }
  }
}
