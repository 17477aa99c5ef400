/**
 * The typed model of one rule: the base matches every rule has (-s, -d, -i, -o, -p, -f), the
 * `-m` matches in order, and the target. Readonly data; the printer and the walk read it.
 */
import type { IpNet } from "../net/ip.js";
import type { Match } from "./match.js";
import type { Target } from "./target.js";

/** A value with the `!` that may stand before its option. */
export interface Negatable<T> {
  readonly value: T;
  readonly invert: boolean;
}

/** Packet and byte counters, as `[packets:bytes]`. */
export interface Counters {
  readonly packets: number;
  readonly bytes: number;
}

/** Where something stands in the input: 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** One rule of a chain. */
export interface Rule {
  /** 1-based line of the rule in the input. */
  readonly line: number;
  /** Per-rule counters (`[p:b] -A …` or `-c p b`), when the input had them. */
  readonly counters?: Counters;
  readonly source?: Negatable<IpNet>;
  readonly destination?: Negatable<IpNet>;
  /** `-i`: interface name; a trailing `+` is a wildcard. */
  readonly inInterface?: Negatable<string>;
  readonly outInterface?: Negatable<string>;
  /** `-p`: protocol number (0 means "all" and is never stored). */
  readonly protocol?: Negatable<number>;
  /** `-f`: only second and further fragments (IPv4). */
  readonly fragment?: Negatable<true>;
  readonly matches: readonly Match[];
  /** The target (`-j`) or the chain gone to (`-g`); none for a rule that only counts. */
  readonly target?: Target;
  /** True when the rule used `-g CHAIN` rather than `-j CHAIN`. */
  readonly goto: boolean;
}
