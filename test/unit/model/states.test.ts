import { healthOf, isSettled, overallHealth, satisfiesDependents } from "../../../src/model/states.ts";

describe("health", () => {
  test("maps every state as SPEC §2 says", () => {
    expect(healthOf("running")).toBe("healthy");
    expect(healthOf("exited")).toBe("healthy");
    expect(healthOf("stopped")).toBe("inactive");
    expect(healthOf("skipped")).toBe("inactive");
    expect(healthOf("pending")).toBe("degraded");
    expect(healthOf("starting")).toBe("degraded");
    expect(healthOf("crashed")).toBe("degraded");
    expect(healthOf("stopping")).toBe("degraded");
    expect(healthOf("failed")).toBe("failing");
  });

  test("overall is the worst unit, inactive ignored", () => {
    expect(overallHealth(["healthy", "inactive"])).toBe("healthy");
    expect(overallHealth(["healthy", "degraded", "inactive"])).toBe("degraded");
    expect(overallHealth(["degraded", "failing", "healthy"])).toBe("failing");
    expect(overallHealth(["inactive"])).toBe("healthy");
    expect(overallHealth([])).toBe("healthy");
  });

  test("dependents may start after running, exited or skipped only", () => {
    expect(satisfiesDependents("running")).toBe(true);
    expect(satisfiesDependents("exited")).toBe(true);
    expect(satisfiesDependents("skipped")).toBe(true);
    for (const s of ["pending", "starting", "crashed", "failed", "stopped", "stopping"] as const)
      expect(satisfiesDependents(s)).toBe(false);
  });

  test("a first attempt is settled once past starting", () => {
    expect(isSettled("pending")).toBe(false);
    expect(isSettled("starting")).toBe(false);
    expect(isSettled("crashed")).toBe(true);
    expect(isSettled("failed")).toBe(true);
  });
});
