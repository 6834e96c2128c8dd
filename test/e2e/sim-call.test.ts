// The simulator end to end, as a person uses it: `node dist/sim/sim.js` as a child process (the PBX it
// starts by default, three phones), its page in Chromium, and every step done by clicking the page: bob
// dials alice on the keypad, alice answers with a softkey, bob holds and transfers alice to carol after
// consulting her, carol hangs up, and with do-not-disturb on alice bob's call is refused on screen.
// Each step is checked twice: the phones' own control APIs (GET /api/v1/calls) and the pixels on the
// page's canvases. Screenshots go into the test's folder (kept when a test fails; copied to
// $SIPDESK_E2E_ARTIFACTS when set).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserUnavailable, launchBrowser, type TestBrowser } from '../harness/browser.js';
import { startProcess, type ManagedProcess } from '../harness/process.js';
import { useWorkdir } from '../harness/workdir.js';
import { DEFAULT_PBX } from '../../sim/server/options.js';
import { until as untilWithin } from '../harness/until.js';

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => untilWithin(what, fn, timeoutMs);

const SIM_JS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sim', 'sim.js');
const PBX = process.env.SIPDESK_SIM_PBX ?? DEFAULT_PBX;
const skip = browserUnavailable();

interface CallView {
  id: string;
  state: string;
  held: boolean;
  remoteHold: boolean;
  direction: string;
  remote: { uri: string; name?: string; number?: string };
}
interface CallsBody {
  calls: CallView[];
  dnd: boolean;
  offHook: boolean;
  notice?: { text: string };
}


describe('simulator page in Chromium', { skip, timeout: 120_000 }, () => {
  const w = useWorkdir({ after }, 'e2e-sim');
  let sim: ManagedProcess;
  let browser: TestBrowser;
  let pageUrl = '';
  const apis = new Map<string, string>();
  let shot = 0;
  let bobBeforeDnd: string | undefined;

  const page = () => browser.page;
  const api = async <T>(phone: string, path: string, init?: { method: string; body?: unknown }): Promise<T> => {
    const res = await fetch(`${apis.get(phone)}${path}`, {
      method: init?.method ?? 'GET',
      ...(init?.body !== undefined ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${phone} ${init?.method ?? 'GET'} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const calls = (phone: string) => api<CallsBody>(phone, '/api/v1/calls');
  const click = async (phone: string, key: string): Promise<void> => {
    await page().click(`[data-phone="${phone}"] [data-key="${key}"]`);
  };
  const dialOnKeypad = async (phone: string, digits: string): Promise<void> => {
    for (const d of digits) await click(phone, d);
  };
  /** A fingerprint of what the phone's canvas shows now (FNV-1a over every 7th byte of its pixels). */
  const canvasPrint = (phone: string): Promise<string> =>
    page().$eval(`[data-phone="${phone}"] canvas`, (c) => {
      const canvas = c as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let h = 0x811c9dc5;
      let lit = 0;
      for (let i = 0; i < d.length; i += 7) {
        h = Math.imul(h ^ d[i]!, 0x01000193) >>> 0;
        if (d[i]! > 0) lit++;
      }
      return `${h.toString(16)}:${lit}`;
    });
  const canvasChanges = async (phone: string, before: string, what: string): Promise<string> =>
    until(`${phone}'s canvas to change (${what})`, async () => {
      const now = await canvasPrint(phone);
      return now !== before ? now : undefined;
    });
  const screenshot = async (name: string): Promise<void> => {
    const file = join(w.path, `${String(++shot).padStart(2, '0')}-${name}.png`);
    await page().screenshot({ path: file, fullPage: true });
    const keep = process.env.SIPDESK_E2E_ARTIFACTS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(file, join(keep, file.slice(w.path.length + 1)));
    }
  };
  const callOf = async (phone: string, pred: (c: CallView) => boolean): Promise<CallView | undefined> => (await calls(phone)).calls.find(pred);
  const noCalls = async (phone: string): Promise<boolean> => (await calls(phone)).calls.length === 0;

  before(async () => {
    sim = startProcess({
      name: 'sim',
      command: process.execPath,
      args: [SIM_JS, '--port', '0', '--pbx', PBX, '--data-dir', join(w.path, 'data'), '--log', 'info'],
      logFile: join(w.path, 'sim.log'),
    });
    w.defer(() => sim.stop(5000));
    pageUrl = (await sim.waitFor(/page: (http:\/\/\S+)/, 30_000))[1]!;
    const registered = await sim.waitFor(/all phones registered in (\d+) ms/, 20_000);
    process.stderr.write(`# simulator (${PBX} PBX): all phones registered ${registered[1]} ms after the launcher started\n`);
    const listing = (await (await fetch(new URL('/sim/phones', pageUrl))).json()) as { phones: { name: string; apiUrl: string }[] };
    for (const p of listing.phones) apis.set(p.name, p.apiUrl);
    browser = await launchBrowser();
    w.defer(() => browser.close());
    await page().goto(pageUrl);
  });

  test(
    'the page shows each phone registered, with its screen painted',
    w.guard(async () => {
      assert.deepEqual([...apis.keys()], ['alice', 'bob', 'carol']);
      for (const name of apis.keys()) {
        await page().waitForSelector(`[data-phone="${name}"][data-reg="registered"]`, { timeout: 10_000 });
        await until(`${name}'s first frame`, async () => Number(await page().getAttribute(`[data-phone="${name}"]`, 'data-frames')) > 0);
        // A painted screen is not uniformly one colour: many distinct pixels were drawn.
        const [, lit] = (await canvasPrint(name)).split(':');
        assert.ok(Number(lit) > 1000, `${name}'s canvas looks empty`);
      }
      const ladder = await page().textContent('[data-phone="alice"] .messages');
      assert.match(ladder ?? '', /REGISTER sip:/, 'the SIP ladder lists the REGISTER');
      // Collapsed by default; a message's line expands to its full text.
      await page().click('[data-phone="alice"] .ladder summary');
      await page().click('[data-phone="alice"] .messages li.out .line');
      const full = page().locator('[data-phone="alice"] .messages li.out pre').first();
      assert.ok(await full.isVisible(), 'the clicked message is expanded');
      assert.match((await full.textContent()) ?? '', /^CSeq: \d+ REGISTER/m);
      await screenshot('registered');
    }),
  );

  test(
    'a tap on the screen, the keyboard and the handset reach the focused phone',
    w.guard(async () => {
      const canvas = `[data-phone="carol"] canvas`;
      const box = (await page().locator(canvas).boundingBox())!;
      const idle = await canvasPrint('carol');
      // The screen's own softkey bar: its rightmost label (Menu on the idle screen), at screen pixels (700, 462).
      await page().click(canvas, { position: { x: (box.width * 700) / 800, y: (box.height * 462) / 480 } });
      const menu = await canvasChanges('carol', idle, 'the tapped screen');
      await screenshot('carol-menu');
      await page().keyboard.press('Escape');
      await until('carol back on her idle screen', async () => (await canvasPrint('carol')) !== menu);
      await page().keyboard.press('Space');
      await until('carol off hook', async () => (await calls('carol')).offHook);
      await page().waitForSelector('[data-phone="carol"] [data-hook][aria-pressed="true"]');
      await screenshot('carol-off-hook');
      await page().click('[data-phone="carol"] [data-hook]');
      await until('carol on hook', async () => !(await calls('carol')).offHook);
    }),
  );

  test(
    'bob dials alice on the keypad, alice answers with her Answer softkey',
    w.guard(async () => {
      const aliceIdle = await canvasPrint('alice');
      const bobIdle = await canvasPrint('bob');
      await dialOnKeypad('bob', '101');
      await canvasChanges('bob', bobIdle, 'dialer with 101');
      await click('bob', 'soft1'); // Dial
      const ringing = await until('alice ringing', () => callOf('alice', (c) => c.state === 'ringing'));
      assert.equal(ringing.direction, 'incoming');
      assert.match(ringing.remote.uri, /^sip:bob@/);
      await canvasChanges('alice', aliceIdle, 'incoming call screen');
      await page().waitForSelector('[data-phone="alice"] [data-lamp="line1"][data-state="fast-blink"]');
      await screenshot('alice-ringing');
      const aliceRinging = await canvasPrint('alice');

      await click('alice', 'soft1'); // Answer
      await until('alice connected', () => callOf('alice', (c) => c.state === 'connected'));
      const bobCall = await until('bob connected', () => callOf('bob', (c) => c.state === 'connected'));
      assert.match(bobCall.remote.uri, /^sip:alice@/);
      await canvasChanges('alice', aliceRinging, 'in-call screen');
      await page().waitForSelector('[data-phone="alice"] [data-lamp="line1"][data-state="on"]');
      await screenshot('connected');
    }),
  );

  test(
    'bob holds, consults carol and transfers alice to her; carol ends the call',
    w.guard(async () => {
      await click('bob', 'hold');
      await until('bob holding alice', () => callOf('bob', (c) => c.held));
      await until('alice hearing hold', () => callOf('alice', (c) => c.remoteHold));
      await page().waitForSelector('[data-phone="bob"] [data-lamp="line1"][data-state="blink"]');
      await screenshot('bob-holds');

      // The held call's screen still offers Transfer: its target screen takes the number on the keypad,
      // and Consult calls carol first (alice stays held).
      const bobHolding = await canvasPrint('bob');
      await click('bob', 'soft3'); // Transfer
      await canvasChanges('bob', bobHolding, 'transfer target screen');
      await dialOnKeypad('bob', '103');
      await screenshot('bob-transfer-target');
      const carolIdle = await canvasPrint('carol');
      await click('bob', 'soft2'); // Consult
      await until('carol ringing', () => callOf('carol', (c) => c.state === 'ringing'));
      await canvasChanges('carol', carolIdle, 'incoming call screen');
      await click('carol', 'soft1'); // Answer
      await until('bob talking to carol', () => callOf('bob', (c) => c.state === 'connected' && !c.held && /^sip:carol@/.test(c.remote.uri)));
      await until('alice still held at bob', () => callOf('bob', (c) => c.held && /^sip:alice@/.test(c.remote.uri)));
      await screenshot('bob-consults-carol');

      // Complete: the attended transfer joins alice and carol; bob is out of both calls.
      await click('bob', 'soft1'); // Complete
      await until('bob left with no call', () => noCalls('bob'), 15_000);
      await until('carol talking to alice', () => callOf('carol', (c) => c.state === 'connected' && /^sip:alice@/.test(c.remote.uri)), 15_000);
      await until('alice talking to carol', () => callOf('alice', (c) => c.state === 'connected' && !c.remoteHold && /^sip:carol@/.test(c.remote.uri)), 15_000);
      await screenshot('transferred');

      const carolInCall = await canvasPrint('carol');
      await click('carol', 'soft4'); // End
      await until('carol idle', () => noCalls('carol'));
      await until('alice idle', () => noCalls('alice'));
      await canvasChanges('carol', carolInCall, 'back to idle');
      await screenshot('carol-ended');
    }),
  );

  test(
    'with do-not-disturb on alice (her DND key), bob\'s call is refused with a busy notice',
    w.guard(async () => {
      await click('alice', 'dnd');
      await until('alice in DND', async () => (await calls('alice')).dnd);
      await page().waitForSelector('[data-phone="alice"] [data-lamp="dnd"][data-state="on"]');
      const bobIdle = await canvasPrint('bob');
      await dialOnKeypad('bob', '101');
      const bobDialer = await canvasChanges('bob', bobIdle, 'dialer with 101');
      await click('bob', 'soft1'); // Dial
      const notice = await until('bob told the call failed', async () => {
        const b = await calls('bob');
        return b.calls.length === 0 && b.notice ? b.notice.text : undefined;
      });
      assert.match(notice, /busy|declin|486|603|not available|disturb/i);
      assert.equal((await calls('alice')).calls.length, 0, 'alice never rang');
      await canvasChanges('bob', bobDialer, 'the dialer closing');
      await screenshot('dnd-refused');
      bobBeforeDnd = bobIdle;
      assert.deepEqual(browser.pageErrors(), []);
    }),
  );

  // The call core has the notice (checked above); the idle screen shows it for a few seconds.
  test(
    'bob\'s screen shows the refusal (differs from his plain idle screen)',
    async () => {
      assert.ok(bobBeforeDnd, 'the DND test ran');
      assert.notEqual(await canvasPrint('bob'), bobBeforeDnd, 'bob\'s screen looks exactly as before he dialed');
    },
  );

  test(
    'SIGTERM: every phone unregisters (its ladder shows it), then the simulator exits 0',
    w.guard(async () => {
      const started = Date.now();
      const exit = await sim.stop(8000);
      assert.deepEqual(exit, { code: 0, signal: null }, `exit after ${Date.now() - started} ms`);
      for (const name of apis.keys()) {
        const sent: string[] = await page().$$eval(`[data-phone="${name}"] .messages li.out pre`, (els) => els.map((e) => (e as unknown as { textContent: string | null }).textContent ?? ''));
        const unregister = sent.find((text) => /^REGISTER /.test(text) && /^Expires:\s*0\s*$|;expires=0\b/im.test(text));
        assert.ok(unregister, `${name} sent no REGISTER with expires 0 before the simulator stopped`);
      }
      await page().waitForSelector('[data-phone="alice"].disconnected');
      await screenshot('stopped');
    }),
  );
});
