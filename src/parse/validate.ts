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

/** Validates every table; problems go to `report`. */
export function validateTables(tables: readonly Table[], position: TargetPosition, report: Reporter): void {
  for (const t of tables) validateTable(t, position, report);
}

function validateTable(t: Table, position: TargetPosition, report: Reporter): void {
  const where = (rule: Rule) => position(rule, t.name);
  const chains = t.chains;
  const index = new Map<string, number>();
  for (let i = 0; i < chains.length; i++) index.set(chains[i].name, i);
  // one pass over the rules: the jump graph (chain index → chain indexes), undefined jumps
  const jumps: number[][] = chains.map(() => []);
  const jumpRules: Rule[][] = chains.map(() => []);
  for (let ci = 0; ci < chains.length; ci++) {
    for (const r of chains[ci].rules) {
      const tg = r.target;
      if (tg === undefined || tg.name !== "chain") continue;
      const to = index.get(tg.chain);
      if (to === undefined || chains[to].builtin) {
        const at = where(r);
        const why = to === undefined ? `no chain or target of that name in table ${t.name}; declare the chain with ":${tg.chain} - [0:0]"` : "cannot jump to a builtin chain";
        report.error("undefined-jump", `${r.goto ? "-g" : "-j"} ${tg.chain}: ${why}`, at.line, at.column);
        continue;
      }
      jumps[ci].push(to);
      jumpRules[ci].push(r);
    }
  }
  // loops: depth-first search over the jump graph, without recursion (chains can nest deeply)
  const state = new Uint8Array(chains.length); // 0 new, 1 on the stack, 2 done
  for (let root = 0; root < chains.length; root++) {
    if (state[root] !== 0) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [ci, k] = top;
      if (k >= jumps[ci].length) {
        state[ci] = 2;
        stack.pop();
        continue;
      }
      top[1] = k + 1;
      const next = jumps[ci][k];
      if (state[next] === 1) {
        const r = jumpRules[ci][k];
        const at = where(r);
        report.error("chain-loop", `${r.goto ? "-g" : "-j"} ${chains[next].name} from chain ${chains[ci].name} makes a loop; the kernel refuses the table ("too many levels of links")`, at.line, at.column);
      } else if (state[next] === 0) {
        state[next] = 1;
        stack.push([next, 0]);
      }
    }
  }
  // which builtin chains reach each chain (a bit per builtin chain)
  const reach = new Uint8Array(chains.length);
  const builtins: number[] = [];
  for (let b = 0; b < chains.length; b++) {
    if (!chains[b].builtin) continue;
    const bit = 1 << builtins.length;
    builtins.push(b);
    const stack = [b];
    reach[b] |= bit;
    while (stack.length) {
      const ci = stack.pop() as number;
      for (const next of jumps[ci]) {
        if (reach[next] & bit) continue;
        reach[next] |= bit;
        stack.push(next);
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
      const bad: string[] = [];
      for (let k = 0; k < builtins.length; k++) {
        if (reach[ci] & (1 << k) && !hooks.includes(chains[builtins[k]].name)) bad.push(chains[builtins[k]].name);
      }
      if (bad.length) {
        const at = where(r);
        report.error("target-not-allowed", `target ${tg.name} is only valid in ${hooks.join("/")}; chain ${c.name} is reached from ${bad.join(", ")}`, at.line, at.column);
      }
    }
  }
}
