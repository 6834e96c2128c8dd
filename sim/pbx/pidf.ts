// Composing one presence document from several publications of the same AOR (RFC 3863 / RFC 3903 section 3:
// the presence agent "composes" what the publishers said). Each publication is a whole PIDF document; the
// composition is a <presence> root carrying every namespace declaration the sources used and, as children, all
// the sources' children (<tuple>, <dm:person>, <dm:device>, <note>) in publication order. XML-aware where it
// matters: the root start tag is found outside comments, processing instructions and CDATA, and the root's end
// tag by its own qualified name. Not done: prefix conflicts between publications (two documents binding one
// prefix to different namespaces); the later binding is dropped.

export interface PidfParts {
  /** xmlns and xmlns:prefix attributes of the root, in order. */
  namespaces: Map<string, string>;
  /** Everything between the root's start and end tag. */
  children: string;
}

/** Splits a PIDF document into root namespaces and children; undefined if it is not a <presence> document. */
export function splitPidf(xml: string): PidfParts | undefined {
  let i = 0;
  // Skip the prolog: XML declaration, comments, processing instructions, whitespace.
  for (;;) {
    while (i < xml.length && /\s/.test(xml[i]!)) i++;
    if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) return undefined;
      i = end + 3;
    } else break;
  }
  const start = /^<([A-Za-z_][\w.-]*:)?presence(\s[^>]*)?>/.exec(xml.slice(i));
  if (!start) return undefined;
  const qname = `${start[1] ?? ''}presence`;
  const attrs = start[2] ?? '';
  const namespaces = new Map<string, string>();
  for (const m of attrs.matchAll(/(xmlns(?::[\w.-]+)?)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    namespaces.set(m[1]!, m[3] ?? m[4] ?? '');
  }
  const prefix = start[1]?.slice(0, -1);
  if ((prefix === undefined ? namespaces.get('xmlns') : namespaces.get(`xmlns:${prefix}`)) !== 'urn:ietf:params:xml:ns:pidf') return undefined;
  const close = `</${qname}>`;
  const bodyStart = i + start[0].length;
  const bodyEnd = xml.lastIndexOf(close);
  if (bodyEnd < bodyStart) return undefined;
  if (xml.slice(bodyEnd + close.length).trim() !== '') return undefined;
  // Prefixed children (pidf:tuple, dm:person) keep working: their declarations are copied to the new root.
  const children = xml.slice(bodyStart, bodyEnd).trim();
  return { namespaces, children };
}

const PIDF_NS = 'urn:ietf:params:xml:ns:pidf';

/** A <presence> document for `entity` with the given parts merged, or a closed one when there are none. */
export function composePidf(entity: string, documents: readonly string[]): string {
  const parts = documents.map(splitPidf).filter((p): p is PidfParts => p !== undefined);
  const namespaces = new Map<string, string>([['xmlns', PIDF_NS]]);
  for (const p of parts) {
    for (const [k, v] of p.namespaces) if (!namespaces.has(k)) namespaces.set(k, v);
  }
  const children = parts.length > 0
    ? parts.map((p) => p.children).filter((c) => c.length > 0).join('\n')
    : '<tuple id="pbx-offline"><status><basic>closed</basic></status></tuple>';
  const attrs = [...namespaces].map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<presence${attrs} entity="${escapeAttr(entity)}">\n${children}\n</presence>\n`;
}

export function escapeAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}
