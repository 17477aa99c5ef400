/** `-j CONNMARK` (xt_connmark revision 2): sets the connection mark, or copies it from/to the packet mark. */
import { CtState } from "../../sim/packet.js";
import { hex, uintOption } from "../common.js";
import type { OptionUse, TargetExtension } from "../types.js";
import { xmarkOf } from "./mark.js";

/** The typed `-j CONNMARK`, in the kernel's normal form. */
export type ConnmarkTarget =
  | { readonly name: "CONNMARK"; readonly mode: "set"; readonly value: number; readonly ctmask: number; readonly shift?: Shift }
  | { readonly name: "CONNMARK"; readonly mode: "save" | "restore"; readonly nfmask: number; readonly ctmask: number; readonly shift?: Shift };

/** `--left-shift-mark N` / `--right-shift-mark N` (revision 2). */
export interface Shift {
  readonly dir: "left" | "right";
  readonly bits: number;
}

const SET_OPS = ["set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark"];

export const connmark: TargetExtension<ConnmarkTarget> = {
  name: "CONNMARK",
  options: [
    ...SET_OPS.map((name) => ({ name, args: 1 as const })),
    { name: "save-mark", args: 0 },
    { name: "restore-mark", args: 0 },
    { name: "mask", args: 1 },
    { name: "nfmask", args: 1 },
    { name: "ctmask", args: 1 },
    { name: "left-shift-mark", args: 1 },
    { name: "right-shift-mark", args: 1 },
  ],
  build(uses, ctx) {
    const modes = uses.filter((u) => SET_OPS.includes(u.name) || u.name === "save-mark" || u.name === "restore-mark");
    if (modes.length === 0) return ctx.error("missing-value", `CONNMARK needs one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark, --save-mark, --restore-mark`, ctx.where);
    if (modes.length > 1) return ctx.error("bad-value", `CONNMARK: --${modes[0].name} cannot be used together with --${modes[1].name}`, modes[1]);
    const m = modes[0];
    const get = (name: string): OptionUse | undefined => uses.find((u) => u.name === name);
    const num = (u: OptionUse | undefined): number | null | undefined => (u ? (uintOption(u, ctx) ?? null) : undefined);
    const maskU = get("mask");
    const nfU = get("nfmask");
    const ctU = get("ctmask");
    if (maskU && nfU) return ctx.error("bad-value", `--nfmask cannot be used together with --mask`, maskU);
    if (maskU && ctU) return ctx.error("bad-value", `--ctmask cannot be used together with --mask`, maskU);
    const mask = num(maskU);
    const nfmask = num(nfU);
    const ctmask = num(ctU);
    if (mask === null || nfmask === null || ctmask === null) return undefined;
    let shift: Shift | undefined;
    for (const dir of ["left", "right"] as const) {
      const su = get(`${dir}-shift-mark`);
      if (!su) continue;
      const bits = uintOption(su, ctx, 0, 32);
      if (bits === undefined) return undefined;
      shift = { dir, bits };
    }
    const shiftPart = shift && shift.bits !== 0 ? { shift } : {};
    if (m.name === "save-mark" || m.name === "restore-mark") {
      const all = 0xffffffff;
      return {
        name: "CONNMARK",
        mode: m.name === "save-mark" ? "save" : "restore",
        nfmask: mask ?? nfmask ?? all,
        ctmask: mask ?? ctmask ?? all,
        ...shiftPart,
      };
    }
    const vm = xmarkOf(m.name, m.values[0] ?? "");
    if (!vm) return ctx.error("bad-mark", `--${m.name} expects ${m.name.startsWith("set") ? "VALUE[/MASK]" : "VALUE"} (numbers up to 0xffffffff), found "${m.values[0] ?? ""}"`, m, 0);
    // libxt_CONNMARK: --set-mark V --mask M (or --ctmask M) takes M as the mask; --nfmask is ignored here
    let value = vm.value;
    let cm = vm.mask;
    const override = mask ?? ctmask;
    if (m.name === "set-mark" && override !== undefined) cm = (override | value) >>> 0;
    else if (m.name === "set-xmark" && override !== undefined) cm = override;
    value >>>= 0;
    return { name: "CONNMARK", mode: "set", value, ctmask: cm, ...shiftPart };
  },
  print(t) {
    const shift = t.shift ? ` --${t.shift.dir}-shift-mark ${t.shift.bits}` : "";
    if (t.mode === "set") return `--set-xmark ${hex(t.value)}/${hex(t.ctmask)}${shift}`;
    return `--${t.mode}-mark --nfmask ${hex(t.nfmask)} --ctmask ${hex(t.ctmask)}${shift}`;
  },
  compile(t) {
    const sh = (v: number): number => {
      if (!t.shift) return v >>> 0;
      if (t.shift.bits >= 32) return 0;
      return (t.shift.dir === "left" ? v << t.shift.bits : v >>> t.shift.bits) >>> 0;
    };
    const noCt = CtState.INVALID | CtState.UNTRACKED;
    return {
      kind: "effect",
      apply(p) {
        // kernel: no connection (invalid or untracked packets) → nothing to do
        if (p.ctState & noCt) return "CONTINUE";
        const ctmask = t.ctmask;
        switch (t.mode) {
          case "set":
            p.ctmark = sh((p.ctmark & ~ctmask) ^ t.value);
            break;
          case "save":
            p.ctmark = ((p.ctmark & ~ctmask) ^ sh(p.mark & t.nfmask)) >>> 0;
            break;
          case "restore":
            p.mark = ((p.mark & ~t.nfmask) ^ sh(p.ctmark & ctmask)) >>> 0;
            break;
        }
        return "CONTINUE";
      },
    };
  },
};
