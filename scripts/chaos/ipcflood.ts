// Scenario 6: the control socket under abuse. `clients` status clients at once (the real CLI,
// plus raw socket clients), `frames` hostile frames (garbage, huge, wrong types, deep JSON,
// invalid UTF-8, unknown commands, pipelined bursts), and clients that connect and never send.
// Every request is answered or refused with an error frame; the daemon stays up and answers
// a status within 50 ms afterwards.
import net from "node:net";
import { join } from "node:path";
import { type Tally, box, checkAlive, crashOf, fmt, pct, rawExchange, startDaemon, statusRtt, stopDaemon, sysgAsync, tally } from "./lib.ts";

export async function ipcFlood(clients: number, frames: number): Promise<Tally> {
  const t = tally("6. IPC flood");
  const b = box("ipc");
  const idle: net.Socket[] = [];
  try {
    let cfg = 'version: "1"\nservices:\n';
    for (let i = 0; i < 5; i++) cfg += `  s${i}:\n    command: "sleep 1000"\n`;
    const pid = startDaemon(b, b.write("ipc.yaml", cfg));
    const sock = join(b.stateDir, "control.sock");

    // clients that connect and never send (they hold a connection slot each)
    for (let i = 0; i < 200; i++) {
      const c = net.connect(sock);
      c.on("error", () => {});
      idle.push(c);
    }

    // concurrent status: a fifth through the real CLI (process start-up included), the rest raw
    const cli = Math.min(100, Math.floor(clients / 5));
    // raw clients first, all at once (the harness spawning CLI processes would stall its own loop)
    const t0 = performance.now();
    const rawR = await Promise.all(Array.from({ length: clients - cli }, () => statusRtt(sock, 30_000)));
    const wall = performance.now() - t0;
    const t1 = performance.now();
    const cliR = await Promise.all(Array.from({ length: cli }, () => sysgAsync(b, ["status", "--json"], 60_000)));
    const cliWall = performance.now() - t1;
    t.trials += clients;
    let refused = 0;
    for (const r of rawR) {
      // refused is an answer too: told busy, or the listen backlog full (the kernel refuses or resets)
      if (r.error && /busy|ECONNREFUSED|ECONNRESET|EAGAIN/.test(r.error)) refused++;
      else if (r.error) {
        t.problems.push(`raw status client: ${r.error}`);
        break;
      }
    }
    for (const r of cliR) {
      const c = crashOf(r, [0, 1, 2]);
      if (c) {
        t.crashes++;
        t.problems.push(`status CLI under load: ${c}`);
        break;
      }
      if (!r.stdout.includes('"sysg.status.v1"') && !/busy|too many/.test(r.stderr)) {
        t.problems.push(`status CLI under load gave neither status nor a refusal: ${r.stderr.slice(0, 160)}`);
        break;
      }
    }
    const ok = rawR.filter((r) => !r.error).map((r) => r.ms);
    t.figures.push(`${clients} concurrent status clients (${cli} via the CLI) + 200 silent connections: the ${clients - cli} raw ones all answered within ${fmt(wall, 0)} ms (p50 ${fmt(pct(ok, 50))} ms, p99 ${fmt(pct(ok, 99))} ms), the ${cli} CLI runs within ${fmt(cliWall, 0)} ms;  ${refused} refused (busy, or the listen backlog full)`);

    // hostile frames
    const hostile = hostileFrames(frames);
    let answered = 0;
    let unanswered = 0;
    const batch = 50;
    for (let i = 0; i < hostile.length; i += batch) {
      const group = hostile.slice(i, i + batch);
      const results = await Promise.all(group.map((f) => rawExchange(sock, f.bytes, f.expect, 15_000, f.kind === "no-newline")));
      results.forEach((r, k) => {
        t.trials++;
        const f = group[k]!;
        const good = r.lines.length >= f.expect && r.lines.every((l) => isFrame(l));
        if (good) answered++;
        else {
          unanswered++;
          if (unanswered <= 5) t.problems.push(`hostile frame (${f.kind}) got ${r.lines.length}/${f.expect} answer(s)${r.error ? `: ${r.error}` : ""}: ${r.lines[0]?.slice(0, 100) ?? ""}`);
        }
      });
      if (!checkAlive(b, pid, t, "hostile frames")) return t;
    }
    t.figures.push(`${hostile.length} hostile frames: ${answered} answered with a frame, ${unanswered} not`);
    for (const c of idle) c.destroy();
    const after = await statusRtt(sock);
    if (after.error) t.problems.push(`status after the flood: ${after.error}`);
    else {
      t.figures.push(`status after the flood: ${fmt(after.ms)} ms`);
      if (after.ms > 50) t.problems.push(`status after the flood took ${fmt(after.ms)} ms (target < 50)`);
    }
    checkAlive(b, pid, t, "after the flood");
    await stopDaemon(b, t, "ipc");
  } finally {
    for (const c of idle) c.destroy();
    b.cleanup();
  }
  return t;
}

function isFrame(line: string): boolean {
  try {
    const f = JSON.parse(line) as { v?: unknown; ok?: unknown };
    return f.v === 1 && typeof f.ok === "boolean";
  } catch {
    return false;
  }
}

interface Hostile {
  kind: string;
  bytes: Uint8Array | string;
  /** answers owed */
  expect: number;
}

function hostileFrames(n: number): Hostile[] {
  const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
  const makers: (() => Hostile)[] = [
    () => ({ kind: "garbage", bytes: `${Math.random().toString(36).repeat(3)}\n`, expect: 1 }),
    () => ({ kind: "binary", bytes: Buffer.concat([Buffer.from(Array.from({ length: 64 }, () => Math.floor(Math.random() * 255))).map((x) => (x === 10 ? 11 : x)), Buffer.from("\n")]), expect: 1 }),
    () => ({ kind: "bad-utf8", bytes: Buffer.from([0x7b, 0xff, 0xfe, 0x22, 0x7d, 0x0a]), expect: 1 }),
    () => ({ kind: "array", bytes: "[1,2,3]\n", expect: 1 }),
    () => ({ kind: "null", bytes: "null\n", expect: 1 }),
    () => ({ kind: "no-version", bytes: '{"id":1,"cmd":"status"}\n', expect: 1 }),
    () => ({ kind: "wrong-types", bytes: '{"v":1,"id":"x","cmd":7}\n', expect: 1 }),
    () => ({ kind: "unknown-cmd", bytes: '{"v":1,"id":2,"cmd":"format_disk"}\n', expect: 1 }),
    () => ({ kind: "bad-service", bytes: '{"v":1,"id":3,"cmd":"status","service":"../../etc"}\n', expect: 1 }),
    () => ({ kind: "unknown-service", bytes: '{"v":1,"id":4,"cmd":"inspect","name":"nope"}\n', expect: 1 }),
    () => ({ kind: "huge-id", bytes: '{"v":1,"id":1e400,"cmd":"status"}\n', expect: 1 }),
    () => ({ kind: "proto", bytes: '{"v":1,"id":5,"cmd":"status","__proto__":{"admin":true}}\n', expect: 1 }),
    () => ({ kind: "deep-json", bytes: `${deep}\n`, expect: 1 }),
    () => ({ kind: "too-large", bytes: `{"v":1,"id":6,"cmd":"status","pad":"${"a".repeat(1_100_000)}"}\n`, expect: 1 }),
    () => ({ kind: "no-newline", bytes: '{"v":1,"id":7,"cmd":"ping"}', expect: 1 }),
    () => ({ kind: "pipelined", bytes: '{"v":1,"id":8,"cmd":"ping"}\n'.repeat(200), expect: 200 }),
    () => ({ kind: "inspect-window", bytes: '{"v":1,"id":9,"cmd":"inspect","name":"s0","window":1e308}\n', expect: 1 }),
    () => ({ kind: "spawn-empty", bytes: '{"v":1,"id":10,"cmd":"spawn","name":"s0","argv":[]}\n', expect: 1 }),
    () => ({ kind: "reload-relative", bytes: '{"v":1,"id":11,"cmd":"reload","config":"../x.yaml"}\n', expect: 1 }),
  ];
  return Array.from({ length: n }, (_, i) => makers[i % makers.length]!());
}
