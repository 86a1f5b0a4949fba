// The init of `isolation.pid` namespaces (ffi/init/init.c → .build/sysg-init, a static program
// of about 1 KiB) is embedded in the executable. The first spawn into a PID namespace copies it
// into a sealed memfd that every later one execs (ffi/init-exec.c): one copy per supervisor,
// nothing written to disk.
import { readFileSync } from "node:fs";
import { ptr } from "bun:ffi";
import initPath from "../../../.build/sysg-init" with { type: "file" };
import { shim } from "./shim.ts";

let installed = false;

/** Installs the embedded init once; null when done, else the errno of the failure. */
export function ensureInit(): number | null {
  if (installed) return null;
  const r = installInit(readFileSync(initPath));
  if (r < 0) return -r;
  installed = true;
  return null;
}

/** Replaces the init every later PID-namespace spawn execs; returns the memfd or -errno. */
export function installInit(bytes: Uint8Array): number {
  if (bytes.length === 0) return -22;
  return shim().sysg_init_install(ptr(bytes), bytes.length);
}
