/**
 * Release versions: dotted numbers with an optional pre-release tail ("1.4.0", "1.4.0-rc.2"). Compared
 * numerically field by field; a pre-release sorts before its release, pre-release tails compare as text.
 */
const VERSION_RE = /^(\d{1,9})(?:\.(\d{1,9})){0,3}(?:-([0-9A-Za-z.-]{1,64}))?$/;

export function isValidVersion(text: string): boolean {
  return VERSION_RE.test(text);
}

function split(version: string): { numbers: number[]; pre: string | null } {
  if (!VERSION_RE.test(version)) throw new Error(`not a version: ${JSON.stringify(version)} (expected e.g. 1.4.0)`);
  const dash = version.indexOf('-');
  const core = dash === -1 ? version : version.slice(0, dash);
  return { numbers: core.split('.').map(Number), pre: dash === -1 ? null : version.slice(dash + 1) };
}

/** <0 when a is older than b, 0 when equal, >0 when newer. Throws on a malformed version. */
export function compareVersions(a: string, b: string): number {
  const va = split(a);
  const vb = split(b);
  for (let i = 0; i < Math.max(va.numbers.length, vb.numbers.length); i++) {
    const diff = (va.numbers[i] ?? 0) - (vb.numbers[i] ?? 0);
    if (diff !== 0) return diff;
  }
  if (va.pre === vb.pre) return 0;
  if (va.pre === null) return 1;
  if (vb.pre === null) return -1;
  return va.pre < vb.pre ? -1 : 1;
}
