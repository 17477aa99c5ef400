/**
 * The registry of match modules. To add one: write `src/ext/match/NAME.ts` exporting its
 * MatchExtension and its typed form, then add it to MATCHES and to KnownMatch below.
 */
import type { MatchExtension } from "../types.js";
import { comment, type CommentMatch } from "./comment.js";
import { tcp, type TcpMatch } from "./tcp.js";
import { udp, type UdpMatch } from "./udp.js";
import { conntrack, type ConntrackMatch } from "./conntrack.js";
import { state, type StateMatch } from "./state.js";
import { mark, type MarkMatch } from "./mark.js";
import { connmark, type ConnmarkMatch } from "./connmark.js";
import { addrtype, type AddrtypeMatch } from "./addrtype.js";

/** Every typed match. */
export type KnownMatch =
  | TcpMatch
  | UdpMatch
  | CommentMatch
  | ConntrackMatch
  | StateMatch
  | MarkMatch
  | ConnmarkMatch
  | AddrtypeMatch;

/** A match module iptrace does not know: kept with its words, printed back as it came. */
export interface UnknownMatch {
  readonly module: "unknown";
  /** The name given to `-m`. */
  readonly name: string;
  /** The option words that followed, as written (already unquoted). */
  readonly words: readonly string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const MATCHES: readonly MatchExtension<any>[] = [
  tcp,
  udp,
  comment,
  conntrack,
  state,
  mark,
  connmark,
  addrtype,
];
