/** CT and NOTRACK: raw-only, print order, zones, and untracking. */
import { describe, expect, it } from "vitest";
import { ALREADY_TRACKED, ct, type CtTarget } from "../../../src/ext/target/ct.js";
import { notrack } from "../../../src/ext/target/notrack.js";
import { makeEnv, makePacket } from "../packet.js";
import { firstRuleLine, parseRules, RecordingWalk } from "./helpers.js";

// Checked against iptables-nft-save 1.8.9 in a namespace (raw PREROUTING). NOTRACK stays NOTRACK.
const KERNEL_FORMS: readonly [4 | 6, string, string][] = [
  [4, "-j CT --notrack", "-j CT --notrack"],
  [4, "-j NOTRACK", "-j NOTRACK"],
  [6, "-j NOTRACK", "-j NOTRACK"],
  [4, "-j CT", "-j CT"],
  [4, "-j CT --zone 5", "-j CT --zone 5"],
  [4, "-j CT --zone 0", "-j CT"],
  [4, "-j CT --zone-orig 5", "-j CT --zone-orig 5"],
  [4, "-j CT --zone-orig 0", "-j CT"],
  [4, "-j CT --zone-reply 5", "-j CT --zone-reply 5"],
  [4, "-j CT --zone mark", "-j CT --zone mark"],
  [4, "-j CT --zone-orig mark", "-j CT --zone-orig mark"],
  [4, "-j CT --zone-orig 3 --zone-reply 4", "-j CT --zone 4"],
  [4, "-j CT --ctevents new,related,destroy,reply,assured,protoinfo,helper,mark,natseqinfo,secmark", "-j CT --ctevents new,related,destroy,reply,assured,protoinfo,helper,mark,natseqinfo,secmark"],
  [4, "-j CT --expevents new", "-j CT --expevents new"],
  [4, "-j CT --zone 5 --ctevents new --expevents new", "-j CT --ctevents new --expevents new --zone 5"],
  [4, "-j CT --notrack --zone 5", "-j CT --notrack --zone 5"],
  [4, "-p tcp -j CT --helper ftp --zone 3 --ctevents new --expevents new --notrack", "-p tcp -j CT --notrack --helper ftp --ctevents new --expevents new --zone 3"],
];

describe("CT/NOTRACK: canonical print (checked against iptables-nft-save 1.8.9)", () => {
  it.each(KERNEL_FORMS)("IPv%s %s", (family, input, saved) => {
    const r = parseRules("raw", [`-A PREROUTING ${input}`], family);
    expect(r.errors).toEqual([]);
    expect(r.printed).toEqual([`-A PREROUTING ${saved}`]);
  });
  it("typed form", () => {
    expect(parseRules("raw", ["-A OUTPUT -j CT --zone-reply mark --ctevents mark,new"]).targets[0]).toEqual({
      name: "CT", notrack: false, helper: "", ctEvents: 0b10000001, expEvents: 0, zone: { id: 0, fromMark: true, orig: false, reply: true }, timeout: "",
    } satisfies CtTarget);
  });
});

describe("CT/NOTRACK: refused input", () => {
  it.each([
    ["mangle", "-A PREROUTING -j CT --notrack"],
    ["filter", "-A INPUT -j NOTRACK"],
    ["nat", "-A OUTPUT -j CT --zone 1"],
  ] as const)("%s: %s (xt_CT: table raw)", (table, input) => {
    expect(parseRules(table, [input]).errors.map((i) => [i.code, i.line])).toEqual([["target-not-allowed", firstRuleLine(table)]]);
  });
  it.each([
    ["-A PREROUTING -j CT --ctevents bogus", "bad-value", "bogus"],
    ["-A PREROUTING -j CT --expevents related", "bad-value", "related"],
    ["-A PREROUTING -j CT --zone 65536", "bad-value", "65536"],
    ["-A PREROUTING -j NOTRACK --zone 1", "unknown-option", "--zone"],
  ])("%s → %s", (input, code, word) => {
    const r = parseRules("raw", [input]);
    expect(r.errors.map((i) => [i.code, i.line, i.column])).toEqual([[code, firstRuleLine("raw"), input.indexOf(word) + 1]]);
  });
});

describe("CT/NOTRACK: semantics", () => {
  const env = makeEnv();
  it("CT --notrack and NOTRACK untrack the packet and continue", () => {
    for (const c of [ct.compile(parseRules("raw", ["-A PREROUTING -j CT --notrack"]).targets[0] as CtTarget, env), notrack.compile({ name: "NOTRACK" }, env)]) {
      const w = new RecordingWalk();
      if (c.kind !== "effect") throw new Error(c.kind);
      expect(c.apply(makePacket({ table: "raw", hook: "PREROUTING" }), w)).toBe("CONTINUE");
      expect(w.untracked).toBe(true);
    }
  });
  it("CT --zone and --helper set the connection's zone and helper", () => {
    const t = parseRules("raw", ["-A PREROUTING -p tcp -j CT --zone mark --helper ftp"]).targets[0] as CtTarget;
    const c = ct.compile(t, env);
    const p = makePacket({ mark: 0x12345 });
    const w = new RecordingWalk();
    if (c.kind !== "effect") throw new Error(c.kind);
    expect(c.apply(p, w)).toBe("CONTINUE");
    expect([p.ctZone, p.ctHelper, w.untracked]).toEqual([0x2345, "ftp", false]);
  });
  it("CT and NOTRACK leave a packet that already has its connection (looped back) alone, and say so", () => {
    const t = parseRules("raw", ["-A PREROUTING -p tcp -j CT --zone 7 --helper ftp"]).targets[0] as CtTarget;
    const compiled = [ct.compile(t, env), ct.compile(parseRules("raw", ["-A PREROUTING -j CT --notrack"]).targets[0] as CtTarget, env), notrack.compile({ name: "NOTRACK" }, env)];
    for (const c of compiled) {
      const p = makePacket({ table: "raw", hook: "PREROUTING" });
      const w = new RecordingWalk();
      w.connection = true;
      if (c.kind !== "effect") throw new Error(c.kind);
      expect(c.apply(p, w)).toBe("CONTINUE");
      expect([p.ctZone, p.ctHelper, w.untracked]).toEqual([0, "", false]);
      expect(w.notes).toEqual([ALREADY_TRACKED]);
    }
  });
});
