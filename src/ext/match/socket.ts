/** `-m socket` (xt_socket): a local socket exists for the packet (transparent proxying). */
import type { MatchExtension } from "../types.js";

/** The typed `-m socket` match. */
export interface SocketMatch {
  readonly module: "socket";
  readonly transparent: boolean;
  readonly nowildcard: boolean;
  readonly restoreSkmark: boolean;
}

export const socket: MatchExtension<SocketMatch> = {
  name: "socket",
  options: [
    { name: "transparent", args: 0 },
    { name: "nowildcard", args: 0 },
    { name: "restore-skmark", args: 0 },
  ],
  build(uses) {
    const has = (n: string) => uses.some((u) => u.name === n);
    return { module: "socket", transparent: has("transparent"), nowildcard: has("nowildcard"), restoreSkmark: has("restore-skmark") };
  },
  print(m) {
    const parts: string[] = [];
    if (m.transparent) parts.push("--transparent");
    if (m.nowildcard) parts.push("--nowildcard");
    if (m.restoreSkmark) parts.push("--restore-skmark");
    return parts.join(" ");
  },
  compile() {
    return { kind: "unsupported", reason: "socket: the host's open sockets are not modelled" };
  },
};
