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

/**
 * The comment built last. Neighbouring rules often carry the same comment (each KUBE-SEP chain of
 * kube-proxy has two rules with one comment): they share one read-only object, 72 bytes less per
 * rule, without a table of every comment seen.
 */
const NONE: CommentMatch = { module: "comment", comment: "" };
let last = NONE;

/** The comment printed last and its text. */
let printedFor: string | undefined;
let printed = "";

export const comment: MatchExtension<CommentMatch> = {
  name: "comment",
  options: [{ name: "comment", args: 1 }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m comment needs --comment TEXT", ctx.where);
    const text = u.values[0] ?? "";
    if (text.length > MAX_COMMENT) return ctx.error("bad-value", `--comment is at most ${MAX_COMMENT} characters, found ${text.length}`, u, 0);
    if (text !== last.comment) last = { module: "comment", comment: text };
    return last;
  },
  print(m) {
    // neighbouring rules share the comment (one object, one string): its text serves again
    if (m.comment !== printedFor) {
      printedFor = m.comment;
      printed = `--comment ${saveString(m.comment)}`;
    }
    return printed;
  },
  compile() {
    return { kind: "test", test: () => true };
  },
  forget() {
    last = NONE;
    printedFor = undefined;
    printed = "";
  },
};
