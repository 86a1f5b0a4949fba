import {
  CAP_LAST_CAP,
  CAPABILITY_NAMES,
  CAPABILITY_NUMBERS,
  capabilityName,
  parseCapability,
} from "../../../src/config/capabilities.ts";

describe("capabilities", () => {
  test("numbers follow linux/capability.h", () => {
    expect(CAP_LAST_CAP).toBe(40);
    expect(CAPABILITY_NAMES).toHaveLength(41);
    expect(CAPABILITY_NUMBERS.CAP_CHOWN).toBe(0);
    expect(CAPABILITY_NUMBERS.CAP_NET_BIND_SERVICE).toBe(10);
    expect(CAPABILITY_NUMBERS.CAP_SYS_ADMIN).toBe(21);
    expect(CAPABILITY_NUMBERS.CAP_SETFCAP).toBe(31);
    expect(CAPABILITY_NUMBERS.CAP_AUDIT_READ).toBe(37);
    expect(CAPABILITY_NUMBERS.CAP_CHECKPOINT_RESTORE).toBe(40);
    expect(CAPABILITY_NAMES[23]).toBe("CAP_SYS_NICE");
  });
  test("names with or without prefix, any case", () => {
    for (const s of ["CAP_NET_BIND_SERVICE", "NET_BIND_SERVICE", "cap_net_bind_service", "net_bind_service"]) {
      expect(parseCapability(s)).toEqual({ ok: true, value: "CAP_NET_BIND_SERVICE" });
    }
    expect(capabilityName("sys_nice")).toBe("CAP_SYS_NICE");
    expect(capabilityName("CAP_FLY")).toBeUndefined();
  });
  test("ALL", () => {
    expect(parseCapability("all")).toEqual({ ok: true, value: "ALL" });
  });
  for (const bad of ["CAP_FLY", "", "CAP_", 10, null, "NET BIND SERVICE"]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      const r = parseCapability(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain("CAP_NET_BIND_SERVICE");
    });
  }
});
