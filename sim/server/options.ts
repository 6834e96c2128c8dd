/**
 * The simulator's command line: `sipdesk sim [--port 8080] [--phones alice,bob,carol] [--kiosk carol[=alice]]
 * [--pbx dev|kamailio|external] [--proxy sip:host:port;transport=tcp --domain D] [--password P]
 * [--data-dir DIR] [--audio tone|null] [--log warn]`. Parsed by hand (a dozen flags do not need a
 * library); every mistake is an Error whose message names the flag and what was wrong with it.
 */
import type { LogLevel } from '../../src/util/log.js';

export type PbxKind = 'dev' | 'kamailio' | 'external';
export type SimAudio = 'tone' | 'null';

export interface SimOptions {
  /** HTTP port of the page (0 = any free port). */
  readonly port: number;
  readonly host: string;
  /** SIP user names, one phone each, in page order; phone i has extension 101 + i. */
  readonly phones: readonly string[];
  /** Kiosk phones and the number (or user name) their hotline dials. */
  readonly kiosks: ReadonlyMap<string, string>;
  readonly pbx: PbxKind;
  /** `external` only: the PBX's proxy URI and SIP domain. */
  readonly proxy?: string;
  readonly domain?: string;
  readonly password: string;
  /** Base folder of the phones' data (call log, settings): `<dataDir>/<name>`. */
  readonly dataDir?: string;
  readonly audio: SimAudio;
  readonly logLevel: LogLevel;
}

/** The in-process dev PBX (sim/pbx): nothing to install, starts in milliseconds. */
export const DEFAULT_PBX: PbxKind = 'dev';

export const USAGE = `usage: sipdesk sim [options]
  --port N             web page port (default 8080; 0 = any free port)
  --host ADDR          web page address (default 127.0.0.1)
  --phones a,b,c       SIP users, one phone each (default alice,bob,carol); extensions 101, 102, …
  --kiosk NAME[=TO]    NAME is a kiosk: off-hook dials TO (default: the first other phone); repeatable
  --pbx KIND           dev (in-process), kamailio (throw-away Kamailio) or external (default ${DEFAULT_PBX})
  --proxy URI          external PBX: outbound proxy, e.g. "sip:pbx.lan:5060;transport=tcp"
  --domain D           external PBX: SIP domain of the users
  --password P         the users' password (default "secret")
  --data-dir DIR       phones' data under DIR/<name> (default $XDG_CACHE_HOME/sipdesk/sim)
  --audio tone|null    each phone's microphone: a generated tone (default) or silence
  --log LEVEL          log level: error, warn (default), info, debug (debug adds the dev PBX's SIP trace)
`;

const NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/i;
const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${flag}: must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function portOf(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new Error(`${flag}: must be a port number 0…65535, got "${value}"`);
  return n;
}

export function parseSimArgs(argv: readonly string[]): SimOptions {
  let port = 8080;
  let host = '127.0.0.1';
  let phones = ['alice', 'bob', 'carol'];
  const kioskArgs: string[] = [];
  let pbx: PbxKind = DEFAULT_PBX;
  let proxy: string | undefined;
  let domain: string | undefined;
  let password = 'secret';
  let dataDir: string | undefined;
  let audio: SimAudio = 'tone';
  let logLevel: LogLevel = 'warn';

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // Both `--flag value` and `--flag=value`.
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${flag}: needs a value`);
      return next;
    };
    switch (flag) {
      case '--port': port = portOf(flag, value()); break;
      case '--host': host = value(); break;
      case '--phones': phones = value().split(',').map((s) => s.trim()).filter((s) => s !== ''); break;
      case '--kiosk': kioskArgs.push(value()); break;
      case '--pbx': pbx = oneOf(flag, value(), ['dev', 'kamailio', 'external'] as const); break;
      case '--proxy': proxy = value(); break;
      case '--domain': domain = value(); break;
      case '--password': password = value(); break;
      case '--data-dir': dataDir = value(); break;
      case '--audio': audio = oneOf(flag, value(), ['tone', 'null'] as const); break;
      case '--log': logLevel = oneOf(flag, value(), LOG_LEVELS); break;
      default: throw new Error(`unknown option "${arg}"`);
    }
  }

  if (phones.length === 0) throw new Error('--phones: at least one phone');
  if (phones.length > 12) throw new Error(`--phones: at most 12 phones, got ${phones.length}`);
  for (const p of phones) if (!NAME.test(p)) throw new Error(`--phones: "${p}" is not a SIP user name (letters, digits, . _ -)`);
  if (new Set(phones).size !== phones.length) throw new Error('--phones: a name is listed twice');

  const kiosks = new Map<string, string>();
  for (const k of kioskArgs) {
    const [name = '', target] = k.split('=', 2);
    if (!phones.includes(name)) throw new Error(`--kiosk: "${name}" is not one of the phones (${phones.join(', ')})`);
    const to = target ?? phones.find((p) => p !== name);
    if (to === undefined || to === '') throw new Error(`--kiosk ${name}: no other phone to call; write --kiosk ${name}=<number>`);
    kiosks.set(name, to);
  }

  if (pbx === 'external') {
    if (proxy === undefined || !/^sips?:/i.test(proxy)) throw new Error('--pbx external needs --proxy sip:host:port;transport=tcp');
    if (domain === undefined || domain === '') throw new Error('--pbx external needs --domain (the users\' SIP domain)');
  } else if (proxy !== undefined || domain !== undefined) {
    throw new Error(`--proxy and --domain are for --pbx external (the ${pbx} PBX chooses its own)`);
  }

  return {
    port,
    host,
    phones,
    kiosks,
    pbx,
    ...(proxy !== undefined ? { proxy } : {}),
    ...(domain !== undefined ? { domain } : {}),
    password,
    ...(dataDir !== undefined ? { dataDir } : {}),
    audio,
    logLevel,
  };
}

/** The extension of the i-th phone (0-based): 101, 102, … — what the simulator's dial plan maps to users. */
export function extensionOf(index: number): string {
  return String(101 + index);
}
