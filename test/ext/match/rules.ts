/**
 * Helpers for match tests: wrap rule lines in a table, parse them as iptables-restore input, and
 * look at the typed match, the saved form, the issues and the compiled matcher.
 */
import { MATCHES } from "../../../src/ext/match/index.js";
import type { CompiledMatch } from "../../../src/ext/types.js";
import type { Issue } from "../../../src/model/issue.js";
import type { Match } from "../../../src/model/match.js";
import { parseRuleset } from "../../../src/parse/index.js";
import { printRuleset } from "../../../src/print/index.js";
import type { SimEnv } from "../../../src/sim/env.js";
import { makeEnv } from "../packet.js";

export type TableName = "filter" | "nat" | "mangle" | "raw";

const CHAINS: Record<TableName, string[]> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  raw: ["PREROUTING", "OUTPUT"],
};

/** Options for the helpers: table (default filter) and family (default 4). */
export interface Where {
  readonly table?: TableName;
  readonly family?: 4 | 6;
}

/** Line of the first rule in the text `restore` builds: after `*table` and the chain lines. */
export function firstRuleLine(w: Where = {}): number {
  return 2 + CHAINS[w.table ?? "filter"].length;
}

/** Restore text for one table holding `rules` (each `-A …`). */
export function restore(rules: readonly string[], w: Where = {}): string {
  const t = w.table ?? "filter";
  return [`*${t}`, ...CHAINS[t].map((c) => `:${c} ACCEPT [0:0]`), ...rules, "COMMIT", ""].join("\n");
}

/** Parses the rules; returns the issues and the rules' printed `-A` lines. */
export function parseRules(rules: readonly string[], w: Where = {}): { issues: Issue[]; saved: string[] } {
  const { ruleset, issues } = parseRuleset(restore(rules, w), { family: w.family ?? 4 });
  const saved = printRuleset(ruleset).split("\n").filter((l) => l.startsWith("-A "));
  return { issues, saved };
}

/** The saved form of one rule; fails the test (throws) when it has an error. */
export function savedForm(rule: string, w: Where = {}): string {
  const { issues, saved } = parseRules([rule], w);
  const errors = issues.filter((i) => i.severity === "error");
  if (errors.length) throw new Error(`unexpected errors for ${rule}: ${errors.map((e) => e.message).join("; ")}`);
  return saved[0] ?? "";
}

/** The error issues of one rule. */
export function errorsOf(rule: string, w: Where = {}): Issue[] {
  return parseRules([rule], w).issues.filter((i) => i.severity === "error");
}

/** The 1-based column of `word` in `rule` (its first occurrence after `after`, if given). */
export function col(rule: string, word: string, after = 0): number {
  const i = rule.indexOf(word, after);
  if (i < 0) throw new Error(`"${word}" not in ${rule}`);
  return i + 1;
}

/** The typed match of module `module` in the first rule. */
export function matchOf(rule: string, module: string, w: Where = {}): Match {
  const { ruleset, issues } = parseRuleset(restore([rule], w), { family: w.family ?? 4 });
  const errors = issues.filter((i) => i.severity === "error");
  if (errors.length) throw new Error(`unexpected errors for ${rule}: ${errors.map((e) => e.message).join("; ")}`);
  for (const t of ruleset.tables) {
    for (const c of t.chains) {
      for (const r of c.rules) {
        const m = r.matches.find((x) => x.module === module);
        if (m) return m;
      }
    }
  }
  throw new Error(`no -m ${module} in ${rule}`);
}

/** The typed match without its position fields, for toEqual. */
export function typed(rule: string, module: string, w: Where = {}): Record<string, unknown> {
  const { line: _l, column: _c, ...rest } = matchOf(rule, module, w) as Match & { line?: number; column?: number };
  return rest;
}

/** Compiles the match of module `module` in the first rule. */
export function compiled(rule: string, module: string, w: Where = {}, env: SimEnv = makeEnv({}, w.family ?? 4)): CompiledMatch {
  const m = matchOf(rule, module, w);
  const ext = MATCHES.find((e) => e.name === module);
  if (!ext) throw new Error(`no extension ${module}`);
  return ext.compile(m, env);
}

/** The test closure of a compiled match; throws when it is not `kind: "test"`. */
export function testOf(rule: string, module: string, w: Where = {}, env?: SimEnv): CompiledMatch & { kind: "test" } {
  const c = compiled(rule, module, w, env);
  if (c.kind !== "test") throw new Error(`expected a test for ${rule}, got ${JSON.stringify(c)}`);
  return c;
}
