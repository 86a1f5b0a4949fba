import { statSync } from "node:fs";
import { join } from "node:path";
import { ensureDirs, runtimePaths, serviceLogPath } from "../../../src/runtime/paths.ts";
import { tempDirs } from "./tmp.ts";

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

describe("runtimePaths", () => {
  test("user mode lives under the home directory, private", () => {
    const p = runtimePaths({ sys: false, home: "/home/ann" });
    expect(p.stateDir).toBe("/home/ann/.local/share/systemg");
    expect(p.logDir).toBe("/home/ann/.local/share/systemg/logs");
    expect(p.configDirs).toEqual(["/home/ann/.config/systemg"]);
    expect(p.controlSock).toBe("/home/ann/.local/share/systemg/control.sock");
    expect(p.sysgPid).toBe("/home/ann/.local/share/systemg/sysg.pid");
    expect(p.configHint).toBe("/home/ann/.local/share/systemg/config_hint");
    expect(p.pidJson).toBe("/home/ann/.local/share/systemg/pid.json");
    expect(p.stateJson).toBe("/home/ann/.local/share/systemg/state.json");
    expect(p.cronStateJson).toBe("/home/ann/.local/share/systemg/cron_state.json");
    expect(p.supervisorLog).toBe("/home/ann/.local/share/systemg/logs/supervisor.log");
    expect([p.stateDirMode, p.logDirMode, p.fileMode]).toEqual([0o700, 0o700, 0o600]);
  });

  test("--sys uses the system places, readable by every local user", () => {
    const p = runtimePaths({ sys: true, home: "/root" });
    expect(p.stateDir).toBe("/var/lib/systemg");
    expect(p.logDir).toBe("/var/log/systemg");
    expect(p.configDirs).toEqual(["/etc/systemg"]);
    expect(p.supervisorLog).toBe("/var/log/systemg/supervisor.log");
    expect([p.stateDirMode, p.logDirMode, p.fileMode]).toEqual([0o755, 0o755, 0o644]);
  });

  test("service log files are <name>_<stream>.log", () => {
    expect(serviceLogPath("/l", "web.api", "stderr")).toBe("/l/web.api_stderr.log");
  });
});

describe("ensureDirs", () => {
  test("creates the dirs with exact modes whatever the umask, also when they exist", () => {
    const home = tmp.make();
    const p = runtimePaths({ sys: false, home });
    const old = process.umask(0o000);
    try {
      expect(ensureDirs(p)).toEqual({ ok: true, value: undefined });
      expect(statSync(p.stateDir).mode & 0o777).toBe(0o700);
      expect(statSync(p.logDir).mode & 0o777).toBe(0o700);
      const sysLike = { ...p, stateDir: join(home, "s"), logDir: join(home, "l"), stateDirMode: 0o755, logDirMode: 0o755 };
      process.umask(0o077);
      expect(ensureDirs(sysLike).ok).toBe(true);
      expect(statSync(sysLike.stateDir).mode & 0o777).toBe(0o755);
      expect(ensureDirs(sysLike).ok).toBe(true);
    } finally {
      process.umask(old);
    }
  });

  test("failure is a value naming the directory", () => {
    const p = runtimePaths({ sys: false, home: "/proc/self/none" });
    const r = ensureDirs(p);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(p.stateDir);
  });
});
