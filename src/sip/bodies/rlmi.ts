/**
 * Resource-list NOTIFYs (RFC 4662): one subscription to a list URI brings the state of every member as a
 * multipart/related body whose root part is an RLMI document (application/rlmi+xml) naming the resources
 * and, per resource instance, the Content-ID of the part carrying its state (PIDF for presence lists,
 * dialog-info for busy-lamp lists, a nested multipart for a list inside the list).
 *
 * A part that fails to parse is reported on its own instance: one broken PIDF must not blank a whole
 * buddy list.
 */
import { attr, childrenNamed, parseUnsigned, parseXml, parseXsBoolean, textOf, type Parsed, type XmlElement, type XmlLimits } from './safe-xml.js';
import { normalizeContentId, parseMultipart, type ContentType, type MimePart, type MultipartLimits } from './multipart.js';
import { parsePidf, type PidfDocument } from './pidf.js';
import { parseDialogInfo, type DialogInfo } from './dialog-info.js';

export const RLMI_NS = 'urn:ietf:params:xml:ns:rlmi';

export type InstanceState = 'active' | 'pending' | 'terminated';

export interface RlmiInstance {
  id: string;
  state: InstanceState;
  /** why a terminated instance ended (RFC 4662 §5.2: e.g. `rejected`, `timeout`, `noresource`) */
  reason?: string;
  /** Content-ID of the part with this instance's state, without angle brackets */
  cid?: string;
}

export interface RlmiResource {
  uri: string;
  /** the first `<name>` (a display name for the list entry) */
  name?: string;
  instances: RlmiInstance[];
}

export interface RlmiList {
  uri: string;
  version: number;
  fullState: boolean;
  name?: string;
  resources: RlmiResource[];
}

const INSTANCE_STATES: ReadonlySet<string> = new Set(['active', 'pending', 'terminated']);

/** Reads an RLMI document, or says why it is not one. */
export function parseRlmi(text: string, limits?: XmlLimits): Parsed<RlmiList> {
  const xml = parseXml(text, limits);
  if (!xml.ok) return xml;
  const root = xml.root;
  if (root.ns !== RLMI_NS || root.local !== 'list') return { ok: false, error: `not RLMI: root is {${root.ns}}${root.local}` };
  const uri = attr(root, 'uri')?.trim();
  if (!uri) return { ok: false, error: 'RLMI list has no uri' };
  const version = parseUnsigned(attr(root, 'version'));
  if (version === undefined) return { ok: false, error: 'RLMI list version is not a non-negative integer' };
  const fullState = parseXsBoolean(attr(root, 'fullState'));
  if (fullState === undefined) return { ok: false, error: 'RLMI list fullState must be true or false' };

  const resources: RlmiResource[] = [];
  for (const r of childrenNamed(root, RLMI_NS, 'resource')) {
    const resourceUri = attr(r, 'uri')?.trim();
    if (!resourceUri) return { ok: false, error: 'RLMI resource has no uri' };
    const instances: RlmiInstance[] = [];
    for (const i of childrenNamed(r, RLMI_NS, 'instance')) {
      const id = attr(i, 'id')?.trim();
      const state = attr(i, 'state')?.trim();
      if (!id) return { ok: false, error: `RLMI resource ${resourceUri}: instance has no id` };
      if (!state || !INSTANCE_STATES.has(state)) return { ok: false, error: `RLMI resource ${resourceUri}: instance state must be active, pending or terminated` };
      const instance: RlmiInstance = { id, state: state as InstanceState };
      const reason = attr(i, 'reason')?.trim();
      if (reason) instance.reason = reason;
      const cid = normalizeContentId(attr(i, 'cid') ?? '');
      if (cid) instance.cid = cid;
      instances.push(instance);
    }
    const resource: RlmiResource = { uri: resourceUri, instances };
    const name = firstName(r);
    if (name !== undefined) resource.name = name;
    resources.push(resource);
  }
  const list: RlmiList = { uri, version, fullState, resources };
  const name = firstName(root);
  if (name !== undefined) list.name = name;
  return { ok: true, value: list };
}

function firstName(el: XmlElement): string | undefined {
  for (const n of childrenNamed(el, RLMI_NS, 'name')) {
    const text = textOf(n);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** A resource instance's state part, parsed according to its type. */
export type InstanceContent =
  | { kind: 'pidf'; result: Parsed<PidfDocument> }
  | { kind: 'dialog-info'; result: Parsed<DialogInfo> }
  | { kind: 'list'; result: Parsed<ResourceListNotify> }
  | { kind: 'other'; contentType: ContentType; body: string }
  /** the RLMI names a cid that no part carries */
  | { kind: 'missing' };

export interface ResourceListInstance extends RlmiInstance {
  /** present when the instance has a cid */
  content?: InstanceContent;
}

export interface ResourceListResource extends Omit<RlmiResource, 'instances'> {
  instances: ResourceListInstance[];
}

export interface ResourceListNotify {
  list: Omit<RlmiList, 'resources'>;
  resources: ResourceListResource[];
}

export interface ResourceListLimits extends MultipartLimits {
  /** lists inside lists; RFC 4662 allows them, a hostile server could nest forever */
  maxNesting?: number;
}

/** Reads an RFC 4662 NOTIFY body (multipart/related with an RLMI root), given the NOTIFY's Content-Type. */
export function parseResourceListNotify(contentType: string, body: string, limits: ResourceListLimits = {}): Parsed<ResourceListNotify> {
  return parseListAt(contentType, body, limits, limits.maxNesting ?? 3);
}

function parseListAt(contentType: string, body: string, limits: ResourceListLimits, nestingLeft: number): Parsed<ResourceListNotify> {
  const multipart = parseMultipart(contentType, body, limits);
  if (!multipart.ok) return multipart;
  const { contentType: ct, parts } = multipart.value;
  if (ct.mediaType !== 'multipart/related') return { ok: false, error: `resource list must be multipart/related, not ${ct.mediaType}` };
  // RFC 2387: the root is the part named by `start`, else the first part.
  const start = ct.params.start === undefined ? undefined : normalizeContentId(ct.params.start);
  const root = start === undefined ? parts[0] : parts.find((p) => p.contentId === start);
  if (!root) return { ok: false, error: start === undefined ? 'resource list has no parts' : `resource list has no part with Content-ID <${start}> (start)` };
  if (root.contentType.mediaType !== 'application/rlmi+xml') return { ok: false, error: `resource list root part is ${root.contentType.mediaType}, not application/rlmi+xml` };
  const rlmi = parseRlmi(root.body);
  if (!rlmi.ok) return rlmi;

  const byCid = new Map<string, MimePart>();
  for (const p of parts) if (p.contentId !== undefined && p !== root && !byCid.has(p.contentId)) byCid.set(p.contentId, p);
  const { resources, ...list } = rlmi.value;
  return {
    ok: true,
    value: {
      list,
      resources: resources.map((r) => ({
        ...r,
        instances: r.instances.map((i) => {
          if (i.cid === undefined) return { ...i };
          const part = byCid.get(i.cid);
          return { ...i, content: part ? parseContent(part, limits, nestingLeft) : { kind: 'missing' } };
        }),
      })),
    },
  };
}

function parseContent(part: MimePart, limits: ResourceListLimits, nestingLeft: number): InstanceContent {
  switch (part.contentType.mediaType) {
    case 'application/pidf+xml':
      return { kind: 'pidf', result: parsePidf(part.body) };
    case 'application/dialog-info+xml':
      return { kind: 'dialog-info', result: parseDialogInfo(part.body) };
    case 'multipart/related': {
      if (nestingLeft <= 1) return { kind: 'list', result: { ok: false, error: 'resource lists nested too deeply' } };
      const header = part.headers['content-type'] ?? '';
      return { kind: 'list', result: parseListAt(header, part.body, limits, nestingLeft - 1) };
    }
    default:
      return { kind: 'other', contentType: part.contentType, body: part.body };
  }
}
