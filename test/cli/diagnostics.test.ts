/**
 * Issues shown with their line: the line is found through an index of line starts (kept for the
 * last text), which must give what reading the text from the top gives, and must not make many
 * issues cost time quadratic in the input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIssues, lineOf } from "../../src/cli/diagnostics.js";
import type { Issue } from "../../src/model/issue.js";
import { makeStyle } from "../../src/cli/style.js";

/** Line `line` (from 1) of `text` the plain way, as a reference. */
function naiveLine(text: string, line: number): string | undefined {
  const lines = text.split("\n");
  return line <= lines.length ? lines[line - 1].replace(/\r$/, "") : undefined;
}

describe("lineOf", () => {
  it("gives what splitting the text gives, for texts that change between calls", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "\n", "\r\n", "\r", " "), { maxLength: 40 }).map((p) => p.join("")), fc.integer({ min: 1, max: 45 }), (text, line) => {
        expect(lineOf(text, line)).toBe(naiveLine(text, line));
      }),
      { numRuns: 3000 },
    );
  });

  it("shows issues in time linear in the input: 16 × the text with 16 × the issues costs ~16 × the time", () => {
    // an issue on every fifth line of a text of `lines` lines
    const input = (lines: number) => ({
      text: Array.from({ length: lines }, (_, k) => `-A INPUT -s 10.${k >> 16}.${(k >> 8) & 255}.${k & 255}/33 -j ACCEPT`).join("\n"),
      issues: Array.from({ length: lines / 5 }, (_, k): Issue => ({ severity: "error", code: "bad-address", message: "prefix length 33 is longer than 32", line: lines - k * 5, column: 12 })),
    });
    const style = makeStyle(false);
    const time = (lines: number) => {
      const { text, issues } = input(lines);
      const t0 = performance.now();
      const out = formatIssues(issues, text, style, "big.rules", Infinity);
      const ms = performance.now() - t0;
      expect(out.split("\n")).toHaveLength(issues.length * 3);
      return ms;
    };
    time(4000); // warm up
    const small = time(9375);
    const large = time(150_000);
    // found directly, each line costs the same; searched from the top, 16 × the lines cost 256 × the time
    expect(large / small).toBeLessThan(64);
  });
});
