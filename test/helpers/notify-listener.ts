// A stand-in for systemd's notification socket in tests: a python3 process bound to a unix
// datagram address (a path, or "@name" for an abstract one) that prints every datagram with its
// own CLOCK_MONOTONIC time of receipt.
import { spawnSync } from "node:child_process";
import type { Sandbox } from "./sysg.ts";

export const hasPython = spawnSync("python3", ["-c", "import socket"]).status === 0;

const LISTENER = `
import json, socket, sys, time
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\\0" + addr[1:] if addr.startswith("@") else addr)
print(json.dumps({"listening": True}), flush=True)
while True:
    data = s.recv(4096)
    print(json.dumps({"msg": data.decode(), "mono_usec": time.monotonic_ns() // 1000}), flush=True)
`;

export interface Datagram {
  msg: string;
  mono_usec: number;
}

export interface NotifyListener {
  messages: Datagram[];
  /** the first datagram matching `re` among those after the first `from` (waits for it) */
  next(re: RegExp, from?: number, ms?: number): Promise<Datagram>;
  stop(): void;
}

/** A listening socket at `address`; resolves once it is bound. */
export async function listenNotify(sb: Sandbox, address: string): Promise<NotifyListener> {
  // not tagged: tests count the tagged processes of sysg; the caller stops the listener itself
  const proc = Bun.spawn(["python3", "-c", LISTENER, address], { stdout: "pipe", stderr: "inherit", env: { PATH: sb.env.PATH ?? "/usr/bin:/bin" } });
  const messages: Datagram[] = [];
  let listening: () => void = () => {};
  const up = new Promise<void>((r) => (listening = r));
  (async () => {
    let buf = "";
    for await (const chunk of proc.stdout) {
      buf += new TextDecoder().decode(chunk);
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const m = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (m.listening) listening();
        else messages.push(m);
      }
    }
  })();
  await up;
  return {
    messages,
    async next(re, from = 0, ms = 15_000) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = messages.slice(from).find((m) => re.test(m.msg));
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no datagram matching ${re}; got ${JSON.stringify(messages.map((m) => m.msg))}`);
        await Bun.sleep(20);
      }
    },
    stop: () => proc.kill("SIGKILL"),
  };
}
