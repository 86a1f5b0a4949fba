// Entry of the `sysg` executable. The only file outside src/platform/ that knows the backend
// is Bun: it hands the CLI a loader for the Bun platform, imported lazily so that commands
// which never spawn (check, --version) do not pay for bun:ffi.
import { runCli } from "./cli/index.ts";
import type { Platform } from "./platform/types.ts";

const loadPlatform = async (): Promise<Platform> => (await import("./platform/bun/index.ts")).createBunPlatform();

process.exitCode = await runCli(process.argv.slice(2), loadPlatform);
