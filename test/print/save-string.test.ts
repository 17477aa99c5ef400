/**
 * How iptables-save quotes a string value (xtables' save_string): bare when it is only letters,
 * digits, `_` and `-`; otherwise in double quotes with `"`, `\` and `'` escaped by a backslash.
 * The printer's hand-written scan is held to that rule, written as two regular expressions.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { saveString } from "../../src/ext/common.js";

/** The rule as regular expressions, the form the scan replaced. */
function reference(s: string): string {
  if (s.length > 0 && /^[A-Za-z0-9_-]+$/.test(s)) return s;
  return `"${s.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

describe("saveString", () => {
  it.each([
    ["KUBE-SVC_1", "KUBE-SVC_1"],
    ["", '""'],
    ["ns/svc:p80 cluster IP", '"ns/svc:p80 cluster IP"'],
    ['a "b" c', '"a \\"b\\" c"'],
    ["it's", '"it\\\'s"'],
    ["back\\slash", '"back\\\\slash"'],
    ["é", '"é"'],
  ])("%j → %s", (s, want) => {
    expect(saveString(s)).toBe(want);
  });

  it("quotes random strings as the rule says", () => {
    const char = fc.constantFrom("a", "Z", "0", "_", "-", " ", '"', "\\", "'", "/", ":", "é", "\t", "$", "&");
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(char, { maxLength: 12 }).map((cs) => cs.join(""))), (s) => {
        expect(saveString(s)).toBe(reference(s));
      }),
      { numRuns: 3000 },
    );
  });
});
