/**
 * Registration state documents (RFC 3680, application/reginfo+xml): which devices are registered to an
 * AOR. The phone subscribes to its own AOR to learn about its other devices (to show "also on: softphone")
 * and, with RFC 5628's GRUU extension, their GRUUs.
 */
import { attr, childNamed, childText, childrenNamed, parseUnsigned, parseXml, textOf, type Parsed, type XmlElement, type XmlLimits } from './safe-xml.js';

export const REGINFO_NS = 'urn:ietf:params:xml:ns:reginfo';
export const GRUUINFO_NS = 'urn:ietf:params:xml:ns:gruuinfo';

export type RegistrationState = 'init' | 'active' | 'terminated';
export type ContactState = 'active' | 'terminated';

export interface ReginfoContact {
  id: string;
  state: ContactState;
  /** registered, created, refreshed, shortened, expired, deactivated, probation, unregistered, rejected */
  event: string;
  uri: string;
  /** `+sip.instance` without its quotes and angle brackets (`urn:uuid:…`) */
  instance?: string;
  expires?: number;
  pubGruu?: string;
}

export interface Registration {
  aor: string;
  id: string;
  state: RegistrationState;
  contacts: ReginfoContact[];
}

export interface Reginfo {
  version: number;
  state: 'full' | 'partial';
  registrations: Registration[];
}

const REG_STATES: ReadonlySet<string> = new Set(['init', 'active', 'terminated']);

/** Reads a reginfo document, or says why it is not one. */
export function parseReginfo(text: string, limits?: XmlLimits): Parsed<Reginfo> {
  const xml = parseXml(text, limits);
  if (!xml.ok) return xml;
  const root = xml.root;
  if (root.ns !== REGINFO_NS || root.local !== 'reginfo') return { ok: false, error: `not reginfo: root is {${root.ns}}${root.local}` };
  const version = parseUnsigned(attr(root, 'version'));
  if (version === undefined) return { ok: false, error: 'reginfo version is not a non-negative integer' };
  const state = attr(root, 'state')?.trim();
  if (state !== 'full' && state !== 'partial') return { ok: false, error: "reginfo state must be 'full' or 'partial'" };
  const registrations: Registration[] = [];
  for (const r of childrenNamed(root, REGINFO_NS, 'registration')) {
    const reg = readRegistration(r);
    if (!reg.ok) return reg;
    registrations.push(reg.value);
  }
  return { ok: true, value: { version, state, registrations } };
}

function readRegistration(r: XmlElement): Parsed<Registration> {
  const aor = attr(r, 'aor')?.trim();
  const id = attr(r, 'id')?.trim();
  const state = attr(r, 'state')?.trim();
  if (!aor || !id) return { ok: false, error: 'registration lacks aor or id' };
  if (!state || !REG_STATES.has(state)) return { ok: false, error: `registration ${aor}: state must be init, active or terminated` };
  const contacts: ReginfoContact[] = [];
  for (const c of childrenNamed(r, REGINFO_NS, 'contact')) {
    const contact = readContact(c);
    if (!contact.ok) return { ok: false, error: `registration ${aor}: ${contact.error}` };
    contacts.push(contact.value);
  }
  return { ok: true, value: { aor, id, state: state as RegistrationState, contacts } };
}

function readContact(c: XmlElement): Parsed<ReginfoContact> {
  const id = attr(c, 'id')?.trim();
  const state = attr(c, 'state')?.trim();
  const event = attr(c, 'event')?.trim();
  const uri = childText(c, REGINFO_NS, 'uri');
  if (!id || !event || uri === undefined) return { ok: false, error: 'contact lacks id, event or uri' };
  if (state !== 'active' && state !== 'terminated') return { ok: false, error: `contact ${id}: state must be active or terminated` };
  const contact: ReginfoContact = { id, state, event, uri };
  const instance = readInstance(c);
  if (instance !== undefined) contact.instance = instance;
  const expires = parseUnsigned(attr(c, 'expires'));
  if (expires !== undefined) contact.expires = expires;
  const pubGruu = attr(childNamed(c, GRUUINFO_NS, 'pub-gruu') ?? c, 'uri')?.trim();
  if (pubGruu) contact.pubGruu = pubGruu;
  return { ok: true, value: contact };
}

/**
 * The contact's instance id: RFC 3680 carries it as `<unknown-param name="+sip.instance">"&lt;urn:…&gt;"`;
 * some registrars write an `<instance>` child instead (in any namespace, since none is standardized).
 */
function readInstance(c: XmlElement): string | undefined {
  const param = childrenNamed(c, REGINFO_NS, 'unknown-param').find((p) => attr(p, 'name')?.trim().toLowerCase() === '+sip.instance');
  const element = c.children.find((child) => child.local === 'instance');
  const raw = (param && textOf(param)) ?? (element && textOf(element));
  return raw === undefined ? undefined : normalizeInstance(raw);
}

/** `"<urn:uuid:ABC>"`, `<urn:uuid:abc>` and `urn:uuid:abc` are the same instance (UUID URNs compare case-insensitively). */
export function normalizeInstance(value: string): string | undefined {
  const bare = value.trim().replace(/^"(.*)"$/s, '$1').trim().replace(/^<(.*)>$/s, '$1').trim();
  if (bare === '') return undefined;
  return /^urn:uuid:/i.test(bare) ? bare.toLowerCase() : bare;
}

export interface OtherDevice extends ReginfoContact {
  aor: string;
}

/**
 * Active contacts of active registrations that are not this phone (its own `+sip.instance`), one per
 * instance (a device registered over two flows shows once). Contacts without an instance id are other
 * devices too: this phone always registers with one.
 */
export function otherDevices(info: Reginfo, ownInstanceId: string): OtherDevice[] {
  const own = normalizeInstance(ownInstanceId);
  const seen = new Set<string>();
  const devices: OtherDevice[] = [];
  for (const reg of info.registrations) {
    if (reg.state !== 'active') continue;
    for (const contact of reg.contacts) {
      if (contact.state !== 'active' || (own !== undefined && contact.instance === own)) continue;
      const key = contact.instance ? `${reg.aor}\n${contact.instance}` : `${reg.aor}\n${contact.uri}`;
      if (seen.has(key)) continue;
      seen.add(key);
      devices.push({ ...contact, aor: reg.aor });
    }
  }
  return devices;
}
