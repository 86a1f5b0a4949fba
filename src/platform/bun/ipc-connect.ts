// A Connector on Bun.connect for the CLI: in a compiled binary it connects, asks and answers in
// about 2 ms over a trivial start, where node:net costs about 9 (see scripts/bench/ipc.ts).
import type { Socket } from "bun";
import type { Connector } from "../types.ts";

export const bunConnector: Connector = async (path, handlers) => {
  // Bun's socket.write may take only part of a buffer; the rest waits here for `drain`.
  const queue: Uint8Array[] = [];
  let reported = false;
  const closed = (error: string | null) => {
    if (reported) return;
    reported = true;
    handlers.closed(error);
  };
  const flush = (socket: Socket) => {
    while (queue.length > 0) {
      const head = queue[0]!;
      const n = socket.write(head);
      if (n < head.length) {
        if (n > 0) queue[0] = head.subarray(n);
        return;
      }
      queue.shift();
    }
  };
  try {
    const socket = await Bun.connect({
      unix: path,
      socket: {
        data: (_s, chunk) => handlers.data(chunk),
        drain: (s) => flush(s),
        error: (_s, err) => closed(err.message),
        close: () => closed(null),
      },
    });
    return {
      ok: true,
      stream: {
        write(bytes) {
          queue.push(bytes);
          if (queue.length === 1) flush(socket);
        },
        close: () => socket.terminate(),
      },
    };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ok: false, code: e.code ?? "", message: e.message ?? String(err) };
  }
};
