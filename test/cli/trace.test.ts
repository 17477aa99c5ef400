/**
 * The trace command as a user runs it: the brief's Docker example, every input route (file,
 * pipe, batch, host files, ipsets), every exit status, and the error forms.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/parse/index.js";
import { tracePacket, type Trace } from "../../src/sim/index.js";
import { run } from "../../src/cli/run.js";
import { DOCKER, ROOT, iptrace } from "./helpers.js";

const PUBLISHED = "fixtures/cli/published-port.rules";
const BRIEF = ["--src", "172.17.0.2", "--dst", "8.8.8.8"];

describe("the brief's example: iptrace --src 172.17.0.2 --dst 8.8.8.8 on Docker's default ruleset", () => {
  it("accepts, forwards, MASQUERADEs in nat POSTROUTING and leaves on the uplink", () => {
    const r = iptrace(["-f", DOCKER, ...BRIEF, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout) as Trace;
    expect(t.verdict).toBe("ACCEPT");
    expect(t.path).toBe("forward");
    expect(t.in).toBe("docker0");
    // no host files: the uplink is inferred (eth0, documentation addresses) and said so
    expect(t.out).toBe("eth0");
    expect(t.assumptions.some((a) => /eth0/.test(a) && /uplink/.test(a))).toBe(true);
    const masq = t.steps.find((s) => s.kind === "rule" && s.text?.includes("-j MASQUERADE"));
    expect(masq).toMatchObject({ hook: "POSTROUTING", table: "nat", verdict: "ACCEPT" });
    expect(t.nat).toEqual([expect.objectContaining({ kind: "MASQUERADE", hook: "POSTROUTING", field: "source" })]);
  });

  it("prints the walk for a person: hooks, file:line, rule text, verdict, the translation, the ending", () => {
    const r = iptrace(["-f", DOCKER, ...BRIEF]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Packet {2}icmp 172\.17\.0\.2 → 8\.8\.8\.8/);
    expect(r.stdout).toMatch(/FORWARD\n  filter\n    fixtures\/seed\/docker-default-2020\.rules:9 +-A FORWARD -j DOCKER-USER  → JUMP DOCKER-USER/);
    expect(r.stdout).toContain(`${DOCKER}:29  -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE  → ACCEPT`);
    expect(r.stdout).toMatch(/MASQUERADE 172\.17\.0\.2 → 198\.51\.100\.1/);
    expect(r.stdout).toContain("Assumed:");
    expect(r.stdout).toMatch(/\nACCEPT {2}forwarded from docker0 to eth0/);
    expect(r.stdout).not.toContain("\x1b["); // piped: no colour
  });

  it("reads the dump from a pipe, and from -f -", () => {
    const dump = readFileSync(join(ROOT, DOCKER), "utf8");
    for (const args of [BRIEF, ["-f", "-", ...BRIEF]]) {
      const r = iptrace([...args, "--json"], { stdin: dump });
      expect(r.status).toBe(0);
      expect((JSON.parse(r.stdout) as Trace).verdict).toBe("ACCEPT");
    }
    const text = iptrace(BRIEF, { stdin: dump });
    expect(text.stdout).toContain("<stdin>:29  -A POSTROUTING");
  }, 120_000);

  it("--json prints the library's Trace exactly", () => {
    const r = iptrace(["-f", PUBLISHED, "--src", "203.0.113.7", "--dst", "198.51.100.1", "-p", "tcp", "--dport", "8080", "--in", "eth0", "--json"]);
    const lib = tracePacket(parseRuleset(readFileSync(join(ROOT, PUBLISHED), "utf8"), { source: PUBLISHED }).ruleset, {
      src: "203.0.113.7", dst: "198.51.100.1", proto: "tcp", dport: 8080, in: "eth0",
    });
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(lib)));
  });
});

describe("exit status", () => {
  it("0 when accepted, with the DNAT shown where it happens", () => {
    const r = iptrace(["-f", PUBLISHED, "--in", "eth0", "--src", "203.0.113.7", "--dst", "198.51.100.1", "-p", "tcp", "--dport", "8080"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/PREROUTING\n {2}nat\n.*-j DNAT --to-destination 172\.17\.0\.2:80 {2}→ ACCEPT\n {6}DNAT 198\.51\.100\.1:8080 → 172\.17\.0\.2:80\n/);
    expect(r.stdout).toMatch(/ACCEPT {2}forwarded from eth0 to docker0/);
  });
  it("1 when dropped, naming the rule", () => {
    const r = iptrace(["-f", PUBLISHED, "--src", "172.17.0.2", "--dst", "203.0.113.10", "-p", "tcp", "--dport", "22"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\nDROP {2}dropped by filter DOCKER-USER rule at fixtures\/cli\/published-port\.rules:18\n$/);
  });
  it("1 when the policy drops", () => {
    const r = iptrace(["-f", PUBLISHED, "--in", "eth0", "--src", "203.0.113.7", "--dst", "172.17.0.3", "-p", "udp", "--dport", "53"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FORWARD policy DROP/);
    expect(r.stdout).toMatch(/dropped by the policy of filter FORWARD/);
  });
  it("3 when a rule cannot be modelled", () => {
    const rules = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m nosuchmodule --foo 1 -j DROP\nCOMMIT\n";
    const r = iptrace(["--src", "192.0.2.1", "--dst", "203.0.113.10"], { stdin: rules });
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/UNSUPPORTED {2}undecided: .*nosuchmodule.*<stdin>:5/);
  });
  it("2 for a malformed dump, with file:line:col and a caret, and no trace", () => {
    const bad = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A INPUT -p tcp --dport http2x -j ACCEPT\nCOMMIT\n";
    const r = iptrace(["-f", "-", "--src", "192.0.2.1", "--dst", "203.0.113.10"], { stdin: bad });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("<stdin>:4:25: error:");
    expect(r.stderr).toContain("    4 | -A INPUT -p tcp --dport http2x -j ACCEPT\n      |                         ^\n");
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  });
  it("2 with one line for a missing file, a bad address, a bad flag", () => {
    const cases: [string[], RegExp][] = [
      [["-f", "nope.rules", ...BRIEF], /^iptrace: cannot read ruleset nope\.rules: no such file\n$/],
      [["-f", DOCKER, "--src", "172.17.0.2", "--dst", "1.2.3"], /^iptrace: --dst: expected .*"1\.2\.3"\n$/],
      [["-f", DOCKER, "--src", "172.17.0.300", "--dst", "8.8.8.8"], /^iptrace: --src: expected .*"172\.17\.0\.300"\n$/],
      [["-f", DOCKER, ...BRIEF, "--dport", "70000"], /^iptrace: --dport: expected a port number 0-65535, found "70000"\n$/],
      [["-f", DOCKER, ...BRIEF, "-p", "tcp", "--dport", "80", "--tcp-flags", "SYN,BOGUS"], /^iptrace: --tcp-flags: expected .*\n$/],
      [["-f", DOCKER, ...BRIEF, "--frobnicate"], /^iptrace: unknown option --frobnicate; see iptrace --help\n$/],
      [["-f", DOCKER, "--src", "172.17.0.2"], /^iptrace: --dst is required/],
      [["-f", DOCKER, ...BRIEF, "--in", "eth0", "--local"], /^iptrace: --in and --local exclude each other/],
      [["-f", DOCKER, ...BRIEF, "--host", "nope.json"], /^iptrace: cannot read host file nope\.json: no such file\n$/],
    ];
    for (const [args, re] of cases) {
      const r = iptrace(args);
      expect({ args, status: r.status, stdout: r.stdout }).toEqual({ args, status: 2, stdout: "" });
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  }, 120_000);
  it("2 with a message on how to give a dump when standard input is a terminal", async () => {
    let out = "";
    let err = "";
    const status = await run(BRIEF, {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      stdinIsTTY: true,
      readStdin: () => Promise.reject(new Error("must not read a terminal")),
      env: {},
    });
    expect(status).toBe(2);
    expect(out).toBe("");
    expect(err).toContain("sudo iptables-save | iptrace");
    expect(err).toContain("iptrace -f rules.txt");
  });
  it("2 with the same message for iptrace alone at a terminal", async () => {
    let err = "";
    const status = await run([], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (err += s) },
      stdinIsTTY: true,
      readStdin: () => Promise.reject(new Error("must not read a terminal")),
      env: {},
    });
    expect(status).toBe(2);
    expect(err).toMatch(/^iptrace needs a ruleset/);
  });
  it("2 for an empty standard input", () => {
    const r = iptrace(BRIEF);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/standard input is empty/);
  });
});

describe("--live", () => {
  // a stand-in iptables-save on PATH: the test never reads this machine's rules
  const bin = mkdtempSync(join(tmpdir(), "iptrace-live-"));
  const dump = join(ROOT, DOCKER);
  writeFileSync(join(bin, "iptables-save"), `#!/bin/sh\ncat '${dump}'\n`);
  writeFileSync(join(bin, "ip6tables-save"), "#!/bin/sh\necho 'ip6tables-save: Permission denied (you must be root)' >&2\nexit 1\n");
  chmodSync(join(bin, "iptables-save"), 0o755);
  chmodSync(join(bin, "ip6tables-save"), 0o755);
  const PATH = `${bin}:${process.env.PATH ?? ""}`;
  it("runs iptables-save for an IPv4 packet and names it in file:line references", () => {
    const r = iptrace(["--live", ...BRIEF], { env: { PATH } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("iptables-save:29  -A POSTROUTING");
  });
  it("runs ip6tables-save for an IPv6 packet; its failure is one line, exit 2", () => {
    const r = iptrace(["--live", "--src", "2001:db8::2", "--dst", "2001:db8:1::10"], { env: { PATH } });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("iptrace: --live: ip6tables-save failed: ip6tables-save: Permission denied (you must be root) (run as root: sudo iptrace --live …)\n");
  });
});

describe("--batch", () => {
  it("--json prints one trace per line, in order; the status is the worst verdict", () => {
    const r = iptrace(["-f", PUBLISHED, "--batch", "fixtures/cli/packets.jsonl", "--json"]);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Trace);
    expect(lines.map((t) => [t.verdict, t.path, t.out])).toEqual([
      ["ACCEPT", "forward", "eth0"],
      ["ACCEPT", "forward", "docker0"],
      ["DROP", "forward", "eth0"],
    ]);
    expect(r.status).toBe(1);
  });
  it("prints one line per packet as text, numbered by line of the file", () => {
    const r = iptrace(["-f", PUBLISHED, "--batch", "fixtures/cli/packets.jsonl"]);
    expect(r.stdout.split("\n").filter(Boolean).map((l) => l.split("  ").slice(0, 2).join("  "))).toEqual([
      "1: tcp 172.17.0.2:40000 → 203.0.113.10:443 [SYN]  ACCEPT",
      "4: tcp 203.0.113.7:40000 → 198.51.100.1:8080 [SYN]  ACCEPT",
      "5: tcp 172.17.0.2:40000 → 203.0.113.10:22 [SYN]  DROP",
    ]);
  });
  it("reads packets from standard input with --batch -", () => {
    const r = iptrace(["-f", PUBLISHED, "--batch", "-", "--json"], { stdin: '{"src":"172.17.0.2","dst":"203.0.113.10","proto":"udp","dport":53}\n' });
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1);
  });
  it("2 for a line that is not JSON, with file:line:col, and nothing traced", () => {
    const r = iptrace(["-f", PUBLISHED, "--batch", "-", "--json"], { stdin: '{"src":"172.17.0.2","dst":"203.0.113.10","proto":"udp","dport":53}\n{"src": 1.2.3.4}\n' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^<stdin>:2:\d+: error: /);
    expect(r.stderr).toContain('    2 | {"src": 1.2.3.4}');
  });
  it("2 for a packet with a bad field, naming the line and the field", () => {
    const r = iptrace(["-f", PUBLISHED, "--batch", "-"], { stdin: '{"src":"172.17.0.2","dst":"203.0.113.10","proto":"tcp","dport":"http"}\n' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^iptrace: <stdin>:1: packet field "dport": expected/);
  });
  it("refuses single-packet flags", () => {
    const r = iptrace(["-f", PUBLISHED, "--batch", "fixtures/cli/packets.jsonl", "--src", "1.2.3.4"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--batch reads every packet from its file; --src cannot be combined with it/);
  });
});

describe("host, ipsets and packet options", () => {
  it("--ip-addr/--ip-route (plain text) put the packet on the real uplink", () => {
    const r = iptrace(["-f", DOCKER, ...BRIEF, "--ip-addr", "fixtures/seed/ip-addr.txt", "--ip-route", "fixtures/seed/ip-route.txt", "--json"]);
    expect(r.stderr).toBe("");
    const t = JSON.parse(r.stdout) as Trace;
    expect([t.verdict, t.out]).toEqual(["ACCEPT", "enp0s8"]);
  });
  it("--ip-addr/--ip-route accept ip -j output", () => {
    const r = iptrace(["-f", DOCKER, ...BRIEF, "--ip-addr", "fixtures/host/ip-addr.json", "--ip-route", "fixtures/host/ip-route.json", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
  it("host file errors name the file, line and column (text) or the JSON path (--host)", () => {
    const route = "default via 10.0.3.1 dev enp0s8\n172.17.0.0/16 dev docker0 src 172.17.0.300\n";
    const r = iptrace(["-f", DOCKER, ...BRIEF, "--ip-addr", "fixtures/seed/ip-addr.txt", "--ip-route", "-"], { stdin: route });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('<stdin>:2:31: error: "172.17.0.300" is not an IPv4 address\n    2 | 172.17.0.0/16 dev docker0 src 172.17.0.300\n      |                               ^\n');
    const h = iptrace(["-f", DOCKER, ...BRIEF, "--host", "-"], { stdin: '{"interfaces": 3}' });
    expect(h.status).toBe(2);
    expect(h.stderr).toBe("iptrace: <stdin>: $.interfaces: expected an array, got the number 3\n");
  }, 120_000);
  it("--ipsets feeds the set match", () => {
    const base = ["-f", "fixtures/cli/set.rules", "--ipsets", "fixtures/cli/ipsets.save", "--src", "192.0.2.1", "-p", "udp", "--dport", "53"];
    expect(iptrace([...base, "--dst", "203.0.113.5"]).status).toBe(1);
    expect(iptrace([...base, "--dst", "203.0.113.20"]).status).toBe(0);
  }, 120_000);
  it("--ipsets errors name the file, line and column", () => {
    const r = iptrace(["-f", "fixtures/cli/set.rules", "--ipsets", "-", "--src", "192.0.2.1", "--dst", "203.0.113.5"], { stdin: "create s hash:ip\nadd s 300.1.1.1\n" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^<stdin>:2:7: error: /m);
  });
  it("--local takes the OUTPUT path", () => {
    const r = iptrace(["-f", PUBLISHED, "--local", "--dst", "203.0.113.10", "-p", "tcp", "--dport", "443", "--json"]);
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout) as Trace;
    expect(t.path).toBe("output");
  });
});

describe("colour, help, version, parse", () => {
  it("colours a terminal's output, never with NO_COLOR", () => {
    expect(iptrace(["-f", DOCKER, ...BRIEF], { env: { FORCE_COLOR: "1" } }).stdout).toContain("\x1b[");
    expect(iptrace(["-f", DOCKER, ...BRIEF], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } }).stdout).not.toContain("\x1b[");
  }, 120_000);
  it("--help shows the flags and examples; --version the package version", () => {
    const h = iptrace(["--help"]);
    expect(h.status).toBe(0);
    for (const flag of ["-f", "--ip-addr", "--ip-route", "--host", "--ipsets", "--src", "--dst", "--sport", "--dport", "--tcp-flags", "--icmp-type", "--in", "--local", "--state", "--mark", "--json", "--batch", "--live"]) {
      expect(h.stdout).toContain(flag);
    }
    expect(h.stdout).toContain("Examples:");
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(iptrace(["--version"]).stdout).toBe(`iptrace ${pkg.version}\n`);
  }, 120_000);
  it("parse prints the canonical text; --json the model, IPv6 addresses included", () => {
    const r = iptrace(["parse", DOCKER]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, DOCKER), "utf8"));
    const v6 = iptrace(["parse", "--json"], { stdin: "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 2001:db8::/32 -j DROP\nCOMMIT\n" });
    expect(v6.status).toBe(0);
    const model = JSON.parse(v6.stdout) as { family: number; tables: { chains: { rules: { source: { value: { addr: string } } }[] }[] }[] };
    expect(model.family).toBe(6);
    expect(BigInt(model.tables[0].chains[0].rules[0].source.value.addr)).toBe(0x20010db8n << 96n);
  }, 120_000);
  it("parse --json writes each table once: document names the tables in effect and keeps a replaced block whole", () => {
    // two filter blocks: iptables-restore flushes the first when the second comes
    const input = [
      "# first",
      "*filter",
      ":INPUT ACCEPT [0:0]",
      "-A INPUT -s 192.0.2.1/32 -j DROP",
      "COMMIT",
      "*nat",
      ":PREROUTING ACCEPT [0:0]",
      "COMMIT",
      "*filter",
      ":INPUT DROP [0:0]",
      "-A INPUT -s 198.51.100.1/32 -j ACCEPT",
      "COMMIT",
      "",
    ].join("\n");
    const r = iptrace(["parse", "--json"], { stdin: input });
    expect(r.status).toBe(0);
    const model = JSON.parse(r.stdout) as { tables: { name: string; chains: { name: string; policy: string }[] }[]; document: Record<string, unknown>[] };
    const { ruleset } = parseRuleset(input);
    expect(model.tables).toEqual(JSON.parse(JSON.stringify(ruleset.tables)));
    expect(model.tables.map((t) => t.name)).toEqual(["filter", "nat"]);
    expect(model.tables[0].chains.find((c) => c.name === "INPUT")?.policy).toBe("DROP");
    expect(model.document).toEqual([
      { kind: "comment", text: "# first", line: 1 },
      { kind: "table", name: "filter", committed: true, table: JSON.parse(JSON.stringify((ruleset.document[1] as { table: unknown }).table)) },
      { kind: "table", name: "nat", committed: true },
      { kind: "table", name: "filter", committed: true },
    ]);
    // every rule appears once: the dump's two rules, not four
    expect(r.stdout.match(/"line": \d+,\n\s+"source"/g)?.length).toBe(2);
  }, 120_000);
});
