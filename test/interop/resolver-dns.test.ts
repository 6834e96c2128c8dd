// RFC 3263 resolution against a real DNS server (dnsmasq on 127.0.0.1): NAPTR → SRV → A/AAAA chains, SRV
// failover order, the explicit-port/transport shortcuts, and the errors for a missing name and a dead server.
// Requires /usr/sbin/dnsmasq (Debian package dnsmasq-base).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDnsmasq, freePort, type DnsmasqHandle } from '../harness/dnsmasq.js';
import {
  parseSipTargetUri,
  resolveSipTargets,
  SipResolveError,
  TargetList,
  type ResolverOptions,
  type SipTarget,
} from '../../src/sip/resolver.js';

let dns: DnsmasqHandle;
let workdir: string;

// dnsmasq returns multi-record answers in its own order (reverse of definition, as it happens), which is exactly
// what the resolver must cope with: NAPTR/SRV are sorted by the resolver, A/AAAA keep the server's order. So the
// assertions compare groups "transport dnsName:port [sorted addresses]" in order.
function groups(targets: SipTarget[]): string[] {
  const out: { key: string; addresses: string[] }[] = [];
  for (const t of targets) {
    const key = `${t.transport} ${t.dnsName}:${t.port}`;
    const last = out[out.length - 1];
    if (last?.key === key) last.addresses.push(t.address);
    else out.push({ key, addresses: [t.address] });
  }
  return out.map((g) => `${g.key} [${g.addresses.sort().join(' ')}]`);
}

function opts(extra: ResolverOptions = {}): ResolverOptions {
  // random 0.5 makes the 60/40 pair below come out weight-60 first whatever order the SRV answer is in
  // (draw 50: [60,40] → 60 ≥ 50; [40,60] → 40 < 50, 100 ≥ 50 → the 60 one).
  return { servers: [dns.server], timeoutMs: 1000, tries: 2, random: () => 0.5, ...extra };
}

async function newQueries(run: () => Promise<unknown>): Promise<string[]> {
  const before = (await dns.queryLog()).length;
  await run().catch(() => undefined);
  return (await dns.queryLog()).slice(before);
}

void describe('RFC 3263 resolution against dnsmasq', () => {
  before(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'sipdesk-dnsmasq-'));
    dns = await startDnsmasq({
      workdir,
      records: {
        hosts: {
          'sipdesk.test': ['127.0.0.1'],
          'pbx1.sipdesk.test': ['127.0.0.11', '127.0.0.12'],
          'pbx2.sipdesk.test': ['127.0.0.21', '::1'],
          'pbx3.sipdesk.test': ['127.0.0.31'],
          'plain.sipdesk.test': ['127.0.0.41'],
          'notls.sipdesk.test': ['127.0.0.51'],
        },
        naptr: [
          // Defined so that neither this order nor dnsmasq's (reversed) is the RFC order: the resolver must sort.
          { name: 'sipdesk.test', order: 10, preference: 50, flags: 's', service: 'SIPS+D2T', replacement: '_sips._tcp.sipdesk.test' },
          { name: 'sipdesk.test', order: 20, preference: 50, flags: 's', service: 'SIP+D2T', replacement: '_sip._tcp.sipdesk.test' },
          // Lowest order but UDP: must be ignored, and its SRV name never queried.
          { name: 'sipdesk.test', order: 5, preference: 10, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.sipdesk.test' },
        ],
        srv: [
          { name: '_sips._tcp.sipdesk.test', target: 'pbx2.sipdesk.test', port: 5061, priority: 20 },
          { name: '_sips._tcp.sipdesk.test', target: 'pbx1.sipdesk.test', port: 5061, priority: 10 },
          { name: '_sip._tcp.sipdesk.test', target: 'pbx3.sipdesk.test', port: 5090, priority: 20, weight: 0 },
          { name: '_sip._tcp.sipdesk.test', target: 'pbx2.sipdesk.test', port: 5080, priority: 10, weight: 40 },
          { name: '_sip._tcp.sipdesk.test', target: 'pbx1.sipdesk.test', port: 5070, priority: 10, weight: 60 },
          { name: '_sip._udp.sipdesk.test', target: 'pbx3.sipdesk.test', port: 5060 },
          // No NAPTR for srvonly: RFC 3263 §4.1 SRV fallback.
          { name: '_sip._tcp.srvonly.sipdesk.test', target: 'pbx3.sipdesk.test', port: 5062, priority: 10 },
          { name: '_sips._tcp.srvonly.sipdesk.test', target: 'pbx3.sipdesk.test', port: 5063, priority: 10 },
          // "." target: TLS decidedly not offered here (RFC 2782).
          { name: '_sips._tcp.notls.sipdesk.test' },
        ],
      },
    });
  });

  after(async () => {
    await dns?.stop();
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });

  void test('NAPTR → SRV → A/AAAA: NAPTR order, only D2T services, SRV priority and weight, every address', async () => {
    const targets = await resolveSipTargets(parseSipTargetUri('sip:sipdesk.test'), opts());
    assert.deepEqual(groups(targets), [
      'tls pbx1.sipdesk.test:5061 [127.0.0.11 127.0.0.12]', // SIPS+D2T (order 10), SRV priority 10
      'tls pbx2.sipdesk.test:5061 [127.0.0.21 ::1]', // priority 20
      'tcp pbx1.sipdesk.test:5070 [127.0.0.11 127.0.0.12]', // SIP+D2T (order 20), priority 10 weight 60
      'tcp pbx2.sipdesk.test:5080 [127.0.0.21 ::1]', // priority 10 weight 40
      'tcp pbx3.sipdesk.test:5090 [127.0.0.31]', // priority 20
    ]);
    // RFC 5922 §4: the certificate is checked against the domain we were asked for, not the SRV target.
    assert.ok(targets.every((t) => t.host === 'sipdesk.test' && t.via === 'naptr'));
    // Within one SRV target IPv6 comes first (family 0).
    assert.equal(targets.find((t) => t.dnsName === 'pbx2.sipdesk.test')?.address, '::1');
  });

  void test('the query chain dnsmasq saw: NAPTR, then both D2T SRV names, never the UDP one', async () => {
    const queries = await newQueries(() => resolveSipTargets(parseSipTargetUri('sip:sipdesk.test'), opts()));
    assert.equal(queries[0], 'NAPTR sipdesk.test');
    assert.ok(queries.includes('SRV _sips._tcp.sipdesk.test'));
    assert.ok(queries.includes('SRV _sip._tcp.sipdesk.test'));
    assert.ok(!queries.includes('SRV _sip._udp.sipdesk.test'), queries.join(', '));
    assert.ok(queries.includes('A pbx3.sipdesk.test') && queries.includes('AAAA pbx3.sipdesk.test'));
    // Each SRV target is looked up once even though it appears under both transports.
    assert.equal(queries.filter((q) => q === 'A pbx1.sipdesk.test').length, 1);
  });

  void test('sips: keeps only SIPS+D2T and never asks for _sip._tcp', async () => {
    let targets: SipTarget[] = [];
    const queries = await newQueries(async () => {
      targets = await resolveSipTargets(parseSipTargetUri('sips:sipdesk.test'), opts());
    });
    assert.deepEqual(groups(targets), ['tls pbx1.sipdesk.test:5061 [127.0.0.11 127.0.0.12]', 'tls pbx2.sipdesk.test:5061 [127.0.0.21 ::1]']);
    assert.ok(!queries.includes('SRV _sip._tcp.sipdesk.test'), queries.join(', '));
  });

  void test('SRV failover order with an explicit transport, walked with TargetList', async () => {
    let targets: SipTarget[] = [];
    const queries = await newQueries(async () => {
      targets = await resolveSipTargets(parseSipTargetUri('sip:sipdesk.test;transport=tcp'), opts({ family: 4 }));
    });
    assert.ok(!queries.some((q) => q.startsWith('NAPTR')), 'explicit transport skips NAPTR (RFC 3263 §4.2)');
    assert.ok(!queries.some((q) => q.startsWith('AAAA')), 'family 4 skips AAAA');
    const list = new TargetList(targets);
    const walked: string[] = [];
    for (let t: SipTarget | null = list.current(); t !== null; t = list.next()) walked.push(`${t.dnsName}:${t.port}`);
    assert.deepEqual(walked, [
      'pbx1.sipdesk.test:5070',
      'pbx1.sipdesk.test:5070',
      'pbx2.sipdesk.test:5080',
      'pbx3.sipdesk.test:5090',
    ]);
    assert.equal(list.current().dnsName, 'pbx1.sipdesk.test', 'all failed → rewound for the retry after back-off');
  });

  void test('weighted SRV choice follows the injected random source; priority still wins', async () => {
    // Which peer a given draw selects depends on the answer order dnsmasq used, so sweep the draws: each
    // same-priority peer must lead for some draw, and the priority-20 target is always last.
    const leaders = new Set<string>();
    for (const r of [0, 0.3, 0.5, 0.7, 0.99]) {
      const targets = await resolveSipTargets(parseSipTargetUri('sip:sipdesk.test;transport=tcp'), opts({ family: 4, random: () => r }));
      leaders.add(targets[0]!.dnsName);
      assert.equal(targets[targets.length - 1]!.dnsName, 'pbx3.sipdesk.test', 'priority 20 always last');
    }
    assert.deepEqual([...leaders].sort(), ['pbx1.sipdesk.test', 'pbx2.sipdesk.test']);
  });

  void test('explicit port: A/AAAA only, no NAPTR or SRV', async () => {
    let targets: SipTarget[] = [];
    const queries = await newQueries(async () => {
      targets = await resolveSipTargets(parseSipTargetUri('sip:pbx2.sipdesk.test:5099'), opts());
    });
    assert.deepEqual(targets.map((t) => `${t.transport} ${t.address}:${t.port}`), ['tcp ::1:5099', 'tcp 127.0.0.21:5099']);
    assert.deepEqual([...queries].sort(), ['A pbx2.sipdesk.test', 'AAAA pbx2.sipdesk.test']);
    const v6 = await resolveSipTargets(parseSipTargetUri('sip:pbx2.sipdesk.test:5099'), opts({ family: 6 }));
    assert.deepEqual(v6.map((t) => t.address), ['::1']);
  });

  void test('no NAPTR: SRV for both transports, TCP first unless preferTls', async () => {
    const plain = await resolveSipTargets(parseSipTargetUri('sip:srvonly.sipdesk.test'), opts());
    assert.deepEqual(groups(plain), ['tcp pbx3.sipdesk.test:5062 [127.0.0.31]', 'tls pbx3.sipdesk.test:5063 [127.0.0.31]']);
    assert.ok(plain.every((t) => t.via === 'srv' && t.host === 'srvonly.sipdesk.test'));
    const tls = await resolveSipTargets(parseSipTargetUri('sip:srvonly.sipdesk.test'), opts({ preferTls: true }));
    assert.deepEqual(groups(tls), ['tls pbx3.sipdesk.test:5063 [127.0.0.31]', 'tcp pbx3.sipdesk.test:5062 [127.0.0.31]']);
  });

  void test('no NAPTR, no SRV: A record on the default port, after asking for both', async () => {
    let targets: SipTarget[] = [];
    const queries = await newQueries(async () => {
      targets = await resolveSipTargets(parseSipTargetUri('sip:plain.sipdesk.test'), opts());
    });
    assert.deepEqual(targets, [
      { address: '127.0.0.41', port: 5060, transport: 'tcp', host: 'plain.sipdesk.test', dnsName: 'plain.sipdesk.test', via: 'a' },
    ]);
    for (const q of ['NAPTR plain.sipdesk.test', 'SRV _sip._tcp.plain.sipdesk.test', 'SRV _sips._tcp.plain.sipdesk.test']) {
      assert.ok(queries.includes(q), `${q} in ${queries.join(', ')}`);
    }
  });

  void test('SRV target "." (service not available): no A fallback, clear error', async () => {
    await assert.rejects(resolveSipTargets(parseSipTargetUri('sip:notls.sipdesk.test;transport=tls'), opts()), (err: unknown) => {
      assert.ok(err instanceof SipResolveError);
      assert.match(err.message, /_sips\._tcp\.notls\.sipdesk\.test: target "\." \(service not available/);
      assert.ok(!err.tried.some((t) => t.startsWith('A ')), err.tried.join('; '));
      return true;
    });
  });

  void test('a name that does not exist: SipResolveError naming it and every lookup, quickly', async () => {
    const started = Date.now();
    await assert.rejects(resolveSipTargets(parseSipTargetUri('sip:nope.sipdesk.test'), opts()), (err: unknown) => {
      assert.ok(err instanceof SipResolveError);
      assert.equal(err.host, 'nope.sipdesk.test');
      assert.match(err.message, /No SIP server found for "nope\.sipdesk\.test"/);
      for (const q of ['NAPTR nope.sipdesk.test', 'SRV _sip._tcp.nope.sipdesk.test', 'SRV _sips._tcp.nope.sipdesk.test', 'A nope.sipdesk.test', 'AAAA nope.sipdesk.test']) {
        assert.ok(err.tried.includes(`${q}: ENOTFOUND`), `${q} in ${err.tried.join('; ')}`);
      }
      assert.deepEqual(err.errors, [], 'NXDOMAIN is an answer, not a DNS failure');
      return true;
    });
    assert.ok(Date.now() - started < 1000, 'NXDOMAIN answers need no timeouts');
  });

  void test('a DNS server that does not answer: error reports the DNS failure', async () => {
    const deadPort = await freePort(); // nothing listens there
    await assert.rejects(
      resolveSipTargets(parseSipTargetUri('sip:sipdesk.test'), { servers: [`127.0.0.1:${deadPort}`], timeoutMs: 200, tries: 1 }),
      (err: unknown) => {
        assert.ok(err instanceof SipResolveError);
        assert.ok(err.errors.length > 0);
        assert.match(err.message, /DNS errors: (ECONNREFUSED|ETIMEOUT)/);
        return true;
      },
    );
  });
});
