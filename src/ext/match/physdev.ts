/**
 * `-m physdev` (xt_physdev): the bridge ports a bridged packet came in on and goes out of, and
 * whether it is bridged at all. Only bridged traffic (br_netfilter) carries these.
 */
import type { Negatable } from "../../model/rule.js";
import { bang, builtinHook } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m physdev` match. Names may end in `+` (any name with that prefix). */
export interface PhysdevMatch {
  readonly module: "physdev";
  readonly in?: Negatable<string>;
  readonly out?: Negatable<string>;
  /** `--physdev-is-in`: the packet entered through a bridge port. */
  readonly isIn?: Negatable<true>;
  readonly isOut?: Negatable<true>;
  /** `--physdev-is-bridged`: the packet is being bridged (it has an output port). */
  readonly isBridged?: Negatable<true>;
}

/** kernel: IFNAMSIZ 16, with the terminating NUL. */
const MAX_NAME = 15;

/** An interface-name test as the kernel's masked compare does it: `eth+` is a prefix, else exact. */
export function ifaceTester(pattern: string): (name: string) => boolean {
  if (pattern.endsWith("+")) {
    const prefix = pattern.slice(0, -1);
    return (name) => name.startsWith(prefix);
  }
  return (name) => name === pattern;
}

export const physdev: MatchExtension<PhysdevMatch> = {
  name: "physdev",
  options: [
    { name: "physdev-in", args: 1, invertible: true },
    { name: "physdev-out", args: 1, invertible: true },
    { name: "physdev-is-in", args: 0, invertible: true },
    { name: "physdev-is-out", args: 0, invertible: true },
    { name: "physdev-is-bridged", args: 0, invertible: true },
  ],
  build(uses, ctx) {
    if (uses.length === 0) return ctx.error("missing-value", "-m physdev needs one of --physdev-in, --physdev-out, --physdev-is-in, --physdev-is-out, --physdev-is-bridged", ctx.where);
    const m: { -readonly [K in keyof PhysdevMatch]: PhysdevMatch[K] } = { module: "physdev" };
    for (const u of uses) {
      switch (u.name) {
        case "physdev-in":
        case "physdev-out": {
          const name = u.values[0] ?? "";
          if (name.length > MAX_NAME) return ctx.error("bad-interface", `--${u.name} expects an interface name of at most ${MAX_NAME} characters, found "${name}"`, u, 0);
          if (u.name === "physdev-in") m.in = { value: name, invert: u.invert };
          else m.out = { value: name, invert: u.invert };
          break;
        }
        case "physdev-is-in":
          m.isIn = { value: true, invert: u.invert };
          break;
        case "physdev-is-out":
          m.isOut = { value: true, invert: u.invert };
          break;
        case "physdev-is-bridged":
          m.isBridged = { value: true, invert: u.invert };
          break;
      }
    }
    // kernel (physdev_mt_check): the output port is unknown in OUTPUT unless only bridged packets are asked for
    if ((m.out || m.isOut) && (!m.isBridged || m.isBridged.invert) && builtinHook(ctx) === "OUTPUT") {
      return ctx.error("match-not-allowed", "--physdev-out and --physdev-is-out are not valid in OUTPUT without --physdev-is-bridged; the kernel refuses them", ctx.where);
    }
    return m;
  },
  print(m) {
    const parts: string[] = [];
    if (m.isIn) parts.push(`${bang(m.isIn.invert)}--physdev-is-in`);
    if (m.in) parts.push(`${bang(m.in.invert)}--physdev-in ${m.in.value}`);
    if (m.isOut) parts.push(`${bang(m.isOut.invert)}--physdev-is-out`);
    if (m.out) parts.push(`${bang(m.out.invert)}--physdev-out ${m.out.value}`);
    if (m.isBridged) parts.push(`${bang(m.isBridged.invert)}--physdev-is-bridged`);
    return parts.join(" ");
  },
  compile(m) {
    const { isIn, isOut, isBridged } = m;
    const inT = m.in ? ifaceTester(m.in.value) : undefined;
    const outT = m.out ? ifaceTester(m.out.value) : undefined;
    const inInv = m.in?.invert ?? false;
    const outInv = m.out?.invert ?? false;
    // kernel (physdev_mt): a packet that is not bridged matches only when every option used is negated
    const unbridged = [isIn, isOut, isBridged, m.in, m.out].every((o) => !o || o.invert);
    return {
      kind: "test",
      test: (p) => {
        if (!p.bridged) return unbridged;
        const hasOut = p.physOut !== "";
        if (isBridged && hasOut === isBridged.invert) return false;
        if (isIn && (p.physIn === "") !== isIn.invert) return false;
        if (isOut && !hasOut !== isOut.invert) return false;
        if (inT && inT(p.physIn) === inInv) return false;
        if (outT && outT(p.physOut) === outInv) return false;
        return true;
      },
    };
  },
};
