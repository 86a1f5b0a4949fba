// Platform.spawn: encode the spec, call the C shim, turn {step, errno} into a readable outcome.
import { ptr } from "bun:ffi";
import type { SpawnOutcome, SpawnSpec, SpawnStep } from "../types.ts";
import { ensureInit } from "./init.ts";
import { errorText, shim } from "./shim.ts";
import { encodeSpawnSpec, STEPS } from "./spawn-spec.ts";

const EINVAL = 22;
const CLONE_NEWPID = 0x20000000;

export function spawn(spec: SpawnSpec): SpawnOutcome {
  const encoded = encodeSpawnSpec(spec);
  if ("step" in encoded) return { ok: false, step: encoded.step, errno: EINVAL, message: `${encoded.step}: ${encoded.detail}` };
  if ((spec.namespaces ?? 0) & CLONE_NEWPID) {
    const errno = ensureInit();
    if (errno !== null) return { ok: false, step: "init", errno, message: `${describe("init", spec, -1)}: ${errorText(errno)}` };
  }
  const result = new Int32Array(5); // struct sysg_spawn_result { pid, step, err, detail, program }
  const pid = shim().sysg_spawn(ptr(encoded.struct), ptr(result));
  encoded.keep.length = 0; // the buffers had to live until here
  if (pid > 0) return { ok: true, pid, program: result[4]! };
  const step = STEPS[result[1]!] ?? "fork";
  const errno = result[2]!;
  return { ok: false, step, errno, message: `${describe(step, spec, result[3]!)}: ${errorText(errno)}` };
}

/** The failing step with what it was working on, e.g. `chdir "/srv/web"`. */
function describe(step: SpawnStep, spec: SpawnSpec, detail: number): string {
  switch (step) {
    case "mounts": {
      const op = spec.mountPlan?.[detail];
      if (!op) return "mounts (propagation of /)";
      const from = "source" in op ? ` ${JSON.stringify(op.source)} on` : "fstype" in op ? ` ${op.fstype} on` : "";
      return `mounts: ${op.op}${from} ${JSON.stringify(op.target)}`;
    }
    case "lsm":
      return `lsm: ${spec.lsmExec?.label ?? ""} (${spec.lsmExec?.attr ?? ""})`;
    case "exec":
      return `exec ${JSON.stringify(spec.argv[0])}`;
    case "chdir":
      return `chdir ${JSON.stringify(spec.cwd)}`;
    case "uid":
      return `uid ${spec.uid}`;
    case "gid":
      return `gid ${spec.gid}`;
    case "groups":
      return `groups ${spec.groups?.join(",")}`;
    case "nice":
      return `nice ${spec.nice}`;
    case "affinity":
      return `cpu_affinity ${spec.cpuAffinity?.join(",")}`;
    case "namespace":
      return `namespace flags 0x${(spec.namespaces ?? 0).toString(16)}`;
    case "init":
      return "init of the PID namespace (exec of the embedded sysg-init)";
    case "userns":
      return "user namespace (unshare, setgroups deny, uid_map/gid_map)";
    default:
      return step;
  }
}
