/**
 * -m conntrack and -m state. Every saved form below was checked against iptables-nft-save 1.8.9
 * (nf_tables) in a network namespace: restore the input, save, compare.
 */
import { describe, expect, it } from "vitest";
import { CtState, CtStatus } from "../../../src/sim/packet.js";
import { makePacket } from "../packet.js";
import { col, compiled, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const KERNEL_FORMS: readonly (readonly [string, string])[] = [
  ["-m conntrack --ctstate ESTABLISHED,RELATED", "-m conntrack --ctstate RELATED,ESTABLISHED"],
  ["-m conntrack --ctstate DNAT,SNAT,UNTRACKED,NEW", "-m conntrack --ctstate NEW,UNTRACKED,SNAT,DNAT"],
  ["-m conntrack --ctstate est,rel", "-m conntrack --ctstate RELATED,ESTABLISHED"],
  ["-m conntrack ! --ctstate NEW", "-m conntrack ! --ctstate NEW"],
  ["-m conntrack --ctproto tcp", "-m conntrack --ctproto 6"],
  ["-m conntrack --ctproto all", "-m conntrack --ctproto 0"],
  ["-m conntrack --ctorigsrc 10.0.0.1 --ctorigdst 10.0.0.0/8", "-m conntrack --ctorigsrc 10.0.0.1 --ctorigdst 10.0.0.0/8"],
  ["-m conntrack --ctorigsrc 10.0.0.1/8", "-m conntrack --ctorigsrc 10.0.0.1/8"],
  ["-m conntrack --ctorigsrc 10.0.0.1/255.0.255.0", "-m conntrack --ctorigsrc 10.0.0.1"],
  ["-m conntrack --ctorigsrc 10.1.2.3/255.255.0.0", "-m conntrack --ctorigsrc 10.1.2.3/16"],
  ["-m conntrack --ctorigsrc 10.1.2.3/0x10", "-m conntrack --ctorigsrc 10.1.2.3/16"],
  ["-m conntrack --ctorigsrc 0.0.0.0/0", "-m conntrack --ctorigsrc 0.0.0.0/0"],
  ["-m conntrack ! --ctreplsrc 192.168.1.0/24 ! --ctrepldst 192.168.2.1", "-m conntrack ! --ctreplsrc 192.168.1.0/24 ! --ctrepldst 192.168.2.1"],
  ["-m conntrack --ctorigsrcport 10:5", "-m conntrack --ctorigsrcport 10:5"],
  ["-m conntrack --ctorigsrcport http", "-m conntrack --ctorigsrcport 80"],
  ["-m conntrack --ctorigdstport :5", "-m conntrack --ctorigdstport 0:5"],
  ["-m conntrack --ctorigdstport 5:", "-m conntrack --ctorigdstport 5:65535"],
  ["-m conntrack --ctstatus ASSURED,SEEN_REPLY", "-m conntrack --ctstatus SEEN_REPLY,ASSURED"],
  ["-m conntrack --ctstatus CONFIRMED,NONE", "-m conntrack --ctstatus CONFIRMED"],
  ["-m conntrack --ctstatus NONE", "-m conntrack --ctstatus NONE"],
  ["-m conntrack --ctstatus seen", "-m conntrack --ctstatus SEEN_REPLY"],
  ["-m conntrack --ctexpire 10:5", "-m conntrack --ctexpire 10:5"],
  ["-m conntrack --ctexpire 5:", "-m conntrack --ctexpire 5:4294967295"],
  ["-m conntrack --ctexpire 0x10", "-m conntrack --ctexpire 16"],
  ["-m conntrack --ctdir original", "-m conntrack --ctdir ORIGINAL"],
  [
    "-m conntrack --ctdir REPLY --ctexpire 5 --ctstatus ASSURED --ctrepldstport 5 --ctreplsrcport 4 --ctorigdstport 3 --ctorigsrcport 2 --ctrepldst 1.1.1.1 --ctreplsrc 2.2.2.2 --ctorigdst 3.3.3.3 --ctorigsrc 4.4.4.4 --ctproto udp --ctstate NEW",
    "-m conntrack --ctstate NEW --ctproto 17 --ctorigsrc 4.4.4.4 --ctorigdst 3.3.3.3 --ctreplsrc 2.2.2.2 --ctrepldst 1.1.1.1 --ctorigsrcport 2 --ctorigdstport 3 --ctreplsrcport 4 --ctrepldstport 5 --ctstatus ASSURED --ctexpire 5 --ctdir REPLY",
  ],
  ["-m state --state ESTABLISHED,RELATED", "-m state --state RELATED,ESTABLISHED"],
  ["-m state ! --state INVALID", "-m state ! --state INVALID"],
  ["-m state --state est", "-m state --state ESTABLISHED"],
  ["-m state ! --state NEW,RELATED,ESTABLISHED,INVALID,UNTRACKED", "-m state ! --state INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED"],
];

const KERNEL_FORMS_V6: readonly (readonly [string, string])[] = [
  ["-m conntrack --ctorigsrc 2001:db8::1 --ctorigdst 2001:db8::/32 --ctreplsrc ::ffff:1.2.3.4/96", "-m conntrack --ctorigsrc 2001:db8::1 --ctorigdst 2001:db8::/32 --ctreplsrc ::ffff:1.2.3.4/96"],
  ["-m conntrack --ctorigsrc 2001:db8::1/64", "-m conntrack --ctorigsrc 2001:db8::1/64"],
  ["-m conntrack --ctorigsrc ::/0", "-m conntrack --ctorigsrc ::/0"],
  ["-m state --state NEW", "-m state --state NEW"],
];

describe("conntrack and state: saved forms", () => {
  for (const [input, saved] of KERNEL_FORMS) {
    it(`${input} → ${saved}`, () => {
      expect(savedForm(`-A INPUT ${input} -j ACCEPT`)).toBe(`-A INPUT ${saved} -j ACCEPT`);
    });
  }
  for (const [input, saved] of KERNEL_FORMS_V6) {
    it(`IPv6: ${input} → ${saved}`, () => {
      expect(savedForm(`-A INPUT ${input} -j ACCEPT`, { family: 6 })).toBe(`-A INPUT ${saved} -j ACCEPT`);
    });
  }
});

describe("conntrack: typed model", () => {
  it("keeps state, status and the written address with its network", () => {
    expect(typed("-A INPUT -m conntrack ! --ctstate NEW,DNAT --ctorigsrc 10.0.0.1/8 --ctstatus NONE --ctdir REPLY", "conntrack")).toEqual({
      module: "conntrack",
      state: { value: CtState.NEW | CtState.DNAT, invert: true },
      origSrc: { value: { host: 0x0a000001, net: { family: 4, addr: 0x0a000000, mask: 0xff000000 } }, invert: false },
      status: { value: 0, invert: false },
      dir: "REPLY",
    });
  });
  it("keeps ports and expiry as ranges", () => {
    expect(typed("-A INPUT -m conntrack --ctorigdstport 2000:3000 ! --ctexpire 5", "conntrack")).toEqual({
      module: "conntrack",
      origDstPort: { value: { min: 2000, max: 3000 }, invert: false },
      expire: { value: { min: 5, max: 5 }, invert: true },
    });
  });
  it("types -m state as bits", () => {
    expect(typed("-A INPUT -m state ! --state INVALID,UNTRACKED", "state")).toEqual({ module: "state", states: CtState.INVALID | CtState.UNTRACKED, invert: true });
  });
});

describe("conntrack: bad input", () => {
  const line = firstRuleLine();
  const cases: readonly (readonly [string, string, string])[] = [
    ["-A INPUT -m conntrack --ctstate FOO -j ACCEPT", "FOO", "bad-value"],
    ["-A INPUT -m conntrack --ctstate NEW, -j ACCEPT", "NEW,", "bad-value"],
    ["-A INPUT -m conntrack --ctstatus BOGUS -j ACCEPT", "BOGUS", "bad-value"],
    ["-A INPUT -m conntrack --ctproto nosuchproto -j ACCEPT", "nosuchproto", "bad-protocol"],
    ["-A INPUT -m conntrack --ctorigsrc 10.0.0.300 -j ACCEPT", "10.0.0.300", "bad-address"],
    ["-A INPUT -m conntrack --ctorigsrc 10.0.0.1/33 -j ACCEPT", "10.0.0.1/33", "bad-address"],
    ["-A INPUT -m conntrack --ctorigsrcport 70000 -j ACCEPT", "70000", "bad-port"],
    ["-A INPUT -m conntrack --ctdir SIDEWAYS -j ACCEPT", "SIDEWAYS", "bad-value"],
    ["-A INPUT -m state --state SNAT -j ACCEPT", "SNAT", "bad-value"],
  ];
  for (const [rule, word, code] of cases) {
    it(`${rule} → ${code} at "${word}"`, () => {
      const errs = errorsOf(rule);
      expect(errs[0]).toMatchObject({ code, line, column: col(rule, word) });
    });
  }
  it("refuses -m conntrack without options and -m state without --state, at the module name", () => {
    expect(errorsOf("-A INPUT -m conntrack -j ACCEPT")[0]).toMatchObject({ code: "missing-value", line, column: col("-A INPUT -m conntrack -j ACCEPT", "conntrack") });
    expect(errorsOf("-A INPUT -m state -j ACCEPT")[0]).toMatchObject({ code: "missing-value", line });
  });
  it("refuses a second --ctstate and a negated --ctdir", () => {
    expect(errorsOf("-A INPUT -m conntrack --ctstate NEW --ctstate INVALID -j ACCEPT")[0]?.code).toBe("duplicate-option");
    expect(errorsOf("-A INPUT -m conntrack ! --ctdir REPLY -j ACCEPT")[0]?.code).toBe("syntax");
  });
});

describe("conntrack: semantics", () => {
  const est = makePacket({ ctState: CtState.ESTABLISHED, ctStatus: CtStatus.SEEN_REPLY | CtStatus.ASSURED | CtStatus.CONFIRMED });
  const fresh = makePacket({ ctState: CtState.NEW });
  const invalid = makePacket({ ctState: CtState.INVALID });
  const untracked = makePacket({ ctState: CtState.UNTRACKED });
  const dnatted = makePacket({ ctState: CtState.NEW | CtState.DNAT });

  it("--ctstate tests the state bits, SNAT/DNAT included", () => {
    const t = testOf("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED", "conntrack").test;
    expect([t(est), t(fresh), t(invalid), t(untracked)]).toEqual([true, false, false, false]);
    const d = testOf("-A INPUT -m conntrack --ctstate DNAT", "conntrack").test;
    expect([d(dnatted), d(fresh)]).toEqual([true, false]);
  });
  it("! --ctstate NEW matches INVALID and UNTRACKED packets too", () => {
    const t = testOf("-A INPUT -m conntrack ! --ctstate NEW", "conntrack").test;
    expect([t(est), t(fresh), t(invalid), t(untracked)]).toEqual([true, false, true, true]);
  });
  it("without a conntrack entry only --ctstate can match (kernel: ct == NULL returns the state flag)", () => {
    const t = testOf("-A INPUT -m conntrack ! --ctstatus ASSURED", "conntrack").test;
    expect([t(fresh), t(invalid), t(untracked)]).toEqual([true, false, false]);
    const u = testOf("-A INPUT -m conntrack --ctstate UNTRACKED ! --ctstatus ASSURED", "conntrack").test;
    expect(u(untracked)).toBe(true);
  });
  it("--ctstatus NONE matches nothing, ! --ctstatus NONE everything tracked", () => {
    expect(testOf("-A INPUT -m conntrack --ctstatus NONE", "conntrack").test(fresh)).toBe(false);
    expect(testOf("-A INPUT -m conntrack ! --ctstatus NONE", "conntrack").test(fresh)).toBe(true);
  });
  it("compares tuple addresses with the mask, the written host bits ignored", () => {
    const t = testOf("-A INPUT -m conntrack --ctorigsrc 10.0.0.99/8 ! --ctrepldst 10.0.0.5", "conntrack").test;
    expect(t(est)).toBe(true);
    expect(t(makePacket({ ctState: CtState.ESTABLISHED, ctOrigSrc: 0x0b000001 }))).toBe(false);
    expect(t(makePacket({ ctState: CtState.ESTABLISHED, ctReplDst: 0x0a000005 }))).toBe(false);
  });
  it("IPv6 tuples", () => {
    const t = testOf("-A INPUT -m conntrack --ctorigsrc 2001:db8::/32", "conntrack", { family: 6 }).test;
    expect(t(makePacket({ family: 6 }))).toBe(true);
    expect(t(makePacket({ family: 6, ctOrigSrc: 0x20010db9000000000000000000000001n }))).toBe(false);
  });
  it("ports, protocol and direction", () => {
    const t = testOf("-A INPUT -m conntrack --ctproto tcp --ctorigdstport 80 --ctreplsrcport 70:90 --ctdir ORIGINAL", "conntrack").test;
    expect(t(fresh)).toBe(true);
    expect(t(makePacket({ ctReply: true }))).toBe(false);
    expect(t(makePacket({ proto: 17 }))).toBe(false);
    expect(t(makePacket({ ctOrigDport: 81 }))).toBe(false);
    const reply = testOf("-A INPUT -m conntrack --ctdir REPLY", "conntrack").test;
    expect([reply(fresh), reply(makePacket({ ctReply: true }))]).toEqual([false, true]);
  });
  it("a reversed port range never matches", () => {
    expect(testOf("-A INPUT -m conntrack --ctorigsrcport 10:5", "conntrack").test(makePacket({ ctOrigSport: 7 }))).toBe(false);
  });
  it("--ctexpire is unsupported: the remaining timeout is not modelled", () => {
    expect(compiled("-A INPUT -m conntrack --ctexpire 10:100", "conntrack")).toMatchObject({ kind: "unsupported", reason: expect.stringContaining("--ctexpire") });
  });
  it("-m state", () => {
    const t = testOf("-A INPUT -m state --state NEW,UNTRACKED", "state").test;
    expect([t(est), t(fresh), t(invalid), t(untracked)]).toEqual([false, true, false, true]);
    const n = testOf("-A INPUT -m state ! --state INVALID", "state").test;
    expect([n(est), n(invalid), n(untracked)]).toEqual([true, false, true]);
  });
});
