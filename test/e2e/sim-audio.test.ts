// The simulator's "use my microphone and speakers", end to end: `node dist/sim/sim.js` (two phones, the
// dev PBX) and its page in Chromium with a synthetic microphone (Chromium's fake capture device: a short
// full-scale beep twice a second, no permission prompt). Alice's panel takes the microphone, alice calls
// bob, and sound is shown to flow both ways:
//   - bob's speaker (his phone's level meter, server side) plays alice's browser microphone: peaks far
//     above anything alice's tone could give (her tone peaks at 0.12 of full scale; the beep is full scale);
//   - alice's page plays bob's tone (the page's own meter of what it plays).
// Levels are read from the panels' data attributes, polled with generous deadlines (a loaded 2-core box).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { FAKE_MICROPHONE_ARGS, browserUnavailable, launchBrowser, type TestBrowser } from '../harness/browser.js';
import { startProcess, type ManagedProcess } from '../harness/process.js';
import { useWorkdir } from '../harness/workdir.js';
import { until as untilWithin } from '../harness/until.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> => untilWithin(what, fn, timeoutMs);

const SIM_JS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sim', 'sim.js');
const skip = browserUnavailable();

/** Alice's tone peaks at 0.12 of full scale (sim/server/tone.ts); the fake microphone's beep at 1. */
const BEEP_PEAK = 0.35;
const TONE_PEAK_MAX = 0.2;

interface CallView {
  id: string;
  state: string;
  direction: string;
}


describe('simulator page: my microphone and speakers on a phone', { skip, timeout: 150_000 }, () => {
  const w = useWorkdir({ after }, 'e2e-sim-audio');
  let sim: ManagedProcess;
  let browser: TestBrowser;
  let pageUrl = '';
  const apis = new Map<string, string>();

  const page = () => browser.page;
  const api = async <T>(phone: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${apis.get(phone)}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${phone} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const callOf = async (phone: string, state: string): Promise<CallView | undefined> => (await api<{ calls: CallView[] }>(phone, '/api/v1/calls')).calls.find((c) => c.state === state);
  const panel = (phone: string): string => `[data-phone="${phone}"]`;
  /** A level the panel shows (data-phone-speaker-peak, data-page-out, …): NaN when not shown yet. */
  const level = async (phone: string, attribute: string): Promise<number> => Number((await page().getAttribute(panel(phone), `data-${attribute}`)) ?? NaN);
  const audioState = (phone: string): Promise<string | null> => page().getAttribute(panel(phone), 'data-audio');

  before(async () => {
    sim = startProcess({
      name: 'sim',
      command: process.execPath,
      args: [SIM_JS, '--port', '0', '--phones', 'alice,bob', '--data-dir', join(w.path, 'data'), '--log', 'info'],
      logFile: join(w.path, 'sim.log'),
    });
    w.defer(() => sim.stop(5000));
    pageUrl = (await sim.waitFor(/page: (http:\/\/\S+)/, 30_000))[1]!;
    await sim.waitFor(/all phones registered in (\d+) ms/, 20_000);
    const listing = (await (await fetch(new URL('/sim/phones', pageUrl))).json()) as { phones: { name: string; apiUrl: string }[] };
    for (const p of listing.phones) apis.set(p.name, p.apiUrl);
    browser = await launchBrowser(undefined, FAKE_MICROPHONE_ARGS);
    w.defer(() => browser.close());
    await page().goto(pageUrl);
    for (const name of apis.keys()) await page().waitForSelector(`${panel(name)}[data-reg="registered"]`, { timeout: 15_000 });
  });

  test(
    'one phone at a time: taking the microphone on alice releases it on bob',
    w.guard(async () => {
      assert.equal(await audioState('alice'), 'off', 'off by default');
      await page().click(`${panel('bob')} [data-audio]`);
      await page().waitForSelector(`${panel('bob')}[data-audio="on"]`, { timeout: 20_000 });
      await page().click(`${panel('alice')} [data-audio]`);
      await page().waitForSelector(`${panel('alice')}[data-audio="on"]`, { timeout: 20_000 });
      await page().waitForSelector(`${panel('bob')}[data-audio="off"]`, { timeout: 5_000 });
      assert.equal(await page().getAttribute(`${panel('alice')} [data-audio]`, 'aria-pressed'), 'true');
      // The page sends the microphone as soon as it holds it.
      await until('alice\'s page sending the beeps', async () => (await level('alice', 'page-mic-peak')) > BEEP_PEAK);
    }),
  );

  test(
    'alice calls bob: bob\'s speaker plays alice\'s browser microphone, alice\'s page plays bob\'s tone',
    w.guard(async () => {
      await api('alice', '/api/v1/calls', { to: '102' });
      const ringing = await until('bob ringing', () => callOf('bob', 'ringing'));
      await api('bob', `/api/v1/calls/${ringing.id}/answer`, {});
      await until('alice connected', () => callOf('alice', 'connected'));
      // (a) Beeps at bob: only alice's browser microphone peaks like that.
      const bobPeak = await until('bob\'s speaker playing the beeps', async () => {
        const peak = await level('bob', 'phone-speaker-peak');
        return peak > BEEP_PEAK ? peak : undefined;
      });
      assert.ok(bobPeak <= 1);
      assert.ok((await level('alice', 'phone-mic-peak')) > 0, 'alice\'s phone hears the page');
      // (b) Bob's tone on alice's page (after the ring-back is long gone: bob's tone is all alice can hear).
      await new Promise((r) => setTimeout(r, 1000));
      const played = await until('alice\'s page playing bob\'s tone', async () => {
        const rms = await level('alice', 'page-out');
        return rms > 0.01 ? rms : undefined;
      });
      assert.ok(played < 0.5, `bob's quiet tone, not something louder (rms ${played})`);
      assert.ok((await level('bob', 'phone-mic-peak')) <= TONE_PEAK_MAX, 'bob is on his tone');
    }),
  );

  test(
    'turning it off gives alice her tone back, in the same call',
    w.guard(async () => {
      await page().click(`${panel('alice')} [data-audio]`);
      await page().waitForSelector(`${panel('alice')}[data-audio="off"]`, { timeout: 5_000 });
      await until('bob hearing alice\'s tone instead of the beeps', async () => {
        const peak = await level('bob', 'phone-speaker-peak');
        return peak > 0.02 && peak < TONE_PEAK_MAX;
      });
      assert.ok(await callOf('alice', 'connected'), 'the call went on');
      assert.equal(await level('alice', 'page-out'), 0, 'the page plays nothing any more');
    }),
  );

  test(
    'junk on the socket is refused with an error; the phone and its call go on',
    w.guard(async () => {
      const ws = new WebSocket(new URL('/ws/alice', pageUrl.replace(/^http/, 'ws')));
      const errors: string[] = [];
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const m = JSON.parse((data as Buffer).toString('utf8')) as { type: string; message?: string };
        if (m.type === 'error') errors.push(m.message ?? '');
      });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const odd = Buffer.concat([Buffer.from('SDA1'), Buffer.alloc(641)]);
      const oversized = Buffer.concat([Buffer.from('SDA1'), Buffer.alloc(32_000)]);
      ws.send(odd);
      ws.send(oversized);
      ws.send(Buffer.from('XXXXjunk'));
      ws.send(JSON.stringify({ type: 'audio', on: 'yes' }));
      await until('four errors', async () => Promise.resolve(errors.length >= 4), 10_000);
      assert.match(errors[0]!, /odd payload/);
      assert.match(errors[1]!, /16000 samples, expected 320/);
      assert.match(errors[2]!, /binary messages other than audio/);
      assert.match(errors[3]!, /on/);
      assert.equal(ws.readyState, WebSocket.OPEN, 'the connection stays');
      ws.close();
      assert.ok(await callOf('alice', 'connected'), 'the call went on');
      const call = (await callOf('alice', 'connected'))!;
      await api('alice', `/api/v1/calls/${call.id}/hangup`, {});
      await until('bob idle', async () => (await api<{ calls: unknown[] }>('bob', '/api/v1/calls')).calls.length === 0);
      assert.deepEqual(browser.pageErrors(), []);
    }),
  );
});
