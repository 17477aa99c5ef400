/**
 * Malformed input: each case gives the issue code, line and column the user is pointed at.
 * The parser never throws on these; the message names what was expected.
 */
import { describe, expect, it } from "vitest";
import { IptablesParseError, parseRuleset, parseRulesetOrThrow } from "../../src/index.js";

const F = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
/** A rule line inside a filter table: the line under test is line 5. */
const rule = (line: string) => `${F}${line}\nCOMMIT\n`;
const N = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n";
/** A rule line inside a nat table: line 6. */
const natRule = (line: string) => `${N}${line}\nCOMMIT\n`;

interface Case {
  readonly name: string;
  readonly text: string;
  readonly code: string;
  readonly line: number;
  readonly column: number;
  readonly family?: 4 | 6;
}

const cases: Case[] = [
  { name: "unknown table", text: "*filtre\nCOMMIT\n", code: "unknown-table", line: 1, column: 2 },
  { name: "missing COMMIT at end of file", text: F, code: "missing-commit", line: 1, column: 1 },
  { name: "missing COMMIT before the next table", text: `${F}*nat\nCOMMIT\n`, code: "missing-commit", line: 5, column: 1 },
  { name: "rule outside a table", text: "-A INPUT -j ACCEPT\n", code: "rule-outside-table", line: 1, column: 1 },
  { name: "chain line outside a table", text: ":INPUT ACCEPT [0:0]\n", code: "rule-outside-table", line: 1, column: 1 },
  { name: "COMMIT outside a table", text: "COMMIT\n", code: "syntax", line: 1, column: 1 },
  { name: "builtin chain the table lacks", text: "*filter\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", code: "unknown-builtin-chain", line: 2, column: 2 },
  { name: "bad policy", text: "*filter\n:INPUT MAYBE [0:0]\nCOMMIT\n", code: "bad-policy", line: 2, column: 8 },
  { name: "policy on a user chain", text: "*filter\n:MINE ACCEPT [0:0]\nCOMMIT\n", code: "bad-policy", line: 2, column: 7 },
  { name: "chain line without policy", text: "*filter\n:MINE\nCOMMIT\n", code: "bad-policy", line: 2, column: 6 },
  { name: "chain declared twice", text: "*filter\n:X - [0:0]\n:X - [0:0]\nCOMMIT\n", code: "duplicate-chain", line: 3, column: 2 },
  { name: "chain declared twice, out of name order", text: "*filter\n:B - [0:0]\n:A - [0:0]\n:C - [0:0]\n:A - [0:0]\nCOMMIT\n", code: "duplicate-chain", line: 5, column: 2 },
  { name: "chain declared under a name -E gave", text: "*filter\n:A - [0:0]\n-E A Z\n:Z - [0:0]\nCOMMIT\n", code: "duplicate-chain", line: 4, column: 2 },
  { name: "chain name too long", text: `*filter\n:${"C".repeat(29)} - [0:0]\nCOMMIT\n`, code: "bad-value", line: 2, column: 2 },
  { name: "rule for an undeclared chain", text: rule("-A NOPE -j ACCEPT"), code: "unknown-chain", line: 5, column: 4 },
  { name: "jump to an undefined chain", text: rule("-A INPUT -j NOWHERE"), code: "undefined-jump", line: 5, column: 13 },
  { name: "goto to an undefined chain", text: rule("-A INPUT -g NOWHERE"), code: "undefined-jump", line: 5, column: 13 },
  { name: "jump to a builtin chain", text: rule("-A INPUT -j OUTPUT"), code: "undefined-jump", line: 5, column: 13 },
  { name: "loop in the jump graph", text: "*filter\n:X - [0:0]\n:Y - [0:0]\n-A X -j Y\n-A Y -j X\nCOMMIT\n", code: "chain-loop", line: 5, column: 9 },
  { name: "option missing its value", text: rule("-A INPUT -s"), code: "missing-value", line: 5, column: 12 },
  { name: "bad IPv4 address", text: rule("-A INPUT -s 10.0.0.300 -j ACCEPT"), code: "bad-address", line: 5, column: 13 },
  { name: "prefix too long", text: rule("-A INPUT -d 10.0.0.0/33 -j ACCEPT"), code: "bad-address", line: 5, column: 13 },
  { name: "IPv6 address in an IPv4 dump", text: rule("-A INPUT -s 10.0.0.1 -d fe80::1 -j ACCEPT"), code: "bad-address", line: 5, column: 25, family: 4 },
  { name: "bad port", text: rule("-A INPUT -p tcp --dport 65536 -j ACCEPT"), code: "bad-port", line: 5, column: 25 },
  { name: "reversed port range", text: rule("-A INPUT -p tcp --sport 90:80 -j ACCEPT"), code: "bad-port", line: 5, column: 25 },
  { name: "unknown protocol", text: rule("-A INPUT -p tcpp -j ACCEPT"), code: "bad-protocol", line: 5, column: 13 },
  { name: "protocol number too large", text: rule("-A INPUT -p 256 -j ACCEPT"), code: "bad-protocol", line: 5, column: 13 },
  { name: "interface name too long", text: rule("-A INPUT -i abcdefghijklmnop -j ACCEPT"), code: "bad-interface", line: 5, column: 13 },
  { name: "unknown option", text: rule("-A INPUT --bogus 1 -j ACCEPT"), code: "unknown-option", line: 5, column: 10 },
  { name: "port option without a protocol", text: rule("-A INPUT --dport 22 -j ACCEPT"), code: "unknown-option", line: 5, column: 10 },
  { name: "-m tcp without -p tcp", text: rule("-A INPUT -m tcp --dport 22 -j ACCEPT"), code: "match-not-allowed", line: 5, column: 13 },
  { name: "unterminated quote", text: rule('-A INPUT -m comment --comment "abc -j ACCEPT'), code: "unterminated-quote", line: 5, column: 31 },
  { name: "negation with nothing after it", text: rule("-A INPUT -j ACCEPT !"), code: "syntax", line: 5, column: 20 },
  { name: "negating an option that cannot be", text: rule("-A INPUT ! -j ACCEPT"), code: "syntax", line: 5, column: 10 },
  { name: "stray word", text: rule("-A INPUT ACCEPT"), code: "syntax", line: 5, column: 10 },
  { name: "line without a command", text: rule("-s 1.2.3.4 -j ACCEPT"), code: "bad-command", line: 5, column: 1 },
  { name: "two commands on one line", text: rule("-A INPUT -A OUTPUT -j ACCEPT"), code: "bad-command", line: 5, column: 10 },
  { name: "two targets", text: rule("-A INPUT -j ACCEPT -j DROP"), code: "duplicate-option", line: 5, column: 20 },
  { name: "option given twice", text: rule("-A INPUT -s 1.1.1.1 -s 2.2.2.2 -j ACCEPT"), code: "duplicate-option", line: 5, column: 21 },
  { name: "-t inside restore input", text: rule("-t nat -A INPUT -j ACCEPT"), code: "bad-command", line: 5, column: 1 },
  { name: "insert past the end", text: rule("-I INPUT 3 -j ACCEPT"), code: "no-such-rule", line: 5, column: 4 },
  { name: "delete a rule that is not there", text: rule("-D INPUT -s 1.2.3.4 -j ACCEPT"), code: "no-such-rule", line: 5, column: 4 },
  { name: "policy on a user chain by -P", text: "*filter\n:X - [0:0]\n-P X DROP\nCOMMIT\n", code: "bad-policy", line: 3, column: 4 },
  { name: "delete a chain still jumped to", text: "*filter\n:X - [0:0]\n-A INPUT -j X\n-X X\nCOMMIT\n", code: "chain-in-use", line: 4, column: 4 },
  { name: "new chain that exists", text: "*filter\n:X - [0:0]\n-N X\nCOMMIT\n", code: "duplicate-chain", line: 3, column: 4 },
  { name: "control character", text: rule("-A INPUT \u0001 -j ACCEPT"), code: "syntax", line: 5, column: 10 },
  { name: "junk after COMMIT", text: `${F}COMMIT junk\n`, code: "syntax", line: 5, column: 8 },
  { name: "junk after the table name", text: "*filter now\nCOMMIT\n", code: "syntax", line: 1, column: 9 },
  { name: "-f in an IPv6 dump", text: rule("-A INPUT -f -j ACCEPT"), code: "family-mismatch", line: 5, column: 10, family: 6 },
  { name: "bad counters", text: rule("-A INPUT -c x 1 -j ACCEPT"), code: "bad-counters", line: 5, column: 13 },
  { name: "ambiguous abbreviation", text: rule("-A INPUT --in 1 -j ACCEPT"), code: "ambiguous-option", line: 5, column: 10 },
  { name: "DNAT outside nat", text: rule("-A INPUT -p tcp -j DNAT --to-destination 1.2.3.4"), code: "target-not-allowed", line: 5, column: 20 },
  { name: "MASQUERADE in PREROUTING", text: natRule("-A PREROUTING -j MASQUERADE"), code: "target-not-allowed", line: 6, column: 18 },
  // the validator finds the -j word again by reading the line once more: CRLF ends, an attached
  // value, an abbreviation and a line the fast splitter declines must all point at the right word
  { name: "DNAT outside nat, CRLF line ends", text: rule("-A INPUT -p tcp -j DNAT --to-destination 1.2.3.4").replace(/\n/g, "\r\n"), code: "target-not-allowed", line: 5, column: 20 },
  { name: "DNAT outside nat, --jump=DNAT", text: rule("-A INPUT -p tcp --jump=DNAT --to-destination 1.2.3.4"), code: "target-not-allowed", line: 5, column: 24 },
  { name: "DNAT outside nat, --ju DNAT after a quoted control character", text: rule('-A INPUT -m comment --comment "a\u0001b" -p tcp --ju DNAT --to-destination 1.2.3.4'), code: "target-not-allowed", line: 5, column: 49 },
  { name: "loop in the jump graph, counters before the rule", text: "*filter\n:X - [0:0]\n:Y - [0:0]\n[1:2] -A X -j Y\n[3:4] -A Y -g X\nCOMMIT\n", code: "chain-loop", line: 5, column: 15 },
];

describe("malformed input", () => {
  it("has at least 30 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of cases) {
    it(`${c.name}: ${c.code} at ${c.line}:${c.column}`, () => {
      const { issues } = parseRuleset(c.text, { source: "case.rules", family: c.family });
      const errors = issues.filter((i) => i.severity === "error");
      expect(errors.length).toBeGreaterThan(0);
      const first = errors.find((i) => i.code === c.code);
      expect(first, `issues were: ${JSON.stringify(errors)}`).toBeDefined();
      expect({ line: first?.line, column: first?.column }).toEqual({ line: c.line, column: c.column });
      expect(first?.source).toBe("case.rules");
      expect(first?.message.length).toBeGreaterThan(15);
      expect(() => parseRulesetOrThrow(c.text, { source: "case.rules", family: c.family })).toThrow(IptablesParseError);
    });
  }
});
