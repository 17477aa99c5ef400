/** `-m mh` (ip6t_mh, IPv6 only): the Mobility Header type. */
import type { Negatable } from "../../model/rule.js";
import { bang, formatRange, parseUint, type NumRange } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m mh` match. */
export interface MhMatch {
  readonly module: "mh";
  readonly type?: Negatable<NumRange>;
}

/** libip6t_mh mh_names, aliases included. */
const MH_NAMES: ReadonlyMap<string, number> = new Map([
  ["binding-refresh-request", 0], ["brr", 0], ["home-test-init", 1], ["hoti", 1], ["careof-test-init", 2], ["coti", 2],
  ["home-test", 3], ["hot", 3], ["careof-test", 4], ["cot", 4], ["binding-update", 5], ["bu", 5],
  ["binding-acknowledgement", 6], ["ba", 6], ["binding-error", 7], ["be", 7],
]);

/** Proto number of the mobility header. */
const IPPROTO_MH = 135;

function mhType(text: string): number | undefined {
  return MH_NAMES.get(text.toLowerCase()) ?? parseUint(text, 0, 255);
}

export const mh: MatchExtension<MhMatch> = {
  name: "mh",
  family: 6,
  options: [{ name: "mh-type", args: 1, invertible: true }],
  build(uses, ctx) {
    // kernel: mh_mt6 registers .proto = IPPROTO_MH
    if (ctx.protocol !== IPPROTO_MH) return ctx.error("match-not-allowed", "-m mh needs -p mh (the kernel refuses it for other protocols)", ctx.where);
    const u = uses[uses.length - 1];
    if (!u) return { module: "mh" };
    const text = u.values[0] ?? "";
    const colon = text.indexOf(":");
    const lo = mhType(colon < 0 ? text : text.slice(0, colon));
    const hi = colon < 0 ? lo : mhType(text.slice(colon + 1));
    if (lo === undefined || hi === undefined || lo > hi) return ctx.error("bad-value", `--mh-type expects a type (0 to 255 or a name such as binding-update) or TYPE:TYPE, found "${text}"`, u, 0);
    return { module: "mh", type: { value: { min: lo, max: hi }, invert: u.invert } };
  },
  print(m) {
    if (!m.type || (!m.type.invert && m.type.value.min === 0 && m.type.value.max === 255)) return "";
    return `${bang(m.type.invert)}--mh-type ${formatRange(m.type.value)}`;
  },
  compile(m) {
    if (!m.type || (!m.type.invert && m.type.value.min === 0 && m.type.value.max === 255)) return { kind: "test", test: (p) => p.proto === IPPROTO_MH && !p.fragment };
    return { kind: "unsupported", reason: "mh --mh-type: the packet's mobility header type is not modelled" };
  },
};
