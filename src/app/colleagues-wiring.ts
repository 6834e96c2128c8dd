/**
 * The subscriptions behind the buddy list, the busy-lamp field, message waiting and "also signed in on":
 * one Watcher per contact and package (presence, dialog), one for message-summary and one for our own reg
 * event, each feeding the pure Colleagues model. Watchers start once the phone is registered and retry on
 * their own; a malformed NOTIFY is refused 400 by its watcher and disturbs no other subscription.
 */
import type { PhoneConfig } from '../config/schema.js';
import { Colleagues, type RingingDialog } from '../phone/colleagues.js';
import type { SipStack } from '../sip/sip-stack.js';
import { Watcher, type SubscribingUa } from '../sip/watcher.js';
import { parsePidf, summarizePresence } from '../sip/bodies/pidf.js';
import { applyDialogInfo, lampState, parseDialogInfo, type DialogInfo } from '../sip/bodies/dialog-info.js';
import { parseMessageSummary } from '../sip/bodies/message-summary.js';
import { otherDevices, parseReginfo } from '../sip/bodies/reginfo.js';
import { parseResourceListNotify, type ResourceListNotify } from '../sip/bodies/rlmi.js';
import { sameUri } from '../phone/colleagues.js';
import { createLogger } from '../util/log.js';

const log = createLogger('colleagues');

export interface PhoneColleagues {
  readonly model: Colleagues;
  stop(): void;
}

/** The call ringing at the monitored extension, for a pickup. */
function ringingDialogOf(info: DialogInfo): RingingDialog | undefined {
  const d = info.dialogs.find((x) => (x.state === 'early' || x.state === 'proceeding') && x.direction !== 'initiator' && x.callId !== undefined);
  if (d?.callId === undefined) return undefined;
  return {
    callId: d.callId,
    ...(d.localTag ? { localTag: d.localTag } : {}),
    ...(d.remoteTag ? { remoteTag: d.remoteTag } : {}),
    ...(d.remote?.identity ? { caller: d.remote.identity } : {}),
    ...(d.remote?.target ? { callerTarget: d.remote.target } : {}),
  };
}

export function wireColleagues(config: PhoneConfig, sip: SipStack): PhoneColleagues {
  const c = config.colleagues;
  const model = new Colleagues(c.contacts);
  const ua = sip.ua as unknown as SubscribingUa;
  const watchers: Watcher<unknown>[] = [];
  let started = false;
  const add = <T>(w: Watcher<T>): Watcher<T> => {
    watchers.push(w);
    return w;
  };

  const presenceOf = (uri: string, doc: Parameters<typeof summarizePresence>[0]): void => {
    const s = summarizePresence(doc);
    model.setPresence(uri, { state: s.state, ...(s.note ? { note: s.note } : {}), ...(s.canIm !== undefined ? { canIm: s.canIm } : {}) });
  };
  const perContactPresence = (): void => {
    for (const contact of c.contacts) {
      if (!contact.presence) continue;
      const w = add(new Watcher(ua, { target: contact.uri, event: 'presence', accept: 'application/pidf+xml', parse: (body) => parsePidf(body) }));
      w.on('update', (doc) => presenceOf(contact.uri, doc));
      w.on('state', (s) => model.setWatch(contact.uri, 'presence', s));
    }
  };
  if (c.presenceList !== undefined && c.contacts.some((x) => x.presence)) {
    // One RFC 4662 subscription for everyone; if the server never takes it, one subscription per contact.
    let everActive = false;
    const list = add(new Watcher<ResourceListNotify>(ua, {
      target: c.presenceList,
      event: 'presence',
      accept: 'multipart/related, application/rlmi+xml, application/pidf+xml',
      extraHeaders: ['Supported: eventlist'],
      parse: (body, contentType) => parseResourceListNotify(contentType ?? '', body),
    }));
    list.on('update', (notify) => {
      for (const resource of notify.resources) {
        const contact = c.contacts.find((x) => x.presence && sameUri(x.uri, resource.uri));
        if (contact === undefined) continue;
        const active = resource.instances.find((i) => i.state === 'active' && i.content?.kind === 'pidf' && i.content.result.ok);
        if (active?.content?.kind === 'pidf' && active.content.result.ok) presenceOf(contact.uri, active.content.result.value);
      }
    });
    list.on('state', (s) => {
      if (s === 'active') everActive = true;
      for (const contact of c.contacts) if (contact.presence) model.setWatch(contact.uri, 'presence', s);
      if (s === 'retrying' && !everActive) {
        log.info(`${c.presenceList!}: no resource list here; watching each contact instead`);
        list.close();
        perContactPresence();
        if (started) for (const w of watchers) if (w.state === 'subscribing') w.start();
      }
    });
  } else perContactPresence();

  for (const contact of c.contacts) {
    if (contact.blf) {
      // dialog-info comes as full state and partial updates (RFC 4235 §4.1): kept merged per subscription.
      let current: DialogInfo | undefined;
      const w = add(new Watcher(ua, { target: contact.uri, event: 'dialog', accept: 'application/dialog-info+xml', parse: (body) => parseDialogInfo(body) }));
      w.on('update', (update) => {
        const merged = applyDialogInfo(current, update);
        if (!merged.ok) {
          log.warn(`${contact.uri}: dialog state out of step (${merged.error}); subscribing afresh`);
          current = undefined;
          w.resubscribe();
          return;
        }
        current = merged.value;
        const ringing = ringingDialogOf(current);
        model.setLamp(contact.uri, lampState(current), ringing);
      });
      w.on('state', (s) => {
        if (s !== 'active' && s !== 'pending') current = undefined;
        model.setWatch(contact.uri, 'lamp', s);
      });
    }
  }

  if (c.voicemail.subscribe) {
    const w = add(new Watcher(ua, { target: c.voicemail.uri ?? config.account.aor, event: 'message-summary', accept: 'application/simple-message-summary', parse: (body) => parseMessageSummary(body) }));
    w.on('update', (m) => model.setMessages({ waiting: m.waiting, newMessages: m.voice?.new ?? 0, oldMessages: m.voice?.old ?? 0, urgentNew: m.voice?.urgentNew ?? 0 }));
  }
  // Unsolicited message-summary NOTIFYs (Asterisk's default): JsSIP answers them 200 and surfaces them here.
  (sip.ua as unknown as NodeJS.EventEmitter).on('sipEvent', (e: { event?: { event?: string }; request?: { body?: string } }) => {
    if (e.event?.event !== 'message-summary' || !e.request?.body) return;
    const m = parseMessageSummary(e.request.body);
    if (!m.ok) {
      log.warn(`unsolicited message-summary ignored: ${m.error}`);
      return;
    }
    model.setMessages({ waiting: m.value.waiting, newMessages: m.value.voice?.new ?? 0, oldMessages: m.value.voice?.old ?? 0, urgentNew: m.value.voice?.urgentNew ?? 0 });
  });

  if (c.watchRegistrations) {
    const w = add(new Watcher(ua, { target: config.account.aor, event: 'reg', accept: 'application/reginfo+xml', parse: (body) => parseReginfo(body) }));
    w.on('update', (info) => model.setOtherDevices(otherDevices(info, `urn:uuid:${sip.instanceId}`).map((d) => ({ uri: d.uri, ...(d.instance ? { instance: d.instance } : {}), ...(d.expires !== undefined ? { expires: d.expires } : {}) }))));
  }

  // Subscriptions need a registered flow; a watcher that ends later re-subscribes by itself.
  const onRegistration = (s: { state: string }): void => {
    if (started || s.state !== 'registered') return;
    started = true;
    for (const w of watchers) w.start();
  };
  sip.registration.on('state', onRegistration);

  return {
    model,
    stop() {
      sip.registration.off('state', onRegistration);
      for (const w of watchers) w.close();
    },
  };
}
