/**
 * Model → text, in the canonical form iptables-save prints: builtin chains in hook order, user
 * chains by name, every rule as `-A CHAIN [! -s A/M] [! -d A/M] [! -i IF] [! -o IF] [! -p P]
 * [! -f] {-m MATCH opts}* [-j TARGET opts | -g CHAIN]`.
 */
import type { Family } from "../net/ip.js";
import { formatNet } from "../net/ip.js";
import type { Chain, Table, TableName } from "../model/chain.js";
import type { Match } from "../model/match.js";
import type { Rule } from "../model/rule.js";
import type { Ruleset } from "../model/ruleset.js";
import type { Target } from "../model/target.js";
import { forgetMatches, MATCHES } from "../ext/match/index.js";
import { TARGETS } from "../ext/target/index.js";
import { saveString } from "../ext/common.js";
import { protocolName } from "../parse/protocols.js";

/** Options for printRuleset. */
export interface PrintOptions {
  /** Print rule counters (`[p:b] -A …`) where the model has them, and chain counters as they are (default true). When false, chains print `[0:0]`. */
  readonly counters?: boolean;
  /** Print the `#` comment lines of the input (default true). */
  readonly header?: boolean;
  /**
   * `"input"` (default): every table block and comment as the input had them, for a faithful
   * round trip. `"kernel"`: what iptables-nft-save prints after loading the input — the tables in
   * effect, in its order (mangle, security, raw, filter, nat), without comments.
   */
  readonly order?: "input" | "kernel";
}

/** The order iptables-nft-save lists tables in (its table array, seen with 1.8.9). */
export const KERNEL_TABLE_ORDER: readonly TableName[] = ["mangle", "security", "raw", "filter", "nat"];

const bang = (invert: boolean) => (invert ? "! " : "");

/** Words printed raw for unknown modules: quoted when they need it, as iptables-save would. */
function rawWords(words: readonly string[]): string {
  return words.map((w) => (w === "" || /[\s"\\']/.test(w) ? saveString(w) : w)).join(" ");
}

/** The registries by name, remade when one grows (a test may register an extension). */
let matchByName = new Map<string, (typeof MATCHES)[number]>();
let targetByName = new Map<string, (typeof TARGETS)[number]>();
let registrySizes = -1;

function registries(): void {
  const sizes = MATCHES.length * 65536 + TARGETS.length;
  if (sizes === registrySizes) return;
  registrySizes = sizes;
  // the first of a name wins, as a search of the list would find it
  matchByName = new Map();
  for (const e of MATCHES) if (!matchByName.has(e.name)) matchByName.set(e.name, e);
  targetByName = new Map();
  for (const e of TARGETS) if (!targetByName.has(e.name)) targetByName.set(e.name, e);
}

/** The text of one match, starting with `-m NAME`. */
export function printMatch(m: Match, family: Family): string {
  if (m.module === "unknown") {
    const rest = rawWords(m.words);
    return rest ? `-m ${m.name} ${rest}` : `-m ${m.name}`;
  }
  registries();
  const ext = matchByName.get(m.module);
  const opts = ext ? ext.print(m, family) : "";
  return opts ? `-m ${m.module} ${opts}` : `-m ${m.module}`;
}

/** The text of a target, starting with `-j NAME` (or `-g CHAIN`). */
export function printTarget(t: Target, goto: boolean, family: Family): string {
  if (t.name === "chain") return `${goto ? "-g" : "-j"} ${t.chain}`;
  if (t.name === "unknown") {
    const rest = rawWords(t.words);
    return rest ? `-j ${t.target} ${rest}` : `-j ${t.target}`;
  }
  registries();
  const ext = targetByName.get(t.name);
  const opts = ext ? ext.print(t, family) : "";
  return opts ? `-j ${t.name} ${opts}` : `-j ${t.name}`;
}

/** One rule as iptables-save prints it, starting with `-A CHAIN` (no counters). */
export function printRule(chain: string, rule: Rule, family: Family): string {
  const parts: string[] = [`-A ${chain}`];
  if (rule.source) parts.push(`${bang(rule.source.invert)}-s ${formatNet(rule.source.value)}`);
  if (rule.destination) parts.push(`${bang(rule.destination.invert)}-d ${formatNet(rule.destination.value)}`);
  if (rule.inInterface) parts.push(`${bang(rule.inInterface.invert)}-i ${rule.inInterface.value}`);
  if (rule.outInterface) parts.push(`${bang(rule.outInterface.invert)}-o ${rule.outInterface.value}`);
  if (rule.protocol) parts.push(`${bang(rule.protocol.invert)}-p ${protocolName(rule.protocol.value)}`);
  if (rule.fragment) parts.push(`${bang(rule.fragment.invert)}-f`);
  for (const m of rule.matches) parts.push(printMatch(m, family));
  if (rule.target) parts.push(printTarget(rule.target, rule.goto, family));
  return parts.join(" ");
}

function chainLine(c: Chain, counters: boolean): string {
  const cnt = counters ? `[${c.counters.packets}:${c.counters.bytes}]` : "[0:0]";
  return `:${c.name} ${c.builtin ? (c.policy ?? "ACCEPT") : "-"} ${cnt}`;
}

/** One table, from `*name` to `COMMIT`, as lines. */
export function printTableLines(table: Table, family: Family, options: PrintOptions = {}): string[] {
  const counters = options.counters ?? true;
  const out: string[] = [`*${table.name}`];
  for (const c of table.chains) out.push(chainLine(c, counters));
  for (const c of table.chains) {
    for (const r of c.rules) {
      const text = printRule(c.name, r, family);
      out.push(counters && r.counters ? `[${r.counters.packets}:${r.counters.bytes}] ${text}` : text);
    }
  }
  out.push("COMMIT");
  return out;
}

/** Appends `items` to `list` one by one: `push(...items)` passes them as arguments, and a 150,000-line table overflows the stack. */
function appendAll<T>(list: T[], items: readonly T[]): void {
  for (let k = 0; k < items.length; k++) list.push(items[k]);
}

/** The whole ruleset as iptables-save text. */
export function printRuleset(ruleset: Ruleset, options: PrintOptions = {}): string {
  const header = options.header ?? true;
  const lines: string[] = [];
  let eol = ruleset.lineEnding;
  if (options.order === "kernel") {
    eol = "\n";
    for (const name of KERNEL_TABLE_ORDER) {
      const t = ruleset.tables.find((x) => x.name === name);
      if (t) appendAll(lines, printTableLines(t, ruleset.family, options));
    }
  } else {
    for (const item of ruleset.document) {
      if (item.kind === "comment") {
        if (header) lines.push(item.text);
      } else {
        appendAll(lines, printTableLines(item.table, ruleset.family, options));
      }
    }
  }
  // the modules' print caches hold the model's strings, slices of the input it was parsed from
  forgetMatches();
  return lines.length ? lines.join(eol) + eol : "";
}
