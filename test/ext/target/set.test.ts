/** SET target: add/del operands, flags, print order, and what the walk says. */
import { describe, expect, it } from "vitest";
import { setTarget, type SetTarget } from "../../../src/ext/target/set.js";
import { makeEnv, makePacket } from "../packet.js";
import { firstRuleLine, parseRules, RecordingWalk } from "./helpers.js";

// Checked against iptables-nft-save 1.8.9 in a namespace with sets s1 (hash:ip) and s2 (hash:ip,port).
const KERNEL_FORMS: readonly [string, string][] = [
  ["-j SET --add-set s1 src", "-j SET --add-set s1 src"],
  ["-j SET --add-set s1 src --exist --timeout 600", "-j SET --add-set s1 src --exist --timeout 600"],
  ["-j SET --del-set s1 dst", "-j SET --del-set s1 dst"],
  ["-j SET --add-set s2 src,dst", "-j SET --add-set s2 src,dst"],
  ["-j SET --add-set s1 src --del-set s2 dst,dst", "-j SET --add-set s1 src --del-set s2 dst,dst"],
  ["-j SET --del-set s2 dst --add-set s1 src --exist --timeout 5", "-j SET --add-set s1 src --exist --timeout 5 --del-set s2 dst"],
  ["-j SET --add-set s1 src --timeout 5 --exist --del-set s2 dst", "-j SET --add-set s1 src --exist --timeout 5 --del-set s2 dst"],
];

describe("SET: canonical print (checked against iptables-nft-save 1.8.9)", () => {
  it.each(KERNEL_FORMS)("%s", (input, saved) => {
    const r = parseRules("filter", [`-A INPUT ${input}`]);
    expect(r.errors).toEqual([]);
    expect(r.printed).toEqual([`-A INPUT ${saved}`]);
  });
  it("typed form and any table (seen: raw PREROUTING)", () => {
    const r = parseRules("raw", ["-A PREROUTING -j SET --add-set s2 src,dst --exist"]);
    expect(r.errors).toEqual([]);
    expect(r.targets[0]).toEqual({ name: "SET", add: { set: "s2", dirs: ["src", "dst"] }, exist: true, mapMark: false, mapPrio: false, mapQueue: false } satisfies SetTarget);
  });
});

describe("SET: refused input", () => {
  it.each([
    ["-A INPUT -j SET", "missing-value", "SET"],
    ["-A INPUT -j SET --add-set s1 sideways", "bad-value", "sideways"],
    ["-A INPUT -j SET --add-set s1 src,dst,src,dst,src,dst,src", "bad-value", "src,dst,src,dst,src,dst,src"],
    ["-A INPUT -j SET --add-set s1 src --timeout x", "bad-value", "x"],
  ])("%s → %s", (input, code, word) => {
    const r = parseRules("filter", [input]);
    expect(r.errors.map((i) => [i.code, i.line, i.column])).toEqual([[code, firstRuleLine("filter"), input.indexOf(word) + 1]]);
  });
});

describe("SET: semantics", () => {
  it("continues and says the sets are not changed for later matches", () => {
    const t = parseRules("filter", ["-A INPUT -j SET --add-set s1 src"]).targets[0] as SetTarget;
    const c = setTarget.compile(t, makeEnv());
    const w = new RecordingWalk();
    if (c.kind !== "effect") throw new Error(c.kind);
    expect(c.apply(makePacket(), w)).toBe("CONTINUE");
    expect(w.notes[0]).toMatch(/adds src to set s1.*not as changed here/);
  });
  it("--map-set is unsupported", () => {
    const t = parseRules("mangle", ["-A POSTROUTING -j SET --map-set s1 src --map-mark"]).targets[0] as SetTarget;
    expect(setTarget.compile(t, makeEnv())).toMatchObject({ kind: "unsupported" });
  });
});
