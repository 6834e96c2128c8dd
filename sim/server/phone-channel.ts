/**
 * One browser connection to one simulated phone (WebSocket `/ws/<name>`).
 *
 * Server → page: binary messages are screen frames (encodeFrame: damaged rectangles; a keyframe first);
 * text messages are JSON: `hello` (who the phone is), `registration`, `lamps`, `calls` (the call core's
 * snapshot: calls, off-hook, DND, notice), `sip` (messages sent and received; the history first).
 * Page → server: JSON `{type:"key", key, action?}`, `{type:"touch", x, y, action}`, `{type:"hook", offHook}`.
 * Anything else is answered with `{type:"error"}` and otherwise ignored: a page
 * (or anyone else on the socket) cannot crash the phone.
 */
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { encodeFrame, type Frame } from '../../src/ui/display/frame-stream.js';
import { isKeyCode } from '../../src/ui/core/keys.js';
import type { HalInputEvent } from '../../src/hal/hal-types.js';
import type { SimPhone, SipLogEntry } from './sim-phone.js';

/** Past this much unsent data the page is not keeping up: frames are skipped and one keyframe catches up. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const coordinate = z.number().finite().min(-100_000).max(100_000);
const pageMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('key'), key: z.string().refine(isKeyCode, 'unknown key'), action: z.enum(['press', 'down', 'up']).default('press') }),
  z.strictObject({ type: z.literal('touch'), x: coordinate, y: coordinate, action: z.enum(['down', 'move', 'up', 'cancel']) }),
  z.strictObject({ type: z.literal('hook'), offHook: z.boolean() }),
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

/** The HAL events a page message stands for (a key press is a down and an up, as a driver sends them). */
export function inputEventsOf(m: PageMessage): HalInputEvent[] {
  switch (m.type) {
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

export function servePhoneChannel(ws: WebSocket, sim: SimPhone): void {
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
  sendJson({ type: 'lamps', lamps: sim.leds.lamps() });
  sendJson({ type: 'calls', calls: phone.calls.snapshot() });
  sendJson({ type: 'sip', messages: sim.sipHistory() });
  phone.ui.refresh();
  sendFrame(display.keyframe());

  const onRegistration = (s: unknown): void => sendJson({ type: 'registration', ...(s as object) });
  phone.sip.registration.on('state', onRegistration);
  const unsubscribers = [
    display.subscribe(sendFrame),
    sim.leds.onChange((lamps) => sendJson({ type: 'lamps', lamps })),
    phone.calls.onChange((snapshot) => sendJson({ type: 'calls', calls: snapshot })),
    sim.onSip((m: SipLogEntry) => sendJson({ type: 'sip', messages: [m] })),
    () => phone.sip.registration.off('state', onRegistration),
  ];

  ws.on('message', (data, isBinary) => {
    if (isBinary) return sendJson({ type: 'error', message: 'binary messages are not accepted' });
    let m: PageMessage;
    try {
      m = parsePageMessage(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    } catch (err) {
      return sendJson({ type: 'error', message: (err as Error).message });
    }
    // Through the simulated keypad driver: the phone logs (and survives) an event it cannot act on.
    for (const e of inputEventsOf(m)) sim.input.emit(e);
  });
  ws.on('close', () => {
    for (const u of unsubscribers) u();
  });
}
