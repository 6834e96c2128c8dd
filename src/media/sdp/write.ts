/**
 * SDP serializer: a {@link SessionDescription} to text with CRLF line ends, in the order of RFC 4566 §5
 * (v o s i u e p c b t r z k a, then per media m i c b k a). Attributes keep the order of their list, so
 * `writeSdp(parseSdp(text))` gives back any well-formed CRLF text that uses single spaces.
 *
 * The writer trusts its input: descriptions come from parseSdp or from negotiate.ts, both of which build
 * only values the parser accepts (parse(write(x)) equals x; test/unit/sdp-parse.test.ts checks that).
 */
import type { CryptoAttribute, MediaAttribute, MediaDescription, SdpConnection, SessionAttribute, SessionDescription } from './parse.js';

const CRLF = '\r\n';

/** `IN IP4 <addr>[/ttl[/count]]` or `IN IP6 <addr>[/count]` (RFC 4566 §5.7). */
export function writeConnection(c: SdpConnection): string {
  let address = c.address;
  if (c.addrType === 'IP4' && c.ttl !== undefined) address += `/${c.ttl}`;
  if (c.count !== undefined) address += `/${c.count}`;
  return `IN ${c.addrType} ${address}`;
}

/** The value of an a=crypto line (RFC 4568 §9.1), without "a=crypto:". */
export function writeCrypto(a: CryptoAttribute): string {
  const keys = a.keyParams.map((k) => {
    let text = `inline:${k.keySalt}`;
    if (k.lifetime !== undefined) text += `|${k.lifetime}`;
    if (k.mki !== undefined) text += `|${k.mki.value}:${k.mki.length}`;
    return text;
  });
  return [String(a.tag), a.suite, keys.join(';'), ...a.sessionParams].join(' ');
}

/** One attribute as it follows "a=". */
export function writeAttribute(a: MediaAttribute | SessionAttribute): string {
  switch (a.kind) {
    case 'rtpmap':
      return `rtpmap:${a.payloadType} ${a.encodingName}/${a.clockRate}${a.channels !== undefined ? `/${a.channels}` : ''}`;
    case 'fmtp':
      return `fmtp:${a.format} ${a.parameters}`;
    case 'ptime':
      return `ptime:${a.milliseconds}`;
    case 'maxptime':
      return `maxptime:${a.milliseconds}`;
    case 'direction':
      return a.direction;
    case 'rtcp':
      return a.connection === undefined ? `rtcp:${a.port}` : `rtcp:${a.port} ${writeConnection(a.connection)}`;
    case 'rtcp-mux':
      return 'rtcp-mux';
    case 'crypto':
      return `crypto:${writeCrypto(a)}`;
    case 'other':
      return a.value === undefined ? a.name : `${a.name}:${a.value}`;
  }
}

function writeMedia(m: MediaDescription, out: string[]): void {
  const port = m.portCount === undefined ? String(m.port) : `${m.port}/${m.portCount}`;
  out.push(`m=${m.type} ${port} ${m.proto} ${m.formats.join(' ')}`);
  if (m.information !== undefined) out.push(`i=${m.information}`);
  if (m.connection !== undefined) out.push(`c=${writeConnection(m.connection)}`);
  for (const b of m.bandwidths) out.push(`b=${b.type}:${b.value}`);
  if (m.encryptionKey !== undefined) out.push(`k=${m.encryptionKey}`);
  for (const a of m.attributes) out.push(`a=${writeAttribute(a)}`);
}

/** Serializes a session description (RFC 4566 §5 order, CRLF after every line). */
export function writeSdp(sdp: SessionDescription): string {
  const o = sdp.origin;
  const out: string[] = [
    `v=${sdp.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} IN ${o.addrType} ${o.address}`,
    `s=${sdp.sessionName}`,
  ];
  if (sdp.information !== undefined) out.push(`i=${sdp.information}`);
  if (sdp.uri !== undefined) out.push(`u=${sdp.uri}`);
  for (const e of sdp.emails) out.push(`e=${e}`);
  for (const p of sdp.phones) out.push(`p=${p}`);
  if (sdp.connection !== undefined) out.push(`c=${writeConnection(sdp.connection)}`);
  for (const b of sdp.bandwidths) out.push(`b=${b.type}:${b.value}`);
  for (const t of sdp.times) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  if (sdp.zoneAdjustments !== undefined) out.push(`z=${sdp.zoneAdjustments}`);
  if (sdp.encryptionKey !== undefined) out.push(`k=${sdp.encryptionKey}`);
  for (const a of sdp.attributes) out.push(`a=${writeAttribute(a)}`);
  for (const m of sdp.media) writeMedia(m, out);
  return out.join(CRLF) + CRLF;
}
