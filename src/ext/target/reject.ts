/** `-j REJECT` (ipt_REJECT / ip6t_REJECT): drops the packet and answers with an ICMP error or a TCP reset. */
import type { Family } from "../../net/ip.js";
import { Proto } from "../../sim/packet.js";
import type { TargetExtension } from "../types.js";

/** A reply type's canonical name, as iptables-save prints it (the IPv4 names, then the IPv6 ones). */
export type RejectType =
  | "icmp-net-unreachable"
  | "icmp-host-unreachable"
  | "icmp-proto-unreachable"
  | "icmp-port-unreachable"
  | "icmp-net-prohibited"
  | "icmp-host-prohibited"
  | "tcp-reset"
  | "icmp-admin-prohibited"
  | "icmp6-no-route"
  | "icmp6-adm-prohibited"
  | "icmp6-addr-unreachable"
  | "icmp6-port-unreachable"
  | "icmp6-policy-fail"
  | "icmp6-reject-route";

/** Reply types for IPv4, in libipt_REJECT's table order (the order a prefix is resolved in): name and alias. */
const V4_TYPES: readonly (readonly [RejectType, string])[] = [
  ["icmp-net-unreachable", "net-unreach"],
  ["icmp-host-unreachable", "host-unreach"],
  ["icmp-proto-unreachable", "proto-unreach"],
  ["icmp-port-unreachable", "port-unreach"],
  ["icmp-net-prohibited", "net-prohib"],
  ["icmp-host-prohibited", "host-prohib"],
  ["tcp-reset", "tcp-rst"],
  ["icmp-admin-prohibited", "admin-prohib"],
];

/** Reply types for IPv6, in libip6t_REJECT's table order: name and alias. */
const V6_TYPES: readonly (readonly [RejectType, string])[] = [
  ["icmp6-no-route", "no-route"],
  ["icmp6-adm-prohibited", "adm-prohibited"],
  ["icmp6-addr-unreachable", "addr-unreach"],
  ["icmp6-port-unreachable", "port-unreach"],
  ["tcp-reset", "tcp-reset"],
  ["icmp6-policy-fail", "policy-fail"],
  ["icmp6-reject-route", "reject-route"],
];

/** The typed `-j REJECT`. */
export interface RejectTarget {
  readonly name: "REJECT";
  /** `--reject-with`; the default (icmp-port-unreachable / icmp6-port-unreachable) is filled in, as iptables-save prints it. */
  readonly with: RejectType;
}

/** Resolves a `--reject-with` word as iptables does: case-insensitive prefix of a name or alias, first in table order. */
export function resolveRejectType(text: string, family: Family): RejectType | undefined {
  const t = text.toLowerCase();
  for (const [name, alias] of family === 4 ? V4_TYPES : V6_TYPES) {
    if (name.startsWith(t) || alias.startsWith(t)) return name;
  }
  return undefined;
}

export const reject: TargetExtension<RejectTarget> = {
  name: "REJECT",
  options: [{ name: "reject-with", args: 1 }],
  // kernel: ipt_REJECT.c / ip6t_REJECT.c, table "filter", hooks LOCAL_IN | FORWARD | LOCAL_OUT
  allowed: { tables: ["filter"], hooks: ["INPUT", "FORWARD", "OUTPUT"] },
  build(uses, ctx) {
    const u = uses.find((x) => x.name === "reject-with");
    let type: RejectType = ctx.family === 4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";
    if (u) {
      const text = u.values[0] ?? "";
      if (ctx.family === 4 && /^echo-reply$|^echoreply$/i.test(text)) {
        return ctx.error("bad-value", `--reject-with echo-reply is no longer supported by the kernel`, u, 0);
      }
      const found = text === "" ? undefined : resolveRejectType(text, ctx.family);
      if (!found) {
        const names = (ctx.family === 4 ? V4_TYPES : V6_TYPES).map((x) => x[0]).join(", ");
        return ctx.error("bad-value", `--reject-with expects one of ${names}; found "${text}"`, u, 0);
      }
      type = found;
    }
    if (type === "tcp-reset" && ctx.protocol !== Proto.TCP) {
      // kernel: reject_tg_check refuses TCP_RESET unless the rule has -p tcp (not negated)
      return ctx.error("bad-value", `--reject-with tcp-reset needs -p tcp (the kernel refuses it for other protocols)`, u ?? ctx.where, 0);
    }
    return { name: "REJECT", with: type };
  },
  print(t) {
    return `--reject-with ${t.with}`;
  },
  compile(t) {
    const note = t.with === "tcp-reset" ? "REJECT: answers with a TCP reset" : `REJECT: answers with ICMP ${t.with}`;
    return {
      kind: "effect",
      apply(_p, w) {
        w.note(note);
        return "REJECT";
      },
    };
  },
};
