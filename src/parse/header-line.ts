/**
 * The fast path for the structural lines besides chain lines: `*table`, `COMMIT` and `#`
 * comments, read straight from the input. Every dump has them, and once rule and chain lines had
 * fast paths of their own these were all the chevrotain lexer and parser still saw: reading them
 * here lets a dump of plain lines go by without building either (some 30 ms of every start). It
 * accepts only the plain forms and declines everything else to the grammar, which stays the
 * specification; a property test holds the two equal on every line this accepts
 * (test/parse/header-line.test.ts).
 */

/** A structural line other than a chain line, read. */
export type HeaderLine =
  /** `#…`; `text` is the whole line, the `#` included, without its line end. */
  | { readonly kind: "comment"; readonly text: string }
  /** `*NAME`; `name` without the `*` (possibly empty or not a table: the builder reports it). */
  | { readonly kind: "table"; readonly name: string }
  | { readonly kind: "commit" };

const COMMIT: HeaderLine = { kind: "commit" };

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;

/** Index of the first character of text[from, to) that is not a space or tab, or `to`. */
function skipBlanks(text: string, from: number, to: number): number {
  let i = from;
  for (let c = text.charCodeAt(i); i < to && (c === SPACE || c === TAB); c = text.charCodeAt(++i));
  return i;
}

/** Whether text[start, end) holds nothing but blanks (the grammar gives such a line no tokens). */
export function isBlankLine(text: string, start: number, end: number): boolean {
  const lineEnd = end > start && text.charCodeAt(end - 1) === CR && text.charCodeAt(end) === LF ? end - 1 : end;
  return skipBlanks(text, start, lineEnd) === lineEnd;
}

/**
 * Reads text[start, end) (end at the "\n" or the text's end; the CR of a CRLF is part of the line
 * end) as a table, COMMIT or comment line, or returns undefined for the grammar to read it.
 */
export function splitHeaderLine(text: string, start: number, end: number): HeaderLine | undefined {
  // a CR counts as line end only before the "\n"; any other CR is left to the grammar
  const lineEnd = end > start && text.charCodeAt(end - 1) === CR && text.charCodeAt(end) === LF ? end - 1 : end;
  const first = text.charCodeAt(start);
  if (first === 0x23 /* # */) {
    // the grammar's Comment runs to the line end (a lone CR would stop it)
    for (let i = start + 1; i < lineEnd; i++) if (text.charCodeAt(i) === CR) return undefined;
    return { kind: "comment", text: text.slice(start, lineEnd) };
  }
  if (first === 0x2a /* * */) {
    // the grammar's TableHeader runs to the first blank or CR; then only blanks may follow
    let i = start + 1;
    for (let c = text.charCodeAt(i); i < lineEnd && c !== SPACE && c !== TAB && c !== CR; c = text.charCodeAt(++i));
    const nameEnd = i;
    if (skipBlanks(text, i, lineEnd) < lineEnd) return undefined;
    return { kind: "table", name: text.slice(start + 1, nameEnd) };
  }
  if (first === 0x43 /* C */ && text.startsWith("COMMIT", start)) {
    // `COMMIT` then only blanks (`COMMITTED` and `COMMIT x` are the grammar's to read)
    if (skipBlanks(text, start + 6, lineEnd) < lineEnd) return undefined;
    return COMMIT;
  }
  return undefined;
}
