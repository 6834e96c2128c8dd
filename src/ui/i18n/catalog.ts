/**
 * Every string a screen shows, looked up by key, with `{name}` parameters and counted forms, and the
 * locale-aware clock, date and call-timer formatting the screens use.
 *
 * The key set is English's (en.ts). `Catalog` is a record over exactly those keys, so a language file that
 * lacks a key (or has a stray one) does not compile. Parameter names are read from the English string's
 * type, so `t('idle.missedCalls', { count: 2 })` type-checks and a forgotten parameter does not; that
 * each translation uses the same placeholders as English is checked by the unit tests.
 */
import { en } from './en.js';
import { ko } from './ko.js';

export type Locale = 'en' | 'ko';
export const LOCALES: readonly Locale[] = ['en', 'ko'];

/** BCP 47 tags handed to Intl: the region fixes conventions (12-hour clock, date order). */
const INTL_TAG: Readonly<Record<Locale, string>> = { en: 'en-US', ko: 'ko-KR' };

/** A message: plain text, or forms chosen by `count` (Intl.PluralRules category; `other` is required). */
export type Plural = { readonly one?: string; readonly other: string };
export type Message = string | Plural;

export type MessageKey = keyof typeof en;
export type Catalog = { readonly [K in MessageKey]: Message };

type PlaceholdersOf<S> = S extends `${string}{${infer P}}${infer Rest}` ? P | PlaceholdersOf<Rest> : never;
type TextsOf<M> = M extends string ? M : M extends { readonly other: infer O; readonly one?: infer N } ? O | N : never;
/** The parameter names key K takes (from its English text). */
export type ParamNames<K extends MessageKey> = PlaceholdersOf<TextsOf<(typeof en)[K]>>;
export type ParamValue = string | number;
type ArgsOf<K extends MessageKey> = [ParamNames<K>] extends [never] ? [] : [params: { readonly [P in ParamNames<K>]: ParamValue }];

const CATALOGS: Readonly<Record<Locale, Catalog>> = { en, ko };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The catalog of a locale (tests read it to check completeness). */
export function catalogFor(locale: Locale): Catalog {
  return CATALOGS[locale];
}

/** The `{name}` placeholders a message uses, sorted (for comparing translations). */
export function placeholders(message: Message): string[] {
  const texts = typeof message === 'string' ? [message] : [message.other, ...(message.one !== undefined ? [message.one] : [])];
  const names = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(/\{([A-Za-z]+)\}/g)) names.add(m[1]!);
  return [...names].sort();
}

/**
 * Fills `{name}` from params. A placeholder without a value stays visible as `{name}` rather than
 * throwing: a screen with one wrong word is better than a phone that shows nothing.
 */
export function interpolate(text: string, params: Readonly<Record<string, ParamValue>> | undefined): string {
  return text.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => {
    const v = params?.[name];
    return v === undefined ? whole : String(v);
  });
}

export interface Translator {
  readonly locale: Locale;
  /** The message for key, parameters filled in (and, for counted messages, the form for `count`). */
  t<K extends MessageKey>(key: K, ...args: ArgsOf<K>): string;
  /** Wall-clock time, hours and minutes ("2:41 PM", "오후 2:41"). */
  time(ms: number): string;
  /** Day line under the idle clock ("Wednesday, November 25", "11월 25일 수요일"). */
  date(ms: number): string;
  /** A call timer: m:ss, or h:mm:ss from an hour on. Negative or non-finite input shows 0:00. */
  duration(ms: number): string;
  /**
   * When something happened, relative to `now` as call logs say it: "just now", "5 min. ago", the time for
   * earlier today, "yesterday", then the date ("Nov 20", "11월 20일").
   */
  relative(ms: number, now: number): string;
}

export interface TranslatorOptions {
  /** IANA zone for clock and date (the phone's configured zone); default: the system's. */
  timeZone?: string;
}

export function createTranslator(locale: Locale, opts: TranslatorOptions = {}): Translator {
  if (!isLocale(locale)) throw new RangeError(`unknown locale "${String(locale)}" (expected one of: ${LOCALES.join(', ')})`);
  const catalog = CATALOGS[locale];
  const tag = INTL_TAG[locale];
  const zone = opts.timeZone !== undefined ? { timeZone: opts.timeZone } : {};
  // Throws RangeError for an unknown zone here, at setup, rather than at the first clock tick.
  const timeFormat = new Intl.DateTimeFormat(tag, { hour: 'numeric', minute: '2-digit', ...zone });
  const hour24 = new Intl.DateTimeFormat('en-US', { hour: 'numeric', hourCycle: 'h23', ...zone });
  const dateFormat = new Intl.DateTimeFormat(tag, { weekday: 'long', month: 'long', day: 'numeric', ...zone });
  const plurals = new Intl.PluralRules(tag);
  const relativeFormat = new Intl.RelativeTimeFormat(tag, { numeric: 'auto', style: 'short' });
  const shortDate = new Intl.DateTimeFormat(tag, { month: 'short', day: 'numeric', ...zone });
  const dayKey = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', ...zone });

  const pick = (message: Message, count: ParamValue | undefined): string => {
    if (typeof message === 'string') return message;
    const n = typeof count === 'number' ? count : Number(count);
    return plurals.select(n) === 'one' && message.one !== undefined ? message.one : message.other;
  };

  return {
    locale,
    t<K extends MessageKey>(key: K, ...args: ArgsOf<K>): string {
      const params = args[0] as Readonly<Record<string, ParamValue>> | undefined;
      return interpolate(pick(catalog[key], params?.count), params);
    },
    time(ms: number): string {
      if (!Number.isFinite(ms)) return '--:--';
      if (locale !== 'ko') return timeFormat.format(ms);
      // CLDR 44 abbreviates the Korean day period to "AM"/"PM"; Korean phones and clocks say 오전/오후.
      const pm = Number(hour24.formatToParts(ms).find((p) => p.type === 'hour')?.value ?? 0) >= 12;
      return timeFormat
        .formatToParts(ms)
        .map((p) => (p.type === 'dayPeriod' ? (pm ? '오후' : '오전') : p.value))
        .join('');
    },
    date(ms: number): string {
      return Number.isFinite(ms) ? dateFormat.format(ms) : '';
    },
    relative(ms: number, now: number): string {
      if (!Number.isFinite(ms) || !Number.isFinite(now)) return '';
      const ago = now - ms;
      if (ago < 60_000 && ago > -60_000) return relativeFormat.format(0, 'second');
      if (ago > 0 && ago < 3_600_000) return relativeFormat.format(-Math.floor(ago / 60_000), 'minute');
      if (dayKey.format(ms) === dayKey.format(now)) return this.time(ms);
      if (dayKey.format(ms) === dayKey.format(now - 86_400_000)) return relativeFormat.format(-1, 'day');
      return shortDate.format(ms);
    },
    duration(ms: number): string {
      const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
      const h = Math.floor(total / 3600);
      const m = Math.floor((total % 3600) / 60);
      const s = total % 60;
      const ss = String(s).padStart(2, '0');
      return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
    },
  };
}
