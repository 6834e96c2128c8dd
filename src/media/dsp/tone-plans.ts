/**
 * Call-progress tone plans by region, as data for `ToneGenerator` (tones.ts), and a parser for the compact
 * notation boards and configs can use to override them ("480+620/500,0/500").
 *
 * Sources (levels are per frequency component, dBm0):
 *  - us: ANSI T1.401 / Telcordia GR-506 "precise tone plan": dial 350+440 continuous −13; audible ringing
 *    440+480 2 s on 4 s off −19; busy 480+620 0.5/0.5 −24; reorder 480+620 0.25/0.25 −24; call waiting
 *    440 Hz 0.3 s −13 (one burst; repeated here every 10 s while the call waits); confirmation 350+440
 *    three 0.1 s bursts 0.1 s apart.
 *  - etsi: the harmonized European values (ETSI TR 101 041-1, ITU-T E.180 §2 recommended cadences): 425 Hz;
 *    dial continuous; ringing 1 s on 4 s off; busy 0.5/0.5; congestion 0.25/0.25 (several networks use
 *    0.2/0.2, e.g. CH, DK, NO; set your own with parseTonePlan); call waiting 0.2 on 0.2 off 0.2 on, then
 *    3 s off, repeated. ETSI leaves the send level to the network: −13 dBm0 is sipdesk's choice.
 *  - kr: Korea (Rep. of) per ITU-T E.180 Supplement 2 (national tones): dial 350+440 continuous; ringback
 *    440+480 1 s on 2 s off; busy 480+620 0.5/0.5; congestion 480+620 0.3 on 0.2 off. Levels as the US
 *    precise plan (same frequencies). Call waiting: sipdesk's choice (the US 440 Hz burst).
 *  - holdReminder (all regions) is sipdesk's own: two 0.1 s beeps of the region's call-waiting frequency
 *    every 15 s, played to the user while a call is on hold; confirm for etsi/kr likewise (three 0.1 s
 *    bursts of the dial frequency).
 */

import type { TonePlan, ToneSegment } from './tones.js';

export type ToneRegion = 'us' | 'etsi' | 'kr';
export type ToneName = 'dial' | 'ringback' | 'busy' | 'congestion' | 'callWaiting' | 'confirm' | 'holdReminder';

export const TONE_REGIONS: readonly ToneRegion[] = ['us', 'etsi', 'kr'];
export const TONE_NAMES: readonly ToneName[] = ['dial', 'ringback', 'busy', 'congestion', 'callWaiting', 'confirm', 'holdReminder'];

const on = (freqs: readonly number[], ms: number): ToneSegment => ({ freqs, ms });
const off = (ms: number): ToneSegment => ({ freqs: [], ms });
const plan = (name: string, levelDbm0: number, repeat: boolean, source: string, ...segments: ToneSegment[]): TonePlan => ({
  name,
  levelDbm0,
  repeat,
  source,
  segments,
});

const T1401 = 'ANSI T1.401 / Telcordia GR-506 precise tone plan';
const ETSI = 'ETSI TR 101 041-1 / ITU-T E.180 recommended values';
const E180KR = 'ITU-T E.180 Supplement 2, Korea (Rep. of)';
const OWN = 'sipdesk choice';

const threeBursts = (freqs: readonly number[]): ToneSegment[] => [on(freqs, 100), off(100), on(freqs, 100), off(100), on(freqs, 100)];
const holdReminder = (freq: number, level: number): TonePlan =>
  plan('holdReminder', level, true, OWN, on([freq], 100), off(100), on([freq], 100), off(14_700));

export const TONE_PLANS: Readonly<Record<ToneRegion, Readonly<Record<ToneName, TonePlan>>>> = {
  us: {
    dial: plan('dial', -13, false, T1401, on([350, 440], Infinity)),
    ringback: plan('ringback', -19, true, T1401, on([440, 480], 2000), off(4000)),
    busy: plan('busy', -24, true, T1401, on([480, 620], 500), off(500)),
    congestion: plan('congestion', -24, true, `${T1401} (reorder)`, on([480, 620], 250), off(250)),
    callWaiting: plan('callWaiting', -13, true, T1401, on([440], 300), off(9700)),
    confirm: plan('confirm', -13, false, T1401, ...threeBursts([350, 440])),
    holdReminder: holdReminder(440, -13),
  },
  etsi: {
    dial: plan('dial', -13, false, ETSI, on([425], Infinity)),
    ringback: plan('ringback', -13, true, ETSI, on([425], 1000), off(4000)),
    busy: plan('busy', -13, true, ETSI, on([425], 500), off(500)),
    congestion: plan('congestion', -13, true, ETSI, on([425], 250), off(250)),
    callWaiting: plan('callWaiting', -13, true, ETSI, on([425], 200), off(200), on([425], 200), off(3000)),
    confirm: plan('confirm', -13, false, OWN, ...threeBursts([425])),
    holdReminder: holdReminder(425, -13),
  },
  kr: {
    dial: plan('dial', -13, false, E180KR, on([350, 440], Infinity)),
    ringback: plan('ringback', -19, true, E180KR, on([440, 480], 1000), off(2000)),
    busy: plan('busy', -24, true, E180KR, on([480, 620], 500), off(500)),
    congestion: plan('congestion', -24, true, E180KR, on([480, 620], 300), off(200)),
    callWaiting: plan('callWaiting', -13, true, OWN, on([440], 300), off(9700)),
    confirm: plan('confirm', -13, false, OWN, ...threeBursts([350, 440])),
    holdReminder: holdReminder(440, -13),
  },
};

export function tonePlan(region: ToneRegion, name: ToneName): TonePlan {
  return TONE_PLANS[region][name];
}

/**
 * Parses the compact cadence notation: comma-separated elements `f1[+f2…]/ms`, `0/ms` for silence; the last
 * element may omit `/ms` (continuous). A leading `!` plays the cadence once instead of repeating it.
 * Frequencies 1..20000 Hz, at most 4 per element; durations 1..600000 ms. Throws RangeError with the
 * offending element.
 */
export function parseTonePlan(spec: string, options: { readonly name?: string; readonly levelDbm0?: number } = {}): TonePlan {
  let text = spec.trim();
  const once = text.startsWith('!');
  if (once) text = text.slice(1);
  if (text === '') throw new RangeError('empty tone specification');
  const elements = text.split(',').map((e) => e.trim());
  const segments = elements.map((el, i): ToneSegment => {
    const m = /^(\d+(?:\.\d+)?(?:\+\d+(?:\.\d+)?){0,3})(?:\/(\d+))?$/.exec(el);
    if (m === null) throw new RangeError(`tone element "${el}": expected f[+f…]/ms`);
    const freqs = (m[1] as string).split('+').map(Number);
    const ms = m[2] === undefined ? Infinity : Number(m[2]);
    if (ms === Infinity && i !== elements.length - 1) throw new RangeError(`tone element "${el}": only the last element may omit its duration`);
    if (ms !== Infinity && !(ms >= 1 && ms <= 600_000)) throw new RangeError(`tone element "${el}": duration must be 1..600000 ms`);
    if (freqs.length === 1 && freqs[0] === 0) return { freqs: [], ms };
    for (const f of freqs) if (!(f >= 1 && f <= 20_000)) throw new RangeError(`tone element "${el}": frequency must be 1..20000 Hz`);
    return { freqs, ms };
  });
  return { name: options.name ?? 'custom', levelDbm0: options.levelDbm0 ?? -13, repeat: !once && segments[segments.length - 1]?.ms !== Infinity, segments };
}
