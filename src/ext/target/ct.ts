/** `-j CT` (xt_CT): sets up the connection of a packet before conntrack sees it: no tracking, zone, helper, events, timeout policy. */
import { nameListOption, parseUint } from "../common.js";
import type { CompiledTarget, TargetExtension } from "../types.js";

/** Conntrack event names in kernel bit order (IPCT_*), as libxt_CT prints them. */
export const CT_EVENTS = ["new", "related", "destroy", "reply", "assured", "protoinfo", "helper", "mark", "natseqinfo", "secmark"] as const;

/** The typed `-j CT`. */
export interface CtTarget {
  readonly name: "CT";
  readonly notrack: boolean;
  /** `--helper NAME`, "" when none. */
  readonly helper: string;
  /** `--ctevents` as a bit set over CT_EVENTS. */
  readonly ctEvents: number;
  /** `--expevents` (only `new` exists). */
  readonly expEvents: number;
  /** The zone: its id, or taken from the packet mark; and the directions it applies to (none set means both). */
  readonly zone: { readonly id: number; readonly fromMark: boolean; readonly orig: boolean; readonly reply: boolean };
  /** `--timeout POLICY`, "" when none. */
  readonly timeout: string;
}

/** The note of a CT or NOTRACK target that meets a packet with a connection already. */
export const ALREADY_TRACKED = "the packet already has its connection (it was tracked in OUTPUT and looped back), so the target does nothing";

/** CT --notrack and NOTRACK: untrack the packet, unless it already has a connection (xt_CT's notrack_tg). */
export const NOTRACK_EFFECT: CompiledTarget = {
  kind: "effect",
  apply(_p, w) {
    if (w.hasConnection()) w.note(ALREADY_TRACKED);
    else w.untrack();
    return "CONTINUE";
  },
};

function bits(names: readonly string[], vocabulary: readonly string[]): number {
  let b = 0;
  for (const n of names) b |= 1 << vocabulary.indexOf(n);
  return b;
}

export const ct: TargetExtension<CtTarget> = {
  name: "CT",
  options: [
    { name: "notrack", args: 0 },
    { name: "helper", args: 1 },
    { name: "ctevents", args: 1 },
    { name: "expevents", args: 1 },
    { name: "zone-orig", args: 1 },
    { name: "zone-reply", args: 1 },
    { name: "zone", args: 1 },
    { name: "timeout", args: 1 },
  ],
  // kernel: xt_CT.c, table "raw"
  allowed: { tables: ["raw"] },
  build(uses, ctx) {
    let notrack = false;
    let helper = "";
    let ctEvents = 0;
    let expEvents = 0;
    let timeout = "";
    let zone = { id: 0, fromMark: false, orig: false, reply: false };
    for (const u of uses) {
      switch (u.name) {
        case "notrack":
          notrack = true;
          break;
        case "helper":
          helper = u.values[0] ?? "";
          if (helper.length > 15) return ctx.error("bad-value", `--helper: a helper name has at most 15 characters`, u, 0);
          break;
        case "timeout":
          timeout = u.values[0] ?? "";
          if (timeout.length > 31) return ctx.error("bad-value", `--timeout: a timeout policy name has at most 31 characters`, u, 0);
          break;
        case "ctevents": {
          const n = nameListOption(u, ctx, CT_EVENTS);
          if (!n) return undefined;
          ctEvents = bits(n, CT_EVENTS);
          break;
        }
        case "expevents": {
          const n = nameListOption(u, ctx, ["new"] as const);
          if (!n) return undefined;
          expEvents = 1;
          break;
        }
        case "zone":
        case "zone-orig":
        case "zone-reply": {
          const text = u.values[0] ?? "";
          const fromMark = text === "mark";
          const id = fromMark ? 0 : parseUint(text, 0, 65535);
          if (id === undefined) return ctx.error("bad-value", `--${u.name} expects a zone number from 0 to 65535 or "mark"; found "${text}"`, u, 0);
          zone = {
            id,
            fromMark,
            orig: zone.orig || u.name === "zone-orig",
            reply: zone.reply || u.name === "zone-reply",
          };
          break;
        }
      }
    }
    return { name: "CT", notrack, helper, ctEvents, expEvents, zone, timeout };
  },
  print(t) {
    const parts: string[] = [];
    if (t.notrack) parts.push("--notrack");
    if (t.helper !== "") parts.push(`--helper ${t.helper}`);
    if (t.ctEvents) parts.push(`--ctevents ${CT_EVENTS.filter((_, i) => t.ctEvents & (1 << i)).join(",")}`);
    if (t.expEvents) parts.push("--expevents new");
    if (t.zone.id !== 0 || t.zone.fromMark) {
      const dir = t.zone.orig && !t.zone.reply ? "-orig" : t.zone.reply && !t.zone.orig ? "-reply" : "";
      parts.push(`--zone${dir} ${t.zone.fromMark ? "mark" : t.zone.id}`);
    }
    if (t.timeout !== "") parts.push(`--timeout ${t.timeout}`);
    return parts.join(" ");
  },
  compile(t) {
    if (t.notrack) return NOTRACK_EFFECT;
    const zoneOrig = (t.zone.id !== 0 || t.zone.fromMark) && !(t.zone.reply && !t.zone.orig);
    const notes: string[] = [];
    if (t.timeout !== "") notes.push(`CT: the connection gets timeout policy ${t.timeout} (timeouts are not modelled)`);
    if (t.zone.reply && !t.zone.orig) notes.push(`CT: zone ${t.zone.fromMark ? "from the mark" : t.zone.id} applies to the reply direction only`);
    return {
      kind: "effect",
      apply(p, w) {
        // kernel (xt_ct_target): a packet that already has a connection (looped back) is left alone
        if (w.hasConnection()) {
          w.note(ALREADY_TRACKED);
          return "CONTINUE";
        }
        // kernel: the template's zone and helper are given to the connection conntrack creates next
        if (zoneOrig) p.ctZone = t.zone.fromMark ? p.mark & 0xffff : t.zone.id;
        if (t.helper !== "") p.ctHelper = t.helper;
        for (const n of notes) w.note(n);
        return "CONTINUE";
      },
    };
  },
};
