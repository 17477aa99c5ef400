/** `-m esp` (xt_esp): the SPI of an IPsec ESP packet. */
import type { Negatable } from "../../model/rule.js";
import { Proto } from "../../sim/packet.js";
import { bang, formatRange, parseUintRange, type NumRange } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m esp` match. */
export interface EspMatch {
  readonly module: "esp";
  readonly spi?: Negatable<NumRange>;
}

/** Prints `[! ]--NAME RANGE`, leaving out the full 32-bit range as iptables-save does. */
export function printSpiRange(name: string, r: Negatable<NumRange> | undefined): string {
  if (!r || (!r.invert && r.value.min === 0 && r.value.max === 0xffffffff)) return "";
  return `${bang(r.invert)}--${name} ${formatRange(r.value)}`;
}

export const esp: MatchExtension<EspMatch> = {
  name: "esp",
  options: [{ name: "espspi", args: 1, invertible: true }],
  build(uses, ctx) {
    // kernel: xt_esp registers .proto = IPPROTO_ESP ("esp match: only valid for protocol 50")
    if (ctx.protocol !== Proto.ESP) return ctx.error("match-not-allowed", "-m esp needs -p esp (the kernel refuses it for other protocols)", ctx.where);
    const u = uses[uses.length - 1];
    if (!u) return { module: "esp" };
    const r = parseUintRange(u.values[0] ?? "");
    if (!r) return ctx.error("bad-value", `--espspi expects SPI or SPI:SPI (0 to 4294967295), found "${u.values[0] ?? ""}"`, u, 0);
    return { module: "esp", spi: { value: r, invert: u.invert } };
  },
  print(m) {
    return printSpiRange("espspi", m.spi);
  },
  compile(m) {
    if (!m.spi || (!m.spi.invert && m.spi.value.min === 0 && m.spi.value.max === 0xffffffff)) {
      // kernel: esp_mt drops non-first fragments
      return { kind: "test", test: (p) => p.proto === Proto.ESP && !p.fragment };
    }
    return { kind: "unsupported", reason: "esp --espspi: the packet's ESP SPI is not modelled" };
  },
};
