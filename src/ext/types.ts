/**
 * What every iptables extension module provides: its options, how to build its typed form from
 * the words of a rule, how iptables-save prints it, and what it means for a packet. Adding an
 * extension means adding one file that exports one of these and one line in the registry.
 */
import type { Family } from "../net/ip.js";
import type { TableName } from "../model/chain.js";
import type { IssueCode } from "../model/issue.js";
import type { PacketState } from "../sim/packet.js";
import type { SimEnv, WalkContext } from "../sim/env.js";

/** One option an extension accepts, as getopt_long sees it. */
export interface OptionSpec {
  /** Long name without the leading `--`. Unique prefixes are accepted, as getopt_long does. */
  readonly name: string;
  /** How many words follow the option (0, 1 or 2; `--tcp-flags` takes 2). */
  readonly args: 0 | 1 | 2;
  /** For options with an optional argument: the next word is taken only if it does not start with `-` or `!`. */
  readonly optionalArg?: boolean;
  /** Whether `! --opt` is allowed. */
  readonly invertible?: boolean;
  /** Whether the option may be given more than once (otherwise the second use is an error). */
  readonly repeatable?: boolean;
}

/** One option as written in a rule, after getopt-style dispatch to its extension. */
export interface OptionUse {
  /** The full long name from the spec (abbreviations already resolved). */
  readonly name: string;
  readonly invert: boolean;
  readonly values: readonly string[];
  /** Where the option word stands. */
  readonly line: number;
  readonly column: number;
  /** Columns of each value word. */
  readonly valueColumns: readonly number[];
}

/** What a builder knows about the rule around it, and where to report problems. */
export interface BuildContext {
  readonly family: Family;
  readonly table: TableName;
  readonly chain: string;
  /** The rule's `-p` protocol number, when it has one and it is not negated. */
  readonly protocol?: number;
  /** Where the `-m NAME` / `-j NAME` word stands, for problems that concern the whole extension. */
  readonly where: { readonly line: number; readonly column: number };
  /** Reports an error at an option (or a value of it with `valueIndex`). Returns undefined so builders can `return ctx.error(…)`. */
  error(code: IssueCode, message: string, at: OptionUse | { line: number; column: number }, valueIndex?: number): undefined;
  /** Reports a warning; the rule is still built. */
  warn(code: string, message: string, at: OptionUse | { line: number; column: number }, valueIndex?: number): void;
}

/** A compiled match: a test on the packet, a random draw, or a statement that iptrace cannot model it. */
export type CompiledMatch =
  | {
      readonly kind: "test";
      readonly test: (p: PacketState) => boolean;
      /** When the result depends on an assumption (time, history, limits), what was assumed, said in words. */
      readonly assumption?: string;
    }
  | { readonly kind: "random"; readonly probability: number; readonly invert: boolean }
  | { readonly kind: "unsupported"; readonly reason: string };

/** A match module (`-m NAME`). */
export interface MatchExtension<M extends { readonly module: string }> {
  /** The module name as iptables-save prints it after `-m`. */
  readonly name: M["module"];
  /** Other names `-m` accepts for it (e.g. `icmpv6` for `icmp6`). */
  readonly aliases?: readonly string[];
  /** Only for this family, when set. */
  readonly family?: Family;
  readonly options: readonly OptionSpec[];
  /** Builds the typed form from the option uses in order; reports through ctx and returns undefined when they are wrong. */
  build(uses: readonly OptionUse[], ctx: BuildContext): M | undefined;
  /** The words iptables-save prints after `-m NAME` (without it), joined by spaces; "" when none. */
  print(match: M, family: Family): string;
  /** What it means for a packet. */
  compile(match: M, env: SimEnv): CompiledMatch;
  /**
   * Drops what the module keeps from the last lines it built or printed, for a module that keeps
   * something: a string it kept is a slice of the input, which would keep the whole input alive
   * after the caller let go of it. Called at the end of every parse and print.
   */
  forget?(): void;
}

/** How the kernel's trace shows a target's verdict, and what the walk does next. */
export type TargetVerdict = "CONTINUE" | "ACCEPT" | "DROP" | "QUEUE" | "RETURN" | "REJECT";

/** A compiled target: a fixed verdict, or an effect on the packet that yields one, or unsupported. */
export type CompiledTarget =
  | { readonly kind: "verdict"; readonly verdict: TargetVerdict }
  | { readonly kind: "effect"; apply(p: PacketState, w: WalkContext): TargetVerdict }
  | { readonly kind: "unsupported"; readonly reason: string };

/** A target module (`-j NAME`). */
export interface TargetExtension<T extends { readonly name: string }> {
  /** The target name as iptables-save prints it after `-j`. */
  readonly name: T["name"];
  readonly aliases?: readonly string[];
  readonly family?: Family;
  readonly options: readonly OptionSpec[];
  /** Tables (and, when set, builtin chains) where the kernel accepts it; undefined means anywhere. */
  readonly allowed?: { readonly tables: readonly TableName[]; readonly hooks?: readonly string[] };
  build(uses: readonly OptionUse[], ctx: BuildContext): T | undefined;
  print(target: T, family: Family): string;
  compile(target: T, env: SimEnv): CompiledTarget;
}
