/**
 * -m multiport, -m sctp and -m dccp. Saved forms checked against iptables-nft-save 1.8.9 in a
 * network namespace.
 */
import { describe, expect, it } from "vitest";
import { makePacket } from "../packet.js";
import { col, compiled, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const KERNEL_FORMS: readonly (readonly [string, string])[] = [
  ["-p tcp -m multiport --dports 80,443", "-p tcp -m multiport --dports 80,443"],
  ["-p tcp -m multiport --dports http,https,ssh", "-p tcp -m multiport --dports 80,443,22"],
  ["-p udp -m multiport --sports 53,123", "-p udp -m multiport --sports 53,123"],
  ["-p tcp -m multiport --ports 1000:2000,3000", "-p tcp -m multiport --ports 1000:2000,3000"],
  ["-p tcp -m multiport ! --dports 22,80:90", "-p tcp -m multiport ! --dports 22,80:90"],
  ["-p tcp -m multiport --destination-ports 8000:8100", "-p tcp -m multiport --dports 8000:8100"],
  ["-p tcp -m multiport --source-ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15", "-p tcp -m multiport --sports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15"],
  ["-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:15", "-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:15"],
  ["-p tcp -m multiport --dports 0:65535", "-p tcp -m multiport --dports 0:65535"],
  ["-p tcp -m multiport --ports ssh,1000:1002", "-p tcp -m multiport --ports 22,1000:1002"],
  ["-p sctp -m multiport --dports 3868,2905", "-p sctp -m multiport --dports 3868,2905"],
  ["-p udplite -m multiport --dports 5000", "-p udplite -m multiport --dports 5000"],
  ["-p dccp -m multiport --dports 5", "-p dccp -m multiport --dports 5"],
  ["-p sctp --dport 3868", "-p sctp -m sctp --dport 3868"],
  ["-p sctp -m sctp --dport 5 --sport 6", "-p sctp -m sctp --sport 6 --dport 5"],
  ["-p sctp -m sctp --sport 0:65535", "-p sctp -m sctp --sport 0:65535"],
  ["-p sctp -m sctp", "-p sctp -m sctp"],
  ["-p sctp --chunk-types any DATA,INIT", "-p sctp -m sctp --chunk-types any DATA,INIT"],
  ["-p sctp --chunk-types any DATA:Be", "-p sctp -m sctp --chunk-types any DATA:Be"],
  ["-p sctp -m sctp --chunk-types ANY data:ib", "-p sctp -m sctp --chunk-types any DATA:ib"],
  ["-p sctp -m sctp --chunk-types all DATA:IUBE,ABORT:T,SHUTDOWN_COMPLETE:T", "-p sctp -m sctp --chunk-types all DATA:IUBE,ABORT:T,SHUTDOWN_COMPLETE:T"],
  ["-p sctp -m sctp --chunk-types any data,init_ack", "-p sctp -m sctp --chunk-types any DATA,INIT_ACK"],
  ["-p sctp -m sctp --chunk-types any ALL", "-p sctp -m sctp --chunk-types any ALL"],
  ["-p sctp -m sctp --chunk-types only NONE", "-p sctp -m sctp --chunk-types only NONE"],
  ["-p sctp -m sctp --chunk-types any DATA:I,DATA:e", "-p sctp -m sctp --chunk-types any DATA:Ie"],
  [
    "-p sctp -m sctp --chunk-types any HEARTBEAT,HEARTBEAT_ACK,ABORT,SHUTDOWN,SHUTDOWN_ACK,ERROR,COOKIE_ECHO,COOKIE_ACK,ECN_ECNE,ECN_CWR,SHUTDOWN_COMPLETE,ASCONF,ASCONF_ACK,FORWARD_TSN",
    "-p sctp -m sctp --chunk-types any HEARTBEAT,HEARTBEAT_ACK,ABORT,SHUTDOWN,SHUTDOWN_ACK,ERROR,COOKIE_ECHO,COOKIE_ACK,ECN_ECNE,ECN_CWR,SHUTDOWN_COMPLETE,ASCONF_ACK,FORWARD_TSN,ASCONF",
  ],
  // libxt_sctp keys flags by table index, so I_DATA's flags (index 15, type 64) are not printed
  ["-p sctp -m sctp --chunk-types any DATA:I,ABORT:T,SHUTDOWN_COMPLETE:t,I_DATA:u,INIT", "-p sctp -m sctp --chunk-types any DATA:I,INIT,ABORT:T,SHUTDOWN_COMPLETE:t,I_DATA"],
  ["-p dccp -m dccp --dport 5 --sport 1:2 --dccp-types SYNC,REQUEST --dccp-option 4", "-p dccp -m dccp --sport 1:2 --dport 5 --dccp-types REQUEST,SYNC --dccp-option 4"],
  ["-p dccp -m dccp ! --dccp-types INVALID", "-p dccp -m dccp ! --dccp-types INVALID"],
  ["-p dccp -m dccp --sport 5:3", "-p dccp -m dccp --sport 5:3"],
];

describe("multiport, sctp, dccp: saved forms", () => {
  for (const [input, saved] of KERNEL_FORMS) {
    it(`${input} → ${saved}`, () => {
      expect(savedForm(`-A INPUT ${input} -j ACCEPT`)).toBe(`-A INPUT ${saved} -j ACCEPT`);
    });
  }
});

describe("multiport: model and bad input", () => {
  it("keeps ports and ranges in order", () => {
    expect(typed("-A INPUT -p tcp -m multiport ! --ports 22,80:90", "multiport")).toEqual({
      module: "multiport",
      which: "ports",
      ports: [{ min: 22, max: 22 }, { min: 80, max: 90 }],
      invert: true,
    });
  });
  const line = firstRuleLine();
  const bad: readonly (readonly [string, string, string])[] = [
    ["-A INPUT -p tcp -m multiport --dports 80:80 -j ACCEPT", "80:80", "bad-port"],
    ["-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 -j ACCEPT", "1,2,", "bad-value"],
    ["-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:16 -j ACCEPT", "1,2,", "bad-value"],
    ["-A INPUT -p tcp -m multiport --dports 1:,5 -j ACCEPT", "1:,5", "bad-port"],
    ["-A INPUT -p tcp -m multiport --dports nosuchservice -j ACCEPT", "nosuchservice", "bad-port"],
    ["-A INPUT -p icmp -m multiport --dports 1 -j ACCEPT", "multiport", "match-not-allowed"],
    ["-A INPUT -m multiport --dports 1 -j ACCEPT", "multiport", "match-not-allowed"],
    ["-A INPUT -p tcp -m multiport -j ACCEPT", "multiport", "missing-value"],
    ["-A INPUT -p tcp -m multiport --sports 1 --dports 2 -j ACCEPT", "--dports", "duplicate-option"],
  ];
  for (const [rule, word, code] of bad) {
    it(`${rule} → ${code}`, () => {
      expect(errorsOf(rule)[0]).toMatchObject({ code, line, column: col(rule, word) });
    });
  }
});

describe("sctp and dccp: model and bad input", () => {
  it("types chunk lists with their flags", () => {
    expect(typed("-A INPUT -p sctp -m sctp ! --sport 100:200 --chunk-types all DATA:Be,INIT", "sctp")).toEqual({
      module: "sctp",
      sport: { value: { min: 100, max: 200 }, invert: true },
      chunks: { value: { how: "all", types: [0, 1], flags: [{ key: 0, flag: 0x02, mask: 0x03 }] }, invert: false },
    });
  });
  const line = firstRuleLine();
  const bad: readonly (readonly [string, string, string])[] = [
    ["-A INPUT -p sctp -m sctp --chunk-types some DATA -j ACCEPT", "some", "bad-value"],
    ["-A INPUT -p sctp -m sctp --chunk-types any DATA:X -j ACCEPT", "DATA:X", "bad-value"],
    ["-A INPUT -p sctp -m sctp --chunk-types any DATA,ALL -j ACCEPT", "DATA,ALL", "bad-value"],
    ["-A INPUT -p sctp -m sctp --sport 6:5 -j ACCEPT", "6:5", "bad-port"],
    ["-A INPUT -p sctp -m sctp --sport 5 --source-port 6 -j ACCEPT", "--source-port", "duplicate-option"],
    ["-A INPUT -p udp -m sctp --sport 6 -j ACCEPT", "sctp", "match-not-allowed"],
    ["-A INPUT -p dccp -m dccp --dccp-types FOO -j ACCEPT", "FOO", "bad-value"],
    ["-A INPUT -p dccp -m dccp --dccp-option 0 -j ACCEPT", "0 -j", "bad-value"],
  ];
  for (const [rule, word, code] of bad) {
    it(`${rule} → ${code}`, () => {
      expect(errorsOf(rule)[0]).toMatchObject({ code, line, column: col(rule, word) });
    });
  }
  it("at most four chunk types with flags", () => {
    expect(errorsOf("-A INPUT -p sctp -m sctp --chunk-types any DATA:I,ABORT:T,SHUTDOWN_COMPLETE:t,I_DATA:u,DATA:U,DATA:E -j ACCEPT")).toEqual([]);
    expect(errorsOf("-A INPUT -p sctp -m sctp --chunk-types any DATA:I,ABORT:T,SHUTDOWN_COMPLETE:t,I_DATA:u,INIT,ASCONF,SACK -j ACCEPT")).toEqual([]);
  });
});

describe("multiport, sctp, dccp: semantics", () => {
  it("--dports: single ports and ranges, non-first fragments never match", () => {
    const t = testOf("-A INPUT -p tcp -m multiport --dports 22,8000:8100", "multiport").test;
    expect([22, 21, 8000, 8050, 8100, 8101].map((d) => t(makePacket({ dport: d })))).toEqual([true, false, true, true, true, false]);
    expect(t(makePacket({ dport: 22, fragment: true }))).toBe(false);
  });
  it("--ports is either port; negation", () => {
    const t = testOf("-A INPUT -p tcp -m multiport ! --ports 53", "multiport").test;
    expect(t(makePacket({ sport: 53, dport: 1000 }))).toBe(false);
    expect(t(makePacket({ sport: 1000, dport: 53 }))).toBe(false);
    expect(t(makePacket({ sport: 1000, dport: 1001 }))).toBe(true);
    const s = testOf("-A INPUT -p udp -m multiport --sports 53,123", "multiport").test;
    expect([s(makePacket({ proto: 17, sport: 123 })), s(makePacket({ proto: 17, dport: 123 }))]).toEqual([true, false]);
  });
  it("sctp ports; chunk types are unsupported", () => {
    const t = testOf("-A INPUT -p sctp -m sctp --sport 100:200 ! --dport 300", "sctp").test;
    expect(t(makePacket({ proto: 132, sport: 150, dport: 301 }))).toBe(true);
    expect(t(makePacket({ proto: 132, sport: 150, dport: 300 }))).toBe(false);
    expect(t(makePacket({ proto: 132, sport: 99, dport: 301 }))).toBe(false);
    expect(compiled("-A INPUT -p sctp --chunk-types any INIT", "sctp")).toMatchObject({ kind: "unsupported", reason: expect.stringContaining("--chunk-types") });
  });
  it("dccp ports (a reversed range never matches); types and options unsupported", () => {
    const t = testOf("-A INPUT -p dccp -m dccp --dport 5000:5010", "dccp").test;
    expect([t(makePacket({ proto: 33, dport: 5005 })), t(makePacket({ proto: 33, dport: 80 }))]).toEqual([true, false]);
    expect(testOf("-A INPUT -p dccp -m dccp --sport 5:3", "dccp").test(makePacket({ proto: 33, sport: 4 }))).toBe(false);
    expect(compiled("-A INPUT -p dccp -m dccp --dccp-types SYNC", "dccp").kind).toBe("unsupported");
  });
});
