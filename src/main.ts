// Entry of the `sysg` executable. The only file outside src/platform/ that knows the backend
// is Bun: it hands the CLI lazy loaders for the Bun platform and the Bun IPC connector, so
// commands that never spawn or connect (check, --version) do not pay for them.
import { runCli } from "./cli/index.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  platform: async () => (await import("./platform/bun/index.ts")).createBunPlatform(),
  connector: async () => (await import("./platform/bun/ipc-connect.ts")).bunConnector,
});
