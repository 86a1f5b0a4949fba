import { notifyFields, notifySocketPath } from "../../../src/supervisor/notify.ts";

describe("notifyFields", () => {
  test("reads newline-separated KEY=VALUE lines", () => {
    expect(notifyFields("STATUS=warming up\nREADY=1\n")).toEqual(
      new Map([
        ["STATUS", "warming up"],
        ["READY", "1"],
      ]),
    );
  });

  test("keeps '=' inside a value and lets a later key win", () => {
    const f = notifyFields("STATUS=a=b\nSTATUS=c=d");
    expect(f.get("STATUS")).toBe("c=d");
    expect(f.size).toBe(1);
  });

  test("ignores lines without a key", () => {
    expect(notifyFields("garbage\n=1\n\nREADY=1").get("READY")).toBe("1");
    expect(notifyFields("garbage\n=1\n").size).toBe(0);
  });

  test("READY only when the whole line says READY=1", () => {
    expect(notifyFields("READY=10").get("READY")).toBe("10");
    expect(notifyFields("NOT_READY=1").get("READY")).toBeUndefined();
    expect(notifyFields(" READY=1").get("READY")).toBeUndefined();
  });
});

test("notifySocketPath names one socket per service in the directory", () => {
  expect(notifySocketPath("/var/lib/systemg", "web")).toBe("/var/lib/systemg/notify-web.sock");
});
