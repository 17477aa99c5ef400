/** `-m nfacct` (xt_nfacct): counts the packet in a named accounting object; always matches. */
import type { MatchExtension } from "../types.js";

/** The typed `-m nfacct` match. */
export interface NfacctMatch {
  readonly module: "nfacct";
  readonly name: string;
}

/** kernel: NFACCT_NAME_MAX is 32 including the NUL. */
const MAX_NAME = 31;

export const nfacct: MatchExtension<NfacctMatch> = {
  name: "nfacct",
  options: [{ name: "nfacct-name", args: 1 }],
  build(uses, ctx) {
    const u = uses[uses.length - 1];
    if (!u) return ctx.error("missing-value", "-m nfacct needs --nfacct-name NAME", ctx.where);
    const name = u.values[0] ?? "";
    if (name.length === 0 || name.length > MAX_NAME) return ctx.error("bad-value", `--nfacct-name expects a name of 1 to ${MAX_NAME} characters, found "${name}"`, u, 0);
    return { module: "nfacct", name };
  },
  print(m) {
    // libxt_nfacct nfacct_print_name prints " %snfacct-name %s" after a separating space of its own:
    // iptables-nft-save 1.8.9 shows two spaces before the name (fixtures/kernel-save/nfacct.saved)
    return `--nfacct-name  ${m.name}`;
  },
  compile() {
    // the kernel refuses the rule unless the object exists (nfacct add NAME); iptrace does not check that
    return { kind: "test", test: () => true };
  },
};
