// Every config in examples/ is valid and does what its comments say, through the real binary.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, run, sandbox, spawnSysg } from "../helpers/sysg.ts";

const EXAMPLES = join(import.meta.dir, "../../examples");
beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

/** A loopback port nobody listens on right now (the kernel picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

describe("examples/", () => {
  test("every example passes sysg check", () => {
    sb = sandbox();
    const files = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json|toml)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const r = run(sb, ["check", "-c", join(EXAMPLES, f)]);
      // system-mode.yaml names real accounts and hardened.yaml needs mount namespaces; as non-root
      // their host checks refuse, which is what check is for
      if ((f === "system-mode.yaml" || f === "hardened.yaml") && process.getuid?.() !== 0) continue;
      // warnings are host facts (e.g. no cgroup2 mount where the example wants one), not errors
      const errors = r.stderr.split("\n").filter((l) => l !== "" && !l.includes(": warning: "));
      expect({ file: f, code: r.code, errors }).toEqual({ file: f, code: 0, errors: [] });
    }
  });

  test("chain.yaml: db ready on TCP, then migrate ready by its marker, then web", async () => {
    sb = sandbox();
    // nothing in a shared fixed place that a previous run (or another user) left behind
    expect(readFileSync(join(EXAMPLES, "chain.yaml"), "utf8")).not.toContain("/tmp/");
    // the example as shipped, but on a port free now: other test runs on this host may hold 47311
    const text = readFileSync(join(EXAMPLES, "chain.yaml"), "utf8");
    expect(text.match(/47311/g)?.length).toBe(2);
    const port = await freePort();
    const cfg = sb.write("chain.yaml", text.replaceAll("47311", String(port)));
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/web\s+\| web up/, 20_000);
    const out = p.output();
    const at = (re: RegExp) => out.search(re);
    expect(at(new RegExp(`db\\s+\\| db listening on ${port}`))).toBeGreaterThan(-1);
    expect(at(/db\s+\| db listening/)).toBeLessThan(at(/migrate\s+\| migrating/));
    expect(at(/migrate\s+\| migrations done/)).toBeLessThan(at(/web\s+\| web up/));
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
  });

  test("crashloop.yaml: flaky backs off, gives up after 3 restarts; steady keeps running", async () => {
    sb = sandbox();
    const p = spawnSysg(sb, ["start", "-c", join(EXAMPLES, "crashloop.yaml")]);
    await p.waitFor(/flaky: exited with code 3; gave up after 3 restarts/, 20_000);
    expect(p.output().match(/flaky\s+\| flaky: starting/g)?.length).toBe(4);
    const delays = [...p.output().matchAll(/flaky: restarting in (\d+) ms/g)].map((m) => Number(m[1]));
    expect(delays.length).toBe(3);
    // 200 ms doubling, ±10 % jitter
    [200, 400, 800].forEach((base, i) => {
      expect(delays[i]!).toBeGreaterThanOrEqual(base * 0.9);
      expect(delays[i]!).toBeLessThanOrEqual(base * 1.1);
    });
    expect(p.output()).toMatch(/steady\s+\| steady: fine/);
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
  });
});
