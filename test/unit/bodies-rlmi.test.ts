/**
 * Resource-list NOTIFYs (RFC 4662): Content-Type parameters, multipart splitting (CRLF and bare LF, limits),
 * the RFC's presence-list example, a BLF list with dialog-info parts, nested lists, and broken parts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseContentType, parseMultipart } from '../../src/sip/bodies/multipart.js';
import { parseResourceListNotify, parseRlmi, type ResourceListNotify } from '../../src/sip/bodies/rlmi.js';
import { summarizePresence } from '../../src/sip/bodies/pidf.js';
import { lampState } from '../../src/sip/bodies/dialog-info.js';

const RFC_CT = 'multipart/related;type="application/rlmi+xml";start="<nXYxAE@pres.vancouver.example.com>";boundary="50UBfW7LSCVLtggUPe5z"';

// RFC 4662 §6.2 (first NOTIFY body), with CRLF line ends as on the wire.
const RFC_BODY = `--50UBfW7LSCVLtggUPe5z
Content-Transfer-Encoding: binary
Content-ID: <nXYxAE@pres.vancouver.example.com>
Content-Type: application/rlmi+xml;charset="UTF-8"

<?xml version="1.0" encoding="UTF-8"?>
<list xmlns="urn:ietf:params:xml:ns:rlmi"
      uri="sip:adam-friends@pres.vancouver.example.com"
      version="1" fullState="true">
  <name xml:lang="en">Buddy List at COM</name>
  <name xml:lang="de">Liste der Freunde an COM</name>
  <resource uri="sip:bob@vancouver.example.com">
    <name>Bob Smith</name>
    <instance id="juwigmtboe" state="active" cid="bUZBsM@pres.vancouver.example.com"/>
  </resource>
  <resource uri="sip:dave@vancouver.example.com">
    <name>Dave Jones</name>
    <instance id="hqzsuxtfyq" state="active" cid="ZvSvkz@pres.vancouver.example.com"/>
  </resource>
  <resource uri="sip:ed@dallas.example.net">
    <name>Ed at NET</name>
  </resource>
  <resource uri="sip:adam-friends@stockholm.example.org">
    <name xml:lang="en">My Friends at ORG</name>
    <name xml:lang="de">Meine Freunde an ORG</name>
  </resource>
</list>

--50UBfW7LSCVLtggUPe5z
Content-Transfer-Encoding: binary
Content-ID: <bUZBsM@pres.vancouver.example.com>
Content-Type: application/pidf+xml;charset="UTF-8"

<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
    entity="sip:bob@vancouver.example.com">
  <tuple id="sg89ae">
    <status>
      <basic>open</basic>
    </status>
    <contact priority="1.0">sip:bob@vancouver.example.com</contact>
  </tuple>
</presence>

--50UBfW7LSCVLtggUPe5z
Content-Transfer-Encoding: binary
Content-ID: <ZvSvkz@pres.vancouver.example.com>
Content-Type: application/pidf+xml;charset="UTF-8"

<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
    entity="sip:dave@vancouver.example.com">
  <tuple id="slie74">
    <status>
      <basic>closed</basic>
    </status>
  </tuple>
</presence>

--50UBfW7LSCVLtggUPe5z--
`.replace(/\n/g, '\r\n');

function list(contentType: string, body: string): ResourceListNotify {
  const r = parseResourceListNotify(contentType, body);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

test('parseContentType: parameters, quoting, case', () => {
  const r = parseContentType(RFC_CT);
  assert.ok(r.ok);
  assert.equal(r.value.mediaType, 'multipart/related');
  assert.deepEqual({ ...r.value.params }, { type: 'application/rlmi+xml', start: '<nXYxAE@pres.vancouver.example.com>', boundary: '50UBfW7LSCVLtggUPe5z' });
  const q = parseContentType('Multipart/Related ; BOUNDARY = "a\\"b" ; start=x;');
  assert.ok(q.ok);
  assert.deepEqual([q.value.mediaType, q.value.params.boundary, q.value.params.start], ['multipart/related', 'a"b', 'x']);
  const lenient = parseContentType('multipart/related;type=application/rlmi+xml;start=<r@h>;boundary=b');
  assert.ok(lenient.ok, 'unquoted values with / and <> as servers write them');
  assert.deepEqual([lenient.value.params.type, lenient.value.params.start], ['application/rlmi+xml', '<r@h>']);
  for (const bad of ['', 'text', 'a/b/c', 'a/b; c', 'a/b; c="open', 'a/b; c="x" y', 'a/b; c=x y', 'a/b; =x', 'a/b; c="x']) {
    assert.equal(parseContentType(bad).ok, false, bad);
  }
});

test('RFC 4662 example: resources with their parsed PIDF by Content-ID', () => {
  const notify = list(RFC_CT, RFC_BODY);
  assert.deepEqual(notify.list, { uri: 'sip:adam-friends@pres.vancouver.example.com', version: 1, fullState: true, name: 'Buddy List at COM' });
  assert.deepEqual(notify.resources.map((r) => [r.uri, r.name, r.instances.length]), [
    ['sip:bob@vancouver.example.com', 'Bob Smith', 1],
    ['sip:dave@vancouver.example.com', 'Dave Jones', 1],
    ['sip:ed@dallas.example.net', 'Ed at NET', 0],
    ['sip:adam-friends@stockholm.example.org', 'My Friends at ORG', 0],
  ]);
  const states = notify.resources.flatMap((r) => r.instances.map((i) => {
    assert.equal(i.content?.kind, 'pidf');
    if (i.content?.kind !== 'pidf' || !i.content.result.ok) throw new Error('expected a parsed PIDF');
    return [i.id, i.cid, i.content.result.value.entity, summarizePresence(i.content.result.value).state];
  }));
  assert.deepEqual(states, [
    ['juwigmtboe', 'bUZBsM@pres.vancouver.example.com', 'sip:bob@vancouver.example.com', 'available'],
    ['hqzsuxtfyq', 'ZvSvkz@pres.vancouver.example.com', 'sip:dave@vancouver.example.com', 'offline'],
  ]);
});

test('bare LF line ends, no start parameter, a preamble and an epilogue', () => {
  const body = `This is a preamble.\n${RFC_BODY.replace(/\r\n/g, '\n')}epilogue\n`;
  const notify = list('multipart/related; type="application/rlmi+xml"; boundary=50UBfW7LSCVLtggUPe5z', body);
  assert.equal(notify.resources.length, 4);
  assert.equal(notify.resources[1]?.instances[0]?.content?.kind, 'pidf');
});

test('part bodies keep their bytes: the line break before a delimiter is not part of the body', () => {
  const r = parseMultipart('multipart/mixed; boundary=xx', '--xx\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n\r\n--xx\r\n\r\nno headers\r\n--xx\r\nContent-ID: <a@b>\r\nContent-Transfer-Encoding: base64\r\n\r\naGVs\r\nbG8=\r\n--xx--');
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.value.parts.map((p) => [p.contentType.mediaType, p.contentId, p.body]), [
    ['text/plain', undefined, 'line1\r\nline2\r\n'],
    ['text/plain', undefined, 'no headers'],
    ['text/plain', 'a@b', 'hello'],
  ]);
  // A line that only begins with the boundary text is content.
  const inner = parseMultipart('multipart/mixed; boundary=xx', '--xx\r\n\r\n--xxy is not a delimiter\r\n--xx--\r\n');
  assert.ok(inner.ok);
  assert.equal(inner.value.parts[0]?.body, '--xxy is not a delimiter');
});

test('multipart refusals and limits', () => {
  const cases: [string, string, RegExp, Parameters<typeof parseMultipart>[2]?][] = [
    ['application/pidf+xml', '', /not multipart/],
    ['multipart/related', '--x--', /boundary/],
    ['multipart/related; boundary="bad boundary "', '', /boundary/],
    ['multipart/related; boundary=x', 'no delimiters at all', /no boundary line/],
    ['multipart/related; boundary=x', '--x\r\nContent-Type: text/plain\r\n\r\ncut off', /without its closing boundary/],
    ['multipart/related; boundary=x', '--x\r\nbroken header\r\n\r\nbody\r\n--x--', /part 1: malformed part header/],
    ['multipart/related; boundary=x', '--x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nbody\r\n--x--', /unsupported Content-Transfer-Encoding/],
    ['multipart/related; boundary=x', '--x\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!\r\n--x--', /not base64/],
    ['multipart/related; boundary=x', `${'--x\r\n\r\np\r\n'.repeat(5)}--x--`, /more than 4 parts/, { maxParts: 4 }],
    ['multipart/related; boundary=x', `--x\r\n\r\n${'p'.repeat(600 * 1024)}\r\n--x--`, /larger than 524288 bytes/],
  ];
  for (const [ct, body, error, limits] of cases) {
    const r = parseMultipart(ct, body, limits);
    assert.equal(r.ok, false, `${ct} ${body.slice(0, 30)}`);
    if (!r.ok) assert.match(r.error, error);
  }
});

test('resource-list refusals: wrong type, missing root, root not RLMI, RLMI malformed', () => {
  const cases: [string, string, RegExp][] = [
    ['multipart/mixed; boundary=x', '--x\r\n\r\n--x--', /must be multipart\/related/],
    ['multipart/related; boundary=x; start="<nope@h>"', '--x\r\nContent-ID: <a@h>\r\n\r\n--x--', /no part with Content-ID <nope@h>/],
    ['multipart/related; boundary=x', '--x\r\nContent-Type: application/pidf+xml\r\n\r\n<x/>\r\n--x--', /root part is application\/pidf\+xml/],
    ['multipart/related; boundary=x', '--x\r\nContent-Type: application/rlmi+xml\r\n\r\n<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l@h" version="1"/>\r\n--x--', /fullState/],
    ['multipart/related; boundary=x', '--x\r\nContent-Type: application/rlmi+xml\r\n\r\n<!DOCTYPE l [<!ENTITY e SYSTEM "file:///etc/passwd">]><l>&e;</l>\r\n--x--', /DOCTYPE/],
  ];
  for (const [ct, body, error] of cases) {
    const r = parseResourceListNotify(ct, body);
    assert.equal(r.ok, false, ct);
    if (!r.ok) assert.match(r.error, error);
  }
});

const rlmiPart = (cid: string, xml: string): string => `--b\r\nContent-Type: application/rlmi+xml\r\nContent-ID: <${cid}>\r\n\r\n${xml}\r\n`;
const part = (cid: string, type: string, body: string): string => `--b\r\nContent-Type: ${type}\r\nContent-ID: <${cid}>\r\n\r\n${body}\r\n`;

test('BLF list: dialog-info parts, a broken part, a terminated instance and a missing part', () => {
  const rlmi = `<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:blf-alice@pbx" version="3" fullState="false">
    <resource uri="sip:201@pbx"><instance id="i1" state="active" cid="c1@pbx"/></resource>
    <resource uri="sip:202@pbx"><instance id="i2" state="active" cid="c2@pbx"/></resource>
    <resource uri="sip:203@pbx"><instance id="i3" state="terminated" reason="rejected"/></resource>
    <resource uri="sip:204@pbx"><instance id="i4" state="pending" cid="gone@pbx"/></resource>
  </list>`;
  const body = rlmiPart('root@pbx', rlmi)
    + part('c1@pbx', 'application/dialog-info+xml', '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="9" state="full" entity="sip:201@pbx"><dialog id="d" direction="recipient"><state>early</state></dialog></dialog-info>')
    + part('c2@pbx', 'application/dialog-info+xml', '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full"')
    + '--b--\r\n';
  const notify = list('multipart/related; type="application/rlmi+xml"; start="<root@pbx>"; boundary=b', body);
  assert.equal(notify.list.fullState, false);
  const [r1, r2, r3, r4] = notify.resources.map((r) => r.instances[0]);
  assert.ok(r1?.content?.kind === 'dialog-info' && r1.content.result.ok);
  assert.equal(lampState(r1.content.result.value), 'ringing');
  assert.ok(r2?.content?.kind === 'dialog-info' && !r2.content.result.ok, 'a broken part fails alone');
  assert.deepEqual(r3, { id: 'i3', state: 'terminated', reason: 'rejected' });
  assert.deepEqual(r4?.content, { kind: 'missing' });
});

test('nested lists are followed to a bounded depth; other types are passed through', () => {
  const nestedBody = (depth: number): string => {
    const boundary = `b${depth}`;
    const inner = depth > 1 ? nestedBody(depth - 1) : undefined;
    const rlmi = `<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l${depth}@h" version="0" fullState="1"><resource uri="sip:r${depth}@h"><instance id="i" state="active" cid="p${depth}@h"/></resource></list>`;
    const content = inner
      ? `--${boundary}\r\nContent-Type: multipart/related; type="application/rlmi+xml"; boundary=b${depth - 1}\r\nContent-ID: <p${depth}@h>\r\n\r\n${inner}\r\n`
      : `--${boundary}\r\nContent-Type: text/plain\r\nContent-ID: <p${depth}@h>\r\n\r\nleaf\r\n`;
    return `--${boundary}\r\nContent-Type: application/rlmi+xml\r\n\r\n${rlmi}\r\n${content}--${boundary}--`;
  };
  const two = list('multipart/related; boundary=b2', nestedBody(2));
  const child = two.resources[0]?.instances[0]?.content;
  assert.ok(child?.kind === 'list' && child.result.ok);
  const leaf = child.result.value.resources[0]?.instances[0]?.content;
  assert.ok(leaf?.kind === 'other');
  assert.deepEqual([leaf.contentType.mediaType, leaf.body], ['text/plain', 'leaf']);

  const deep = list('multipart/related; boundary=b5', nestedBody(5));
  let content = deep.resources[0]?.instances[0]?.content;
  let levels = 1;
  while (content?.kind === 'list' && content.result.ok) {
    levels += 1;
    content = content.result.value.resources[0]?.instances[0]?.content;
  }
  assert.equal(levels, 3);
  assert.ok(content?.kind === 'list' && !content.result.ok && /nested too deeply/.test(content.result.error));
});

test('parseRlmi alone: instance state checked, cid brackets tolerated', () => {
  const r = parseRlmi('<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l@h" version="2" fullState="true"><resource uri="sip:a@h"><instance id="x" state="active" cid="&lt;c@h&gt;"/></resource></list>');
  assert.ok(r.ok);
  assert.equal(r.value.resources[0]?.instances[0]?.cid, 'c@h');
  const bad = parseRlmi('<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l@h" version="2" fullState="true"><resource uri="sip:a@h"><instance id="x" state="on"/></resource></list>');
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /instance state must be active, pending or terminated/);
});
