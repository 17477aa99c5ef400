/** `-j MARK` (xt_mark revision 2): changes the packet mark as `mark = (mark & ~mask) ^ value`. */
import { hex, parseValueMask, parseUint, type ValueMask } from "../common.js";
import type { OptionUse, TargetExtension } from "../types.js";

/** The typed `-j MARK`: every option is kept in the kernel's one form, `--set-xmark VALUE/MASK`. */
export interface MarkTarget {
  readonly name: "MARK";
  readonly value: number;
  readonly mask: number;
}

const OPS = ["set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark"] as const;

/**
 * Turns one MARK/CONNMARK option into XOR form, as libxt_MARK / libxt_CONNMARK do:
 * --set-xmark V/M → V/M; --set-mark V/M → V/(M|V); --and-mark V → 0/~V; --or-mark V → V/V; --xor-mark V → V/0.
 * Returns undefined when the value is not a number (or VALUE/MASK where allowed).
 */
export function xmarkOf(op: string, text: string): ValueMask | undefined {
  switch (op) {
    case "set-xmark":
      return parseValueMask(text);
    case "set-mark": {
      const vm = parseValueMask(text);
      return vm && { value: vm.value, mask: (vm.mask | vm.value) >>> 0 };
    }
    case "and-mark": {
      const v = parseUint(text);
      return v === undefined ? undefined : { value: 0, mask: ~v >>> 0 };
    }
    case "or-mark": {
      const v = parseUint(text);
      return v === undefined ? undefined : { value: v, mask: v };
    }
    case "xor-mark": {
      const v = parseUint(text);
      return v === undefined ? undefined : { value: v, mask: 0 };
    }
  }
  return undefined;
}

export const mark: TargetExtension<MarkTarget> = {
  name: "MARK",
  options: OPS.map((name) => ({ name, args: 1 as const })),
  build(uses, ctx) {
    const ops = uses.filter((u) => (OPS as readonly string[]).includes(u.name));
    if (ops.length === 0) return ctx.error("missing-value", `MARK needs one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark`, ctx.where);
    if (ops.length > 1) return ctx.error("bad-value", `MARK: --${ops[0].name} cannot be used together with --${ops[1].name}`, ops[1]);
    const u: OptionUse = ops[0];
    const vm = xmarkOf(u.name, u.values[0] ?? "");
    if (!vm) {
      const form = u.name === "set-xmark" || u.name === "set-mark" ? "VALUE[/MASK]" : "VALUE";
      return ctx.error("bad-mark", `--${u.name} expects ${form} (numbers up to 0xffffffff), found "${u.values[0] ?? ""}"`, u, 0);
    }
    return { name: "MARK", value: vm.value, mask: vm.mask };
  },
  print(t) {
    return `--set-xmark ${hex(t.value)}/${hex(t.mask)}`;
  },
  compile(t) {
    const keep = ~t.mask >>> 0;
    const value = t.value;
    return {
      kind: "effect",
      apply(p) {
        p.mark = ((p.mark & keep) ^ value) >>> 0;
        return "CONTINUE";
      },
    };
  },
};
