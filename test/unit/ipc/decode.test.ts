import { decodeRequest } from "../../../src/ipc/decode.ts";
import { COMMAND_NAMES } from "../../../src/ipc/protocol.ts";

const ok = (text: string) => {
  const d = decodeRequest(text);
  if (!d.ok) throw new Error(`expected ${text} to decode, got ${d.error.code}: ${d.error.message}`);
  return d.request;
};
const bad = (text: string) => {
  const d = decodeRequest(text);
  if (d.ok) throw new Error(`expected ${text} to be refused`);
  return d;
};

const VALID: Record<string, object> = {
  status: { service: "web", all: true },
  start: { service: "web" },
  stop: {},
  restart: { service: "db.main", config: "/etc/systemg/systemg.yaml" },
  reload: { config: "/home/u/sysg.yaml" },
  inspect: { name: "web", window: 300, show_env: true },
  shutdown: {},
  spawn: { name: "worker-1", ttl: 60, parent_pid: 1234, argv: ["sleep", "10"] },
  ping: {},
  run: { service: "backup" },
};

describe("decodeRequest accepts", () => {
  test("one valid example of every command", () => {
    expect(Object.keys(VALID).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const [cmd, args] of Object.entries(VALID)) {
      const req = ok(JSON.stringify({ v: 1, id: 7, cmd, ...args }));
      expect(req.cmd as string).toBe(cmd);
      expect(req.id).toBe(7);
    }
  });

  test("commands with only optional fields, bare", () => {
    for (const cmd of ["status", "start", "stop", "restart", "reload", "shutdown", "ping"]) {
      expect(ok(`{"v":1,"id":0,"cmd":"${cmd}"}`).cmd as string).toBe(cmd);
    }
  });

  test("the largest safe integer id", () => {
    expect(ok(`{"v":1,"id":${Number.MAX_SAFE_INTEGER},"cmd":"ping"}`).id).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe("decodeRequest refuses", () => {
  test("text that is not JSON, with id null", () => {
    const d = bad('{"v":1,"id":3,"cmd":"ping"');
    expect(d.id).toBeNull();
    expect(d.error.code).toBe("bad_frame");
  });

  test("JSON that is not an object, with id null", () => {
    for (const t of ["[]", "null", "42", '"ping"', "true", '[{"v":1,"id":1,"cmd":"ping"}]']) {
      const d = bad(t);
      expect(d.id).toBeNull();
      expect(d.error.code).toBe("bad_frame");
    }
  });

  test("a missing or other protocol version, keeping a valid id", () => {
    const missing = bad('{"id":5,"cmd":"ping"}');
    expect(missing.error.code).toBe("version");
    expect(missing.id).toBe(5);
    const two = bad('{"v":2,"id":6,"cmd":"ping"}');
    expect(two.error.code).toBe("version");
    expect(two.error.message).toContain("v=2");
    expect(bad('{"v":"1","id":6,"cmd":"ping"}').error.code).toBe("version");
  });

  test("an id that is missing, negative, fractional, too big or not a number, with id null", () => {
    for (const id of ["", ',"id":-1', ',"id":1.5', ',"id":9007199254740993', ',"id":"7"', ',"id":null', ',"id":[1]']) {
      const d = bad(`{"v":1${id},"cmd":"ping"}`);
      expect(d.error.code).toBe("bad_request");
      expect(d.id).toBeNull();
      expect(d.error.message).toContain('"id"');
    }
  });

  test("a missing or non-string cmd", () => {
    expect(bad('{"v":1,"id":1}').error.code).toBe("bad_request");
    const num = bad('{"v":1,"id":2,"cmd":5}');
    expect(num.error.code).toBe("bad_request");
    expect(num.id).toBe(2);
  });

  test("unknown commands, including names inherited by every object", () => {
    for (const cmd of ["frobnicate", "constructor", "toString", "__proto__", "hasOwnProperty", "STATUS", ""]) {
      const d = bad(JSON.stringify({ v: 1, id: 9, cmd }));
      expect(d.error.code).toBe("unknown_command");
      expect(d.id).toBe(9);
    }
    expect(bad('{"v":1,"id":9,"cmd":"nope"}').error.message).toContain("status, start");
  });

  test("wrong-typed fields, naming the field", () => {
    const cases: [object, string][] = [
      [{ cmd: "status", service: 5 }, "/service"],
      [{ cmd: "status", all: "yes" }, "/all"],
      [{ cmd: "status", service: "../etc" }, "/service"],
      [{ cmd: "inspect" }, "/name"],
      [{ cmd: "inspect", name: "web", window: 0 }, "/window"],
      [{ cmd: "inspect", name: "web", window: "5m" }, "/window"],
      [{ cmd: "restart", config: "relative/sysg.yaml" }, "/config"],
      [{ cmd: "spawn", name: "x", argv: [] }, "/argv"],
      [{ cmd: "spawn", name: "x", argv: ["a", 1] }, "/argv/1"],
      [{ cmd: "spawn", name: "x", argv: ["a"], parent_pid: 0 }, "/parent_pid"],
      [{ cmd: "spawn", name: "x", argv: ["a"], ttl: -1 }, "/ttl"],
    ];
    for (const [frame, path] of cases) {
      const d = bad(JSON.stringify({ v: 1, id: 4, ...frame }));
      expect(d.error.code).toBe("bad_request");
      expect(d.id).toBe(4);
      expect(d.error.message).toContain(path);
    }
  });

  test("unknown fields, including __proto__", () => {
    expect(bad('{"v":1,"id":1,"cmd":"ping","force":true}').error.message).toContain("/force");
    const proto = bad('{"v":1,"id":1,"cmd":"ping","__proto__":{"x":1}}');
    expect(proto.error.code).toBe("bad_request");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  test("pathologically nested JSON without throwing", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(decodeRequest(deep).ok).toBe(false);
    const nestedField = `{"v":1,"id":1,"cmd":"spawn","name":"x","argv":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
    expect(decodeRequest(nestedField).ok).toBe(false);
  });
});
