// Socket activation end to end: a real process receives an fd at 3 with LISTEN_PID set to its
// own pid (the shell's $$ survives exec), captures it and clears the variables. No root needed.
import { describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const module = join(import.meta.dir, "../../../src/privilege/socket-activation.ts");

describe("captureListenFds in a real activated process", () => {
  test("finds fd 3 under its name and removes LISTEN_* from its own environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sysg-listen-"));
    const passed = join(dir, "passed");
    writeFileSync(passed, "x");
    const script = join(dir, "child.ts");
    writeFileSync(
      script,
      `import { readlinkSync } from "node:fs";
import { captureListenFds } from ${JSON.stringify(module)};
const captured = captureListenFds();
const left = Object.keys(process.env).filter((k) => k.startsWith("LISTEN_"));
console.log(JSON.stringify({ captured, left, target: readlinkSync("/proc/self/fd/3") }));`,
    );
    const fd = openSync(passed, "r");
    try {
      const proc = Bun.spawn(
        ["sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=web exec "${process.execPath}" "${script}"`],
        { stdio: ["ignore", "pipe", "inherit", fd] },
      );
      const out = await new Response(proc.stdout).text();
      expect(await proc.exited).toBe(0);
      expect(JSON.parse(out)).toEqual({ captured: { fds: [{ fd: 3, name: "web" }], warnings: [] }, left: [], target: passed });
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
