/** Turns a rule line's tokens into words, unquoted as iptables-restore does. */
import type { IToken } from "chevrotain";

/** One word of a rule line and where it stands. */
export interface Word {
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** Whether any part of it was quoted (a quoted `"-j"` is still an option word to getopt, but `"!"` is not a negation). */
  readonly quoted: boolean;
  /** Set when the line ended inside a quote. */
  readonly unterminated?: boolean;
}

function unquote(image: string, closed: boolean): string {
  // iptables-restore: inside quotes, `\x` stands for `x`; the surrounding quotes are dropped
  const inner = closed ? image.slice(1, -1) : image.slice(1);
  return inner.replace(/\\([\s\S])/g, "$1");
}

/** Words from tokens; tokens with no blank between them make one word (`a"b c"` is `ab c`). */
export function toWords(tokens: readonly IToken[], lineOffset: number): Word[] {
  const words: Word[] = [];
  let prevEnd = -2;
  for (const t of tokens) {
    const type = t.tokenType.name;
    const quoted = type === "Quoted" || type === "OpenQuote";
    const text = quoted ? unquote(t.image, type === "Quoted") : t.image;
    const line = (t.startLine ?? 1) + lineOffset;
    if (t.startOffset === prevEnd + 1 && words.length > 0) {
      const last = words[words.length - 1];
      words[words.length - 1] = { ...last, text: last.text + text, quoted: last.quoted || quoted, unterminated: last.unterminated || type === "OpenQuote" };
    } else {
      words.push({ text, line, column: t.startColumn ?? 1, quoted, unterminated: type === "OpenQuote" || undefined });
    }
    prevEnd = t.endOffset ?? t.startOffset + t.image.length - 1;
  }
  return words;
}
