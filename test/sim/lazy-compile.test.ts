/**
 * Chains are compiled when a walk first enters them, and rule texts printed when a trace first
 * shows them: compiling a ruleset costs nothing per rule, and a packet pays only for the chains it
 * meets. The trace must be the same as if everything had been compiled up front.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { MATCHES } from "../../src/ext/match/index.js";
import { hostFromJsonOrThrow } from "../../src/host/json.js";
import { parseRuleset } from "../../src/parse/index.js";
import { compileRuleset, tracePacket } from "../../src/sim/index.js";

const host = hostFromJsonOrThrow(
  JSON.stringify({
    interfaces: [{ name: "eth0", addresses: ["198.51.100.1/24"] }],
    routes: [{ dst: "default", via: "198.51.100.254", dev: "eth0" }],
  }),
);

const text = [
  "*filter",
  ":INPUT ACCEPT [0:0]",
  ":WEB - [0:0]",
  ":MAIL - [0:0]",
  ":UNUSED - [0:0]",
  '-A INPUT -p tcp -m tcp --dport 80 -m comment --comment "web" -j WEB',
  '-A INPUT -p tcp -m tcp --dport 25 -m comment --comment "mail" -j MAIL',
  '-A WEB -s 203.0.113.0/24 -m comment --comment "allowed clients" -j ACCEPT',
  '-A WEB -m comment --comment "everyone else" -j DROP',
  '-A MAIL -m comment --comment "mail is off" -j DROP',
  '-A UNUSED -m comment --comment "never entered" -j DROP',
  "COMMIT",
  "",
].join("\n");

const comment = MATCHES.find((m) => m.name === "comment");

afterEach(() => {
  vi.restoreAllMocks();
});

describe("lazy compilation", () => {
  it("compiles no rule up front, then only the chains a packet enters, once", () => {
    if (!comment) throw new Error("no comment match in the registry");
    const spy = vi.spyOn(comment, "compile");
    const compiled = compileRuleset(parseRuleset(text).ruleset, { host });
    expect(spy).not.toHaveBeenCalled();

    const web = { src: "203.0.113.9", dst: "198.51.100.1", proto: "tcp", dport: 80, in: "eth0" } as const;
    const t = tracePacket(compiled, web, { host });
    expect(t.verdict).toBe("ACCEPT");
    // INPUT's two rules and WEB's two: MAIL and UNUSED are not compiled
    expect(spy.mock.calls.map(([m]) => (m as { comment: string }).comment)).toEqual(["web", "mail", "allowed clients", "everyone else"]);

    tracePacket(compiled, { ...web, src: "192.0.2.1" }, { host });
    expect(spy).toHaveBeenCalledTimes(4);

    const mail = tracePacket(compiled, { ...web, dport: 25 }, { host });
    expect(mail.verdict).toBe("DROP");
    expect(spy).toHaveBeenCalledTimes(5);
  });

  it("shows the same steps, texts and lines as a trace through a fresh compile", () => {
    const parsed = parseRuleset(text).ruleset;
    const packets = [
      { src: "203.0.113.9", dst: "198.51.100.1", proto: "tcp", dport: 80, in: "eth0" },
      { src: "192.0.2.1", dst: "198.51.100.1", proto: "tcp", dport: 80, in: "eth0" },
      { src: "192.0.2.1", dst: "198.51.100.1", proto: "tcp", dport: 25, in: "eth0" },
    ] as const;
    const shared = compileRuleset(parsed, { host });
    for (const p of packets) {
      const once = tracePacket(compileRuleset(parsed, { host }), p, { host });
      expect(tracePacket(shared, p, { host })).toEqual(once);
    }
    const web = tracePacket(shared, packets[1], { host });
    expect(web.steps.map((s) => [s.line, s.text])).toEqual([
      [6, '-A INPUT -p tcp -m tcp --dport 80 -m comment --comment web -j WEB'],
      [9, '-A WEB -m comment --comment "everyone else" -j DROP'],
    ]);
  });
});
