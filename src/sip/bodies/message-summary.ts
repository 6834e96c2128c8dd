/**
 * Message-waiting summaries (RFC 3842, application/simple-message-summary): the body behind the voicemail
 * lamp. The format is header-like text:
 *
 *     Messages-Waiting: yes
 *     Message-Account: sip:alice@vmail.example.com
 *     Voice-Message: 2/8 (0/2)
 *
 * Servers differ in case, spacing and line endings, and some omit the urgent counts, so parsing is lenient
 * about all of those; only `Messages-Waiting` is required. What follows the first blank line (RFC 3842's
 * optional per-message headers) is not needed for a lamp and is skipped.
 */
import type { Parsed } from './safe-xml.js';

export interface MessageCounts {
  new: number;
  old: number;
  urgentNew: number;
  urgentOld: number;
}

export interface MessageSummary {
  waiting: boolean;
  account?: string;
  voice?: MessageCounts;
}

export const MAX_MESSAGE_SUMMARY_BYTES = 8 * 1024;
/** Counts beyond this are nonsense from a broken server; they are capped rather than trusted. */
const MAX_COUNT = 1_000_000;

const COUNTS = /^(\d{1,9})\s*\/\s*(\d{1,9})(?:\s*\(\s*(\d{1,9})\s*\/\s*(\d{1,9})\s*\))?$/;

/** Reads a message-summary body, or says why it is not one. */
export function parseMessageSummary(text: string, maxBytes = MAX_MESSAGE_SUMMARY_BYTES): Parsed<MessageSummary> {
  if (typeof text !== 'string') return { ok: false, error: 'message-summary body is not text' };
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) return { ok: false, error: `message-summary larger than ${maxBytes} bytes` };

  let waiting: boolean | undefined;
  const summary: Omit<MessageSummary, 'waiting'> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let started = false;
  for (const line of lines) {
    if (line.trim() === '') {
      if (started) break; // the optional per-message headers follow a blank line
      continue;
    }
    started = true;
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a header line: ignored like any unknown line
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'messages-waiting') {
      const flag = value.toLowerCase();
      if (flag !== 'yes' && flag !== 'no') return { ok: false, error: `Messages-Waiting must be yes or no, not ${JSON.stringify(value.slice(0, 20))}` };
      waiting = flag === 'yes';
    } else if (name === 'message-account') {
      if (value !== '') summary.account = value;
    } else if (name === 'voice-message') {
      const counts = parseCounts(value);
      if (!counts) return { ok: false, error: `Voice-Message must look like new/old (urgent-new/urgent-old), not ${JSON.stringify(value.slice(0, 40))}` };
      summary.voice = counts;
    }
    // Other classes (fax-message, text-message, …) and unknown lines do not light the voicemail lamp.
  }
  if (waiting === undefined) return { ok: false, error: 'message-summary lacks Messages-Waiting' };
  return { ok: true, value: { waiting, ...summary } };
}

function parseCounts(value: string): MessageCounts | undefined {
  const m = COUNTS.exec(value);
  if (!m) return undefined;
  const n = (s: string | undefined): number => Math.min(Number(s ?? '0'), MAX_COUNT);
  return { new: n(m[1]), old: n(m[2]), urgentNew: n(m[3]), urgentOld: n(m[4]) };
}
