/**
 * The `presence` section: how the phone works out its own presence (idle → away) and whether it publishes
 * it (PUBLISH of a PIDF document, RFC 3903 / RFC 3863). The presence rules themselves live in
 * src/phone/presence.ts; this is only what an admin may tune.
 */
import { z } from 'zod';

/** Longest personal note accepted; OCS clients cut their notes shorter still, and the note rides in every PUBLISH. */
export const MAX_NOTE_LENGTH = 256;

/** C0 control characters and DEL: XML 1.0 cannot carry most of them, so a PIDF note with one would be refused. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]+/g;
/** Half a surrogate pair without its other half (JSON can carry one; XML cannot). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A note typed on the phone or sent through the API, made publishable rather than refused (a user should
 * not lose a note over a stray tab): control characters become spaces, half surrogate pairs become U+FFFD,
 * the ends are trimmed, and text
 * beyond MAX_NOTE_LENGTH UTF-16 units (the measure zod's max() uses for the config field) is cut, never
 * inside a surrogate pair.
 * Returns undefined when nothing is left.
 */
export function normalizeNote(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const clean = String(text).replace(CONTROL_CHARACTERS, ' ').replace(LONE_SURROGATE, '\ufffd').trim();
  let cut = clean.slice(0, MAX_NOTE_LENGTH);
  // A cut between the halves of a surrogate pair (an emoji) would leave half a character: not valid text.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  cut = cut.trimEnd();
  return cut.length > 0 ? cut : undefined;
}

export const presenceSchema = z.strictObject({
  /** Minutes without a key, touch or hook event before the phone shows Away (default 5); 0 = never. */
  awayAfterMin: z.number().int('must be a whole number of minutes').min(0).max(1440).default(5),
  /** Personal note published with the presence until the user changes it ("Working from home"). */
  note: z
    .string()
    .trim()
    .min(1, 'must not be empty (leave the field out for no note)')
    .max(MAX_NOTE_LENGTH)
    .refine((s) => s.replace(CONTROL_CHARACTERS, ' ').replace(LONE_SURROGATE, '\ufffd') === s, 'must be one line of text without control characters')
    .optional(),
  /** Publish the phone's presence to the presence server (default true); false keeps it local (screen, API). */
  publish: z.boolean().default(true),
  /** Lifetime asked for each PUBLISH (s, default 3600); refreshed before it runs out. */
  publishExpires: z.number().int().min(60).max(86400).default(3600),
});

export type PresenceConfig = z.infer<typeof presenceSchema>;
export type PresenceConfigInput = z.input<typeof presenceSchema>;
