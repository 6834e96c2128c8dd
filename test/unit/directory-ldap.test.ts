// LDAP filter building (RFC 4515 escaping: what the user types can never change the filter's structure),
// entry mapping, and the `directory` config section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FilterParser, OrFilter, SubstringFilter, type Entry } from 'ldapts';
import { describeIssues } from '../../src/config/load.js';
import { DEFAULT_LDAP_FILTER, directorySchema, ldapDirectorySchema, type DirectoryConfigInput } from '../../src/config/directory-schema.js';
import { dialPlanSchema } from '../../src/config/dial-plan-schema.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import { MAX_QUERY_LENGTH } from '../../src/phone/directory.js';
import { buildFilter, createLdapDirectory, entryFromLdap, escapeFilterValue } from '../../src/directory/ldap-directory.js';

const dutch = compileDialPlan(dialPlanSchema.parse({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }] }));
const ldap = (over: Record<string, unknown> = {}) => ldapDirectorySchema.parse({ url: 'ldap://ldap.example.com', baseDn: 'dc=example,dc=com', ...over });

test('RFC 4515: * ( ) \\ and NUL are escaped as \\2a \\28 \\29 \\5c \\00; other text stays', () => {
  assert.equal(escapeFilterValue('*'), '\\2a');
  assert.equal(escapeFilterValue('('), '\\28');
  assert.equal(escapeFilterValue(')'), '\\29');
  assert.equal(escapeFilterValue('\\'), '\\5c');
  assert.equal(escapeFilterValue('\u0000'), '\\00');
  assert.equal(escapeFilterValue('*)(uid=*))(|(uid=*'), '\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a');
  assert.equal(escapeFilterValue('Jürgen O’Brien & Co, +31 20'), 'Jürgen O’Brien & Co, +31 20');
});

test('injection attempts become literal text in the default filter', () => {
  assert.equal(buildFilter(DEFAULT_LDAP_FILTER, '*'), '(|(cn=*\\2a*)(sn=\\2a*)(telephoneNumber=*\\2a*))');
  assert.equal(
    buildFilter(DEFAULT_LDAP_FILTER, 'x*)(objectClass=*'),
    '(|(cn=*x\\2a\\29\\28objectClass=\\2a*)(sn=x\\2a\\29\\28objectClass=\\2a*)(telephoneNumber=*x\\2a\\29\\28objectClass=\\2a*))',
  );
  assert.equal(buildFilter('(mail={query})', '  a@b  '), '(mail=a@b)', 'trimmed');
  assert.equal(buildFilter('(cn={query})', 'x'.repeat(100)), `(cn=${'x'.repeat(MAX_QUERY_LENGTH)})`, 'bounded');
});

// (An empty query would make (sn=*) a presence test: search() never sends one.)
test('for any typed text the filter parses to the same three substring tests, holding the text verbatim (property)', () => {
  fc.assert(fc.property(fc.string({ maxLength: MAX_QUERY_LENGTH, unit: fc.constantFrom('a', 'Z', 'é', '*', '(', ')', '\\', '\u0000', '=', '|', '&', '!', ' ', '0', '+', '-') }).filter((s) => s.trim() !== ''), (typed) => {
    const filter = FilterParser.parseString(buildFilter(DEFAULT_LDAP_FILTER, typed));
    assert.ok(filter instanceof OrFilter);
    assert.equal(filter.filters.length, 3);
    const query = typed.trim();
    for (const f of filter.filters) {
      assert.ok(f instanceof SubstringFilter, `${f.toString()} is a substring test`);
      const parts = [f.initial, ...f.any, f.final].filter((s) => s !== '');
      assert.deepEqual(parts, [query], `the text "${query}" arrives as one value, not as filter syntax`);
    }
    assert.deepEqual(filter.filters.map((f) => (f as SubstringFilter).attribute), ['cn', 'sn', 'telephoneNumber']);
  }));
});

test('entry mapping: configured attributes, case-insensitive keys, Buffers, several numbers, RDN as a fallback name', () => {
  const cfg = ldap({ attributes: { name: 'displayName' } });
  const raw: Entry = {
    dn: 'cn=Jan Jansen,ou=people,dc=example,dc=com',
    displayname: 'Jan Jansen',
    telephoneNumber: ['020 123 4567', '+31 20 123 4567', '2001'],
    mobile: Buffer.from('06 1234 5678'),
    mail: 'jan@example.com',
    title: '',
    ou: ['Sales', 'Amsterdam'],
  };
  const e = entryFromLdap(raw, cfg, dutch);
  assert.deepEqual(e, {
    source: 'ldap',
    id: 'cn=Jan Jansen,ou=people,dc=example,dc=com',
    name: 'Jan Jansen',
    numbers: [
      { kind: 'work', number: '020 123 4567', normalized: '+31201234567' },
      { kind: 'work', number: '2001', normalized: '2001' },
      { kind: 'mobile', number: '06 1234 5678', normalized: '+31612345678' },
    ],
    email: 'jan@example.com',
    department: 'Sales',
  }, 'the E.164 duplicate of the first number is dropped; an empty title is absent');
  assert.equal(entryFromLdap({ dn: 'cn=Smith\\, John,ou=people,dc=example,dc=com' }, cfg, dutch)?.name, 'Smith, John');
  assert.equal(entryFromLdap({ dn: '' }, cfg, dutch), undefined);
});

test('config: defaults, and errors that name the field', () => {
  const cfg = ldap();
  assert.equal(cfg.filter, DEFAULT_LDAP_FILTER);
  assert.deepEqual(cfg.attributes, { name: 'cn', phone: 'telephoneNumber', mobile: 'mobile', email: 'mail', title: 'title', department: 'ou' });
  assert.equal(cfg.sizeLimit, 50);
  assert.equal(cfg.timeoutMs, 5000);
  assert.deepEqual(cfg.tls, { verify: true });
  const dir = directorySchema.parse({ carddav: { url: 'https://cloud.example.com/remote.php/dav', username: 'u', password: 'p' } });
  assert.equal(dir.carddav?.syncIntervalMin, 30);
  assert.equal(dir.ldap, undefined);

  const problems = (input: DirectoryConfigInput) => {
    const r = directorySchema.safeParse(input);
    assert.equal(r.success, false);
    return describeIssues(r.error).join('\n');
  };
  const base = { url: 'ldap://ldap.example.com', baseDn: 'dc=example,dc=com' };
  assert.match(problems({ ldap: { ...base, url: 'http://ldap.example.com' } }), /ldap\.url: must be an LDAP URL/);
  assert.match(problems({ ldap: { ...base, filter: '(cn=*)' } }), /ldap\.filter: must contain \{query\}/);
  assert.match(problems({ ldap: { ...base, filter: '(|(cn={query})' } }), /ldap\.filter: is not a valid LDAP filter .*"\(" not closed/);
  assert.match(problems({ ldap: { ...base, filter: '(cn={query})(sn=x)' } }), /ldap\.filter: .*text after the filter/);
  assert.match(problems({ ldap: { ...base, filter: 'cn={query}' } }), /ldap\.filter: .*must start with/);
  assert.match(problems({ ldap: { ...base, filter: '(cn~{query})' } }), /ldap\.filter: is not a valid LDAP filter/);
  assert.match(problems({ ldap: { ...base, password: 'x' } }), /ldap\.password: a password needs a bindDn/);
  assert.match(problems({ ldap: { ...base, attributes: { phone: 'tel phone' } } }), /ldap\.attributes\.phone: must be an LDAP attribute name/);
  assert.match(problems({ ldap: { ...base, sizeLimit: 0 } }), /ldap\.sizeLimit/);
  assert.match(problems({ carddav: { url: 'ftp://x', username: 'u', password: 'p' } }), /carddav\.url: must be an http/);
  assert.match(problems({ ldap: { ...base, bogus: 1 } as never }), /bogus/);
});

test('an unreadable CA file is a config error at creation, naming the field', () => {
  assert.throws(
    () => createLdapDirectory(ldap({ url: 'ldaps://ldap.example.com', tls: { caFile: '/nonexistent/ca.pem' } }), { dialPlan: dutch }),
    /directory\.ldap\.tls\.caFile: cannot read \/nonexistent\/ca\.pem/,
  );
});

test('an empty search does not go to the server', async () => {
  // Port 9 (discard) on a documentation address: were a connection tried, the result would carry an error.
  const dir = createLdapDirectory(ldap({ url: 'ldap://192.0.2.1:9', timeoutMs: 100 }), { dialPlan: dutch });
  assert.deepEqual(await dir.search('   '), { entries: [], truncated: false });
});
