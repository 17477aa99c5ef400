/**
 * The fast chain-line reader against the grammar, which stays the specification: on every line
 * it accepts, the grammar must parse a chain line with the same name, policy, policy column and
 * counters. Checked on random lines (fast-check) and on every chain line of the corpus; and the
 * fast path must accept the plain lines real dumps are made of, or it would decline its way to
 * correctness.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Lexer } from "../../grammar/chevrotain.js";
import { allTokens, LineParser, Newline } from "../../grammar/index.js";
import { chainLine, splitChainLine } from "../../src/parse/chain-line.js";
import { corpusFiles } from "../corpus-files.js";

const lexer = new Lexer(allTokens, { positionTracking: "onlyStart", ensureOptimizations: true });
const parser = new LineParser();

interface Read {
  name: string;
  policy?: string;
  policyColumn?: number;
  counters?: string;
}

/** The grammar's reading of a one-line text: a chain line, or undefined for anything else. */
function grammar(line: string): Read | undefined {
  const lexed = lexer.tokenize(line);
  if (lexed.errors.length > 0) return undefined;
  const tokens = lexed.tokens.filter((t) => t.tokenType !== Newline);
  if (tokens.length === 0) return undefined;
  parser.input = tokens;
  const s = parser.line();
  if (parser.errors.length > 0 || !s || s.kind !== "chain") return undefined;
  return { name: s.token.image.slice(1), policy: s.policy?.image, policyColumn: s.policy?.startColumn, counters: s.counters?.image };
}

/** The fast path's reading of `line` placed inside a larger text, or undefined when it declines. */
function fast(line: string, before = "*filter\n", after = "\nCOMMIT\n"): Read | undefined {
  const text = before + line + after;
  const start = before.length;
  const nl = text.indexOf("\n", start);
  const out = chainLine();
  if (!splitChainLine(text, start, nl < 0 ? text.length : nl, out)) return undefined;
  return { name: out.name, policy: out.policy, policyColumn: out.policyColumn, counters: out.counters };
}

describe("splitChainLine", () => {
  const cases: [string, Read | undefined][] = [
    [":INPUT ACCEPT [0:0]", { name: "INPUT", policy: "ACCEPT", policyColumn: 8, counters: "[0:0]" }],
    [":KUBE-SEP-ABC - [12:3456]", { name: "KUBE-SEP-ABC", policy: "-", policyColumn: 15, counters: "[12:3456]" }],
    [":X   DROP   [1:2]   ", { name: "X", policy: "DROP", policyColumn: 6, counters: "[1:2]" }],
    [":X - [1:2]\r", { name: "X", policy: "-", policyColumn: 4, counters: "[1:2]" }],
    // declined, for the grammar to read (or report)
    [":X -", undefined],
    [":X", undefined],
    [":X\t- [0:0]", undefined],
    [':"X" - [0:0]', undefined],
    [":X - [0:0] extra", undefined],
    [":X - [0:0]x", undefined],
    [":X [0:0]", undefined],
    [": - [0:0]", undefined],
    [":X - [a:0]", undefined],
  ];
  for (const [line, want] of cases) {
    it(JSON.stringify(line), () => {
      expect(fast(line)).toEqual(want);
      if (want) expect(grammar(line.replace(/\r$/, ""))).toEqual(want);
    });
  }

  it("agrees with the grammar on every line it accepts (random lines)", () => {
    let accepted = 0;
    const piece = fc.oneof(
      fc.constantFrom("X - [0:0]", "Y ACCEPT [1:2]", ":", "KUBE-SVC-X", "INPUT", " ", "  ", "\t", "-", "ACCEPT", "DROP", "[0:0]", "[12:34]", "[", "]", ":", '"', "x", "é", "\u0001", "\r", "!", "#", "[1:2]x"),
      fc.string({ maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const line = ":" + parts.join("");
        if (line.includes("\n")) return;
        const got = fast(line);
        if (got === undefined) return;
        accepted++;
        expect(grammar(line.endsWith("\r") ? line.slice(0, -1) : line)).toEqual(got);
      }),
      { numRuns: 3000 },
    );
    // the generator must reach the accepting paths, or the property says nothing
    expect(accepted).toBeGreaterThan(30);
  });

  it("accepts every chain line of the corpus that has a policy and counters, as the grammar reads it", () => {
    let lines = 0;
    for (const f of corpusFiles()) {
      for (const line of readFileSync(f, "utf8").split("\n")) {
        if (!line.startsWith(":")) continue;
        const g = grammar(line.replace(/\r$/, ""));
        if (!g || g.counters === undefined || g.policy === undefined) continue;
        lines++;
        expect(fast(line), `${f}: ${line}`).toEqual(g);
      }
    }
    expect(lines).toBeGreaterThan(500);
  });
});
