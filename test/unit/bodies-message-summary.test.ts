/**
 * message-summary (RFC 3842): the RFC example, Asterisk, FreeSWITCH and BroadWorks bodies, leniency about
 * case/spacing/line endings, and refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessageSummary, type MessageSummary } from '../../src/sip/bodies/message-summary.js';

function parsed(text: string): MessageSummary {
  const r = parseMessageSummary(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

test('RFC 3842 example with per-message headers after the blank line', () => {
  const body = 'Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\nVoice-Message: 4/8 (1/2)\r\n\r\n'
    + 'To: <alice@atlanta.example.com>\r\nFrom: <bob@biloxi.example.com>\r\nSubject: carpool tomorrow?\r\nVoice-Message: 99/99\r\n';
  assert.deepEqual(parsed(body), { waiting: true, account: 'sip:alice@vmail.example.com', voice: { new: 4, old: 8, urgentNew: 1, urgentOld: 2 } });
});

test('Asterisk, FreeSWITCH and BroadWorks bodies', () => {
  assert.deepEqual(parsed('Messages-Waiting: no\r\nMessage-Account: sip:*97@pbx.example.com\r\nVoice-Message: 0/3 (0/0)\r\n'),
    { waiting: false, account: 'sip:*97@pbx.example.com', voice: { new: 0, old: 3, urgentNew: 0, urgentOld: 0 } });
  assert.deepEqual(parsed('Messages-Waiting: yes\r\nMessage-Account: sip:1000@10.0.0.5\r\nVoice-Message: 1/0 (0/0)\r\n'),
    { waiting: true, account: 'sip:1000@10.0.0.5', voice: { new: 1, old: 0, urgentNew: 0, urgentOld: 0 } });
  assert.deepEqual(parsed('Messages-Waiting: yes\r\nVoice-Message: 2/1\r\nFax-Message: 1/0\r\n'),
    { waiting: true, voice: { new: 2, old: 1, urgentNew: 0, urgentOld: 0 } });
});

test('lenient about case, spacing, bare LF, leading blank lines and unknown lines', () => {
  assert.deepEqual(parsed('\n\nmessages-waiting:YES\nVOICE-MESSAGE :  3 / 7  ( 1 / 0 )\nsome vendor junk\nX-Foo: bar\n'),
    { waiting: true, voice: { new: 3, old: 7, urgentNew: 1, urgentOld: 0 } });
  assert.deepEqual(parsed('Messages-Waiting: no'), { waiting: false });
});

test('refusals name the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /lacks Messages-Waiting/],
    ['Voice-Message: 1/2\r\n', /lacks Messages-Waiting/],
    ['Messages-Waiting: maybe\r\n', /yes or no/],
    ['Messages-Waiting: yes\r\nVoice-Message: lots\r\n', /Voice-Message must look like/],
    ['Messages-Waiting: yes\r\nVoice-Message: 1/2 (3)\r\n', /Voice-Message/],
    ['Messages-Waiting: yes\r\nVoice-Message: -1/2\r\n', /Voice-Message/],
    [`Messages-Waiting: yes\r\n${'X: y\r\n'.repeat(2000)}`, /larger than 8192 bytes/],
  ];
  for (const [text, error] of cases) {
    const r = parseMessageSummary(text);
    assert.equal(r.ok, false, text.slice(0, 40));
    if (!r.ok) assert.match(r.error, error);
  }
});

test('absurd counts are capped', () => {
  assert.equal(parsed('Messages-Waiting: yes\r\nVoice-Message: 999999999/0\r\n').voice?.new, 1_000_000);
});
