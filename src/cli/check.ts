/**
 * `iptrace check`: the parser's and validator's issues plus faults visible in the rules alone. The
 * one fault found here is a rule that can never be reached because an earlier rule of its chain
 * matches every packet and certainly ends the chain.
 */
import type { Chain } from "../model/chain.js";
import type { Issue } from "../model/issue.js";
import type { Rule } from "../model/rule.js";
import type { Ruleset } from "../model/ruleset.js";

/**
 * Targets that end the chain for every packet they see, whatever the host. A `-j CHAIN` may
 * return; non-terminating targets continue; NAT targets can fail at walk time (MASQUERADE on an
 * interface without an address), so they are left out rather than guessed.
 */
const ENDS_CHAIN = new Set(["ACCEPT", "DROP", "REJECT", "RETURN"]);

/** Match modules that never reject a packet (they only annotate the rule). */
const ALWAYS_TRUE_MATCHES = new Set(["comment"]);

/** The target name a rule ends with, whether typed or kept as an unknown module. */
function targetName(rule: Rule): string | undefined {
  const t = rule.target;
  if (t === undefined) return undefined;
  if (t.name === "chain") return (t as { chain: string }).chain;
  if (t.name === "unknown") return (t as { target: string }).target;
  return t.name;
}

/** True when the rule matches every packet: no address, interface, protocol or fragment test, and only always-true modules. */
export function matchesEverything(rule: Rule): boolean {
  return (
    rule.source === undefined &&
    rule.destination === undefined &&
    rule.inInterface === undefined &&
    rule.outInterface === undefined &&
    rule.protocol === undefined &&
    rule.fragment === undefined &&
    rule.matches.every((m) => ALWAYS_TRUE_MATCHES.has(m.module))
  );
}

/** True when the rule, once matched, certainly ends its chain: ACCEPT, DROP, REJECT, RETURN or a goto. */
export function endsChain(rule: Rule): boolean {
  if (rule.target === undefined) return false;
  if (rule.goto) return true;
  const name = targetName(rule);
  return name !== undefined && ENDS_CHAIN.has(name);
}

function describe(rule: Rule): string {
  return rule.goto ? `-g ${targetName(rule)}` : `-j ${targetName(rule)}`;
}

/** Rules that can never be reached because an earlier unconditional rule ends their chain. */
export function shadowedRules(ruleset: Ruleset): Issue[] {
  const out: Issue[] = [];
  for (const table of ruleset.tables) {
    // one by one, not push(...): a chain can shadow more rules than a call takes arguments
    for (const chain of table.chains) for (const issue of shadowedInChain(ruleset, table.name, chain)) out.push(issue);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

function shadowedInChain(ruleset: Ruleset, table: string, chain: Chain): Issue[] {
  const k = chain.rules.findIndex((r) => matchesEverything(r) && endsChain(r));
  if (k < 0 || k === chain.rules.length - 1) return [];
  const by = chain.rules[k];
  return chain.rules.slice(k + 1).map((r) => ({
    severity: "warning" as const,
    code: "unreachable-rule",
    message: `this rule of ${table} ${chain.name} is never reached: the rule on line ${by.line} (${describe(by)}) matches every packet and ends the chain first`,
    line: r.line,
    column: 1,
    ...(ruleset.source !== undefined ? { source: ruleset.source } : {}),
  }));
}
