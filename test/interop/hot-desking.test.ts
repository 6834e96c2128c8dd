// Hot desking end to end with the real CLI phone and Kamailio: the phone starts on its common-area account
// (lobby) with the sign-in screen; erin types her name by multi-tap and a wrong PIN on the keypad, the
// registrar refuses it and the phone is back on the lobby account; with the right PIN the phone becomes
// erin's, and stays hers across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../harness/kamailio.js';
import { startPhone, type TestPhone } from '../harness/phone.js';
import { useWorkdir } from '../harness/workdir.js';

/** Presses keys on the phone's keypad through the control API, as a person would. */
async function keys(phone: TestPhone, sequence: readonly string[]): Promise<void> {
  for (const key of sequence) {
    const r = await phone.api('POST', '/api/v1/input', { key });
    assert.equal(r.status, 200, `key ${key}: ${JSON.stringify(r.body)}`);
  }
}

// "erin" by multi-tap: e = 3 3, r = 7 7 7, i = 4 4 4, n = 6 6; # moves to the PIN, # again signs in.
const ERIN = ['3', '3', '7', '7', '7', '4', '4', '4', '6', '6', '#'];

test('hot desking: sign in with user and PIN on the keypad; a refused PIN falls back to the lobby line; kept across restarts', async (t) => {
  const w = useWorkdir(t, 'hot-desking');
  const k = await startKamailio({ workdir: w.path, users: ['lobby', 'erin'], passwords: { erin: '4321' } });
  w.defer(() => k.stop());
  const options = {
    workdir: w.path, name: 'desk', user: 'lobby', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp`,
    config: { account: { hotDesking: true }, audio: { device: 'null' }, colleagues: { watchRegistrations: false, voicemail: { subscribe: false } } },
  };
  let desk = await startPhone(options);
  w.defer(() => desk.stop());
  const lobby = await desk.waitForState('registered', 10_000, (s) => s.registration.aor === `sip:lobby@${k.domain}`);
  assert.equal(lobby.registration.aor, `sip:lobby@${k.domain}`, 'nobody signed in: the common-area line');

  // A wrong PIN: the phone tries erin's account, the registrar refuses, the lobby line is back.
  await keys(desk, [...ERIN, '9', '9', '9', '9', '#']);
  await desk.waitForState('registered', 20_000, (s) => s.registration.aor === `sip:lobby@${k.domain}` && /erin: sign-in refused/.test(desk.process.output()));
  assert.match(desk.process.output(), /REGISTER sip:[^\n]*\n(?:[^\n]+\n)*?From: <sip:erin@/, 'the phone did try erin\'s account');

  // The right PIN: erin's phone now.
  await keys(desk, [...ERIN, '4', '3', '2', '1', '#']);
  const erin = await desk.waitForState('registered', 20_000, (s) => s.registration.aor === `sip:erin@${k.domain}`);
  assert.equal(erin.registration.aor, `sip:erin@${k.domain}`);

  // Still erin's after a restart (kept in the data folder).
  await desk.stop();
  desk = await startPhone(options);
  await desk.waitForState('registered', 10_000, (s) => s.registration.aor === `sip:erin@${k.domain}`);
  w.pass();
});
