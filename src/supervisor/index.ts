// The supervisor module's entry: what the CLI may use of it (the import table in
// docs/architecture.md) — run the supervisor process, build its privilege hook, and stop what a
// dead supervisor left running (`purge`, `start`'s orphan check).
export { privilegeHook } from "./privileged.ts";
export { stopRecordedServices } from "./recover.ts";
export { runSupervisor } from "./run.ts";
