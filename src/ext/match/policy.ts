/** `-m policy` (xt_policy): the IPsec policy that decoded (in) or will encapsulate (out) the packet. */
import type { Negatable } from "../../model/rule.js";
import { formatIp, maskPrefix, parseNet, type IpNet } from "../../net/ip.js";
import { bang, checkHooks, parseUint } from "../common.js";
import type { MatchExtension, OptionUse } from "../types.js";

/** One policy element (between `--next`s). */
export interface PolicyElement {
  readonly reqid?: Negatable<number>;
  readonly spi?: Negatable<number>;
  /** IPsec protocol number: 50 esp, 51 ah, 108 ipcomp. */
  readonly proto?: Negatable<number>;
  readonly mode?: Negatable<"transport" | "tunnel">;
  readonly tunnelSrc?: Negatable<IpNet>;
  readonly tunnelDst?: Negatable<IpNet>;
}

/** The typed `-m policy` match. */
export interface PolicyMatch {
  readonly module: "policy";
  readonly dir: "in" | "out";
  readonly pol: "none" | "ipsec";
  readonly strict: boolean;
  /** Empty for `--pol none`, and for `--pol ipsec` without element options. */
  readonly elements: readonly PolicyElement[];
}

/** kernel: XT_POLICY_MAX_ELEM. */
const MAX_ELEM = 4;

/** print_proto uses getprotobynumber: these are the names /etc/protocols gives. */
const PROTO_NAMES: ReadonlyMap<number, string> = new Map([[50, "esp"], [51, "ah"], [108, "ipcomp"]]);

function parseProto(text: string): number | undefined {
  const t = text.toLowerCase();
  for (const [n, name] of PROTO_NAMES) if (name === t) return n;
  return parseUint(text, 0, 255);
}

/** An address with its mask, the mask left out when it covers the whole address (xtables_ipmask_to_numeric). */
function formatHostMask(net: IpNet): string {
  const prefix = maskPrefix(net);
  const full = net.family === 4 ? 32 : 128;
  if (prefix === full) return formatIp(net.addr, net.family);
  return prefix !== undefined ? `${formatIp(net.addr, net.family)}/${prefix}` : `${formatIp(net.addr, net.family)}/${formatIp(net.mask, net.family)}`;
}

export const policy: MatchExtension<PolicyMatch> = {
  name: "policy",
  options: [
    { name: "dir", args: 1, repeatable: true },
    { name: "pol", args: 1, repeatable: true },
    { name: "strict", args: 0 },
    { name: "reqid", args: 1, invertible: true, repeatable: true },
    { name: "spi", args: 1, invertible: true, repeatable: true },
    { name: "tunnel-src", args: 1, invertible: true, repeatable: true },
    { name: "tunnel-dst", args: 1, invertible: true, repeatable: true },
    { name: "proto", args: 1, invertible: true, repeatable: true },
    { name: "mode", args: 1, invertible: true, repeatable: true },
    { name: "next", args: 0, repeatable: true },
  ],
  build(uses, ctx) {
    let dir: "in" | "out" | undefined;
    let pol: "none" | "ipsec" | undefined;
    let strict = false;
    const elements: { -readonly [K in keyof PolicyElement]: PolicyElement[K] }[] = [{}];
    let cur = elements[0];
    const seen = new Set<string>();
    let nextUse: OptionUse | undefined;
    for (const u of uses) {
      const text = u.values[0] ?? "";
      // libxt_policy: each element option once per element, and the element count is bounded
      if (u.name !== "next" && u.name !== "dir" && u.name !== "pol" && u.name !== "strict") {
        if (seen.has(u.name)) return ctx.error("duplicate-option", `--${u.name} is given twice in one policy element; separate elements with --next`, u);
        seen.add(u.name);
      }
      switch (u.name) {
        case "dir":
          if (text !== "in" && text !== "out") return ctx.error("bad-value", `--dir expects "in" or "out", found "${text}"`, u, 0);
          dir = text;
          break;
        case "pol":
          if (text !== "none" && text !== "ipsec") return ctx.error("bad-value", `--pol expects "none" or "ipsec", found "${text}"`, u, 0);
          pol = text;
          break;
        case "strict":
          strict = true;
          break;
        case "reqid":
        case "spi": {
          const v = parseUint(text);
          if (v === undefined) return ctx.error("bad-value", `--${u.name} expects a number from 0 to 4294967295, found "${text}"`, u, 0);
          cur[u.name] = { value: v, invert: u.invert };
          break;
        }
        case "proto": {
          const v = parseProto(text);
          if (v === undefined) return ctx.error("bad-value", `--proto expects esp, ah, ipcomp or a protocol number, found "${text}"`, u, 0);
          cur.proto = { value: v, invert: u.invert };
          break;
        }
        case "mode":
          if (text !== "transport" && text !== "tunnel") return ctx.error("bad-value", `--mode expects "transport" or "tunnel", found "${text}"`, u, 0);
          cur.mode = { value: text, invert: u.invert };
          break;
        case "tunnel-src":
        case "tunnel-dst": {
          const net = parseNet(text, ctx.family);
          if (typeof net === "string") return ctx.error("bad-address", `--${u.name} expects an IPv${ctx.family} address or network; ${net}`, u, 0);
          cur[u.name === "tunnel-src" ? "tunnelSrc" : "tunnelDst"] = { value: net, invert: u.invert };
          break;
        }
        case "next":
          nextUse ??= u;
          if (elements.length >= MAX_ELEM) return ctx.error("bad-value", `at most ${MAX_ELEM} policy elements are allowed`, u);
          cur = {};
          elements.push(cur);
          seen.clear();
          break;
      }
    }
    if (nextUse && !strict) return ctx.error("bad-value", "--next needs --strict (several policy elements are matched only in strict mode)", nextUse);
    if (!dir) return ctx.error("missing-value", "-m policy needs --dir in or --dir out", ctx.where);
    if (!pol) return ctx.error("missing-value", "-m policy needs --pol none or --pol ipsec", ctx.where);
    const used = elements.filter((e) => Object.keys(e).length > 0);
    if (pol === "none") {
      if (strict) return ctx.error("bad-value", "--pol none cannot be combined with --strict", ctx.where);
      if (used.length > 0) return ctx.error("bad-value", "--pol none cannot be combined with policy element options (--reqid, --spi, --proto, --mode, --tunnel-src, --tunnel-dst)", ctx.where);
    }
    for (const [i, e] of elements.entries()) {
      if (pol === "ipsec" && strict && Object.keys(e).length === 0) {
        return ctx.error("bad-value", `policy element ${i} is empty; with --strict each element needs one of --reqid, --spi, --tunnel-src, --tunnel-dst, --proto, --mode`, ctx.where);
      }
      // libxt_policy policy_check: a missing --mode counts as transport, so tunnel addresses need --mode tunnel
      const tunnel = e.mode ? (e.mode.value === "tunnel") !== e.mode.invert : false;
      if ((e.tunnelSrc || e.tunnelDst) && !tunnel) return ctx.error("bad-value", "--tunnel-src/--tunnel-dst are only valid with --mode tunnel", ctx.where);
    }
    // kernel: policy_mt_check: "in" is not valid in OUTPUT/POSTROUTING, "out" not in PREROUTING/INPUT
    if (!checkHooks(ctx, `-m policy --dir ${dir}`, dir === "in" ? ["PREROUTING", "INPUT", "FORWARD"] : ["FORWARD", "OUTPUT", "POSTROUTING"])) return undefined;
    return { module: "policy", dir, pol, strict, elements: pol === "none" ? [] : used.length === 0 ? [] : elements };
  },
  print(m) {
    const parts = [`--dir ${m.dir}`, `--pol ${m.pol}`];
    if (m.strict) parts.push("--strict");
    m.elements.forEach((e, i) => {
      if (i > 0) parts.push("--next");
      // libxt_policy print_entry order: reqid, spi, proto, mode, tunnel-dst, tunnel-src
      if (e.reqid) parts.push(`${bang(e.reqid.invert)}--reqid ${e.reqid.value}`);
      if (e.spi) parts.push(`${bang(e.spi.invert)}--spi 0x${e.spi.value.toString(16)}`);
      if (e.proto) parts.push(`${bang(e.proto.invert)}--proto ${PROTO_NAMES.get(e.proto.value) ?? e.proto.value}`);
      if (e.mode) parts.push(`${bang(e.mode.invert)}--mode ${e.mode.value}`);
      if (e.tunnelDst) parts.push(`${bang(e.tunnelDst.invert)}--tunnel-dst ${formatHostMask(e.tunnelDst.value)}`);
      if (e.tunnelSrc) parts.push(`${bang(e.tunnelSrc.invert)}--tunnel-src ${formatHostMask(e.tunnelSrc.value)}`);
    });
    return parts.join(" ");
  },
  compile(m) {
    // kernel: policy_mt: with no sec_path (in) / no xfrm bundle on the route (out) the result is "no policy"
    const matches = m.pol === "none";
    return {
      kind: "test",
      test: () => matches,
      assumption: `packets carry no IPsec policy, so "--pol none" matches and "--pol ipsec" does not (this rule: ${matches ? "matches" : "does not match"})`,
    };
  },
};
