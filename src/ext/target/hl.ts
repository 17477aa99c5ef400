/** `-j HL` (xt_HL, IPv6): sets, decrements or increments the hop limit. */
import type { HopMode } from "./ttl.js";
import { hopLimitTarget } from "./ttl.js";

/** The typed `-j HL`. */
export interface HlTarget {
  readonly name: "HL";
  readonly mode: HopMode;
  readonly value: number;
}

export const hl = hopLimitTarget("HL", "hl", 6);
