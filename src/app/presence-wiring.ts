/**
 * The phone as a presence source (the Tanjay design): the automatic presence model (src/phone/presence.ts)
 * follows registration, calls and the user's activity, and every visible change is PUBLISHed as PIDF with
 * the device's capabilities — audio yes, instant messages no — on the tuple whose contact is the GRUU (or
 * the AOR) and whose device id is our +sip.instance, so a colleague who tries to IM the user is warned.
 * Do-not-disturb is one setting: presence DND and call-control DND follow each other.
 */
import type { PhoneConfig } from '../config/schema.js';
import { PresenceModel, callPresenceOf, isDnd, type ManualState, type PresenceState } from '../phone/presence.js';
import type { CallControl } from '../phone/call-control.js';
import type { Clock } from '../phone/clock.js';
import { Publisher, type PublicationState } from '../sip/publisher.js';
import { buildPidf } from '../sip/bodies/pidf.js';
import type { SipStack } from '../sip/sip-stack.js';
import { createLogger } from '../util/log.js';

const log = createLogger('presence');

/** RPID has no words for these (RFC 4480): they go out as <rpid:other>, as OCS and most servers expect. */
const OTHER_ACTIVITY: Partial<Record<PresenceState['state'], string>> = { dnd: 'Do not disturb', brb: 'Be right back', 'in-conference': 'In a conference' };

export interface PhonePresence {
  readonly model: PresenceModel;
  readonly publisher: Publisher | undefined;
  status(): { presence: PresenceState; publication: PublicationState | 'off' };
  setManual(state: ManualState | undefined): void;
  setNote(note: string | undefined): void;
  /** A key, touch or hook event: the user is here. */
  activity(): void;
  /** Offline, then the publication removed (bounded wait). */
  shutdown(timeoutMs: number): Promise<void>;
}

export function wirePresence(config: PhoneConfig, sip: SipStack, calls: CallControl, clock: Clock): PhonePresence {
  const model = new PresenceModel({ clock, awayAfterMin: config.presence.awayAfterMin, ...(config.presence.note ? { note: config.presence.note } : {}) });
  const aor = config.account.aor;
  const deviceId = `urn:uuid:${sip.instanceId}`;
  const publisher = config.presence.publish
    ? new Publisher(sip.ua, { aor, event: 'presence', contentType: 'application/pidf+xml', expires: config.presence.publishExpires })
    : undefined;
  publisher?.on('state', (s, detail) => log.info(`publication ${s}${detail ? ` (${detail})` : ''}`));

  const publish = (p: PresenceState): void => {
    if (publisher === undefined) return;
    // Offline because we are unregistered: nothing can be published (no flow); the server's copy expires or
    // is replaced at the next registration.
    if (p.state === 'offline' && p.source === 'automatic') return;
    const other = OTHER_ACTIVITY[p.state];
    const doc = buildPidf({
      entity: aor,
      tupleId: `sipdesk-${sip.instanceId.slice(0, 8)}`,
      contact: sip.status().gruu ?? aor,
      deviceId,
      basic: p.rpid.basic,
      activities: p.rpid.activities,
      ...(other ? { otherActivity: other } : {}),
      ...(p.note ? { note: p.note } : {}),
      caps: { audio: true, video: false, text: false, message: false },
      timestamp: new Date(clock.now()),
    });
    if (doc.ok) publisher.publish(doc.value);
    else log.error(`cannot build the presence document: ${doc.error}`);
  };

  model.onChange((p) => {
    publish(p);
    // One DND: presence DND (manual) drives call control's, which rejects or silences calls per config.
    const dnd = isDnd(p);
    if (calls.snapshot().dnd !== dnd) calls.setDnd(dnd);
  });
  calls.onChange((snap) => {
    model.setCallState(callPresenceOf(snap));
    // DND set through the calls API or a key: presence shows it too.
    const presenceDnd = isDnd(model.current());
    if (snap.dnd && !presenceDnd) model.setManual('dnd');
    else if (!snap.dnd && presenceDnd) model.setManual(undefined);
  });
  // Registered again after a loss (boot, new flow): the model leaves offline, which publishes the state anew.
  sip.registration.on('state', (s: { state: string }) => model.setRegistered(s.state === 'registered'));
  // Boot-time DND from config or the settings file.
  if (calls.snapshot().dnd) model.setManual('dnd');

  return {
    model,
    publisher,
    status: () => ({ presence: model.current(), publication: publisher?.state ?? 'off' }),
    setManual: (state) => model.setManual(state),
    setNote: (note) => model.setNote(note),
    activity: () => model.userActivity(),
    async shutdown(timeoutMs) {
      model.shutdown();
      await publisher?.remove(timeoutMs);
      publisher?.close();
    },
  };
}
