// The simulator's parts without a browser: its command line, the phones' identities, what the page may
// send, and the web server with its per-phone WebSocket, on a simulator whose phones point at a PBX that
// is not there (the page must work while phones are still registering, and that needs no PBX at all).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { parseSimArgs, extensionOf } from '../../sim/server/options.js';
import { instanceIdFor } from '../../sim/server/identity.js';
import { inputEventsOf, parsePageMessage } from '../../sim/server/phone-channel.js';
import { toneMelody } from '../../sim/server/tone.js';
import { lampOf, lampsOf } from '../../sim/server/sim-drivers.js';
import { SimLeds } from '../../src/hal/sim/sim-leds.js';
import { ledStateOf } from '../../src/app/hardware-wiring.js';
import { decodeFrame, encodeFrame } from '../../src/ui/display/frame-stream.js';
import { readFrame } from '../../sim/web/frame.js';
import { startSimulator, type Simulator } from '../../sim/sim.js';
import { startProcess, type ManagedProcess } from '../harness/process.js';
import { useWorkdir } from '../harness/workdir.js';

const SIM_JS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sim', 'sim.js');

describe('sim command line', () => {
  test('defaults: three phones on the dev PBX, page on 8080, tone audio, no kiosk', () => {
    const o = parseSimArgs([]);
    assert.deepEqual(o.phones, ['alice', 'bob', 'carol']);
    assert.equal(o.port, 8080);
    assert.equal(o.pbx, 'dev');
    assert.equal(o.audio, 'tone');
    assert.equal(o.password, 'secret');
    assert.equal(o.kiosks.size, 0);
  });

  test('flags in both spellings; a kiosk calls the first other phone unless told', () => {
    const o = parseSimArgs(['--port=0', '--phones', 'ann, ben', '--kiosk', 'ben', '--pbx', 'external', '--proxy', 'sip:10.0.0.1:5060;transport=tcp', '--domain=example.com', '--audio', 'null']);
    assert.equal(o.port, 0);
    assert.deepEqual(o.phones, ['ann', 'ben']);
    assert.equal(o.kiosks.get('ben'), 'ann');
    assert.equal(o.proxy, 'sip:10.0.0.1:5060;transport=tcp');
    assert.equal(o.domain, 'example.com');
    assert.equal(parseSimArgs(['--kiosk', 'carol=101']).kiosks.get('carol'), '101');
  });

  test('mistakes name the flag', () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /unknown option "--bogus"/],
      [['--port', '70000'], /--port: must be a port number/],
      [['--port'], /--port: needs a value/],
      [['--pbx', 'asterisk'], /--pbx: must be one of dev, kamailio, external/],
      [['--pbx', 'external'], /--pbx external needs --proxy/],
      [['--pbx', 'external', '--proxy', 'sip:x'], /needs --domain/],
      [['--proxy', 'sip:x'], /--proxy and --domain are for --pbx external/],
      [['--kiosk', 'dave'], /--kiosk: "dave" is not one of the phones/],
      [['--phones', 'alice', '--kiosk', 'alice'], /no other phone to call/],
      [['--phones', 'a,a'], /listed twice/],
      [['--phones', 'al ice'], /not a SIP user name/],
      [['--phones', ','], /at least one phone/],
      [['--log', 'loud'], /--log: must be one of/],
    ];
    for (const [argv, re] of cases) assert.throws(() => parseSimArgs(argv), re, argv.join(' '));
  });

  test('extensions 101… and stable, distinct instance ids', () => {
    assert.deepEqual([0, 1, 2].map(extensionOf), ['101', '102', '103']);
    const alice = instanceIdFor('alice');
    assert.match(alice, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(instanceIdFor('alice'), alice);
    assert.notEqual(instanceIdFor('bob'), alice);
  });

  test('each phone\'s tone is audible, not clipped, and has its own pitch', () => {
    const a = toneMelody(0);
    const b = toneMelody(4);
    const peak = (s: Int16Array) => s.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(peak(a) > 2000 && peak(a) < 32767, `peak ${peak(a)}`);
    const zeroCrossings = (s: Int16Array) => s.slice(0, 6000).reduce((n, v, i, arr) => (i > 0 && (arr[i - 1]! < 0) !== (v < 0) ? n + 1 : n), 0);
    assert.ok(zeroCrossings(b) > zeroCrossings(a), 'a higher key crosses zero more often');
  });
});

describe('simulated drivers', () => {
  test('the page sees the lamps the phone lit on the sim board\'s LEDs', () => {
    for (const lamp of ['off', 'on', 'blink', 'fast-blink'] as const) assert.equal(lampOf(ledStateOf(lamp)), lamp);
    const leds = new SimLeds(['message', 'line1', 'line2']);
    leds.set('line2', ledStateOf('fast-blink'));
    leds.set('message', ledStateOf('blink'));
    assert.deepEqual(lampsOf(leds), { message: 'blink', line1: 'off', line2: 'fast-blink' });
  });
});

describe('page messages', () => {
  test('keys, touches and the hook become the HAL events a driver would send', () => {
    assert.deepEqual(inputEventsOf(parsePageMessage('{"type":"key","key":"5"}')), [
      { type: 'key', code: '5', down: true },
      { type: 'key', code: '5', down: false },
    ]);
    assert.deepEqual(inputEventsOf(parsePageMessage('{"type":"key","key":"soft2","action":"down"}')), [{ type: 'key', code: 'soft2', down: true }]);
    assert.deepEqual(inputEventsOf(parsePageMessage('{"type":"touch","x":10.4,"y":20.6,"action":"move"}')), [{ type: 'pointer', x: 10, y: 21, action: 'move' }]);
    assert.deepEqual(inputEventsOf(parsePageMessage('{"type":"hook","offHook":true}')), [{ type: 'hook', offHook: true }]);
  });

  test('anything else is refused with a reason', () => {
    assert.throws(() => parsePageMessage('{'), /not JSON/);
    assert.throws(() => parsePageMessage('{"type":"key","key":"launch"}'), /unknown key/);
    assert.throws(() => parsePageMessage('{"type":"touch","x":1,"y":2}'), /action/);
    assert.throws(() => parsePageMessage('{"type":"touch","x":1e9,"y":2,"action":"down"}'), /x/);
    assert.throws(() => parsePageMessage('{"type":"hook","offHook":true,"extra":1}'), /extra|Unrecognized/i);
    assert.throws(() => parsePageMessage('{"type":"reboot"}'), /type/);
    assert.throws(() => parsePageMessage('[]'), /message/);
  });
});

describe('the page\'s frame reader', () => {
  const toArrayBuffer = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const frame = {
    seq: 7,
    width: 800,
    height: 480,
    rects: [
      { x: 10, y: 20, w: 2, h: 1, encoding: 'rgba' as const, data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) },
      { x: 790, y: 470, w: 10, h: 10, encoding: 'png' as const, data: Buffer.from('not really a png') },
    ],
  };

  test('reads what the server encodes', () => {
    const read = readFrame(toArrayBuffer(encodeFrame(frame)));
    assert.deepEqual({ seq: read.seq, width: read.width, height: read.height }, { seq: 7, width: 800, height: 480 });
    assert.deepEqual(
      read.rects.map((r) => ({ ...r, data: Buffer.from(r.data) })),
      frame.rects,
    );
  });

  test('refuses truncated, foreign and out-of-screen messages', () => {
    const good = encodeFrame(frame);
    assert.throws(() => readFrame(toArrayBuffer(good.subarray(0, good.length - 3))), /truncated/);
    assert.throws(() => readFrame(toArrayBuffer(good.subarray(0, 20))), /truncated/);
    assert.throws(() => readFrame(toArrayBuffer(Buffer.from('GIF89a-and-more-bytes'))), /not a frame/);
    const outside = encodeFrame({ ...frame, rects: [{ ...frame.rects[1]!, x: 795 }] });
    assert.throws(() => readFrame(toArrayBuffer(outside)), /outside/);
    const badRgba = encodeFrame({ ...frame, rects: [{ ...frame.rects[0]!, w: 3 }] });
    assert.throws(() => readFrame(toArrayBuffer(badRgba)), /RGBA length/);
  });
});

/** Collects a WebSocket's messages: JSON ones by type, binary ones as decoded frames. */
function collect(ws: WebSocket) {
  const json: { type: string; [k: string]: unknown }[] = [];
  const frames: ReturnType<typeof decodeFrame>[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) frames.push(decodeFrame(data));
    else json.push(JSON.parse(data.toString('utf8')) as { type: string });
  });
  return { json, frames };
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('web server and phone channel (no PBX)', () => {
  let sim: Simulator;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sipdesk-sim-web-'));
    // Port 9 (discard) refuses TCP: the phones keep retrying, the page works regardless.
    sim = await startSimulator(parseSimArgs(['--port', '0', '--phones', 'ann,ben', '--pbx', 'external', '--proxy', 'sip:127.0.0.1:9;transport=tcp', '--domain', 'sim.test', '--audio', 'null', '--data-dir', dataDir, '--log', 'error']));
  });
  after(async () => {
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('serves the page, its script and the phone list; nothing outside the page folder', async () => {
    const page = await fetch(sim.web.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<canvas/);
    assert.match((await fetch(new URL('app.js', sim.web.url))).headers.get('content-type') ?? '', /javascript/);
    const list = (await (await fetch(new URL('/sim/phones', sim.web.url))).json()) as { phones: { name: string; extension: string; apiUrl: string }[] };
    assert.deepEqual(list.phones.map((p) => [p.name, p.extension]), [['ann', '101'], ['ben', '102']]);
    const status = await fetch(`${list.phones[0]!.apiUrl}/api/v1/status`);
    assert.equal(status.status, 200, 'the listed control API answers');
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/sim.ts', '/nothing.js']) {
      assert.equal((await fetch(new URL(path, sim.web.url))).status, 404, path);
    }
    assert.equal((await fetch(sim.web.url, { method: 'POST' })).status, 405);
  });

  test('a socket gets the phone, its state and a whole-screen keyframe; input changes the screen', async (t) => {
    const ws = new WebSocket(`${sim.web.url.replace('http', 'ws')}ws/ben`);
    t.after(() => ws.close());
    const got = collect(ws);
    await once(ws, 'open');
    await until('hello and a keyframe', () => got.frames.length > 0 && got.json.some((m) => m.type === 'hello'));
    const hello = got.json.find((m) => m.type === 'hello') as unknown as { phone: { name: string; aor: string; width: number } };
    assert.equal(hello.phone.name, 'ben');
    assert.equal(hello.phone.aor, 'sip:ben@sim.test');
    for (const type of ['registration', 'lamps', 'calls', 'sip']) assert.ok(got.json.some((m) => m.type === type), type);
    const key = got.frames[0]!;
    assert.deepEqual([key.width, key.height, key.rects.length, key.rects[0]!.w, key.rects[0]!.h], [800, 480, 1, 800, 480]);

    ws.send('{"type":"key","key":"nope"}');
    await until('an error for a bad key', () => got.json.some((m) => m.type === 'error'));

    // Typing a digit opens the dialer: the screen is repainted.
    const before = got.frames.length;
    ws.send(JSON.stringify({ type: 'key', key: '7' }));
    await until('a frame after the key', () => got.frames.length > before);
    assert.ok(got.frames.slice(before).some((f) => f.rects.length > 0));
  });

  test('an unknown phone\'s socket is refused', async () => {
    const ws = new WebSocket(`${sim.web.url.replace('http', 'ws')}ws/zed`);
    const [err] = (await once(ws, 'error')) as [Error];
    assert.match(err.message, /404/);
  });
});

// In a child process: the launcher as users run it. (In-process, a call's last JsSIP transaction timer
// would keep this test file alive for 32 s after the phones stopped; the launcher exits when stopped.)
describe('the launcher with a kiosk phone', () => {
  const w = useWorkdir({ after }, 'sim-kiosk');
  let sim: ManagedProcess;
  let pageUrl = '';
  before(async () => {
    sim = startProcess({
      name: 'sim',
      command: process.execPath,
      args: [SIM_JS, '--port', '0', '--phones', 'ann,ben', '--kiosk', 'ben', '--audio', 'null', '--data-dir', join(w.path, 'data')],
      logFile: join(w.path, 'sim.log'),
    });
    w.defer(() => sim.stop(5000));
    pageUrl = (await sim.waitFor(/page: (http:\/\/\S+)/, 30_000))[1]!;
    await sim.waitFor(/all phones registered in \d+ ms/, 20_000);
  });

  test(
    'lifting the kiosk\'s handset on the page calls its hotline; SIGTERM ends the launcher with 0',
    w.guard(async () => {
      const list = (await (await fetch(new URL('/sim/phones', pageUrl))).json()) as { phones: { name: string; apiUrl: string; hotline?: string }[] };
      const [ann, ben] = list.phones;
      assert.equal(ben!.hotline, 'ann');
      const annCalls = async () => ((await (await fetch(`${ann!.apiUrl}/api/v1/calls`)).json()) as { calls: { state: string; remote: { uri: string } }[] }).calls;
      const ws = new WebSocket(`${pageUrl.replace('http', 'ws')}ws/ben`);
      const got = collect(ws);
      await once(ws, 'open');
      ws.send(JSON.stringify({ type: 'hook', offHook: true }));
      let ringing = false;
      const deadline = Date.now() + 5000;
      while (!ringing && Date.now() < deadline) {
        ringing = (await annCalls()).some((c) => c.state === 'ringing' && /^sip:ben@/.test(c.remote.uri));
        if (!ringing) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(ringing, 'ann rings with a call from ben');
      await until('ben\'s line lamp lit on the page', () => got.json.some((m) => m.type === 'lamps' && (m.lamps as Record<string, string>).line1 !== 'off'));
      ws.send(JSON.stringify({ type: 'hook', offHook: false }));
      await until('ben\'s call gone on the page', () => got.json.filter((m) => m.type === 'calls').at(-1)?.calls !== undefined && (got.json.filter((m) => m.type === 'calls').at(-1)!.calls as { calls: unknown[] }).calls.length === 0);
      ws.close();
      const exit = await sim.stop(5000);
      assert.deepEqual(exit, { code: 0, signal: null });
    }),
  );
});
