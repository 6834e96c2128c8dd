/**
 * Dialog state documents (RFC 4235, application/dialog-info+xml), the body of busy-lamp-field NOTIFYs from
 * Asterisk, FreeSWITCH, Kamailio (pua_dialoginfo) and others.
 */
import { attr, childNamed, childText, childrenNamed, parseUnsigned, parseXml, textOf, type Parsed, type XmlElement, type XmlLimits } from './safe-xml.js';

export const DIALOG_INFO_NS = 'urn:ietf:params:xml:ns:dialog-info';

export const DIALOG_STATES = ['trying', 'proceeding', 'early', 'confirmed', 'terminated'] as const;
export type DialogState = (typeof DIALOG_STATES)[number];
const STATE_NAMES: ReadonlySet<string> = new Set(DIALOG_STATES);

export interface DialogParticipant {
  /** the identity URI (`<identity>`), the target URI when there is no identity */
  identity: string;
  display?: string;
  /** `<target uri>` */
  target?: string;
}

export interface DialogEntry {
  id: string;
  callId?: string;
  localTag?: string;
  remoteTag?: string;
  direction?: 'initiator' | 'recipient';
  state: DialogState;
  /** `<state event>`: cancelled, rejected, replaced, local-bye, remote-bye, error, timeout */
  event?: string;
  remote?: DialogParticipant;
  local?: DialogParticipant;
}

export interface DialogInfo {
  entity: string;
  version: number;
  state: 'full' | 'partial';
  dialogs: DialogEntry[];
}

/** Reads a dialog-info document, or says why it is not one. */
export function parseDialogInfo(text: string, limits?: XmlLimits): Parsed<DialogInfo> {
  const xml = parseXml(text, limits);
  if (!xml.ok) return xml;
  const root = xml.root;
  if (root.ns !== DIALOG_INFO_NS || root.local !== 'dialog-info') return { ok: false, error: `not dialog-info: root is {${root.ns}}${root.local}` };
  const entity = attr(root, 'entity')?.trim();
  if (!entity) return { ok: false, error: 'dialog-info has no entity' };
  const version = parseUnsigned(attr(root, 'version'));
  if (version === undefined) return { ok: false, error: 'dialog-info version is not a non-negative integer' };
  const docState = attr(root, 'state')?.trim();
  if (docState !== 'full' && docState !== 'partial') return { ok: false, error: "dialog-info state must be 'full' or 'partial'" };

  const dialogs: DialogEntry[] = [];
  for (const d of childrenNamed(root, DIALOG_INFO_NS, 'dialog')) {
    const entry = readDialog(d);
    if (!entry.ok) return entry;
    dialogs.push(entry.value);
  }
  return { ok: true, value: { entity, version, state: docState, dialogs } };
}

function readDialog(d: XmlElement): Parsed<DialogEntry> {
  const id = attr(d, 'id')?.trim();
  if (!id) return { ok: false, error: 'dialog has no id' };
  const stateEl = childNamed(d, DIALOG_INFO_NS, 'state');
  const state = stateEl ? textOf(stateEl) : undefined;
  if (state === undefined || !STATE_NAMES.has(state)) return { ok: false, error: `dialog ${id}: state must be one of ${DIALOG_STATES.join(', ')}` };
  const entry: DialogEntry = { id, state: state as DialogState };
  const optional = { callId: attr(d, 'call-id'), localTag: attr(d, 'local-tag'), remoteTag: attr(d, 'remote-tag'), event: stateEl && attr(stateEl, 'event') };
  for (const [key, value] of Object.entries(optional) as [keyof typeof optional, string | undefined][]) {
    if (value?.trim()) entry[key] = value.trim();
  }
  const direction = attr(d, 'direction')?.trim();
  // An unknown direction is dropped rather than refusing the dialog: the lamp still needs its state.
  if (direction === 'initiator' || direction === 'recipient') entry.direction = direction;
  const remote = readParticipant(childNamed(d, DIALOG_INFO_NS, 'remote'));
  if (remote) entry.remote = remote;
  const local = readParticipant(childNamed(d, DIALOG_INFO_NS, 'local'));
  if (local) entry.local = local;
  return { ok: true, value: entry };
}

function readParticipant(el: XmlElement | undefined): DialogParticipant | undefined {
  if (!el) return undefined;
  const identityEl = childNamed(el, DIALOG_INFO_NS, 'identity');
  const target = attr(childNamed(el, DIALOG_INFO_NS, 'target') ?? el, 'uri')?.trim() || undefined;
  const identity = childText(el, DIALOG_INFO_NS, 'identity') ?? target;
  if (identity === undefined) return undefined;
  const participant: DialogParticipant = { identity };
  const display = identityEl && attr(identityEl, 'display')?.trim();
  if (display) participant.display = display;
  if (target !== undefined) participant.target = target;
  return participant;
}

export type LampState = 'idle' | 'ringing' | 'busy';

/**
 * The busy-lamp state of the monitored extension:
 * - ringing: a dialog in `early` or `proceeding` where the extension is the recipient (or the direction is
 *   not given: Asterisk and others omit it, and a blinking lamp invites a pickup rather than hiding a call);
 * - busy: a `confirmed` dialog, or a dialog the extension is placing (`trying`, which only an initiator can
 *   be in, or `early`/`proceeding` as initiator);
 * - idle: nothing but `terminated` dialogs, or none.
 * Ringing wins over busy: an extension on a call with a second call ringing blinks, so a colleague can pick
 * the ringing call up.
 */
export function lampState(info: DialogInfo): LampState {
  let busy = false;
  for (const d of info.dialogs) {
    if ((d.state === 'early' || d.state === 'proceeding') && d.direction !== 'initiator') return 'ringing';
    if (d.state !== 'terminated') busy = true;
  }
  return busy ? 'busy' : 'idle';
}

/**
 * Applies a NOTIFY to what is known (RFC 4235 §4.4): a full document replaces it; a partial one must carry
 * the next version and updates dialogs by id (terminated ones are removed). A partial document without a
 * full one before it, or with a version gap, is an error: the subscriber should refresh the subscription
 * to get full state again. An old or repeated version is ignored (the current state is returned).
 */
export function applyDialogInfo(current: DialogInfo | undefined, update: DialogInfo): Parsed<DialogInfo> {
  if (current && update.version <= current.version) return { ok: true, value: current };
  if (update.state === 'full') return { ok: true, value: { ...update, dialogs: update.dialogs.filter((d) => d.state !== 'terminated') } };
  if (!current) return { ok: false, error: 'partial dialog-info without full state: resubscribe' };
  if (update.version !== current.version + 1) return { ok: false, error: `dialog-info version jumped from ${current.version} to ${update.version}: resubscribe` };
  const dialogs = new Map(current.dialogs.map((d) => [d.id, d]));
  for (const d of update.dialogs) {
    if (d.state === 'terminated') dialogs.delete(d.id);
    else dialogs.set(d.id, d);
  }
  return { ok: true, value: { ...current, version: update.version, dialogs: [...dialogs.values()] } };
}
