/**
 * The phone's one configuration file, validated with zod so that every error names the field and the
 * problem. Field names are a contract shared by docs, tests and provisioning: the smallest valid config is
 *   {"account": {"aor": "sip:alice@example.com", "password": "…", "proxy": "sip:pbx.example.com:5060;transport=tcp"},
 *    "api": {"port": 8081}}
 * Defaults are written next to each field; README.md lists them too.
 */
import { z } from 'zod';
import { callsSchema } from './calls-schema.js';
import { dialPlanSchema } from './dial-plan-schema.js';
import { presenceSchema } from './presence-schema.js';
import { colleaguesSchema } from './colleagues-schema.js';
import { directorySchema } from './directory-schema.js';

/** sip:user@host[:port][;params] or sips:… — kept as a string; parsed where it is used. */
const sipUri = z
  .string()
  .regex(/^sips?:[^\s<>"]+$/i, 'must be a SIP URI like sip:alice@example.com');

const aorUri = z.string().regex(/^sips?:[^@\s<>"]+@[^@\s<>"]+$/i, 'must be a SIP URI naming a user, like sip:alice@example.com');

const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

export const accountSchema = z.strictObject({
  /** Address of record: who this phone is. */
  aor: aorUri,
  password: z.string().min(1, 'must not be empty'),
  /** Digest user name; defaults to the AOR's user part. */
  username: z.string().min(1).optional(),
  displayName: z.string().max(128).optional(),
  /** Outbound proxy: every request leaves through it. Optional when the AOR's domain resolves (RFC 3263). */
  proxy: sipUri.optional(),
  /** Registrar Request-URI; defaults to sip:<AOR domain>. */
  registrar: sipUri.optional(),
  /** Requested registration lifetime in seconds (default 600). */
  expires: seconds(10, 86400).default(600),
  /**
   * Hot desking: this account is the phone's common-area line while nobody is signed in; a user signs in
   * on the screen with user name and PIN and gets the phone as sip:<user>@<this domain> (PIN = password).
   */
  hotDesking: z.boolean().default(false),
});

export const apiSchema = z.strictObject({
  port: z.number().int().min(0).max(65535),
  /** The control API is local by design: 127.0.0.1 unless a board says otherwise. */
  host: z.string().default('127.0.0.1'),
});

export const sipSchema = z
  .strictObject({
    /** Transport when the proxy URI does not say; UDP is not supported (JsSIP has no UDP timers). */
    transport: z.enum(['tcp', 'tls']).default('tcp'),
    /** Port the phone listens on for peers that open their own connection (the Contact port); 0 = any free port. */
    listenPort: z.number().int().min(0).max(65535).default(5060),
    listenAddress: z.string().default('0.0.0.0'),
    /** Host written into Contact and Via; default: the local address used to reach the proxy. */
    contactHost: z.string().optional(),
    /** RFC 5626 CRLF keep-alive interval on the flow to the proxy (seconds, default 30). */
    keepAliveInterval: seconds(1, 3600).default(30),
    /** A ping without pong within this time means the flow is dead (seconds, default 10). */
    keepAliveTimeout: seconds(1, 120).default(10),
    /** Reconnect backoff bounds (seconds): exponential with jitter between them. */
    reconnectMin: z.number().min(0.1).max(60).default(1),
    reconnectMax: z.number().min(1).max(3600).default(4),
    /** Connect timeout per target (ms). */
    connectTimeoutMs: z.number().int().min(100).max(60000).default(5000),
    /** A request whose body does not arrive within this time is answered 400 and dropped (ms). */
    incompleteMessageTimeoutMs: z.number().int().min(100).max(120000).default(5000),
    /** DNS servers ("ip" or "ip:port") for RFC 3263 lookups; default: the system's. */
    dnsServers: z.array(z.string()).optional(),
  })
  .refine((s) => s.reconnectMin <= s.reconnectMax, { message: 'reconnectMin must not exceed reconnectMax', path: ['reconnectMin'] });

export const tlsSchema = z.strictObject({
  /** PEM CA bundle to verify the server with; default: Node's bundled CAs. */
  caFile: z.string().optional(),
  /** Certificate and host-name verification; turning it off is for lab use only and is logged loudly. */
  verify: z.boolean().default(true),
  /** Name the certificate must carry; default: the target host from RFC 3263 resolution. */
  serverName: z.string().optional(),
});

export const registrationSchema = z.strictObject({
  /** Retry backoff after 5xx, timeout or flow failure (seconds). */
  retryMin: seconds(1, 3600).default(2),
  retryMax: seconds(1, 86400).default(300),
  /** After a rejection (403, 404, wrong password) the phone stops; set this to retry anyway after N seconds. */
  retryRejectedAfter: seconds(60, 86400).optional(),
});

export const deviceSchema = z.strictObject({
  /** urn:uuid or bare UUID; default: derived from the board's MAC address or serial number (stable). */
  instanceId: z.string().regex(/^(urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID').optional(),
  /** Board descriptor name (boards/<name>.yaml). */
  board: z.string().default('sim'),
});

export const mediaSchema = z
  .strictObject({
    /** Codecs in preference order (offers list them so; answers pick the first the peer has). */
    codecs: z.array(z.enum(['G722', 'PCMU', 'PCMA'])).min(1).default(['G722', 'PCMU', 'PCMA']),
    /** Packetization in ms. */
    ptime: z.union([z.literal(10), z.literal(20), z.literal(30), z.literal(40)]).default(20),
    /** UDP ports for RTP (even) and RTCP (odd): one pair per call. */
    rtpPortMin: z.number().int().min(1024).max(65534).default(16384),
    rtpPortMax: z.number().int().min(1025).max(65535).default(16482),
    /** SDES-SRTP (RFC 4568): off, offered best-effort on RTP/AVP, or required (RTP/SAVP only). */
    srtp: z.enum(['off', 'optional', 'required']).default('off'),
    /** How digits are sent: RFC 4733 events in RTP, or SIP INFO (application/dtmf-relay) for PBXs without them. */
    dtmf: z.enum(['rfc4733', 'info']).default('rfc4733'),
    /** Adaptive jitter buffer bounds (ms). */
    jitterMinMs: z.number().int().min(0).max(1000).default(20),
    jitterMaxMs: z.number().int().min(20).max(2000).default(200),
    /** No RTP for this long while receiving is expected ends the call (s); 0 = never. */
    mediaTimeout: z.number().int().min(0).max(3600).default(30),
    /** Call-progress tones: us (ANSI), etsi (425 Hz Europe), kr (Korea). */
    tonePlan: z.enum(['us', 'etsi', 'kr']).default('us'),
  })
  .refine((m) => m.rtpPortMin < m.rtpPortMax, { message: 'rtpPortMin must be below rtpPortMax', path: ['rtpPortMin'] })
  .refine((m) => m.jitterMinMs <= m.jitterMaxMs, { message: 'jitterMinMs must not exceed jitterMaxMs', path: ['jitterMinMs'] });

export const audioSchema = z.strictObject({
  /**
   * Which device: the board's (default), ALSA through libasound2 (every architecture), PortAudio through
   * naudiodon (x86-64 and armhf only: its bundled library does not link on arm64), WAV files (tests,
   * simulator), or none.
   */
  device: z.enum(['board', 'alsa', 'portaudio', 'wav', 'null']).default('board'),
  /** ALSA/PortAudio device names for 'alsa' and 'portaudio' ('default' = ALSA default PCM). */
  capture: z.string().default('default'),
  playback: z.string().default('default'),
  /** ALSA buffer (and capture bound) in ms for 'alsa'. */
  latencyMs: z.number().int().min(10).max(2000).default(60),
  /** Ringtone WAV file (any common rate; looped); default: a synthesized ring. */
  ringtone: z.string().optional(),
  /** Ringer and local tone volume in dB (0 = as recorded / the tone plan's level). */
  ringVolumeDb: z.number().min(-60).max(20).default(0),
  /** For 'wav': what the microphone "hears" (looped) and where what the speaker plays is recorded. */
  wavSource: z.string().optional(),
  wavSink: z.string().optional(),
});

export const logSchema = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  /** Print every SIP message sent and received. */
  sipTrace: z.boolean().default(false),
});

/** A PIN typed on the keypad: 4 to 12 digits. */
const pin = z.string().regex(/^\d{4,12}$/, 'must be 4 to 12 digits');

export const configSchema = z.strictObject({
  account: accountSchema,
  api: apiSchema,
  sip: sipSchema.default(() => sipSchema.parse({})),
  tls: tlsSchema.default(() => tlsSchema.parse({})),
  registration: registrationSchema.default(() => registrationSchema.parse({})),
  device: deviceSchema.default(() => deviceSchema.parse({})),
  media: mediaSchema.default(() => mediaSchema.parse({})),
  audio: audioSchema.default(() => audioSchema.parse({})),
  log: logSchema.default(() => logSchema.parse({})),
  calls: callsSchema.default(() => callsSchema.parse({})),
  dialPlan: dialPlanSchema.default(() => dialPlanSchema.parse({})),
  presence: presenceSchema.default(() => presenceSchema.parse({})),
  colleagues: colleaguesSchema.default(() => colleaguesSchema.parse({})),
  directory: directorySchema.default(() => directorySchema.parse({})),
  ui: z
    .strictObject({
      locale: z.enum(['en', 'ko']).default('en'),
      theme: z.enum(['light', 'dark', 'high-contrast']).default('light'),
      /** IANA zone for the clock ("Europe/Amsterdam", "Asia/Seoul"); default: the system's. */
      timeZone: z.string().min(1).max(64).optional(),
      /** Opens Settings → Administrator on the phone; absent = that section stays closed. */
      adminPin: pin.optional(),
      /** Lets the user lock the phone (Menu → Lock); unlocking asks for it. Emergency numbers always dial. */
      lockPin: pin.optional(),
      /** Kiosk boards: the hotline button's text and the brand line above it. */
      kioskLabel: z.string().trim().min(1).max(40).optional(),
      brand: z.string().trim().min(1).max(40).optional(),
    })
    .default({ locale: 'en', theme: 'light' }),
  storage: z
    .strictObject({
      /** Where the call log and the user's settings live; default $STATE_DIRECTORY (systemd) or ~/.local/state/sipdesk. */
      dataDir: z.string().min(1).optional(),
    })
    .default({}),
});

export type PhoneConfig = z.infer<typeof configSchema>;
export type PhoneConfigInput = z.input<typeof configSchema>;
