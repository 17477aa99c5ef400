/**
 * Checks the kernel makes when a table is loaded: every jump goes to a chain of the table, the
 * jump graph has no loop (ip_tables' mark_source_chains), and each target is used only in the
 * tables and hooks where the kernel accepts it — for user chains, judged by the hooks that reach them.
 */
import type { Table, TableName } from "../model/chain.js";
import type { Rule } from "../model/rule.js";
import { TARGETS } from "../ext/target/index.js";
import type { Reporter } from "./rule-args.js";

const TARGET_BY_NAME = new Map(TARGETS.map((t) => [t.name as string, t]));

/** The targets the kernel accepts only in some tables or hooks (DNAT, MASQUERADE, CT, …). */
const LIMITED_TARGETS: readonly string[] = TARGETS.filter((t) => t.allowed !== undefined).map((t) => t.name);
const LIMITED_INDEX = new Map(LIMITED_TARGETS.map((name, k) => [name, k]));

/** Target `name`'s place among the targets the kernel accepts only in some tables or hooks, or -1 when it is not one. */
export function limitedTarget(name: string): number {
  return LIMITED_INDEX.get(name) ?? -1;
}

/**
 * What the validator needs of a table's rules, gathered by the parser as it appended them (each
 * rule's chain and jump are in hand then), so that the validator need not read every rule again
 * and look every jump's chain up by name a second time. Chains are given by their index in the
 * table's `chains`, rules by their index in their chain.
 */
export interface KnownRules {
  /** Every rule that jumps or goes to a chain: the chain it is in, its index there, the chain it goes to. */
  readonly jumpChain: Numbers;
  readonly jumpRule: Numbers;
  readonly jumpTo: Numbers;
  /** Every rule whose target is one of the limited targets: its chain, its index there, the target (`limitedTarget`). */
  readonly limitedChain: Numbers;
  readonly limitedRule: Numbers;
  readonly limitedTarget: Numbers;
}

/** A list of numbers read by index. */
export interface Numbers {
  readonly length: number;
  at(index: number): number;
}

/** Where a rule of a table has its `-j`/`-g` word (asked only for rules with something to report). */
export type TargetPosition = (rule: Rule, table: TableName) => { line: number; column: number };

/** A chain's place in its table's `chains`. */
export interface ChainIndexEntry {
  index: number;
}

/**
 * A table's chains by name, with their places: the map the parser read the table with, so that
 * no second map of 40,000 names is made.
 */
export interface ChainIndex {
  get(name: string): ChainIndexEntry | undefined;
}

/** What the validator is given of a table: its chains by name, and what the parser gathered of its rules, when it could. */
export interface TableFacts {
  readonly index: ChainIndex;
  readonly known?: KnownRules;
}

let tablesFromLog = 0;

/** How many tables this process has validated from the parser's log of their rules (for tests: a plain dump should be). */
export function tablesValidatedFromLog(): number {
  return tablesFromLog;
}

/** Validates every table; problems go to `report`. */
export function validateTables(tables: readonly Table[], factsOf: (t: Table) => TableFacts, position: TargetPosition, report: Reporter): void {
  for (const t of tables) {
    const facts = factsOf(t);
    validateTable(t, facts.index, facts.known, position, report);
  }
}

/**
 * The jump graph as arrays: the edges of chain i are to[start[i] .. start[i+1]), each with the
 * index of its rule in chain i.
 */
interface JumpGraph {
  readonly start: Int32Array;
  readonly to: Int32Array;
  readonly rule: Int32Array;
}

/** The jump graph from one pass over every rule, reporting jumps to no chain or to a builtin chain. */
function scanJumps(t: Table, index: ChainIndex, where: (rule: Rule) => { line: number; column: number }, report: Reporter): JumpGraph {
  const chains = t.chains;
  const n = chains.length;
  let ruleCount = 0;
  for (let i = 0; i < n; i++) ruleCount += chains[i].rules.length;
  const start = new Int32Array(n + 1);
  const to = new Int32Array(ruleCount);
  const rule = new Int32Array(ruleCount);
  let edges = 0;
  for (let ci = 0; ci < n; ci++) {
    start[ci] = edges;
    const rules = chains[ci].rules;
    for (let ri = 0; ri < rules.length; ri++) {
      const r = rules[ri];
      const tg = r.target;
      if (tg === undefined || tg.name !== "chain") continue;
      const target = index.get(tg.chain)?.index;
      if (target === undefined || chains[target].builtin) {
        reportJump(t, r, target === undefined, where, report);
        continue;
      }
      to[edges] = target;
      rule[edges] = ri;
      edges++;
    }
  }
  start[n] = edges;
  return { start, to, rule };
}

/** The jump graph from the parser's record of the jumps (grouped by chain: it lists them in the order rules were appended). */
function knownJumps(t: Table, known: KnownRules, where: (rule: Rule) => { line: number; column: number }, report: Reporter): JumpGraph {
  const chains = t.chains;
  const n = chains.length;
  const count = known.jumpChain.length;
  const start = new Int32Array(n + 1);
  for (let e = 0; e < count; e++) start[known.jumpChain.at(e) + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const to = new Int32Array(count);
  const rule = new Int32Array(count);
  let builtins = 0;
  while (builtins < n && chains[builtins].builtin) builtins++;
  let dropped = 0;
  for (let e = 0; e < count; e++) {
    const ci = known.jumpChain.at(e);
    const target = known.jumpTo.at(e);
    if (target < builtins) {
      // builtin chains come first in a table's chains
      reportJump(t, chains[ci].rules[known.jumpRule.at(e)], false, where, report);
      dropped++;
      continue;
    }
    const at = fill[ci]++;
    to[at] = target;
    rule[at] = known.jumpRule.at(e);
  }
  if (dropped > 0) return compact(start, to, rule, fill);
  return { start, to, rule };
}

/** The graph without the gaps the dropped edges left (fill[i] is where chain i's edges end). */
function compact(start: Int32Array, to: Int32Array, rule: Int32Array, fill: Int32Array): JumpGraph {
  const n = fill.length;
  const s = new Int32Array(n + 1);
  let edges = 0;
  for (let i = 0; i < n; i++) {
    s[i] = edges;
    for (let e = start[i]; e < fill[i]; e++) {
      to[edges] = to[e];
      rule[edges] = rule[e];
      edges++;
    }
  }
  s[n] = edges;
  return { start: s, to, rule };
}

function reportJump(t: Table, r: Rule, undefinedChain: boolean, where: (rule: Rule) => { line: number; column: number }, report: Reporter): void {
  const tg = r.target as { name: "chain"; chain: string };
  const at = where(r);
  const why = undefinedChain ? `no chain or target of that name in table ${t.name}; declare the chain with ":${tg.chain} - [0:0]"` : "cannot jump to a builtin chain";
  report.error("undefined-jump", `${r.goto ? "-g" : "-j"} ${tg.chain}: ${why}`, at.line, at.column);
}

function validateTable(t: Table, index: ChainIndex, known: KnownRules | undefined, position: TargetPosition, report: Reporter): void {
  const where = (rule: Rule) => position(rule, t.name);
  const chains = t.chains;
  const n = chains.length;
  if (known !== undefined) tablesFromLog++;
  const graph = known !== undefined ? knownJumps(t, known, where, report) : scanJumps(t, index, where, report);
  const edgeStart = graph.start;
  const edgeTo = graph.to;
  const edgeRule = graph.rule;
  // loops: depth-first search over the jump graph, without recursion (chains can nest deeply);
  // a chain is on the stack at most once, so n entries suffice
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const stackChain = new Int32Array(n);
  const stackEdge = new Int32Array(n);
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    let depth = 0;
    stackChain[0] = root;
    stackEdge[0] = edgeStart[root];
    state[root] = 1;
    while (depth >= 0) {
      const ci = stackChain[depth];
      const e = stackEdge[depth];
      if (e >= edgeStart[ci + 1]) {
        state[ci] = 2;
        depth--;
        continue;
      }
      stackEdge[depth] = e + 1;
      const next = edgeTo[e];
      if (state[next] === 1) {
        const r = chains[ci].rules[edgeRule[e]];
        const at = where(r);
        report.error("chain-loop", `${r.goto ? "-g" : "-j"} ${chains[next].name} from chain ${chains[ci].name} makes a loop; the kernel refuses the table ("too many levels of links")`, at.line, at.column);
      } else if (state[next] === 0) {
        state[next] = 1;
        depth++;
        stackChain[depth] = next;
        stackEdge[depth] = edgeStart[next];
      }
    }
  }
  // which builtin chains reach each chain (a bit per builtin chain)
  const reach = new Uint8Array(n);
  const builtins: number[] = [];
  const pending = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    if (!chains[b].builtin) continue;
    const bit = 1 << builtins.length;
    builtins.push(b);
    let top = 0;
    pending[top++] = b;
    reach[b] |= bit;
    while (top > 0) {
      const ci = pending[--top];
      for (let e = edgeStart[ci]; e < edgeStart[ci + 1]; e++) {
        const next = edgeTo[e];
        if (reach[next] & bit) continue;
        reach[next] |= bit;
        pending[top++] = next;
      }
    }
  }
  // targets used where the kernel refuses them (the rule itself is read only to report one)
  const check = (ci: number, name: string) => targetProblem(t, ci, name, reach, builtins);
  const problem = (r: Rule, message: string) => {
    const at = where(r);
    report.error("target-not-allowed", message, at.line, at.column);
  };
  if (known !== undefined) {
    for (let k = 0; k < known.limitedChain.length; k++) {
      const ci = known.limitedChain.at(k);
      const message = check(ci, LIMITED_TARGETS[known.limitedTarget.at(k)]);
      if (message !== undefined) problem(chains[ci].rules[known.limitedRule.at(k)], message);
    }
    return;
  }
  for (let ci = 0; ci < chains.length; ci++) {
    const rules = chains[ci].rules;
    for (let ri = 0; ri < rules.length; ri++) {
      const tg = rules[ri].target;
      if (tg === undefined || tg.name === "chain" || tg.name === "unknown") continue;
      const message = check(ci, tg.name);
      if (message !== undefined) problem(rules[ri], message);
    }
  }
}

/** Why the kernel refuses target `name` in chain `ci` (in this table, or in a hook that reaches the chain), or undefined when it accepts it. */
function targetProblem(t: Table, ci: number, name: string, reach: Uint8Array, builtins: readonly number[]): string | undefined {
  const allowed = TARGET_BY_NAME.get(name)?.allowed;
  if (allowed === undefined) return undefined;
  if (!allowed.tables.includes(t.name)) {
    return `target ${name} is only valid in the ${allowed.tables.join("/")} table${allowed.tables.length > 1 ? "s" : ""}, not in ${t.name}`;
  }
  if (allowed.hooks === undefined) return undefined;
  const hooks = allowed.hooks as readonly string[];
  const chains = t.chains;
  let bad: string[] | undefined;
  for (let k = 0; k < builtins.length; k++) {
    if (reach[ci] & (1 << k) && !hooks.includes(chains[builtins[k]].name)) (bad ??= []).push(chains[builtins[k]].name);
  }
  return bad ? `target ${name} is only valid in ${hooks.join("/")}; chain ${chains[ci].name} is reached from ${bad.join(", ")}` : undefined;
}
