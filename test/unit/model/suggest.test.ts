import { distance, suggest } from "../../../src/model/suggest.ts";

describe("distance", () => {
  test("edits", () => {
    expect(distance("kitten", "sitting")).toBe(3);
    expect(distance("", "abc")).toBe(3);
    expect(distance("same", "same")).toBe(0);
    expect(distance("ab", "ba")).toBe(1); // a transposition is one edit
  });
});

describe("suggest", () => {
  const keys = ["command", "restart_policy", "restart_reset", "depends_on", "working_dir", "stop_signal", "stop_timeout"];
  test("habits from other tools", () => {
    expect(suggest("restart", keys)).toBe("restart_policy");
    expect(suggest("cwd", keys)).toBe("working_dir");
    expect(suggest("signal", keys)).toBe("stop_signal");
  });
  test("a habit pointing at a key not offered here is not suggested", () => {
    expect(suggest("cwd", ["url", "timeout"])).toBeUndefined();
  });
  test("case, dashes and underscores", () => {
    expect(suggest("Command", keys)).toBe("command");
    expect(suggest("depends-on", keys)).toBe("depends_on");
    expect(suggest("dependson", keys)).toBe("depends_on");
  });
  test("spelling", () => {
    expect(suggest("comand", keys)).toBe("command");
    expect(suggest("stop_timout", keys)).toBe("stop_timeout");
  });
  test("shared prefix when unique", () => {
    expect(suggest("retry", ["url", "timeout", "retries"])).toBe("retries");
    expect(suggest("memory", ["memory_max", "cpu_max"])).toBe("memory_max");
  });
  test("nothing close", () => {
    expect(suggest("banana", keys)).toBeUndefined();
    expect(suggest("x", keys)).toBeUndefined();
  });
});
