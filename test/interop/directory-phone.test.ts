// The directory through the phone's API: the real CLI phone searches a real slapd, numbers come back
// normalized by its dial plan, and with the server gone the cached results still answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSlapd, SLAPD_BASE_DN } from '../harness/slapd.js';
import { startKamailio } from '../harness/kamailio.js';
import { startPhone } from '../harness/phone.js';
import { useWorkdir } from '../harness/workdir.js';

const people = `ou=people,${SLAPD_BASE_DN}`;
const LDIF = [
  [`dn: ${people}`, 'objectClass: organizationalUnit', 'ou: people', ''].join('\n'),
  [`dn: cn=Jan Jansen,${people}`, 'objectClass: inetOrgPerson', 'cn: Jan Jansen', 'sn: Jansen', 'telephoneNumber: 020 123 4567', 'mail: jan@example.com', ''].join('\n'),
  [`dn: cn=Anna de Vries,${people}`, 'objectClass: inetOrgPerson', 'cn: Anna de Vries', 'sn: de Vries', 'telephoneNumber: 2001', ''].join('\n'),
].join('\n');

interface Found {
  entries: { name: string; source: string; numbers: { number: string; normalized: string }[] }[];
  ldapError?: string;
}

test('directory search through the API: LDAP results normalized by the dial plan, cached for when the server is gone', async (t) => {
  const w = useWorkdir(t, 'directory-phone');
  const slapd = await startSlapd({ workdir: w.path, ldif: LDIF });
  w.defer(() => slapd.stop());
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const alice = await startPhone({
    workdir: w.path, name: 'alice', user: 'alice', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp`,
    config: {
      dialPlan: { rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }] },
      directory: { ldap: { url: slapd.url, baseDn: SLAPD_BASE_DN, timeoutMs: 2000 } },
    },
  });
  w.defer(() => alice.stop());
  await alice.waitForState('registered');

  const search = async (q: string): Promise<{ status: number; body: Found }> => {
    const r = await alice.api('GET', `/api/v1/directory?q=${encodeURIComponent(q)}`);
    return { status: r.status, body: r.body as Found };
  };
  const jan = await search('jan');
  assert.equal(jan.status, 200, JSON.stringify(jan.body));
  assert.deepEqual(jan.body.entries.map((e) => e.name), ['Jan Jansen']);
  assert.deepEqual(jan.body.entries[0]!.numbers.map((n) => n.normalized), ['+31201234567'], 'the number as the dial plan normalizes it');
  assert.equal((await search('2001')).body.entries[0]?.name, 'Anna de Vries', 'numbers are searchable');
  assert.equal((await alice.api('GET', '/api/v1/directory?q=')).status, 400);
  assert.equal((await alice.api('POST', '/api/v1/directory/sync')).status, 409, 'no CardDAV configured');

  await slapd.stop();
  const offline = await search('jan');
  assert.equal(offline.status, 200);
  assert.ok(offline.body.ldapError, 'says the directory server could not be asked');
  assert.deepEqual(offline.body.entries.map((e) => e.name), ['Jan Jansen'], 'the cached result still answers');
  w.pass();
});
