// USB headset driver (src/hal/headset): the report-descriptor parser on hand-written descriptors in three
// vendors' styles (test/fixtures/hid), input reports → hook/key events with each edge rule, LED output
// reports byte-exact, malformed descriptors rejected with a clear error and never a throw from the driver,
// and device selection of openHidHeadset over a fake HID bus with a temporary sysfs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { FakeClock } from '../../src/phone/clock.js';
import { MissingHardwareError, type HalInputEvent } from '../../src/hal/hal-types.js';
import {
  HidDescriptorError,
  parseHidDescriptor,
  readBits,
  reportBytes,
  tryParseHidDescriptor,
  usageOf,
  writeBits,
  type VariableField,
} from '../../src/hal/headset/hid-descriptor.js';
import { createSimHidHeadset, SIM_HEADSET_DESCRIPTOR } from '../../src/hal/headset/sim-headset.js';
import { openHidHeadset } from '../../src/hal/headset/hid-headset.js';
import type { HidBackend, HidDeviceHandle, HidDeviceInfo } from '../../src/hal/headset/hid-backend.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'hid');

function fixture(name: string): Uint8Array {
  const text = readFileSync(join(FIXTURES, `${name}.hex`), 'utf8');
  const hex = text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .join(' ')
    .split(/\s+/)
    .filter(Boolean);
  return Uint8Array.from(hex.map((h) => parseInt(h, 16)));
}

const JABRA = fixture('jabra-style');
const POLY = fixture('poly-style');
const HANDSET = fixture('handset-no-ids');

function headset(descriptor: Uint8Array) {
  const clock = new FakeClock();
  const sim = createSimHidHeadset({ descriptor }, { clock });
  const events: HalInputEvent[] = [];
  sim.input.onEvent((e) => events.push(e));
  /** Injects a report and returns the events it produced. */
  const send = (...bytes: number[]) => {
    events.length = 0;
    sim.inject(bytes);
    return [...events];
  };
  const hex = () => sim.written.map((r) => Buffer.from(r).toString('hex'));
  return { clock, sim, send, hex };
}

const press = (code: string): HalInputEvent[] => [
  { type: 'key', code, down: true },
  { type: 'key', code, down: false },
];

// ---- parser

test('parses the Jabra-style descriptor: ids, collections, field positions and sizes', () => {
  const d = parseHidDescriptor(JABRA);
  assert.equal(d.usesReportIds, true);
  assert.deepEqual(
    d.collections.map((c) => [c.usage.toString(16), c.reportIds]),
    [
      ['ff3000fd', [5]],
      ['b0005', [2, 3, 4]],
      ['c0001', [1]],
    ],
  );
  assert.equal(reportBytes(d, 'feature', 5), 64);
  assert.equal(reportBytes(d, 'input', 2), 2);
  assert.equal(reportBytes(d, 'output', 3), 2);
  const field = (usage: number) => d.fields.find((f): f is VariableField => f.type === 'variable' && f.usage === usage);
  const hook = field(usageOf(0x0b, 0x20))!;
  assert.deepEqual([hook.kind, hook.reportId, hook.bitOffset, hook.bitSize, hook.flags.relative], ['input', 2, 0, 1, false]);
  const mute = field(usageOf(0x0b, 0x2f))!;
  assert.deepEqual([mute.reportId, mute.bitOffset, mute.flags.relative], [2, 3, true]);
  const redial = field(usageOf(0x0b, 0x24))!;
  assert.equal(redial.bitOffset, 5);
  const mic = field(usageOf(0x08, 0x21))!;
  assert.deepEqual([mic.kind, mic.reportId, mic.bitOffset], ['output', 3, 4]);
  const vendor = d.fields.filter((f) => f.kind === 'feature');
  assert.equal(vendor.length, 63);
  assert.equal(vendor[62]!.bitOffset, 62 * 8);
  assert.equal((vendor[0] as VariableField).logicalMax, 255); // 2-byte Logical Maximum, not sign-extended to -1
});

test('parses the Poly-style descriptor: Push/Pop restore the globals, arrays list their usage range', () => {
  const d = parseHidDescriptor(POLY);
  const keypad = d.fields.find((f) => f.type === 'array' && f.reportId === 2)!;
  assert.equal(keypad.type, 'array');
  if (keypad.type !== 'array') return;
  assert.deepEqual([keypad.bitOffset, keypad.bitSize, keypad.logicalMin, keypad.logicalMax], [2, 4, 1, 12]);
  assert.equal(keypad.usages.length, 12);
  assert.equal(keypad.flags.nullState, true);
  // After Pop the padding is 2 × 1 bit again, so input 2 is exactly one byte.
  assert.equal(d.reportBits.get('input:2'), 8);
  assert.equal(d.reportBits.get('output:2'), 8);
  const consumer = d.fields.find((f) => f.reportId === 1)!;
  assert.equal(consumer.type === 'array' && consumer.usages.length, 1024);
  assert.equal(consumer.bitSize, 16);
});

test('parses a descriptor without report ids', () => {
  const d = parseHidDescriptor(HANDSET);
  assert.equal(d.usesReportIds, false);
  assert.equal(reportBytes(d, 'input', 0), 1);
  assert.equal(reportBytes(d, 'output', 0), 1);
  assert.equal(d.collections[0]!.usage, usageOf(0x0b, 0x01));
});

test('signed logical ranges, 4-byte extended usages, and a skipped long item', () => {
  const d = parseHidDescriptor(
    Uint8Array.from([
      0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, //    Generic Desktop / Mouse, Application
      0xfe, 0x02, 0x10, 0xaa, 0xbb, //          long item (2 data bytes), skipped
      0x0b, 0x2f, 0x00, 0x0b, 0x00, //          Usage (Telephony:Phone Mute) as an extended usage
      0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x01, 0x81, 0x06, //  logical −127..127, Input Rel
      0xc0,
    ]),
  );
  const f = d.fields[0] as VariableField;
  assert.equal(f.usage, usageOf(0x0b, 0x2f));
  assert.deepEqual([f.logicalMin, f.logicalMax], [-127, 127]);
  assert.match(d.notes.join(), /long item/);
});

test('malformed descriptors give an error naming the byte; tryParse never throws', () => {
  const cases: [string, number[], RegExp][] = [
    ['empty', [], /empty/],
    ['truncated item', [0x05, 0x0b, 0x09], /byte 2: item 0x09 truncated/],
    ['truncated 4-byte item', [0x07, 0x01, 0x02], /byte 0: .*truncated/],
    ['truncated long item', [0x05, 0x0b, 0xfe, 0x08, 0x10, 0x00], /byte 2: long item announces 8/],
    ['long item header cut', [0xfe, 0x01], /byte 0: truncated long item/],
    ['collection never closed', [0x05, 0x0b, 0x09, 0x05, 0xa1, 0x01, 0xa1, 0x02], /2 collection\(s\) not closed/],
    ['extra End Collection', [0x05, 0x0b, 0x09, 0x05, 0xa1, 0x01, 0xc0, 0xc0], /byte 7: End Collection without/],
    ['Pop without Push', [0xb4], /Pop without a matching Push/],
    ['Report ID 0', [0x85, 0x00], /Report ID 0 out of range/],
    ['Usage Minimum alone', [0x19, 0x01, 0x75, 0x01, 0x95, 0x01, 0x81, 0x00], /Usage Minimum without Usage Maximum/],
    ['report size beyond 32 bits', [0x75, 0x40], /Report Size 64/],
    ['reserved item type', [0x0c], /reserved item type/],
    ['ids used after unnumbered reports', [0x75, 0x08, 0x95, 0x01, 0x81, 0x01, 0x85, 0x01], /Report ID after reports without one/],
    ['report over 4 KiB', [0x75, 0x20, 0x96, 0x00, 0x04, 0x09, 0x01, 0x81, 0x02, 0x81, 0x02], /longer than 4096 bytes/],
  ];
  for (const [what, bytes, message] of cases) {
    assert.throws(() => parseHidDescriptor(Uint8Array.from(bytes)), (e: unknown) => e instanceof HidDescriptorError && message.test(e.message), what);
    const result = tryParseHidDescriptor(Uint8Array.from(bytes));
    assert.equal(result.ok, false, what);
  }
});

test('fuzz: truncated or mutated descriptors never escape as anything but a result; parsed ones decode any report', () => {
  const base = [JABRA, POLY, HANDSET];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.nat(),
      fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 5 }),
      (which, mutations, cut, reports) => {
        const bytes = Uint8Array.from(base[which]!);
        for (const [at, value] of mutations) bytes[at % bytes.length] = value;
        const descriptor = bytes.subarray(0, 1 + (cut % bytes.length));
        const result = tryParseHidDescriptor(descriptor);
        if (!result.ok) {
          assert.match(result.error.message, /^HID report descriptor, byte \d+: /);
          return;
        }
        const sim = createSimHidHeadset({ descriptor }, { clock: new FakeClock() });
        for (const r of reports) sim.inject(r);
        for (const led of ['offHook', 'ring', 'mute', 'hold', 'nonsense']) sim.leds.set(led, 'on');
      },
    ),
    { numRuns: 400 },
  );
});

test('bit helpers: writeBits then readBits returns the value at any offset and width', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 0, max: 40 }), fc.nat(), (size, offset, seed) => {
      const value = seed % 2 ** size;
      const buf = new Uint8Array(10).fill(0xa5);
      writeBits(buf, offset, size, value);
      assert.equal(readBits(buf, offset, size), value);
      // bits outside the field are untouched
      if (offset > 0) assert.equal(readBits(buf, 0, offset), readBits(new Uint8Array(10).fill(0xa5), 0, offset));
    }),
  );
  assert.equal(readBits(Uint8Array.of(0x01), 4, 8), undefined);
});

// ---- input reports → events

test('Jabra-style: absolute hook switch reports changes only; repeated identical reports are ignored', () => {
  const { send, clock } = headset(JABRA);
  assert.deepEqual(send(2, 0x00), []); // on hook at start: nothing to say
  assert.deepEqual(send(2, 0x01), [{ type: 'hook', offHook: true }]);
  clock.advance(500);
  assert.deepEqual(send(2, 0x01), []);
  assert.deepEqual(send(2, 0x05), []); // Line bit changes, hook does not
  assert.deepEqual(send(2, 0x04), [{ type: 'hook', offHook: false }]);
});

test('Jabra-style: relative mute/flash/redial are one press per non-zero report; a quick duplicate is dropped', () => {
  const { send, clock } = headset(JABRA);
  assert.deepEqual(send(2, 0x09), [{ type: 'hook', offHook: true }, ...press('mute')]);
  assert.deepEqual(send(2, 0x09), []); // the same report again at once: a duplicate
  clock.advance(300);
  assert.deepEqual(send(2, 0x09), press('mute')); // a second press later (device sends no release)
  assert.deepEqual(send(2, 0x01), []); // release: nothing
  assert.deepEqual(send(2, 0x11), press('hold')); // Flash
  assert.deepEqual(send(2, 0x21), press('redial'));
  assert.deepEqual(send(1, 0x01), [{ type: 'key', code: 'volumeUp', down: true }]);
  assert.deepEqual(send(1, 0x02), [
    { type: 'key', code: 'volumeUp', down: false },
    { type: 'key', code: 'volumeDown', down: true },
  ]);
  assert.deepEqual(send(5, 1, 2, 3), []); // vendor report: ignored
  assert.deepEqual(send(9, 0xff), []); // unknown id
  assert.deepEqual(send(), []);
  assert.deepEqual(send(2), []); // too short for any field
});

test('Poly-style: absolute mute is held/released; keypad array and 16-bit consumer array give keys', () => {
  const { send } = headset(POLY);
  assert.deepEqual(send(2, 0x02), [{ type: 'key', code: 'mute', down: true }]);
  assert.deepEqual(send(2, 0x00), [{ type: 'key', code: 'mute', down: false }]);
  assert.deepEqual(send(2, 1 << 2), [{ type: 'key', code: '0', down: true }]);
  assert.deepEqual(send(2, 12 << 2), [
    { type: 'key', code: '0', down: false },
    { type: 'key', code: '#', down: true },
  ]);
  assert.deepEqual(send(2, 0x01), [
    { type: 'hook', offHook: true },
    { type: 'key', code: '#', down: false },
  ]);
  assert.deepEqual(send(1, 0xe9, 0x00), [{ type: 'key', code: 'volumeUp', down: true }]);
  assert.deepEqual(send(1, 0xea, 0x00), [
    { type: 'key', code: 'volumeUp', down: false },
    { type: 'key', code: 'volumeDown', down: true },
  ]);
  assert.deepEqual(send(1, 0xcd, 0x00), [{ type: 'key', code: 'volumeDown', down: false }]); // play/pause: not ours
});

test('toggle-style handset: each hook press flips the hook; the Off-Hook LED keeps it in step with the phone', () => {
  const { send, sim, clock } = headset(HANDSET);
  assert.deepEqual(send(0x01), [{ type: 'hook', offHook: true }]);
  assert.deepEqual(send(0x00), []);
  assert.deepEqual(send(0x01), [{ type: 'hook', offHook: false }]);
  // The user answered on the phone's keypad: the app lights Off-Hook; the next press means "hang up".
  sim.leds.set('offHook', 'on');
  clock.advance(100);
  assert.deepEqual(send(0x01), [{ type: 'hook', offHook: false }]);
  assert.deepEqual(send(0x02), press('mute'));
});

test('a listener that throws does not stop the others or the driver', () => {
  const { sim } = headset(JABRA);
  const seen: HalInputEvent[] = [];
  sim.input.onEvent(() => {
    throw new Error('boom');
  });
  const off = sim.input.onEvent((e) => seen.push(e));
  sim.inject([2, 1]);
  off();
  sim.inject([2, 0]);
  assert.deepEqual(seen, [{ type: 'hook', offHook: true }]);
});

// ---- LED output reports

test('Jabra-style LEDs: reports built byte-exact with the id first; only changed reports are sent', () => {
  const { sim, hex } = headset(JABRA);
  assert.deepEqual(sim.leds.leds, ['offHook', 'ring', 'mute', 'hold', 'microphone']);
  assert.equal(sim.leds.set('offHook', 'on'), true);
  assert.deepEqual(hex(), ['0301', '0400']);
  sim.leds.set('mute', 'on');
  assert.deepEqual(hex().slice(2), ['0305']);
  sim.leds.set('mute', 'on'); // no change, nothing sent
  assert.equal(sim.written.length, 3);
  sim.leds.set('ring', { blink: { onMs: 500 } }); // Ring blinks by itself: LED Ring + Ringer on
  assert.deepEqual(hex().slice(3), ['0307', '0401']);
  sim.leds.set('hold', 'on');
  sim.leds.set('microphone', 'on');
  assert.deepEqual(hex().slice(5), ['030f', '031f']);
  assert.equal(sim.leds.set('message', 'on'), false);
  assert.equal(sim.leds.set('line1', 'on'), false);
});

test('Poly-style LEDs share report id 2 with the input report; no-id handset LEDs are one bare byte', () => {
  const poly = headset(POLY);
  poly.sim.leds.set('offHook', 'on');
  poly.sim.leds.set('ring', 'on');
  assert.deepEqual(poly.hex(), ['0201', '0205']);
  const handset = headset(HANDSET);
  handset.sim.leds.set('mute', 'on');
  handset.sim.leds.set('ring', 'on');
  assert.deepEqual(handset.hex(), ['04', '06']);
  assert.deepEqual(handset.sim.leds.leds, ['offHook', 'ring', 'mute']);
});

test('software blink toggles with the given on/off times and stops when set off', async () => {
  const { sim, hex, clock } = headset(JABRA);
  sim.leds.set('mute', { blink: { onMs: 200, offMs: 300 } });
  assert.deepEqual(hex(), ['0304', '0400']);
  clock.advance(199);
  assert.equal(sim.written.length, 2);
  clock.advance(1);
  assert.deepEqual(hex().slice(2), ['0300']);
  clock.advance(300);
  assert.deepEqual(hex().slice(3), ['0304']);
  sim.leds.set('mute', 'off');
  assert.deepEqual(hex().slice(4), ['0300']);
  assert.equal(clock.pending, 0);
  sim.leds.set('offHook', 'on');
  await sim.leds.close(); // closing darkens what is lit
  assert.deepEqual(hex().slice(-1), ['0300']);
  sim.leds.set('offHook', 'on'); // after close: accepted, nothing sent
  assert.deepEqual(hex().slice(-1), ['0300']);
});

test('the simulator default descriptor is a complete headset', () => {
  const { send, sim, hex } = headset(SIM_HEADSET_DESCRIPTOR);
  assert.deepEqual(send(1, 0x01), [{ type: 'hook', offHook: true }]);
  assert.deepEqual(send(1, 0x03), press('mute'));
  sim.leds.set('hold', 'on');
  assert.deepEqual(hex(), ['0208']);
  assert.throws(() => createSimHidHeadset({ descriptor: Uint8Array.of(0xa1, 0x01) }, { clock: new FakeClock() }), HidDescriptorError);
});

// ---- device selection over a fake HID bus

interface FakeBus {
  backend: HidBackend;
  opened: string[];
  writes: string[];
  closed: string[];
  deliver(report: number[]): void;
}

function fakeBus(devices: HidDeviceInfo[], opts: { openError?: Error } = {}): FakeBus {
  let onReport: ((r: Uint8Array) => void) | undefined;
  const bus: FakeBus = {
    opened: [],
    writes: [],
    closed: [],
    deliver: (r) => onReport?.(Uint8Array.from(r)),
    backend: {
      devices: () => Promise.resolve(devices),
      open(path): HidDeviceHandle {
        if (opts.openError) throw opts.openError;
        bus.opened.push(path);
        return {
          start: (cb) => {
            onReport = cb;
          },
          write: (data) => void bus.writes.push(Buffer.from(data).toString('hex')),
          close: () => void bus.closed.push(path),
        };
      },
    },
  };
  return bus;
}

function sysfsWith(descriptors: Record<string, Uint8Array>): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'sipdesk-hid-'));
  for (const [node, bytes] of Object.entries(descriptors)) {
    const dir = join(root, 'class', 'hidraw', node, 'device');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'report_descriptor'), bytes);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

const mouse: HidDeviceInfo = { vendorId: 0x046d, productId: 0xc077, path: '/dev/hidraw0', usagePage: 1, usage: 2, product: 'USB Optical Mouse' };

test('openHidHeadset finds the telephony interface by its sysfs descriptor and drives it', async () => {
  const sysfs = sysfsWith({ hidraw0: Uint8Array.of(0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0xc0), hidraw3: JABRA, hidraw4: HANDSET });
  try {
    const jabraVendor: HidDeviceInfo = { vendorId: 0x0b0e, productId: 0x0348, path: '/dev/hidraw2', interface: 2 };
    const jabraPhone: HidDeviceInfo = { vendorId: 0x0b0e, productId: 0x0348, path: '/dev/hidraw3', interface: 3, product: 'Link 380' };
    const bus = fakeBus([mouse, jabraVendor, jabraPhone]);
    const clock = new FakeClock();
    const h = await openHidHeadset({ roots: { sysfs: sysfs.root } }, { clock, backend: bus.backend });
    assert.deepEqual(bus.opened, ['/dev/hidraw3']);
    assert.match(h.input.name, /hid-headset 0b0e:0348 Jabra \(GN Audio\) "Link 380" at \/dev\/hidraw3/);
    const events: HalInputEvent[] = [];
    h.input.onEvent((e) => events.push(e));
    bus.deliver([2, 0x01]);
    assert.deepEqual(events, [{ type: 'hook', offHook: true }]);
    h.leds.set('offHook', 'on');
    assert.deepEqual(bus.writes, ['0301', '0400']); // report ids in use: written as built
    await h.input.close();
    assert.deepEqual(bus.closed, ['/dev/hidraw3']);

    // A device without report ids: hidapi needs a 0 in front.
    const handsetBus = fakeBus([{ vendorId: 0x6993, productId: 0xb001, path: '/dev/hidraw4' }]);
    const h2 = await openHidHeadset({ vendorId: 0x6993, roots: { sysfs: sysfs.root } }, { clock, backend: handsetBus.backend });
    h2.leds.set('mute', 'on');
    assert.deepEqual(handsetBus.writes, ['0004']);
    await h2.leds.close();
  } finally {
    sysfs.remove();
  }
});

test('openHidHeadset uses the platform usage page when given, and names what is missing otherwise', async () => {
  const clock = new FakeClock();
  const sysfs = sysfsWith({ hidraw5: POLY });
  try {
    const poly: HidDeviceInfo = { vendorId: 0x047f, productId: 0xc056, path: '/dev/hidraw5', usagePage: 0x0b, usage: 0x05 };
    const h = await openHidHeadset({ vendorId: 0x047f, productId: 0xc056, roots: { sysfs: sysfs.root } }, { clock, backend: fakeBus([mouse, poly]).backend });
    assert.deepEqual(h.leds.leds, ['offHook', 'ring', 'mute', 'hold']);

    await assert.rejects(
      openHidHeadset({ vendorId: 0x0b0e, productId: 0x0348 }, { clock, backend: fakeBus([mouse]).backend }),
      (e: unknown) =>
        e instanceof MissingHardwareError &&
        /no USB telephony headset .* vendor id 0b0e and product id 0348; no matching HID device present/.test(e.message),
    );
    await assert.rejects(
      openHidHeadset({ vendorId: 0x046d }, { clock, backend: fakeBus([mouse]).backend }),
      (e: unknown) => e instanceof MissingHardwareError && /present but not telephony: 046d:c077 Logitech "USB Optical Mouse"/.test(e.message),
    );
    const failing: HidBackend = { devices: () => Promise.reject(new Error('libudev missing')), open: () => assert.fail('not reached') };
    await assert.rejects(openHidHeadset({}, { clock, backend: failing }), (e: unknown) => e instanceof MissingHardwareError && /libudev missing/.test(e.message));
    await assert.rejects(
      openHidHeadset({ roots: { sysfs: sysfs.root } }, { clock, backend: fakeBus([poly], { openError: new Error('EACCES') }).backend }),
      /cannot open \(EACCES\); the phone's user needs read\/write access to \/dev\/hidraw5/,
    );
  } finally {
    sysfs.remove();
  }
});

test('a telephony device with a malformed descriptor fails open with the parser error and is closed again', async () => {
  const broken = Uint8Array.from([...JABRA.subarray(0, JABRA.length - 1)]); // last End Collection missing
  const sysfs = sysfsWith({ hidraw7: broken });
  try {
    const bus = fakeBus([{ vendorId: 0x0b0e, productId: 0x0348, path: '/dev/hidraw7', usagePage: 0x0b, usage: 0x05 }]);
    await assert.rejects(
      openHidHeadset({ roots: { sysfs: sysfs.root } }, { clock: new FakeClock(), backend: bus.backend }),
      /hidraw7: HID report descriptor, byte \d+: 1 collection\(s\) not closed/,
    );
    assert.deepEqual(bus.closed, ['/dev/hidraw7']);
    // Without a usage page, the same broken descriptor is simply not a candidate.
    const bus2 = fakeBus([{ vendorId: 0x0b0e, productId: 0x0348, path: '/dev/hidraw7' }]);
    await assert.rejects(openHidHeadset({ roots: { sysfs: sysfs.root } }, { clock: new FakeClock(), backend: bus2.backend }), MissingHardwareError);
  } finally {
    sysfs.remove();
  }
});

test('with the real node-hid backend, a machine without a headset gets MissingHardwareError', async () => {
  try {
    const h = await openHidHeadset({ vendorId: 0xfffe, productId: 0xfffe }, { clock: new FakeClock() });
    await h.input.close(); // a lab machine really has such a device: fine too
  } catch (e) {
    assert.ok(e instanceof MissingHardwareError, String(e));
    assert.match(e.message, /^hid-headset: no USB telephony headset/);
  }
});
