import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseBoard, validateBoard } from '../../src/config/board-load.js';
import { linuxHookCode, linuxKeyCode, type BoardDescriptor, type EvdevInputOptions } from '../../src/config/board-schema.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const treeDir = join(repo, 'device-tree');
const buildScript = join(treeDir, 'build.sh');
const deskPath = join(repo, 'boards', 'rpi4-desk.yaml');
const deskText = readFileSync(deskPath, 'utf8');
const desk = parseBoard(deskText, deskPath);

const dtcMissing = spawnSync('dtc', ['--version']).error !== undefined;
const skipReason = dtcMissing ? 'dtc is not installed (apt-get install device-tree-compiler)' : false;

let work = '';
let outDir = '';
let build: ReturnType<typeof spawnSync> | undefined;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'sipdesk-dt-'));
  outDir = join(work, 'out');
  if (!dtcMissing) build = spawnSync('/bin/sh', [buildScript, outDir], { encoding: 'utf8' });
});
after(() => rmSync(work, { recursive: true, force: true }));

/** The overlay as dtc prints it back: what the kernel will see, not what the source says. */
function decompile(name: string): string {
  const result = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', join(outDir, `${name}.dtbo`)], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** The cells of `prop = <…>;` in a decompiled overlay, as numbers. */
function cells(dts: string, prop: string): number[] {
  const m = new RegExp(`\\s${prop.replace(/[,.]/g, '\\$&')} = <([^>]*)>;`).exec(dts);
  assert.ok(m, `${prop} not found`);
  return m[1]!.trim().split(/\s+/).map(Number);
}

function strings(dts: string, prop: string): string[] {
  return [...dts.matchAll(new RegExp(`\\s${prop.replace(/[,.]/g, '\\$&')} = "([^"]*)";`, 'g'))].map((m) => m[1]!);
}

function evdev(board: BoardDescriptor, device: string): EvdevInputOptions {
  const input = board.inputs.find((i) => i.driver === 'evdev' && i.device === device);
  assert.ok(input && input.driver === 'evdev', `rpi4-desk has no evdev input "${device}"`);
  return input;
}

/** GPIO numbers of a `<&gpio N flags>, …` property (phandle, line, flags per entry). */
function gpioLines(dts: string, prop: string): number[] {
  const c = cells(dts, prop);
  assert.equal(c.length % 3, 0);
  return c.filter((_, i) => i % 3 === 1);
}

/** The commented gpio-keypad alternative in rpi4-desk.yaml, uncommented and validated in place of the overlay. */
function deskWithGpioKeypad(): BoardDescriptor {
  const lines = deskText.split('\n');
  const start = lines.findIndex((l) => /^ {2}# - driver: gpio-keypad$/.test(l));
  assert.ok(start >= 0, 'rpi4-desk.yaml lost its commented gpio-keypad alternative');
  const block: string[] = [];
  for (let i = start; i < lines.length && /^ {2}# {1,}\S/.test(lines[i]!) && (i === start || /^ {2}# {3}/.test(lines[i]!)); i++) block.push(lines[i]!.replace(/^ {2}# /, ''));
  const alternative = parseYaml(block.join('\n')) as unknown[];
  const raw = parseYaml(deskText) as { inputs: { device?: string }[]; overlays: string[] };
  raw.inputs = raw.inputs.map((input) => (input.device === 'sipdesk-keypad' ? alternative[0] : input)) as typeof raw.inputs;
  raw.overlays = raw.overlays.filter((o) => o !== 'sipdesk-keypad');
  return validateBoard(raw, 'rpi4-desk.yaml (gpio-keypad alternative)');
}

test('every overlay compiles without a warning', { skip: skipReason }, () => {
  assert.equal(build?.status, 0, `${String(build?.stderr)}`);
  assert.equal(build?.stderr, '', 'build.sh printed to stderr');
  const sources = readdirSync(treeDir).filter((f) => f.endsWith('.dts')).map((f) => f.replace(/\.dts$/, ''));
  const blobs = readdirSync(outDir).filter((f) => f.endsWith('.dtbo')).map((f) => f.replace(/\.dtbo$/, ''));
  assert.deepEqual(blobs.sort(), sources.sort());
  for (const overlay of desk.overlays) assert.ok(blobs.includes(overlay), `rpi4-desk needs ${overlay}`);
  for (const name of blobs) assert.match(decompile(name), /compatible = "brcm,bcm2835";[\s\S]*__fixups__/, `${name} is not a Raspberry Pi overlay with symbols`);
});

test('the keypad overlay sends exactly the keys the rpi4-desk keymap expects', { skip: skipReason }, () => {
  const dts = decompile('sipdesk-keypad');
  const keypad = evdev(desk, 'sipdesk-keypad');
  assert.match(dts, /\ssipdesk-keypad \{\s+compatible = "gpio-matrix-keypad";/, 'the node name is the input device name');
  const rows = gpioLines(dts, 'row-gpios');
  const columns = gpioLines(dts, 'col-gpios');
  const entries = cells(dts, 'linux,keymap').map((v) => ({ row: v >>> 24, column: (v >>> 16) & 0xff, code: v & 0xffff }));
  assert.equal(entries.length, rows.length * columns.length, 'every crossing has a key');
  assert.equal(new Set(entries.map((e) => `${e.row},${e.column}`)).size, entries.length, 'no crossing twice');
  for (const e of entries) assert.ok(e.row < rows.length && e.column < columns.length, `MATRIX_KEY(${e.row}, ${e.column}) is outside the matrix`);

  const expected = Object.keys(keypad.keymap ?? {}).map((k) => linuxKeyCode(k));
  assert.deepEqual(entries.map((e) => e.code).sort((a, b) => a - b), expected.sort((a, b) => (a ?? 0) - (b ?? 0)));

  // The user-space alternative must scan the same wires and give each crossing the same phone key.
  const alternative = deskWithGpioKeypad().inputs.find((i) => i.driver === 'gpio-keypad');
  assert.ok(alternative?.driver === 'gpio-keypad');
  assert.deepEqual(alternative.rows, rows);
  assert.deepEqual(alternative.columns, columns);
  const phoneKeyOf = new Map(Object.entries(keypad.keymap ?? {}).map(([k, v]) => [linuxKeyCode(k), v]));
  for (const e of entries) assert.equal(alternative.keymap[e.row]?.[e.column], phoneKeyOf.get(e.code), `MATRIX_KEY(${e.row}, ${e.column})`);
  assert.deepEqual(cells(dts, 'debounce-delay-ms'), [alternative.debounceMs]);
});

test('the hook overlay reports the descriptor hookKey on the device the descriptor names', { skip: skipReason }, () => {
  const dts = decompile('sipdesk-hook');
  const hook = evdev(desk, 'sipdesk-hook');
  assert.ok(hook.hookKey);
  const expected = linuxHookCode(hook.hookKey);
  assert.ok(expected);
  assert.deepEqual(cells(dts, 'linux,code'), [expected.code]);
  assert.deepEqual(cells(dts, 'linux,input-type'), [expected.type === 'key' ? 1 : 5]); // EV_KEY, EV_SW
  assert.ok(strings(dts, 'label').includes('sipdesk-hook'));
  const [debounce] = cells(dts, 'debounce-interval');
  assert.ok(debounce !== undefined && debounce >= 10, 'a cradle switch needs debouncing');
  // No other GPIO overlay of this board drives the hook line.
  const hookLine = gpioLines(dts, 'gpios')[0];
  const keypad = decompile('sipdesk-keypad');
  assert.ok(![...gpioLines(keypad, 'row-gpios'), ...gpioLines(keypad, 'col-gpios')].includes(hookLine!));
});

test('the LED overlay labels are the sysfs names in rpi4-desk', { skip: skipReason }, () => {
  const labels = strings(decompile('sipdesk-leds'), 'label');
  const sysfs = desk.leds.find((l) => l.driver === 'sysfs');
  assert.ok(sysfs?.driver === 'sysfs');
  assert.deepEqual(labels.sort(), Object.values(sysfs.leds).sort());
});

test('touch size is the display size, and the sound card is the one the audio section names', { skip: skipReason }, () => {
  const touch = decompile('sipdesk-touch-ft5x06');
  assert.ok(desk.display.driver === 'fbdev');
  assert.deepEqual(cells(touch, 'touchscreen-size-x'), [desk.display.width]);
  assert.deepEqual(cells(touch, 'touchscreen-size-y'), [desk.display.height]);
  assert.match(touch, /compatible = "edt,edt-ft5406";/);

  const codec = decompile('sipdesk-wm8960');
  assert.match(codec, /compatible = "wlf,wm8960";/);
  const [cardName] = strings(codec, 'simple-audio-card,name');
  assert.ok(cardName);
  // ALSA derives the card id from the name by dropping what is not alphanumeric.
  const cardId = cardName.replace(/[^A-Za-z0-9]/g, '');
  assert.ok(desk.audio.device === 'alsa');
  assert.ok(desk.audio.capture.includes(`CARD=${cardId}`) && desk.audio.playback.includes(`CARD=${cardId}`), cardId);
});

test('build.sh fails on a dtc warning and writes no blob for it', { skip: skipReason }, () => {
  const tree = join(work, 'warning-tree');
  mkdirSync(tree);
  copyFileSync(buildScript, join(tree, 'build.sh'));
  // A unit address without a reg property: dtc warns (unit_address_vs_reg) and still writes the blob.
  writeFileSync(join(tree, 'bad.dts'), '/dts-v1/;\n/plugin/;\n/ { compatible = "brcm,bcm2835"; fragment@0 { target-path = "/"; __overlay__ { led@1 { label = "x"; }; }; }; };\n');
  const out = join(tree, 'out');
  const result = spawnSync('/bin/sh', [join(tree, 'build.sh'), out], { encoding: 'utf8' });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /Warning/);
  assert.match(result.stderr, /bad\.dts: dtc printed warnings/);
  assert.ok(!existsSync(join(out, 'bad.dtbo')));
});

test('build.sh without dtc says which package to install', () => {
  const bin = join(work, 'bin-without-dtc');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['dirname', 'basename', 'mktemp', 'mkdir', 'cat', 'rm']) {
    const path = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (path) symlinkSync(path, join(bin, tool));
  }
  const result = spawnSync('/bin/sh', [buildScript, join(work, 'never')], { encoding: 'utf8', env: { PATH: bin } });
  assert.equal(result.status, 127);
  assert.match(result.stderr, /install device-tree-compiler/);
  assert.ok(!existsSync(join(work, 'never')));
});
