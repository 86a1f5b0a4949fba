import { parseSignal, SIGNAL_NAMES, SIGNAL_NUMBERS, signalNumber } from "../../../src/model/signals.ts";

describe("parseSignal", () => {
  test("accepts every spelling and canonicalises", () => {
    for (const s of ["TERM", "SIGTERM", "sigterm", "term", " SigTerm ", 15, "15"]) {
      expect(parseSignal(s)).toEqual({ ok: true, value: "SIGTERM" });
    }
  });
  test("aliases map to the canonical name", () => {
    expect(parseSignal("IOT")).toEqual({ ok: true, value: "SIGABRT" });
    expect(parseSignal("SIGPOLL")).toEqual({ ok: true, value: "SIGIO" });
    expect(parseSignal("cld")).toEqual({ ok: true, value: "SIGCHLD" });
  });
  test("real-time signals", () => {
    expect(parseSignal("SIGRTMIN")).toEqual({ ok: true, value: "SIGRTMIN" });
    expect(parseSignal("RTMIN+3")).toEqual({ ok: true, value: "SIGRTMIN+3" });
    expect(parseSignal("SIGRTMAX-2")).toEqual({ ok: true, value: "SIGRTMAX-2" });
    expect(parseSignal("SIGRTMAX")).toEqual({ ok: true, value: "SIGRTMAX" });
    expect(parseSignal(64)).toEqual({ ok: true, value: "SIGRTMAX" });
    expect(parseSignal("RTMIN+31").ok).toBe(false);
  });
  for (const bad of ["SIGFOO", "", "0", 0, 65, 32, -1, 1.5, "SIG", "TERM2", "RTMAX+1", null, true]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      const r = parseSignal(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain('"SIGTERM"');
    });
  }
});

describe("signal tables", () => {
  test("numbers match Linux", () => {
    expect(SIGNAL_NUMBERS.SIGHUP).toBe(1);
    expect(SIGNAL_NUMBERS.SIGKILL).toBe(9);
    expect(SIGNAL_NUMBERS.SIGUSR1).toBe(10);
    expect(SIGNAL_NUMBERS.SIGCHLD).toBe(17);
    expect(SIGNAL_NUMBERS.SIGWINCH).toBe(28);
    expect(SIGNAL_NUMBERS.SIGSYS).toBe(31);
  });
  test("number → name is the inverse for the standard signals", () => {
    for (const [name, n] of Object.entries(SIGNAL_NUMBERS)) expect(SIGNAL_NAMES[n]).toBe(name);
    expect(SIGNAL_NAMES[34]).toBe("SIGRTMIN");
    expect(SIGNAL_NAMES[49]).toBe("SIGRTMIN+15");
    expect(SIGNAL_NAMES[50]).toBe("SIGRTMAX-14");
    expect(SIGNAL_NAMES[32]).toBeUndefined();
  });
  test("every canonical name parses back to its number", () => {
    for (const [n, name] of Object.entries(SIGNAL_NAMES)) expect(signalNumber(name)).toBe(Number(n));
  });
  test("signalNumber of unknown names", () => {
    expect(signalNumber("nope")).toBeUndefined();
    expect(signalNumber("int")).toBe(2);
  });
});
