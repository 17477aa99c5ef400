/**
 * Tokens of iptables-save / iptables-restore text. The format is line-based: structural lines
 * (`*table`, `:CHAIN`, `COMMIT`, `#` comments) are recognised only at the start of a line; every
 * other line is a list of words, quoted as iptables-restore quotes them.
 */
import type { CustomPatternMatcherFunc, TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

/** Matches `prefix…` only at the start of a line, up to (not including) the next blank or line end. */
function atLineStart(first: string, untilBlank: boolean): CustomPatternMatcherFunc {
  return (text, offset) => {
    if (text.charCodeAt(offset) !== first.charCodeAt(0)) return null;
    if (offset > 0 && text.charCodeAt(offset - 1) !== 10 /* \n */) return null;
    let end = offset + 1;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (c === 10 || c === 13) break;
      if (untilBlank && (c === 32 || c === 9)) break;
    }
    return [text.slice(offset, end)] as unknown as RegExpExecArray;
  };
}

/** `COMMIT` at the start of a line, followed by a blank or the line end. */
const commitAtLineStart: CustomPatternMatcherFunc = (text, offset) => {
  if (!text.startsWith("COMMIT", offset)) return null;
  if (offset > 0 && text.charCodeAt(offset - 1) !== 10) return null;
  const after = text.charCodeAt(offset + 6);
  if (!(Number.isNaN(after) || after === 32 || after === 9 || after === 10 || after === 13)) return null;
  return ["COMMIT"] as unknown as RegExpExecArray;
};

/** A line end, `\n` or `\r\n`. */
export const Newline = createToken({ name: "Newline", pattern: /\r?\n/, line_breaks: true, label: "end of line" });
/** Blanks between words. */
export const Blank = createToken({ name: "Blank", pattern: /[ \t]+/, group: Lexer.SKIPPED });
/** A `#` comment; only at the start of a line. */
export const Comment = createToken({
  name: "Comment",
  pattern: atLineStart("#", false),
  start_chars_hint: ["#"],
  line_breaks: false,
  label: "comment",
});
/** `*table`, at the start of a line. */
export const TableHeader = createToken({
  name: "TableHeader",
  pattern: atLineStart("*", true),
  start_chars_hint: ["*"],
  line_breaks: false,
  label: "'*table'",
});
/** `:CHAIN`, at the start of a line; the policy and counters follow as words. */
export const ChainHeader = createToken({
  name: "ChainHeader",
  pattern: atLineStart(":", true),
  start_chars_hint: [":"],
  line_breaks: false,
  label: "':CHAIN'",
});
/** `COMMIT`, at the start of a line. */
export const Commit = createToken({
  name: "Commit",
  pattern: commitAtLineStart,
  start_chars_hint: ["C"],
  line_breaks: false,
  label: "'COMMIT'",
});
/** `[packets:bytes]`. */
export const Counters = createToken({ name: "Counters", pattern: /\[[0-9]+:[0-9]+\]/, label: "'[packets:bytes]'" });
/** A double-quoted word; `\x` inside stands for `x`. A quote cannot span lines. */
export const Quoted = createToken({
  name: "Quoted",
  pattern: /"(?:[\x00-\x09\x0b\x0c\x0e-\x21\x23-\x5b\x5d-\uffff]|\\[\x00-\x09\x0b\x0c\x0e-\uffff])*"/,
  label: "quoted word",
});
/** A quote that the line ends before closing; reported by the model builder. */
export const OpenQuote = createToken({
  name: "OpenQuote",
  pattern: /"(?:[\x00-\x09\x0b\x0c\x0e-\x21\x23-\x5b\x5d-\uffff]|\\[\x00-\x09\x0b\x0c\x0e-\uffff])*\\?/,
  label: "unterminated quoted word",
});
/** Any other word: a run of printable characters without blanks or quotes. */
export const Word = createToken({ name: "Word", pattern: /[\x21\x23-\x7e\x80-\uffff]+/, label: "word" });

/** Every token, in the order the lexer tries them. */
export const allTokens: TokenType[] = [
  Newline,
  Blank,
  Comment,
  TableHeader,
  ChainHeader,
  Commit,
  Counters,
  Quoted,
  OpenQuote,
  Word,
];
