// Corporate directory search against a real OpenLDAP (slapd): attribute mapping, dial-plan normalization,
// RFC 4515 escaping of what the user types (an injection attempt finds nothing instead of everything), size
// limit, bind with and without a service account, a refused bind, a hung server (timeout), and a stopped
// one — where the results of earlier searches still come from the SQLite cache.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ldapDirectorySchema, type LdapDirectoryConfigInput } from '../../src/config/directory-schema.js';
import { dialPlanSchema } from '../../src/config/dial-plan-schema.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import { createLdapDirectory } from '../../src/directory/ldap-directory.js';
import { openDirectoryCache } from '../../src/store/directory-cache.js';
import { setLogLevel } from '../../src/util/log.js';
import { freePort } from '../harness/ports.js';
import { startSlapd, SLAPD_BASE_DN } from '../harness/slapd.js';
import { useWorkdir } from '../harness/workdir.js';

setLogLevel('error');

const people = `ou=people,${SLAPD_BASE_DN}`;
const person = (cn: string, sn: string, extra: string[] = []) =>
  [`dn: cn=${cn},${people}`, 'objectClass: inetOrgPerson', `cn: ${cn}`, `sn: ${sn}`, ...extra, ''].join('\n');

const LDIF = [
  [`dn: ${people}`, 'objectClass: organizationalUnit', 'ou: people', ''].join('\n'),
  [`dn: ou=system,${SLAPD_BASE_DN}`, 'objectClass: organizationalUnit', 'ou: system', ''].join('\n'),
  [`dn: uid=phone,ou=system,${SLAPD_BASE_DN}`, 'objectClass: account', 'objectClass: simpleSecurityObject', 'uid: phone', 'userPassword: phonepw', ''].join('\n'),
  person('Jan Jansen', 'Jansen', ['telephoneNumber: 020 123 4567', 'mobile: 06-1234 5678', 'mail: jan@example.com', 'title: Sales manager', 'ou: Sales', 'displayName: Jansen, Jan']),
  person('Anna de Vries', 'de Vries', ['telephoneNumber: +31 20 765 4321', 'mail: anna@example.com', 'ou: Support']),
  person('Jannie Smit', 'Smit', ['telephoneNumber: 2001']),
  person('Star * Man', 'Man', ['telephoneNumber: 2002']),
  ...Array.from({ length: 8 }, (_, i) => person(`Test User ${i}`, 'User', [`telephoneNumber: 30${i}0`])),
].join('\n');

const plan = compileDialPlan(dialPlanSchema.parse({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }] }));

describe('LDAP directory against slapd', () => {
  const w = useWorkdir({ after }, 'directory-ldap');
  const started = startSlapd({ workdir: w.path, ldif: LDIF });
  w.defer(async () => (await started).stop());
  const cache = openDirectoryCache(join(w.path, 'cache', 'directory.db'), { dialPlan: plan });
  w.defer(() => cache.close());

  const config = async (over: Partial<LdapDirectoryConfigInput> = {}) => {
    const slapd = await started;
    return ldapDirectorySchema.parse({ url: slapd.url, baseDn: SLAPD_BASE_DN, timeoutMs: 3000, ...over });
  };

  test('a name search maps the attributes and normalizes the numbers with the dial plan', w.guard(async () => {
    const dir = createLdapDirectory(await config(), { dialPlan: plan, cache });
    const result = await dir.search('jan');
    assert.equal(result.error, undefined);
    assert.deepEqual(result.entries.map((e) => e.name), ['Jan Jansen', 'Jannie Smit'], 'name prefix matches, ranked by name');
    const jan = result.entries[0]!;
    assert.equal(jan.source, 'ldap');
    assert.equal(jan.id, `cn=Jan Jansen,${people}`);
    assert.deepEqual(jan.numbers, [
      { kind: 'work', number: '020 123 4567', normalized: '+31201234567' },
      { kind: 'mobile', number: '06-1234 5678', normalized: '+31612345678' },
    ]);
    assert.equal(jan.email, 'jan@example.com');
    assert.equal(jan.title, 'Sales manager');
    assert.equal(jan.department, 'Sales');
    assert.equal(result.truncated, false);
  }));

  test('a number search finds the person whatever the separators (telephoneNumber matching)', w.guard(async () => {
    const dir = createLdapDirectory(await config(), { dialPlan: plan });
    const result = await dir.search('7654321');
    assert.deepEqual(result.entries.map((e) => e.name), ['Anna de Vries']);
    assert.equal(result.entries[0]!.numbers[0]!.normalized, '+31207654321');
  }));

  test('the attribute mapping comes from the config (displayName as the name)', w.guard(async () => {
    const dir = createLdapDirectory(await config({ attributes: { name: 'displayName', department: 'title' } }), { dialPlan: plan });
    const [jan] = (await dir.search('Jansen')).entries;
    assert.equal(jan?.name, 'Jansen, Jan');
    assert.equal(jan?.department, 'Sales manager');
  }));

  test('what the user types cannot change the filter: "*" and injection attempts are searched literally', w.guard(async () => {
    const dir = createLdapDirectory(await config(), { dialPlan: plan });
    assert.deepEqual((await dir.search('*')).entries.map((e) => e.name), ['Star * Man'], 'a literal * only matches the name that has one');
    for (const attack of ['*)(objectClass=*', ')(|(cn=*', 'x)(cn=*))(|(cn=*', '\\2a', 'Jan\u0000*']) {
      const result = await dir.search(attack);
      assert.equal(result.error, undefined, `${JSON.stringify(attack)} is a valid search, not a broken filter`);
      assert.deepEqual(result.entries, [], `${JSON.stringify(attack)} matches nothing`);
    }
  }));

  test('sizeLimit caps the results and says there were more', w.guard(async () => {
    const dir = createLdapDirectory(await config({ sizeLimit: 5 }), { dialPlan: plan });
    const result = await dir.search('Test User');
    assert.equal(result.error, undefined);
    assert.equal(result.entries.length, 5);
    assert.equal(result.truncated, true);
    const all = await createLdapDirectory(await config({ sizeLimit: 50 }), { dialPlan: plan }).search('Test User');
    assert.equal(all.entries.length, 8);
    assert.equal(all.truncated, false);
  }));

  test('a service account binds; a wrong password is reported as such, not thrown', w.guard(async () => {
    const bindDn = `uid=phone,ou=system,${SLAPD_BASE_DN}`;
    const ok = await createLdapDirectory(await config({ bindDn, password: 'phonepw' }), { dialPlan: plan }).search('anna');
    assert.equal(ok.error, undefined);
    assert.deepEqual(ok.entries.map((e) => e.name), ['Anna de Vries']);
    const refused = await createLdapDirectory(await config({ bindDn, password: 'wrong' }), { dialPlan: plan }).search('anna');
    assert.equal(refused.error?.kind, 'auth');
    assert.match(refused.error.message, /invalid credentials/);
    assert.deepEqual(refused.entries, [], 'no cache given: nothing to fall back to');
  }));

  test('a hung server (SIGSTOP) gives a timeout within timeoutMs, with cached results', w.guard(async () => {
    const slapd = await started;
    const dir = createLdapDirectory(await config({ timeoutMs: 400 }), { dialPlan: plan, cache });
    slapd.pause();
    try {
      const t0 = Date.now();
      const result = await dir.search('jan');
      const elapsed = Date.now() - t0;
      assert.equal(result.error?.kind, 'timeout', result.error?.message);
      assert.ok(elapsed >= 350 && elapsed < 1500, `gave up after ${elapsed} ms`);
      assert.deepEqual(result.entries.map((e) => e.name), ['Jan Jansen', 'Jannie Smit'], 'the first test remembered these');
    } finally {
      slapd.resume();
    }
  }));

  test('a stopped server: "unreachable", and search falls back to what earlier searches returned', w.guard(async () => {
    const slapd = await started;
    const dir = createLdapDirectory(await config(), { dialPlan: plan, cache });
    assert.equal((await dir.search('anna')).error, undefined);
    await slapd.stop();
    const result = await dir.search('anna');
    assert.equal(result.error?.kind, 'unreachable', result.error?.message);
    assert.match(result.error.message, /refused the connection/);
    assert.deepEqual(result.entries.map((e) => e.name), ['Anna de Vries']);
    assert.deepEqual(result.entries[0]!.numbers.map((n) => n.normalized), ['+31207654321']);
    // Never searched for while online: not in the cache, so nothing (and still no exception).
    assert.deepEqual((await dir.search('Star')).entries, []);
  }));
});

test('no server listening at all: unreachable, no exception, no unhandled rejection', async () => {
  const port = await freePort();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const cfg = ldapDirectorySchema.parse({ url: `ldap://127.0.0.1:${port}`, baseDn: SLAPD_BASE_DN, bindDn: 'cn=x', password: 'y', timeoutMs: 1000 });
    const result = await createLdapDirectory(cfg, { dialPlan: plan }).search('anyone');
    assert.equal(result.error?.kind, 'unreachable');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
