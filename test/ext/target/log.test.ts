/** LOG, NFLOG, ULOG, NFQUEUE, TRACE, AUDIT: options, canonical print, semantics. */
import { describe, expect, it } from "vitest";
import { log, type LogTarget } from "../../../src/ext/target/log.js";
import { nflog, type NflogTarget } from "../../../src/ext/target/nflog.js";
import { nfqueue, type NfqueueTarget } from "../../../src/ext/target/nfqueue.js";
import { ulog, type UlogTarget } from "../../../src/ext/target/ulog.js";
import { trace } from "../../../src/ext/target/trace.js";
import { audit, type AuditTarget } from "../../../src/ext/target/audit.js";
import { makeEnv, makePacket } from "../packet.js";
import { firstRuleLine, parseRules, RecordingWalk } from "./helpers.js";

// Checked against iptables-nft-save 1.8.9 in a namespace (filter INPUT unless the family says 6).
const KERNEL_FORMS: readonly [4 | 6, string, string][] = [
  [4, "-j LOG", "-j LOG"],
  [4, "-j LOG --log-level 4", "-j LOG"],
  [4, "-j LOG --log-level warning", "-j LOG"],
  [4, "-j LOG --log-level info", "-j LOG --log-level 6"],
  [4, "-j LOG --log-level debug", "-j LOG --log-level 7"],
  [4, "-j LOG --log-level emerg", "-j LOG --log-level 0"],
  [4, "-j LOG --log-level panic", "-j LOG --log-level 0"],
  [4, "-j LOG --log-level error", "-j LOG --log-level 3"],
  [4, "-j LOG --log-level 0x3", "-j LOG --log-level 3"],
  [4, '-j LOG --log-prefix "DROP: "', '-j LOG --log-prefix "DROP: "'],
  [4, "-j LOG --log-prefix DROP", "-j LOG --log-prefix DROP"],
  [4, '-j LOG --log-prefix "it\'s \\"q\\""', '-j LOG --log-prefix "it\\\'s \\"q\\""'],
  [4, "-j LOG --log-prefix 0123456789012345678901234567890", "-j LOG --log-prefix 01234567890123456789012345678"],
  [4, "-j LOG --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode --log-level 3 --log-prefix X", "-j LOG --log-prefix X --log-level 3 --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode"],
  [6, '-j LOG --log-prefix "v6 " --log-level 6 --log-ip-options', '-j LOG --log-prefix "v6 " --log-level 6 --log-ip-options'],
  [4, "-j NFLOG", "-j NFLOG"],
  [4, "-j NFLOG --nflog-group 5", "-j NFLOG --nflog-group 5"],
  [4, "-j NFLOG --nflog-group 0", "-j NFLOG"],
  [4, '-j NFLOG --nflog-prefix "hi there"', '-j NFLOG --nflog-prefix "hi there"'],
  [4, "-j NFLOG --nflog-range 100", "-j NFLOG"],
  [4, "-j NFLOG --nflog-size 0", "-j NFLOG --nflog-size 0"],
  [4, "-j NFLOG --nflog-threshold 0", "-j NFLOG"],
  [4, "-j NFLOG --nflog-threshold 1", "-j NFLOG --nflog-threshold 1"],
  [4, "-j NFLOG --nflog-group 2 --nflog-prefix p --nflog-size 64 --nflog-threshold 3", "-j NFLOG --nflog-prefix p --nflog-group 2 --nflog-size 64 --nflog-threshold 3"],
  [4, "-j NFLOG --nflog-group 65535 --nflog-threshold 65535", "-j NFLOG --nflog-group 65535 --nflog-threshold 65535"],
  [4, "-j NFQUEUE", "-j NFQUEUE --queue-num 0"],
  [4, "-j NFQUEUE --queue-num 3", "-j NFQUEUE --queue-num 3"],
  [4, "-j NFQUEUE --queue-num 65535", "-j NFQUEUE --queue-num 65535"],
  [4, "-j NFQUEUE --queue-balance 0:3", "-j NFQUEUE --queue-balance 0:3"],
  [4, "-j NFQUEUE --queue-bypass", "-j NFQUEUE --queue-num 0 --queue-bypass"],
  [4, "-j NFQUEUE --queue-cpu-fanout --queue-bypass --queue-balance 0:3", "-j NFQUEUE --queue-balance 0:3 --queue-bypass --queue-cpu-fanout"],
  [4, "-j TRACE", "-j TRACE"],
  [4, "-j AUDIT --type accept", "-j AUDIT --type accept"],
  [4, "-j AUDIT --type drop", "-j AUDIT --type drop"],
  [4, "-j AUDIT --type reject", "-j AUDIT --type reject"],
];

describe("LOG/NFLOG/NFQUEUE/TRACE/AUDIT: canonical print (checked against iptables-nft-save 1.8.9)", () => {
  it.each(KERNEL_FORMS)("IPv%s %s", (family, input, saved) => {
    const r = parseRules("filter", [`-A INPUT ${input}`], family);
    expect(r.errors).toEqual([]);
    expect(r.printed).toEqual([`-A INPUT ${saved}`]);
  });
  it("a too long LOG prefix is cut, with a warning", () => {
    const r = parseRules("filter", ["-A INPUT -j LOG --log-prefix 0123456789012345678901234567890"]);
    expect(r.issues.map((i) => [i.severity, i.column])).toEqual([["warning", 30]]);
  });
  it("LOG, NFLOG, TRACE, NFQUEUE and AUDIT are accepted in every table (seen: raw, nat, mangle)", () => {
    expect(parseRules("raw", ["-A PREROUTING -j LOG", "-A PREROUTING -j TRACE", "-A PREROUTING -j AUDIT --type drop"]).errors).toEqual([]);
    expect(parseRules("nat", ["-A PREROUTING -j LOG", "-A OUTPUT -j NFLOG"]).errors).toEqual([]);
    expect(parseRules("mangle", ["-A PREROUTING -j NFQUEUE --queue-num 2", "-A PREROUTING -j TRACE"]).errors).toEqual([]);
  });
  it("typed forms", () => {
    expect(parseRules("filter", ["-A INPUT -j LOG --log-level info --log-uid"]).targets[0]).toEqual({
      name: "LOG", level: 6, prefix: "", tcpSequence: false, tcpOptions: false, ipOptions: false, uid: true, macDecode: false,
    } satisfies LogTarget);
    expect(parseRules("filter", ["-A INPUT -j NFLOG --nflog-size 0"]).targets[0]).toEqual({ name: "NFLOG", group: 0, prefix: "", size: 0, threshold: 0 } satisfies NflogTarget);
    expect(parseRules("filter", ["-A INPUT -j NFQUEUE --queue-balance 2:5"]).targets[0]).toEqual({ name: "NFQUEUE", queue: 2, balance: { first: 2, last: 5 }, bypass: false, cpuFanout: false } satisfies NfqueueTarget);
  });
  it("ULOG is typed and printed as libipt_ULOG saves it, with a warning: this kernel refuses it", () => {
    const r = parseRules("filter", ['-A INPUT -j ULOG --ulog-nlgroup 2 --ulog-prefix "u l" --ulog-qthreshold 10 --ulog-cprange 64']);
    expect(r.errors).toEqual([]);
    expect(r.issues.map((i) => i.code)).toEqual(["kernel-refuses"]);
    expect(r.printed).toEqual(['-A INPUT -j ULOG --ulog-prefix "u l" --ulog-nlgroup 2 --ulog-cprange 64 --ulog-qthreshold 10']);
    const t = r.targets[0] as UlogTarget;
    expect(ulog.compile(t, makeEnv())).toMatchObject({ kind: "unsupported" });
    expect(parseRules("filter", ["-A INPUT -j ULOG"], 6).errors.map((i) => i.code)).toEqual(["family-mismatch"]);
  });
});

describe("LOG/NFLOG/NFQUEUE/AUDIT: refused input", () => {
  const line = firstRuleLine("filter");
  it.each([
    ["-A INPUT -j LOG --log-level 8", "bad-value", "8"],
    ["-A INPUT -j LOG --log-level WARNING", "bad-value", "WARNING"],
    ['-A INPUT -j LOG --log-prefix ""', "bad-value", '""'],
    ["-A INPUT -j NFLOG --nflog-group 65536", "bad-value", "65536"],
    ["-A INPUT -j NFLOG --nflog-range 100 --nflog-size 50", "bad-value", "--nflog-range"],
    ["-A INPUT -j NFQUEUE --queue-num 65536", "bad-value", "65536"],
    ["-A INPUT -j NFQUEUE --queue-balance 2:2", "bad-value", "2:2"],
    ["-A INPUT -j NFQUEUE --queue-balance 3:0", "bad-value", "3:0"],
    ["-A INPUT -j NFQUEUE --queue-balance 0:65535", "bad-value", "0:65535"],
    ["-A INPUT -j NFQUEUE --queue-num 1 --queue-balance 0:3", "bad-value", "--queue-balance"],
    ["-A INPUT -j NFQUEUE --queue-cpu-fanout", "bad-value", "--queue-cpu-fanout"],
    ["-A INPUT -j NFQUEUE --queue-num 1 --fail-open", "unknown-option", "--fail-open"],
    ["-A INPUT -j AUDIT --type bogus", "bad-value", "bogus"],
    ["-A INPUT -j AUDIT", "missing-value", "AUDIT"],
  ])("%s → %s", (input, code, word) => {
    const r = parseRules("filter", [input]);
    expect(r.errors.map((i) => [i.code, i.line, i.column])).toEqual([[code, line, input.indexOf(word) + 1]]);
  });
});

describe("LOG/NFLOG/NFQUEUE/TRACE/AUDIT: semantics", () => {
  const env = makeEnv();
  const applyNote = (c: ReturnType<typeof log.compile>): { verdict: string; notes: string[] } => {
    const w = new RecordingWalk();
    if (c.kind !== "effect") throw new Error(c.kind);
    return { verdict: c.apply(makePacket(), w), notes: w.notes };
  };
  it("LOG continues and notes level and prefix", () => {
    const t = parseRules("filter", ['-A INPUT -j LOG --log-prefix "IN: "']).targets[0] as LogTarget;
    expect(applyNote(log.compile(t, env))).toEqual({ verdict: "CONTINUE", notes: ['LOG at level 4 with prefix "IN: "'] });
  });
  it("NFLOG continues and notes the group", () => {
    const t = parseRules("filter", ["-A INPUT -j NFLOG --nflog-group 7 --nflog-prefix x"]).targets[0] as NflogTarget;
    expect(applyNote(nflog.compile(t, env))).toEqual({ verdict: "CONTINUE", notes: ['NFLOG to group 7 with prefix "x"'] });
  });
  it("NFQUEUE queues and says what is not modelled", () => {
    const t = parseRules("filter", ["-A INPUT -j NFQUEUE --queue-num 3 --queue-bypass"]).targets[0] as NfqueueTarget;
    const r = applyNote(nfqueue.compile(t, env));
    expect(r.verdict).toBe("QUEUE");
    expect(r.notes[0]).toMatch(/queue 3.*--queue-bypass/);
  });
  it("TRACE continues; AUDIT continues with a note", () => {
    expect(trace.compile({ name: "TRACE" }, env)).toEqual({ kind: "verdict", verdict: "CONTINUE" });
    const t = parseRules("filter", ["-A INPUT -j AUDIT --type drop"]).targets[0] as AuditTarget;
    expect(applyNote(audit.compile(t, env))).toEqual({ verdict: "CONTINUE", notes: ["AUDIT: records an audit event of type drop"] });
  });
});
