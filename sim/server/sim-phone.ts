/**
 * One simulated phone: the real firmware (startPhone) on the `sim` board's drivers (boards/sim.yaml, opened
 * by src/app/board-devices.ts as any board is) — a FrameStream display the page paints, an input source
 * and LEDs the page drives and shows — plus what the page shows beside the screen: the SIP messages the
 * phone sent and received (a capped history, so a page opened late still sees the registration).
 *
 * Sound: the phone's device is a SwitchableAudioDevice (browser-audio.ts) on the tone (or silence with
 * `--audio null`) while no page holds the phone's browser device, and on the browser device (the page's
 * microphone and speakers) while one does.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { startPhone, type RunningPhone } from '../../src/app/phone.js';
import type { FrameStream } from '../../src/ui/display/frame-stream.js';
import { SHELL_LINE_KEYS } from '../../src/ui/screens/shell.js';
import { extensionOf, type SimAudio } from './options.js';
import { ensureToneWav } from './tone.js';
import { instanceIdFor } from './identity.js';
import { loadBoard } from '../../src/config/board-load.js';
import { openBoardDevices } from '../../src/app/board-devices.js';
import { SystemClock } from '../../src/phone/clock.js';
import type { SimInput } from '../../src/hal/sim/sim-input.js';
import type { SimLeds } from '../../src/hal/sim/sim-leds.js';
import { BrowserAudioDevice, SwitchableAudioDevice, followPageAudio, type PhoneAudioLevels } from './browser-audio.js';
import { physicalAudioDevice } from '../../src/app/audio-device.js';
import { createLogger, withLogTag } from '../../src/util/log.js';

const log = createLogger('sim-phone');

export const SCREEN_WIDTH = 800;
export const SCREEN_HEIGHT = 480;
/** SIP messages kept per phone for pages that connect later. */
export const SIP_HISTORY = 200;

export interface SipLogEntry {
  readonly at: number;
  readonly direction: 'in' | 'out';
  readonly peer: string;
  readonly text: string;
}

export interface SimPhoneSpec {
  readonly name: string;
  /** Position on the page (0-based): gives the extension and the RTP port range. */
  readonly index: number;
  /** Every phone of the simulator (for the extension dial plan). */
  readonly allNames: readonly string[];
  readonly password: string;
  readonly proxy: string;
  readonly domain: string;
  readonly dataDir: string;
  readonly audio: SimAudio;
  readonly hotline?: string;
}

export interface SimPhone {
  readonly name: string;
  readonly aor: string;
  readonly extension: string;
  readonly hotline?: string;
  readonly apiUrl: string;
  readonly phone: RunningPhone;
  readonly display: FrameStream;
  /** The page's keys, touches and hook go in here (the phone reads it like a board's keypad driver). */
  readonly input: SimInput;
  /** The phone lights these like a board's LEDs. */
  readonly leds: SimLeds;
  readonly lineKeys: number;
  /** The page's microphone and speakers: the phone's sound while a page connection holds it. */
  readonly browserAudio: BrowserAudioDevice;
  /** What the phone's microphone gives and its speaker plays now (whichever device it is on). */
  audioLevels(): PhoneAudioLevels;
  /** The last SIP_HISTORY messages, oldest first. */
  sipHistory(): readonly SipLogEntry[];
  /** Every SIP message from now on; returns the unsubscribe function. */
  onSip(listener: (m: SipLogEntry) => void): () => void;
  stop(): Promise<void>;
}

/** Config of one simulated phone: everything on 127.0.0.1, extensions 101… dial the other phones. */
export function simPhoneConfig(s: SimPhoneSpec): unknown {
  const rules = s.allNames.map((n, i) => ({ pattern: `^${extensionOf(i)}$`, replace: `sip:${n}@${s.domain}`, description: `extension of ${n}` }));
  const rtpBase = 16384 + s.index * 200;
  return {
    account: { aor: `sip:${s.name}@${s.domain}`, password: s.password, proxy: s.proxy, displayName: s.name[0]!.toUpperCase() + s.name.slice(1) },
    api: { port: 0, host: '127.0.0.1' },
    sip: { listenPort: 0, listenAddress: '127.0.0.1', contactHost: '127.0.0.1' },
    media: { rtpPortMin: rtpBase, rtpPortMax: rtpBase + 199 },
    audio: s.audio === 'tone' ? { device: 'wav', wavSource: ensureToneWav(join(s.dataDir, 'voice.wav'), s.index * 4) } : { device: 'null' },
    dialPlan: { rules },
    calls: s.hotline !== undefined ? { hotline: s.hotline, idleResetS: 60 } : {},
    storage: { dataDir: s.dataDir },
    device: { instanceId: instanceIdFor(s.name) },
  };
}

/** A simulated phone whose log lines all say which phone they are about (several share the process). */
export function startSimPhone(s: SimPhoneSpec): Promise<SimPhone> {
  return withLogTag(s.name, () => startTaggedSimPhone(s));
}

async function startTaggedSimPhone(s: SimPhoneSpec): Promise<SimPhone> {
  mkdirSync(s.dataDir, { recursive: true });
  const config = parseConfig(simPhoneConfig(s), `simulated phone ${s.name}`);
  const board = await openBoardDevices(await loadBoard('sim'), { clock: new SystemClock() });
  const { display, input, leds } = board.sim;
  if (!display || !input || !leds) throw new Error('the sim board has no simulated display, input or LEDs (boards/sim.yaml)');
  const browserAudio = new BrowserAudioDevice(s.name);
  const fallbackAudio = physicalAudioDevice(config);
  const audio = new SwitchableAudioDevice(fallbackAudio, `sim audio (${s.name})`);
  const unfollowAudio = followPageAudio(audio, browserAudio, fallbackAudio, (err, held) => {
    log.warn(`${s.name}: cannot switch to ${held ? 'the page\'s microphone' : 'the tone'}: ${err.message}`);
  });
  const phone = await startPhone(config, { ...board, audio });

  // Subscribed right after startPhone, before any I/O happened: the first REGISTER is in the history.
  const history: SipLogEntry[] = [];
  const listeners = new Set<(m: SipLogEntry) => void>();
  const unsubscribe = phone.sip.socket.onMessage((m) => {
    const entry: SipLogEntry = { at: Date.now(), direction: m.direction, peer: m.peer, text: m.text };
    history.push(entry);
    if (history.length > SIP_HISTORY) history.splice(0, history.length - SIP_HISTORY);
    for (const l of listeners) l(entry);
  });

  return {
    name: s.name,
    aor: config.account.aor,
    extension: extensionOf(s.index),
    ...(s.hotline !== undefined ? { hotline: s.hotline } : {}),
    apiUrl: `http://127.0.0.1:${phone.apiPort}`,
    phone,
    display,
    input,
    leds,
    lineKeys: board.lineKeys ?? SHELL_LINE_KEYS,
    browserAudio,
    audioLevels: () => audio.levels(),
    sipHistory: () => history,
    onSip(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      await phone.stop(1500);
      await board.close();
      unsubscribe();
      unfollowAudio();
      listeners.clear();
    },
  };
}
