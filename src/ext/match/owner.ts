/**
 * `-m owner` (xt_owner): the socket that sent a locally generated packet — its owner's uid and
 * gid ranges, or whether there is a socket at all. Only valid in OUTPUT and POSTROUTING.
 */
import type { Negatable } from "../../model/rule.js";
import { bang, checkHooks, parseUint, type NumRange } from "../common.js";
import type { BuildContext, MatchExtension, OptionUse } from "../types.js";

/** The typed `-m owner` match. */
export interface OwnerMatch {
  readonly module: "owner";
  readonly uid?: Negatable<NumRange>;
  readonly gid?: Negatable<NumRange>;
  /** `--socket-exists`. */
  readonly socketExists?: Negatable<true>;
  /** `--suppl-groups`: the gid test also looks at the owner's supplementary groups. */
  readonly supplGroups?: true;
}

/** The largest id: (uid_t)-1 is "no id", so the tools stop one below. */
const MAX_ID = 0xfffffffe;

/**
 * Reads `ID`, `ID-ID` or `ID:ID` (owner_parse_range). The tools first look the word up as a user or
 * group name on the machine that loads the rules; iptrace cannot know that machine's /etc/passwd,
 * so it accepts only `root` (id 0 on every Linux system) and reports other names.
 */
function parseIdRange(u: OptionUse, ctx: BuildContext): NumRange | undefined {
  const text = u.values[0] ?? "";
  if (text === "root") return { min: 0, max: 0 };
  const m = /^([^-:]+)(?:[-:](.+))?$/.exec(text);
  const lo = m ? parseUint(m[1], 0, MAX_ID) : undefined;
  const hi = m && m[2] !== undefined ? parseUint(m[2], 0, MAX_ID) : lo;
  if (lo === undefined || hi === undefined) {
    const kind = u.name === "uid-owner" ? "user" : "group";
    if (m && /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(text)) {
      return ctx.error("bad-value", `--${u.name} "${text}": ${kind} names are resolved on the machine that loads the rules, which iptrace cannot see; give the numeric id (iptables-save prints numbers)`, u, 0);
    }
    return ctx.error("bad-value", `--${u.name} expects an id or a range ID-ID (0 to ${MAX_ID}), found "${text}"`, u, 0);
  }
  // kernel (owner_check): a reversed range is refused
  if (hi < lo) return ctx.error("bad-value", `--${u.name} range "${text}" is reversed; the kernel refuses it`, u, 0);
  return { min: lo, max: hi };
}

function formatIds(r: NumRange): string {
  return r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`;
}

export const owner: MatchExtension<OwnerMatch> = {
  name: "owner",
  options: [
    { name: "uid-owner", args: 1, invertible: true },
    { name: "gid-owner", args: 1, invertible: true },
    { name: "socket-exists", args: 0, invertible: true },
    { name: "suppl-groups", args: 0 },
  ],
  build(uses, ctx) {
    const m: { -readonly [K in keyof OwnerMatch]: OwnerMatch[K] } = { module: "owner" };
    for (const u of uses) {
      switch (u.name) {
        case "uid-owner":
        case "gid-owner": {
          const r = parseIdRange(u, ctx);
          if (!r) return undefined;
          if (u.name === "uid-owner") m.uid = { value: r, invert: u.invert };
          else m.gid = { value: r, invert: u.invert };
          break;
        }
        case "socket-exists":
          m.socketExists = { value: true, invert: u.invert };
          break;
        case "suppl-groups":
          if (!m.gid) return ctx.error("bad-value", "--suppl-groups needs --gid-owner before it", u);
          m.supplGroups = true;
          break;
      }
    }
    if (!m.uid && !m.gid && !m.socketExists) return ctx.error("missing-value", "-m owner needs --uid-owner, --gid-owner or --socket-exists", ctx.where);
    // kernel: xt_owner is registered for LOCAL_OUT and POST_ROUTING only
    if (!checkHooks(ctx, "-m owner", ["OUTPUT", "POSTROUTING"])) return undefined;
    return m;
  },
  print(m) {
    const parts: string[] = [];
    if (m.socketExists) parts.push(`${bang(m.socketExists.invert)}--socket-exists`);
    if (m.uid) parts.push(`${bang(m.uid.invert)}--uid-owner ${formatIds(m.uid.value)}`);
    if (m.gid) parts.push(`${bang(m.gid.invert)}--gid-owner ${formatIds(m.gid.value)}`);
    if (m.supplGroups) parts.push("--suppl-groups");
    return parts.join(" ");
  },
  compile(m) {
    const { uid, gid, socketExists, supplGroups } = m;
    // kernel (owner_mt): without a socket, the match holds only when every option used is negated
    // ((match ^ invert) == 0; --suppl-groups is a match bit that is never inverted)
    const noSocket = !supplGroups && [uid, gid, socketExists].every((o) => !o || o.invert);
    const test = (p: { local: boolean; uid: number; gid: number }) => {
      // a locally generated packet with a known owner has a socket; forwarded packets and the
      // kernel's own replies (uid -1) have none
      if (!p.local || p.uid < 0) return noSocket;
      if (socketExists?.invert) return false;
      if (uid && (p.uid >= uid.value.min && p.uid <= uid.value.max) === uid.invert) return false;
      if (gid && (p.gid >= gid.value.min && p.gid <= gid.value.max) === gid.invert) return false;
      return true;
    };
    return supplGroups
      ? { kind: "test", test, assumption: "owner --suppl-groups: the socket owner is assumed to have no supplementary groups" }
      : { kind: "test", test };
  },
};
