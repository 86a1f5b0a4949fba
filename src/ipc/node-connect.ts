// The portable Connector: node:net, which Bun and Deno both provide. node:net is imported when
// first used, not at load: a bundler hoists static imports of builtins, and loading node:net
// costs a CLI that passes a native connector ~3 ms for nothing.
import type { Connector } from "../platform/types.ts";

export const nodeConnector: Connector = async (path, handlers) => {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const socket = net.connect(path);
    const refused = (err: NodeJS.ErrnoException) => resolve({ ok: false, code: err.code ?? "", message: err.message });
    socket.once("error", refused);
    socket.once("connect", () => {
      socket.off("error", refused);
      let reported = false;
      const closed = (error: string | null) => {
        if (reported) return;
        reported = true;
        handlers.closed(error);
      };
      socket.on("data", (chunk: Uint8Array) => handlers.data(chunk));
      socket.on("error", (err) => closed(err.message));
      socket.on("close", () => closed(null));
      resolve({ ok: true, stream: { write: (bytes) => void socket.write(bytes), close: () => socket.destroy() } });
    });
  });
};
