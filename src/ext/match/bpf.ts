/** `-m bpf` (xt_bpf): a classic BPF program (or a pinned eBPF object) decides. */
import { parseUint, saveString } from "../common.js";
import type { MatchExtension } from "../types.js";

/** One classic BPF instruction: `code jt jf k`. */
export type BpfInsn = readonly [code: number, jt: number, jf: number, k: number];

/** The typed `-m bpf` match: bytecode or a pinned object path. */
export interface BpfMatch {
  readonly module: "bpf";
  readonly program?: readonly BpfInsn[];
  readonly pinned?: string;
}

/** kernel: XT_BPF_MAX_NUM_INSTR. */
const MAX_INSNS = 64;

/** Parses `N,c t f k,c t f k,…` as libxt_bpf's bpf_parse_string. */
export function parseBytecode(text: string): BpfInsn[] | string {
  const parts = text.split(",");
  const n = parseUint(parts[0].trim(), 0, 65535);
  if (n === undefined) return `the bytecode must start with the number of instructions; found "${parts[0]}"`;
  if (n === 0 || n > MAX_INSNS) return `the program must have 1 to ${MAX_INSNS} instructions, found ${n}`;
  if (parts.length - 1 !== n) return `the bytecode announces ${n} instructions but holds ${parts.length - 1}`;
  const out: BpfInsn[] = [];
  for (const p of parts.slice(1)) {
    const f = p.trim().split(/\s+/);
    const nums = f.map((x) => parseUint(x));
    if (f.length !== 4 || nums.some((x) => x === undefined) || (nums[0] as number) > 65535 || (nums[1] as number) > 255 || (nums[2] as number) > 255) {
      return `"${p}" is not an instruction "code jt jf k"`;
    }
    out.push(nums as unknown as BpfInsn);
  }
  return out;
}

export const bpf: MatchExtension<BpfMatch> = {
  name: "bpf",
  options: [
    { name: "bytecode", args: 1 },
    { name: "object-pinned", args: 1 },
  ],
  build(uses, ctx) {
    if (uses.length === 0) return ctx.error("missing-value", "-m bpf needs --bytecode CODE or --object-pinned PATH", ctx.where);
    if (uses.length > 1) return ctx.error("bad-value", `--${uses[1].name} cannot be combined with --${uses[0].name}`, uses[1]);
    const u = uses[0];
    const text = u.values[0] ?? "";
    if (u.name === "object-pinned") {
      if (text.length === 0) return ctx.error("bad-value", "--object-pinned expects the path of a pinned eBPF program", u, 0);
      return { module: "bpf", pinned: text };
    }
    const program = parseBytecode(text);
    if (typeof program === "string") return ctx.error("bad-value", `--bytecode: ${program}`, u, 0);
    return { module: "bpf", program };
  },
  print(m) {
    if (m.pinned !== undefined) return `--object-pinned ${saveString(m.pinned)}`;
    const prog = m.program ?? [];
    return `--bytecode "${prog.length},${prog.map((i) => i.join(" ")).join(",")}"`;
  },
  compile() {
    return { kind: "unsupported", reason: "bpf: running a BPF program needs the packet's bytes, which are not modelled" };
  },
};
