/** `-m cgroup` (xt_cgroup): the control group of the local socket that sent or receives the packet. */
import type { Negatable } from "../../model/rule.js";
import { bang, checkHooks, parseUint, saveString } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m cgroup` match: a cgroup v2 path or a net_cls class id. */
export interface CgroupMatch {
  readonly module: "cgroup";
  readonly path?: Negatable<string>;
  readonly classid?: Negatable<number>;
}

export const cgroup: MatchExtension<CgroupMatch> = {
  name: "cgroup",
  options: [
    { name: "path", args: 1, invertible: true },
    { name: "cgroup", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    const m: { -readonly [K in keyof CgroupMatch]: CgroupMatch[K] } = { module: "cgroup" };
    for (const u of uses) {
      const text = u.values[0] ?? "";
      if (u.name === "path") {
        // kernel: XT_CGROUP_PATH_MAX is 512 including the NUL
        if (text.length === 0 || text.length > 511) return ctx.error("bad-value", `--path expects a cgroup path of 1 to 511 characters, found ${text.length}`, u, 0);
        m.path = { value: text, invert: u.invert };
      } else {
        const v = parseUint(text);
        if (v === undefined) return ctx.error("bad-value", `--cgroup expects a class id (a number up to 0xffffffff), found "${text}"`, u, 0);
        m.classid = { value: v, invert: u.invert };
      }
    }
    if (!m.path && !m.classid) return ctx.error("missing-value", "-m cgroup needs --path PATH or --cgroup CLASSID", ctx.where);
    if (m.path && m.classid) return ctx.error("bad-value", "--path and --cgroup cannot be combined", ctx.where);
    // kernel: xt_cgroup hooks LOCAL_IN, LOCAL_OUT, POST_ROUTING
    if (!checkHooks(ctx, "-m cgroup", ["INPUT", "OUTPUT", "POSTROUTING"])) return undefined;
    return m;
  },
  print(m) {
    const parts: string[] = [];
    if (m.path) parts.push(`${bang(m.path.invert)}--path ${saveString(m.path.value)}`);
    if (m.classid) parts.push(`${bang(m.classid.invert)}--cgroup ${m.classid.value}`);
    return parts.join(" ");
  },
  compile() {
    return { kind: "unsupported", reason: "cgroup: the sending/receiving socket and its control group are not modelled" };
  },
};
