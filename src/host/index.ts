/**
 * The host a packet meets: types, readers for `ip` output and iptrace's JSON format, inference
 * from a ruleset, and the compiled lookups the walk uses.
 */

/** Host, interface, address and route types, the error type and its helpers. */
export {
  HostParseError,
  isHostError,
  unwrapHost,
  type AddressScope,
  type Host,
  type HostAddress,
  type HostError,
  type HostErrorCode,
  type HostForwarding,
  type HostInterface,
  type InterfaceKind,
  type Route,
  type RouteType,
} from "./host.js";
/** Reads iptrace's JSON host format (docs/host-format.md). */
export { hostFromJson, hostFromJsonOrThrow } from "./json.js";
/** Reads `ip -j addr show` and `ip -j route show` output. */
export { hostFromIpJson } from "./ip-json.js";
/** Reads pasted `ip addr` / `ip -br addr` and `ip route` output. */
export { hostFromIpText } from "./ip-text.js";
/** Infers a host from facts found in a ruleset. */
export { inferHost, type InferFacts } from "./infer.js";
/** Fills gaps of partial host descriptions; options shared by the readers; formatting helpers. */
export { completeHost, formatAddress, formatRoute, type HostReadOptions } from "./complete.js";
/** Compiles a host into fast lookups for the walk. */
export { compileHost, localTableRoutes, RTN_TYPE, XT_ADDRTYPE, type Arrival, type CompiledHost } from "./routing.js";
