// UI render timings on an 800×480 sample screen, medians (and p90) of N runs (default 200):
//   full redraw       whole-screen repaint, read back as RGBA (Skia rasterizes lazily: reading the pixels is
//                     what makes it do the work, so a canvas-only figure would flatter)
//   full + fbdev      the same plus reading the pixels and writing an RGB565 framebuffer (a temp file)
//   partial redraw    one label changed (a clock tick): render + flush of its rect to the framebuffer
//   key → frame       key event pushed → frame flushed, real clock and 30 fps cap, keys spaced like a human
//   phone key → frame the real phone screens (wireUi over a call core with fake signaling): a digit on the idle
//                     screen rebuilds it as the dialer, renders and writes the framebuffer; the wait for the
//                     30 fps frame slot (≤ 33 ms, fake clock here) is not counted
// Targets on the dev machine: full ≤ 8 ms, partial ≤ 1 ms, key → frame ≤ 30 ms. Prints figures; asserts nothing.
//   node dist/bench/ui-render.js        (BENCH_RUNS=500 for more)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, SystemClock } from '../src/phone/clock.js';
import { darkTheme, lightTheme } from '../src/ui/core/theme.js';
import { Ui } from '../src/ui/core/ui.js';
import type { Display } from '../src/ui/display/display.js';
import { FbdevDisplay } from '../src/ui/display/fbdev-display.js';
import { buildSampleScreen } from '../src/ui/sample-screen.js';
import { wireUi } from '../src/app/ui-wiring.js';
import { configSchema } from '../src/config/schema.js';
import { PresenceModel } from '../src/phone/presence.js';
import { Colleagues } from '../src/phone/colleagues.js';
import { InMemoryCallLog } from '../src/phone/call-log.js';
import { callRig } from '../test/harness/call-rig.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 200);

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

function report(name: string, ms: number[], target: number): void {
  const s = [...ms].sort((a, b) => a - b);
  const f = (x: number): string => x.toFixed(3).padStart(8);
  const med = quantile(s, 0.5);
  console.log(`${name.padEnd(18)} median ${f(med)} ms   p90 ${f(quantile(s, 0.9))} ms   max ${f(s.at(-1)!)} ms   target ≤ ${target} ms ${med <= target ? 'ok' : 'MISSED'}`);
}

function makeFb(dir: string): FbdevDisplay {
  const path = join(dir, 'fb0');
  writeFileSync(path, Buffer.alloc(800 * 480 * 2));
  return new FbdevDisplay({ path, panelWidth: 800, panelHeight: 480, format: 'rgb565' });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-bench-ui-'));
  try {
    // A display that reads the damaged pixels and drops them.
    const null800: Display = { width: 800, height: 480, flush: (rects, pixels) => rects.forEach((r) => pixels.read(r)) };
    // Full redraw into the canvas only.
    {
      const clock = new FakeClock();
      const ui = new Ui({ display: null800, clock });
      buildSampleScreen(ui.screen);
      ui.renderNow();
      const full: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        ui.theme = i % 2 === 0 ? darkTheme : lightTheme;
        const t0 = performance.now();
        ui.renderNow();
        full.push(performance.now() - t0);
      }
      report('full redraw', full, 8);
    }
    // Full redraw + RGB565 framebuffer, and partial (clock tick) redraw + framebuffer.
    {
      const clock = new FakeClock();
      const fb = makeFb(dir);
      const ui = new Ui({ display: fb, clock });
      const s = buildSampleScreen(ui.screen);
      ui.renderNow();
      const full: number[] = [];
      for (let i = 0; i < Math.min(RUNS, 100); i++) {
        ui.theme = i % 2 === 0 ? darkTheme : lightTheme;
        const t0 = performance.now();
        ui.renderNow();
        full.push(performance.now() - t0);
      }
      report('full + fbdev', full, 8);
      const partial: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        s.status.setClock(`${String(10 + (i % 12)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`);
        const t0 = performance.now();
        const rects = ui.renderNow();
        partial.push(performance.now() - t0);
        if (rects.length !== 1) throw new Error(`clock tick damaged ${rects.length} rects`);
      }
      report('partial redraw', partial, 1);
      fb.close();
    }
    // Key press → frame flushed, with the real clock and the 30 fps cap.
    {
      const fb = makeFb(dir);
      // SystemClock timers are unref'd (they must not hold a stopping phone); hold the loop open here.
      const keepAlive = setInterval(() => undefined, 1000);
      const ui = new Ui({ display: fb, clock: new SystemClock() });
      const s = buildSampleScreen(ui.screen);
      s.entry.focus();
      await new Promise((r) => setTimeout(r, 100));
      const latency: number[] = [];
      const keyRuns = Math.min(RUNS, 60);
      for (let i = 0; i < keyRuns; i++) {
        if (s.entry.value.length > 40) s.entry.clear();
        await new Promise((r) => setTimeout(r, 60));
        const done = new Promise<number>((resolve) => {
          ui.onFrame = () => resolve(performance.now());
        });
        const t0 = performance.now();
        ui.input.push({ type: 'key', code: String(i % 10), down: true });
        latency.push((await done) - t0);
      }
      report('key → frame', latency, 30);
      ui.stop();
      clearInterval(keepAlive);
    }
    // The phone's own screens: idle → dialer on a digit, back to idle on clear.
    {
      const fb = makeFb(dir);
      let flushedAt = 0;
      const display: Display = { width: 800, height: 480, flush: (rects, pixels) => (fb.flush(rects, pixels), (flushedAt = performance.now())) };
      const rig = callRig({ start: Date.UTC(2026, 10, 25, 0, 41, 0) });
      const config = configSchema.parse({ account: { aor: 'sip:alice@example.com', password: 'x' }, api: { port: 0 } });
      const phone = wireUi({
        config,
        registration: () => ({ state: 'registered', aor: 'sip:alice@example.com' }),
        calls: rig.calls,
        keypad: rig.keypad,
        presence: new PresenceModel({ clock: rig.clock }),
        colleagues: new Colleagues([{ name: 'Bob', uri: 'sip:bob@example.com', blf: true }]),
        callLog: new InMemoryCallLog(),
        clock: rig.clock,
        display,
      });
      rig.clock.advance(100);
      const latency: number[] = [];
      for (let i = 0; i < Math.min(RUNS, 100); i++) {
        const t0 = performance.now();
        phone.input({ type: 'key', code: String(1 + (i % 9)), down: true });
        rig.clock.advance(40);
        latency.push(flushedAt - t0);
        phone.input({ type: 'key', code: 'back', down: true });
        rig.keypad.press('clear');
        phone.refresh();
        rig.clock.advance(40);
      }
      report('phone key → frame', latency, 30);
      phone.stop();
      fb.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
