// Personal contacts from a CardDAV server over https whose certificate is signed by a private (company) CA,
// as real deployments have: Radicale (Debian) serving TLS with a certificate for 127.0.0.1 from a throw-away
// test CA. With directory.carddav.tls.caFile set to that CA the sync works; without it the sync fails with
// the certificate error in words and the contacts synced before stay searchable; with verify: false it works
// and a warning is logged; an unreadable caFile is a config error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cardDavSchema, type CardDavConfigInput } from '../../src/config/directory-schema.js';
import { dialPlanSchema } from '../../src/config/dial-plan-schema.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import { createCardDavSync, type CardDavSync } from '../../src/directory/carddav-sync.js';
import { openDirectoryCache, type DirectoryCache } from '../../src/store/directory-cache.js';
import { setLogLevel } from '../../src/util/log.js';
import { makeTestPki } from '../harness/certs.js';
import { startRadicale } from '../harness/radicale.js';
import { useWorkdir } from '../harness/workdir.js';

setLogLevel('error');

const plan = compileDialPlan(dialPlanSchema.parse({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }] }));

const vcard = (uid: string, lines: string[]) => ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, ...lines, 'END:VCARD', ''].join('\r\n');
const JAN = vcard('jan-1', ['FN:Jan Jansen', 'N:Jansen;Jan;;;', 'TEL;TYPE=WORK,VOICE:020 123 4567']);
const ANNA = vcard('anna-1', ['FN:Anna de Vries', 'N:de Vries;Anna;;;', 'TEL;TYPE=CELL:06 7654 3210']);
const KEES = vcard('kees-1', ['FN:Kees Klaassen', 'N:Klaassen;Kees;;;', 'TEL;TYPE=WORK:2001']);

/** Runs `fn` with the warn level on and returns what the logger wrote to stderr meanwhile. */
function loggedWarnings(fn: () => void): string {
  const write = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = (chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  setLogLevel('warn');
  try {
    fn();
  } finally {
    setLogLevel('error');
    process.stderr.write = write;
  }
  return text;
}

test('CardDAV over https with a private CA: trusted with tls.caFile, refused without, allowed with verify: false', async (t) => {
  const w = useWorkdir(t, 'directory-carddav-tls');
  const pkiDir = join(w.path, 'pki');
  mkdirSync(pkiDir);
  const pki = await makeTestPki(pkiDir);
  const radicale = await startRadicale({ workdir: w.path, tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert } });
  w.defer(() => radicale.stop());
  assert.match(radicale.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
  const book = await radicale.createAddressBook('contacts');
  await radicale.putVCard(book, 'jan.vcf', JAN);
  await radicale.putVCard(book, 'anna.vcf', ANNA);

  const cache: DirectoryCache = openDirectoryCache(join(w.path, 'data', 'directory.db'), { dialPlan: plan });
  w.defer(() => cache.close());
  const base = { url: radicale.url, username: radicale.user, password: radicale.password, timeoutMs: 15000 };
  const syncWith = (tls: CardDavConfigInput['tls']): CardDavSync => createCardDavSync(cardDavSchema.parse({ ...base, tls }), { cache, dialPlan: plan });

  // The company CA configured: the certificate is checked and trusted, the contacts come over.
  const trusted = syncWith({ caFile: pki.caCert });
  const first = await trusted.sync();
  assert.equal(first.error, undefined, first.error?.message);
  assert.deepEqual({ ok: first.ok, books: first.addressBooks, downloaded: first.downloaded }, { ok: true, books: 1, downloaded: 2 });
  assert.equal(trusted.search('jan')[0]?.numbers[0]?.normalized, '+31201234567');

  // Verification on by default and no caFile: Node's bundled CAs do not know the company CA.
  await radicale.putVCard(book, 'kees.vcf', KEES);
  const untrusted = syncWith(undefined);
  const refused = await untrusted.sync();
  assert.equal(refused.ok, false);
  assert.equal(refused.error?.kind, 'tls', refused.error?.message);
  assert.match(refused.error?.message ?? '', /^CardDAV server https:\/\/127\.0\.0\.1:\d+\/: certificate not trusted: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY) /);
  assert.match(refused.error?.message ?? '', /set directory\.carddav\.tls\.caFile/);
  assert.equal(untrusted.lastResult?.error?.kind, 'tls', 'the status can say why');
  assert.deepEqual(untrusted.search('a').map((e) => e.name), ['Anna de Vries', 'Jan Jansen'], 'the contacts synced before are kept, the new one did not come');

  // A caFile that cannot be read: a config error naming the setting, nothing synced, nothing lost.
  const missing = await syncWith({ caFile: join(pkiDir, 'no-such-ca.pem') }).sync();
  assert.equal(missing.error?.kind, 'config', missing.error?.message);
  assert.match(missing.error?.message ?? '', /directory\.carddav\.tls\.caFile: cannot read .*no-such-ca\.pem/);
  assert.equal(cache.entries('carddav').length, 2);

  // Verification off (a lab): it works, and the log says the certificate is not checked.
  let unchecked: CardDavSync | undefined;
  const warnings = loggedWarnings(() => {
    unchecked = syncWith({ verify: false });
  });
  assert.match(warnings, /WARN .*\[carddav\] directory\.carddav\.tls\.verify is false: the certificate of https:\/\/127\.0\.0\.1:\d+\/ is not checked/);
  const lab = await unchecked!.sync();
  assert.equal(lab.error, undefined, lab.error?.message);
  assert.deepEqual({ ok: lab.ok, downloaded: lab.downloaded }, { ok: true, downloaded: 1 }, 'only the new contact is downloaded');
  assert.deepEqual(unchecked!.search('a').map((e) => e.name), ['Anna de Vries', 'Jan Jansen', 'Kees Klaassen']);

  // The trusted configuration logs no such warning.
  assert.doesNotMatch(loggedWarnings(() => syncWith({ caFile: pki.caCert })), /verify is false/);
  w.pass();
});
