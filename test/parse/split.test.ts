/**
 * The fast rule-line splitter against the grammar, which stays the specification: on every line
 * the splitter accepts, the grammar must parse a rule line and give the same words, columns,
 * quoting and counters. Checked on random lines (fast-check), on edge cases, and on every line of
 * the corpus and the kernel goldens. A second property holds the splitter to accepting every plain
 * rule line, so the fast path cannot quietly decline its way to correctness.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { IToken } from "chevrotain";
import { Lexer } from "../../grammar/chevrotain.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allTokens, LineParser, Newline, OpenQuote } from "../../grammar/index.js";
import { corpusFiles } from "../corpus-files.js";
import { lineWords, resetWords, setCounters, splitRuleLine, tokensToWords, type LineWords } from "../../src/parse/words.js";

// Our own lexer and parser, built as src/parse builds its own, so this test does not depend on it.
const lexer = new Lexer(allTokens, { positionTracking: "onlyStart", ensureOptimizations: true });
const parser = new LineParser();

/** What one line gives, in a form `toEqual` compares. */
interface Shape {
  line: number;
  words: { text: string; column: number; quoted: boolean }[];
  unterminated: number;
  packets: number;
  bytes: number;
  countersColumn: number;
  family: 0 | 4 | 6;
}

function shape(out: LineWords): Shape {
  const words = [];
  for (let k = 0; k < out.n; k++) words.push({ text: out.text[k], column: out.column[k], quoted: out.quoted[k] });
  return { line: out.line, words, unterminated: out.unterminated, packets: out.packets, bytes: out.bytes, countersColumn: out.countersColumn, family: out.family };
}

/** One line as the grammar path sees it. */
interface GrammarLine {
  /** Lexed without error and parsed as a rule line without error. */
  rule: boolean;
  tokens: IToken[];
  counters?: IToken;
  words: readonly IToken[];
  shape?: Shape;
}

/** Lexes the whole text at once (as the real path lexes a block) and parses each line. */
function grammarLines(text: string): Map<number, GrammarLine> {
  const result = lexer.tokenize(text);
  const bad = new Set(result.errors.map((e) => e.line ?? 1));
  const byLine = new Map<number, IToken[]>();
  for (const t of result.tokens) {
    if (t.tokenType === Newline) continue;
    const l = t.startLine ?? 1;
    let list = byLine.get(l);
    if (!list) byLine.set(l, (list = []));
    list.push(t);
  }
  const lines = new Map<number, GrammarLine>();
  for (const [l, tokens] of byLine) {
    const g: GrammarLine = { rule: false, tokens, words: [] };
    lines.set(l, g);
    if (bad.has(l)) continue;
    parser.input = tokens;
    const s = parser.line();
    if (parser.errors.length > 0 || !s || s.kind !== "rule") continue;
    g.rule = true;
    g.counters = s.counters;
    g.words = s.words;
    const out = lineWords();
    resetWords(out, 0);
    if (s.counters) setCounters(out, s.counters.image, 0, s.counters.image.length, s.counters.startColumn ?? 1);
    tokensToWords(s.words, 0, out);
    g.shape = shape(out);
  }
  return lines;
}

/** The grammar must accept a plain rule line like this; the splitter may decline nothing else of it. */
function isPlain(text: string, start: number, lineEnd: number, g: GrammarLine): boolean {
  if (!g.rule || g.words.length === 0 || g.words.some((t) => t.tokenType === OpenQuote)) return false;
  for (let i = start; i < lineEnd; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f) return false;
  }
  const first = g.words[0];
  if (first.image[0] !== "-") return false;
  return g.counters ? g.counters.startColumn === 1 : first.startColumn === 1;
}

interface Checked {
  lines: number;
  accepted: number;
}

/**
 * Splits every line of `text` and holds each accepted one to the grammar; with `strict`, also
 * holds the splitter to accepting every plain rule line.
 */
function checkText(text: string, strict: boolean): Checked {
  const grammar = grammarLines(text);
  const out = lineWords();
  let lines = 0;
  let accepted = 0;
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lines++;
    resetWords(out, line);
    const ok = splitRuleLine(text, start, end, out);
    const g = grammar.get(line) ?? { rule: false, tokens: [], words: [] };
    const where = `line ${line}: ${JSON.stringify(text.slice(start, end))}`;
    if (ok) {
      accepted++;
      expect(g.rule, `${where} accepted by the splitter but not a rule line to the grammar`).toBe(true);
      expect(shape(out), where).toEqual({ ...g.shape, line });
    } else if (strict) {
      const lineEnd = end > start && text[end - 1] === "\r" && text[end] === "\n" ? end - 1 : end;
      expect(isPlain(text, start, lineEnd, g), `${where} is a plain rule line the splitter declined`).toBe(false);
    }
    start = end + 1;
  }
  return { lines, accepted };
}

/** Splits one line on its own, or returns undefined when the splitter declines it. */
function split(line: string): Shape | undefined {
  const text = `*filter\n${line}\nCOMMIT\n`;
  const out = lineWords();
  resetWords(out, 2);
  const ok = splitRuleLine(text, 8, 8 + line.length, out);
  return ok ? shape(out) : undefined;
}

/** The grammar path's result for one line (as the second line of a text), or undefined when it is no rule line. */
function viaGrammar(line: string): Shape | undefined {
  return grammarLines(`*filter\n${line}\nCOMMIT\n`).get(2)?.shape;
}

const w = (text: string, column: number, quoted = false) => ({ text, column, quoted });
const rule = (words: Shape["words"], counters?: [number, number, number], family: 0 | 4 | 6 = 0): Shape => ({
  line: 2,
  words,
  unterminated: 0,
  packets: counters ? counters[0] : -1,
  bytes: counters ? counters[1] : -1,
  countersColumn: counters ? counters[2] : 0,
  family,
});

describe("splitRuleLine: edge cases, each held to the grammar", () => {
  const cases: [name: string, line: string, expected: Shape | "declined"][] = [
    ["plain", "-A INPUT -j ACCEPT", rule([w("-A", 1), w("INPUT", 4), w("-j", 10), w("ACCEPT", 13)])],
    ["tabs and runs of blanks between words", "-A\tX \t -j\t\tDROP", rule([w("-A", 1), w("X", 4), w("-j", 8), w("DROP", 12)])],
    ["trailing blanks", "-A X   \t", rule([w("-A", 1), w("X", 4)])],
    ["quotes inside a word join its parts", '-A a"b c"d', rule([w("-A", 1), w("ab cd", 4, true)])],
    ["escaped quotes", '-A "a \\"b\\" c"', rule([w("-A", 1), w('a "b" c', 4, true)])],
    ["an empty quoted word", '-A "" x', rule([w("-A", 1), w("", 4, true), w("x", 7)])],
    ["an escape first, last, doubled", '-A "\\a" "b\\\\" "\\\\\\x"', rule([w("-A", 1), w("a", 4, true), w("b\\", 9, true), w("\\x", 15, true)])],
    ["a backslash outside quotes is text", "-A a\\b", rule([w("-A", 1), w("a\\b", 4)])],
    ["an escaped blank stays in the word", '-A "a\\ b"', rule([w("-A", 1), w("a b", 4, true)])],
    ["a quoted tab", '-A "a\tb"', rule([w("-A", 1), w("a\tb", 4, true)])],
    ["adjacent quoted parts", '-A "a""b"c"d"', rule([w("-A", 1), w("abcd", 4, true)])],
    ["a quoted option word", '"-A" X', "declined"],
    ["leading counters", "[0:0] -A X", rule([w("-A", 7), w("X", 10)], [0, 0, 1])],
    ["leading counters with a tab and big numbers", "[12345678901:02]\t-A X", rule([w("-A", 18), w("X", 21)], [12345678901, 2, 1])],
    // the lexer tries Counters before Word, and ruleLine takes a leading Counters greedily
    ["leading counters with no blank after them", "[0:0]-A X", rule([w("-A", 6), w("X", 9)], [0, 0, 1])],
    ["counters mid-line are a word", "-A X [1:2] y", rule([w("-A", 1), w("X", 4), w("[1:2]", 6), w("y", 12)])],
    ["counters mid-line joined to a word", '-A X [1:2]y "q"[3:4]', rule([w("-A", 1), w("X", 4), w("[1:2]y", 6), w("q[3:4]", 13, true)])],
    ["a word ending in counters", "-A X[1:2]", rule([w("-A", 1), w("X[1:2]", 4)])],
    ["non-ASCII and a surrogate pair", "-A é \u{1F600}x -j ü", rule([w("-A", 1), w("é", 4), w("\u{1F600}x", 6), w("-j", 10), w("ü", 13)])],
    ["a lone surrogate", "-A \ud800 x", rule([w("-A", 1), w("\ud800", 4), w("x", 6)])],
    ["a bare dash", "-", rule([w("-", 1)])],
    ["a -4 line", "-4 -A X", rule([w("-4", 1), w("-A", 4), w("X", 7)], undefined, 4)],
    ["--ipv6 among the words", "-A X --ipv6 -j Y", rule([w("-A", 1), w("X", 4), w("--ipv6", 6), w("-j", 13), w("Y", 16)], undefined, 6)],
    ["the first of -6 and -4", "-A X -6 -4", rule([w("-A", 1), w("X", 4), w("-6", 6), w("-4", 9)], undefined, 6)],
    ["a quoted -4 is no family", '-A X "-4"', rule([w("-A", 1), w("X", 4), w("-4", 6, true)])],
    ["-44 and --ipv4x are no family", "-A X -44 --ipv4x --ipv5", rule([w("-A", 1), w("X", 4), w("-44", 6), w("--ipv4x", 10), w("--ipv5", 18)])],
    ["counters then something else", "[0:0] x -A", "declined"],
    ["counters alone", "[0:0]", "declined"],
    ["counters then blanks", "[0:0]   ", "declined"],
    ["malformed counters", "[0:] -A X", "declined"],
    ["counters without packets", "[:0] -A X", "declined"],
    ["two counters", "[0:0] [1:1] -A X", "declined"],
    ["a leading blank", " -A X", "declined"],
    ["a chain line", ":INPUT ACCEPT [0:0]", "declined"],
    ["a comment", "# -A X", "declined"],
    ["an unterminated quote", '-A X "abc', "declined"],
    ["an unterminated quote ending in a backslash", '-A X "abc\\', "declined"],
    ["a control character", "-A X\u0001", "declined"],
    ["a control character inside quotes", '-A "a\u000bb"', "declined"],
    ["an escaped control character", '-A "a\\\u0001"', "declined"],
    ["DEL", "-A X\u007f", "declined"],
    ["a lone CR mid-line", "-A X\rY", "declined"],
    ["a lone CR inside quotes", '-A "X\rY"', "declined"],
    ["a NUL", "-A \u0000", "declined"],
  ];
  for (const [name, line, expected] of cases) {
    it(name, () => {
      const got = split(line);
      expect(got ?? "declined").toEqual(expected);
      // the grammar agrees where the splitter accepts; and every text is also checked in context
      if (got) expect(viaGrammar(line)).toEqual(got);
      checkText(`*filter\n${line}\nCOMMIT\n`, true);
    });
  }

  it("takes the CR of a CRLF as part of the line end", () => {
    const text = "-A X\r\n-A Y \r\n";
    const out = lineWords();
    resetWords(out, 1);
    expect(splitRuleLine(text, 0, 4 + 1, out)).toBe(true);
    expect(shape(out).words).toEqual([w("-A", 1), w("X", 4)]);
    resetWords(out, 2);
    expect(splitRuleLine(text, 6, 12, out)).toBe(true);
    expect(shape(out).words).toEqual([w("-A", 1), w("Y", 4)]);
    checkText(text, true);
  });

  it("declines a CR at the very end of the text (no line feed follows it)", () => {
    const text = "-A X\r";
    const out = lineWords();
    resetWords(out, 1);
    expect(splitRuleLine(text, 0, text.length, out)).toBe(false);
    checkText(text, true);
  });

  it("reads lines that cross the edges of its copy of the input, and lines longer than the copy", () => {
    // the splitter reads a copy of 32,768 code units at a time: lines of every length mod 7 put
    // each kind of character (quote, escape, CR of a CRLF, surrogate pair) on the copy's edges
    const kinds = ['-A X -m comment --comment "a \\"b\\" \u{1F600}" -j DROP', "-A é\t-s 192.0.2.1 -j ACCEPT", "[1:2] -A Y -j RETURN", '-A Z "q"x"r" \ud800'];
    const lines: string[] = [];
    for (let k = 0; lines.join("\n").length < 3 * 32768; k++) lines.push(`${kinds[k % kinds.length]}${" y".repeat(k % 7)}${k % 3 === 0 ? "\r" : ""}`);
    lines.push(`-A LONG --comment "${"x".repeat(70000)}" -j DROP`, ...lines.slice(0, 50));
    const text = `${lines.join("\n")}\n`;
    const checked = checkText(text, true);
    expect(checked.accepted).toBe(lines.length);
    // a CRLF whose line feed is the first unit after the copy the line before made (0 .. 32,767)
    const first = "-A X -j DROP";
    const second = `-A X ${"y".repeat(32768 - first.length - 1 - 5 - 1)}\r`;
    expect(first.length + 1 + second.length).toBe(32768);
    expect(checkText(`${first}\n${second}\n-A Z\n`, true)).toEqual({ lines: 4, accepted: 3 });
  });

  it("reads the last line without a line end", () => {
    expect(checkText("*filter\n-A X -j DROP", true)).toEqual({ lines: 2, accepted: 1 });
  });

  it("tokensToWords marks the first unterminated quote and keeps its text", () => {
    const g = grammarLines('-A X "ab\\"c\n').get(1);
    expect(g?.rule).toBe(true);
    expect(g?.shape).toEqual({ line: 0 + 1, words: [w("-A", 1), w("X", 4), w('ab"c', 6, true)], unterminated: 6, packets: -1, bytes: -1, countersColumn: 0, family: 0 });
    // a trailing lone backslash stays
    expect(grammarLines('-A x"ab\\').get(1)?.shape?.words).toEqual([w("-A", 1), w("xab\\", 4, true)]);
  });

  it("tokensToWords counts lines from the lexer block's start plus the offset", () => {
    const tokens = lexer.tokenize("-A X\n-A Y z\n").tokens.filter((t) => t.startLine === 2 && t.tokenType !== Newline);
    const out = lineWords();
    resetWords(out, 0);
    tokensToWords(tokens, 100, out);
    expect(shape(out)).toEqual({ line: 102, words: [w("-A", 1), w("Y", 4), w("z", 6)], unterminated: 0, packets: -1, bytes: -1, countersColumn: 0, family: 0 });
  });
});

// Random lines from pieces that reach every branch of both paths.
const PIECES = [
  "a", "Z", "0", "9", "-", "!", '"', "\\", "[", "]", ":", "#", "*", ".", "/", " ", " ", " ", "\t", "\r",
  "\u0000", "\u0001", "\u000b", "\u000c", "\u001f", "\u007f", "\u0080", "é", "\u00a0", "\u{1F600}", "\ud800", "\udfff", "\uffff",
  "-A", "-j", "--comment", "-4", "-6", "--ipv4", "--ipv6", '"a b"', '""', '\\"', "[0:0]", "[12:345]", "[1:", ":2]", "COMMIT", "KUBE-SVC-X", "\\\\",
];
const piece = fc.constantFrom(...PIECES);
/** Pieces without control characters, CR or bare quotes: lines of them are mostly accepted. */
const cleanPiece = fc.constantFrom(...PIECES.filter((p) => !/^["\\]$|[\u0000-\u0008\u000a-\u001f\u007f]/.test(p)));
const lineArb = fc.oneof(
  fc
    .tuple(fc.constantFrom("", "", "-", "-A ", "[0:0] ", "[0:0]", "[7:8]\t ", "[:1] -", "[1:] -", "[1:2 -", "#", ":", "*", " ", '"'), fc.array(piece, { maxLength: 16 }))
    .map(([head, rest]) => head + rest.join("")),
  fc
    .tuple(fc.constantFrom("-", "-A ", "[0:0] -", "[0:0]-", "[7:8]\t -A"), fc.array(cleanPiece, { maxLength: 16 }))
    .map(([head, rest]) => head + rest.join("")),
);
const textArb = fc
  .tuple(fc.array(fc.tuple(lineArb, fc.constantFrom("\n", "\r\n")), { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([lines, endsWithNewline]) => {
    const parts = lines.map(([l, nl]) => l + nl);
    if (!endsWithNewline) parts[parts.length - 1] = lines[lines.length - 1][0];
    return parts.join("");
  });

describe("splitRuleLine: properties", () => {
  it("gives the grammar's words on every line it accepts, and accepts every plain rule line", () => {
    let lines = 0;
    let accepted = 0;
    fc.assert(
      fc.property(textArb, (text) => {
        const r = checkText(text, true);
        lines += r.lines;
        accepted += r.accepted;
      }),
      { numRuns: 3000 },
    );
    // the generator must reach the accepting path often, or the property proves little
    expect(accepted / lines).toBeGreaterThan(0.1);
  });

  // kube-proxy's lines: names, addresses, comments in quotes (with the odd escape or non-ASCII)
  const name = fc.constantFrom("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ", "KUBE-FORWARD");
  const hash = fc.stringMatching(/^[A-Z2-7]{16}$/);
  const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join("."));
  const comment = fc
    .tuple(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.constantFrom("", "http", "dns-tcp", 'say \\"hi\\"', "é"))
    .map(([ns, svc, port]) => `"${ns}/${svc}${port ? `:${port}` : ""} cluster IP"`);
  const kubeLine = fc
    .tuple(
      fc.constantFrom("", "[0:0] ", "[123:4567]\t"),
      name,
      hash,
      ip,
      comment,
      fc.integer({ min: 1, max: 65535 }),
      fc.constantFrom(" ", "  ", "\t"),
      fc.constantFrom("\n", "\r\n"),
    )
    .map(
      ([counters, chain, h, addr, c, port, gap, nl]) =>
        `${counters}-A ${chain} -d ${addr}/32 -p tcp -m comment --comment ${c} -m tcp${gap}--dport ${port} -j KUBE-SVC-${h}${nl}`,
    );

  it("accepts nearly all kube-proxy-like rule lines", () => {
    let lines = 0;
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(kubeLine, { minLength: 1, maxLength: 5 }), (ls) => {
        const r = checkText(`*nat\n${ls.join("")}COMMIT\n`, true);
        lines += ls.length;
        accepted += r.accepted;
      }),
      { numRuns: 500 },
    );
    expect(accepted / lines).toBeGreaterThanOrEqual(0.9);
  });
});

describe("splitRuleLine: the corpus and the kernel goldens", () => {
  const root = join(import.meta.dirname, "../../fixtures");
  const files = corpusFiles();
  for (const n of readdirSync(join(root, "kernel-save"))) if (n.endsWith(".restore")) files.push(join(root, "kernel-save", n));

  it("has files to read", () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it("gives the grammar's words on every line it accepts", () => {
    let accepted = 0;
    for (const f of files) accepted += checkText(readFileSync(f, "utf8"), true).accepted;
    expect(accepted).toBeGreaterThan(100);
  });
});
