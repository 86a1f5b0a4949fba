// IPC numbers: a compiled one-shot `status` client end to end (what `sysg status` pays for the
// socket), round-trip latency on one connection, and pipelined throughput.
//   bun scripts/bench/ipc.ts [runs=100]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectIpc } from "../../src/ipc/client.ts";
import type { StatusResult } from "../../src/ipc/protocol.ts";
import { createIpcServer } from "../../src/ipc/server.ts";
import { peerCred } from "../../src/platform/bun/peercred.ts";

const runs = Number(process.argv[2] ?? 100);
const dir = mkdtempSync(join(tmpdir(), "sysg-ipc-bench-"));
const path = join(dir, "control.sock");
const src = join(import.meta.dir, "../../src/ipc");
const platform = join(import.meta.dir, "../../src/platform/bun");

const status: StatusResult = {
  schema: "sysg.status.v1",
  captured_at: new Date().toISOString(),
  overall_health: "healthy",
  units: Array.from({ length: 20 }, (_, i) => ({
    name: `svc${i}`,
    kind: "service" as const,
    state: "running" as const,
    pid: 1000 + i,
    cpu: 0.4,
    rss: 20_000_000,
    uptime: 3600,
    restarts: 0,
    last_exit: null,
    health: "healthy" as const,
    reason: null,
    cron: null,
  })),
};

const started = await createIpcServer({
  path,
  peerCred,
  authorize: () => null,
  handler: async () => ({ ok: true, result: status }),
});
if (!started.ok) throw new Error(started.error);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function compile(name: string, code: string): Promise<string> {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, code);
  const out = join(dir, name);
  const r = Bun.spawnSync([process.execPath, "build", "--compile", "--minify", "--bytecode", "--format=esm", file, "--outfile", out]);
  if (r.exitCode !== 0) throw new Error(`compile ${name}: ${r.stderr.toString()}`);
  return out;
}

async function timeInterleaved(cmds: string[][]): Promise<number[][]> {
  const times = cmds.map((): number[] => []);
  for (let i = 0; i < runs + 5; i++) {
    for (const [k, argv] of cmds.entries()) {
      const t0 = performance.now();
      const child = Bun.spawn(argv, { stdout: "ignore", stderr: "inherit" });
      if ((await child.exited) !== 0) throw new Error(`${argv[0]} failed`);
      if (i >= 5) times[k]!.push(performance.now() - t0); // first runs warm the page cache
    }
  }
  return times;
}

const trivial = await compile("trivial", `console.log("x");`);
const clientCode = (connector: string) => `import { callIpc } from ${JSON.stringify(join(src, "client.ts"))};
${connector ? `import { bunConnector } from ${JSON.stringify(join(platform, "ipc-connect.ts"))};` : ""}
const r = await callIpc(process.argv[2]!, "status", {}, { timeoutMs: 5000${connector ? ", connector: bunConnector" : ""} });
if (!r.ok) { console.error(r.error.message); process.exitCode = 1; } else console.log(JSON.stringify(r.result));`;
const viaNode = await compile("status-node", clientCode(""));
const viaBun = await compile("status-bun", clientCode("bun"));

// Interleaved, so a noisy machine hurts all three alike.
const [base, node, bun] = await timeInterleaved([
  [trivial],
  [viaNode, path],
  [viaBun, path],
]);
const row = (label: string, xs: number[]) =>
  console.log(`${label.padEnd(34)} p25 ${ms(pct(xs, 0.25))}  p50 ${ms(pct(xs, 0.5))}  p75 ${ms(pct(xs, 0.75))}`);
console.log(`compiled binaries, ${runs} runs each, status of 20 units (connect + request + print):`);
row("trivial (console.log only)", base!);
row("status client, node:net", node!);
row("status client, Bun.connect", bun!);

const conn = await connectIpc(path);
if (!conn.ok) throw new Error(conn.error.message);
const rtt: number[] = [];
for (let i = 0; i < 2100; i++) {
  const t0 = performance.now();
  const r = await conn.client.request("status", {});
  if (!r.ok) throw new Error(r.error.message);
  if (i >= 100) rtt.push(performance.now() - t0);
}
console.log(`round trip, one connection  p50 ${ms(pct(rtt, 0.5))}  p99 ${ms(pct(rtt, 0.99))}  (2000 status requests, same process)`);

const n = 20_000;
const t0 = performance.now();
const replies = await Promise.all(Array.from({ length: n }, () => conn.client.request("status", {})));
const elapsed = performance.now() - t0;
if (replies.some((r) => !r.ok)) throw new Error("pipelined request failed");
console.log(`pipelined                   ${Math.round(n / (elapsed / 1000))} status/s  (${n} in flight from one client)`);

conn.client.close();
await started.server.close();
rmSync(dir, { recursive: true, force: true });
