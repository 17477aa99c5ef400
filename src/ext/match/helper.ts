/** `-m helper` (xt_helper): the connection was set up by (is expected by) a conntrack helper such as ftp. */
import type { Negatable } from "../../model/rule.js";
import { CtState, CtStatus } from "../../sim/packet.js";
import { bang, saveString } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m helper` match. `""` means any helper. */
export interface HelperMatch {
  readonly module: "helper";
  readonly helper: Negatable<string>;
}

/** kernel: xt_helper_info.name is 30 bytes including the NUL. */
const MAX_NAME = 29;

export const helper: MatchExtension<HelperMatch> = {
  name: "helper",
  options: [{ name: "helper", args: 1, invertible: true }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m helper needs --helper NAME", ctx.where);
    const name = u.values[0] ?? "";
    if (name.length > MAX_NAME) return ctx.error("bad-value", `--helper is at most ${MAX_NAME} characters, found ${name.length}`, u, 0);
    return { module: "helper", helper: { value: name, invert: u.invert } };
  },
  print(m) {
    return `${bang(m.helper.invert)}--helper ${saveString(m.helper.value)}`;
  },
  compile(m) {
    const name = m.helper.value;
    const inv = m.helper.invert;
    return {
      kind: "test",
      // kernel: helper_mt looks at the helper of the connection's *master*: only expected (RELATED)
      // connections match; an empty name matches any helper; the name is compared over the helper's length
      test: (p) => {
        const expected = (p.ctStatus & CtStatus.EXPECTED) !== 0 || (p.ctState & CtState.RELATED) !== 0;
        if (!expected || p.ctHelper === "") return inv;
        const hit = name === "" || name.startsWith(p.ctHelper);
        return hit !== inv;
      },
      assumption: "for a RELATED connection, the packet's ctHelper is taken as the helper of its master connection",
    };
  },
};
