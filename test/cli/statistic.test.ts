/**
 * `-m statistic` on the command line: --nth-counters and --nth-hit set the library's
 * assume.nthCounters and assume.nthHit, and the outcomes' heading says what forked the walk
 * (random matches, nth counters whose position is not known, or both).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/parse/index.js";
import { tracePacket, type Trace } from "../../src/sim/index.js";
import { ROOT, iptrace } from "./helpers.js";

const RULES = "fixtures/cli/statistic.rules";
/** A new connection from outside to one of the fixture's services: .50 nth round robin, .60 random then nth, .70 two random matches. */
const to = (svc: string) => ["-f", RULES, "--in", "eth0", "--src", "203.0.113.7", "--dst", svc, "-p", "tcp", "--dport", "80"];
const RR = to("10.96.0.50");
const MIXED = to("10.96.0.60");
const RANDOM = to("10.96.0.70");

const heading = (stdout: string) => stdout.split("\n").find((l) => / possible outcomes/.test(l));
const endpoint = (t: Pick<Trace, "nat">) => t.nat.find((n) => n.kind === "DNAT")?.to;

describe("the outcomes' heading says what forked the walk", () => {
  it("nth counters whose position is not known, not random matches", () => {
    const r = iptrace(RR);
    expect(r.status).toBe(0);
    // SEP-A's random match of probability 1, met in outcome 1, cannot fork: it is not counted
    expect(r.stdout).toContain("-A SEP-A -m statistic --mode random --probability 1.00000000000  → CONTINUE");
    expect(heading(r.stdout)).toBe("3 possible outcomes of 2 nth counters whose positions are not known; the walk above is outcome 1:");
  });

  it("random matches, counted", () => {
    expect(heading(iptrace(RANDOM).stdout)).toBe("3 possible outcomes of 2 random matches; the walk above is outcome 1:");
  });

  it("both, when a random match and an nth counter forked it", () => {
    expect(heading(iptrace(MIXED).stdout)).toBe("3 possible outcomes of a random match and an nth counter whose position is not known; the walk above is outcome 1:");
  });

  it("a random match that forked in a rule no outcome matched (the library's Outcome.forks, not the steps)", () => {
    // the random match and the nth counter are met, and fork, before --dport 81 fails for every outcome
    const rules = "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m statistic --mode random --probability 0.50000000000 -m statistic --mode nth --every 2 --packet 0 -m tcp --dport 81 -j DNAT --to-destination 10.180.0.9:80\nCOMMIT\n";
    const r = iptrace(["-f", "-", "--in", "eth0", "--src", "203.0.113.7", "--dst", "198.51.100.1", "-p", "tcp", "--dport", "80"], { stdin: rules });
    expect(heading(r.stdout)).toBe("3 possible outcomes of a random match and an nth counter whose position is not known; the walk above is outcome 3:");
  });

  it("only what is left forking once the counters are loaded", () => {
    // SVC-MIXED's nth rule (--every 2 --packet 1) passes over the first packet after a load
    const r = iptrace([...MIXED, "--nth-counters", "loaded"]);
    expect(heading(r.stdout)).toBe("2 possible outcomes of a random match; the walk above is outcome 1:");
    expect(r.stdout).toContain("DNAT 10.96.0.60:80 → 10.180.0.5:8080");
    expect(r.stdout).not.toContain("10.180.0.4");
  });
});

describe("--nth-counters", () => {
  it("unknown is the default: every endpoint is an outcome, and the assumption is printed", () => {
    const given = JSON.parse(iptrace([...RR, "--nth-counters", "unknown", "--json"]).stdout) as Trace;
    const bare = JSON.parse(iptrace([...RR, "--json"]).stdout) as Trace;
    expect(given).toEqual(bare);
    expect(given.outcomes?.map(endpoint)).toEqual(["10.180.0.3:8080", "10.180.0.4:8080", "10.180.0.5:8080"]);
    expect(given.assumptions.join("\n")).toMatch(/--every 3 --packet 0 \(nat SVC-RR rule 1, line 15\): its counter's position is not known/);
  });

  it("loaded: one path, the first pick of every counter, said under Assumed:", () => {
    const r = iptrace([...RR, "--nth-counters", "loaded"]);
    expect(r.status).toBe(0);
    expect(heading(r.stdout)).toBeUndefined();
    expect(r.stdout).toMatch(/Assumed:\n(?:.*\n)*  - -m statistic --mode nth --every 3 --packet 0 \(nat SVC-RR rule 1, line 15\): its counter assumed as just loaded; this packet is number 1 to reach the match/);
    expect(r.stdout).toMatch(/\nACCEPT {2}forwarded from eth0 to eth0 {2}as tcp 203\.0\.113\.7:40000 → 10\.180\.0\.3:8080 \[SYN\]\n$/);
  });

  it("--json prints the library's trace with assume.nthCounters \"loaded\"", () => {
    const r = iptrace([...RR, "--nth-counters", "loaded", "--json"]);
    const { ruleset } = parseRuleset(readFileSync(join(ROOT, RULES), "utf8"), { source: RULES });
    const lib = tracePacket(ruleset, { src: "203.0.113.7", dst: "10.96.0.50", proto: "tcp", dport: 80, in: "eth0" }, { assume: { nthCounters: "loaded" } });
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(lib)));
    expect(lib.outcomes).toBeUndefined();
  });

  it("with --batch, each line is traced on its own: every line is the first packet after a load", () => {
    const line = (sport: number) => JSON.stringify({ src: "203.0.113.7", dst: "10.96.0.50", proto: "tcp", sport, dport: 80, in: "eth0" });
    const r = iptrace(["-f", RULES, "--batch", "-", "--nth-counters", "loaded", "--json"], { stdin: `${line(40001)}\n${line(40002)}\n` });
    expect(r.status).toBe(0);
    const traces = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Trace);
    expect(traces.map(endpoint)).toEqual(["10.180.0.3:8080", "10.180.0.3:8080"]);
  });
});

describe("--nth-hit", () => {
  it("true: every nth match picks the packet; false: none does", () => {
    const hit = JSON.parse(iptrace([...RR, "--nth-hit", "true", "--json"]).stdout) as Trace;
    const miss = JSON.parse(iptrace([...RR, "--nth-hit", "false", "--json"]).stdout) as Trace;
    expect([hit.outcomes, miss.outcomes]).toEqual([undefined, undefined]);
    expect([endpoint(hit), endpoint(miss)]).toEqual(["10.180.0.3:8080", "10.180.0.5:8080"]);
    expect(miss.assumptions.filter((a) => a.includes("assume.nthHit"))).toEqual([
      "statistic --mode nth --every 3: assumed (assume.nthHit) this packet is not the one in 3 that the counter picks: one fixed answer for every nth match, whatever its counter",
      "statistic --mode nth --every 2: assumed (assume.nthHit) this packet is not the one in 2 that the counter picks: one fixed answer for every nth match, whatever its counter",
    ]);
  });

  it("leaves random matches forking", () => {
    const r = iptrace([...MIXED, "--nth-hit", "true"]);
    expect(heading(r.stdout)).toBe("2 possible outcomes of a random match; the walk above is outcome 1:");
    expect(r.stdout).toContain("DNAT 10.96.0.60:80 → 10.180.0.4:8080");
  });
});

describe("usage errors (exit status 2, one line)", () => {
  it.each([
    [["--nth-counters", "sometimes"], `iptrace: --nth-counters: expected unknown or loaded, found "sometimes"\n`],
    [["--nth-hit", "yes"], `iptrace: --nth-hit: expected true or false, found "yes"\n`],
    [["--nth-counters", "loaded", "--nth-hit", "true"], "iptrace: give --nth-counters or --nth-hit, not both: --nth-hit gives every nth match one answer, whatever its counter\n"],
    [["--nth-counters"], "iptrace: --nth-counters needs a value\n"],
  ])("%j", (extra, stderr) => {
    const r = iptrace([...RR, ...extra]);
    expect([r.status, r.stdout, r.stderr]).toEqual([2, "", stderr]);
  });

  it("parse and check take neither", () => {
    for (const cmd of ["parse", "check"]) {
      const r = iptrace([cmd, RULES, "--nth-hit", "true"]);
      expect([r.status, r.stderr]).toEqual([2, `iptrace: iptrace ${cmd} does not take --nth-hit\n`]);
    }
  });

  it("--help lists both", () => {
    const help = iptrace(["--help"]).stdout;
    expect(help).toContain("  --nth-counters unknown|loaded\n");
    expect(help).toMatch(/\n {2}--nth-hit true\|false every nth match picks the packet \(true\) or passes it over \(false\),\n/);
  });
});
