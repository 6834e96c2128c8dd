import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dialPlanSchema } from '../../src/config/dial-plan-schema.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import {
  boundedText,
  checkEntry,
  directoryNumber,
  DirectoryEntryError,
  findByNumber,
  foldText,
  mergeEntries,
  numberKindFromTypes,
  renormalize,
  searchEntries,
  type DirectoryEntry,
  type NumberKind,
} from '../../src/phone/directory.js';

/** The OCS example rule: national numbers to E.164. */
const dutch = compileDialPlan(dialPlanSchema.parse({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }] }));

function entry(name: string, numbers: [NumberKind, string][] = [], over: Partial<DirectoryEntry> = {}): DirectoryEntry {
  return {
    source: 'carddav',
    id: `id-${name}`,
    name,
    numbers: numbers.map(([kind, n]) => directoryNumber(kind, n, dutch)!),
    ...over,
  };
}

const names = (entries: readonly DirectoryEntry[]) => entries.map((e) => e.name);

test('numbers keep what the source wrote and get their dial-plan form (^0(\\d*)$ → +31$1)', () => {
  assert.deepEqual(directoryNumber('work', ' 020-123 45 67 ', dutch), { kind: 'work', number: '020-123 45 67', normalized: '+31201234567' });
  assert.deepEqual(directoryNumber('mobile', '+31 (0)6 1234 5678', dutch), { kind: 'mobile', number: '+31 (0)6 1234 5678', normalized: '+31612345678' });
  assert.deepEqual(directoryNumber('work', '2001', dutch), { kind: 'work', number: '2001', normalized: '2001' }, 'an extension no rule matches');
  assert.equal(directoryNumber('work', '   ', dutch), undefined);
  assert.equal(directoryNumber('work', '1'.repeat(65), dutch), undefined, 'longer than any real number');
});

test('renormalize applies a changed dial plan to stored numbers', () => {
  const stored = entry('Jan', [['work', '020 123 4567']]);
  const belgian = compileDialPlan(dialPlanSchema.parse({ rules: [{ pattern: '^0(\\d*)$', replace: '+32$1' }] }));
  assert.equal(renormalize(stored, belgian).numbers[0]!.normalized, '+32201234567');
  assert.equal(stored.numbers[0]!.normalized, '+31201234567', 'the original is not changed');
});

test('vCard TYPE values and Apple labels map to number kinds', () => {
  assert.equal(numberKindFromTypes(['CELL']), 'mobile');
  assert.equal(numberKindFromTypes(['IPHONE', 'CELL', 'VOICE']), 'mobile');
  assert.equal(numberKindFromTypes(['work', 'cell']), 'mobile', 'a company mobile is a mobile');
  assert.equal(numberKindFromTypes(['WORK', 'VOICE']), 'work');
  assert.equal(numberKindFromTypes(['HOME']), 'home');
  assert.equal(numberKindFromTypes(['WORK', 'FAX']), 'other');
  assert.equal(numberKindFromTypes(['Mobile']), 'mobile', 'Apple label _$!<Mobile>!$_');
  assert.equal(numberKindFromTypes(['Oficina Barcelona']), 'other');
  assert.equal(numberKindFromTypes([]), 'other');
});

test('search: name prefix first, then a word of the name, then number prefix, then contains', () => {
  const entries = [
    entry('Bart Jansen', [['work', '020 555 0001']]),
    entry('Jan de Vries', [['work', '2002']]),
    entry('Marjan Smit', [['work', '2003']]),
    entry('Piet Pieters', [['work', '030 555 2004']]),
    entry('Jansen Installaties', [['work', '2005']]),
  ];
  assert.deepEqual(names(searchEntries(entries, 'jan')), ['Jan de Vries', 'Jansen Installaties', 'Bart Jansen', 'Marjan Smit']);
  assert.deepEqual(names(searchEntries(entries, 'JAN DE')), ['Jan de Vries'], 'case-insensitive, several words');
  assert.deepEqual(names(searchEntries(entries, 'de vr')), ['Jan de Vries'], 'words in the middle of the name');
  assert.deepEqual(names(searchEntries(entries, '200')), ['Jan de Vries', 'Jansen Installaties', 'Marjan Smit', 'Piet Pieters'],
    'number prefixes by name, then numbers that contain it');
});

test('search: digits match whatever separators the number or the query has', () => {
  const entries = [entry('Anna', [['mobile', '+31 (0)6-1234 5678']]), entry('Bob', [['work', '020/765.4321']])];
  assert.deepEqual(names(searchEntries(entries, '612345')), ['Anna']);
  assert.deepEqual(names(searchEntries(entries, '6 12 34')), ['Anna']);
  assert.deepEqual(names(searchEntries(entries, '020-765')), ['Bob']);
  assert.deepEqual(names(searchEntries(entries, '(020) 765 4321')), ['Bob']);
  assert.deepEqual(names(searchEntries(entries, '+3120765')), ['Bob'], 'the normalized form is searched too');
});

test('search with a dial plan: a national number typed finds the number stored in E.164', () => {
  const entries = [entry('Anna', [['work', '+31 20 765 4321']])];
  assert.deepEqual(names(searchEntries(entries, '020765')), [], 'without the plan the digits differ');
  assert.deepEqual(names(searchEntries(entries, '020765', { dialPlan: dutch })), ['Anna']);
});

test('search: accents and case do not matter, and email, department and title match last', () => {
  const entries = [
    entry('Jürgen Müller'),
    entry('Ångström Lab', [], { department: 'Physics' }),
    entry('Zoe', [], { email: 'mueller@example.com' }),
  ];
  assert.deepEqual(names(searchEntries(entries, 'jurgen')), ['Jürgen Müller']);
  assert.deepEqual(names(searchEntries(entries, 'MULLER')), ['Jürgen Müller']);
  assert.deepEqual(names(searchEntries(entries, 'angstrom')), ['Ångström Lab']);
  assert.deepEqual(names(searchEntries(entries, 'physics')), ['Ångström Lab']);
  assert.deepEqual(names(searchEntries(entries, 'mueller')), ['Zoe']);
  assert.equal(foldText('ÉCOLE'), 'ecole');
});

test('search: empty query finds nothing, limit caps, ties put personal contacts before LDAP', () => {
  const entries = [entry('Same', [], { source: 'ldap', id: 'b' }), entry('Same', [], { source: 'carddav', id: 'a' }), entry('Other')];
  assert.deepEqual(searchEntries(entries, ''), []);
  assert.deepEqual(searchEntries(entries, '   '), []);
  assert.deepEqual(searchEntries(entries, 'same').map((e) => e.source), ['carddav', 'ldap']);
  assert.equal(searchEntries(entries, 'e', { limit: 1 }).length, 1);
  assert.deepEqual(searchEntries(entries, 'e', { limit: 0 }), []);
});

test('search never throws and only returns entries that were given (property)', () => {
  const arbEntry = fc.record({
    name: fc.string({ minLength: 1, maxLength: 30 }),
    numbers: fc.array(fc.tuple(fc.constantFrom<NumberKind>('work', 'mobile', 'home', 'other'), fc.stringMatching(/^\+?[0-9 ()-]{1,20}$/)), { maxLength: 3 }),
  }).map(({ name, numbers }): DirectoryEntry => ({ ...entry(name), numbers: numbers.map(([k, n]) => directoryNumber(k, n, dutch)).filter((n) => n !== undefined) }));
  fc.assert(fc.property(fc.array(arbEntry, { maxLength: 20 }), fc.string({ maxLength: 80 }), (entries, query) => {
    const found = searchEntries(entries, query, { dialPlan: dutch });
    assert.ok(found.every((e) => entries.includes(e)));
    assert.equal(new Set(found).size, found.length);
  }));
});

test('mergeEntries keeps the first of each source+id, in order', () => {
  const fresh = entry('Jan', [['work', '2001']], { source: 'ldap', id: 'cn=jan' });
  const cached = entry('Jan (old)', [], { source: 'ldap', id: 'cn=jan' });
  const mine = entry('Jan', [], { source: 'carddav', id: 'cn=jan' });
  assert.deepEqual(mergeEntries([mine], [fresh], [cached]), [mine, fresh]);
});

test('findByNumber recognises a caller by the normalized number, personal contacts first', () => {
  const corporate = entry('Jan (LDAP)', [['work', '020 123 4567']], { source: 'ldap' });
  const personal = entry('Jan (mine)', [['mobile', '+31 20 1234567']]);
  assert.equal(findByNumber([corporate, personal], '+31201234567', dutch), personal);
  assert.equal(findByNumber([corporate], '0201234567', dutch), corporate);
  assert.equal(findByNumber([corporate, personal], '0209999999', dutch), undefined);
  assert.equal(findByNumber([corporate], 'anonymous', dutch), undefined);
});

test('checkEntry accepts a stored entry and names what is wrong with a damaged one', () => {
  const good = entry('Jan', [['work', '2001']], { email: 'jan@example.com' });
  assert.deepEqual(checkEntry(JSON.parse(JSON.stringify(good))), good);
  const bad: [unknown, RegExp][] = [
    [null, /not an object/],
    [{ ...good, source: 'x500' }, /unknown source/],
    [{ ...good, id: '' }, /id/],
    [{ ...good, name: '  ' }, /no name/],
    [{ ...good, numbers: 'x' }, /numbers must be a list/],
    [{ ...good, numbers: [{ kind: 'fax', number: '1', normalized: '1' }] }, /kind/],
    [{ ...good, numbers: [{ kind: 'work', number: 5, normalized: '1' }] }, /number is bad/],
    [{ ...good, email: 42 }, /email must be text/],
  ];
  for (const [value, message] of bad) assert.throws(() => checkEntry(value), (err: Error) => err instanceof DirectoryEntryError && message.test(err.message));
});

test('boundedText trims, drops control characters and cuts long text on a character boundary', () => {
  assert.equal(boundedText('  a\u0000b\nc  '), 'a b c');
  assert.equal(boundedText(''), undefined);
  assert.equal(boundedText('😀'.repeat(300))?.length, 512, '256 emoji, each two UTF-16 units');
});
