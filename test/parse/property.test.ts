/**
 * Properties of the parser on random edits of real rulesets: it never throws from the
 * non-throwing variant, the throwing variant throws nothing but IptablesParseError, every issue
 * points inside the input, printing is stable (print → parse → print gives the same text), and
 * parse time grows linearly with the input.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IptablesParseError, parseRuleset, parseRulesetOrThrow, printRuleset } from "../../src/index.js";
import { corpusFiles } from "../corpus-files.js";
import { applyEdits, edit, SCALE, SEED } from "../edits.js";

const files = corpusFiles();
const texts = files.map((f) => readFileSync(f, "utf8"));

describe("parser properties", () => {
  it("never throws on random edits of corpus files, and reports issues inside the input", () => {
    fc.assert(
      fc.property(fc.nat({ max: texts.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 8 }), (k, edits) => {
        const text = applyEdits(texts[k], edits);
        const lines = text.split("\n").length;
        const { issues } = parseRuleset(text);
        for (const i of issues) {
          expect(i.line).toBeGreaterThanOrEqual(1);
          expect(i.line).toBeLessThanOrEqual(lines);
          expect(i.column).toBeGreaterThanOrEqual(1);
          expect(i.message.length).toBeGreaterThan(0);
        }
        try {
          parseRulesetOrThrow(text);
        } catch (e) {
          expect(e).toBeInstanceOf(IptablesParseError);
        }
      }),
      { numRuns: 400 * SCALE, ...SEED },
    );
  });

  it("prints stably: print(parse(print(parse(x)))) equals print(parse(x)) for edited files without errors", () => {
    fc.assert(
      fc.property(fc.nat({ max: texts.length - 1 }), fc.array(edit, { maxLength: 3 }), (k, edits) => {
        const text = applyEdits(texts[k], edits);
        const first = parseRuleset(text);
        if (first.issues.some((i) => i.severity === "error")) return;
        const printed = printRuleset(first.ruleset);
        const second = parseRuleset(printed, { family: first.ruleset.family });
        expect(second.issues.filter((i) => i.severity === "error")).toEqual([]);
        expect(printRuleset(second.ruleset)).toBe(printed);
      }),
      { numRuns: 200 * SCALE, ...SEED },
    );
  });

  it("takes time linear in the input: 16 times the input costs far less than 16² times the time", { timeout: 60_000 }, () => {
    // one table block repeated: later blocks replace earlier ones, as iptables-restore does
    const block = texts.reduce((a, b) => (a.length > b.length ? a : b));
    const time = (copies: number) => {
      const text = block.repeat(copies);
      const runs: number[] = [];
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        parseRuleset(text);
        runs.push(performance.now() - t0);
      }
      return runs.sort((a, b) => a - b)[1];
    };
    time(4); // warm up the JIT
    const small = time(8);
    const large = time(128);
    // linear growth gives ~16×; quadratic would give ~256×. Generous bound for noisy machines.
    expect(large / small).toBeLessThan(64);
  });

  it("takes time linear in restore input too: kube-proxy's -X of stale chains among many", { timeout: 60_000 }, () => {
    // n chains in use, n/4 stale ones deleted by -X NAME (each -X asks whether another chain still jumps to it)
    const restore = (n: number) => {
      const name = (i: number) => `KUBE-SEP-${String(i).padStart(16, "0")}`;
      const lines = ["*nat", ":PREROUTING ACCEPT [0:0]"];
      for (let i = 0; i < n + n / 4; i++) lines.push(`:${name(i)} - [0:0]`);
      for (let i = 0; i < n; i++) lines.push(`-A PREROUTING -j ${name(i)}`, `-A ${name(i)} -j RETURN`);
      for (let i = n; i < n + n / 4; i++) lines.push(`-X ${name(i)}`);
      lines.push("COMMIT", "");
      return lines.join("\n");
    };
    const time = (n: number) => {
      const text = restore(n);
      const runs: number[] = [];
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        const { issues } = parseRuleset(text);
        runs.push(performance.now() - t0);
        expect(issues).toEqual([]);
      }
      return runs.sort((a, b) => a - b)[1];
    };
    time(1000); // warm up the JIT
    const small = time(1000);
    const large = time(16000);
    expect(large / small).toBeLessThan(64);
  });
});
