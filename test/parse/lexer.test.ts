/** The lexer keeps chevrotain's first-character optimisations on. */
import { Lexer } from "../../grammar/chevrotain.js";
import { describe, expect, it } from "vitest";
import { allTokens } from "../../grammar/index.js";

describe("lexer", () => {
  it("builds with ensureOptimizations: true (no token pattern defeats the first-char optimisation)", () => {
    expect(() => new Lexer(allTokens, { ensureOptimizations: true, positionTracking: "full" })).not.toThrow();
  });

  it("recognises structural lines only at the start of a line", () => {
    const lexer = new Lexer(allTokens, { ensureOptimizations: true });
    const names = (t: string) => lexer.tokenize(t).tokens.map((x) => x.tokenType.name);
    expect(names("*filter\n")).toEqual(["TableHeader", "Newline"]);
    expect(names("-A X -m comment --comment *filter\n")).toEqual(["Word", "Word", "Word", "Word", "Word", "Word", "Newline"]);
    expect(names("# c\n -A # not a comment\n")).toEqual(["Comment", "Newline", "Word", "Word", "Word", "Word", "Word", "Newline"]);
    expect(names('-A X --comment "a \\"b\\" c" ""')).toEqual(["Word", "Word", "Word", "Quoted", "Quoted"]);
    expect(names("COMMIT\nCOMMITTED\n")).toEqual(["Commit", "Newline", "Word", "Newline"]);
  });
});
