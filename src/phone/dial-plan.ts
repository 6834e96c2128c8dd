/**
 * The dial plan: what a dialed string, a directory number or a caller's number means. Numbers are
 * normalized by the configured rules (OCS style: first match wins, `^0(\d*)$` → `+31$1`), then turned into a
 * SIP target. Names and SIP URIs pass through as typed: rules are about numbers.
 *
 * Emergency numbers never go through the rules: a rule like `^(\d{3})$` → `+3120555$1` (short extensions)
 * must not turn 112 into a subscriber number.
 */
import { compileDialPattern, compileDialRule, type CompiledDialRule, type DialPlanConfig, type ReplacementPart } from '../config/dial-plan-schema.js';

/**
 * Rules and immediate patterns only look at input up to this length. E.164 numbers have at most 15
 * digits; with a trunk prefix, feature code or conference PIN a real dial string stays far below 64.
 * JavaScript regexes backtrack with no time limit, and the config check only refuses the classic
 * exponential shape; bounding the input keeps any pattern that slipped through (polynomial ones such as
 * `^\d*\d*\d*$`) cheap, whatever a directory or a caller sends us.
 */
export const MAX_RULE_INPUT = 64;

/** Separators people write in numbers ("+31 20-123.45 67", "(020) 123/4567"); removed before rules see the number. */
const SEPARATORS = /[\s\-.()/]/g;
/** A number after separators are gone: digits, the keypad's * and #, and an optional leading +. */
const PHONE_NUMBER = /^\+?[0-9*#]+$/;
/** Already a URI, or a user@host the user typed: dialed as written. */
const URI_SCHEME = /^(sips?|tel):/i;

export interface Normalized {
  /** The number to dial and show ("+31201234567"), or the input unchanged when it is not a number. */
  readonly number: string;
  /** Index of the rule that rewrote it; absent when no rule applied. */
  readonly rule?: number;
}

export interface DialPlan {
  /** Applies the first matching rule to a phone number; names and URIs come back as given (trimmed). */
  normalize(input: string): Normalized;
  /** The SIP URI to call for what the user dialed or picked: sip:+31201234567@domain, or their own URI. */
  toTarget(input: string, accountDomain: string): string;
  /** Is this (typed) number one of the configured emergency numbers? */
  isEmergency(digits: string): boolean;
  /** Do these typed digits match a pattern that dials without waiting for # or the timeout? */
  isImmediate(digits: string): boolean;
  /** How to show an incoming caller: the normalized number when the URI's user part is one, else the input. */
  displayNumber(remoteUriOrNumber: string): string;
  /** Digit-collection settings, for the DigitCollector. */
  readonly interDigitTimeoutS: number;
  readonly sendKey: '#' | 'none';
}

/** A target could not be built (nothing dialed, no domain, a URI with spaces). */
export class DialTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DialTargetError';
  }
}

/**
 * "+31 (0)20 123 4567" is how much of Europe prints numbers: the (0) is the national trunk prefix, which
 * must be dropped when the number is dialed with its country code. Then the visual separators go.
 */
function stripSeparators(input: string): string {
  const withoutTrunk = input.startsWith('+') ? input.replace(/\(0\)/, '') : input;
  return withoutTrunk.replace(SEPARATORS, '');
}

/** The number in a string that looks like one ("020-123 4567" → "0201234567"), else undefined. */
function phoneNumberIn(input: string): string | undefined {
  const candidate = stripSeparators(input.trim());
  return PHONE_NUMBER.test(candidate) ? candidate : undefined;
}

function expand(replacement: readonly ReplacementPart[], match: RegExpExecArray): string {
  let out = '';
  for (const part of replacement) {
    if (typeof part === 'string') out += part;
    else if ('group' in part) out += match[part.group] ?? '';
    else out += match.groups?.[part.name] ?? '';
  }
  return out;
}

const utf8 = new TextEncoder();

/**
 * RFC 3261 user part: unreserved characters and & = + $ , ; ? /. Anything else (a typed space, a '#', which
 * would start a URI fragment) is percent-encoded, so a target is always a well-formed URI.
 */
function escapeUser(user: string): string {
  let out = '';
  for (const ch of user) {
    if (/[A-Za-z0-9\-_.!~*'()&=+$,;?/]/.test(ch)) out += ch;
    else for (const byte of utf8.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The scheme and (decoded) user part of sip:user@host…, sips:… or tel:number;params; undefined when there is none. */
function userPartOf(uri: string): { scheme: string; user: string } | undefined {
  const m = /^(sips?|tel):([^@]*)/i.exec(uri);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'tel' && !uri.includes('@')) return undefined;
  // tel:+31201234567;phone-context=… and sip:0201234567;isub=1@host: the number ends at the first ';'.
  const raw = m[2]!.split(';')[0]!;
  try {
    return { scheme, user: decodeURIComponent(raw) };
  } catch {
    return { scheme, user: raw };
  }
}

class CompiledDialPlan implements DialPlan {
  readonly interDigitTimeoutS: number;
  readonly sendKey: '#' | 'none';
  readonly #rules: readonly CompiledDialRule[];
  readonly #immediate: readonly RegExp[];
  readonly #emergency: ReadonlySet<string>;
  readonly #domain: string | undefined;
  readonly #userPhone: boolean;

  constructor(cfg: DialPlanConfig) {
    this.#rules = cfg.rules.map((rule, i) => {
      try {
        return compileDialRule(rule);
      } catch (err) {
        throw new Error(`dialPlan.rules.${i}: ${(err as Error).message}`);
      }
    });
    this.#immediate = cfg.immediate.map((pattern, i) => {
      try {
        return compileDialPattern(pattern);
      } catch (err) {
        throw new Error(`dialPlan.immediate.${i}: ${(err as Error).message}`);
      }
    });
    this.#emergency = new Set(cfg.emergency);
    this.#domain = cfg.domain;
    this.#userPhone = cfg.userPhone;
    this.interDigitTimeoutS = cfg.interDigitTimeoutS;
    this.sendKey = cfg.sendKey;
  }

  normalize(input: string): Normalized {
    const number = phoneNumberIn(input);
    if (number === undefined) return { number: input.trim() };
    if (this.#emergency.has(number) || number.length > MAX_RULE_INPUT) return { number };
    for (const [index, rule] of this.#rules.entries()) {
      const match = rule.re.exec(number);
      if (!match) continue;
      const rewritten = expand(rule.replacement, match);
      // "$1" over an empty group: a rule never erases a number, the dialed one stays.
      return rewritten ? { number: rewritten, rule: index } : { number };
    }
    return { number };
  }

  toTarget(input: string, accountDomain: string): string {
    const typed = input.trim();
    // A typed tel: URI is a number like any other: the rules apply to it.
    const { number } = this.normalize(/^tel:/i.test(typed) ? this.#telNumber(typed) : typed);
    if (number === '') throw new DialTargetError('nothing to dial');
    // A rule may route to a URI of its own (^9(\d+)$ → sip:$1@gateway); a typed URI stays as typed.
    if (/^sips?:/i.test(number)) return this.#checkedUri(number);
    // A rule's own tel: result is final: running the rules again could loop.
    if (/^tel:/i.test(number)) return this.#sipUriFor(this.#telNumber(number), accountDomain);
    if (number.includes('@')) return this.#checkedUri(`sip:${number}`);
    return this.#sipUriFor(number, accountDomain);
  }

  #telNumber(uri: string): string {
    const user = userPartOf(uri)?.user;
    const number = user === undefined ? undefined : phoneNumberIn(user);
    if (number === undefined) throw new DialTargetError(`not a telephone number: ${uri}`);
    return number;
  }

  #sipUriFor(user: string, accountDomain: string): string {
    const domain = this.#domain ?? accountDomain;
    if (!/^[^\s@<>"/;?]+$/.test(domain)) throw new DialTargetError(`no valid domain to call ${user} at (got "${domain}")`);
    const userPhone = this.#userPhone && PHONE_NUMBER.test(user) ? ';user=phone' : '';
    return `sip:${escapeUser(user)}@${domain}${userPhone}`;
  }

  #checkedUri(uri: string): string {
    if (!/^sips?:(?:[^\s<>"@]+@)?[^\s<>"@]+$/i.test(uri)) throw new DialTargetError(`not a SIP URI that can be called: ${uri}`);
    return uri;
  }

  isEmergency(digits: string): boolean {
    const number = phoneNumberIn(digits);
    return number !== undefined && this.#emergency.has(number);
  }

  isImmediate(digits: string): boolean {
    const number = phoneNumberIn(digits);
    if (number === undefined || number.length > MAX_RULE_INPUT) return false;
    return this.#immediate.some((re) => re.test(number));
  }

  displayNumber(remoteUriOrNumber: string): string {
    const given = remoteUriOrNumber.trim();
    // "<sip:…>" as some headers write it.
    const uri = given.startsWith('<') && given.endsWith('>') ? given.slice(1, -1) : given;
    if (!URI_SCHEME.test(uri)) return phoneNumberIn(uri) === undefined ? given : this.normalize(uri).number;
    const part = userPartOf(uri);
    if (part === undefined || phoneNumberIn(part.user) === undefined) return given;
    return this.normalize(part.user).number;
  }
}

/** Builds a dial plan from its validated config section; throws naming the rule when a pattern is unusable. */
export function compileDialPlan(cfg: DialPlanConfig): DialPlan {
  return new CompiledDialPlan(cfg);
}
