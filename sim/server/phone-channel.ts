/**
 * One browser connection to one simulated phone (WebSocket `/ws/<name>`).
 *
 * Server → page: binary messages are screen frames (encodeFrame: damaged rectangles; a keyframe first,
 * tagged "SDF1") or, while this connection holds the phone's audio, playback frames (tagged "SDA1",
 * browser-audio.ts); text messages are JSON: `hello` (who the phone is), `registration`, `lamps`, `calls`
 * (the call core's snapshot: calls, off-hook, DND, notice), `sip` (messages sent and received; the history
 * first), `audio` ({on, reason?}: whether this connection holds the phone's audio) and `levels`
 * ({microphone, speaker}: {rms, peak} of full scale, what the phone's microphone gives and its speaker
 * plays, whichever device it is on; sent when they change, at most every LEVELS_MS).
 * Page → server: JSON `{type:"key", key, action?}`, `{type:"touch", x, y, action}`, `{type:"hook", offHook}`,
 * `{type:"audio", on}` (take or give up "my microphone and speakers"; taking it releases any other holder,
 * on this phone or another); binary "SDA1" microphone frames while holding the audio.
 * Anything else is answered with `{type:"error"}` and otherwise ignored: a page
 * (or anyone else on the socket) cannot crash the phone.
 */
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { encodeFrame, type Frame } from '../../src/ui/display/frame-stream.js';
import { isKeyCode } from '../../src/ui/core/keys.js';
import type { HalInputEvent } from '../../src/hal/hal-types.js';
import type { SimPhone, SipLogEntry } from './sim-phone.js';
import { lampsOf } from './sim-drivers.js';
import { AudioFloor, decodeAudioMessage, isAudioMessage, type BrowserAudioHold, type PhoneAudioLevels } from './browser-audio.js';

/** Past this much unsent data the page is not keeping up: frames are skipped and one keyframe catches up. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/**
 * Past this much unsent data playback frames are dropped: the page keeps at most 200 ms anyway, so older
 * sound waiting in the socket would only be thrown away there (or worse, add delay).
 */
const MAX_AUDIO_BUFFERED_BYTES = 128 * 1024;
/** How often the level meters are looked at (and sent when they changed). */
export const LEVELS_MS = 250;

const coordinate = z.number().finite().min(-100_000).max(100_000);
const pageMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('key'), key: z.string().refine(isKeyCode, 'unknown key'), action: z.enum(['press', 'down', 'up']).default('press') }),
  z.strictObject({ type: z.literal('touch'), x: coordinate, y: coordinate, action: z.enum(['down', 'move', 'up', 'cancel']) }),
  z.strictObject({ type: z.literal('hook'), offHook: z.boolean() }),
  z.strictObject({ type: z.literal('audio'), on: z.boolean() }),
]);
export type PageMessage = z.infer<typeof pageMessage>;

/** Parses one message from the page; throws an Error saying what is wrong with it. */
export function parsePageMessage(text: string): PageMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('not JSON');
  }
  const r = pageMessage.safeParse(value);
  if (!r.success) throw new Error(r.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; '));
  return r.data;
}

/** The HAL events a page message stands for (a key press is a down and an up, as a driver sends them; `audio` is none). */
export function inputEventsOf(m: PageMessage): HalInputEvent[] {
  switch (m.type) {
    case 'audio':
      return [];
    case 'hook':
      return [{ type: 'hook', offHook: m.offHook }];
    case 'touch':
      return [{ type: 'pointer', x: Math.round(m.x), y: Math.round(m.y), action: m.action }];
    case 'key': {
      const events: HalInputEvent[] = [];
      if (m.action !== 'up') events.push({ type: 'key', code: m.key, down: true });
      if (m.action !== 'down') events.push({ type: 'key', code: m.key, down: false });
      return events;
    }
  }
}

/** Levels rounded for the wire (a change below the third decimal is not worth a message). */
function roundedLevels(l: PhoneAudioLevels): PhoneAudioLevels {
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { microphone: { rms: r(l.microphone.rms), peak: r(l.microphone.peak) }, speaker: { rms: r(l.speaker.rms), peak: r(l.speaker.peak) } };
}

function bufferOf(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/**
 * `floor` is shared by every connection of the web server: one of them at a time holds "my microphone"
 * (a connection of its own when absent).
 */
export function servePhoneChannel(ws: WebSocket, sim: SimPhone, floor: AudioFloor = new AudioFloor()): void {
  const { phone, display } = sim;
  const sendJson = (value: unknown): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(value));
  };
  let behind = false;
  const sendFrame = (frame: Frame): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      behind = true;
      return;
    }
    // After skipped frames, the whole screen: the skipped rectangles are in it.
    ws.send(encodeFrame(behind ? display.keyframe() : frame));
    behind = false;
  };

  sendJson({
    type: 'hello',
    phone: { name: sim.name, aor: sim.aor, extension: sim.extension, apiUrl: sim.apiUrl, width: display.width, height: display.height, lineKeys: sim.lineKeys, ...(sim.hotline !== undefined ? { hotline: sim.hotline } : {}) },
  });
  sendJson({ type: 'registration', ...phone.sip.status() });
  sendJson({ type: 'lamps', lamps: lampsOf(sim.leds) });
  sendJson({ type: 'calls', calls: phone.calls.snapshot() });
  sendJson({ type: 'sip', messages: sim.sipHistory() });
  phone.ui.refresh();
  sendFrame(display.keyframe());

  const onRegistration = (s: unknown): void => sendJson({ type: 'registration', ...(s as object) });
  phone.sip.registration.on('state', onRegistration);
  const unsubscribers = [
    display.subscribe(sendFrame),
    sim.leds.onChange(() => sendJson({ type: 'lamps', lamps: lampsOf(sim.leds) })),
    phone.calls.onChange((snapshot) => sendJson({ type: 'calls', calls: snapshot })),
    sim.onSip((m: SipLogEntry) => sendJson({ type: 'sip', messages: [m] })),
    () => phone.sip.registration.off('state', onRegistration),
  ];

  // ---- the page's microphone and speakers
  let audio: { hold: BrowserAudioHold; leaveFloor: () => void } | undefined;
  const releaseAudio = (reason?: string): void => {
    if (audio === undefined) return;
    audio.hold.detach();
    audio.leaveFloor();
    audio = undefined;
    sendJson({ type: 'audio', on: false, ...(reason !== undefined ? { reason } : {}) });
  };
  const takeAudio = (): void => {
    if (audio !== undefined) return sendJson({ type: 'audio', on: true });
    const leaveFloor = floor.take(() => releaseAudio('the microphone went to another phone (or page)'));
    const hold = sim.browserAudio.attach({
      send: (message) => {
        if (ws.readyState !== ws.OPEN || ws.bufferedAmount > MAX_AUDIO_BUFFERED_BYTES) return false;
        ws.send(message, { binary: true });
        return true;
      },
      release: (reason) => releaseAudio(reason),
    });
    audio = { hold, leaveFloor };
    sendJson({ type: 'audio', on: true });
  };
  const onAudioMessage = (data: Buffer): void => {
    // Malformed frames are errors whoever sends them; well-formed ones from a connection that does not hold
    // the audio (in flight when it was released) are dropped quietly.
    try {
      if (audio !== undefined) audio.hold.receive(data);
      else decodeAudioMessage(data);
    } catch (err) {
      sendJson({ type: 'error', message: (err as Error).message });
    }
  };
  let lastLevels = '';
  const levelsTimer = setInterval(() => {
    const levels = JSON.stringify({ type: 'levels', ...roundedLevels(sim.audioLevels()) });
    if (levels === lastLevels) return;
    lastLevels = levels;
    if (ws.readyState === ws.OPEN) ws.send(levels);
  }, LEVELS_MS);
  levelsTimer.unref();

  ws.on('message', (data, isBinary) => {
    const bytes = bufferOf(data);
    if (isBinary) {
      if (isAudioMessage(bytes)) return onAudioMessage(bytes);
      return sendJson({ type: 'error', message: 'binary messages other than audio ("SDA1") are not accepted' });
    }
    let m: PageMessage;
    try {
      m = parsePageMessage(bytes.toString('utf8'));
    } catch (err) {
      return sendJson({ type: 'error', message: (err as Error).message });
    }
    if (m.type === 'audio') return m.on ? takeAudio() : releaseAudio();
    // Through the simulated keypad driver: the phone logs (and survives) an event it cannot act on.
    for (const e of inputEventsOf(m)) sim.input.inject(e);
  });
  ws.on('close', () => {
    clearInterval(levelsTimer);
    releaseAudio();
    for (const u of unsubscribers) u();
  });
}
