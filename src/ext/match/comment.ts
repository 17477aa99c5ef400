/** `-m comment`: a note on the rule; matches every packet. */
import { saveString } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m comment` match. */
export interface CommentMatch {
  readonly module: "comment";
  readonly comment: string;
}

/** kernel: XT_MAX_COMMENT_LEN is 256 including the terminating NUL. */
const MAX_COMMENT = 255;

export const comment: MatchExtension<CommentMatch> = {
  name: "comment",
  options: [{ name: "comment", args: 1 }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m comment needs --comment TEXT", ctx.where);
    const text = u.values[0] ?? "";
    if (text.length > MAX_COMMENT) return ctx.error("bad-value", `--comment is at most ${MAX_COMMENT} characters, found ${text.length}`, u, 0);
    return { module: "comment", comment: text };
  },
  print(m) {
    return `--comment ${saveString(m.comment)}`;
  },
  compile() {
    return { kind: "test", test: () => true };
  },
};
