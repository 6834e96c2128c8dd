/**
 * Every message JsSIP sends passes through here on its way to the socket. This is where the phone's
 * identity is made true on the wire when JsSIP has no option for it (JsSIP is pinned, never forked):
 *
 * - `Allow:` is JsSIP's fixed ALLOWED_METHODS (it lists MESSAGE and SUBSCRIBE, which this phone refuses):
 *   replaced by the phone's own list, once, in requests and responses alike (RFC 3261 §20.5).
 * - `Accept:` likewise names the bodies we really take (except in SUBSCRIBE, where it names the event
 *   package's documents: the watcher's own, kept).
 * - `Supported: ice` and the `+sip.ice` Contact feature tag are WebRTC leftovers: the phone does no ICE
 *   (RFC 5768 says only ICE-capable UAs may claim it), so both are removed.
 * - The top Via of requests we originate gets our listening port: JsSIP writes a bare host, which means
 *   port 5060 to anyone who has to open a connection back (RFC 3261 §18.2.2).
 * - Several Supported headers (JsSIP's own plus ours) become one, without duplicates.
 * - Responses carry `Server:` (RFC 3261 §20.35), which JsSIP never writes; requests already carry
 *   JsSIP's User-Agent, configured to ours.
 * - Every message carries Content-Length, mandatory on streams (RFC 3261 §18.3): a few of JsSIP's own
 *   answers (sanityCheck.js: 416, 482, …) lack it, and a PBX may close the flow over that.
 *
 * Rewrites touch only the head; the body and Content-Length are left as JsSIP computed them.
 */
export interface OutgoingPolicyOptions {
  allow: readonly string[];
  accept: readonly string[];
  /** host written by JsSIP in Via (its via_host) and the port to add to it */
  viaHost: string;
  viaPort: number;
  /** product token for Server: in responses, e.g. sipdesk/0.1.0 */
  server: string;
}

import { canonicalName } from './message-head.js';

function headerName(line: string): string | undefined {
  const colon = line.indexOf(':');
  return colon > 0 ? canonicalName(line.slice(0, colon).trim()) : undefined;
}

function headerValue(line: string): string {
  return line.slice(line.indexOf(':') + 1).trim();
}

/** Removes `;+sip.ice` (with or without a value) from Contact values, outside quoted strings. */
export function stripIceFeatureTag(contact: string): string {
  return contact.replace(/;\s*\+sip\.ice(?:=(?:"[^"]*"|[^;,>\s]*))?(?=[;,>\s]|$)/gi, '');
}

export function stripIceOption(supported: string): string {
  return supported
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t && t.toLowerCase() !== 'ice')
    .join(', ');
}

export function createOutgoingPolicy(opts: OutgoingPolicyOptions): (message: string) => string {
  const allowLine = `Allow: ${opts.allow.join(',')}`;
  const acceptLine = `Accept: ${opts.accept.join(', ')}`;
  const bareVia = new RegExp(`^(SIP/2\\.0/[A-Za-z]+ ${opts.viaHost.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})(;)`, 'i');

  return function applyOutgoingPolicy(message: string): string {
    const headEnd = message.indexOf('\r\n\r\n');
    if (headEnd <= 0) return message; // keep-alive or not SIP: not ours to touch
    const lines = message.slice(0, headEnd).split('\r\n');
    const isRequest = !lines[0]!.startsWith('SIP/2.0 ');
    const isSubscribe = lines[0]!.startsWith('SUBSCRIBE ');
    const out: string[] = [lines[0]!];
    let allowDone = false;
    let acceptDone = false;
    let firstVia = true;
    let supportedAt = -1;
    const supported = new Set<string>();
    let hasServer = false;
    let hasLength = false;
    for (const line of lines.slice(1)) {
      const name = headerName(line);
      switch (name) {
        case 'allow':
          if (!allowDone) out.push(allowLine);
          allowDone = true;
          break;
        case 'accept':
          // A SUBSCRIBE's Accept names the event package's document types (RFC 6665 §3.1.2), set by its caller.
          if (isSubscribe) {
            out.push(line);
            break;
          }
          if (!acceptDone) out.push(acceptLine);
          acceptDone = true;
          break;
        case 'supported':
          for (const token of stripIceOption(headerValue(line)).split(', ')) if (token) supported.add(token);
          if (supportedAt < 0) {
            supportedAt = out.length;
            out.push(''); // filled in below, once every Supported header has been read
          }
          break;
        case 'server':
        case 'user-agent':
          hasServer = true;
          out.push(line);
          break;
        case 'content-length':
          hasLength = true;
          out.push(line);
          break;
        case 'contact':
          out.push(stripIceFeatureTag(line));
          break;
        case 'via':
          // Only the top Via of our own requests is ours; in responses every Via is the requester's.
          out.push(isRequest && firstVia ? `Via: ${headerValue(line).replace(bareVia, `$1:${opts.viaPort}$2`)}` : line);
          firstVia = false;
          break;
        default:
          out.push(line);
      }
    }
    if (supportedAt >= 0) {
      if (supported.size > 0) out[supportedAt] = `Supported: ${[...supported].join(', ')}`;
      else out.splice(supportedAt, 1);
    }
    if (!isRequest && !hasServer) out.push(`Server: ${opts.server}`);
    if (!hasLength) out.push(`Content-Length: ${Buffer.byteLength(message.slice(headEnd + 4))}`);
    return `${out.join('\r\n')}${message.slice(headEnd)}`;
  };
}
