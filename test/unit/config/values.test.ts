import {
  parseAbsolutePath,
  parseAddress,
  parseCountLimit,
  parseCpuMax,
  parseHttpStatus,
  parseHttpUrl,
  parseRegex,
  parseSeccompEntry,
  parseUmask,
} from "../../../src/config/values.ts";

describe("parseAddress", () => {
  test("host:port, [v6]:port, bare port", () => {
    expect(parseAddress("127.0.0.1:8080")).toEqual({ ok: true, value: { host: "127.0.0.1", port: 8080 } });
    expect(parseAddress("localhost:5432")).toEqual({ ok: true, value: { host: "localhost", port: 5432 } });
    expect(parseAddress("[::1]:443")).toEqual({ ok: true, value: { host: "::1", port: 443 } });
    expect(parseAddress(6379)).toEqual({ ok: true, value: { host: "127.0.0.1", port: 6379 } });
    expect(parseAddress("6379")).toEqual({ ok: true, value: { host: "127.0.0.1", port: 6379 } });
  });
  for (const bad of ["localhost", "host:0", "host:65536", "::1:80", "a b:80", ":80", "host:port", 0, 70000, null]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      const r = parseAddress(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain('"host:port"');
    });
  }
});

describe("parseHttpUrl and parseHttpStatus", () => {
  test("http and https only", () => {
    expect(parseHttpUrl("http://127.0.0.1:8080/health").ok).toBe(true);
    expect(parseHttpUrl("https://example.test/").ok).toBe(true);
    expect(parseHttpUrl("ftp://x/").ok).toBe(false);
    expect(parseHttpUrl("/health").ok).toBe(false);
    expect(parseHttpUrl(80).ok).toBe(false);
  });
  test("status codes and classes", () => {
    expect(parseHttpStatus(200)).toEqual({ ok: true, value: "200" });
    expect(parseHttpStatus("2xx")).toEqual({ ok: true, value: "2xx" });
    expect(parseHttpStatus("3XX")).toEqual({ ok: true, value: "3xx" });
    for (const bad of [99, 600, "2x", "ok", "20", null]) expect(parseHttpStatus(bad).ok).toBe(false);
  });
});

describe("parseRegex", () => {
  test("compiles", () => {
    expect(parseRegex("listening on \\d+")).toEqual({ ok: true, value: "listening on \\d+" });
  });
  test("reports the engine's complaint", () => {
    const r = parseRegex("ready(");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('invalid regular expression "ready("');
    expect(parseRegex("").ok).toBe(false);
  });
});

describe("parseUmask", () => {
  test("octal strings", () => {
    expect(parseUmask("0027")).toEqual({ ok: true, value: 0o027 });
    expect(parseUmask("077")).toEqual({ ok: true, value: 0o077 });
    expect(parseUmask("0o022")).toEqual({ ok: true, value: 0o022 });
    expect(parseUmask("0")).toEqual({ ok: true, value: 0 });
  });
  test("numbers are refused with a quoting hint", () => {
    const r = parseUmask(27);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.hint).toContain('umask: "0027"');
  });
  for (const bad of ["0028", "1777", "abc", "", "-022"]) {
    test(`rejects ${JSON.stringify(bad)}`, () => expect(parseUmask(bad).ok).toBe(false));
  }
});

describe("parseCpuMax", () => {
  test("kernel forms", () => {
    expect(parseCpuMax("max")).toEqual({ ok: true, value: "max" });
    expect(parseCpuMax("max 100000")).toEqual({ ok: true, value: "max 100000" });
    expect(parseCpuMax("50000 100000")).toEqual({ ok: true, value: "50000 100000" });
    expect(parseCpuMax("200000   100000")).toEqual({ ok: true, value: "200000 100000" });
    expect(parseCpuMax(50000)).toEqual({ ok: true, value: "50000" });
  });
  for (const bad of ["50%", "fast", "500 100000", "50000 100", "50000 2000000", "max max", ""]) {
    test(`rejects ${JSON.stringify(bad)}`, () => expect(parseCpuMax(bad).ok).toBe(false));
  }
});

describe("parseCountLimit", () => {
  test("integers and unlimited", () => {
    expect(parseCountLimit(4096)).toEqual({ ok: true, value: 4096 });
    expect(parseCountLimit("unlimited")).toEqual({ ok: true, value: Number.POSITIVE_INFINITY });
    expect(parseCountLimit("max")).toEqual({ ok: true, value: Number.POSITIVE_INFINITY });
    for (const bad of [-1, 1.5, "4096", "lots", null]) expect(parseCountLimit(bad).ok).toBe(false);
  });
});

describe("parseAbsolutePath and parseSeccompEntry", () => {
  test("absolute paths only", () => {
    expect(parseAbsolutePath("/var/lib/app").ok).toBe(true);
    expect(parseAbsolutePath("var/lib").ok).toBe(false);
    expect(parseAbsolutePath("~/x").ok).toBe(false);
  });
  test("systemd-style seccomp entries", () => {
    for (const ok of ["@system-service", "~@privileged", "ptrace", "~mount", "@raw-io"]) {
      expect(parseSeccompEntry(ok)).toEqual({ ok: true, value: ok });
    }
    for (const bad of ["", "@", "Bad Name", "~~x", "@system-service:EPERM", 5]) expect(parseSeccompEntry(bad).ok).toBe(false);
  });
});
