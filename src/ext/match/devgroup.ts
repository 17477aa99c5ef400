/** `-m devgroup` (xt_devgroup): the device group of the incoming or outgoing interface. */
import type { Negatable } from "../../model/rule.js";
import { bang, builtinHook, hex, parseValueMask, type ValueMask } from "../common.js";
import type { MatchExtension, OptionUse, BuildContext } from "../types.js";

/** The typed `-m devgroup` match: `(group & mask) === value`. */
export interface DevgroupMatch {
  readonly module: "devgroup";
  readonly srcGroup?: Negatable<ValueMask>;
  readonly dstGroup?: Negatable<ValueMask>;
}

/** /etc/iproute2/group as Debian ships it: only "default" (0). iptables reads and prints these names. */
const GROUP_NAMES: ReadonlyMap<string, number> = new Map([["default", 0]]);

function readGroup(u: OptionUse, ctx: BuildContext): ValueMask | undefined {
  const text = u.values[0] ?? "";
  const named = GROUP_NAMES.get(text);
  if (named !== undefined) return { value: named, mask: 0xffffffff };
  const vm = parseValueMask(text);
  if (!vm) return ctx.error("bad-value", `--${u.name} expects GROUP[/MASK] (numbers up to 0xffffffff) or a group name such as default, found "${text}"`, u, 0);
  return vm;
}

/** xtables_print_val_mask with the group names: a name when the mask is full and the value has one, else hex. */
function formatGroup(vm: ValueMask): string {
  if (vm.mask !== 0xffffffff) return `${hex(vm.value)}/${hex(vm.mask)}`;
  for (const [name, v] of GROUP_NAMES) if (v === vm.value) return name;
  return hex(vm.value);
}

export const devgroup: MatchExtension<DevgroupMatch> = {
  name: "devgroup",
  options: [
    { name: "src-group", args: 1, invertible: true },
    { name: "dst-group", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    const m: { -readonly [K in keyof DevgroupMatch]: DevgroupMatch[K] } = { module: "devgroup" };
    for (const u of uses) {
      const vm = readGroup(u, ctx);
      if (!vm) return undefined;
      if (u.name === "src-group") m.srcGroup = { value: vm, invert: u.invert };
      else m.dstGroup = { value: vm, invert: u.invert };
    }
    if (!m.srcGroup && !m.dstGroup) return ctx.error("missing-value", "-m devgroup needs --src-group or --dst-group", ctx.where);
    // kernel: devgroup_mt_check: no input device in OUTPUT/POSTROUTING, no output device before routing
    const h = builtinHook(ctx);
    if (m.srcGroup && (h === "OUTPUT" || h === "POSTROUTING")) return ctx.error("match-not-allowed", `--src-group is not allowed in ${h}: the packet has no input interface there`, ctx.where);
    if (m.dstGroup && (h === "PREROUTING" || h === "INPUT")) return ctx.error("match-not-allowed", `--dst-group is not allowed in ${h}: the packet has no output interface there`, ctx.where);
    return m;
  },
  print(m) {
    const parts: string[] = [];
    if (m.srcGroup) parts.push(`${bang(m.srcGroup.invert)}--src-group ${formatGroup(m.srcGroup.value)}`);
    if (m.dstGroup) parts.push(`${bang(m.dstGroup.invert)}--dst-group ${formatGroup(m.dstGroup.value)}`);
    return parts.join(" ");
  },
  compile(m) {
    // the host model has no interface groups: every interface is taken to be in group 0 ("default")
    const ok = (g: Negatable<ValueMask> | undefined) => !g || ((0 & g.value.mask) === g.value.value) !== g.invert;
    const result = ok(m.srcGroup) && ok(m.dstGroup);
    return { kind: "test", test: () => result, assumption: "interface groups are unknown; every interface is assumed to be in group 0 (default)" };
  },
};
