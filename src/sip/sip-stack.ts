/**
 * The phone's SIP stack: one JsSIP UA over our FlowSocket, registered as a single point of presence
 * (RFC 5626 +sip.instance/reg-id, RFC 5627 GRUU), with the policy JsSIP lacks wired around it.
 * The app builds one of these per phone; nothing here knows about media, UI or hardware.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import JsSIP from 'jssip';
import type { UA as JsSipUA } from 'jssip/lib/UA.js';
import type { PhoneConfig } from '../config/schema.js';
import { FlowSocket } from './flow-socket.js';
import { createOutgoingPolicy } from './outgoing-policy.js';
import { installStrongDigest } from './digest.js';
import { installJsSipNodeGlobals } from './node-env.js';
import { ACCEPTED_BODIES, ALLOWED_METHODS, KNOWN_METHODS, SUPPORTED_EXTENSIONS, contactFeatureParams, contactFeatureSuffix } from './capabilities.js';
import { RegistrationController, type RegistrarUa, type RegistrationStatus } from './registration.js';
import { parseSipTargetUri, resolveSipTargets, type SipTarget } from './resolver.js';
import { resolveInstanceId } from './instance-id.js';
import type { VetResult } from './connection.js';
import type { ParsedHead } from './message-head.js';
import { createLogger } from '../util/log.js';

const log = createLogger('sip');
const require = createRequire(import.meta.url);
const Parser = require('jssip/lib/Parser.js') as { parseMessage(data: string, ua: unknown): unknown };

export const SIPDESK_VERSION = (require('../../../package.json') as { version: string }).version;

export interface SipStack {
  readonly ua: JsSipUA;
  readonly socket: FlowSocket;
  readonly registration: RegistrationController;
  readonly instanceId: string;
  /** Our address as peers reach it (Contact, Via; the media engine writes it into SDP). */
  readonly contactHost: string;
  status(): RegistrationStatus;
  start(): void;
  /** Unregisters (bounded by timeoutMs), then closes every connection. */
  stop(timeoutMs: number): Promise<void>;
}

function userOf(aor: string): string {
  return aor.replace(/^sips?:/i, '').split('@')[0]!;
}

function domainOf(aor: string): string {
  return aor.replace(/^sips?:/i, '').split('@')[1]!.split(/[;?]/)[0]!;
}

/** The local address the kernel would use to reach `address` (no packet is sent). */
async function localAddressFor(address: string): Promise<string> {
  const family = net.isIPv6(address) ? 'udp6' : 'udp4';
  const sock = dgram.createSocket(family);
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(9, address, () => resolve());
    });
    return sock.address().address;
  } finally {
    sock.close();
  }
}

async function readCaFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new Error(`tls.caFile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Our address as the proxy will see it: the local address of the route to the first target. JsSIP fixes
 * Contact and Via when the UA is built, so when DNS is not up yet at boot (common on a Pi) the address of
 * the first non-internal interface stands in rather than 127.0.0.1.
 */
async function defaultContactHost(resolve: () => Promise<SipTarget[]>): Promise<string> {
  try {
    const first = (await resolve())[0];
    if (first) return await localAddressFor(first.address);
  } catch (err) {
    log.warn(`cannot resolve the proxy yet (${(err as Error).message}); Contact uses the first interface address`);
  }
  const external = Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal);
  return (external.find((a) => a.family === 'IPv4') ?? external[0])?.address ?? '127.0.0.1';
}

/** Checks JsSIP would drop silently (its parser never answers): we answer them instead. */
function vetRequest(raw: string, head: ParsedHead): VetResult | undefined {
  if (head.kind !== 'request') return undefined;
  if (!KNOWN_METHODS.has(head.method)) return { status: 501, reason: 'Not Implemented' };
  if (!Parser.parseMessage(raw, undefined)) return { status: 400, reason: 'Malformed header field' };
  return undefined;
}

export async function createSipStack(config: PhoneConfig): Promise<SipStack> {
  installJsSipNodeGlobals();
  installStrongDigest();

  const account = config.account;
  const proxyUri = account.proxy ?? `sip:${domainOf(account.aor)}`;
  const target = parseSipTargetUri(proxyUri);
  const transport = target.transport ?? (target.secure ? 'tls' : config.sip.transport);
  const resolveOpts = { servers: config.sip.dnsServers, preferTls: transport === 'tls' };
  // The URI's own transport/port steer RFC 3263 (explicit ones skip NAPTR). TLS from the config is explicit
  // too (an IP literal or A record then means port 5061 over TLS); the TCP default is not, so that NAPTR may
  // speak. JsSIP's Via transport is fixed per UA, so targets of the other transport are left out.
  const query = target.transport || transport !== 'tls' ? target : { ...target, transport };
  const resolve = async (): Promise<SipTarget[]> => {
    const targets = (await resolveSipTargets(query, resolveOpts)).filter((t) => t.transport === transport);
    if (targets.length === 0) throw new Error(`${proxyUri} resolves to no ${transport.toUpperCase()} target`);
    return targets;
  };

  const socket = new FlowSocket({
    proxyUri,
    transport,
    resolve,
    tls: {
      ca: config.tls.caFile ? await readCaFile(config.tls.caFile) : undefined,
      verify: config.tls.verify,
      serverName: config.tls.serverName,
    },
    keepAliveIntervalMs: config.sip.keepAliveInterval * 1000,
    keepAliveTimeoutMs: config.sip.keepAliveTimeout * 1000,
    connectTimeoutMs: config.sip.connectTimeoutMs,
    listen: transport === 'tcp' ? { address: config.sip.listenAddress, port: config.sip.listenPort } : undefined,
    limits: {
      maxHeadBytes: 64 * 1024,
      maxBodyBytes: 1024 * 1024,
      incompleteTimeoutMs: config.sip.incompleteMessageTimeoutMs,
      serverHeader: `sipdesk/${SIPDESK_VERSION}`,
    },
    vet: vetRequest,
    trace: config.log.sipTrace,
  });
  const listenPort = (await socket.listen()) ?? config.sip.listenPort;

  const contactHost = config.sip.contactHost ?? (await defaultContactHost(resolve));
  const hostInUri = net.isIPv6(contactHost) ? `[${contactHost}]` : contactHost;
  const user = userOf(account.aor);
  const contactUri = `sip:${user}@${hostInUri}:${listenPort};transport=${transport}`;
  const instanceId = resolveInstanceId(config.device.instanceId);

  socket.setOutgoingPolicy(
    createOutgoingPolicy({
    allow: ALLOWED_METHODS,
    accept: ACCEPTED_BODIES,
    viaHost: hostInUri,
      viaPort: listenPort,
      server: `sipdesk/${SIPDESK_VERSION}`,
    }),
  );

  const ua = new JsSIP.UA({
    sockets: [socket as unknown as JsSIP.Socket],
    uri: account.aor,
    password: account.password,
    authorization_user: account.username ?? user,
    display_name: account.displayName,
    contact_uri: contactUri,
    instance_id: instanceId,
    register: true,
    register_expires: account.expires,
    registrar_server: account.registrar ?? `sip:${domainOf(account.aor)}`,
    user_agent: `sipdesk/${SIPDESK_VERSION}`,
    connection_recovery_min_interval: config.sip.reconnectMin,
    connection_recovery_max_interval: config.sip.reconnectMax,
    // RFC 4028 refreshes by re-INVITE: every PBX takes it, while UPDATE (JsSIP's default) draws 501 from
    // some, and JsSIP ignores a failed refresh, so the far end would end the call at expiry.
    session_timers_refresh_method: 'INVITE',
  });
  // JsSIP replaces the password with the MD5 HA1 after the first challenge (UA.set('ha1')); keep the
  // password so SHA-256 challenges (RFC 8760) can be answered on every refresh, not only the first.
  const originalSet = ua.set.bind(ua);
  ua.set = ((parameter: string, value: unknown) => (parameter === 'ha1' ? true : originalSet(parameter as never, value as never)));
  ua.registrator().setExtraContactParams(contactFeatureParams());

  // OPTIONS: 200 with Allow/Accept/Supported (added by JsSIP, rewritten by the policy) and our capabilities.
  // (JsSIP's typings omit the event's `message`, which is what accept() lives on.)
  (ua as unknown as NodeJS.EventEmitter).on('newOptions', (e: { originator: string; message: { accept(o: { extraHeaders: string[] }): void } }) => {
    if (e.originator !== 'remote') return;
    e.message.accept({
      // JsSIP's contact renders the GRUU once the registrar gave us one (RFC 5627 §4), else the plain URI.
      extraHeaders: [`Contact: ${ua.contact.toString()}${contactFeatureSuffix()}`, `Supported: ${SUPPORTED_EXTENSIONS.join(', ')}`],
    });
  });
  // MESSAGE: no 'newMessage' listener, so JsSIP answers 405; the policy makes its Allow true (no MESSAGE).

  const registration = new RegistrationController(ua as unknown as RegistrarUa, {
    aor: account.aor,
    contact: contactUri,
    instanceId,
    retryMinSeconds: config.registration.retryMin,
    retryMaxSeconds: config.registration.retryMax,
    retryRejectedAfterSeconds: config.registration.retryRejectedAfter,
    transportError: () => socket.lastError,
    // RFC 3263 §4.3: a server that does not answer is treated as failed; the next target gets the REGISTER.
    onRequestTimeout: () => socket.dropFlow('REGISTER timed out'),
    isConnected: () => socket.isConnected(),
  });

  return {
    ua,
    socket,
    registration,
    instanceId,
    contactHost,
    status: () => registration.status(),
    start: () => ua.start(),
    async stop(timeoutMs: number) {
      await registration.stop(timeoutMs);
      ua.stop();
      await socket.close();
    },
  };
}
