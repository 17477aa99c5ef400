/**
 * The loop over the input's lines. Plain rule, chain, table, COMMIT and comment lines (every line
 * of nearly every dump) are read straight from the input by `splitRuleLine`, `splitChainLine` and
 * `splitHeaderLine`; any line the fast paths decline goes through the chevrotain grammar, a block
 * of consecutive lines at a time, so that tokens never pile up for a whole 16 MB dump. The grammar
 * is the specification: property tests hold each fast path to it. Its lexer and parser are built
 * when a line first needs them.
 */
import type { IToken, Lexer as ChevrotainLexer } from "chevrotain";
import { Lexer } from "../../grammar/chevrotain.js";
import { allTokens, LineParser, type LineSyntax } from "../../grammar/index.js";
import { Counters, Newline, OpenQuote, Quoted, Word } from "../../grammar/tokens.js";
import { chainLine, splitChainLine } from "./chain-line.js";
import { isBlankLine, splitHeaderLine, type HeaderLine } from "./header-line.js";
import type { ChainLine } from "./chain-line.js";
import { lineWords, resetWords, setCounters, splitRuleLine, tokensToWords, type LineWords } from "./words.js";

/** The grammar's lexer and line parser, built once (as chevrotain advises) when first needed; `parser.input = tokens` resets the parser. */
let grammar: { readonly lexer: ChevrotainLexer; readonly parser: LineParser } | undefined;

function theGrammar(): { readonly lexer: ChevrotainLexer; readonly parser: LineParser } {
  return (grammar ??= {
    lexer: new Lexer(allTokens, {
      positionTracking: "onlyStart", // lines and columns where tokens start; words.ts derives the end from the image
      ensureOptimizations: true,
      skipValidations: true,
    }),
    parser: new LineParser(),
  });
}

/** Whether the grammar's lexer and parser have been built in this process (for tests: a dump of plain lines should not need them). */
export function grammarBuilt(): boolean {
  return grammar !== undefined;
}

/** A structural line: a table, COMMIT or comment line, or a chain line the grammar read (its tokens kept for their columns). */
export type StructuralLine = HeaderLine | Extract<LineSyntax, { kind: "chain" }>;

/** A structural line's shape with its line number, or a syntax problem on a line. */
export type LexedLine =
  | { readonly ok: true; readonly line: number; readonly syntax: StructuralLine }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly message: string };

/** What the loop calls for each non-empty line, in input order. */
export interface LineVisitor {
  /** A rule (command) line; `words` is a buffer reused for the next line: copy what you keep. */
  rule(words: LineWords): void;
  /** A chain line read by the fast path (`chain` is a buffer reused for the next line). */
  chain(chain: ChainLine, line: number): void;
  /** A comment, table, chain or COMMIT line, or a line with a syntax problem. */
  other(line: LexedLine): void;
}

/** At most this many lines go to the chevrotain lexer at once. */
const LINES_PER_BLOCK = 2048;

const DASH = 45; // "-"
const BRACKET = 91; // "["
const COLON = 58; // ":"
const HASH = 35; // "#"
const STAR = 42; // "*"
const C = 67; // "C", of COMMIT
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/**
 * Visits every non-empty line of `text` in order. Errors are reported per line, so one bad line
 * never hides the rest.
 */
export function forEachLine(text: string, visitor: LineVisitor): void {
  const words = lineWords();
  const chain = chainLine();
  const blockWords = lineWords();
  /** Start offset and first line number of the block of lines waiting for the grammar, -1 when none. */
  let pending = -1;
  let pendingLine = 0;
  let pendingCount = 0;
  let pos = 0;
  let line = 1;
  const length = text.length;
  while (pos < length) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = length;
    const c = text.charCodeAt(pos);
    if (c === DASH || c === BRACKET) {
      resetWords(words, line);
      if (splitRuleLine(text, pos, end, words)) {
        if (pending >= 0) {
          // the lines before this one, in order (with a buffer of their own: `words` holds this line)
          visitBlock(text.slice(pending, pos), pendingLine, visitor, blockWords);
          pending = -1;
        }
        visitor.rule(words);
        pos = end + 1;
        line++;
        continue;
      }
    }
    if (c === COLON && splitChainLine(text, pos, end, chain)) {
      if (pending >= 0) {
        visitBlock(text.slice(pending, pos), pendingLine, visitor, blockWords);
        pending = -1;
      }
      visitor.chain(chain, line);
      pos = end + 1;
      line++;
      continue;
    }
    if ((c === LF || c === SPACE || c === TAB || c === CR) && isBlankLine(text, pos, end)) {
      // nothing to visit; the lines waiting for the grammar may wait past it
      pos = end + 1;
      line++;
      continue;
    }
    if (c === HASH || c === STAR || c === C) {
      const header = splitHeaderLine(text, pos, end);
      if (header !== undefined) {
        if (pending >= 0) {
          visitBlock(text.slice(pending, pos), pendingLine, visitor, blockWords);
          pending = -1;
        }
        visitor.other({ ok: true, line, syntax: header });
        pos = end + 1;
        line++;
        continue;
      }
    }
    if (pending < 0) {
      pending = pos;
      pendingLine = line;
      pendingCount = 0;
    }
    pos = end + 1;
    line++;
    if (++pendingCount >= LINES_PER_BLOCK) {
      visitBlock(text.slice(pending, Math.min(pos, length)), pendingLine, visitor, blockWords);
      pending = -1;
    }
  }
  if (pending >= 0) visitBlock(text.slice(pending), pendingLine, visitor, blockWords);
  // the parser keeps its last line's tokens, slices of the text: let go of them
  if (grammar !== undefined) grammar.parser.input = [];
}

/** Lexes and parses a block of whole lines with the grammar; `words` is the buffer for rule lines. */
function visitBlock(block: string, firstLine: number, visitor: LineVisitor, words: LineWords): void {
  const result = theGrammar().lexer.tokenize(block);
  const badLines = new Map<number, { column: number; message: string }>();
  for (const e of result.errors) {
    const line = (e.line ?? 1) + firstLine - 1;
    if (!badLines.has(line)) {
      const ch = block.charCodeAt(e.offset);
      const shown = ch < 32 || ch === 127 ? `\\x${ch.toString(16).padStart(2, "0")}` : block[e.offset];
      badLines.set(line, { column: e.column ?? 1, message: `unexpected character "${shown}"; expected a word, a quoted word or the end of the line` });
    }
  }
  const tokens = result.tokens;
  let i = 0;
  while (i <= tokens.length) {
    // one line: tokens up to the next Newline
    let j = i;
    while (j < tokens.length && tokens[j].tokenType !== Newline) j++;
    if (j > i) {
      const line = (tokens[i].startLine ?? 1) + firstLine - 1;
      const bad = badLines.get(line);
      if (bad) {
        badLines.delete(line);
        visitor.other({ ok: false, line, column: bad.column, message: bad.message });
      } else {
        const lineTokens = tokens.slice(i, j);
        if (isPlainRule(lineTokens)) visitRule(lineTokens, undefined, line, visitor, words);
        else {
          const parsed = parseLine(lineTokens, line, firstLine);
          if (!parsed.ok) visitor.other(parsed);
          else if (parsed.syntax.kind === "rule") visitRule(parsed.syntax.words, parsed.syntax.counters, line, visitor, words);
          else visitor.other({ ok: true, line, syntax: structural(parsed.syntax) });
        }
      }
    }
    i = j + 1;
  }
  // a line made only of bad characters has no tokens at all
  for (const [line, bad] of badLines) visitor.other({ ok: false, line, column: bad.column, message: bad.message });
}

function visitRule(tokens: readonly IToken[], counters: IToken | undefined, line: number, visitor: LineVisitor, words: LineWords): void {
  resetWords(words, line);
  const first = tokens[0] ?? counters;
  tokensToWords(tokens, line - (first?.startLine ?? 1), words);
  words.line = line;
  if (counters) setCounters(words, counters.image, 0, counters.image.length, counters.startColumn ?? 1);
  visitor.rule(words);
}

/**
 * A line that starts with a word and holds only words, quoted words and counters: the grammar's
 * ruleLine without leading counters, the only alternative such a line can take. Its shape is
 * known without running the parser.
 */
function isPlainRule(tokens: readonly IToken[]): boolean {
  const first = tokens[0].tokenType;
  if (first !== Word && first !== Quoted && first !== OpenQuote) return false;
  for (let k = 1; k < tokens.length; k++) {
    const t = tokens[k].tokenType;
    if (t !== Word && t !== Quoted && t !== OpenQuote && t !== Counters) return false;
  }
  return true;
}

type ParsedLine = { readonly ok: true; readonly line: number; readonly syntax: LineSyntax } | Extract<LexedLine, { ok: false }>;

/** The grammar's reading of a structural line, in the shape the fast paths give. */
function structural(syntax: Exclude<LineSyntax, { kind: "rule" }>): StructuralLine {
  switch (syntax.kind) {
    case "comment":
      return { kind: "comment", text: syntax.token.image };
    case "table":
      return { kind: "table", name: syntax.token.image.slice(1) };
    case "commit":
      return { kind: "commit" };
    case "chain":
      return syntax;
  }
}

function parseLine(tokens: IToken[], line: number, firstLine: number): ParsedLine {
  const lineParser = theGrammar().parser;
  lineParser.input = tokens;
  const syntax = lineParser.line();
  if (lineParser.errors.length > 0 || !syntax) {
    const e = lineParser.errors[0];
    const tok = e?.token;
    const column = tok && !Number.isNaN(tok.startColumn) ? (tok.startColumn ?? 1) : 1;
    const found = tok && tok.tokenType.name !== "EOF" ? `"${tok.image}"` : "more words";
    const message = describeSyntaxError(tokens, found);
    return { ok: false, line: tok && !Number.isNaN(tok.startLine) ? (tok.startLine ?? 1) + firstLine - 1 : line, column, message };
  }
  return { ok: true, line, syntax };
}

function describeSyntaxError(tokens: IToken[], found: string): string {
  const first = tokens[0]?.tokenType.name;
  switch (first) {
    case "TableHeader":
      return `expected the end of the line after the table name, found ${found}`;
    case "ChainHeader":
      return `expected ":CHAIN POLICY [packets:bytes]", found ${found}`;
    case "Commit":
      return `expected the end of the line after COMMIT, found ${found}`;
    default:
      return `unexpected ${found}`;
  }
}
