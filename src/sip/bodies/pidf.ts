/**
 * PIDF presence documents (RFC 3863) with the extensions desk phones and presence servers actually use:
 * RPID activities (RFC 4480), service capabilities (RFC 5196) and the data model's person/device
 * (RFC 4479).
 *
 * `buildPidf` writes what this phone PUBLISHes; `parsePidf` reads what a presence server NOTIFYs (Kamailio's
 * presence_xml aggregates every PUBLISH of a presentity into one document: several tuples, several persons);
 * `summarizePresence` reduces a parsed document to the handful of states a lamp or a contact list shows.
 */
import {
  attr, childNamed, childText, childrenNamed, descendantsNamed, escapeXml, hasNonXmlChar, parseXml, parseXsBoolean,
  textOf, type Parsed, type XmlElement, type XmlLimits,
} from './safe-xml.js';

export const PIDF_NS = 'urn:ietf:params:xml:ns:pidf';
export const RPID_NS = 'urn:ietf:params:xml:ns:pidf:rpid';
export const CAPS_NS = 'urn:ietf:params:xml:ns:pidf:caps';
export const DATA_MODEL_NS = 'urn:ietf:params:xml:ns:pidf:data-model';
/** Pre-RFC 4479/4480 names still sent by Asterisk's PIDF generator and eyeBeam-era clients. */
const LEGACY_PERSON_NS = 'urn:ietf:params:xml:ns:pidf:person';
const LEGACY_RPID_PERSON_NS = 'urn:ietf:params:xml:ns:pidf:rpid:rpid-person';

/** RFC 4480 §3.2 activity names. */
export const RPID_ACTIVITIES = [
  'appointment', 'away', 'breakfast', 'busy', 'dinner', 'holiday', 'in-transit', 'looking-for-work', 'meal',
  'meeting', 'on-the-phone', 'performance', 'permanent-absence', 'playing', 'presentation', 'shopping',
  'sleeping', 'spectator', 'steering', 'travel', 'tv', 'unknown', 'vacation', 'working', 'worship',
] as const;
export type RpidActivity = (typeof RPID_ACTIVITIES)[number];
const ACTIVITY_NAMES: ReadonlySet<string> = new Set(RPID_ACTIVITIES);

export interface ServiceCaps {
  audio?: boolean;
  video?: boolean;
  text?: boolean;
  message?: boolean;
}

export interface PidfInput {
  /** the presentity's AOR (`pres:` or `sip:` URI) */
  entity: string;
  /** XML ID of the tuple: letters, digits, `-`, `_`, `.`, starting with a letter or `_` */
  tupleId: string;
  /** GRUU, or the AOR when there is none */
  contact: string;
  /** this device's `+sip.instance` URN (urn:uuid:…) */
  deviceId: string;
  basic: 'open' | 'closed';
  activities: readonly RpidActivity[];
  /** free text published as `<rpid:other>` (e.g. "Do not disturb", which RPID has no element for) */
  otherActivity?: string;
  note?: string;
  caps: Required<ServiceCaps>;
  timestamp: Date;
}

/** URIs written into the document: one token of printable ASCII with a scheme. */
const URI_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;
/** An ASCII NCName, which an xs:ID must be. */
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const MAX_NOTE = 1024;

/** The PIDF this phone PUBLISHes, or why the input cannot make a valid one. */
export function buildPidf(input: PidfInput): Parsed<string> {
  for (const [name, value] of [['entity', input.entity], ['contact', input.contact], ['deviceId', input.deviceId]] as const) {
    if (typeof value !== 'string' || !URI_LIKE.test(value)) return { ok: false, error: `${name}: not a URI (${JSON.stringify(String(value).slice(0, 60))})` };
  }
  if (typeof input.tupleId !== 'string' || !NCNAME.test(input.tupleId)) return { ok: false, error: 'tupleId: must be an XML ID (letters, digits, - _ ., not starting with a digit)' };
  if (input.basic !== 'open' && input.basic !== 'closed') return { ok: false, error: "basic: must be 'open' or 'closed'" };
  const unknownActivity = input.activities.find((a) => !ACTIVITY_NAMES.has(a));
  if (unknownActivity !== undefined) return { ok: false, error: `activities: ${JSON.stringify(unknownActivity)} is not an RFC 4480 activity` };
  if (!(input.timestamp instanceof Date) || Number.isNaN(input.timestamp.getTime())) return { ok: false, error: 'timestamp: not a valid date' };
  const note = input.note === undefined ? undefined : input.note.slice(0, MAX_NOTE);
  const other = input.otherActivity === undefined ? undefined : input.otherActivity.slice(0, MAX_NOTE);
  if ((note !== undefined && hasNonXmlChar(note)) || (other !== undefined && hasNonXmlChar(other))) {
    // Dropping characters silently from what the user typed would publish something else than they wrote.
    return { ok: false, error: 'note: contains control characters XML cannot carry' };
  }

  const time = input.timestamp.toISOString();
  const id = input.tupleId;
  const bool = (b: boolean): string => (b ? 'true' : 'false');
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<presence xmlns="${PIDF_NS}" xmlns:rpid="${RPID_NS}" xmlns:caps="${CAPS_NS}" xmlns:dm="${DATA_MODEL_NS}" entity="${escapeXml(input.entity)}">`,
    ` <tuple id="${id}">`,
    `  <status><basic>${input.basic}</basic></status>`,
    // RFC 5196's servcaps sequence order: audio, application, data, control, video, text, message, …
    '  <caps:servcaps>',
    `   <caps:audio>${bool(input.caps.audio)}</caps:audio>`,
    `   <caps:video>${bool(input.caps.video)}</caps:video>`,
    `   <caps:text>${bool(input.caps.text)}</caps:text>`,
    `   <caps:message>${bool(input.caps.message)}</caps:message>`,
    '  </caps:servcaps>',
    `  <dm:deviceID>${escapeXml(input.deviceId)}</dm:deviceID>`,
    `  <contact>${escapeXml(input.contact)}</contact>`,
    `  <timestamp>${time}</timestamp>`,
    ' </tuple>',
    ` <dm:person id="p-${id}">`,
    ...activitiesXml(input.activities, other),
    ...(note !== undefined && note.trim() !== '' ? [`  <dm:note>${escapeXml(note)}</dm:note>`] : []),
    `  <dm:timestamp>${time}</dm:timestamp>`,
    ' </dm:person>',
    ` <dm:device id="d-${id}">`,
    `  <dm:deviceID>${escapeXml(input.deviceId)}</dm:deviceID>`,
    `  <dm:timestamp>${time}</dm:timestamp>`,
    ' </dm:device>',
    '</presence>',
  ];
  return { ok: true, value: lines.join('\r\n') + '\r\n' };
}

function activitiesXml(activities: readonly RpidActivity[], other: string | undefined): string[] {
  const named = [...new Set(activities)];
  // RFC 4480's schema makes <unknown/> a choice of its own: it cannot stand next to other activities.
  const concrete = named.filter((a) => a !== 'unknown');
  const hasOther = other !== undefined && other.trim() !== '';
  if (concrete.length === 0 && !hasOther) return named.includes('unknown') ? ['  <rpid:activities><rpid:unknown/></rpid:activities>'] : [];
  const items = concrete.map((a) => `<rpid:${a}/>`);
  if (hasOther) items.push(`<rpid:other>${escapeXml(other)}</rpid:other>`);
  return [`  <rpid:activities>${items.join('')}</rpid:activities>`];
}

export interface PidfTuple {
  id: string;
  basic: 'open' | 'closed' | undefined;
  contact?: string;
  note?: string;
  caps?: ServiceCaps;
  deviceId?: string;
}

export interface PidfPerson {
  /** RFC 4480 names, plus `other` texts as they were written */
  activities: string[];
  note?: string;
}

export interface PidfDocument {
  entity: string;
  tuples: PidfTuple[];
  /** every person element merged: the union of their activities, the first note */
  person?: PidfPerson;
  /** presence-level notes */
  notes: string[];
}

/** Reads a PIDF document (application/pidf+xml), or says why it is not one. */
export function parsePidf(text: string, limits?: XmlLimits): Parsed<PidfDocument> {
  const xml = parseXml(text, limits);
  if (!xml.ok) return xml;
  const root = xml.root;
  if (root.ns !== PIDF_NS || root.local !== 'presence') return { ok: false, error: `not PIDF: root is {${root.ns}}${root.local}` };
  const entity = attr(root, 'entity')?.trim();
  if (!entity) return { ok: false, error: 'PIDF presence has no entity' };

  const tuples: PidfTuple[] = [];
  const legacyTupleActivities: string[] = [];
  for (const t of childrenNamed(root, PIDF_NS, 'tuple')) {
    const id = attr(t, 'id')?.trim();
    if (!id) return { ok: false, error: 'PIDF tuple has no id' };
    const status = childNamed(t, PIDF_NS, 'status');
    const basicText = status ? childText(status, PIDF_NS, 'basic') : undefined;
    if (basicText !== undefined && basicText !== 'open' && basicText !== 'closed') {
      return { ok: false, error: `PIDF tuple ${id}: basic must be open or closed, not ${JSON.stringify(basicText.slice(0, 40))}` };
    }
    const tuple: PidfTuple = { id, basic: basicText };
    const contact = childText(t, PIDF_NS, 'contact');
    if (contact !== undefined) tuple.contact = contact;
    const note = childText(t, PIDF_NS, 'note');
    if (note !== undefined) tuple.note = note;
    const servcaps = childNamed(t, CAPS_NS, 'servcaps');
    if (servcaps) tuple.caps = readCaps(servcaps);
    const deviceId = childText(t, DATA_MODEL_NS, 'deviceID');
    if (deviceId !== undefined) tuple.deviceId = deviceId;
    tuples.push(tuple);
    // Pre-RFC 4479 clients put <rpid:activities> inside the tuple (or its status).
    for (const acts of descendantsNamed(t, RPID_NS, 'activities')) legacyTupleActivities.push(...readActivities(acts));
  }

  const doc: PidfDocument = { entity, tuples, notes: childrenNamed(root, PIDF_NS, 'note').flatMap((n) => textOf(n) ?? []) };
  const person = readPersons(root, legacyTupleActivities);
  if (person) doc.person = person;
  return { ok: true, value: doc };
}

function readCaps(servcaps: XmlElement): ServiceCaps {
  const caps: ServiceCaps = {};
  for (const name of ['audio', 'video', 'text', 'message'] as const) {
    const value = parseXsBoolean(childText(servcaps, CAPS_NS, name));
    if (value !== undefined) caps[name] = value;
  }
  return caps;
}

function readPersons(root: XmlElement, tupleActivities: string[]): PidfPerson | undefined {
  const persons = [...childrenNamed(root, DATA_MODEL_NS, 'person'), ...childrenNamed(root, LEGACY_PERSON_NS, 'person')];
  if (persons.length === 0 && tupleActivities.length === 0) return undefined;
  const activities = [...tupleActivities];
  let note: string | undefined;
  for (const p of persons) {
    for (const ns of [RPID_NS, LEGACY_RPID_PERSON_NS]) {
      for (const acts of descendantsNamed(p, ns, 'activities')) activities.push(...readActivities(acts));
    }
    note ??= childText(p, DATA_MODEL_NS, 'note') ?? childText(p, RPID_NS, 'note');
  }
  const person: PidfPerson = { activities: [...new Set(activities)] };
  if (note !== undefined) person.note = note;
  return person;
}

/**
 * Activity names in an `<activities>` element: each child's local name (`<rpid:busy/>`), the text of
 * `<rpid:other>` (free text such as "Do not disturb"), and eyeBeam's `<ep:activity>busy</ep:activity>`.
 * Notes inside activities are descriptions, not activities.
 */
function readActivities(activities: XmlElement): string[] {
  const names: string[] = [];
  for (const child of activities.children) {
    if (child.local === 'note') continue;
    if (child.local === 'other' || child.local === 'activity') {
      const text = textOf(child);
      if (text !== undefined) names.push(text);
    } else {
      names.push(child.local);
    }
  }
  return names;
}

export type PresenceState = 'available' | 'busy' | 'away' | 'dnd' | 'offline' | 'unknown';

export interface PresenceSummary {
  state: PresenceState;
  /** the text to show: the person's note, else a presence-level note, else an open tuple's note */
  note?: string;
  /** false when the presentity says it takes neither `message` nor `text`; undefined when it does not say */
  canIm: boolean | undefined;
  /** false only when every tuple that states audio says false; a SIP presentity is assumed to take calls */
  canAudio: boolean;
}

/** RPID has no do-not-disturb: servers and clients send it as `<rpid:other>` text or as a note. */
const DND_TEXT = /do[\s_-]*not[\s_-]*disturb|\bdnd\b/i;
const BUSY_ACTIVITIES: ReadonlySet<string> = new Set(['busy', 'on-the-phone', 'meeting', 'appointment', 'presentation', 'performance']);
const AWAY_ACTIVITIES: ReadonlySet<string> = new Set([
  'away', 'vacation', 'holiday', 'permanent-absence', 'sleeping', 'meal', 'breakfast', 'dinner', 'travel', 'in-transit', 'shopping',
]);
/** Fallback for documents whose only hint is a note (Asterisk "On the phone", Zoiper/X-Lite "Away"). */
const BUSY_NOTE = /\b(busy|on the phone|in a call|on a call|in a meeting)\b/i;
const AWAY_NOTE = /\b(away|be right back|brb|out to lunch|on vacation|out of (the )?office)\b/i;

/**
 * The state a contact list or lamp shows:
 * - any tuple `open` → the person is reachable; then, strongest first: DND (an activity or note saying
 *   "do not disturb"/"DND"), busy (busy, on-the-phone, meeting, appointment, presentation, performance),
 *   away (away, vacation, holiday, permanent-absence, sleeping, meals, travel, in-transit, shopping),
 *   else available; when there are no activities at all, notes are read for the same words;
 * - no tuple open but some `closed`, or an empty document → offline ("appear offline" publishes closed);
 * - tuples with no basic status → the activities decide, else unknown.
 */
export function summarizePresence(doc: PidfDocument): PresenceSummary {
  const open = doc.tuples.filter((t) => t.basic === 'open');
  const closed = doc.tuples.filter((t) => t.basic === 'closed');
  const activities = doc.person?.activities ?? [];
  const notes = [doc.person?.note, ...doc.notes, ...open.map((t) => t.note)].filter((n): n is string => n !== undefined);

  let state: PresenceState;
  if (open.length === 0 && (closed.length > 0 || (doc.tuples.length === 0 && activities.length === 0))) state = 'offline';
  else state = stateFromActivities(activities, notes) ?? (open.length > 0 ? 'available' : 'unknown');

  const summary: PresenceSummary = { state, canIm: canIm(open.length > 0 ? open : doc.tuples), canAudio: canAudio(doc.tuples) };
  const note = notes[0];
  if (note !== undefined) summary.note = note;
  return summary;
}

function stateFromActivities(activities: readonly string[], notes: readonly string[]): PresenceState | undefined {
  if (activities.some((a) => DND_TEXT.test(a)) || notes.some((n) => DND_TEXT.test(n))) return 'dnd';
  if (activities.some((a) => BUSY_ACTIVITIES.has(a))) return 'busy';
  if (activities.some((a) => AWAY_ACTIVITIES.has(a))) return 'away';
  if (activities.some((a) => a !== 'unknown')) return undefined;
  if (notes.some((n) => BUSY_NOTE.test(n))) return 'busy';
  if (notes.some((n) => AWAY_NOTE.test(n))) return 'away';
  return undefined;
}

function canIm(tuples: readonly PidfTuple[]): boolean | undefined {
  if (tuples.some((t) => t.caps?.message === true || t.caps?.text === true)) return true;
  if (tuples.some((t) => t.caps?.message === false || t.caps?.text === false)) return false;
  return undefined;
}

function canAudio(tuples: readonly PidfTuple[]): boolean {
  const stated = tuples.flatMap((t) => (t.caps?.audio === undefined ? [] : [t.caps.audio]));
  return stated.length === 0 || stated.includes(true);
}
