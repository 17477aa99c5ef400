/**
 * The iptables-save / iptables-restore grammar: tokens and the line parser. It is the
 * specification of the text format. src/parse/lexer.ts runs it on every line that the fast paths
 * decline; the fast paths read plain rule lines (src/parse/words.ts, `splitRuleLine`), chain lines
 * (src/parse/chain-line.ts) and table, COMMIT, comment and blank lines (src/parse/header-line.ts)
 * straight from the input, because a 150,000-line dump is almost nothing else, and the lexer and
 * parser are built only when a line needs them. Property tests hold each fast path to this grammar
 * on random and real lines (test/parse/split.test.ts, chain-line.test.ts, header-line.test.ts).
 */
export * from "./tokens.js";
export * from "./parser.js";
