/**
 * The `calls` section: how the phone handles calls (lines, rejecting, waiting, transfer, forwarding, DND,
 * kiosk behaviours). Forwarding and DND given here are the boot-time settings; the user changes them at
 * run time (API, screens) and the phone keeps those changes in its state file.
 */
import { z } from 'zod';

/** A number or SIP URI the dial plan understands ("+31201234567", "2001", "sip:reception@example.com"). */
const target = z.string().trim().min(1, 'must not be empty').max(256).regex(/^[^\s<>"]+$/, 'must be a number or SIP URI without spaces');

export const forwardingSchema = z.strictObject({
  /**
   * Who forwards: 'phone' answers the INVITE with 302 + Contact + Diversion (RFC 5806); 'pbx' dials the
   * PBX's feature codes (below) when a setting changes, and the PBX forwards.
   */
  mode: z.enum(['phone', 'pbx']).default('phone'),
  always: target.optional(),
  busy: target.optional(),
  noAnswer: target.optional(),
  /** Seconds of ringing before "no answer" forwarding (default 20). */
  noAnswerS: z.number().int().min(1).max(300).default(20),
  /** Feature codes for mode 'pbx'; the target is appended to an "on" code (Asterisk/FreePBX style defaults). */
  codes: z
    .strictObject({
      alwaysOn: z.string().default('*72'),
      alwaysOff: z.string().default('*73'),
      busyOn: z.string().default('*90'),
      busyOff: z.string().default('*91'),
      noAnswerOn: z.string().default('*52'),
      noAnswerOff: z.string().default('*53'),
    })
    .default(() => ({ alwaysOn: '*72', alwaysOff: '*73', busyOn: '*90', busyOff: '*91', noAnswerOn: '*52', noAnswerOff: '*53' })),
});

export const callsSchema = z.strictObject({
  /** Call appearances (default 4): an incoming call when all are in use gets 486 (or busy forwarding). */
  lines: z.number().int().min(1).max(12).default(4),
  /** Status for a call the user rejects: 486 Busy Here (default; the caller's PBX may try voicemail) or 603 Decline. */
  rejectStatus: z.union([z.literal(486), z.literal(603)]).default(486),
  /** A second call during a call rings with the call-waiting tone (default); false answers it 486. */
  callWaiting: z.boolean().default(true),
  /** Act on a REFER from the other party (we are the transferee). */
  acceptTransfer: z.boolean().default(true),
  /** 3xx redirects followed per call before giving up (loop limit). */
  redirectLimit: z.number().int().min(0).max(10).default(5),
  /** Calls that already carry this many diversions are not forwarded again (forwarding loops). */
  maxDiversions: z.number().int().min(1).max(20).default(5),
  forwarding: forwardingSchema.default(() => forwardingSchema.parse({})),
  dnd: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** 'reject' answers incoming calls 486 (or forwards if forwarding is set); 'silent' lets them ring without sound. */
      mode: z.enum(['reject', 'silent']).default('reject'),
    })
    .default({ enabled: false, mode: 'reject' }),
  autoAnswer: z
    .strictObject({
      /** Answer every incoming call by itself (intercom stations, kiosks). */
      enabled: z.boolean().default(false),
      delayS: z.number().min(0).max(60).default(0),
      /** Answer when the caller asks (Call-Info answer-after, Alert-Info intercom/auto-answer). */
      honorRequests: z.boolean().default(true),
    })
    .default({ enabled: false, delayS: 0, honorRequests: true }),
  /** Kiosk idle reset: with no call and nobody at the phone for this many seconds, clear what was left (0 = off). */
  idleResetS: z.number().int().min(0).max(3600).default(0),
  /** Kiosk hotline: going off hook (or the hotline key) dials this number at once. */
  hotline: target.optional(),
});

export type CallsConfig = z.infer<typeof callsSchema>;
export type ForwardingConfig = z.infer<typeof forwardingSchema>;
