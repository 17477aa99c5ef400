/** `-m ah` (ipt_ah / ip6t_ah): the SPI (and, for IPv6, length and reserved field) of an IPsec AH header. */
import type { Negatable } from "../../model/rule.js";
import { Proto } from "../../sim/packet.js";
import { bang, parseUintRange, uintOption, type NumRange } from "../common.js";
import type { MatchExtension } from "../types.js";
import { printSpiRange } from "./esp.js";

/** The typed `-m ah` match. */
export interface AhMatch {
  readonly module: "ah";
  readonly spi?: Negatable<NumRange>;
  /** IPv6 only: `--ahlen N`, the header length field. */
  readonly len?: Negatable<number>;
  /** IPv6 only: `--ahres`, the reserved field is 0. */
  readonly res: boolean;
}

export const ah: MatchExtension<AhMatch> = {
  name: "ah",
  options: [
    { name: "ahspi", args: 1, invertible: true },
    { name: "ahlen", args: 1, invertible: true },
    { name: "ahres", args: 0 },
  ],
  build(uses, ctx) {
    // kernel: ipt_ah registers .proto = IPPROTO_AH; ip6t_ah walks the extension headers and has no such check
    if (ctx.family === 4 && ctx.protocol !== Proto.AH) return ctx.error("match-not-allowed", "-m ah needs -p ah (the kernel refuses it for other protocols)", ctx.where);
    const m: { -readonly [K in keyof AhMatch]: AhMatch[K] } = { module: "ah", res: false };
    for (const u of uses) {
      if (u.name !== "ahspi" && ctx.family === 4) return ctx.error("unknown-option", `--${u.name} exists only for IPv6 (ip6tables -m ah)`, u);
      if (u.name === "ahspi") {
        const r = parseUintRange(u.values[0] ?? "");
        if (!r) return ctx.error("bad-value", `--ahspi expects SPI or SPI:SPI (0 to 4294967295), found "${u.values[0] ?? ""}"`, u, 0);
        m.spi = { value: r, invert: u.invert };
      } else if (u.name === "ahlen") {
        const v = uintOption(u, ctx);
        if (v === undefined) return undefined;
        m.len = { value: v, invert: u.invert };
      } else m.res = true;
    }
    return m;
  },
  print(m) {
    const parts: string[] = [];
    const s = printSpiRange("ahspi", m.spi);
    if (s) parts.push(s);
    if (m.len) parts.push(`${bang(m.len.invert)}--ahlen ${m.len.value}`);
    if (m.res) parts.push("--ahres");
    return parts.join(" ");
  },
  compile(m) {
    const trivial = (!m.spi || (!m.spi.invert && m.spi.value.min === 0 && m.spi.value.max === 0xffffffff)) && !m.len && !m.res;
    if (trivial) return { kind: "test", test: (p) => p.proto === Proto.AH && !p.fragment };
    return { kind: "unsupported", reason: "ah --ahspi/--ahlen/--ahres: the packet's AH header fields are not modelled" };
  },
};
