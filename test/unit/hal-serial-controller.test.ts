// Serial key/LED controller (src/hal/serial): CRC and frame bytes against the examples of PROTOCOL.md, the
// streaming decoder (any chunking, garbage between frames, cut/corrupt/oversized frames rejected and the next
// good frame accepted), message payload checks, the host session in fake time against the in-memory
// controller model (version retry, LED retransmission, restart), and the real driver on a socat pty pair with
// the controller emulator on the other end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { FakeClock, SystemClock } from '../../src/phone/clock.js';
import { MissingHardwareError, type HalInputEvent } from '../../src/hal/hal-types.js';
import { crc16CcittFalse } from '../../src/hal/serial/crc16.js';
import { encodeFrame, FrameDecoder, FrameTooLargeError, MAX_PAYLOAD, SOF, type Frame } from '../../src/hal/serial/framing.js';
import { fromFrame, MSG, NAK_REASON, toFrame, type Message } from '../../src/hal/serial/messages.js';
import { ControllerSession, type ByteLink } from '../../src/hal/serial/controller-session.js';
import { ControllerModel } from '../../src/hal/serial/controller-model.js';
import { openSerialController, openSimSerialController } from '../../src/hal/serial/serial-controller.js';
import { openPtyPair, startControllerEmulator, waitUntil } from '../harness/serial-controller-emulator.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase().match(/../g)!.join(' ');
const frame = (type: number, seq: number, payload: number[] = []): Frame => ({ type, seq, payload: Uint8Array.from(payload) });
const flush = () => new Promise((resolve) => setImmediate(resolve));

// ---- CRC and framing

test('CRC-16/CCITT-FALSE check value and the frame examples of PROTOCOL.md', () => {
  assert.equal(crc16CcittFalse(Buffer.from('123456789')), 0x29b1);
  assert.equal(hex(encodeFrame(frame(MSG.versionQuery, 0))), '7E 00 02 00 AA FE');
  assert.equal(hex(encodeFrame(frame(MSG.hello, 0, [1, 0]))), '7E 02 01 00 01 00 10 0A');
  assert.equal(hex(encodeFrame(frame(MSG.key, 7, [5, 1]))), '7E 02 10 07 05 01 24 6C');
  assert.equal(hex(encodeFrame(frame(MSG.ack, 3, [7]))), '7E 01 40 03 07 CA 6D');
  assert.equal(hex(encodeFrame(frame(MSG.ledSet, 0x7e, [0x10, 2, 0x01, 0xf4, 0x01, 0xf4]))), '7E 06 20 7D 5E 10 02 01 F4 01 F4 04 F0');
  assert.equal(hex(encodeFrame(frame(MSG.ack, 1, [0x7d]))), '7E 01 40 01 7D 5D 73 D2');
  assert.throws(() => encodeFrame(frame(MSG.ping, 0, new Array<number>(MAX_PAYLOAD + 1).fill(0))), FrameTooLargeError);
});

const frameArb = fc.record({
  type: fc.integer({ min: 0, max: 255 }),
  seq: fc.integer({ min: 0, max: 255 }),
  payload: fc.uint8Array({ maxLength: MAX_PAYLOAD }),
});

/** Splits bytes into chunks at the given cut points. */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
}

test('property: frames with garbage (no SOF) between them decode exactly, however the stream is chunked', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 20 }), frameArb), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (items, cuts) => {
        const parts: number[] = [];
        for (const [garbage, f] of items) {
          parts.push(...garbage.filter((b) => b !== SOF), ...encodeFrame(f));
        }
        const decoder = new FrameDecoder();
        const got = chunked(Uint8Array.from(parts), cuts).flatMap((c) => decoder.push(c));
        assert.deepEqual(got, items.map(([, f]) => ({ type: f.type, seq: f.seq, payload: f.payload })));
        assert.equal(decoder.stats.badCrc + decoder.stats.truncated + decoder.stats.oversized, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: with arbitrary garbage (SOF bytes included) every real frame still arrives, in order', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), frameArb), { minLength: 1, maxLength: 6 }), (items) => {
      const bytes = Uint8Array.from(items.flatMap(([garbage, f]) => [...garbage, ...encodeFrame(f)]));
      const got = new FrameDecoder().push(bytes);
      // Garbage could in theory contain a CRC-valid frame of its own: the real ones must be a subsequence.
      let i = 0;
      for (const f of got) if (i < items.length && JSON.stringify(f) === JSON.stringify(items[i]![1])) i++;
      assert.equal(i, items.length);
    }),
    { numRuns: 300 },
  );
});

test('cut, corrupted, oversized and badly escaped frames are counted and the next good frame is accepted', () => {
  const good = encodeFrame(frame(MSG.key, 9, [3, 1]));
  const key = encodeFrame(frame(MSG.key, 1, [4, 0]));
  const corrupt = Uint8Array.from(key);
  corrupt[5]! ^= 0x01; // payload bit flip
  const decoder = new FrameDecoder();
  const stream = [
    [0x00, 0xff, 0x13, 0x37], // line noise
    [...key.subarray(0, 4)], // cut short by the next SOF
    [...corrupt],
    [SOF, 0x40, 1, 2, 3], // LEN 64
    [SOF, 0x02, 0x7d, 0x11], // escape of a byte that needs none
    [...good],
  ];
  const got = stream.flatMap((s) => decoder.push(Uint8Array.from(s)));
  assert.deepEqual(got, [frame(MSG.key, 9, [3, 1])]);
  assert.deepEqual(decoder.stats, { frames: 1, garbageBytes: 4 + 3, badCrc: 1, truncated: 1, oversized: 1, badEscape: 1 });
  // idle fill (SOF SOF …) is not an error, and a CRC byte hit by noise is a bad CRC
  const d2 = new FrameDecoder();
  const tail = Uint8Array.from(good);
  tail[tail.length - 1]! ^= 0x80;
  assert.deepEqual(d2.push(Uint8Array.of(SOF, SOF, SOF, ...tail, ...good)), [frame(MSG.key, 9, [3, 1])]);
  assert.equal(d2.stats.truncated, 0);
  assert.equal(d2.stats.badCrc, 1);
});

// ---- messages

test('every message survives toFrame/fromFrame; bad payloads are refused with the NAK reason', () => {
  const messages: Message[] = [
    { type: 'hello', protocol: 1, reason: 2 },
    { type: 'versionQuery' },
    { type: 'version', protocol: 1, firmware: [2, 10, 7], keys: 48, leds: 17, model: 'kbd-v2 rev C' },
    { type: 'key', keyId: 0x21, down: true },
    { type: 'ledSet', ledId: 0x12, mode: 'blink', onMs: 250, offMs: 750 },
    { type: 'ledSet', ledId: 0x01, mode: 'on', onMs: 0, offMs: 0 },
    { type: 'ping', data: Uint8Array.of(1, 2) },
    { type: 'pong', data: Uint8Array.of() },
    { type: 'ack', seq: 200 },
    { type: 'nak', seq: 4, reason: NAK_REASON.badPayload },
    { type: 'reset' },
  ];
  for (const m of messages) assert.deepEqual(fromFrame(toFrame(m, 42)), { ok: true, message: m });
  const refused: [Frame, number][] = [
    [frame(MSG.key, 0, [1, 2]), NAK_REASON.badPayload],
    [frame(MSG.key, 0, [1]), NAK_REASON.badPayload],
    [frame(MSG.ledSet, 0, [1, 3, 0, 0, 0, 0]), NAK_REASON.badPayload],
    [frame(MSG.version, 0, [1, 1, 0, 0, 4, 4, 0x07]), NAK_REASON.badPayload],
    [frame(MSG.reset, 0, [0]), NAK_REASON.badPayload],
    [frame(0x99, 0), NAK_REASON.unknownType],
  ];
  for (const [f, reason] of refused) {
    const r = fromFrame(f);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.nak, reason);
  }
  // blink times beyond 16 bits are clamped, never wrapped
  const long = fromFrame(toFrame({ type: 'ledSet', ledId: 1, mode: 'blink', onMs: 100000, offMs: -5 }, 0));
  assert.deepEqual(long.ok && long.message, { type: 'ledSet', ledId: 1, mode: 'blink', onMs: 65535, offMs: 0 });
});

// ---- host session in fake time (simulated controller)

function simulated() {
  const clock = new FakeClock();
  const warnings: string[] = [];
  const log = { info: () => {}, debug: () => {}, warn: (m: string) => void warnings.push(m) };
  const sim = openSimSerialController({}, { clock, log });
  const events: HalInputEvent[] = [];
  sim.input.onEvent((e) => events.push(e));
  return { clock, sim, events, warnings };
}

test('simulated controller: version, keys, hook and LEDs', async () => {
  const { sim, events } = simulated();
  await flush();
  const version = await sim.ready;
  assert.deepEqual(version, { protocol: 1, firmware: '1.0.0', model: 'sipdesk-sim', keys: 48, leds: 17 });
  sim.controller.key('5', true);
  sim.controller.key('5', false);
  sim.controller.key('line3', true);
  sim.controller.hook(true);
  sim.controller.hook(true); // restated: no second event
  sim.controller.key(0x6e, true); // unknown id: ignored
  await flush();
  assert.deepEqual(events, [
    { type: 'key', code: '5', down: true },
    { type: 'key', code: '5', down: false },
    { type: 'key', code: 'line3', down: true },
    { type: 'hook', offHook: true },
  ]);
  assert.equal(sim.leds.set('message', { blink: { onMs: 400 } }), true);
  assert.equal(sim.leds.set('line12', 'on'), true);
  assert.equal(sim.leds.set('ring', 'on'), false);
  await flush();
  assert.deepEqual(Object.fromEntries(sim.controller.leds), {
    message: { mode: 'blink', onMs: 400, offMs: 400 },
    line12: { mode: 'on', onMs: 0, offMs: 0 },
  });
  assert.equal(sim.status().ledFailures, 0);
  await sim.leds.close();
});

test('a controller restart releases held keys (not the hook) and gets every lit LED back', async () => {
  const { sim, events } = simulated();
  await flush();
  sim.controller.hook(true);
  sim.controller.key('volumeUp', true);
  sim.leds.set('mute', 'on');
  sim.leds.set('speaker', 'off');
  sim.leds.set('line1', { blink: { onMs: 100, offMs: 900 } });
  await flush();
  events.length = 0;
  sim.controller.restart(2);
  assert.equal(sim.controller.leds.size, 0);
  await flush();
  await flush();
  assert.deepEqual(events, [{ type: 'key', code: 'volumeUp', down: false }]);
  assert.deepEqual([...sim.controller.leds.keys()].sort(), ['line1', 'mute']);
  assert.equal(sim.status().restarts, 2); // power-on HELLO and this one
});

test('no VERSION reply: a clear error, then the driver keeps asking until the controller answers', async () => {
  const { sim, clock, warnings } = simulated();
  sim.controller.mute = true;
  await flush();
  clock.advance(1000);
  assert.match(sim.status().lastError ?? '', /no VERSION reply within 1000 ms .* asking again every 5000 ms/);
  assert.equal(warnings.length, 1);
  assert.equal(sim.status().version, undefined);
  clock.advance(5000);
  clock.advance(1000); // second attempt unanswered: logged once only
  assert.equal(warnings.length, 1);
  const queries = () => sim.controller.received.filter((m) => m.type === 'versionQuery').length;
  await flush();
  assert.equal(queries(), 3); // at open, after the power-on HELLO, and the retry at 6 s
  sim.controller.mute = false;
  clock.advance(5000);
  await flush();
  await flush();
  assert.equal((await sim.ready).firmware, '1.0.0');
  assert.equal(sim.status().lastError, undefined);
  assert.equal(sim.status().responsive, true);
  await sim.input.close();
});

/** A host session over a link whose writes the test sees and whose answers it crafts. */
function scriptedLink() {
  const written: Message[] = [];
  const decoder = new FrameDecoder();
  let toHost: (c: Uint8Array) => void = () => {};
  const link: ByteLink = {
    write: (bytes) => {
      for (const f of decoder.push(bytes)) {
        const m = fromFrame(f);
        if (m.ok) written.push(m.message);
      }
    },
    onData: (l) => (toHost = l),
    close: () => Promise.resolve(),
  };
  const controller = new ControllerModel({ send: (b) => toHost(b) });
  return { link, written, controller };
}

test('LED_SET is retransmitted until ACKed, again on NAK, and counted as failed after the last try', () => {
  const clock = new FakeClock();
  const s = scriptedLink();
  const session = new ControllerSession({ name: 'test', link: s.link, clock, timings: { pingIntervalMs: 0 } });
  session.leds.set('dnd', 'on');
  const ledSets = () => s.written.filter((m) => m.type === 'ledSet').length;
  assert.equal(ledSets(), 1);
  clock.advance(250);
  assert.equal(ledSets(), 2);
  clock.advance(250 * 3);
  assert.equal(ledSets(), 4);
  assert.equal(session.status().ledFailures, 1);
  clock.advance(1000);
  assert.equal(ledSets(), 4); // gave up
  // NAK → immediate retransmission; ACK → quiet
  session.leds.set('dnd', 'off');
  const seq = 5; // the host's sixth frame: VERSION_QUERY 0, LED_SETs 1..4, this one

  s.controller.send({ type: 'nak', seq, reason: NAK_REASON.busy });
  assert.equal(ledSets(), 6);
  s.controller.send({ type: 'ack', seq: seq + 1 });
  clock.advance(2000);
  assert.equal(ledSets(), 6);
  assert.equal(session.status().naks, 1);
  void session.leds.close();
});

test('a KEY retransmitted with the same SEQ acts once but is ACKed each time; bad payloads are NAKed', () => {
  const clock = new FakeClock();
  const s = scriptedLink();
  const session = new ControllerSession({ name: 'test', link: s.link, clock, timings: { pingIntervalMs: 0 } });
  const events: HalInputEvent[] = [];
  session.input.onEvent((e) => events.push(e));
  const key = toFrame({ type: 'key', keyId: 0x10, down: true }, 77);
  s.controller.sendFrame(key);
  s.controller.sendFrame(key);
  assert.deepEqual(events, [{ type: 'key', code: 'soft1', down: true }]);
  assert.deepEqual(
    s.written.filter((m) => m.type === 'ack'),
    [
      { type: 'ack', seq: 77 },
      { type: 'ack', seq: 77 },
    ],
  );
  s.controller.sendFrame(frame(MSG.key, 78, [0x10, 9]));
  assert.deepEqual(s.written.at(-1), { type: 'nak', seq: 78, reason: NAK_REASON.badPayload });
  assert.equal(session.status().badPayloads, 1);
  void session.input.close();
});

// ---- the real driver on a pty pair

test('real driver over a socat pty pair with the controller emulator', async (t) => {
  const pty = await openPtyPair();
  const emulator = await startControllerEmulator(pty.b, { model: 'emu-kbd', firmware: [3, 1, 4] });
  const ctl = await openSerialController({ port: pty.a, baud: 115200 }, { clock: new SystemClock() });
  // Both ends first, socat last: a pty whose peer is gone fails writes with EIO.
  t.after(async () => {
    await ctl.input.close();
    await emulator.close();
    await pty.close();
  });
  const events: HalInputEvent[] = [];
  ctl.input.onEvent((e) => events.push(e));
  const eventCount = (n: number) => waitUntil(() => (events.length >= n ? true : undefined), 3000, `${n} input events`);

  await t.test('version query answered', async () => {
    const v = await ctl.ready;
    assert.deepEqual(v, { protocol: 1, firmware: '3.1.4', model: 'emu-kbd', keys: 48, leds: 17 });
  });

  await t.test('key and hook events arrive', async () => {
    emulator.model.key('#', true);
    emulator.model.key('#', false);
    emulator.model.hook(true);
    await eventCount(3);
    assert.deepEqual(events.splice(0), [
      { type: 'key', code: '#', down: true },
      { type: 'key', code: '#', down: false },
      { type: 'hook', offHook: true },
    ]);
  });

  await t.test('LED commands reach the controller', async () => {
    ctl.leds.set('message', { blink: { onMs: 500, offMs: 1500 } });
    ctl.leds.set('line4', 'on');
    await waitUntil(() => (emulator.model.leds.size === 2 ? true : undefined), 3000, 'two LEDs at the emulator');
    assert.deepEqual(emulator.model.leds.get('message'), { mode: 'blink', onMs: 500, offMs: 1500 });
    assert.deepEqual(emulator.model.leds.get('line4'), { mode: 'on', onMs: 0, offMs: 0 });
  });

  await t.test('garbage, a cut frame, a bad CRC and an oversized frame are rejected; the link resynchronises', async () => {
    const before = ctl.status().decoder;
    const cut = encodeFrame(toFrame({ type: 'key', keyId: 1, down: true }, 100)).subarray(0, 5);
    const badCrc = Uint8Array.from(encodeFrame(toFrame({ type: 'key', keyId: 2, down: true }, 101)));
    badCrc[badCrc.length - 2]! ^= 0x55;
    await emulator.sendRaw([0x55, 0xaa, 0x00, 0xff, 0x0d, 0x0a]);
    await emulator.sendRaw(cut);
    await emulator.sendRaw(badCrc);
    await emulator.sendRaw([SOF, 0xf0, 0x10, 0x00]);
    emulator.model.key('8', true);
    await eventCount(1);
    assert.deepEqual(events.splice(0), [{ type: 'key', code: '8', down: true }]);
    const after = ctl.status().decoder;
    assert.equal(after.garbageBytes - before.garbageBytes >= 6, true);
    assert.equal(after.truncated - before.truncated, 1);
    assert.equal(after.badCrc - before.badCrc, 1);
    assert.equal(after.oversized - before.oversized, 1);
  });

  await t.test('after a controller restart the lit LEDs are sent again', async () => {
    emulator.model.restart(0);
    assert.equal(emulator.model.leds.size, 0);
    await waitUntil(() => (emulator.model.leds.size === 2 ? true : undefined), 3000, 'LEDs restored at the emulator');
    assert.equal(ctl.status().restarts, 1);
    // '8' was still held: released; the hook restated unchanged gives no event
    assert.deepEqual(events, [{ type: 'key', code: '8', down: false }]);
  });
});

test('a missing serial port is MissingHardwareError naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-dev-'));
  try {
    await assert.rejects(
      openSerialController({ port: '/dev/ttyAMA0', roots: { dev: dir } }, { clock: new FakeClock() }),
      (e: unknown) => e instanceof MissingHardwareError && e.message === `serial-controller: no serial port ${join(dir, 'ttyAMA0')}`,
    );
    await assert.rejects(openSerialController({ port: '/dev/ttyNOSUCH9' }, { clock: new FakeClock() }), MissingHardwareError);
    // Exists but is not a tty: a plain error that says what failed.
    await assert.rejects(openSerialController({ port: dir }, { clock: new FakeClock() }), (e: unknown) => !(e instanceof MissingHardwareError) && /cannot open at 115200 baud/.test(String(e)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
