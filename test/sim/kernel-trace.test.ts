/**
 * iptrace against the kernel: for every recorded case (fixtures/kernel-trace), iptrace runs on the
 * kernel's own iptables-save text with the host from the recorded `ip -j addr/route` and must
 * print exactly the kernel's steps. iptrace's `return` steps (a user chain run off its end) are
 * left out of the comparison: the kernel prints nothing for that event.
 */
import { describe, expect, it } from "vitest";
import { loadKernelCases, runCase } from "./kernel-fixtures.js";

const cases = loadKernelCases();

describe("kernel-recorded traces", () => {
  it("has recorded cases", () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const c of cases) {
    it(c.file, () => {
      const { trace, got, want } = runCase(c);
      expect(trace.verdict).not.toBe("UNSUPPORTED");
      expect(got).toEqual(want);
    });
  }
});
