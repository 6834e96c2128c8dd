/**
 * The `contacts`, `voicemail`, `pickup` and `devices` sections: whom the phone watches (buddy list with
 * presence, busy-lamp field), where message waiting comes from, how a ringing colleague's call is picked up,
 * and whether the phone watches its own registrations (other devices of the same user).
 */
import { z } from 'zod';

const sipUri = z.string().regex(/^sips?:[^\s<>"@]+@[^\s<>"]+$/i, 'must be a SIP URI naming a user, like sip:bob@example.com');

export const contactSchema = z.strictObject({
  name: z.string().trim().min(1).max(64),
  uri: sipUri,
  /** Watch this extension's calls (RFC 4235 dialog package) for a line-key lamp and pickup. */
  blf: z.boolean().default(false),
  /** Watch this person's presence (RFC 3856). */
  presence: z.boolean().default(true),
});

export const colleaguesSchema = z.strictObject({
  contacts: z.array(contactSchema).max(200).default([]),
  /**
   * A resource list URI (RFC 4662) on the presence server holding the contacts: one subscription for all of
   * them instead of one each. When the server refuses it, the phone falls back to one per contact.
   */
  presenceList: sipUri.optional(),
  voicemail: z
    .strictObject({
      /** What the voicemail key dials ("*97", a number or a SIP URI). */
      number: z.string().trim().min(1).max(64).optional(),
      /** SUBSCRIBE to message-summary (RFC 3842) at this URI; default: our own AOR. Unsolicited NOTIFYs are taken either way. */
      subscribe: z.boolean().default(true),
      uri: sipUri.optional(),
    })
    .default({ subscribe: true }),
  pickup: z
    .strictObject({
      /**
       * 'code': dial the PBX's directed-pickup code + the extension (Asterisk/FreePBX `**`, `*8`); 'replaces':
       * INVITE to the caller with Replaces of the early dialog the lamp reported (RFC 3891 early-only).
       */
      mode: z.enum(['code', 'replaces']).default('code'),
      code: z.string().trim().min(1).max(8).default('**'),
    })
    .default({ mode: 'code', code: '**' }),
  /** SUBSCRIBE to our own registrations (RFC 3680 reg event) to show the user's other devices. */
  watchRegistrations: z.boolean().default(true),
});

export type ColleaguesConfig = z.infer<typeof colleaguesSchema>;
export type ContactConfig = z.infer<typeof contactSchema>;
