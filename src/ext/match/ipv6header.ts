/** `-m ipv6header` (ip6t_ipv6header, IPv6 only): which extension headers the packet carries. */
import type { MatchExtension } from "../types.js";

/** Extension headers, in the order iptables-save lists them. */
export type Ipv6HeaderName = "hop-by-hop" | "ipv6-opts" | "ipv6-route" | "ipv6-frag" | "ah" | "esp" | "ipv6-nonxt" | "protocol";

/** The typed `-m ipv6header` match. */
export interface Ipv6headerMatch {
  readonly module: "ipv6header";
  readonly headers: readonly Ipv6HeaderName[];
  readonly invert: boolean;
  /** `--soft`: match if any of the headers is present (default: exactly these). */
  readonly soft: boolean;
}

const ORDER: readonly Ipv6HeaderName[] = ["hop-by-hop", "ipv6-opts", "ipv6-route", "ipv6-frag", "ah", "esp", "ipv6-nonxt", "protocol"];

/** The names iptables accepts: /etc/protocols names and aliases (getprotobyname), its own short names, and numbers. */
const NAMES: ReadonlyMap<string, Ipv6HeaderName> = new Map<string, Ipv6HeaderName>([
  ["hopopt", "hop-by-hop"], ["HOPOPT", "hop-by-hop"], ["hop-by-hop", "hop-by-hop"], ["hop", "hop-by-hop"], ["0", "hop-by-hop"],
  ["ipv6-opts", "ipv6-opts"], ["IPv6-Opts", "ipv6-opts"], ["dst", "ipv6-opts"], ["60", "ipv6-opts"],
  ["ipv6-route", "ipv6-route"], ["IPv6-Route", "ipv6-route"], ["route", "ipv6-route"], ["43", "ipv6-route"],
  ["ipv6-frag", "ipv6-frag"], ["IPv6-Frag", "ipv6-frag"], ["frag", "ipv6-frag"], ["44", "ipv6-frag"],
  ["ah", "ah"], ["AH", "ah"], ["auth", "ah"], ["51", "ah"],
  ["esp", "esp"], ["ESP", "esp"], ["50", "esp"],
  ["ipv6-nonxt", "ipv6-nonxt"], ["IPv6-NoNxt", "ipv6-nonxt"], ["none", "ipv6-nonxt"], ["59", "ipv6-nonxt"],
  ["protocol", "protocol"], ["prot", "protocol"], ["255", "protocol"],
]);

export const ipv6header: MatchExtension<Ipv6headerMatch> = {
  name: "ipv6header",
  family: 6,
  options: [
    { name: "header", args: 1, invertible: true },
    { name: "soft", args: 0 },
  ],
  build(uses, ctx) {
    const h = uses.find((u) => u.name === "header");
    if (!h) return ctx.error("missing-value", "-m ipv6header needs --header LIST", ctx.where);
    const set = new Set<Ipv6HeaderName>();
    for (const part of (h.values[0] ?? "").split(",")) {
      const n = NAMES.get(part);
      if (!n) return ctx.error("bad-value", `--header expects a comma-separated list of hop-by-hop, ipv6-opts (dst), ipv6-route (route), ipv6-frag (frag), ah (auth), esp, ipv6-nonxt (none), protocol (prot); found "${part}"`, h, 0);
      set.add(n);
    }
    return { module: "ipv6header", headers: ORDER.filter((x) => set.has(x)), invert: h.invert, soft: uses.some((u) => u.name === "soft") };
  },
  print(m) {
    return `${m.invert ? "! " : ""}--header ${m.headers.join(",")}${m.soft ? " --soft" : ""}`;
  },
  compile() {
    return { kind: "unsupported", reason: "ipv6header: the packet's chain of IPv6 extension headers is not modelled" };
  },
};
