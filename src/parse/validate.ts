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

/** Validates every table; problems go to `report`. */
export function validateTables(tables: readonly Table[], indexOf: (t: Table) => ChainIndex, position: TargetPosition, report: Reporter): void {
  for (const t of tables) validateTable(t, indexOf(t), position, report);
}

function validateTable(t: Table, index: ChainIndex, position: TargetPosition, report: Reporter): void {
  const where = (rule: Rule) => position(rule, t.name);
  const chains = t.chains;
  const n = chains.length;
  let ruleCount = 0;
  for (let i = 0; i < n; i++) ruleCount += chains[i].rules.length;
  // one pass over the rules: the jump graph as arrays (the edges of chain i are
  // edgeTo[edgeStart[i] .. edgeStart[i+1]), each with the index of its rule), undefined jumps
  const edgeStart = new Int32Array(n + 1);
  const edgeTo = new Int32Array(ruleCount);
  const edgeRule = new Int32Array(ruleCount);
  let edges = 0;
  for (let ci = 0; ci < n; ci++) {
    edgeStart[ci] = edges;
    const rules = chains[ci].rules;
    for (let ri = 0; ri < rules.length; ri++) {
      const r = rules[ri];
      const tg = r.target;
      if (tg === undefined || tg.name !== "chain") continue;
      const to = index.get(tg.chain)?.index;
      if (to === undefined || chains[to].builtin) {
        const at = where(r);
        const why = to === undefined ? `no chain or target of that name in table ${t.name}; declare the chain with ":${tg.chain} - [0:0]"` : "cannot jump to a builtin chain";
        report.error("undefined-jump", `${r.goto ? "-g" : "-j"} ${tg.chain}: ${why}`, at.line, at.column);
        continue;
      }
      edgeTo[edges] = to;
      edgeRule[edges] = ri;
      edges++;
    }
  }
  edgeStart[n] = edges;
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
  // targets used where the kernel refuses them
  for (let ci = 0; ci < chains.length; ci++) {
    const c = chains[ci];
    for (const r of c.rules) {
      const tg = r.target;
      if (tg === undefined || tg.name === "chain" || tg.name === "unknown") continue;
      const allowed = TARGET_BY_NAME.get(tg.name)?.allowed;
      if (allowed === undefined) continue;
      if (!allowed.tables.includes(t.name)) {
        const at = where(r);
        report.error("target-not-allowed", `target ${tg.name} is only valid in the ${allowed.tables.join("/")} table${allowed.tables.length > 1 ? "s" : ""}, not in ${t.name}`, at.line, at.column);
        continue;
      }
      if (allowed.hooks === undefined) continue;
      const hooks = allowed.hooks as readonly string[];
      let bad: string[] | undefined;
      for (let k = 0; k < builtins.length; k++) {
        if (reach[ci] & (1 << k) && !hooks.includes(chains[builtins[k]].name)) (bad ??= []).push(chains[builtins[k]].name);
      }
      if (bad) {
        const at = where(r);
        report.error("target-not-allowed", `target ${tg.name} is only valid in ${hooks.join("/")}; chain ${c.name} is reached from ${bad.join(", ")}`, at.line, at.column);
      }
    }
  }
}
