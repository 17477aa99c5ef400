/** `-m pkttype` (xt_pkttype): the link-layer packet type (to this host, broadcast, multicast, other host). */
import { bang } from "../common.js";
import type { MatchExtension } from "../types.js";

/** PACKET_* numbers the tools can name: HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3. */
export type PktType = 0 | 1 | 2 | 3;

/** The typed `-m pkttype` match. */
export interface PkttypeMatch {
  readonly module: "pkttype";
  readonly pktType: PktType;
  readonly invert: boolean;
}

/** The names libxt_pkttype accepts (case-insensitive, whole words), the printed one first per type. */
const NAMES: readonly (readonly [string, PktType])[] = [
  ["unicast", 0],
  ["broadcast", 1],
  ["multicast", 2],
  ["otherhost", 3],
  ["bcast", 1],
  ["mcast", 2],
  ["host", 0],
];
const PRINT = ["unicast", "broadcast", "multicast", "otherhost"] as const;

export const pkttype: MatchExtension<PkttypeMatch> = {
  name: "pkttype",
  options: [{ name: "pkt-type", args: 1, invertible: true }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m pkttype needs --pkt-type unicast|broadcast|multicast|otherhost", ctx.where);
    const text = u.values[0] ?? "";
    const hit = NAMES.find(([n]) => n === text.toLowerCase());
    if (!hit) return ctx.error("bad-value", `--pkt-type expects unicast, broadcast, multicast or otherhost (or host, bcast, mcast), found "${text}"`, u, 0);
    return { module: "pkttype", pktType: hit[1], invert: u.invert };
  },
  print(m) {
    return `${bang(m.invert)}--pkt-type ${PRINT[m.pktType]}`;
  },
  compile(m) {
    const { pktType, invert } = m;
    // kernel (pkttype_mt): PACKET_LOOPBACK is read as multicast or broadcast from the address; the
    // walk's pktType already gives the type the kernel compares.
    return { kind: "test", test: (p) => (p.pktType === pktType) !== invert };
  },
};
