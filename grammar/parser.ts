/**
 * The grammar of one line of iptables-save / iptables-restore text. Pure grammar: it returns the
 * line's shape with its tokens; the model builder (src/parse) gives the words their meaning.
 */
import type { IToken } from "chevrotain";
import { EmbeddedActionsParser } from "./chevrotain.js";
import { allTokens, ChainHeader, Comment, Commit, Counters, OpenQuote, Quoted, TableHeader, Word } from "./tokens.js";

/** The shape of one line. */
export type LineSyntax =
  | { readonly kind: "comment"; readonly token: IToken }
  | { readonly kind: "table"; readonly token: IToken }
  | { readonly kind: "chain"; readonly token: IToken; readonly policy?: IToken; readonly counters?: IToken }
  | { readonly kind: "commit"; readonly token: IToken }
  | { readonly kind: "rule"; readonly counters?: IToken; readonly words: readonly IToken[] };

/** Parses one line's tokens (without the line end) into its shape. */
export class LineParser extends EmbeddedActionsParser {
  constructor() {
    super(allTokens, { recoveryEnabled: false, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  public line = this.RULE("line", (): LineSyntax | undefined => {
    return this.OR([
      { ALT: () => ({ kind: "comment", token: this.CONSUME(Comment) }) as LineSyntax },
      { ALT: () => ({ kind: "table", token: this.CONSUME(TableHeader) }) as LineSyntax },
      { ALT: () => this.SUBRULE(this.chainLine) },
      { ALT: () => ({ kind: "commit", token: this.CONSUME(Commit) }) as LineSyntax },
      { ALT: () => this.SUBRULE(this.ruleLine) },
    ]);
  });

  private chainLine = this.RULE("chainLine", (): LineSyntax => {
    const token = this.CONSUME(ChainHeader);
    const policy = this.OPTION(() => this.CONSUME(Word));
    const counters = this.OPTION2(() => this.CONSUME(Counters));
    return { kind: "chain", token, policy, counters };
  });

  private ruleLine = this.RULE("ruleLine", (): LineSyntax => {
    const counters = this.OPTION(() => this.CONSUME(Counters));
    const words: IToken[] = [];
    this.AT_LEAST_ONE(() => {
      const w = this.OR([
        { ALT: () => this.CONSUME2(Word) },
        { ALT: () => this.CONSUME(Quoted) },
        { ALT: () => this.CONSUME(OpenQuote) },
        { ALT: () => this.CONSUME2(Counters) },
      ]);
      words.push(w);
    });
    return { kind: "rule", counters, words };
  });
}
