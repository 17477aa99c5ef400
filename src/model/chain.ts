/** Chains and tables of the model. */
import type { Counters, Rule } from "./rule.js";

/** The five netfilter tables that iptables knows. */
export type TableName = "raw" | "mangle" | "nat" | "filter" | "security";

/** The builtin chains (hooks). */
export type Hook = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";

/** The policy of a builtin chain. User chains have none. */
export type ChainPolicy = "ACCEPT" | "DROP";

/** Which builtin chains each table has, in the order iptables-save prints them. */
export const TABLE_HOOKS: Readonly<Record<TableName, readonly Hook[]>> = {
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  security: ["INPUT", "FORWARD", "OUTPUT"],
};

/** True when `name` is one of the five tables. */
export function isTableName(name: string): name is TableName {
  return Object.prototype.hasOwnProperty.call(TABLE_HOOKS, name);
}

/** A chain: builtin (with a policy) or user-defined, with its rules in order. */
export interface Chain {
  readonly name: string;
  readonly builtin: boolean;
  /** The policy of a builtin chain; undefined for a user chain (`-`). */
  readonly policy?: ChainPolicy;
  readonly counters: Counters;
  /** 1-based line of the `:NAME …` declaration, or of the command that created the chain. */
  readonly line: number;
  readonly rules: readonly Rule[];
}

/** One table: its chains, builtin and user, in the order they are printed. */
export interface Table {
  readonly name: TableName;
  /** 1-based line of the `*table` header. */
  readonly line: number;
  readonly chains: readonly Chain[];
}

/** A line of the document that is not part of a table: a `#` comment. */
export interface CommentLine {
  readonly kind: "comment";
  readonly text: string;
  readonly line: number;
}

/** A table block of the document, as it appeared. */
export interface TableBlock {
  readonly kind: "table";
  readonly table: Table;
  /** Whether the block was closed by COMMIT in the input. */
  readonly committed: boolean;
}
