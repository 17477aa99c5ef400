/** The standard verdicts: ACCEPT, DROP, RETURN and QUEUE, which take no options. */
import type { TargetExtension } from "../types.js";

/** `-j ACCEPT`, `-j DROP`, `-j RETURN` or `-j QUEUE`. */
export interface StandardTarget {
  readonly name: "ACCEPT" | "DROP" | "RETURN" | "QUEUE";
}

function standard<N extends StandardTarget["name"]>(name: N): TargetExtension<{ readonly name: N }> {
  // the model is read-only: every rule with this verdict shares one object
  const shared = { name };
  return {
    name,
    options: [],
    build: () => shared,
    print: () => "",
    compile: () => ({ kind: "verdict", verdict: name }),
  };
}

export const accept = standard("ACCEPT");
export const drop = standard("DROP");
export const ret = standard("RETURN");
export const queue = standard("QUEUE");
