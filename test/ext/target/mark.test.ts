/** MARK and CONNMARK: every option form and its XOR normal form, and the kernel's arithmetic. */
import { describe, expect, it } from "vitest";
import { mark, type MarkTarget } from "../../../src/ext/target/mark.js";
import { connmark, type ConnmarkTarget } from "../../../src/ext/target/connmark.js";
import type { CompiledTarget } from "../../../src/ext/types.js";
import type { PacketState } from "../../../src/sim/packet.js";
import { CtState } from "../../../src/sim/packet.js";
import { makeEnv, makePacket } from "../packet.js";
import { firstRuleLine, parseRules, RecordingWalk } from "./helpers.js";

// Checked against iptables-nft-save 1.8.9 in a namespace (mangle PREROUTING).
const KERNEL_FORMS: readonly [string, string][] = [
  ["-j MARK --set-mark 1", "-j MARK --set-xmark 0x1/0xffffffff"],
  ["-j MARK --set-mark 0", "-j MARK --set-xmark 0x0/0xffffffff"],
  ["-j MARK --set-mark 0x10/0xff", "-j MARK --set-xmark 0x10/0xff"],
  ["-j MARK --set-mark 0x100/0xff", "-j MARK --set-xmark 0x100/0x1ff"],
  ["-j MARK --set-xmark 0x10/0xff", "-j MARK --set-xmark 0x10/0xff"],
  ["-j MARK --set-xmark 0x10", "-j MARK --set-xmark 0x10/0xffffffff"],
  ["-j MARK --or-mark 0x4", "-j MARK --set-xmark 0x4/0x4"],
  ["-j MARK --and-mark 0xfff0", "-j MARK --set-xmark 0x0/0xffff000f"],
  ["-j MARK --xor-mark 0x5", "-j MARK --set-xmark 0x5/0x0"],
  ["-j CONNMARK --set-mark 1", "-j CONNMARK --set-xmark 0x1/0xffffffff"],
  ["-j CONNMARK --set-mark 0x10/0xff", "-j CONNMARK --set-xmark 0x10/0xff"],
  ["-j CONNMARK --set-mark 0x100/0xff", "-j CONNMARK --set-xmark 0x100/0x1ff"],
  ["-j CONNMARK --set-xmark 0x10", "-j CONNMARK --set-xmark 0x10/0xffffffff"],
  ["-j CONNMARK --or-mark 0x4", "-j CONNMARK --set-xmark 0x4/0x4"],
  ["-j CONNMARK --and-mark 0xfff0", "-j CONNMARK --set-xmark 0x0/0xffff000f"],
  ["-j CONNMARK --xor-mark 0x5", "-j CONNMARK --set-xmark 0x5/0x0"],
  ["-j CONNMARK --set-mark 1 --mask 0xff", "-j CONNMARK --set-xmark 0x1/0xff"],
  ["-j CONNMARK --set-mark 1/2 --ctmask 3", "-j CONNMARK --set-xmark 0x1/0x3"],
  ["-j CONNMARK --set-xmark 0x10/0xff --nfmask 0xff", "-j CONNMARK --set-xmark 0x10/0xff"],
  ["-j CONNMARK --set-xmark 0x10/0xff --ctmask 0xf", "-j CONNMARK --set-xmark 0x10/0xf"],
  ["-j CONNMARK --set-xmark 0x10/0xff --mask 0xf", "-j CONNMARK --set-xmark 0x10/0xf"],
  ["-j CONNMARK --save-mark", "-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff"],
  ["-j CONNMARK --save-mark --mask 0xff", "-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff"],
  ["-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xf0", "-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xf0"],
  ["-j CONNMARK --save-mark --nfmask 0xff", "-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xffffffff"],
  ["-j CONNMARK --restore-mark", "-j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff"],
  ["-j CONNMARK --restore-mark --ctmask 0xf0", "-j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xf0"],
  ["-j CONNMARK --save-mark --right-shift-mark 8", "-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff --right-shift-mark 8"],
  ["-j CONNMARK --restore-mark --left-shift-mark 8 --mask 0xff", "-j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff --left-shift-mark 8"],
  ["-j CONNMARK --save-mark --left-shift-mark 0", "-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff"],
  ["-j CONNMARK --set-mark 0x10 --left-shift-mark 2", "-j CONNMARK --set-xmark 0x10/0xffffffff --left-shift-mark 2"],
];

describe("MARK/CONNMARK: canonical print (checked against iptables-nft-save 1.8.9)", () => {
  it.each(KERNEL_FORMS)("%s", (input, saved) => {
    const r = parseRules("mangle", [`-A PREROUTING ${input}`]);
    expect(r.errors).toEqual([]);
    expect(r.printed).toEqual([`-A PREROUTING ${saved}`]);
  });
  it("MARK and CONNMARK are accepted in every table (seen: filter, nat, raw)", () => {
    for (const table of ["filter", "nat", "raw", "security"] as const) {
      const chain = table === "raw" || table === "nat" ? "PREROUTING" : "INPUT";
      expect(parseRules(table, [`-A ${chain} -j MARK --set-mark 1`, `-A ${chain} -j CONNMARK --set-mark 1`]).errors).toEqual([]);
    }
  });
  it("typed forms", () => {
    expect(parseRules("mangle", ["-A PREROUTING -j MARK --or-mark 0x4"]).targets[0]).toEqual({ name: "MARK", value: 4, mask: 4 } satisfies MarkTarget);
    expect(parseRules("mangle", ["-A PREROUTING -j CONNMARK --save-mark --mask 0xff"]).targets[0]).toEqual({ name: "CONNMARK", mode: "save", nfmask: 0xff, ctmask: 0xff } satisfies ConnmarkTarget);
  });
});

describe("MARK/CONNMARK: refused input", () => {
  const line = firstRuleLine("mangle");
  it.each([
    ["-A PREROUTING -j MARK", "missing-value", "MARK"],
    ["-A PREROUTING -j MARK --set-mark 1 --or-mark 2", "bad-value", "--or-mark"],
    ["-A PREROUTING -j MARK --set-xmark 0x10/0xff --set-mark 1", "bad-value", "--set-mark 1"],
    ["-A PREROUTING -j MARK --set-mark 0x100000000", "bad-mark", "0x100000000"],
    ["-A PREROUTING -j MARK --set-xmark 0x10/0xff/0x1", "bad-mark", "0x10/0xff/0x1"],
    ["-A PREROUTING -j CONNMARK --save-mark --set-mark 1", "bad-value", "--set-mark"],
    ["-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --mask 0xf", "bad-value", "--mask"],
    ["-A PREROUTING -j CONNMARK --save-mark --left-shift-mark 33", "bad-value", "33"],
    ["-A PREROUTING -j CONNMARK --save-mark --shift 8", "unknown-option", "--shift"],
  ])("%s → %s", (input, code, word) => {
    const r = parseRules("mangle", [input]);
    expect(r.errors.map((i) => [i.code, i.line, i.column])).toEqual([[code, line, input.indexOf(word) + 1]]);
  });
});

function apply(c: CompiledTarget, p: PacketState): string {
  if (c.kind !== "effect") throw new Error(c.kind);
  return c.apply(p, new RecordingWalk());
}

describe("MARK/CONNMARK: semantics", () => {
  const env = makeEnv();
  const tgt = <T>(rule: string): T => parseRules("mangle", [`-A PREROUTING ${rule}`]).targets[0] as T;
  it("MARK: mark = (mark & ~mask) ^ value", () => {
    const p = makePacket({ mark: 0xabcd1234 });
    expect(apply(mark.compile(tgt<MarkTarget>("-j MARK --set-mark 0x10/0xff"), env), p)).toBe("CONTINUE");
    expect(p.mark).toBe(0xabcd1210);
    apply(mark.compile(tgt<MarkTarget>("-j MARK --or-mark 0x80000000"), env), p);
    expect(p.mark).toBe(0xabcd1210);
    apply(mark.compile(tgt<MarkTarget>("-j MARK --and-mark 0xffff"), env), p);
    expect(p.mark).toBe(0x1210);
    apply(mark.compile(tgt<MarkTarget>("-j MARK --xor-mark 0x1"), env), p);
    expect(p.mark).toBe(0x1211);
    apply(mark.compile(tgt<MarkTarget>("-j MARK --set-mark 0x4000/0x4000"), env), p);
    expect(p.mark).toBe(0x5211);
  });
  it("CONNMARK set/save/restore with masks and shifts (xt_connmark.c revision 2)", () => {
    const p = makePacket({ mark: 0x12345678, ctmark: 0xff00ff00 });
    apply(connmark.compile(tgt<ConnmarkTarget>("-j CONNMARK --set-xmark 0x1/0xff"), env), p);
    expect(p.ctmark).toBe(0xff00ff01);
    apply(connmark.compile(tgt<ConnmarkTarget>("-j CONNMARK --save-mark --nfmask 0xff --ctmask 0xffff"), env), p);
    expect(p.ctmark).toBe(0xff000078);
    p.mark = 0xaaaaaaaa;
    apply(connmark.compile(tgt<ConnmarkTarget>("-j CONNMARK --restore-mark --mask 0xff00"), env), p);
    expect(p.mark).toBe(0xaaaa00aa);
    apply(connmark.compile(tgt<ConnmarkTarget>("-j CONNMARK --restore-mark --ctmask 0xff --nfmask 0xff00 --left-shift-mark 8"), env), p);
    expect(p.mark).toBe(0xaaaa78aa);
    apply(connmark.compile(tgt<ConnmarkTarget>("-j CONNMARK --save-mark --right-shift-mark 16"), env), p);
    expect(p.ctmark).toBe(0x0000aaaa);
  });
  it("CONNMARK does nothing without a connection (untracked or invalid)", () => {
    const p = makePacket({ mark: 7, ctmark: 0, ctState: CtState.UNTRACKED });
    apply(connmark.compile(tgt<ConnmarkTarget>("-j CONNMARK --save-mark"), env), p);
    expect(p.ctmark).toBe(0);
  });
});
