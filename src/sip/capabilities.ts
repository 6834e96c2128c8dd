/**
 * What this phone can do, said once and used everywhere the phone describes itself: Allow and Accept
 * headers, the RFC 3840 Contact feature tags of REGISTER and of the OPTIONS answer.
 * A desk phone talks (audio) and does not take instant messages: MESSAGE is absent from every list, and
 * there is no `text` feature tag (RFC 3840 §10: absence means the UA lacks the capability).
 */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'NOTIFY', 'REFER', 'UPDATE'] as const;

export const ACCEPTED_BODIES = ['application/sdp', 'application/dtmf-relay', 'message/sipfrag'] as const;

/** SIP extensions the phone implements (JsSIP: Replaces, session timers; ours: outbound keep-alives, GRUU). */
export const SUPPORTED_EXTENSIONS = ['replaces', 'timer', 'gruu', 'outbound'] as const;

/** Methods a SIP stack may meet; anything else is answered 501 (RFC 3261 §21.5.2). */
export const KNOWN_METHODS = new Set([
  'INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'INFO', 'PRACK', 'SUBSCRIBE', 'NOTIFY',
  'UPDATE', 'MESSAGE', 'REFER', 'PUBLISH',
]);

/** RFC 3840 feature parameters for our Contact, as JsSIP's setExtraContactParams wants them (value '' = flag). */
export function contactFeatureParams(): Record<string, string> {
  return { audio: '', methods: `"${ALLOWED_METHODS.join(',')}"` };
}

/** The same parameters as a Contact suffix: `;audio;methods="…"`. */
export function contactFeatureSuffix(): string {
  return Object.entries(contactFeatureParams())
    .map(([k, v]) => (v ? `;${k}=${v}` : `;${k}`))
    .join('');
}
