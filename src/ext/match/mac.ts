/** `-m mac` (xt_mac): the Ethernet source address (PREROUTING, INPUT and FORWARD only). */
import { bang, checkHooks } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m mac` match; the address in lower case, `aa:bb:cc:dd:ee:ff`, as iptables-save prints it. */
export interface MacMatch {
  readonly module: "mac";
  readonly mac: string;
  readonly invert: boolean;
}

/** Parses six 1–2 digit hex groups separated by `:` (xtables_parse_mac), normalised to lower case, zero-padded. */
export function parseMac(text: string): string | undefined {
  const groups = text.split(":");
  if (groups.length !== 6 || !groups.every((g) => /^[0-9A-Fa-f]{1,2}$/.test(g))) return undefined;
  return groups.map((g) => g.toLowerCase().padStart(2, "0")).join(":");
}

export const mac: MatchExtension<MacMatch> = {
  name: "mac",
  options: [{ name: "mac-source", args: 1, invertible: true }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m mac needs --mac-source XX:XX:XX:XX:XX:XX", ctx.where);
    // kernel: xt_mac is registered for PREROUTING, LOCAL_IN and FORWARD only
    if (!checkHooks(ctx, "-m mac", ["PREROUTING", "INPUT", "FORWARD"])) return undefined;
    const v = parseMac(u.values[0] ?? "");
    if (v === undefined) return ctx.error("bad-value", `--mac-source expects six hex bytes separated by colons (XX:XX:XX:XX:XX:XX), found "${u.values[0] ?? ""}"`, u, 0);
    return { module: "mac", mac: v, invert: u.invert };
  },
  print(m) {
    return `${bang(m.invert)}--mac-source ${m.mac}`;
  },
  compile(m) {
    const { mac: want, invert } = m;
    // kernel (mac_mt): no Ethernet header (srcMac unknown) never matches, whatever the `!`
    return { kind: "test", test: (p) => {
        const s = p.srcMac;
        return s !== "" && (s === want || s.toLowerCase() === want) !== invert;
      }, };
  },
};
