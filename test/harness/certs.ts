// A throw-away PKI for the TLS tests, made with the openssl CLI in the test's workdir: a test CA,
// a Kamailio server certificate it signed for 127.0.0.1 / localhost / pbx.sipdesk.test, a second
// one it signed for the wrong name only (host-name verification must reject it although the chain
// is fine), and a self-signed certificate with the right names (the chain check must reject it).
// EC P-256 keys: generated in milliseconds, unlike RSA.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './process.js';

export interface TestPki {
  dir: string;
  /** The CA's certificate: what a client trusts (ca_list / tls `ca`). */
  caCert: string;
  caKey: string;
  /** Signed by the CA; SAN IP:127.0.0.1, DNS:localhost, DNS:pbx.sipdesk.test. */
  serverCert: string;
  serverKey: string;
  /** Signed by the CA; SAN only DNS:wrong.example.org. */
  wrongHostCert: string;
  wrongHostKey: string;
  /** Self-signed (not from the CA), with the same names as serverCert. */
  selfSignedCert: string;
  selfSignedKey: string;
}

export const SERVER_NAMES = ['IP:127.0.0.1', 'DNS:localhost', 'DNS:pbx.sipdesk.test'] as const;
export const WRONG_HOST_NAME = 'wrong.example.org';

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(dir: string, args: string[]): Promise<void> {
  await runCommand({ name: 'openssl', command: 'openssl', args, cwd: dir, logFile: join(dir, 'openssl.log') });
}

function serverExtensions(san: string): string {
  return [
    '[v3]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth, clientAuth',
    `subjectAltName = ${san}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    '',
  ].join('\n');
}

async function signedByCa(dir: string, base: string, cn: string, san: string): Promise<void> {
  const ext = join(dir, `${base}.ext`);
  writeFileSync(ext, serverExtensions(san));
  await openssl(dir, ['req', ...KEY_ARGS, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${cn}`]);
  await openssl(dir, [
    'x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '30', '-sha256', '-extfile', ext, '-extensions', 'v3', '-out', `${base}.pem`,
  ]);
}

/** Makes the test PKI in `dir` (which must exist) and returns the file paths. */
export async function makeTestPki(dir: string): Promise<TestPki> {
  await openssl(dir, [
    'req', '-x509', ...KEY_ARGS, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-sha256',
    '-subj', '/CN=sipdesk test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await signedByCa(dir, 'server', 'pbx.sipdesk.test', SERVER_NAMES.join(', '));
  await signedByCa(dir, 'wrong-host', WRONG_HOST_NAME, `DNS:${WRONG_HOST_NAME}`);
  await openssl(dir, [
    'req', '-x509', ...KEY_ARGS, '-keyout', 'self-signed.key', '-out', 'self-signed.pem', '-days', '30', '-sha256',
    '-subj', '/CN=pbx.sipdesk.test',
    '-addext', `subjectAltName=${SERVER_NAMES.join(',')}`,
  ]);
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    wrongHostCert: join(dir, 'wrong-host.pem'),
    wrongHostKey: join(dir, 'wrong-host.key'),
    selfSignedCert: join(dir, 'self-signed.pem'),
    selfSignedKey: join(dir, 'self-signed.key'),
  };
}
