/** `-j SET` (xt_set, revision 3): adds the packet's addresses to an ipset, or deletes them. */
import { byName, uintOption } from "../common.js";
import type { BuildContext, OptionUse, TargetExtension } from "../types.js";

/** One set operand: the set's name and which packet fields fill its dimensions. */
export interface SetRef {
  readonly set: string;
  readonly dirs: readonly ("src" | "dst")[];
}

/** The typed `-j SET`. */
export interface SetTarget {
  readonly name: "SET";
  readonly add?: SetRef;
  readonly del?: SetRef;
  readonly map?: SetRef;
  readonly exist: boolean;
  /** `--timeout` seconds for added entries, when given. */
  readonly timeout?: number;
  readonly mapMark: boolean;
  readonly mapPrio: boolean;
  readonly mapQueue: boolean;
}

function setRef(u: OptionUse, ctx: BuildContext): SetRef | undefined {
  const set = u.values[0] ?? "";
  if (set === "" || set.length > 31) return ctx.error("bad-value", `--${u.name} expects a set name of 1 to 31 characters, found "${set}"`, u, 0);
  const flags = (u.values[1] ?? "").split(",");
  if (flags.length > 6 || flags.some((f) => f !== "src" && f !== "dst")) {
    return ctx.error("bad-value", `--${u.name} ${set} expects up to six of src,dst separated by commas; found "${u.values[1] ?? ""}"`, u, 1);
  }
  return { set, dirs: flags as ("src" | "dst")[] };
}

export const setTarget: TargetExtension<SetTarget> = {
  name: "SET",
  options: [
    { name: "add-set", args: 2 },
    { name: "del-set", args: 2 },
    { name: "map-set", args: 2 },
    { name: "exist", args: 0 },
    { name: "timeout", args: 1 },
    { name: "map-mark", args: 0 },
    { name: "map-prio", args: 0 },
    { name: "map-queue", args: 0 },
  ],
  build(uses, ctx) {
    const o = byName(uses);
    const refs: { add?: SetRef; del?: SetRef; map?: SetRef } = {};
    for (const k of ["add", "del", "map"] as const) {
      const u = o.get(`${k}-set`);
      if (!u) continue;
      const r = setRef(u, ctx);
      if (!r) return undefined;
      refs[k] = r;
    }
    if (!refs.add && !refs.del && !refs.map) return ctx.error("missing-value", `SET needs --add-set, --del-set or --map-set`, ctx.where);
    let timeout: number | undefined;
    const tu = o.get("timeout");
    if (tu) {
      timeout = uintOption(tu, ctx);
      if (timeout === undefined) return undefined;
    }
    return {
      name: "SET",
      ...refs,
      exist: o.has("exist"),
      ...(timeout !== undefined ? { timeout } : {}),
      mapMark: o.has("map-mark"),
      mapPrio: o.has("map-prio"),
      mapQueue: o.has("map-queue"),
    };
  },
  print(t) {
    const parts: string[] = [];
    if (t.add) parts.push(`--add-set ${t.add.set} ${t.add.dirs.join(",")}`);
    if (t.exist) parts.push("--exist");
    if (t.timeout !== undefined) parts.push(`--timeout ${t.timeout}`);
    if (t.del) parts.push(`--del-set ${t.del.set} ${t.del.dirs.join(",")}`);
    if (t.map) parts.push(`--map-set ${t.map.set} ${t.map.dirs.join(",")}`);
    if (t.mapMark) parts.push("--map-mark");
    if (t.mapPrio) parts.push("--map-prio");
    if (t.mapQueue) parts.push("--map-queue");
    return parts.join(" ");
  },
  compile(t) {
    if (t.map) return { kind: "unsupported", reason: `target SET --map-set ${t.map.set}: the values stored in the set's entries (skbinfo) are not modelled` };
    const notes: string[] = [];
    if (t.add) notes.push(`SET: adds ${t.add.dirs.join(",")} to set ${t.add.set}`);
    if (t.del) notes.push(`SET: deletes ${t.del.dirs.join(",")} from set ${t.del.set}`);
    notes.push("later -m set tests in this walk see the sets as loaded, not as changed here");
    const note = notes.join("; ");
    return {
      kind: "effect",
      apply(_p, w) {
        w.note(note);
        return "CONTINUE";
      },
    };
  },
};
