/**
 * The validator reads a plain dump's jumps and limited targets from the log the parser keeps as it
 * appends rules (src/parse/build.ts, RuleLog), and reads every rule again otherwise. Both must
 * report the same problems. Each random ruleset is parsed twice, with one line before each COMMIT
 * that changes no problem: `-P CHAIN ACCEPT` (a policy the chain has already), with which the
 * parser keeps its log, and `-Z`, with which it drops it; the issues must be the same.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/index.js";
import { tablesValidatedFromLog } from "../../src/parse/validate.js";

const BUILTINS: Record<string, readonly string[]> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  raw: ["PREROUTING", "OUTPUT"],
};
const USER = ["A", "B", "C", "D", "E"];
/** Targets, some of them allowed only in some tables or hooks. */
const VERDICTS = ["ACCEPT", "DROP", "RETURN", "DNAT --to-destination 192.0.2.1", "SNAT --to-source 192.0.2.2", "MASQUERADE", "REDIRECT", "CT --notrack", "MARK --set-xmark 0x1/0xffffffff", "REJECT"];

const rule = fc.record({
  chain: fc.nat({ max: 9 }),
  kind: fc.constantFrom("jump", "goto", "verdict", "none", "undeclared"),
  to: fc.nat({ max: 9 }),
  verdict: fc.constantFrom(...VERDICTS),
  sources: fc.constantFrom("", "-s 192.0.2.7/32 ", "-s 192.0.2.7,198.51.100.0/24 "),
});

const table = fc.record({
  name: fc.constantFrom("filter", "nat", "mangle", "raw"),
  users: fc.nat({ max: USER.length }),
  rules: fc.array(rule, { maxLength: 14 }),
});

/** A dump-style table: chain lines, then rules in any chain order. */
function tableText(t: { name: string; users: number; rules: { chain: number; kind: string; to: number; verdict: string; sources: string }[] }, keepLog: boolean): string {
  const builtins = BUILTINS[t.name];
  const chains = [...builtins, ...USER.slice(0, t.users)];
  const lines = [`*${t.name}`, ...builtins.map((c) => `:${c} ACCEPT [0:0]`), ...USER.slice(0, t.users).map((c) => `:${c} - [0:0]`)];
  for (const r of t.rules) {
    const from = chains[r.chain % chains.length];
    const to = chains[r.to % chains.length];
    const spec = r.kind === "jump" ? `-j ${to}` : r.kind === "goto" ? `-g ${to}` : r.kind === "verdict" ? `-j ${r.verdict}` : r.kind === "undeclared" ? "-j NOWHERE" : "";
    lines.push(`-A ${from} ${r.sources}${spec}`.trimEnd());
  }
  lines.push(keepLog ? `-P ${builtins[0]} ACCEPT` : "-Z", "COMMIT");
  return `${lines.join("\n")}\n`;
}

describe("validation from the parser's log of the rules", () => {
  it("reports what reading every rule again reports, on random tables", () => {
    const before = tablesValidatedFromLog();
    fc.assert(
      fc.property(fc.array(table, { minLength: 1, maxLength: 3 }), (tables) => {
        const text = tables.map((t) => tableText(t, true)).join("");
        const reread = tables.map((t) => tableText(t, false)).join("");
        const a = parseRuleset(text, { family: 4 }).issues;
        const b = parseRuleset(reread, { family: 4 }).issues;
        expect(a).toEqual(b);
      }),
      { numRuns: 600 },
    );
    // the log was used for most of them (a table with an undeclared jump reads its rules again)
    expect(tablesValidatedFromLog() - before).toBeGreaterThan(300);
  });

  it("finds loops, jumps to builtin chains and misplaced targets from the log", () => {
    const before = tablesValidatedFromLog();
    const text = [
      "*nat",
      ":PREROUTING ACCEPT [0:0]",
      ":INPUT ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
      ":POSTROUTING ACCEPT [0:0]",
      ":X - [0:0]",
      ":Y - [0:0]",
      "-A PREROUTING -j X",
      "-A X -j Y",
      "-A Y -g X",
      "-A Y -j MASQUERADE",
      "-A X -j OUTPUT",
      "COMMIT",
      "",
    ].join("\n");
    const issues = parseRuleset(text).issues.map((i) => `${i.code} ${i.line}:${i.column}`);
    expect(tablesValidatedFromLog() - before).toBe(1);
    expect(issues).toEqual(["chain-loop 10:9", "target-not-allowed 11:9", "undefined-jump 12:9"]);
  });
});
