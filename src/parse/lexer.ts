/**
 * The lexer and line parser singletons, and the loop that feeds them the input a block of lines
 * at a time, so that tokens never pile up for a whole 16 MB dump.
 */
import { Lexer, type IToken } from "chevrotain";
import { allTokens, LineParser, type LineSyntax } from "../../grammar/index.js";
import { Counters, Newline, OpenQuote, Quoted, Word } from "../../grammar/tokens.js";

/** Built once at module load, as chevrotain advises. */
export const lexer = new Lexer(allTokens, {
  positionTracking: "onlyStart", // lines and columns where tokens start; words.ts derives the end from the image
  ensureOptimizations: true,
  skipValidations: true,
});

/** Built once at module load; `parser.input = tokens` resets it. */
export const lineParser = new LineParser();

/** A line's shape with its line number, or a syntax problem on it. */
export type LexedLine =
  | { readonly ok: true; readonly line: number; readonly syntax: LineSyntax }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly message: string };

const LINES_PER_BLOCK = 2048;

/**
 * Lexes and parses `text` line by line and calls `visit` for every non-empty line in order.
 * Errors are reported per line, so one bad line never hides the rest.
 */
export function forEachLine(text: string, visit: (l: LexedLine) => void): void {
  let start = 0;
  let firstLine = 1;
  while (start < text.length) {
    let end = start;
    let lines = 0;
    while (lines < LINES_PER_BLOCK) {
      const nl = text.indexOf("\n", end);
      if (nl < 0) {
        end = text.length;
        break;
      }
      end = nl + 1;
      lines++;
    }
    const block = text.slice(start, end);
    visitBlock(block, firstLine, visit);
    firstLine += lines;
    start = end;
  }
}

function visitBlock(block: string, firstLine: number, visit: (l: LexedLine) => void): void {
  const result = lexer.tokenize(block);
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
        visit({ ok: false, line, column: bad.column, message: bad.message });
      } else {
        const lineTokens = tokens.slice(i, j);
        visit(isPlainRule(lineTokens) ? { ok: true, line, syntax: { kind: "rule", counters: undefined, words: lineTokens } } : parseLine(lineTokens, line, firstLine));
      }
    }
    i = j + 1;
  }
  // a line made only of bad characters has no tokens at all
  for (const [line, bad] of badLines) visit({ ok: false, line, column: bad.column, message: bad.message });
}

/**
 * A line that starts with a word and holds only words, quoted words and counters: the grammar's
 * ruleLine without leading counters, the only alternative such a line can take. Its shape is
 * known without running the parser (most lines of a big dump are such rule lines).
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

function parseLine(tokens: IToken[], line: number, firstLine: number): LexedLine {
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
