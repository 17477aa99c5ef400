/**
 * The shapes real dumps come in besides today's iptables-save: CRLF line ends, old iptables'
 * trailing spaces and `-s ! ADDR` negation, several dumps in one file, COMMIT at the end of the
 * file without a line end, per-rule counters, restore commands and quoting.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { guessFamily, parseRuleset, printRuleset } from "../../src/index.js";

const seed = readFileSync(join(import.meta.dirname, "../../fixtures/corpus/seed/docker-default-2020.rules"), "utf8");
const errors = (text: string) => parseRuleset(text).issues.filter((i) => i.severity === "error");

/** Parses a filter table given as its lines (COMMIT added), expecting no issue; the ruleset and its printed form. */
function cleanFilter(lines: readonly string[]) {
  const { ruleset, issues } = parseRuleset(["*filter", ...lines, "COMMIT", ""].join("\n"));
  expect(issues).toEqual([]);
  return { ruleset, printed: printRuleset(ruleset) };
}

describe("dump formats", () => {
  it("reads CRLF line ends and prints them back", () => {
    const crlf = seed.replace(/\n/g, "\r\n");
    const { ruleset, issues } = parseRuleset(crlf);
    expect(issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(printRuleset(ruleset)).toBe(crlf);
  });

  it("reads iptables ≤1.4.10 dumps: a space at the end of every rule, and -s ! ADDR", () => {
    const old = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s ! 10.0.0.0/8 -p tcp -m tcp --dport ! 22 -j DROP \n-A INPUT -i ! lo -j ACCEPT \nCOMMIT\n";
    const { ruleset, issues } = parseRuleset(old);
    expect(issues).toEqual([]);
    expect(printRuleset(ruleset)).toBe(
      "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n" +
        "-A INPUT ! -s 10.0.0.0/8 -p tcp -m tcp ! --dport 22 -j DROP\n-A INPUT ! -i lo -j ACCEPT\nCOMMIT\n",
    );
  });

  it("keeps several concatenated dumps in order, the last block of a table in effect", () => {
    const two = `# first\n${seed}# second\n${seed.replace("-A DOCKER-USER -j RETURN", "-A DOCKER-USER -j DROP")}`;
    const { ruleset, issues } = parseRuleset(two);
    expect(issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(printRuleset(ruleset)).toBe(two);
    expect(ruleset.document.filter((d) => d.kind === "table")).toHaveLength(4);
    const filter = ruleset.tables.find((t) => t.name === "filter");
    expect(filter?.chains.find((c) => c.name === "DOCKER-USER")?.rules[0].target).toEqual({ name: "DROP" });
  });

  it("accepts COMMIT as the last bytes of the file", () => {
    expect(errors("*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\nCOMMIT")).toEqual([]);
  });

  it("keeps per-rule counters, in both spellings, and prints them as iptables-save -c does", () => {
    const { ruleset } = parseRuleset("*filter\n:INPUT ACCEPT [5:300]\n[12:720] -A INPUT -j ACCEPT\n-A INPUT -c 3 180 -j DROP\nCOMMIT\n");
    const out = printRuleset(ruleset, { counters: true });
    expect(out).toContain(":INPUT ACCEPT [5:300]\n");
    expect(out).toContain("[12:720] -A INPUT -j ACCEPT\n[3:180] -A INPUT -j DROP\n");
    const bare = printRuleset(ruleset, { counters: false });
    expect(bare).toContain(":INPUT ACCEPT [0:0]\n");
    expect(bare).toContain("\n-A INPUT -j ACCEPT\n-A INPUT -j DROP\n");
  });

  it("applies restore commands in order: -N, -I at a position, -D by number and by spec, -R, -P, -E, -F, -X", () => {
    const { printed } = cleanFilter([
      "-N A",
      "-N B",
      "-A A -s 10.0.0.1 -j ACCEPT",
      "-A A -s 10.0.0.2 -j ACCEPT",
      "-I A 2 -s 10.0.0.3 -j ACCEPT",
      "-D A -s 10.0.0.1 -j ACCEPT",
      "-D A 2",
      "-A INPUT -j A",
      "-P INPUT DROP",
      "-E B C",
      "-A C -j RETURN",
      "-F C",
      "-X C",
    ]);
    expect(printed).toBe(
      "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:A - [0:0]\n" +
        "-A INPUT -j A\n-A A -s 10.0.0.3/32 -j ACCEPT\nCOMMIT\n",
    );
  });

  it("keeps each chain's rules in order when appends to several chains interleave with -I, -E and -F", () => {
    const lines = [
      ":A - [0:0]",
      ":B - [0:0]",
      ":D - [0:0]",
      "-A A -s 10.0.0.1 -j ACCEPT",
      "-A B -s 10.0.0.2 -j ACCEPT",
      "-A A -s 10.0.0.3 -j B",
      "-I A 1 -s 10.0.0.4 -j ACCEPT",
      "-A A -s 10.0.0.5 -j ACCEPT",
      "-A B -j RETURN",
      "-A D -j DROP",
      "-E B C",
      "-A C -s 10.0.0.6 -j ACCEPT",
      "-F D",
      "-A D -s 10.0.0.7 -j ACCEPT",
      "-A INPUT -j A",
    ];
    const { ruleset, printed } = cleanFilter(lines);
    expect(printed).toBe(
      "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:A - [0:0]\n:C - [0:0]\n:D - [0:0]\n" +
        "-A INPUT -j A\n" +
        "-A A -s 10.0.0.4/32 -j ACCEPT\n-A A -s 10.0.0.1/32 -j ACCEPT\n-A A -s 10.0.0.3/32 -j C\n-A A -s 10.0.0.5/32 -j ACCEPT\n" +
        "-A C -s 10.0.0.2/32 -j ACCEPT\n-A C -j RETURN\n-A C -s 10.0.0.6/32 -j ACCEPT\n" +
        "-A D -s 10.0.0.7/32 -j ACCEPT\nCOMMIT\n",
    );
    // every jump to a chain shares one target object, renamed chains included
    const rules = ruleset.tables[0].chains.flatMap((c) => c.rules);
    const toA = rules.filter((r) => r.target?.name === "chain" && r.target.chain === "A");
    const again = cleanFilter([...lines, "-A OUTPUT -j A"]).ruleset.tables[0].chains;
    const [fromInput, fromOutput] = [again[0].rules[0].target, again[2].rules[0].target];
    expect(toA).toHaveLength(1);
    expect(fromInput).toEqual({ name: "chain", chain: "A" });
    expect(fromOutput).toBe(fromInput);
  });


  it("puts each rule in the chain it names, in declaration order or not, after -X and -E reuse a name", () => {
    // the reader tries the chains declared after the last one named before its map (build.ts,
    // findChain): rules for far and earlier chains, and names that -X and -E free and -N reuses
    const empty = Array.from({ length: 12 }, (_, k) => `:E${String(k).padStart(2, "0")} - [0:0]`);
    const { printed } = cleanFilter([
      ":A - [0:0]",
      ":B - [0:0]",
      ...empty,
      ":F - [0:0]",
      ":G - [0:0]",
      "-A A -s 10.0.0.1 -j ACCEPT",
      "-A B -s 10.0.0.2 -j ACCEPT",
      "-A F -s 10.0.0.3 -j ACCEPT",
      "-A G -s 10.0.0.5 -j ACCEPT",
      "-F B",
      "-X B",
      "-N B",
      "-A A -s 10.0.0.4 -j ACCEPT",
      "-A B -s 10.0.0.6 -j ACCEPT",
      "-E G H",
      "-N G",
      "-A G -s 10.0.0.7 -j ACCEPT",
      "-A H -s 10.0.0.8 -j ACCEPT",
      "-A F -s 10.0.0.9 -j ACCEPT",
    ]);
    expect(printed).toBe(
      ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":A - [0:0]", ":B - [0:0]", ...empty, ":F - [0:0]", ":G - [0:0]", ":H - [0:0]"].join("\n") +
        "\n-A A -s 10.0.0.1/32 -j ACCEPT\n-A A -s 10.0.0.4/32 -j ACCEPT\n-A B -s 10.0.0.6/32 -j ACCEPT\n" +
        "-A F -s 10.0.0.3/32 -j ACCEPT\n-A F -s 10.0.0.9/32 -j ACCEPT\n-A G -s 10.0.0.7/32 -j ACCEPT\n" +
        "-A H -s 10.0.0.5/32 -j ACCEPT\n-A H -s 10.0.0.8/32 -j ACCEPT\nCOMMIT\n",
    );
  });
  it("unquotes as iptables-restore does and quotes as iptables-save does", () => {
    const { ruleset, issues } = parseRuleset('*filter\n-A INPUT -m comment --comment "a \\"b\\" c" -m comment --comment "" -m comment --comment x\\y -j ACCEPT\nCOMMIT\n');
    expect(issues).toEqual([]);
    const rule = ruleset.tables[0].chains[0].rules[0];
    expect(rule.matches.map((m) => (m.module === "comment" ? m.comment : ""))).toEqual(['a "b" c', "", "x\\y"]);
    expect(printRuleset(ruleset)).toContain('-A INPUT -m comment --comment "a \\"b\\" c" -m comment --comment "" -m comment --comment "x\\\\y" -j ACCEPT');
  });

  it("gives the options after a module iptrace does not know to that module, whether -p stands before it or after", () => {
    // found by the print-stability property: iptables-save prints -p first, and with -p first the
    // reader once loaded the tcp match for --comment, could not place it there, and reported it
    const after = '*filter\n-A INPUT -m nosuch --comment "x y" --dport 80 -m tcp -p tcp --sport 1 -j ACCEPT\nCOMMIT\n';
    const before = '*filter\n-A INPUT -p tcp -m nosuch --comment "x y" --dport 80 -m tcp --sport 1 -j ACCEPT\nCOMMIT\n';
    const rules = [after, before].map((text) => {
      const { ruleset, issues } = parseRuleset(text);
      expect(issues.map((i) => i.code)).toEqual(["unknown-match"]);
      return ruleset.tables[0].chains[0].rules[0];
    });
    expect(rules[0].matches).toEqual(rules[1].matches);
    expect(rules[0].matches[0]).toEqual({ module: "unknown", name: "nosuch", words: ["--comment", "x y", "--dport", "80"] });
    const printed = printRuleset(parseRuleset(after).ruleset);
    expect(printed).toContain('-A INPUT -p tcp -m nosuch --comment "x y" --dport 80 -m tcp --sport 1 -j ACCEPT');
    expect(parseRuleset(printed).issues.map((i) => i.code)).toEqual(["unknown-match"]);
    expect(printRuleset(parseRuleset(printed).ruleset)).toBe(printed);
  });

  it("reads -4/-6 prefixed lines as ip(6)tables-restore does: the other family's lines are skipped", () => {
    const text = "*filter\n-4 -A INPUT -s 10.0.0.1 -j ACCEPT\n-6 -A INPUT -s 2001:db8::1 -j ACCEPT\nCOMMIT\n";
    const v4 = parseRuleset(text, { family: 4 });
    const v6 = parseRuleset(text, { family: 6 });
    expect(v4.issues).toEqual([]);
    expect(v6.issues).toEqual([]);
    expect(printRuleset(v4.ruleset)).toContain("-A INPUT -s 10.0.0.1/32 -j ACCEPT\nCOMMIT");
    expect(printRuleset(v6.ruleset)).toContain("-A INPUT -s 2001:db8::1/128 -j ACCEPT\nCOMMIT");
  });
});

describe("the family, when not given", () => {
  it("is told by the first address or ICMPv6 match, wherever it stands", () => {
    const chains = Array.from({ length: 40_000 }, (_, k) => `:KUBE-SEP-${String(k).padStart(16, "0")} - [0:0]`).join("\n");
    expect(guessFamily(`*nat\n${chains}\n-A KUBE-SEP-0000000000000000 -s fd00:b4::1/128 -j ACCEPT\nCOMMIT\n`)).toBe(6);
    expect(guessFamily(`*nat\n${chains}\n-A KUBE-SEP-0000000000000000 -s 10.1.2.3/32 -j ACCEPT\nCOMMIT\n`)).toBe(4);
    expect(guessFamily("-A PREROUTING -p tcp -j DNAT --to-destination [fd00::1]:80\n")).toBe(6);
    expect(guessFamily("-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1:80\n")).toBe(4);
    expect(guessFamily("-A INPUT ! -s ::1 -j DROP\n")).toBe(6);
    expect(guessFamily("-A INPUT -s ! ::ffff:1.2.3.4 -j DROP\n")).toBe(6);
    expect(guessFamily("-A INPUT -p ipv6-icmp -j ACCEPT\n-A INPUT -s 2001:db8::1 -j DROP\n")).toBe(6);
    expect(guessFamily("-A INPUT -m comment --comment x -j ACCEPT\n")).toBe(4);
  });

  it("parses a big ip6tables dump as IPv6 without being told", () => {
    const chains = Array.from({ length: 40_000 }, (_, k) => `:C${k} - [0:0]`).join("\n");
    const { ruleset, issues } = parseRuleset(`*filter\n${chains}\n-A INPUT -s 2001:db8::/32 -j C0\nCOMMIT\n`);
    expect(issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(ruleset.family).toBe(6);
  });
});

describe("positions in long inputs", () => {
  it("counts lines from the top of the file, past the lexer's blocks", () => {
    const rules = Array.from({ length: 6000 }, (_, i) => `-A INPUT -s 10.0.${i >> 8}.${i & 255} -j ACCEPT`);
    rules[4999] = "-A INPUT -s 10.0.0.300 -j ACCEPT";
    const text = `*filter\n:INPUT ACCEPT [0:0]\n${rules.join("\n")}\nCOMMIT\n`;
    const { ruleset, issues } = parseRuleset(text);
    expect(issues.map((i) => [i.code, i.line, i.column])).toEqual([["bad-address", 5002, 13]]);
    const input = ruleset.tables[0].chains[0];
    // the rule on line 5002 was refused, so the model's rule 5500 is the input's rule 5501 (line 5504)
    expect(input.rules[5500].line).toBe(5504);
    expect(input.rules[input.rules.length - 1].line).toBe(6002);
  });
});
