/** `-m dscp` (xt_dscp): the DSCP field (upper six bits of TOS / traffic class). */
import type { Negatable } from "../../model/rule.js";
import { bang, parseUint } from "../common.js";
import type { MatchExtension } from "../types.js";
import { hex2 } from "./tos.js";

/** The typed `-m dscp` match; `--dscp-class` is stored as its code point (iptables-save prints `--dscp 0xNN`). */
export interface DscpMatch {
  readonly module: "dscp";
  readonly dscp: Negatable<number>;
}

/** dscp_helper.c ds_classes, in its order (BE after CS7: the first match of a prefix wins). */
const DS_CLASSES: readonly (readonly [string, number])[] = [
  ["CS0", 0x00], ["CS1", 0x08], ["CS2", 0x10], ["CS3", 0x18], ["CS4", 0x20], ["CS5", 0x28], ["CS6", 0x30], ["CS7", 0x38],
  ["BE", 0x00],
  ["AF11", 0x0a], ["AF12", 0x0c], ["AF13", 0x0e], ["AF21", 0x12], ["AF22", 0x14], ["AF23", 0x16],
  ["AF31", 0x1a], ["AF32", 0x1c], ["AF33", 0x1e], ["AF41", 0x22], ["AF42", 0x24], ["AF43", 0x26],
  ["EF", 0x2e],
];

/** class_to_dscp: strncasecmp(name, class, strlen(class)), so the class name is a case-insensitive prefix of the word. */
export function dscpClass(name: string): number | undefined {
  const up = name.toUpperCase();
  return DS_CLASSES.find(([c]) => up.startsWith(c))?.[1];
}

export const dscp: MatchExtension<DscpMatch> = {
  name: "dscp",
  options: [
    { name: "dscp", args: 1, invertible: true },
    { name: "dscp-class", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    if (uses.length === 0) return ctx.error("missing-value", "-m dscp needs --dscp VALUE or --dscp-class CLASS", ctx.where);
    if (uses.length > 1) return ctx.error("bad-value", `--${uses[1].name} cannot be combined with --${uses[0].name}; give one`, uses[1]);
    const u = uses[0];
    const text = u.values[0] ?? "";
    if (u.name === "dscp") {
      const v = parseUint(text, 0, 0x3f);
      if (v === undefined) return ctx.error("bad-value", `--dscp expects a number from 0 to 63 (0x3f), found "${text}"`, u, 0);
      return { module: "dscp", dscp: { value: v, invert: u.invert } };
    }
    const v = dscpClass(text);
    if (v === undefined) return ctx.error("bad-value", `--dscp-class expects a class such as EF, AF41, CS1 or BE, found "${text}"`, u, 0);
    return { module: "dscp", dscp: { value: v, invert: u.invert } };
  },
  print(m) {
    return `${bang(m.dscp.invert)}--dscp ${hex2(m.dscp.value)}`;
  },
  compile(m) {
    const v = m.dscp.value;
    const inv = m.dscp.invert;
    // kernel: dscp_mt: ((dsfield >> XT_DSCP_SHIFT) == info->dscp) ^ invert
    return { kind: "test", test: (p) => (p.tos >> 2 === v) !== inv };
  },
};
