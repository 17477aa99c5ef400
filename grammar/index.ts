/**
 * The iptables-save / iptables-restore grammar: tokens and the line parser. It is the
 * specification of the text format. src/parse/lexer.ts runs it on tables, COMMIT, comments and
 * every line that the two fast paths decline; the fast paths read the plain rule lines
 * (src/parse/words.ts, `splitRuleLine`) and chain lines (src/parse/chain-line.ts) straight from
 * the input, because a 150,000-line dump is almost nothing else. Property tests hold each fast path
 * to this grammar on random and real lines (test/parse/split.test.ts, test/parse/chain-line.test.ts).
 */
export * from "./tokens.js";
export * from "./parser.js";
