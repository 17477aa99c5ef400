/** The whole parsed input. */
import type { Family } from "../net/ip.js";
import type { CommentLine, Table, TableBlock, TableName } from "./chain.js";

/** A parsed iptables-save / iptables-restore input. */
export interface Ruleset {
  readonly family: Family;
  /** The name given for the input (file name), used in messages and traces. */
  readonly source?: string;
  /** The tables in effect: one per name, in order of first appearance (a later block of the same name replaces an earlier one, as iptables-restore flushes it). */
  readonly tables: readonly Table[];
  /** Every table block and comment line in input order, for printing back with headers. */
  readonly document: readonly (CommentLine | TableBlock)[];
  /** The line ending of the input ("\n" or "\r\n"). */
  readonly lineEnding: "\n" | "\r\n";
}

/** Finds a table by name. */
export function findTable(ruleset: Ruleset, name: TableName): Table | undefined {
  return ruleset.tables.find((t) => t.name === name);
}
