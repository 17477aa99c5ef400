/**
 * Inputs bigger than a function call takes arguments (V8 overflows its stack at some 120,000
 * spread arguments): a table of 200,000 rules, one restore line whose -s and -d lists multiply
 * into 250,000 rules, a chain that shadows 200,000 rules, an `ip -6 route` of 150,000 routes.
 * `push(...list)` crashed `iptrace parse` on the 10,000-service kube-proxy dump.
 */
import { describe, expect, it } from "vitest";
import { shadowedRules } from "../../src/cli/check.js";
import { hostFromIpText, isHostError } from "../../src/host/index.js";
import type { Ruleset } from "../../src/model/ruleset.js";
import type { Rule } from "../../src/model/rule.js";
import { parseRuleset } from "../../src/parse/index.js";
import { printRuleset } from "../../src/print/index.js";

const MANY = 200_000;

/** A filter table whose INPUT chain has `rules` (one object, repeated). */
function bigRuleset(first: Rule, rest: Rule, n: number): Ruleset {
  const rules = new Array<Rule>(n).fill(rest);
  rules[0] = first;
  const table = {
    name: "filter" as const,
    line: 1,
    chains: [{ name: "INPUT", builtin: true, policy: "ACCEPT" as const, counters: { packets: 0, bytes: 0 }, line: 2, rules }],
  };
  return { family: 4, tables: [table], document: [{ kind: "table", table, committed: true }], lineEnding: "\n" };
}

const accept: Rule = { line: 3, matches: [], target: { name: "ACCEPT" }, goto: false };
const tcp22: Rule = { line: 4, protocol: { value: 6, invert: false }, matches: [{ module: "tcp", dport: { value: { min: 22, max: 22 }, invert: false } }], target: { name: "DROP" }, goto: false };

describe("inputs larger than a call's arguments", () => {
  it("prints a table of 200,000 rules", () => {
    const text = printRuleset(bigRuleset(tcp22, tcp22, MANY));
    const lines = text.split("\n");
    // *filter, the chain line, the rules, COMMIT, and the empty string after the last line end
    expect(lines).toHaveLength(MANY + 4);
    expect(lines[MANY + 1]).toBe("-A INPUT -p tcp -m tcp --dport 22 -j DROP");
    expect(lines[MANY + 2]).toBe("COMMIT");
  });

  it("applies -I with -s and -d lists that make 250,000 rules", () => {
    const list = (prefix: string) => Array.from({ length: 500 }, (_, k) => `${prefix}.${k >> 8}.${k & 255}`).join(",");
    const { ruleset, issues } = parseRuleset(`*filter\n-A INPUT -j ACCEPT\n-I INPUT 1 -s ${list("10.1")} -d ${list("10.2")} -j DROP\nCOMMIT\n`);
    expect(issues).toEqual([]);
    const rules = ruleset.tables[0].chains[0].rules;
    expect(rules).toHaveLength(250_001);
    expect(rules[250_000].target).toEqual({ name: "ACCEPT" });
    expect(rules[0].source?.value).toEqual({ family: 4, addr: 0x0a010000, mask: 0xffffffff });
  });

  it("lists 200,000 rules shadowed by a rule that ends the chain", () => {
    const issues = shadowedRules(bigRuleset(accept, tcp22, MANY));
    expect(issues).toHaveLength(MANY - 1);
  });

  it("reads an ip -6 route of 150,000 routes", () => {
    const routes = Array.from({ length: 150_000 }, (_, k) => `2001:db8:${(k >> 16).toString(16)}:${(k & 0xffff).toString(16)}::/64 dev eth0 metric 1024 pref medium`).join("\n");
    const host = hostFromIpText("1: eth0: <UP> mtu 1500\n    inet 198.51.100.1/24 scope global eth0\n", "default via 198.51.100.254 dev eth0\n", routes);
    expect(isHostError(host)).toBe(false);
  });
});
