// The vCard parser and mapping of src/directory/carddav-sync.ts, on cards as Google Contacts, Apple
// Contacts/iCloud, Nextcloud (Sabre VObject) and old Android phones write them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dialPlanSchema } from '../../src/config/dial-plan-schema.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import { parseVCards, textComponents, textValue, VCARD_LIMITS, vCardToEntry } from '../../src/directory/carddav-sync.js';

const dutch = compileDialPlan(dialPlanSchema.parse({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }] }));
const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

function only(text: string, id = 'https://dav.example.com/card.vcf') {
  const cards = parseVCards(text);
  assert.equal(cards.length, 1, 'one card');
  const entry = vCardToEntry(cards[0]!, id, dutch);
  assert.ok(entry, 'the card maps to an entry');
  return entry;
}

const GOOGLE = crlf([
  'BEGIN:VCARD',
  'VERSION:3.0',
  'FN:Maria García-López',
  'N:García-López;Maria;;;',
  'EMAIL;TYPE=INTERNET;TYPE=WORK:maria.garcia@example.es',
  'TEL;TYPE=CELL:+34 612 34 56 78',
  'TEL;TYPE=WORK:+34 91 123 45 67',
  'item1.TEL:+34 93 765 43 21',
  'item1.X-ABLabel:Oficina Barcelona',
  'ORG:Acme Iberia S.L.',
  'TITLE:Directora comercial',
  'item2.URL:http\\://www.example.es',
  'item2.X-ABLabel:',
  'CATEGORIES:myContacts',
  'END:VCARD',
]);

test('Google Contacts export: types, a labelled item, organisation and title', () => {
  const e = only(GOOGLE);
  assert.equal(e.name, 'Maria García-López');
  assert.deepEqual(e.numbers.map((n) => [n.kind, n.number, n.normalized]), [
    ['mobile', '+34 612 34 56 78', '+34612345678'],
    ['work', '+34 91 123 45 67', '+34911234567'],
    ['other', '+34 93 765 43 21', '+34937654321'],
  ]);
  assert.equal(e.email, 'maria.garcia@example.es');
  assert.equal(e.title, 'Directora comercial');
  assert.equal(e.department, 'Acme Iberia S.L.');
  assert.equal(e.source, 'carddav');
  assert.equal(e.id, 'https://dav.example.com/card.vcf');
});

const APPLE = crlf([
  'BEGIN:VCARD',
  'VERSION:3.0',
  'PRODID:-//Apple Inc.//iPhone OS 17.2//EN',
  'N:Appleseed;Johnny;;;',
  'FN:Johnny Appleseed',
  'ORG:Apple Inc.;Engineering',
  'TITLE:Engineer',
  'EMAIL;type=INTERNET;type=HOME:johnny@home.example',
  'EMAIL;type=INTERNET;type=WORK;type=pref:johnny@example.com',
  'TEL;type=CELL;type=VOICE;type=pref:(408) 555-5270',
  'TEL;type=IPHONE;type=CELL;type=VOICE:(408) 555-0199',
  'TEL;type=WORK;type=VOICE:+1 408-996-1010',
  'item1.TEL:(408) 555-0100',
  'item1.X-ABLabel:_$!<Other>!$_',
  'item2.TEL:(408) 555-0111',
  'item2.X-ABLabel:_$!<HomeFAX>!$_',
  'item3.ADR;type=WORK;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;United States',
  'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZ',
  ' WiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQ',
  ' ZGVzYwAAAPAAAAAkcmXYWVoAAAEUAAAAFGdYWVoAAAEoAAAAFGJYWVoAAAE8AAAAFHd0cHQA',
  'NOTE:A long note that Apple folds at seventy-five octets\\, so it continues o',
  ' n the next line',
  'END:VCARD',
]);

test('Apple Contacts: type=pref, X-ABLabel kinds, folded photo skipped, ORG unit as department', () => {
  const e = only(APPLE);
  assert.equal(e.name, 'Johnny Appleseed');
  assert.deepEqual(e.numbers.map((n) => [n.kind, n.number]), [
    ['mobile', '(408) 555-5270'],
    ['mobile', '(408) 555-0199'],
    ['work', '+1 408-996-1010'],
    ['other', '(408) 555-0100'],
    ['other', '(408) 555-0111'],
  ]);
  assert.equal(e.email, 'johnny@example.com', 'the preferred address');
  assert.equal(e.department, 'Engineering');
  assert.equal(e.title, 'Engineer');
});

const NEXTCLOUD = crlf([
  'BEGIN:VCARD',
  'VERSION:3.0',
  'PRODID:-//Sabre//Sabre VObject 4.5.4//EN',
  'UID:1f6a3c4e-2b5d-4c6f-9e7a-8b9c0d1e2f3a',
  'FN:Dr. Jürgen Müller',
  'N:Müller;Jürgen;;Dr.;',
  'ADR;TYPE=HOME:;;Hauptstraße 1;Berlin;;10115;Deutschland',
  'EMAIL;TYPE=HOME:juergen@example.de',
  'TEL;TYPE="HOME,VOICE":030 1234567',
  'TEL;TYPE=CELL:0171 2345678',
  'IMPP;X-SERVICE-TYPE=SIP:sip:juergen@sip.example.de',
  'NOTE:Met at the conference\\, booth 12\\; follow up\\nnext week',
  'REV;VALUE=DATE-AND-OR-TIME:20240112T101500Z',
  'END:VCARD',
]);

test('Nextcloud (Sabre VObject): quoted TYPE list, UTF-8 names, SIP address from IMPP', () => {
  const e = only(NEXTCLOUD);
  assert.equal(e.name, 'Dr. Jürgen Müller');
  assert.deepEqual(e.numbers.map((n) => [n.kind, n.number, n.normalized]), [
    ['home', '030 1234567', '+31301234567'],
    ['mobile', '0171 2345678', '+311712345678'],
  ]);
  assert.equal(e.uri, 'sip:juergen@sip.example.de');
  assert.equal(e.email, 'juergen@example.de');
});

test('vCard 4.0 (RFC 6350): tel: URIs with VALUE=uri and PREF, quoted type lists', () => {
  const e = only(crlf([
    'BEGIN:VCARD',
    'VERSION:4.0',
    'FN:Simon Perreault',
    'N:Perreault;Simon;;;ing. jr,M.Sc.',
    'TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+1-418-656-9254;ext=102',
    'TEL;VALUE=uri;TYPE="work,cell,voice,video,text":tel:+1-418-262-6501',
    'EMAIL;TYPE=work:simon.perreault@viagenie.ca',
    'ORG:Viagenie',
    'END:VCARD',
  ]));
  assert.deepEqual(e.numbers.map((n) => [n.kind, n.number, n.normalized]), [
    ['work', '+1-418-656-9254', '+14186569254'],
    ['mobile', '+1-418-262-6501', '+14182626501'],
  ]);
  assert.equal(e.department, 'Viagenie');
});

test('vCard 2.1 from an old Android phone: quoted-printable with a soft line break, bare types', () => {
  const e = only(crlf([
    'BEGIN:VCARD',
    'VERSION:2.1',
    'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=96zt=C3=BCrk;Ay=C5=9Fe;;;',
    'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ay=C5=9Fe =C3=96zt=C3=BC=',
    'rk',
    'TEL;CELL;PREF:+905321234567',
    'TEL;WORK;VOICE:0212 555 12 34',
    'END:VCARD',
  ]));
  assert.equal(e.name, 'Ayşe Öztürk');
  assert.deepEqual(e.numbers.map((n) => n.kind), ['mobile', 'work']);
});

test('names: escaped characters, N when FN is missing, then organisation, email or number', () => {
  const card = (lines: string[]) => vCardToEntry(parseVCards(crlf(['BEGIN:VCARD', 'VERSION:3.0', ...lines, 'END:VCARD']))[0]!, 'id', dutch);
  assert.equal(card(['FN:Doe\\, John'])?.name, 'Doe, John');
  assert.equal(card(['N:de Vries;Anna;Maria;;'])?.name, 'Anna Maria de Vries');
  assert.equal(card(['ORG:Pizzeria Napoli', 'TEL:020 555 1234'])?.name, 'Pizzeria Napoli');
  assert.equal(card(['ORG:Pizzeria Napoli'])?.department, undefined, 'the organisation is already the name');
  assert.equal(card(['EMAIL:x@example.com'])?.name, 'x@example.com');
  assert.equal(card(['TEL:020 555 1234'])?.name, '020 555 1234');
  assert.equal(card(['NOTE:nothing to show']), undefined);
});

test('unfolding: CRLF, bare LF, and tab continuations', () => {
  const lf = 'BEGIN:VCARD\nVERSION:3.0\nFN:Jan\n  Jansen\nTEL;TYPE=WORK:020\n\t123 4567\nEND:VCARD\n';
  const e = only(lf);
  assert.equal(e.name, 'Jan Jansen');
  assert.equal(e.numbers[0]?.normalized, '+31201234567');
});

test('several cards in one text; junk around them; a card without END still counts', () => {
  const text = 'garbage line\r\n' + crlf(['BEGIN:VCARD', 'FN:One', 'END:VCARD', 'not a property', 'BEGIN:VCARD', 'FN:Two', 'TEL', ':::', 'BEGIN:VCARD', 'FN:Three']);
  const cards = parseVCards(text);
  assert.deepEqual(cards.map((c) => vCardToEntry(c, 'id', dutch)?.name), ['One', 'Two', 'Three']);
  assert.deepEqual(parseVCards(''), []);
  assert.deepEqual(parseVCards('FN:outside a card'), []);
});

test('bounds: an oversized card is skipped, an oversized value ignored, numbers capped at 16', () => {
  const photo = 'x'.repeat(VCARD_LIMITS.cardLength);
  assert.deepEqual(parseVCards(crlf(['BEGIN:VCARD', 'FN:Big', `NOTE:${photo}`, 'END:VCARD'])), []);
  const longName = only(crlf(['BEGIN:VCARD', `FN:${'n'.repeat(VCARD_LIMITS.valueLength + 1)}`, 'N:Short;Name;;;', 'END:VCARD']));
  assert.equal(longName.name, 'Name Short');
  const many = only(crlf(['BEGIN:VCARD', 'FN:Switchboard', ...Array.from({ length: 40 }, (_, i) => `TEL:020 555 ${String(i).padStart(4, '0')}`), 'END:VCARD']));
  assert.equal(many.numbers.length, 16);
});

test('text values: RFC 6350 escapes, and structured values split at unescaped semicolons', () => {
  assert.deepEqual(textComponents('Müller;Jürgen;;Dr.;'), ['Müller', 'Jürgen', '', 'Dr.', '']);
  assert.deepEqual(textComponents('A\\;B;C'), ['A;B', 'C']);
  assert.equal(textValue('line1\\nline2\\, more\\\\'), 'line1\nline2, more\\');
});

test('the parser never throws, whatever the text (property)', () => {
  const vcardish = fc.array(fc.oneof(fc.string(), fc.constantFrom('BEGIN:VCARD', 'END:VCARD', 'FN:', 'TEL;TYPE="a,b:', ' ', '=', 'N;ENCODING=QUOTED-PRINTABLE:=C3=', 'item1.X-ABLabel:_$!<')), { maxLength: 30 })
    .map((lines) => lines.join(fc.sample(fc.constantFrom('\r\n', '\n', '\r'), 1)[0]));
  fc.assert(fc.property(vcardish, (text) => {
    for (const card of parseVCards(text)) {
      const e = vCardToEntry(card, 'id', dutch);
      if (e !== undefined) assert.ok(e.name.length > 0 && e.numbers.length <= 16);
    }
  }));
});
