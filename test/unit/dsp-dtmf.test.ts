import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  encodeTelephoneEvent,
  decodeTelephoneEvent,
  digitToEvent,
  eventToDigit,
  planEvent,
  DtmfSender,
  DtmfReceiver,
  type DtmfPacket,
  type DtmfEvent,
  dtmfFrequencies,
  dtmfTonePlan,
  DtmfDetector,
  type DtmfDetection,
} from '../../src/media/dsp/dtmf.js';
import { renderTone, ToneGenerator, type TonePlan } from '../../src/media/dsp/tones.js';
import { TONE_PLANS, TONE_REGIONS, TONE_NAMES } from '../../src/media/dsp/tone-plans.js';

test('telephone-event payload: encode/decode round trip and the RFC 4733 §2.3 layout', () => {
  const b = encodeTelephoneEvent({ event: 11, end: true, volume: 10, duration: 1600 });
  assert.deepEqual([...b], [11, 0x80 | 10, 0x06, 0x40]);
  assert.deepEqual(decodeTelephoneEvent(b), { event: 11, end: true, volume: 10, duration: 1600 });
  // R bit set by a sloppy sender is ignored.
  assert.deepEqual(decodeTelephoneEvent(Uint8Array.of(5, 0x40 | 7, 0, 160)), { event: 5, end: false, volume: 7, duration: 160 });
  assert.throws(() => encodeTelephoneEvent({ event: 256, end: false, volume: 0, duration: 0 }), RangeError);
  assert.throws(() => encodeTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 }), RangeError);
  assert.throws(() => encodeTelephoneEvent({ event: 1, end: false, volume: 1, duration: 65536 }), RangeError);
  assert.equal(digitToEvent('#'), 11);
  assert.equal(digitToEvent('d'), 15);
  assert.equal(digitToEvent('x'), undefined);
  assert.equal(eventToDigit(10), '*');
  assert.equal(eventToDigit(16), undefined);
});

test('decode is strict and never throws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 12 }), (b) => {
      const e = decodeTelephoneEvent(b);
      if (b.length !== 4) assert.equal(e, undefined);
      else {
        assert.ok(e !== undefined);
        assert.deepEqual(decodeTelephoneEvent(encodeTelephoneEvent(e)), e);
      }
    }),
  );
});

test('one digit: marker first, updates every 50 ms, three identical end packets (RFC 4733 §2.5.1)', () => {
  const p = planEvent(5, 1000, 4_294_967_000, { durationMs: 120, intervalMs: 50 });
  assert.deepEqual(
    p.map((x) => [x.atMs, x.marker, x.event.duration, x.event.end]),
    [
      [1000, true, 400, false],
      [1050, false, 800, false],
      [1100, false, 960, false],
      [1120, false, 960, true],
      [1170, false, 960, true],
      [1220, false, 960, true],
    ],
  );
  assert.ok(p.every((x) => x.timestamp === 4_294_967_000 && x.event.event === 5 && x.event.volume === 10));
  assert.deepEqual(p[3]?.payload, p[5]?.payload);
});

test('an event longer than 65535 units is split into segments (§2.5.1.3)', () => {
  const p = planEvent(1, 0, 100, { durationMs: 10_000, intervalMs: 50 });
  const segs = [...new Set(p.map((x) => x.timestamp))];
  assert.deepEqual(segs, [100, 100 + 65535]);
  const firstSegEnd = p.filter((x) => x.timestamp === 100).at(-1);
  assert.equal(firstSegEnd?.event.duration, 65535);
  const ends = p.filter((x) => x.event.end);
  assert.equal(ends.length, 3);
  assert.ok(ends.every((x) => x.timestamp === 100 + 65535 && x.event.duration === 80_000 - 65535));
  assert.equal(p.filter((x) => x.marker).length, 1);
  // A receiver puts it back together.
  const rx = new DtmfReceiver();
  const got = p.flatMap((x) => rx.push({ payload: x.payload, timestamp: x.timestamp, marker: x.marker, arrivalMs: x.atMs }));
  assert.equal(got.length, 1);
  assert.equal(got[0]?.duration, 80_000);
  assert.equal(got[0]?.durationMs, 10_000);
});

/** Runs a sender with a 20 ms poll (the audio clock), RTP timestamp 160 per poll. */
function drive(sender: DtmfSender, ms: number, ts0 = 1_000_000): DtmfPacket[] {
  const out: DtmfPacket[] = [];
  for (let t = 0; t <= ms; t += 20) out.push(...sender.poll(t, (ts0 + t * 8) >>> 0));
  return out;
}

test('sender: digits one after another, with the gap, each with its own timestamp; busy while sending', () => {
  const s = new DtmfSender({ durationMs: 100, gapMs: 100, intervalMs: 50 });
  s.send('1#');
  assert.equal(s.pending, 2);
  const busy: boolean[] = [];
  const out: DtmfPacket[] = [];
  for (let t = 0; t <= 600; t += 20) {
    out.push(...s.poll(t, 1_000_000 + t * 8));
    busy.push(s.busy);
  }
  assert.deepEqual(
    out.map((p) => [p.atMs, p.event.event, p.marker, p.event.duration, p.event.end, p.timestamp]),
    [
      [0, 1, true, 400, false, 1_000_000],
      [50, 1, false, 800, false, 1_000_000],
      [100, 1, false, 800, true, 1_000_000],
      [150, 1, false, 800, true, 1_000_000],
      [200, 1, false, 800, true, 1_000_000],
      [200, 11, true, 400, false, 1_001_600],
      [250, 11, false, 800, false, 1_001_600],
      [300, 11, false, 800, true, 1_001_600],
      [350, 11, false, 800, true, 1_001_600],
      [400, 11, false, 800, true, 1_001_600],
    ],
  );
  assert.equal(busy.at(-1), false);
  assert.equal(s.pending, 0);
  assert.throws(() => s.send('12x'), /not a DTMF digit: "x"/);
  assert.equal(s.pending, 0, 'nothing queued from a bad string');
});

test('sender: a late poll sends the newest update only, and every end packet', () => {
  const s = new DtmfSender({ durationMs: 300, intervalMs: 50 });
  s.send('9');
  const a = s.poll(0, 0);
  const b = s.poll(260, 2080); // 5 updates overdue
  assert.deepEqual(a.map((p) => p.event.duration), [400]);
  assert.deepEqual(b.map((p) => p.event.duration), [2400]);
  const c = s.poll(500, 4000);
  assert.deepEqual(c.map((p) => [p.event.duration, p.event.end]), [
    [2400, true],
    [2400, true],
    [2400, true],
  ]);
  s.send('12');
  s.clear();
  assert.equal(s.pending, 0);
});

function rxAll(rx: DtmfReceiver, packets: readonly DtmfPacket[], endMs = 100_000): DtmfEvent[] {
  const got: DtmfEvent[] = [];
  for (const p of packets) got.push(...rx.push({ payload: p.payload, timestamp: p.timestamp, marker: p.marker, arrivalMs: p.atMs }));
  got.push(...rx.poll(endMs));
  return got;
}

test('receiver: one event per digit with its duration; duplicates and retransmitted ends ignored', () => {
  const s = new DtmfSender({ durationMs: 120 });
  s.send('159');
  const packets = drive(s, 2000);
  const doubled = packets.flatMap((p) => [p, p]);
  const got = rxAll(new DtmfReceiver(), doubled);
  assert.deepEqual(
    got.map((e) => [e.digit, e.durationMs, e.endSeen]),
    [
      ['1', 120, true],
      ['5', 120, true],
      ['9', 120, true],
    ],
  );
});

test('receiver: lost start packets, lost end packets, out-of-order updates', () => {
  const s = new DtmfSender({ durationMs: 200 });
  s.send('24');
  const packets = drive(s, 2000);
  // Digit 2: start (marker) lost. Digit 4: all three end packets lost.
  const lossy = packets.filter((p) => !(p.event.event === 2 && p.marker) && !(p.event.event === 4 && p.event.end));
  const rx = new DtmfReceiver({ timeoutMs: 500 });
  const got: DtmfEvent[] = [];
  for (const p of lossy) got.push(...rx.push({ payload: p.payload, timestamp: p.timestamp, marker: p.marker, arrivalMs: p.atMs }));
  assert.deepEqual(got.map((e) => e.digit), ['2']);
  assert.equal(rx.active?.digit, '4');
  assert.deepEqual(rx.poll(600), [], 'not yet timed out');
  const late = rx.poll(1200);
  assert.equal(late.length, 1);
  assert.equal(late[0]?.digit, '4');
  assert.equal(late[0]?.endSeen, false);
  assert.equal(late[0]?.durationMs, 200, 'duration from the last update');
  // A straggler of a finished event does not start a new one.
  assert.deepEqual(rx.push({ payload: (packets[1] as DtmfPacket).payload, timestamp: (packets[1] as DtmfPacket).timestamp, arrivalMs: 1300 }), []);
  assert.equal(rx.active, undefined);
});

test('receiver: the next event ends one whose end packets were all lost', () => {
  const s = new DtmfSender({ durationMs: 100, gapMs: 60 });
  s.send('77');
  const packets = drive(s, 1000).filter((p) => !(p.event.end && p.timestamp === 1_000_000));
  const got = rxAll(new DtmfReceiver(), packets);
  assert.deepEqual(got.map((e) => [e.digit, e.endSeen]), [
    ['7', false],
    ['7', true],
  ]);
});

test('receiver: only end packets arrive → still exactly one event; malformed payloads counted', () => {
  const rx = new DtmfReceiver();
  const end = encodeTelephoneEvent({ event: 0, end: true, volume: 10, duration: 800 });
  assert.deepEqual(rx.push({ payload: end, timestamp: 5, arrivalMs: 0 }).map((e) => e.digit), ['0']);
  assert.deepEqual(rx.push({ payload: end, timestamp: 5, arrivalMs: 50 }), []);
  assert.deepEqual(rx.push({ payload: Uint8Array.of(1, 2, 3), timestamp: 9, arrivalMs: 60 }), []);
  assert.equal(rx.malformed, 1);
  rx.reset();
  assert.equal(rx.push({ payload: end, timestamp: 5, arrivalMs: 70 }).length, 1, 'after reset the same timestamp is new');
});

test('property: loss, duplication and local reordering still give one event per key press, in order', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[0-9*#A-D]{1,8}$/),
      fc.integer({ min: 40, max: 400 }),
      fc.integer(),
      fc.double({ min: 0, max: 0.6, noNaN: true }),
      (digits, durationMs, seed, loss) => {
        let r = seed >>> 0;
        const rnd = (): number => {
          r = (Math.imul(r, 1664525) + 1013904223) >>> 0;
          return r / 4294967296;
        };
        const s = new DtmfSender({ durationMs, gapMs: 80 });
        s.send(digits);
        const packets = drive(s, digits.length * (durationMs + 300) + 500, Math.floor(rnd() * 2 ** 32));
        // Per key press: drop some (never all), duplicate some, swap neighbours.
        const byTs = new Map<number, DtmfPacket[]>();
        for (const p of packets) byTs.set(p.timestamp, [...(byTs.get(p.timestamp) ?? []), p]);
        const stream: DtmfPacket[] = [];
        let allEndsLost = 0;
        for (const group of byTs.values()) {
          let kept = group.filter(() => rnd() >= loss);
          if (kept.length === 0) kept = [group[Math.floor(rnd() * group.length)] as DtmfPacket];
          if (!kept.some((p) => p.event.end)) allEndsLost++;
          kept = kept.flatMap((p) => (rnd() < 0.3 ? [p, p] : [p]));
          for (let i = 0; i + 1 < kept.length; i++) {
            if (rnd() < 0.3) [kept[i], kept[i + 1]] = [kept[i + 1] as DtmfPacket, kept[i] as DtmfPacket];
          }
          stream.push(...kept);
        }
        const got = rxAll(new DtmfReceiver(), stream);
        assert.equal(got.map((e) => e.digit).join(''), digits.toUpperCase());
        for (const e of got) {
          assert.ok(e.durationMs <= durationMs + 1e-9);
          if (e.endSeen) assert.equal(e.durationMs, Math.round(durationMs * 8) / 8);
        }
        assert.equal(got.filter((e) => !e.endSeen).length, allEndsLost);
      },
    ),
    { numRuns: 300 },
  );
});

test('in-band: every key maps to its Q.23 pair', () => {
  assert.deepEqual(dtmfFrequencies('1'), [697, 1209]);
  assert.deepEqual(dtmfFrequencies('0'), [941, 1336]);
  assert.deepEqual(dtmfFrequencies('#'), [941, 1477]);
  assert.deepEqual(dtmfFrequencies('d'), [941, 1633]);
  assert.equal(dtmfFrequencies('x'), undefined);
  assert.throws(() => dtmfTonePlan('1x'), RangeError);
});

function detect(pcm: Int16Array, fs: number, opts = {}): DtmfDetection[] {
  const d = new DtmfDetector({ sampleRate: fs, ...opts });
  return [...d.push(pcm), ...d.flush()];
}

function twoTone(low: number, high: number, segs: readonly [boolean, number][], lowDbm0 = -10, highDbm0 = -8): TonePlan {
  return { name: 't', levelDbm0: lowDbm0, repeat: false, segments: segs.map(([on, ms]) => (on ? { freqs: [low, high], ms, levelsDbm0: [lowDbm0, highDbm0] } : { freqs: [], ms })) };
}

for (const fs of [8000, 16000]) {
  test(`in-band ${fs} Hz: all 16 keys, 50 ms tones and pauses, timing within a few ms`, () => {
    const digits = '123A456B789C*0#D';
    const got = detect(renderTone(dtmfTonePlan(digits, { durationMs: 50, gapMs: 50 }), fs, 1700), fs);
    assert.equal(got.map((g) => g.digit).join(''), digits);
    got.forEach((g, i) => {
      assert.ok(Math.abs(g.startMs - i * 100) <= 5, `start ${g.startMs}`);
      assert.ok(Math.abs(g.durationMs - 50) <= 10, `duration ${g.durationMs}`);
    });
  });

  test(`in-band ${fs} Hz: Q.24 timing — ≥ 40 ms recognized, ≤ 23 ms not; 10 ms break bridged, 40 ms pause splits`, () => {
    for (const ms of [40, 45, 60]) assert.equal(detect(renderTone(dtmfTonePlan('5', { durationMs: ms }), fs, 300), fs).length, 1, `${ms} ms`);
    for (const ms of [10, 20, 23]) assert.equal(detect(renderTone(dtmfTonePlan('5', { durationMs: ms }), fs, 300), fs).length, 0, `${ms} ms`);
    const broken = twoTone(852, 1477, [[true, 60], [false, 10], [true, 60], [false, 100]]);
    assert.deepEqual(detect(renderTone(broken, fs, 300), fs).map((d) => d.digit), ['9']);
    const paused = twoTone(852, 1477, [[true, 60], [false, 40], [true, 60], [false, 100]]);
    assert.deepEqual(detect(renderTone(paused, fs, 300), fs).map((d) => d.digit), ['9', '9']);
  });

  test(`in-band ${fs} Hz: Q.24 frequency tolerance — ±1.5 % accepted, ±3.5 % rejected`, () => {
    for (const dev of [-0.015, 0.015, 0]) {
      const got = detect(renderTone(twoTone(770 * (1 + dev), 1336 * (1 + dev), [[true, 100], [false, 50]]), fs, 150), fs);
      assert.deepEqual(got.map((d) => d.digit), ['5'], `deviation ${dev}`);
    }
    for (const [dl, dh] of [
      [0.035, 0],
      [-0.035, 0],
      [0, 0.035],
      [0, -0.035],
      [0.05, 0.05],
    ]) {
      const got = detect(renderTone(twoTone(770 * (1 + (dl as number)), 1336 * (1 + (dh as number)), [[true, 100], [false, 50]]), fs, 150), fs);
      assert.equal(got.length, 0, `deviation ${dl}/${dh}`);
    }
  });

  test(`in-band ${fs} Hz: levels and twist`, () => {
    const at = (low: number, high: number): number => detect(renderTone(twoTone(941, 1336, [[true, 100], [false, 50]], low, high), fs, 150), fs).length;
    assert.equal(at(-30, -30), 1);
    assert.equal(at(-3, -3), 1);
    assert.equal(at(-36, -36), 0, 'too quiet');
    assert.equal(at(-10, -17), 1, 'normal twist 7 dB');
    assert.equal(at(-10, -19), 0, 'normal twist 9 dB');
    assert.equal(at(-10, -7), 1, 'reverse twist 3 dB');
    assert.equal(at(-10, -5), 0, 'reverse twist 5 dB');
  });

  test(`in-band ${fs} Hz: no false digits from noise, call-progress tones or a single tone`, () => {
    let seed = 7;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296 - 0.5;
    };
    assert.equal(detect(Int16Array.from({ length: fs * 5 }, () => rnd() * 20_000), fs).length, 0, 'white noise');
    for (const region of TONE_REGIONS) {
      for (const name of TONE_NAMES) {
        const plan = TONE_PLANS[region][name];
        assert.equal(detect(renderTone(plan, fs, 3000, { volumeDb: 10 }), fs).length, 0, `${region} ${name}`);
      }
    }
    assert.equal(detect(renderTone({ name: 's', levelDbm0: -10, repeat: false, segments: [{ freqs: [1209], ms: 500 }] }, fs, 500), fs).length, 0);
    // Speech-like harmonic signal sweeping through the DTMF band.
    const harm = Int16Array.from({ length: fs * 2 }, (_v, n) => {
      const f0 = 110 + 40 * Math.sin((2 * Math.PI * n) / fs);
      let v = 0;
      for (let h = 1; h <= 15; h++) v += (3000 / h) * Math.sin((2 * Math.PI * f0 * h * n) / fs);
      return Math.round(v);
    });
    assert.equal(detect(harm, fs).length, 0, 'harmonic signal');
  });

  test(`in-band ${fs} Hz: digits still found in noise (SNR about 24 dB)`, () => {
    let seed = 99;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296 - 0.5;
    };
    const clean = renderTone(dtmfTonePlan('0815*#', { durationMs: 70, gapMs: 70 }), fs, 900);
    const noisy = Int16Array.from(clean, (v) => v + rnd() * 1800);
    assert.equal(detect(noisy, fs).map((d) => d.digit).join(''), '0815*#');
  });
}

test('in-band generation is frame-by-frame, and fed in small pieces the detector agrees', () => {
  const fs = 8000;
  const g = new ToneGenerator(dtmfTonePlan('42', { durationMs: 80, gapMs: 60 }), { sampleRate: fs });
  const d = new DtmfDetector({ sampleRate: fs });
  const found: string[] = [];
  for (let i = 0; i < 70; i++) found.push(...d.push(g.next(37)).map((x) => x.digit));
  assert.equal(d.current, undefined);
  found.push(...d.flush().map((x) => x.digit));
  assert.deepEqual(found, ['4', '2']);
  assert.throws(() => new DtmfDetector({ sampleRate: 4000 }), RangeError);
});
