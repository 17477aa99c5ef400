/**
 * The registry of target modules. To add one: write `src/ext/target/NAME.ts` exporting its
 * TargetExtension and its typed form, then add it to TARGETS and to KnownTarget below.
 */
import type { TargetExtension } from "../types.js";
import { accept, drop, queue, ret, type StandardTarget } from "./standard.js";

/** Every typed target. */
export type KnownTarget =
  | StandardTarget;

/** A jump (`-j CHAIN`) or goto (`-g CHAIN`) to a user chain. */
export interface ChainTarget {
  readonly name: "chain";
  readonly chain: string;
}

/** A target module iptrace does not know: kept with its words, printed back as it came. */
export interface UnknownTarget {
  readonly name: "unknown";
  /** The name given to `-j`. */
  readonly target: string;
  readonly words: readonly string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const TARGETS: readonly TargetExtension<any>[] = [
  accept,
  drop,
  ret,
  queue,
];
