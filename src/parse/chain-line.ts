/**
 * The fast path for a chain line, `:NAME POLICY [packets:bytes]`, read straight from the input:
 * a 10,000-service dump declares 40,000 chains, and the grammar path (lexer and parser) costs
 * some 3 µs a line. It accepts only the plain form and declines everything else (quotes, control
 * characters, missing or extra words) to the grammar, which stays the specification; a property
 * test holds the two equal on every line this accepts (test/parse/chain-line.test.ts).
 */

/** One chain line, read. A buffer reused for every line. */
export interface ChainLine {
  /** The chain name (after `:`). */
  name: string;
  policy: string;
  /** 1-based column of the policy word. */
  policyColumn: number;
  /** The `[packets:bytes]` text. */
  counters: string;
}

/** An empty buffer. */
export function chainLine(): ChainLine {
  return { name: "", policy: "", policyColumn: 0, counters: "" };
}

/** Whether `c` may stand in a word (the grammar's Word token: printable, no blank, no quote). */
function isWordChar(c: number): boolean {
  return c === 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80;
}

/**
 * Reads text[start, end) (end at the "\n" or the text's end; the CR of a CRLF is part of the line
 * end) as a chain line into `out`, or returns false for the grammar to read it.
 */
export function splitChainLine(text: string, start: number, end: number, out: ChainLine): boolean {
  const lineEnd = end > start && text.charCodeAt(end - 1) === 0x0d && text.charCodeAt(end) === 0x0a ? end - 1 : end;
  if (text.charCodeAt(start) !== 0x3a /* : */) return false;
  // the name: word characters up to the first blank (the grammar's ChainHeader takes any but a
  // blank or line end; quotes and control characters are left to it)
  let i = start + 1;
  while (i < lineEnd && isWordChar(text.charCodeAt(i))) i++;
  if (i === start + 1 || i >= lineEnd || text.charCodeAt(i) !== 0x20) return false;
  const nameEnd = i;
  while (i < lineEnd && text.charCodeAt(i) === 0x20) i++;
  // the policy: a word that does not start like counters
  const policyStart = i;
  if (text.charCodeAt(i) === 0x5b /* [ */) return false;
  while (i < lineEnd && isWordChar(text.charCodeAt(i))) i++;
  if (i === policyStart || i >= lineEnd || text.charCodeAt(i) !== 0x20) return false;
  const policyEnd = i;
  while (i < lineEnd && text.charCodeAt(i) === 0x20) i++;
  // the counters, then nothing but blanks
  const countersStart = i;
  if (text.charCodeAt(i) !== 0x5b) return false;
  i++;
  const digits1 = i;
  while (i < lineEnd && isDigit(text.charCodeAt(i))) i++;
  if (i === digits1 || text.charCodeAt(i) !== 0x3a) return false;
  i++;
  const digits2 = i;
  while (i < lineEnd && isDigit(text.charCodeAt(i))) i++;
  if (i === digits2 || i >= lineEnd || text.charCodeAt(i) !== 0x5d /* ] */) return false;
  i++;
  const countersEnd = i;
  while (i < lineEnd && text.charCodeAt(i) === 0x20) i++;
  if (i !== lineEnd) return false;
  out.name = text.slice(start + 1, nameEnd);
  out.policy = text.slice(policyStart, policyEnd);
  out.policyColumn = policyStart - start + 1;
  out.counters = text.slice(countersStart, countersEnd);
  return true;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
