/** Shared helpers for target tests: parse rules of one table, print them back, and a recording WalkContext. */
import { parseRuleset } from "../../../src/parse/index.js";
import { printRuleset } from "../../../src/print/index.js";
import { TABLE_HOOKS, type TableName } from "../../../src/model/chain.js";
import type { Issue } from "../../../src/model/issue.js";
import type { Target } from "../../../src/model/target.js";
import type { NatRequest, WalkContext } from "../../../src/sim/env.js";

/** The result of parsing `*table` with the given `-A` lines. */
export interface Parsed {
  readonly issues: readonly Issue[];
  readonly errors: readonly Issue[];
  /** The targets of the rules, in order. */
  readonly targets: readonly (Target | undefined)[];
  /** The `-A` lines iptables-save would print. */
  readonly printed: readonly string[];
}

/** Parses rules in one table (with all its builtin chains and a user chain USR declared); line 1 is `*table`, rules start at line `2 + builtins + 1`. */
export function parseRules(table: TableName, rules: readonly string[], family: 4 | 6 = 4): Parsed {
  const text = [`*${table}`, ...TABLE_HOOKS[table].map((h) => `:${h} ACCEPT [0:0]`), ":USR - [0:0]", ...rules, "COMMIT", ""].join("\n");
  const { ruleset, issues } = parseRuleset(text, { family });
  const t = ruleset.tables.find((x) => x.name === table);
  const targets = (t?.chains ?? []).flatMap((c) => c.rules.map((r) => r.target));
  const printed = printRuleset(ruleset).split("\n").filter((l) => l.startsWith("-A "));
  return { issues, errors: issues.filter((i) => i.severity === "error"), targets, printed };
}

/** The line number of the first rule given to parseRules. */
export function firstRuleLine(table: TableName): number {
  return 2 + TABLE_HOOKS[table].length + 1;
}

/** A WalkContext that records what targets ask of it. */
export class RecordingWalk implements WalkContext {
  readonly nats: NatRequest[] = [];
  readonly notes: string[] = [];
  untracked = false;
  /** What hasConnection answers: true plays a packet looped back to this host with its connection. */
  connection = false;
  readonly unsupportedReasons: string[] = [];
  nat(request: NatRequest): void {
    this.nats.push(request);
  }
  note(text: string): void {
    this.notes.push(text);
  }
  untrack(): void {
    this.untracked = true;
  }
  hasConnection(): boolean {
    return this.connection;
  }
  unsupported(reason: string): void {
    this.unsupportedReasons.push(reason);
  }
}
