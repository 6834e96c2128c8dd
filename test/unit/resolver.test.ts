// Unit tests for RFC 3263 server location: a fake DNS (DnsLookups) so every rule is checked without a network.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseSipTargetUri,
  resolveSipTargets,
  orderSrv,
  orderNaptr,
  SipResolveError,
  SipUriError,
  TargetList,
  type DnsLookups,
  type NaptrAnswer,
  type SrvAnswer,
  type SipTarget,
  type ResolverOptions,
} from '../../src/sip/resolver.js';

// ----------------------------------------------------------------------------------------------------------------
// Fake DNS

interface Zone {
  naptr?: Record<string, NaptrAnswer[]>;
  srv?: Record<string, SrvAnswer[]>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
  /** "TYPE name" → error code to fail with (ETIMEOUT, ECONNREFUSED, ...). */
  fail?: Record<string, string>;
}

class FakeDns implements DnsLookups {
  readonly queries: string[] = [];
  constructor(private readonly zone: Zone) {}

  // NAPTR and SRV sets come back reversed: servers (dnsmasq does) return RRsets in any order, and the resolver must
  // sort them itself. A/AAAA come back as given: their order is the server's round-robin, which the resolver keeps.
  naptr(name: string): Promise<NaptrAnswer[]> {
    return this.answer('NAPTR', name, this.zone.naptr, true);
  }
  srv(name: string): Promise<SrvAnswer[]> {
    return this.answer('SRV', name, this.zone.srv, true);
  }
  a(name: string): Promise<string[]> {
    return this.answer('A', name, this.zone.a, false);
  }
  aaaa(name: string): Promise<string[]> {
    return this.answer('AAAA', name, this.zone.aaaa, false);
  }

  private answer<T>(type: string, name: string, table: Record<string, T[]> | undefined, reverse: boolean): Promise<T[]> {
    this.queries.push(`${type} ${name}`);
    const failCode = this.zone.fail?.[`${type} ${name}`];
    if (failCode) return Promise.reject(dnsError(failCode, type, name));
    const records = table?.[name];
    if (records && records.length > 0) return Promise.resolve(reverse ? [...records].reverse() : [...records]);
    const exists = [this.zone.naptr, this.zone.srv, this.zone.a, this.zone.aaaa].some((t) => t?.[name] !== undefined);
    return Promise.reject(dnsError(exists ? 'ENODATA' : 'ENOTFOUND', type, name));
  }
}

function dnsError(code: string, type: string, name: string): Error {
  return Object.assign(new Error(`query${type} ${code} ${name}`), { code, hostname: name });
}

const naptr = (order: number, preference: number, service: string, replacement: string, flags = 's', regexp = ''): NaptrAnswer => ({
  order,
  preference,
  flags,
  service,
  regexp,
  replacement,
});
const srv = (priority: number, weight: number, port: number, name: string): SrvAnswer => ({ priority, weight, port, name });

/** "transport address:port" for compact ordering assertions. */
const brief = (targets: SipTarget[]): string[] => targets.map((t) => `${t.transport} ${t.address}:${t.port}`);

async function resolve(uri: string, zone: Zone, opts: ResolverOptions = {}): Promise<{ targets: SipTarget[]; dns: FakeDns }> {
  const dns = new FakeDns(zone);
  const targets = await resolveSipTargets(parseSipTargetUri(uri), { random: () => 0, ...opts }, dns);
  return { targets, dns };
}

// A realistic zone used by several tests: NAPTR → SRV → A/AAAA with two proxies.
const EXAMPLE: Zone = {
  naptr: {
    'example.test': [
      naptr(10, 50, 'SIPS+D2T', '_sips._tcp.example.test'),
      naptr(20, 50, 'SIP+D2T', '_sip._tcp.example.test'),
      naptr(5, 10, 'SIP+D2U', '_sip._udp.example.test'), // lower order but UDP: ignored
      naptr(6, 10, 'SIPS+D2W', '_sips._ws.example.test'), // WebSocket: ignored
    ],
  },
  srv: {
    '_sips._tcp.example.test': [srv(10, 0, 5061, 'p1.example.test'), srv(20, 0, 5061, 'p2.example.test')],
    '_sip._tcp.example.test': [srv(10, 0, 5060, 'p1.example.test'), srv(20, 0, 5060, 'p2.example.test')],
    '_sip._udp.example.test': [srv(10, 0, 5060, 'p1.example.test')],
    '_sips._ws.example.test': [srv(10, 0, 443, 'p1.example.test')],
  },
  a: { 'p1.example.test': ['127.0.0.11', '127.0.0.12'], 'p2.example.test': ['127.0.0.21'], 'example.test': ['127.0.0.1'] },
  aaaa: { 'p2.example.test': ['::1'] },
};

// ----------------------------------------------------------------------------------------------------------------

void describe('parseSipTargetUri', () => {
  void test('plain host', () => {
    assert.deepEqual(parseSipTargetUri('sip:PBX.Example.Test'), { host: 'pbx.example.test' });
  });

  void test('port, transport, user part, other params, angle brackets, headers', () => {
    assert.deepEqual(parseSipTargetUri('<sip:alice@pbx.example.test:5070;lr;Transport=TCP?Subject=x>'), {
      host: 'pbx.example.test',
      port: 5070,
      transport: 'tcp',
    });
    assert.deepEqual(parseSipTargetUri('sip:pbx.example.test;transport=tls'), { host: 'pbx.example.test', transport: 'tls' });
  });

  void test('sips: is TLS even with transport=tcp (RFC 3261 §26.2.2)', () => {
    assert.deepEqual(parseSipTargetUri('sips:pbx.example.test;transport=tcp'), { host: 'pbx.example.test', transport: 'tls', secure: true });
    assert.deepEqual(parseSipTargetUri('SIPS:pbx.example.test'), { host: 'pbx.example.test', secure: true });
  });

  void test('IPv4 and IPv6 literals', () => {
    assert.deepEqual(parseSipTargetUri('sip:127.0.0.1:5062'), { host: '127.0.0.1', port: 5062 });
    assert.deepEqual(parseSipTargetUri('sip:[::1]:5070;transport=tls'), { host: '::1', port: 5070, transport: 'tls' });
    assert.deepEqual(parseSipTargetUri('sips:[::1]'), { host: '::1', secure: true });
  });

  void test('maddr overrides the host (RFC 3263 §4)', () => {
    assert.deepEqual(parseSipTargetUri('sip:pbx.example.test;maddr=127.0.0.9'), { host: '127.0.0.9' });
  });

  void test('trailing dot of a fully qualified name is dropped', () => {
    assert.deepEqual(parseSipTargetUri('sip:pbx.example.test.'), { host: 'pbx.example.test' });
  });

  void test('unsupported transports are rejected by name', () => {
    for (const t of ['udp', 'ws', 'wss', 'sctp']) {
      assert.throws(() => parseSipTargetUri(`sip:pbx.example.test;transport=${t}`), (err: unknown) => {
        assert.ok(err instanceof SipUriError);
        assert.match(err.message, new RegExp(`transport "${t}" is not supported`));
        return true;
      });
    }
  });

  void test('malformed URIs are rejected with the reason', () => {
    const cases: [string, RegExp][] = [
      ['http://pbx.example.test', /expected a sip: or sips: URI/],
      ['pbx.example.test', /expected a sip: or sips: URI/],
      ['sip:', /missing host/],
      ['sip:pbx.example.test:0', /"0" is not a valid port/],
      ['sip:pbx.example.test:65536', /"65536" is not a valid port/],
      ['sip:pbx.example.test:50x', /"50x" is not a valid port/],
      ['sip:[::1', /unterminated IPv6/],
      ['sip:[pbx.example.test]', /is not an IPv6 address/],
      ['sip:[::1]5060', /unexpected "5060"/],
      ['sip:pbx..example.test', /not a valid host/],
      ['sip:-pbx.example.test', /not a valid host/],
    ];
    for (const [uri, re] of cases) {
      assert.throws(() => parseSipTargetUri(uri), (err: unknown) => err instanceof SipUriError && re.test(err.message), uri);
    }
  });
});

void describe('IP literal (RFC 3263 §4.1, §4.2): no DNS at all', () => {
  void test('sip: → TCP 5060, sips: → TLS 5061, host is the literal', async () => {
    const a = await resolve('sip:127.0.0.1', {});
    assert.deepEqual(brief(a.targets), ['tcp 127.0.0.1:5060']);
    assert.equal(a.targets[0]?.host, '127.0.0.1');
    assert.equal(a.targets[0]?.via, 'literal');
    assert.deepEqual(a.dns.queries, []);
    const b = await resolve('sips:127.0.0.1', {});
    assert.deepEqual(brief(b.targets), ['tls 127.0.0.1:5061']);
    assert.deepEqual(b.dns.queries, []);
  });

  void test('IPv6 literal with port and transport', async () => {
    const { targets, dns } = await resolve('sip:[::1]:5070;transport=tls', {});
    assert.deepEqual(brief(targets), ['tls ::1:5070']);
    assert.deepEqual(dns.queries, []);
  });

  void test('an IPv6 literal handed in with brackets is still a literal', async () => {
    const targets = await resolveSipTargets({ host: '[::1]' }, {}, new FakeDns({}));
    assert.deepEqual(brief(targets), ['tcp ::1:5060']);
  });
});

void describe('explicit port (RFC 3263 §4.2): A/AAAA only', () => {
  void test('no NAPTR or SRV queries; URI port used; transport tcp', async () => {
    const { targets, dns } = await resolve('sip:p2.example.test:5099', EXAMPLE);
    assert.deepEqual(brief(targets), ['tcp ::1:5099', 'tcp 127.0.0.21:5099']);
    assert.deepEqual([...dns.queries].sort(), ['A p2.example.test', 'AAAA p2.example.test']);
    assert.equal(targets[0]?.via, 'a');
  });

  void test('sips: with a port → TLS on that port', async () => {
    const { targets } = await resolve('sips:p1.example.test:5071', EXAMPLE);
    assert.deepEqual(brief(targets), ['tls 127.0.0.11:5071', 'tls 127.0.0.12:5071']);
  });

  void test('explicit port and transport=tls', async () => {
    const { targets, dns } = await resolve('sip:p1.example.test:5071;transport=tls', EXAMPLE);
    assert.deepEqual(brief(targets), ['tls 127.0.0.11:5071', 'tls 127.0.0.12:5071']);
    assert.ok(!dns.queries.some((q) => q.startsWith('SRV') || q.startsWith('NAPTR')));
  });
});

void describe('explicit transport, no port (RFC 3263 §4.2): SRV for that transport, then A/AAAA', () => {
  void test('transport=tls → _sips._tcp; no NAPTR query', async () => {
    const { targets, dns } = await resolve('sip:example.test;transport=tls', EXAMPLE);
    assert.deepEqual(brief(targets), ['tls 127.0.0.11:5061', 'tls 127.0.0.12:5061', 'tls ::1:5061', 'tls 127.0.0.21:5061']);
    assert.ok(!dns.queries.some((q) => q.startsWith('NAPTR')));
    assert.ok(dns.queries.includes('SRV _sips._tcp.example.test'));
    assert.ok(!dns.queries.includes('SRV _sip._tcp.example.test'));
  });

  void test('transport=tcp → _sip._tcp', async () => {
    const { targets, dns } = await resolve('sip:example.test;transport=tcp', EXAMPLE);
    assert.deepEqual(brief(targets), ['tcp 127.0.0.11:5060', 'tcp 127.0.0.12:5060', 'tcp ::1:5060', 'tcp 127.0.0.21:5060']);
    assert.ok(!dns.queries.includes('SRV _sips._tcp.example.test'));
  });

  void test('no SRV → A/AAAA of the host with the transport default port', async () => {
    const zone: Zone = { a: { 'pbx.example.test': ['127.0.0.5'] } };
    assert.deepEqual(brief((await resolve('sip:pbx.example.test;transport=tls', zone)).targets), ['tls 127.0.0.5:5061']);
    assert.deepEqual(brief((await resolve('sip:pbx.example.test;transport=tcp', zone)).targets), ['tcp 127.0.0.5:5060']);
  });

  void test('SRV target "." means decidedly not available (RFC 2782): no A/AAAA fallback', async () => {
    const zone: Zone = { srv: { '_sips._tcp.pbx.example.test': [srv(0, 0, 1, '.')] }, a: { 'pbx.example.test': ['127.0.0.5'] } };
    await assert.rejects(resolve('sip:pbx.example.test;transport=tls', zone), (err: unknown) => {
      assert.ok(err instanceof SipResolveError);
      assert.match(err.message, /SRV _sips\._tcp\.pbx\.example\.test: target "\." \(service not available/);
      return true;
    });
  });
});

void describe('NAPTR (RFC 3263 §4.1)', () => {
  void test('order then preference; only SIP+D2T / SIPS+D2T; expanded through SRV and A/AAAA', async () => {
    const { targets } = await resolve('sip:example.test', EXAMPLE);
    assert.deepEqual(brief(targets), [
      'tls 127.0.0.11:5061',
      'tls 127.0.0.12:5061',
      'tls ::1:5061',
      'tls 127.0.0.21:5061',
      'tcp 127.0.0.11:5060',
      'tcp 127.0.0.12:5060',
      'tcp ::1:5060',
      'tcp 127.0.0.21:5060',
    ]);
    assert.ok(targets.every((t) => t.via === 'naptr'));
  });

  void test('UDP and WebSocket NAPTR replacements are never queried', async () => {
    const { dns } = await resolve('sip:example.test', EXAMPLE);
    assert.ok(!dns.queries.includes('SRV _sip._udp.example.test'));
    assert.ok(!dns.queries.includes('SRV _sips._ws.example.test'));
  });

  void test('preference breaks ties within one order', async () => {
    const zone: Zone = {
      naptr: { 'x.test': [naptr(10, 90, 'SIP+D2T', '_sip._tcp.x.test'), naptr(10, 20, 'SIPS+D2T', '_sips._tcp.x.test')] },
      srv: { '_sip._tcp.x.test': [srv(1, 0, 5060, 'h.x.test')], '_sips._tcp.x.test': [srv(1, 0, 5061, 'h.x.test')] },
      a: { 'h.x.test': ['127.0.0.7'] },
    };
    assert.deepEqual(brief((await resolve('sip:x.test', zone)).targets), ['tls 127.0.0.7:5061', 'tcp 127.0.0.7:5060']);
  });

  void test('a sips: URI discards every non-SIPS service', async () => {
    const { targets, dns } = await resolve('sips:example.test', EXAMPLE);
    assert.ok(targets.every((t) => t.transport === 'tls'));
    assert.equal(targets.length, 4);
    assert.ok(!dns.queries.includes('SRV _sip._tcp.example.test'));
  });

  void test('only "s"-flag records with an empty regexp are used', async () => {
    const zone: Zone = {
      naptr: {
        'x.test': [
          naptr(1, 1, 'SIP+D2T', '_sip._tcp.a.x.test', 'a'), // "a" flag: replacement is an A name, not SRV
          naptr(2, 1, 'SIP+D2T', '', 'u', '!^.*$!sip:info@x.test!'), // URI rewrite: not for server location
          naptr(3, 1, 'SIP+D2T', '_sip._tcp.x.test', 'S'), // flags are case-insensitive
        ],
      },
      srv: { '_sip._tcp.x.test': [srv(1, 0, 5070, 'h.x.test')], '_sip._tcp.a.x.test': [srv(1, 0, 5099, 'h.x.test')] },
      a: { 'h.x.test': ['127.0.0.7'] },
    };
    const { targets, dns } = await resolve('sip:x.test', zone);
    assert.deepEqual(brief(targets), ['tcp 127.0.0.7:5070']);
    assert.ok(!dns.queries.includes('SRV _sip._tcp.a.x.test'));
  });

  void test('NAPTR with no usable service → SRV fallback for both transports', async () => {
    const zone: Zone = {
      naptr: { 'x.test': [naptr(1, 1, 'SIP+D2U', '_sip._udp.x.test')] },
      srv: { '_sip._tcp.x.test': [srv(1, 0, 5070, 'h.x.test')], '_sips._tcp.x.test': [srv(1, 0, 5071, 'h.x.test')] },
      a: { 'h.x.test': ['127.0.0.7'] },
    };
    const { targets } = await resolve('sip:x.test', zone);
    assert.deepEqual(brief(targets), ['tcp 127.0.0.7:5070', 'tls 127.0.0.7:5071']);
    assert.ok(targets.every((t) => t.via === 'srv'));
  });

  void test('NAPTR whose SRV names are empty → SRV fallback, then A/AAAA', async () => {
    const zone: Zone = {
      naptr: { 'x.test': [naptr(1, 1, 'SIP+D2T', '_sip._tcp.gone.x.test')] },
      a: { 'x.test': ['127.0.0.8'] },
    };
    const { targets, dns } = await resolve('sip:x.test', zone);
    assert.deepEqual(brief(targets), ['tcp 127.0.0.8:5060']);
    assert.deepEqual(dns.queries.slice(0, 2), ['NAPTR x.test', 'SRV _sip._tcp.gone.x.test']);
    assert.ok(dns.queries.includes('SRV _sip._tcp.x.test') && dns.queries.includes('SRV _sips._tcp.x.test'));
  });

  void test('orderNaptr sorts by order, then preference, stable for ties', () => {
    const recs = [naptr(20, 1, 'A', 'a'), naptr(10, 50, 'B', 'b'), naptr(10, 10, 'C', 'c'), naptr(10, 10, 'D', 'd')];
    assert.deepEqual(orderNaptr(recs).map((r) => r.service), ['C', 'D', 'B', 'A']);
  });
});

void describe('SRV fallback without NAPTR (RFC 3263 §4.1)', () => {
  const zone: Zone = {
    srv: { '_sip._tcp.x.test': [srv(1, 0, 5070, 'h.x.test')], '_sips._tcp.x.test': [srv(1, 0, 5071, 'h.x.test')] },
    a: { 'h.x.test': ['127.0.0.7'], 'x.test': ['127.0.0.8'] },
  };

  void test('sip: → both transports, TCP first by default', async () => {
    assert.deepEqual(brief((await resolve('sip:x.test', zone)).targets), ['tcp 127.0.0.7:5070', 'tls 127.0.0.7:5071']);
  });

  void test('preferTls → TLS first', async () => {
    assert.deepEqual(brief((await resolve('sip:x.test', zone, { preferTls: true })).targets), ['tls 127.0.0.7:5071', 'tcp 127.0.0.7:5070']);
  });

  void test('sips: → only _sips._tcp is queried', async () => {
    const { targets, dns } = await resolve('sips:x.test', zone);
    assert.deepEqual(brief(targets), ['tls 127.0.0.7:5071']);
    assert.ok(!dns.queries.includes('SRV _sip._tcp.x.test'));
  });

  void test('TLS target host is the URI host (RFC 5922 §4), dnsName the SRV target', async () => {
    const { targets } = await resolve('sips:x.test', zone);
    assert.equal(targets[0]?.host, 'x.test');
    assert.equal(targets[0]?.dnsName, 'h.x.test');
  });
});

void describe('A/AAAA fallback (RFC 3263 §4.2)', () => {
  const zone: Zone = { a: { 'x.test': ['127.0.0.8', '127.0.0.9'] }, aaaa: { 'x.test': ['::1'] } };

  void test('no NAPTR, no SRV → default port; IPv6 first when both families allowed', async () => {
    const { targets } = await resolve('sip:x.test', zone);
    assert.deepEqual(brief(targets), ['tcp ::1:5060', 'tcp 127.0.0.8:5060', 'tcp 127.0.0.9:5060']);
    assert.ok(targets.every((t) => t.host === 'x.test' && t.dnsName === 'x.test' && t.via === 'a'));
  });

  void test('sips: → TLS on 5061', async () => {
    assert.deepEqual(brief((await resolve('sips:x.test', zone, { family: 4 })).targets), ['tls 127.0.0.8:5061', 'tls 127.0.0.9:5061']);
  });

  void test('family 4 never asks for AAAA, family 6 never asks for A', async () => {
    const v4 = await resolve('sip:x.test:5060', zone, { family: 4 });
    assert.deepEqual(v4.dns.queries, ['A x.test']);
    assert.deepEqual(brief(v4.targets), ['tcp 127.0.0.8:5060', 'tcp 127.0.0.9:5060']);
    const v6 = await resolve('sip:x.test:5060', zone, { family: 6 });
    assert.deepEqual(v6.dns.queries, ['AAAA x.test']);
    assert.deepEqual(brief(v6.targets), ['tcp ::1:5060']);
  });
});

void describe('SRV ordering (RFC 2782)', () => {
  void test('lower priority first regardless of weight or answer order', () => {
    const recs = [srv(30, 100, 1, 'c'), srv(10, 0, 1, 'a'), srv(20, 100, 1, 'b')];
    assert.deepEqual(orderSrv(recs, () => 0.5).map((r) => r.name), ['a', 'b', 'c']);
  });

  void test('weighted pick with a fixed random: zero weights first in the draw list', () => {
    const recs = [srv(10, 60, 1, 'w60'), srv(10, 40, 1, 'w40'), srv(10, 0, 1, 'w0')];
    // list [w0, w60, w40], sum 100; random 0 → draw 0 → w0 (running 0 ≥ 0); then [w60, w40] draw 0 → w60.
    assert.deepEqual(orderSrv(recs, () => 0).map((r) => r.name), ['w0', 'w60', 'w40']);
    // random 0.999 → draw 100 → w40 (running 100); then [w0, w60] sum 60 draw 60 → w60; then w0.
    assert.deepEqual(orderSrv(recs, () => 0.999).map((r) => r.name), ['w40', 'w60', 'w0']);
    // random 0.5 → draw 50 → w60 (running 60 ≥ 50); then [w0, w40] sum 40, draw 20 → w40.
    assert.deepEqual(orderSrv(recs, () => 0.5).map((r) => r.name), ['w60', 'w40', 'w0']);
  });

  void test('first pick frequency is proportional to weight (uniform sweep of the random source)', () => {
    const recs = [srv(10, 60, 1, 'w60'), srv(10, 40, 1, 'w40'), srv(10, 0, 1, 'w0')];
    const n = 10100;
    const firsts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const first = orderSrv(recs, () => i / n)[0]!.name;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    // Draws are integers 0..100, each with probability 1/101: w0 wins on 0, w60 on 1..60, w40 on 61..100.
    assert.equal(firsts.get('w0'), 100);
    assert.equal(firsts.get('w60'), 6000);
    assert.equal(firsts.get('w40'), 4000);
  });

  void test('all-zero weights keep the answer order', () => {
    const recs = [srv(10, 0, 1, 'a'), srv(10, 0, 1, 'b'), srv(10, 0, 1, 'c')];
    assert.deepEqual(orderSrv(recs, () => 0.99).map((r) => r.name), ['a', 'b', 'c']);
  });

  void test('"." targets are dropped', () => {
    assert.deepEqual(orderSrv([srv(1, 0, 1, '.'), srv(2, 0, 1, 'x')], () => 0).map((r) => r.name), ['x']);
  });

  void test('resolver uses the injected random for same-priority SRV targets', async () => {
    // Weights 100 and 0: the zero-weight record heads the draw list whatever the answer order, so random 0 picks
    // it first and random 0.5 (draw 50) picks the weight-100 one first.
    const zone: Zone = {
      srv: { '_sip._tcp.x.test': [srv(10, 100, 5070, 'h1.x.test'), srv(10, 0, 5080, 'h2.x.test'), srv(20, 0, 5090, 'h3.x.test')] },
      a: { 'h1.x.test': ['127.0.0.1'], 'h2.x.test': ['127.0.0.2'], 'h3.x.test': ['127.0.0.3'] },
    };
    const low = await resolve('sip:x.test;transport=tcp', zone, { random: () => 0 });
    assert.deepEqual(brief(low.targets), ['tcp 127.0.0.2:5080', 'tcp 127.0.0.1:5070', 'tcp 127.0.0.3:5090']);
    const mid = await resolve('sip:x.test;transport=tcp', zone, { random: () => 0.5 });
    assert.deepEqual(brief(mid.targets), ['tcp 127.0.0.1:5070', 'tcp 127.0.0.2:5080', 'tcp 127.0.0.3:5090']);
  });
});

void describe('dedupe and query economy', () => {
  void test('the same address/port/transport reached twice appears once, in its first position', async () => {
    const zone: Zone = {
      srv: { '_sip._tcp.x.test': [srv(10, 0, 5060, 'h1.x.test'), srv(20, 0, 5060, 'h2.x.test'), srv(30, 0, 5070, 'h1.x.test')] },
      a: { 'h1.x.test': ['127.0.0.1'], 'h2.x.test': ['127.0.0.1', '127.0.0.2'] },
    };
    const { targets, dns } = await resolve('sip:x.test;transport=tcp', zone, { family: 4 });
    assert.deepEqual(brief(targets), ['tcp 127.0.0.1:5060', 'tcp 127.0.0.2:5060', 'tcp 127.0.0.1:5070']);
    assert.equal(dns.queries.filter((q) => q === 'A h1.x.test').length, 1, 'A h1 asked once');
  });

  void test('same port but different transport is not a duplicate', async () => {
    const zone: Zone = {
      srv: { '_sip._tcp.x.test': [srv(1, 0, 5060, 'h.x.test')], '_sips._tcp.x.test': [srv(1, 0, 5060, 'h.x.test')] },
      a: { 'h.x.test': ['127.0.0.1'] },
    };
    assert.deepEqual(brief((await resolve('sip:x.test', zone)).targets), ['tcp 127.0.0.1:5060', 'tls 127.0.0.1:5060']);
  });
});

void describe('errors', () => {
  void test('nothing anywhere → SipResolveError naming the host and every query', async () => {
    await assert.rejects(resolve('sip:nowhere.test', {}), (err: unknown) => {
      assert.ok(err instanceof SipResolveError);
      assert.equal(err.host, 'nowhere.test');
      assert.deepEqual(err.tried, [
        'NAPTR nowhere.test: ENOTFOUND',
        'SRV _sip._tcp.nowhere.test: ENOTFOUND',
        'SRV _sips._tcp.nowhere.test: ENOTFOUND',
        'AAAA nowhere.test: ENOTFOUND',
        'A nowhere.test: ENOTFOUND',
      ]);
      assert.deepEqual(err.errors, []);
      assert.match(err.message, /^No SIP server found for "nowhere\.test"; tried: NAPTR nowhere\.test: ENOTFOUND; /);
      return true;
    });
  });

  void test('a timeout on one step does not stop the next one', async () => {
    const zone: Zone = { fail: { 'NAPTR x.test': 'ETIMEOUT' }, srv: { '_sip._tcp.x.test': [srv(1, 0, 5070, 'h.x.test')] }, a: { 'h.x.test': ['127.0.0.7'] } };
    assert.deepEqual(brief((await resolve('sip:x.test', zone, { family: 4 })).targets), ['tcp 127.0.0.7:5070']);
  });

  void test('DNS failures are reported when nothing is found', async () => {
    const zone: Zone = {
      fail: { 'NAPTR x.test': 'ETIMEOUT', 'SRV _sip._tcp.x.test': 'ECONNREFUSED', 'SRV _sips._tcp.x.test': 'ETIMEOUT', 'A x.test': 'ESERVFAIL' },
    };
    await assert.rejects(resolve('sip:x.test', zone, { family: 4 }), (err: unknown) => {
      assert.ok(err instanceof SipResolveError);
      assert.equal(err.errors.length, 4);
      assert.match(err.message, /\(DNS errors: ETIMEOUT, ECONNREFUSED, ESERVFAIL\)/);
      assert.match(err.message, /SRV _sip\._tcp\.x\.test: ECONNREFUSED/);
      return true;
    });
  });

  void test('a lookup layer that throws synchronously is treated like a failed query', async () => {
    const broken: DnsLookups = {
      naptr: () => {
        throw new Error('boom');
      },
      srv: () => Promise.reject(new Error('boom')),
      a: () => Promise.resolve(['127.0.0.3']),
      aaaa: () => Promise.resolve([]),
    };
    assert.deepEqual(brief(await resolveSipTargets({ host: 'x.test' }, {}, broken)), ['tcp 127.0.0.3:5060']);
  });
});

void describe('TargetList', () => {
  const t = (n: number): SipTarget => ({ address: `127.0.0.${n}`, port: 5060, transport: 'tcp', host: 'x.test', dnsName: 'x.test', via: 'a' });

  void test('walks in order, signals "all failed" with null and rewinds', () => {
    const list = new TargetList([t(1), t(2), t(3)]);
    assert.equal(list.size, 3);
    assert.equal(list.current().address, '127.0.0.1');
    assert.equal(list.next()?.address, '127.0.0.2');
    assert.equal(list.current().address, '127.0.0.2');
    assert.equal(list.next()?.address, '127.0.0.3');
    assert.equal(list.position, 2);
    assert.equal(list.next(), null);
    assert.equal(list.current().address, '127.0.0.1', 'rewound after all failed');
  });

  void test('reset() goes back to the most preferred target', () => {
    const list = new TargetList([t(1), t(2)]);
    list.next();
    list.reset();
    assert.equal(list.current().address, '127.0.0.1');
    assert.equal(list.position, 0);
  });

  void test('a single target fails straight to null', () => {
    const list = new TargetList([t(1)]);
    assert.equal(list.next(), null);
    assert.equal(list.current().address, '127.0.0.1');
  });

  void test('is a copy: mutating the input array does not change it', () => {
    const input = [t(1), t(2)];
    const list = new TargetList(input);
    input.reverse();
    assert.deepEqual(list.toArray().map((x) => x.address), ['127.0.0.1', '127.0.0.2']);
  });

  void test('empty list is a programming error', () => {
    assert.throws(() => new TargetList([]), RangeError);
  });
});
