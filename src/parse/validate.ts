/**
 * Checks the kernel makes when a table is loaded: every jump goes to a chain of the table, the
 * jump graph has no loop (ip_tables' mark_source_chains), and each target is used only in the
 * tables and hooks where the kernel accepts it — for user chains, judged by the hooks that reach them.
 */
import type { Table } from "../model/chain.js";
import type { Rule } from "../model/rule.js";
import { TARGETS } from "../ext/target/index.js";
import type { Reporter } from "./rule-args.js";
import type { TargetPositions } from "./build.js";

/** Validates every table; problems go to `report`. */
export function validateTables(tables: readonly Table[], positions: TargetPositions, report: Reporter): void {
  for (const t of tables) validateTable(t, positions, report);
}

function where(rule: Rule, positions: TargetPositions): { line: number; column: number } {
  return positions.get(rule) ?? { line: rule.line, column: 1 };
}

function validateTable(t: Table, positions: TargetPositions, report: Reporter): void {
  const byName = new Map(t.chains.map((c) => [c.name, c]));
  // jumps to undefined chains
  for (const c of t.chains) {
    for (const r of c.rules) {
      if (r.target?.name !== "chain") continue;
      const to = byName.get(r.target.chain);
      const at = where(r, positions);
      if (!to) {
        report.error("undefined-jump", `${r.goto ? "-g" : "-j"} ${r.target.chain}: no chain or target of that name in table ${t.name}; declare the chain with ":${r.target.chain} - [0:0]"`, at.line, at.column);
      } else if (to.builtin) {
        report.error("undefined-jump", `${r.goto ? "-g" : "-j"} ${to.name}: cannot jump to a builtin chain`, at.line, at.column);
      }
    }
  }
  // loops: depth-first search over user-chain jumps
  const state = new Map<string, 0 | 1 | 2>(); // 0 new, 1 on stack, 2 done
  const visit = (name: string): void => {
    state.set(name, 1);
    const c = byName.get(name);
    for (const r of c?.rules ?? []) {
      if (r.target?.name !== "chain") continue;
      const next = r.target.chain;
      if (!byName.has(next)) continue;
      const s = state.get(next) ?? 0;
      if (s === 1) {
        const at = where(r, positions);
        report.error("chain-loop", `${r.goto ? "-g" : "-j"} ${next} from chain ${name} makes a loop; the kernel refuses the table ("too many levels of links")`, at.line, at.column);
      } else if (s === 0) visit(next);
    }
    state.set(name, 2);
  };
  for (const c of t.chains) if ((state.get(c.name) ?? 0) === 0) visit(c.name);

  // which builtin chains reach each chain
  const reach = new Map<string, Set<string>>();
  for (const c of t.chains) {
    if (!c.builtin) continue;
    const seen = new Set<string>([c.name]);
    const stack = [c.name];
    while (stack.length) {
      const n = stack.pop() as string;
      let hooks = reach.get(n);
      if (!hooks) reach.set(n, (hooks = new Set()));
      hooks.add(c.name);
      for (const r of byName.get(n)?.rules ?? []) {
        if (r.target?.name === "chain" && byName.has(r.target.chain) && !seen.has(r.target.chain)) {
          seen.add(r.target.chain);
          stack.push(r.target.chain);
        }
      }
    }
  }
  // targets used where the kernel refuses them
  for (const c of t.chains) {
    for (const r of c.rules) {
      const tg = r.target;
      if (!tg || tg.name === "chain" || tg.name === "unknown") continue;
      const ext = TARGETS.find((e) => e.name === tg.name);
      const allowed = ext?.allowed;
      if (!allowed) continue;
      const at = where(r, positions);
      if (!allowed.tables.includes(t.name)) {
        report.error("target-not-allowed", `target ${tg.name} is only valid in the ${allowed.tables.join("/")} table${allowed.tables.length > 1 ? "s" : ""}, not in ${t.name}`, at.line, at.column);
        continue;
      }
      if (allowed.hooks) {
        const hooks = c.builtin ? new Set([c.name]) : (reach.get(c.name) ?? new Set<string>());
        const bad = [...hooks].filter((h) => !(allowed.hooks as readonly string[]).includes(h));
        if (bad.length) {
          report.error("target-not-allowed", `target ${tg.name} is only valid in ${allowed.hooks.join("/")}; chain ${c.name} is reached from ${bad.join(", ")}`, at.line, at.column);
        }
      }
    }
  }
}
