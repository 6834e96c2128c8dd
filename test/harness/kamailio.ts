// A throw-away Kamailio (registrar + digest auth + GRUU + proxy + presence, optional TLS) for interop tests,
// on 127.0.0.1 with free ports, started and stopped by the test itself. Config template: kamailio.cfg.in
// beside this file in the source tree (tsc does not copy it to dist/; templatePath() finds it from either).
//
// Requests to a registered phone reach it over the TCP/TLS connection it registered on (the phone's own
// listening port in its Contact is only the fallback): at REGISTER, nathelper's fix_nated_register() stores
// the connection's far end (source ip:port;transport=tcp|tls) as the contact's "received" address, lookup()
// turns it into the destination ($du), and Kamailio reuses the open connection to that address. When the
// connection is gone (tcpops tcp_get_conid() finds none), $du is dropped and Kamailio connects to the Contact.
// The RFC 5626 `outbound` module is not used: Debian ships it separately (kamailio-outbound-modules, not
// installed here), and it is meant for an edge proxy in front of the registrar anyway.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestPki, type TestPki } from './certs.js';
import { freePort, waitUntilListening } from './ports.js';
import { runCommand, startProcess, type ExitInfo, type ManagedProcess } from './process.js';

export const KAMAILIO_IP = '127.0.0.1';
export const DEFAULT_USERS = ['alice', 'bob', 'carol', 'dave'] as const;
export const TEST_PASSWORD = 'secret';

export type AuthAlgorithm = 'MD5' | 'SHA-256';

/**
 * A resource list (RFC 4662) served by Kamailio's rls module: a SUBSCRIBE from `owner` with Supported: eventlist
 * to `uri` gets one subscription to the presence of all `members`.
 */
export interface ResourceList {
  /** The user who may subscribe to it (one of the users): rls looks lists up in the subscriber's own document. */
  owner: string;
  /** The list's own URI, e.g. sip:alice-buddies@127.0.0.1 (user@host; rls ignores a port). */
  uri: string;
  /** The members' AoRs, e.g. sip:bob@127.0.0.1. */
  members: readonly string[];
}

export interface KamailioOptions {
  /** The test's workdir; Kamailio's files go into `<workdir>/kamailio/` (`kamailio-2/`, ... for more than one). */
  workdir: string;
  /**
   * Publish the state of every call the proxy routes as dialog-info (pua_dialoginfo), so busy-lamp watchers
   * (SUBSCRIBE Event: dialog) see the PBX's own view of a line, as on a PBX with BLF.
   */
  dialogInfo?: boolean;
  /** Resource lists for the rls module (loaded only when given). */
  resourceLists?: readonly ResourceList[];
  /** Extra users (password "secret") besides alice, bob, carol, dave. */
  users?: readonly string[];
  /** Users with a password of their own (a hot-desking PIN), e.g. { erin: '4321' }. */
  passwords?: Readonly<Record<string, string>>;
  /** Also listen for TLS (a test PKI is made unless `pki` is given). */
  tls?: boolean;
  pki?: TestPki;
  /**
   * Which certificate the TLS listener presents (default 'server': CA-signed, right names). 'wrong-host' is
   * CA-signed for wrong.example.org only, 'self-signed' has the right names but no CA: for negative tests.
   */
  tlsCertificate?: 'server' | 'wrong-host' | 'self-signed';
  /** Digest algorithm in challenges (auth module `algorithm`), default MD5. */
  authAlgorithm?: AuthAlgorithm;
  /** UDP+TCP port (default: a free one). */
  port?: number;
  /** TLS port (default: a free one, when tls). */
  tlsPort?: number;
  /** How long start/restart may take (default 10 s). */
  startTimeoutMs?: number;
}

export interface Kamailio {
  readonly ip: typeof KAMAILIO_IP;
  /** UDP and TCP. */
  readonly port: number;
  readonly tlsPort: number | undefined;
  /** The SIP domain (= ip): users are sip:alice@127.0.0.1. */
  readonly domain: string;
  /** The CA that signed the TLS server certificate (trust this in clients). */
  readonly caFile: string | undefined;
  readonly pki: TestPki | undefined;
  readonly users: readonly string[];
  readonly password: string;
  readonly authAlgorithm: AuthAlgorithm;
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  /** The running process (a new one after restart()). */
  readonly process: ManagedProcess;
  /** SIGTERM (SIGKILL after timeoutMs); resolves when every Kamailio process is gone. */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  /** SIGKILL to all Kamailio processes: the PBX "crashes". */
  kill9(): Promise<ExitInfo>;
  /** Stop (if running) and start again on the same ports with the same config; registrations are lost. */
  restart(): Promise<void>;
  /** The whole log so far, across restarts, ANSI-stripped. */
  log(): string;
  /** Current length of log(): pass it as `since` to only look at what comes later. */
  mark(): number;
  /** Number of `REQ <METHOD> ...` lines (one per request Kamailio received), across restarts. */
  countRequests(method: string, since?: number): number;
  /** Resolves with the first `REQ <METHOD> ...` log line after `since` (default: from the start). */
  waitForRequest(method: string, timeoutMs?: number, since?: number): Promise<string>;
}

/** The template sits next to this file in test/harness/ (dist/test/harness/ has only the .js). */
function templatePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'kamailio.cfg.in'),
    // running from dist/test/harness -> the source tree
    resolve(here, '../../../test/harness/kamailio.cfg.in'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`kamailio.cfg.in not found (looked in ${candidates.join(', ')})`);
  return found;
}

function moduleDir(): string {
  const candidates = [
    ...readdirSync('/usr/lib').map((d) => join('/usr/lib', d, 'kamailio/modules')),
    '/usr/lib/kamailio/modules',
    '/usr/lib64/kamailio/modules',
    '/usr/local/lib64/kamailio/modules',
    '/usr/local/lib/kamailio/modules',
  ];
  const found = candidates.find((d) => existsSync(join(d, 'tm.so')));
  if (found === undefined) {
    throw new Error('kamailio modules not found: apt-get install kamailio kamailio-presence-modules ' +
      'kamailio-sqlite-modules kamailio-tls-modules');
  }
  return found;
}

function tlsConfig(pki: TestPki, which: NonNullable<KamailioOptions['tlsCertificate']>): string {
  const [certificate, privateKey] = {
    server: [pki.serverCert, pki.serverKey],
    'wrong-host': [pki.wrongHostCert, pki.wrongHostKey],
    'self-signed': [pki.selfSignedCert, pki.selfSignedKey],
  }[which];
  return [
    '# generated by test/harness/kamailio.ts',
    '[server:default]',
    'method = TLSv1.2+',
    'verify_certificate = no',
    'require_certificate = no',
    `private_key = ${privateKey}`,
    `certificate = ${certificate}`,
    `ca_list = ${pki.caCert}`,
    '',
    '[client:default]',
    'method = TLSv1.2+',
    'verify_certificate = no',
    'require_certificate = no',
    '',
  ].join('\n');
}

/** The xcap table's doc_type of an rls-services document (RLS_SERVICE in Kamailio's xcap_client/xcap_callbacks.h). */
const XCAP_RLS_SERVICES = 8;

const xmlEscape = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const listUri = /^sips?:[A-Za-z0-9._~!$&'()*+,;=%-]+@[A-Za-z0-9.:[\]-]+$/;

/** Rejects a list rls could not serve as meant (unknown owner, not a user@host URI, no members). */
function checkResourceLists(lists: readonly ResourceList[], users: readonly string[]): void {
  for (const list of lists) {
    const what = `startKamailio: resource list ${JSON.stringify(list.uri)}`;
    if (!users.includes(list.owner)) throw new Error(`${what}: owner ${JSON.stringify(list.owner)} is not a user`);
    if (!listUri.test(list.uri)) throw new Error(`${what}: not a sip:user@host URI`);
    if (list.members.length === 0) throw new Error(`${what}: no members`);
    const bad = list.members.find((m) => !listUri.test(m));
    if (bad !== undefined) throw new Error(`${what}: member ${JSON.stringify(bad)} is not a sip:user@host URI`);
  }
}

/**
 * One rls-services document (RFC 4826) per owner with all of the owner's lists: rls reads only the first such
 * row of the subscriber and finds the list in it by its URI.
 */
function rlsServicesRows(lists: readonly ResourceList[], domain: string): string[] {
  const owners = [...new Set(lists.map((l) => l.owner))];
  return owners.map((owner) => {
    const services = lists.filter((l) => l.owner === owner).map((l) => [
      `  <service uri="${xmlEscape(l.uri)}">`,
      '    <list>',
      ...l.members.map((m) => `      <entry uri="${xmlEscape(m)}"/>`),
      '    </list>',
      '    <packages><package>presence</package></packages>',
      '  </service>',
    ].join('\n'));
    const doc = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<rls-services xmlns="urn:ietf:params:xml:ns:rls-services" xmlns:rl="urn:ietf:params:xml:ns:resource-lists">',
      ...services,
      '</rls-services>',
      '',
    ].join('\n');
    const docUri = `/xcap-root/rls-services/users/sip:${owner}@${domain}/index`;
    const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;
    return 'INSERT INTO xcap(username,domain,doc,doc_type,etag,source,doc_uri,port) ' +
      `VALUES(${q(owner)},${q(domain)},${q(doc)},${XCAP_RLS_SERVICES},${q(`rls-${owner}`)},0,${q(docUri)},0);`;
  });
}

/**
 * rls's own tables as db_text files (see kamailio.cfg.in: in memory, away from the SQLite presence tables),
 * from Debian's dbtext schema; `version` names only the tables rls checks.
 */
function createRlsTextDatabase(dir: string): void {
  const schemas = '/usr/share/kamailio/dbtext/kamailio';
  const db = join(dir, 'rls-db');
  mkdirSync(db, { recursive: true });
  const tables = ['rls_presentity', 'rls_watchers'];
  for (const table of tables) writeFileSync(join(db, table), readFileSync(join(schemas, table), 'utf8'));
  const versions = readFileSync(join(schemas, 'version'), 'utf8').split('\n');
  const wanted = versions.filter((line, i) => i === 0 || tables.some((t) => line.split(':')[1] === t));
  if (wanted.length !== tables.length + 1) throw new Error(`startKamailio: rls table versions missing in ${schemas}/version`);
  writeFileSync(join(db, 'version'), `${wanted.join('\n')}\n`);
}

async function createDatabase(dir: string, users: readonly string[], domain: string, resourceLists: readonly ResourceList[], passwords: Readonly<Record<string, string>> = {}): Promise<void> {
  const schemas = '/usr/share/kamailio/db_sqlite';
  const schemaFiles = ['standard-create.sql', 'auth_db-create.sql', 'presence-create.sql', ...(resourceLists.length > 0 ? ['rls-create.sql'] : [])];
  const sql = [
    ...schemaFiles.map((f) => readFileSync(join(schemas, f), 'utf8')),
    ...users.map((u) => `INSERT INTO subscriber(username,domain,password) VALUES('${u}','${domain}','${passwords[u] ?? TEST_PASSWORD}');`),
    ...rlsServicesRows(resourceLists, domain),
    // WAL (kept in the file): the presence module writes while auth_db reads credentials; in rollback-journal
    // mode such a read fails "database is locked" and a correct REGISTER is answered 401.
    'PRAGMA journal_mode=WAL;',
    '',
  ].join('\n');
  const script = join(dir, 'kamailio-db.sql');
  writeFileSync(script, sql);
  await runCommand({
    name: 'sqlite3', command: 'sqlite3', args: [join(dir, 'kamailio.sqlite'), `.read ${script}`],
    cwd: dir, logFile: join(dir, 'sqlite3.log'),
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function startKamailio(options: KamailioOptions): Promise<Kamailio> {
  const users = [...DEFAULT_USERS, ...(options.users ?? [])];
  for (const u of users) {
    if (!/^[A-Za-z0-9._-]+$/.test(u)) throw new Error(`startKamailio: bad user name ${JSON.stringify(u)}`);
  }
  const resourceLists = options.resourceLists ?? [];
  checkResourceLists(resourceLists, users);
  const tls = options.tls === true || options.pki !== undefined || options.tlsCertificate !== undefined;
  const authAlgorithm = options.authAlgorithm ?? 'MD5';
  const startTimeoutMs = options.startTimeoutMs ?? 10000;
  let dir = join(options.workdir, 'kamailio');
  for (let n = 2; existsSync(dir); n++) dir = join(options.workdir, `kamailio-${n}`);
  mkdirSync(dir, { recursive: true });

  const port = options.port ?? await freePort();
  const tlsPort = tls ? options.tlsPort ?? await freePort() : undefined;
  let pki: TestPki | undefined;
  if (tls) {
    if (options.pki !== undefined) {
      pki = options.pki;
    } else {
      const pkiDir = join(options.workdir, 'pki');
      mkdirSync(pkiDir, { recursive: true });
      pki = await makeTestPki(pkiDir);
    }
    writeFileSync(join(dir, 'tls.cfg'), tlsConfig(pki, options.tlsCertificate ?? 'server'));
  }

  const configFile = join(dir, 'kamailio.cfg');
  // One line per define, in place of the template's own @DEFINES@ line (not its mention in a comment).
  const defines = [
    tls ? '#!define WITH_TLS' : '',
    options.dialogInfo ? '#!define WITH_DIALOGINFO' : '',
    resourceLists.length > 0 ? '#!define WITH_RLS' : '',
  ].filter(Boolean).join('\n');
  const config = readFileSync(templatePath(), 'utf8')
    .replaceAll('@DIR@', dir)
    .replaceAll('@IP@', KAMAILIO_IP)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@TLSPORT@', String(tlsPort ?? 0))
    .replaceAll('@MODDIR@', `${moduleDir()}/`)
    .replaceAll('@AUTH_ALGORITHM@', authAlgorithm)
    .replace(/^@DEFINES@$/m, defines);
  writeFileSync(configFile, config);
  for (const [u, pw] of Object.entries(options.passwords ?? {})) {
    if (!users.includes(u) || !/^[A-Za-z0-9]+$/.test(pw)) throw new Error(`startKamailio: password for ${JSON.stringify(u)} needs the user in users and letters/digits only`);
  }
  await createDatabase(dir, users, KAMAILIO_IP, resourceLists, options.passwords);
  if (resourceLists.length > 0) createRlsTextDatabase(dir);

  const logFile = join(dir, 'kamailio.log');
  let earlierOutput = '';
  let proc: ManagedProcess | undefined;

  const launch = async (): Promise<void> => {
    const p = startProcess({
      name: 'kamailio',
      command: 'kamailio',
      args: ['-DD', '-E', '-f', configFile, '-Y', dir, '-m', '64', '-M', '8'],
      cwd: dir,
      logFile,
      direct: true, // log() already holds a request's REQ line when its answer arrives
    });
    proc = p;
    try {
      await waitUntilListening(port, p, startTimeoutMs);
      if (tlsPort !== undefined) await waitUntilListening(tlsPort, p, startTimeoutMs);
    } catch (err) {
      await p.kill9();
      throw err;
    }
  };
  const current = (): ManagedProcess => {
    if (proc === undefined) throw new Error('kamailio: not started');
    return proc;
  };
  const log = (): string => earlierOutput + (proc?.output() ?? '');
  const requestPattern = (method: string): RegExp => new RegExp(`\\bREQ ${escapeRegExp(method)} [^\\n]*`, 'g');

  await launch();

  return {
    ip: KAMAILIO_IP,
    port,
    tlsPort,
    domain: KAMAILIO_IP,
    caFile: pki?.caCert,
    pki,
    users,
    password: TEST_PASSWORD,
    authAlgorithm,
    dir,
    configFile,
    logFile,
    get process() {
      return current();
    },
    stop: (timeoutMs?: number) => current().stop(timeoutMs),
    kill9: () => current().kill9(),
    restart: async () => {
      const p = current();
      await p.stop();
      earlierOutput += p.output();
      await launch();
    },
    log,
    mark: () => log().length,
    countRequests: (method: string, since = 0) => log().slice(since).match(requestPattern(method))?.length ?? 0,
    waitForRequest: async (method: string, timeoutMs = 5000, since = 0) => {
      const pattern = requestPattern(method);
      const earlier = earlierOutput.slice(since).match(pattern);
      if (earlier !== null && earlier[0] !== undefined) return earlier[0];
      const match = await current().waitFor(pattern, timeoutMs, Math.max(0, since - earlierOutput.length));
      return match[0];
    },
  };
}
