/**
 * A small, bounded XML tree for SIP event bodies (PIDF, dialog-info, reginfo, RLMI), built over saxes in
 * strict namespace-aware mode.
 *
 * Every body arrives from the network, so the parser is defensive:
 * - a DOCTYPE is refused outright. saxes never expands entities declared in a DTD (it only knows XML's five
 *   predefined entities and numeric character references), but refusing the DOCTYPE gives a clear error for
 *   XXE and "billion laughs" attempts instead of an "undefined entity" somewhere later in the document;
 * - the size is bounded before saxes sees a byte, and depth and element count while it parses, so a hostile
 *   body costs at most linear work in `maxBytes`;
 * - nothing throws out of `parseXml`: saxes's errors (and our own limit checks, thrown from its handlers to
 *   stop it at once) become `{ ok: false, error }`.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';

export interface XmlElement {
  /** namespace URI ('' when the element is in no namespace) */
  ns: string;
  local: string;
  /**
   * attributes without a namespace by their local name (`id`, `entity`); attributes in a namespace as
   * `{uri}local` (Clark notation: `{http://www.w3.org/XML/1998/namespace}lang`), so `gr:id` and `id` never
   * collide. Namespace declarations (`xmlns`, `xmlns:p`) are left out.
   */
  attrs: Readonly<Record<string, string>>;
  children: XmlElement[];
  /** the element's own character data (text and CDATA between its child elements), untrimmed */
  text: string;
}

export interface XmlLimits {
  /** UTF-8 size of the whole document */
  maxBytes?: number;
  /** nesting depth; the root element is depth 1 */
  maxDepth?: number;
  maxElements?: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
export type XmlParseResult = { ok: true; root: XmlElement } | { ok: false; error: string };

export const DEFAULT_XML_LIMITS: Readonly<Required<XmlLimits>> = { maxBytes: 64 * 1024, maxDepth: 32, maxElements: 5000 };

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Thrown from inside saxes handlers to stop the parse; never escapes `parseXml`. */
class StopParse extends Error {}

/**
 * `<!DOCTYPE` anywhere in the text. This also refuses the literal string inside a comment or CDATA section
 * (in text or attributes it is always escaped); no SIP event body has a reason to carry it, and the
 * pre-scan costs one linear pass instead of trusting the parser's state machine.
 */
const DOCTYPE = /<!DOCTYPE/i;

export function parseXml(text: string, limits: XmlLimits = {}): XmlParseResult {
  const { maxBytes, maxDepth, maxElements } = { ...DEFAULT_XML_LIMITS, ...limits };
  if (typeof text !== 'string') return { ok: false, error: 'XML body is not text' };
  // A UTF-16 code unit is never fewer UTF-8 bytes, so the cheap length test first spares byteLength on a huge string.
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    return { ok: false, error: `XML body larger than ${maxBytes} bytes` };
  }
  if (DOCTYPE.test(text)) return { ok: false, error: 'XML DOCTYPE is not allowed (no DTDs or entity declarations)' };

  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  const stop = (message: string): never => {
    throw new StopParse(message);
  };

  parser.on('doctype', () => stop('XML DOCTYPE is not allowed (no DTDs or entity declarations)'));
  parser.on('error', (err) => stop(err.message));
  parser.on('opentag', (tag: SaxesTagNS) => {
    elements += 1;
    if (elements > maxElements) stop(`XML has more than ${maxElements} elements`);
    if (stack.length + 1 > maxDepth) stop(`XML nested deeper than ${maxDepth} elements`);
    const element: XmlElement = { ns: tag.uri, local: tag.local, attrs: collectAttributes(tag), children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const addText = (chunk: string): void => {
    const current = stack[stack.length - 1];
    if (current) current.text += chunk;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);

  try {
    parser.write(text).close();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: `malformed XML: ${message}` };
  }
  if (!root) return { ok: false, error: 'malformed XML: no root element' };
  return { ok: true, root };
}

function collectAttributes(tag: SaxesTagNS): Record<string, string> {
  // A null-prototype record: an attribute named `__proto__` or `constructor` is just data.
  const attrs = Object.create(null) as Record<string, string>;
  for (const attr of Object.values(tag.attributes)) {
    if (attr.uri === XMLNS_NS) continue;
    attrs[attr.uri ? `{${attr.uri}}${attr.local}` : attr.local] = attr.value;
  }
  return attrs;
}

/** Direct children in namespace `ns` named `local`. */
export function childrenNamed(parent: XmlElement, ns: string, local: string): XmlElement[] {
  return parent.children.filter((c) => c.ns === ns && c.local === local);
}

/** The first direct child in namespace `ns` named `local`. */
export function childNamed(parent: XmlElement, ns: string, local: string): XmlElement | undefined {
  return parent.children.find((c) => c.ns === ns && c.local === local);
}

/** Trimmed text of the first such child, or undefined when it is missing or blank. */
export function childText(parent: XmlElement, ns: string, local: string): string | undefined {
  const child = childNamed(parent, ns, local);
  return child ? textOf(child) : undefined;
}

/** The element's own text, trimmed; undefined when blank. */
export function textOf(element: XmlElement): string | undefined {
  const text = element.text.trim();
  return text === '' ? undefined : text;
}

/** An attribute: unqualified by default, or in namespace `ns`. */
export function attr(element: XmlElement, local: string, ns?: string): string | undefined {
  return element.attrs[ns ? `{${ns}}${local}` : local];
}

/** Every element below `parent` (depth first, document order) in namespace `ns` named `local`. */
export function descendantsNamed(parent: XmlElement, ns: string, local: string): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (el: XmlElement): void => {
    for (const child of el.children) {
      if (child.ns === ns && child.local === local) found.push(child);
      visit(child);
    }
  };
  visit(parent);
  return found;
}

/** xs:boolean: 'true'/'1' and 'false'/'0' (whitespace collapsed); anything else is undefined. */
export function parseXsBoolean(value: string | undefined): boolean | undefined {
  switch (value?.trim()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return undefined;
  }
}

/** xs:nonNegativeInteger within the safe-integer range, else undefined. */
export function parseUnsigned(value: string | undefined): number | undefined {
  const text = value?.trim();
  if (!text || !/^\+?\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** Characters XML 1.0 cannot carry at all (C0 controls but TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text or attribute value made safe for XML: the five special characters escaped, impossible characters
 * dropped. CR, LF and TAB become character references because a parser would otherwise normalize them (CR
 * to LF everywhere, all three to spaces in attribute values) and the reader would get different text.
 */
export function escapeXml(value: string): string {
  return value.replace(NOT_XML_CHAR, '').replace(/[&<>"'\r\n\t]/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;',
};

/** Whether the string holds a character XML 1.0 cannot carry. */
export function hasNonXmlChar(value: string): boolean {
  NOT_XML_CHAR.lastIndex = 0;
  const found = NOT_XML_CHAR.test(value);
  NOT_XML_CHAR.lastIndex = 0;
  return found;
}
