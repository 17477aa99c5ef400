import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/parse/index.js";
import { shadowedRules } from "../../src/cli/check.js";
import { iptrace } from "./helpers.js";

const rules = (body: string) => `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:U - [0:0]\n:V - [0:0]\n${body}COMMIT\n`;

describe("shadowedRules", () => {
  const lines = (body: string) => shadowedRules(parseRuleset(rules(body)).ruleset).map((i) => i.line);
  it("an unconditional ACCEPT, DROP or RETURN hides every later rule of its chain", () => {
    expect(lines("-A INPUT -j ACCEPT\n-A INPUT -p tcp -j DROP\n-A INPUT -s 10.0.0.0/8 -j DROP\n")).toEqual([8, 9]);
    expect(lines("-A U -j RETURN\n-A U -j DROP\n")).toEqual([8]);
    expect(lines("-A U -m comment --comment x -j DROP\n-A U -j ACCEPT\n")).toEqual([8]);
  });
  it("a goto ends the chain; a jump may come back", () => {
    expect(lines("-A INPUT -g U\n-A INPUT -j DROP\n")).toEqual([8]);
    expect(lines("-A INPUT -j U\n-A INPUT -j DROP\n")).toEqual([]);
  });
  it("a rule with a match, or without a target, hides nothing", () => {
    expect(lines("-A INPUT -p tcp -j ACCEPT\n-A INPUT -j DROP\n")).toEqual([]);
    expect(lines("-A INPUT\n-A INPUT -j DROP\n")).toEqual([]);
    expect(lines("-A INPUT -j DROP\n")).toEqual([]);
  });
});

describe("iptrace check", () => {
  it("lists errors with file:line:col and a caret, and exits 1", () => {
    const r = iptrace(["check", "-"], { stdin: rules("-A INPUT -j NOPE\n") });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("<stdin>:7:13: error: -j NOPE");
    expect(r.stdout).toContain("    7 | -A INPUT -j NOPE\n      |             ^");
  });
  it("reports unreachable rules as warnings, and exits 0 for warnings alone", () => {
    const r = iptrace(["check"], { stdin: rules("-A U -j DROP\n-A U -s 1.2.3.4 -j ACCEPT\n") });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/<stdin>:8:1: warning: this rule of filter U is never reached: the rule on line 7 \(-j DROP\)/);
    expect(r.stdout).toContain("0 errors, 1 warning");
  });
  it("--json gives the issues as data", () => {
    const r = iptrace(["check", "--json"], { stdin: rules("-A V -j ACCEPT\n-A V -j DROP\n") });
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({ severity: "warning", code: "unreachable-rule", line: 8, column: 1, source: "<stdin>" }),
    ]);
  });
  it("says so when there is nothing to report", () => {
    const r = iptrace(["check"], { stdin: rules("-A INPUT -p tcp -j ACCEPT\n") });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("<stdin>: no problems found\n");
  });
});
