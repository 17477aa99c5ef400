/** `-j NFQUEUE` (xt_NFQUEUE): hands the packet to a user-space program on a netlink queue. */
import { byName, uintOption } from "../common.js";
import type { TargetExtension } from "../types.js";

/** The typed `-j NFQUEUE`. */
export interface NfqueueTarget {
  readonly name: "NFQUEUE";
  /** `--queue-num` (0 when neither it nor a balance is given; always printed then). */
  readonly queue: number;
  /** `--queue-balance FIRST:LAST`, instead of a single queue. */
  readonly balance?: { readonly first: number; readonly last: number };
  readonly bypass: boolean;
  readonly cpuFanout: boolean;
}

export const nfqueue: TargetExtension<NfqueueTarget> = {
  name: "NFQUEUE",
  options: [
    { name: "queue-num", args: 1 },
    { name: "queue-balance", args: 1 },
    { name: "queue-bypass", args: 0 },
    { name: "queue-cpu-fanout", args: 0 },
  ],
  build(uses, ctx) {
    const o = byName(uses);
    const nu = o.get("queue-num");
    const bu = o.get("queue-balance");
    if (nu && bu) return ctx.error("bad-value", `--queue-num cannot be used together with --queue-balance`, bu);
    let queue = 0;
    if (nu) {
      const n = uintOption(nu, ctx, 0, 65535);
      if (n === undefined) return undefined;
      queue = n;
    }
    let balance: NfqueueTarget["balance"];
    if (bu) {
      const m = /^([0-9]+):([0-9]+)$/.exec(bu.values[0] ?? "");
      const first = m ? Number(m[1]) : NaN;
      const last = m ? Number(m[2]) : NaN;
      if (!m || first > 65535 || last > 65535) return ctx.error("bad-value", `--queue-balance expects FIRST:LAST (queue numbers 0-65535); found "${bu.values[0] ?? ""}"`, bu, 0);
      if (first >= last) return ctx.error("bad-value", `--queue-balance ${first}:${last}: the first queue must be less than the last`, bu, 0);
      // kernel: queues_total (last - first + 1) is a u16, so 65536 queues wrap to 0 and are refused
      if (last - first + 1 > 65535) return ctx.error("bad-value", `--queue-balance ${first}:${last}: at most 65535 queues (the kernel refuses more)`, bu, 0);
      balance = { first, last };
      queue = first;
    }
    const fu = o.get("queue-cpu-fanout");
    if (fu && !balance) return ctx.error("bad-value", `--queue-cpu-fanout also requires --queue-balance`, fu);
    return { name: "NFQUEUE", queue, ...(balance ? { balance } : {}), bypass: o.has("queue-bypass"), cpuFanout: !!fu };
  },
  print(t) {
    const parts = [t.balance ? `--queue-balance ${t.balance.first}:${t.balance.last}` : `--queue-num ${t.queue}`];
    if (t.bypass) parts.push("--queue-bypass");
    if (t.cpuFanout) parts.push("--queue-cpu-fanout");
    return parts.join(" ");
  },
  compile(t) {
    const which = t.balance ? `queues ${t.balance.first}-${t.balance.last} (chosen by a hash of the flow${t.cpuFanout ? " or the CPU" : ""})` : `queue ${t.queue}`;
    const note = `NFQUEUE to ${which}; what the program decides is not modelled${t.bypass ? "; with --queue-bypass the kernel accepts instead when no program listens" : "; the kernel drops the packet when no program listens"}`;
    return {
      kind: "effect",
      apply(_p, w) {
        w.note(note);
        return "QUEUE";
      },
    };
  },
};
