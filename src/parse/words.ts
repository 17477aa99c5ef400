/**
 * The words of one rule line, unquoted as iptables-restore does. Two ways produce them: the fast
 * splitter, which reads a plain rule line straight from the input (most lines of a big dump), and
 * `tokensToWords`, which joins the grammar's tokens for every other line. A property test holds
 * the two equal on every line the splitter accepts; the grammar stays the specification.
 */
import { Buffer } from "node:buffer";
import type { IToken } from "chevrotain";

/**
 * A reusable buffer for one line's words: struct-of-arrays, filled again for every line so that
 * reading a 150,000-line dump allocates no object per word. Entries at `n` and beyond are stale.
 */
export interface LineWords {
  /** How many words the line has. */
  n: number;
  /** 1-based line number. */
  line: number;
  /** Each word's text, unquoted (`"a b"` gives `a b`; `a"b c"` is one word `ab c`). */
  readonly text: string[];
  /** 1-based column of each word's first character. */
  readonly column: number[];
  /** Whether any part of each word was quoted (a quoted `"!"` is not a negation). */
  readonly quoted: boolean[];
  /** Column of a quote the line ends before closing, 0 when none. */
  unterminated: number;
  /** `[packets:bytes]` before the rule: packets, or -1 when absent. */
  packets: number;
  bytes: number;
  /** Column of the `[packets:bytes]` prefix, 0 when absent. */
  countersColumn: number;
  /**
   * 4 or 6 when an unquoted word is `-4`/`--ipv4` or `-6`/`--ipv6` (the first such word), else 0:
   * ip(6)tables-restore skips a line for the other family unread. Noted as the words are made, so
   * that no second pass over every line's words looks for them.
   */
  family: 0 | 4 | 6;
  /** The splitter's copy of part of the input (see CodeUnits). */
  readonly units: CodeUnits;
}

/**
 * A copy of a stretch of the input's UTF-16 code units, text[from, to), that the splitter reads
 * in place of the string: a load from a typed array is about twice as fast as `charCodeAt`,
 * which checks the string's representation on every call, and the splitter reads every
 * character of a 16 MB dump. Refilled (32,768 units at a time, or the whole line when it is
 * longer) when a line is not inside it; it holds the input only while its LineWords is alive.
 */
export interface CodeUnits {
  /** The input the copy is of; undefined when there is none. */
  text: string | undefined;
  from: number;
  to: number;
  array: Uint16Array;
}

/** Code units copied at a time. */
const UNITS = 32768;

/** An empty buffer. */
export function lineWords(): LineWords {
  return {
    n: 0,
    line: 0,
    text: [],
    column: [],
    quoted: [],
    unterminated: 0,
    packets: -1,
    bytes: -1,
    countersColumn: 0,
    family: 0,
    units: { text: undefined, from: 0, to: 0, array: new Uint16Array(0) },
  };
}

/**
 * Makes `units` hold text[from, to) and more after it (up to UNITS units in all): a native
 * UTF-16 copy, one unit per code unit whatever the characters.
 */
function fillUnits(units: CodeUnits, text: string, from: number, to: number): void {
  const end = Math.min(text.length, Math.max(to, from + UNITS));
  const size = end - from;
  if (units.array.length < size) units.array = new Uint16Array(Math.max(size, UNITS));
  const array = units.array;
  Buffer.from(array.buffer, array.byteOffset, array.byteLength).write(text.slice(from, end), 0, size * 2, "utf16le");
  units.text = text;
  units.from = from;
  units.to = end;
}

/** Clears `out` for a new line. */
export function resetWords(out: LineWords, line: number): void {
  out.n = 0;
  out.line = line;
  out.unterminated = 0;
  out.packets = -1;
  out.bytes = -1;
  out.countersColumn = 0;
  out.family = 0;
}

/** Appends a word. */
export function pushWord(out: LineWords, text: string, column: number, quoted: boolean): void {
  const k = out.n++;
  out.text[k] = text;
  out.column[k] = column;
  out.quoted[k] = quoted;
}

/**
 * Reads a leading Counters token, `[packets:bytes]` at text[from, to), into `out` for the
 * grammar path; Number() on the digits, as the splitter reads them.
 */
export function setCounters(out: LineWords, text: string, from: number, to: number, column: number): void {
  const colon = text.indexOf(":", from);
  out.packets = Number(text.slice(from + 1, colon));
  out.bytes = Number(text.slice(colon + 1, to - 1));
  out.countersColumn = column;
}


/** Whether code unit `c` is one the splitter leaves to the grammar: a control character other than tab, or DEL. */
function isControl(c: number): boolean {
  return (c < 0x20 && c !== 0x09) || c === 0x7f;
}

/**
 * The fast path for a plain rule line: `-…` or `[packets:bytes] -…`, with words, blanks and
 * closed quotes only. Fills `out` (reset by the caller) exactly as the grammar path would, or
 * returns false, with `out` in an unspecified state, for a line it leaves to the grammar: one
 * that starts otherwise, holds a control character or a lone CR, or ends inside a quote.
 *
 * `text` is the whole input and the line is text[start, end), `end` being the index of its "\n"
 * or text.length; the CR of a CRLF is part of the line end. Columns count UTF-16 code units from
 * `start`, as chevrotain does.
 */
export function splitRuleLine(text: string, start: number, end: number, out: LineWords): boolean {
  // the line and the character after it (its "\n"), as code units u[k - o]
  const units = out.units;
  const hasNext = end < text.length;
  if (units.text !== text || start < units.from || (hasNext ? end + 1 : end) > units.to) fillUnits(units, text, start, hasNext ? end + 1 : end);
  const u = units.array;
  const o = units.from;
  // indexes below are into u: the line is u[s, e)
  const s = start - o;
  const e = end - o;
  // a CR counts as line end only before the "\n"; a CR at the very end of the text is a lone one
  const lineEnd = e > s && u[e - 1] === 0x0d && hasNext && u[e] === 0x0a ? e - 1 : e;
  let i = s;
  let c = u[i];
  if (i < lineEnd && c === 0x5b /* [ */) {
    // `[digits:digits]` then optional blanks: the grammar's leading Counters (the lexer tries
    // Counters before Word, so `[0:0]-A` is counters then `-A` too)
    let j = i + 1;
    const digits1 = j;
    while (j < lineEnd && (c = u[j]) >= 0x30 && c <= 0x39) j++;
    if (j === digits1 || j >= lineEnd || c !== 0x3a /* : */) return false;
    const colon = j++;
    while (j < lineEnd && (c = u[j]) >= 0x30 && c <= 0x39) j++;
    if (j === colon + 1 || j >= lineEnd || c !== 0x5d /* ] */) return false;
    out.packets = Number(text.slice(digits1 + o, colon + o));
    out.bytes = Number(text.slice(colon + 1 + o, j + o));
    out.countersColumn = 1;
    i = j + 1;
    while (i < lineEnd && ((c = u[i]) === 0x20 || c === 0x09)) i++;
  }
  if (i >= lineEnd || c !== 0x2d /* - */) return false;

  const column0 = 1 - s;
  let n = out.n;
  const words = out.text;
  const columns = out.column;
  const quotedFlags = out.quoted;
  while (i < lineEnd) {
    c = u[i];
    if (c === 0x20 || c === 0x09) {
      i++;
      continue;
    }
    // one word: plain runs and quoted parts with no blank between them
    const wordStart = i;
    let quoted = false;
    let acc: string | undefined; // the word so far, when it is made of more than one slice
    let seg = i; // start of the pending slice
    while (i < lineEnd) {
      c = u[i];
      // most characters are plain word characters (0x21 and 0x23..0x7e, and all above 0x7f):
      // two comparisons tell them apart
      if (c > 0x22 ? c !== 0x7f : c === 0x21) {
        i++;
        continue;
      }
      if (c === 0x20 || c === 0x09) break;
      if (c === 0x22 /* " */) {
        quoted = true;
        if (i > seg) acc = acc === undefined ? text.slice(seg + o, i + o) : acc + text.slice(seg + o, i + o);
        seg = ++i;
        for (;;) {
          if (i >= lineEnd) return false; // unterminated: the grammar reports it
          c = u[i];
          if (c === 0x22) break;
          if (isControl(c)) return false;
          if (c === 0x5c /* \ */) {
            // `\x` stands for `x`: keep the slice before the backslash, start the next at x
            if (i > seg) acc = acc === undefined ? text.slice(seg + o, i + o) : acc + text.slice(seg + o, i + o);
            seg = ++i;
            if (i >= lineEnd || isControl(u[i])) return false;
          }
          i++;
        }
        if (i > seg) acc = acc === undefined ? text.slice(seg + o, i + o) : acc + text.slice(seg + o, i + o);
        seg = ++i;
        continue;
      }
      if (isControl(c)) return false;
      i++;
    }
    if (i > seg) acc = acc === undefined ? text.slice(seg + o, i + o) : acc + text.slice(seg + o, i + o);
    words[n] = acc ?? "";
    columns[n] = wordStart + column0;
    quotedFlags[n] = quoted;
    n++;
    if (!quoted && out.family === 0 && u[wordStart] === 0x2d /* - */) out.family = familyOption(u, wordStart, i);
  }
  out.n = n;
  return true;
}

/** 4 for a word u[from, to) that is `-4` or `--ipv4`, 6 for `-6` or `--ipv6`, else 0. */
function familyOption(u: ArrayLike<number>, from: number, to: number): 0 | 4 | 6 {
  const length = to - from;
  if (length !== 2 && !(length === 6 && u[from + 1] === 0x2d && u[from + 2] === 0x69 && u[from + 3] === 0x70 && u[from + 4] === 0x76)) return 0; // --ipv
  const last = u[to - 1];
  return last === 0x34 /* 4 */ ? 4 : last === 0x36 /* 6 */ ? 6 : 0;
}

/**
 * The grammar path: fills `out`'s words from a rule line's word tokens (Word, Quoted, OpenQuote,
 * and Counters standing as a word), joining tokens with no blank between them into one word and
 * unquoting as iptables-restore does. Sets `out.n`, `out.line` (the first token's line plus
 * `lineOffset`, as tokens count lines from the start of their lexer block) and `out.unterminated`
 * (the column of the first OpenQuote token); leaves the counters to the caller (`setCounters`).
 */
export function tokensToWords(tokens: readonly IToken[], lineOffset: number, out: LineWords): void {
  out.n = 0;
  out.unterminated = 0;
  if (tokens.length > 0) out.line = (tokens[0].startLine ?? 1) + lineOffset;
  let prevEnd = -2;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    const type = t.tokenType.name;
    const closed = type === "Quoted";
    const quoted = closed || type === "OpenQuote";
    if (quoted && !closed && out.unterminated === 0) out.unterminated = t.startColumn ?? 1;
    const text = quoted ? unquote(t.image, closed) : t.image;
    if (out.n > 0 && t.startOffset === prevEnd + 1) {
      const last = out.n - 1;
      out.text[last] += text;
      if (quoted) out.quoted[last] = true;
    } else {
      pushWord(out, text, t.startColumn ?? 1, quoted);
    }
    prevEnd = t.endOffset ?? t.startOffset + t.image.length - 1;
  }
  out.family = 0;
  for (let k = 0; k < out.n && out.family === 0; k++) {
    const word = out.text[k];
    if (!out.quoted[k] && word.charCodeAt(0) === 0x2d) out.family = familyOption(unitsOf(word), 0, word.length);
  }
}

/** A word's UTF-16 code units. */
function unitsOf(word: string): Uint16Array {
  const u = new Uint16Array(word.length);
  for (let k = 0; k < word.length; k++) u[k] = word.charCodeAt(k);
  return u;
}

/** A quoted token's text: inside quotes `\x` stands for `x`; the surrounding quotes are dropped. */
function unquote(image: string, closed: boolean): string {
  const inner = closed ? image.slice(1, -1) : image.slice(1);
  return inner.indexOf("\\") < 0 ? inner : inner.replace(/\\([\s\S])/g, "$1");
}
