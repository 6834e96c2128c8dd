/**
 * The `dialPlan` section: how dialed digits, directory numbers and caller numbers become E.164 numbers and
 * SIP targets. Rules follow Office Communications Server normalization rules: an ordered list of
 * regular expressions, the first match wins, its replacement becomes the number (`^0(\d*)$` → `+31$1`).
 *
 * Rules are checked here, at config load, so that a typo in a provisioning template is reported with the
 * rule's index and the regex engine's own words instead of failing on the first call. The compiled form
 * (compileDialRule) is exported so that src/phone/dial-plan.ts applies exactly what was validated.
 */
import { z } from 'zod';

/** Longest pattern accepted: rules are short by nature; a very long one is a mistake or an attack. */
export const MAX_PATTERN_LENGTH = 200;

/** One part of a compiled replacement: literal text, a capture group by number (0 = whole match), or by name. */
export type ReplacementPart = string | { readonly group: number } | { readonly name: string };

export interface CompiledDialRule {
  readonly re: RegExp;
  readonly replacement: readonly ReplacementPart[];
}

/** A problem with a rule, thrown by the compile functions and reported by the schema against the right field. */
export class DialRuleError extends Error {
  constructor(
    readonly field: 'pattern' | 'replace',
    message: string,
  ) {
    super(message);
    this.name = 'DialRuleError';
  }
}

/**
 * JavaScript regexes backtrack without a time limit. The classic exponential shape is an unbounded
 * repetition of a group that itself repeats without bound, like `(\d+)+` or `(a*)*`: refused here with a
 * cheap scan of the source. (Overlapping alternatives such as `(\d|\d)*` slip through; the dial plan also
 * never runs rules on input longer than 64 characters, which keeps polynomial patterns harmless.)
 */
function nestsUnboundedRepetition(source: string): boolean {
  // For each open group: does it contain an unbounded quantifier?
  const groups: boolean[] = [];
  let inClass = false;
  // Set right after ')' to that group's flag, so the next token can tell whether it repeats such a group.
  let closedGroup: boolean | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const previousGroup = closedGroup;
    closedGroup = undefined;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      groups.push(false);
      continue;
    }
    if (c === ')') {
      const inner = groups.pop() ?? false;
      closedGroup = inner;
      if (inner && groups.length > 0) groups[groups.length - 1] = true;
      continue;
    }
    const length = unboundedQuantifierLength(source, i);
    if (length > 0) {
      if (previousGroup === true) return true;
      if (groups.length > 0) groups[groups.length - 1] = true;
      i += length - 1;
    }
  }
  return false;
}

/** Length of the unbounded quantifier (`*`, `+`, `{n,}`) starting at i, or 0. */
function unboundedQuantifierLength(source: string, i: number): number {
  const c = source[i];
  if (c === '*' || c === '+') return 1;
  if (c !== '{') return 0;
  const m = /^\{\d+,\}/.exec(source.slice(i, i + 12));
  return m ? m[0].length : 0;
}

/** The regex engine's reason without its "Invalid regular expression: /…/: " prefix (the source is already named). */
function regexReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const at = message.lastIndexOf(': ');
  return at >= 0 ? message.slice(at + 2) : message;
}

/** Compiles a dial-plan regex (rule pattern or immediate pattern); throws DialRuleError saying why it is refused. */
export function compileDialPattern(source: string): RegExp {
  if (source.length === 0) throw new DialRuleError('pattern', 'pattern must not be empty');
  if (source.length > MAX_PATTERN_LENGTH) throw new DialRuleError('pattern', `pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (err) {
    throw new DialRuleError('pattern', `/${source}/ is not a valid regular expression: ${regexReason(err)}`);
  }
  if (nestsUnboundedRepetition(source)) {
    throw new DialRuleError('pattern', `/${source}/ repeats a group that itself repeats without bound (like (\\d+)+), which can take exponential time; write it without the nesting (like \\d+)`);
  }
  return re;
}

/** Capture groups of a valid regex: their count, and the names of named ones. */
function groupsOf(source: string): { count: number; names: ReadonlySet<string> } {
  // An empty alternative makes the regex match '' at once, reporting every group (all undefined).
  const probe = new RegExp(`${source}|`).exec('');
  return { count: probe ? probe.length - 1 : 0, names: new Set(Object.keys(probe?.groups ?? {})) };
}

/**
 * Parses a `$1`-style replacement the way String.prototype.replace reads it (`$$`, `$&`, `$1`…`$99`,
 * `$<name>`), except that a reference to a group the pattern lacks is an error rather than literal text:
 * "+31$2" with one group would otherwise dial the characters "$2".
 */
function parseReplacement(template: string, source: string): ReplacementPart[] {
  const { count, names } = groupsOf(source);
  const parts: ReplacementPart[] = [];
  let literal = '';
  const flush = () => {
    if (literal) parts.push(literal);
    literal = '';
  };
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const next = template[i + 1];
    if (c !== '$' || next === undefined) {
      literal += c;
      continue;
    }
    if (next === '$') {
      literal += '$';
      i++;
    } else if (next === '&') {
      flush();
      parts.push({ group: 0 });
      i++;
    } else if (next === '<') {
      const end = template.indexOf('>', i + 2);
      const name = end > 0 ? template.slice(i + 2, end) : '';
      if (!names.has(name)) throw new DialRuleError('replace', `replace refers to group $<${name}>, which the pattern does not name`);
      flush();
      parts.push({ name });
      i = end;
    } else if (/\d/.test(next)) {
      // Two digits when that group exists ($12), else one ($1 followed by a literal 2), as replace() does.
      const two = /^\d\d/.test(template.slice(i + 1, i + 3)) ? Number(template.slice(i + 1, i + 3)) : 0;
      const group = two >= 1 && two <= count ? two : Number(next);
      if (group < 1 || group > count) {
        throw new DialRuleError('replace', `replace refers to $${group}, but the pattern has ${count} capture group${count === 1 ? '' : 's'}`);
      }
      flush();
      parts.push({ group });
      i += group >= 10 ? 2 : 1;
    } else {
      literal += c;
    }
  }
  flush();
  return parts;
}

/** Compiles one rule; throws DialRuleError naming the field (pattern or replace) and the problem. */
export function compileDialRule(rule: { readonly pattern: string; readonly replace: string }): CompiledDialRule {
  const re = compileDialPattern(rule.pattern);
  return { re, replacement: parseReplacement(rule.replace, rule.pattern) };
}

export const dialRuleSchema = z.strictObject({
  /** Regular expression over the number with separators removed ("+31201234567", "0201234567", "*72"). Anchor it (^…$). */
  pattern: z.string(),
  /** What the number becomes: "+31$1" ($1…$99, $<name>, $& = the whole match, $$ = "$"). */
  replace: z
    .string()
    .min(1, 'must not be empty (a rule cannot erase a number)')
    .max(200)
    .regex(/^[^\s"]*$/, 'must not contain spaces or quotes'),
  /** Free text for admins ("national numbers to E.164"). */
  description: z.string().max(200).optional(),
});

/** Emergency numbers are compared digit for digit with what was dialed. */
const emergencyNumber = z.string().regex(/^\+?[0-9*#]{1,32}$/, 'must be digits like 112 or 911');

/** Where calls to plain numbers go when the plan does not name a host: example.com, pbx.example.com:5061, [2001:db8::1]. */
const host = z
  .string()
  .regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d{1,5})?$/, 'must be a host name or address, like pbx.example.com');

/**
 * Runs compile on each entry and turns a DialRuleError into an issue at that entry ("rule 2: …"). A rule is
 * an object, so its issue goes to the field at fault; an immediate pattern is the entry itself.
 */
function reportRefusals(ctx: z.RefinementCtx, count: number, kind: 'rule' | 'immediate pattern', compile: (i: number) => void): void {
  for (let i = 0; i < count; i++) {
    try {
      compile(i);
    } catch (err) {
      if (!(err instanceof DialRuleError)) throw err;
      ctx.addIssue({ code: 'custom', message: `${kind} ${i}: ${err.message}`, path: kind === 'rule' ? [i, err.field] : [i] });
    }
  }
}

export const dialPlanSchema = z.strictObject({
  /** Normalization rules in order; the first whose pattern matches rewrites the number. */
  rules: z
    .array(dialRuleSchema)
    .max(100)
    .default([])
    .superRefine((rules, ctx) => reportRefusals(ctx, rules.length, 'rule', (i) => void compileDialRule(rules[i]!))),
  /** Numbers that dial the moment the typed digits match, without waiting for # or the timeout ("^\\*\\d{2}$"). */
  immediate: z
    .array(z.string())
    .max(100)
    .default([])
    .superRefine((patterns, ctx) => reportRefusals(ctx, patterns.length, 'immediate pattern', (i) => void compileDialPattern(patterns[i]!))),
  /** Seconds after the last digit before the number dials by itself (default 4); 0 = only # or the dial key. */
  interDigitTimeoutS: z.number().min(0).max(60).default(4),
  /** '#' ends dialing (default); with 'none', '#' is an ordinary digit (PBX codes like *21#). */
  sendKey: z.enum(['#', 'none']).default('#'),
  /** Dial as soon as they are typed, bypass the rules, and work on a locked phone (default 911, 112). */
  emergency: z.array(emergencyNumber).max(20).default(['911', '112']),
  /** Host for sip:<number>@<host>; default: the account's domain. */
  domain: host.optional(),
  /** Add ;user=phone to targets built from numbers (RFC 3261 §19.1.1), for gateways that want it (default false). */
  userPhone: z.boolean().default(false),
});

export type DialPlanConfig = z.infer<typeof dialPlanSchema>;
export type DialPlanConfigInput = z.input<typeof dialPlanSchema>;
export type DialRuleConfig = z.infer<typeof dialRuleSchema>;
