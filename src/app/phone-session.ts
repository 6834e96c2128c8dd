/**
 * Hot desking (`account.hotDesking`), as Cisco Extension Mobility and Poly hot desking do it: while nobody
 * is signed in the phone runs on the configured common-area account and its screen asks for a user and PIN;
 * a user who signs in gets the phone as sip:<user>@<the account's domain>, with the user as digest name and
 * the PIN as password, until they sign out (Settings → Account). The signed-in user is kept in the data
 * folder across restarts; a sign-in the registrar rejects signs out again, with the reason on the sign-in
 * screen. JsSIP cannot change a UA's identity, so each sign-in or sign-out starts the next phone on the same
 * drivers (the stopped one unregisters first).
 */
import { rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { PhoneConfig } from '../config/schema.js';
import type { Display } from '../ui/index.js';
import { startPhone, dataDirOf, type PhoneDevices, type RunningPhone } from './phone.js';
import type { HotDeskSignIn } from './ui-wiring.js';
import { writeFileAtomic } from '../update/atomic-file.js';
import { createLogger } from '../util/log.js';

const log = createLogger('hot-desk');

/** A SIP user part a person types: letters, digits and the unreserved marks (RFC 3261 user, no escapes). */
const userName = z.string().regex(/^[A-Za-z0-9._~!$&'()*+,;=-]{1,64}$/, 'letters, digits and . _ - only');
const credentialsSchema = z.strictObject({ user: userName, pin: z.string().min(1).max(64) });
type Credentials = z.infer<typeof credentialsSchema>;

/** How long a fresh sign-in has to register before the phone gives up on it. */
const SIGN_IN_TIMEOUT_MS = 20_000;

export interface PhoneSession {
  /** The phone running now (a new one after each sign-in or sign-out). */
  current(): RunningPhone;
  /** Called with the new phone after a sign-in or sign-out. */
  onPhone(listener: (phone: RunningPhone) => void): void;
  stop(unregisterTimeoutMs?: number): Promise<void>;
}

function loadCredentials(path: string): Credentials | undefined {
  try {
    return credentialsSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`${path}: ${(err as Error).message}; nobody is signed in`);
    return undefined;
  }
}

/** The config of the phone for a signed-in user: the account's server settings, the user's identity. */
export function configFor(config: PhoneConfig, creds: Credentials | undefined): PhoneConfig {
  if (!creds) return config;
  const domain = config.account.aor.replace(/^sips?:/i, '').split('@')[1]!.split(/[;?]/)[0]!;
  const scheme = /^sips:/i.test(config.account.aor) ? 'sips' : 'sip';
  const { displayName: _shared, ...account } = config.account;
  return { ...config, account: { ...account, aor: `${scheme}:${creds.user}@${domain}`, username: creds.user, password: creds.pin } };
}

export async function startPhoneSession(config: PhoneConfig, devices: PhoneDevices = {}): Promise<PhoneSession> {
  if (!config.account.hotDesking) {
    const phone = await startPhone(config, devices);
    return { current: () => phone, onPhone: () => undefined, stop: (ms) => phone.stop(ms) };
  }
  const path = join(dataDirOf(config), 'hotdesk.json');
  let creds = loadCredentials(path);
  let lastError: string | undefined;
  const listeners: ((phone: RunningPhone) => void)[] = [];
  // Each phone's Ui closes its display when it stops; the board's display outlives them all.
  const display: Display | undefined = devices.display && {
    width: devices.display.width,
    height: devices.display.height,
    flush: (rects, pixels) => devices.display!.flush(rects, pixels),
  };
  const shared: PhoneDevices = { ...devices, ...(display ? { display } : {}) };

  let switching: Promise<void> = Promise.resolve();
  let stopped = false;
  const switchTo = (next: Credentials | undefined, error?: string): void => {
    creds = next;
    lastError = error;
    switching = switching.then(async () => {
      try {
        if (next) await writeFileAtomic(path, `${JSON.stringify(next)}\n`, 0o600);
        else rmSync(path, { force: true });
      } catch (err) {
        // Signed in until the next restart only: the phone still works.
        log.error(`cannot keep the signed-in user in ${path}: ${(err as Error).message}`);
      }
      if (stopped) return;
      await phone.stop(1500);
      phone = await start();
      for (const l of listeners) l(phone);
    });
    switching.catch((err: unknown) => log.error(`hot desking: cannot start the next phone: ${(err as Error).message}`));
  };

  const signIn: HotDeskSignIn = {
    required: () => creds === undefined,
    signedInAs: () => creds?.user,
    lastError: () => lastError,
    submit: (user, pin) => {
      const parsed = credentialsSchema.safeParse({ user, pin });
      if (!parsed.success) return Promise.reject(new Error(`${user}: ${parsed.error.issues[0]?.message ?? 'not a user name'}`));
      log.info(`${parsed.data.user} signs in`);
      switchTo(parsed.data);
      return Promise.resolve();
    },
    signOut: () => {
      if (!creds) return;
      log.info(`${creds.user} signs out`);
      switchTo(undefined);
    },
  };

  const start = async (): Promise<RunningPhone> => {
    const started = await startPhone(configFor(config, creds), shared, { signIn });
    if (creds) watchSignIn(started, creds);
    return started;
  };
  // A signed-in user the registrar refuses (wrong PIN: 401/403) or never answers is signed out again.
  const watchSignIn = (p: RunningPhone, who: Credentials): void => {
    const timer = setTimeout(() => verdict(`no answer from the registrar`), SIGN_IN_TIMEOUT_MS);
    timer.unref();
    const onState = (): void => {
      const st = p.sip.status();
      if (st.state === 'registered') verdict(undefined);
      else if (st.state === 'failed') verdict(st.reason ?? 'refused');
    };
    const verdict = (failure: string | undefined): void => {
      clearTimeout(timer);
      p.sip.registration.off('state', onState);
      if (failure !== undefined && creds === who && phone === p) {
        log.warn(`${who.user}: sign-in refused (${failure})`);
        switchTo(undefined, `${who.user}: ${failure}`);
      }
    };
    p.sip.registration.on('state', onState);
  };

  let phone = await start();
  return {
    current: () => phone,
    onPhone: (l) => void listeners.push(l),
    async stop(ms) {
      stopped = true;
      await switching.catch(() => undefined);
      await phone.stop(ms);
    },
  };
}
