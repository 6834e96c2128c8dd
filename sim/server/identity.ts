/**
 * Who a simulated phone is, derived from its name only, so it stays the same across runs: its
 * +sip.instance (a real phone derives it from its MAC, which never changes either).
 */
import { createHash } from 'node:crypto';

/** A stable RFC 4122 UUID URN in the version-5 layout (SHA-1 of the name). */
export function instanceIdFor(name: string): string {
  const h = createHash('sha1').update(`sipdesk-sim:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
