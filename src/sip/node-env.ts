/**
 * JsSIP was written for browsers and reads a few globals at run time: `window.RTCPeerConnection` on every
 * incoming INVITE (a ReferenceError in Node without a `window`). We give it `window = globalThis`; the
 * media layer installs its own RTCPeerConnection there. Until calls exist JsSIP answers an INVITE with 405
 * (no 'newRTCSession' listener) instead of crashing.
 */
export function installJsSipNodeGlobals(): void {
  const g = globalThis as { window?: unknown };
  if (g.window === undefined) g.window = globalThis;
}
