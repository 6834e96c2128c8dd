/**
 * The simulator page: one panel per phone, each with its own WebSocket (/ws/<name>, see
 * sim/server/phone-channel.ts). Binary messages are screen frames painted onto the phone's canvas in
 * arrival order; JSON messages carry the registration, lamps, calls, SIP messages and sound levels. Keys,
 * touches and the hook go back as JSON. One panel at a time may "use my microphone and speakers" (audio.ts):
 * it then sends the microphone and plays the phone's sound as binary "SDA1" frames on its socket.
 * Compiled by the project's tsc to dist/sim/web/app.js and loaded as a module.
 */
import { browser, byId, child, type El, type KeyEv, type PointerEv, type Socket } from './dom.js';
import { readFrame, type PageFrame } from './frame.js';
import { PageAudio, audioUnavailable } from './audio.js';
import { isAudioMessage, type Level } from './pcm.js';

/** SIP messages kept in a panel's ladder (the oldest go first). */
const SIP_MESSAGES_SHOWN = 200;
const RECONNECT_MS = 1500;
/** How often the page's own sound levels are shown (the phone's come from the server). */
const PAGE_LEVELS_MS = 250;

interface PhoneInfo {
  name: string;
  aor: string;
  extension: string;
  apiUrl: string;
  hotline?: string;
}
type Lamp = 'off' | 'on' | 'blink' | 'fast-blink';
interface CallInfo {
  state: string;
  held: boolean;
  direction: string;
  remote: { uri?: string; name?: string; number?: string };
}
interface CallsSnapshot {
  calls: CallInfo[];
  offHook: boolean;
  dnd: boolean;
  notice?: { text: string };
}
interface SipMessage {
  at: number;
  direction: 'in' | 'out';
  peer: string;
  text: string;
}
type ServerMessage =
  | { type: 'hello'; phone: PhoneInfo & { lineKeys: number } }
  | { type: 'registration'; state: string; reason?: string; contact?: string }
  | { type: 'lamps'; lamps: Record<string, Lamp> }
  | { type: 'calls'; calls: CallsSnapshot }
  | { type: 'sip'; messages: SipMessage[] }
  | { type: 'audio'; on: boolean; reason?: string }
  | { type: 'levels'; microphone: Level; speaker: Level }
  | { type: 'error'; message: string };

type AudioState = 'off' | 'starting' | 'on' | 'error';

/** Meter bar length: −60…0 dBFS RMS over the bar. */
function meterFill(level: Level): number {
  if (level.rms <= 0) return 0;
  return Math.min(1, Math.max(0, (20 * Math.log10(level.rms) + 60) / 60));
}

function el(tag: string, className?: string, text?: string): El {
  const e = browser.document.createElement(tag);
  if (className !== undefined) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function partyOf(call: CallInfo): string {
  const r = call.remote;
  return r.name ?? r.number ?? (r.uri ?? '').replace(/^sips?:/, '');
}

/** One line about the calls, for the panel's header ("connected to bob", "ringing from carol", …). */
function callSummary(s: CallsSnapshot): string {
  const parts = s.calls.map((c) => `${c.held ? 'held' : c.state} ${c.direction === 'incoming' ? 'from' : 'to'} ${partyOf(c)}`);
  if (parts.length === 0) parts.push(s.offHook ? 'off hook' : 'idle');
  if (s.dnd) parts.push('do not disturb');
  if (s.notice) parts.push(s.notice.text);
  return parts.join(' · ');
}

function clockTime(at: number): string {
  const d = new Date(at);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

class PhonePanel {
  readonly name: string;
  readonly root: El;
  readonly #canvas: El;
  readonly #hook: El;
  readonly #messages: El;
  #messageCount = 0;
  #offHook = false;
  #frames = 0;
  #paintQueue: Promise<void> = Promise.resolve();
  #socket: Socket | undefined;
  readonly #audioToggle: El;
  #audio: PageAudio | undefined;
  /** Counts starts and stops, so a start still asking for the microphone knows when it was cancelled. */
  #audioAttempt = 0;
  #audioLevelsTimer: ReturnType<typeof setInterval> | undefined;
  /** The panel using the microphone and speakers (or asking for them): one for the whole page. */
  static #audioOwner: PhonePanel | undefined;

  constructor(info: PhoneInfo, host: El) {
    this.name = info.name;
    const template = byId('phone-template').content.firstElementChild;
    if (template === null) throw new Error('empty phone template');
    this.root = template.cloneNode(true);
    this.root.dataset.phone = info.name;
    this.root.dataset.reg = 'unknown';
    this.root.dataset.frames = '0';
    child(this.root, '.name').textContent = info.name;
    child(this.root, '.ext').textContent = `ext. ${info.extension}${info.hotline !== undefined ? ` · kiosk → ${info.hotline}` : ''}`;
    const api = child(this.root, '.api');
    api.href = `${info.apiUrl}/api/v1/status`;
    api.textContent = info.apiUrl.replace(/^http:\/\//, 'API ');
    this.#canvas = child(this.root, 'canvas');
    this.#hook = child(this.root, '[data-hook]');
    this.#messages = child(this.root, '.messages');
    this.#audioToggle = child(this.root, '[data-audio]');
    this.#setAudioState('off');
    const noAudio = audioUnavailable();
    if (noAudio !== undefined) {
      this.#audioToggle.disabled = true;
      this.#audioToggle.title = noAudio;
    }
    host.appendChild(this.root);
    this.#wireKeys();
    this.#wireTouch();
    this.#connect();
  }

  #connect(): void {
    const scheme = browser.location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new browser.WebSocket(`${scheme}://${browser.location.host}/ws/${encodeURIComponent(this.name)}`);
    ws.binaryType = 'arraybuffer';
    this.#socket = ws;
    ws.onopen = () => this.root.classList.remove('disconnected');
    ws.onclose = () => {
      this.root.classList.add('disconnected');
      // The server let go of the audio with the connection.
      if (this.#audio !== undefined || PhonePanel.#audioOwner === this) this.#stopAudio('disconnected', false);
      this.root.dataset.reg = 'unknown';
      // The simulator restarted or the network blinked: try again, without hammering.
      setTimeout(() => this.#connect(), RECONNECT_MS);
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') this.#onJson(JSON.parse(ev.data) as ServerMessage);
      else if (isAudioMessage(ev.data)) this.#onAudio(ev.data);
      else this.#onFrame(ev.data);
    };
  }

  send(message: object): void {
    if (this.#socket !== undefined && this.#socket.readyState === browser.WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  #sendBinary(data: ArrayBuffer): void {
    if (this.#socket !== undefined && this.#socket.readyState === browser.WebSocket.OPEN) this.#socket.send(data);
  }

  #onAudio(buffer: ArrayBuffer): void {
    try {
      this.#audio?.play(buffer);
    } catch (err) {
      console.warn(`${this.name}: ${(err as Error).message}`);
    }
  }

  #onFrame(buffer: ArrayBuffer): void {
    let frame: PageFrame;
    try {
      frame = readFrame(buffer);
    } catch (err) {
      console.warn(`${this.name}: ${(err as Error).message}`);
      return;
    }
    // PNG rectangles decode asynchronously: chain the paints so a later frame never lands under an earlier one.
    this.#paintQueue = this.#paintQueue.then(() => this.#paint(frame)).catch((err: unknown) => console.warn(`${this.name}: paint: ${(err as Error).message}`));
  }

  async #paint(frame: PageFrame): Promise<void> {
    const canvas = this.#canvas;
    if (canvas.width !== frame.width || canvas.height !== frame.height) {
      canvas.width = frame.width;
      canvas.height = frame.height;
    }
    const ctx = canvas.getContext('2d');
    for (const r of frame.rects) {
      if (r.encoding === 'rgba') {
        ctx.putImageData(new browser.ImageData(new Uint8ClampedArray(r.data), r.w, r.h), r.x, r.y);
      } else {
        const bitmap = await browser.createImageBitmap(new browser.Blob([r.data], { type: 'image/png' }));
        ctx.drawImage(bitmap, r.x, r.y);
        bitmap.close();
      }
    }
    this.root.dataset.frames = String(++this.#frames);
    this.root.dataset.seq = String(frame.seq);
  }

  #onJson(m: ServerMessage): void {
    switch (m.type) {
      case 'hello': this.#buildLineKeys(m.phone.lineKeys); break;
      case 'registration': this.#showRegistration(m); break;
      case 'lamps': this.#showLamps(m.lamps); break;
      case 'calls': this.#showCalls(m.calls); break;
      case 'sip': for (const msg of m.messages) this.#addSipMessage(msg); break;
      case 'audio': this.#onAudioHeld(m.on, m.reason); break;
      case 'levels': this.#showPhoneLevels(m.microphone, m.speaker); break;
      case 'error': console.warn(`${this.name}: ${m.message}`); break;
    }
  }

  #buildLineKeys(count: number): void {
    const box = child(this.root, '.linekeys');
    box.replaceChildren();
    for (let i = 1; i <= count; i++) {
      const b = el('button');
      b.dataset.key = `line${i}`;
      b.dataset.lamp = `line${i}`;
      b.title = `line key ${i}`;
      b.appendChild(el('i', 'led'));
      box.appendChild(b);
    }
  }

  #showRegistration(s: { state: string; reason?: string; contact?: string }): void {
    this.root.dataset.reg = s.state;
    child(this.root, '.reg').title = [s.contact !== undefined ? `contact ${s.contact}` : '', s.reason ?? ''].filter((x) => x !== '').join('\n');
    child(this.root, '.reg-text').textContent = s.state + (s.reason !== undefined && s.state !== 'registered' ? ` (${s.reason})` : '');
  }

  #showLamps(lamps: Record<string, Lamp>): void {
    for (const button of this.root.querySelectorAll('[data-lamp]')) {
      const state = lamps[button.dataset.lamp ?? ''] ?? 'off';
      const led = child(button, '.led');
      led.classList.toggle('lit', state !== 'off');
      led.classList.toggle('blink', state === 'blink');
      led.classList.toggle('fast-blink', state === 'fast-blink');
      button.dataset.state = state;
    }
  }

  #showCalls(s: CallsSnapshot): void {
    this.#offHook = s.offHook;
    this.#hook.setAttribute('aria-pressed', String(s.offHook));
    child(this.#hook, '.hook-text').textContent = s.offHook ? 'Handset up' : 'Handset down';
    child(this.root, '.call-summary').textContent = callSummary(s);
    this.root.dataset.calls = s.calls.map((c) => c.state + (c.held ? '-held' : '')).join(' ');
    this.root.dataset.dnd = String(s.dnd);
  }

  #addSipMessage(m: SipMessage): void {
    const li = el('li', m.direction);
    const line = el('button', 'line');
    line.append(el('span', 'time', clockTime(m.at)), el('span', 'arrow', m.direction === 'out' ? '→ ' : '← '), browser.document.createTextNode(m.text.split('\r\n', 1)[0] ?? ''));
    line.title = `${m.direction === 'out' ? 'to' : 'from'} ${m.peer}`;
    const full = el('pre', undefined, m.text);
    full.hidden = true;
    line.addEventListener('click', () => {
      full.hidden = !full.hidden;
    });
    li.append(line, full);
    const list = this.#messages;
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    list.appendChild(li);
    while (list.childElementCount > SIP_MESSAGES_SHOWN) list.firstElementChild?.remove();
    if (atBottom) list.scrollTop = list.scrollHeight;
    child(this.root, '.ladder .count').textContent = String(++this.#messageCount);
  }

  // ---- "use my microphone and speakers"

  toggleAudio(): void {
    if (PhonePanel.#audioOwner === this) this.#stopAudio(undefined, true);
    else void this.#startAudio();
  }

  async #startAudio(): Promise<void> {
    // One microphone: taking it here gives it up on the panel that had it (the server does the same).
    if (PhonePanel.#audioOwner !== undefined) PhonePanel.#audioOwner.#stopAudio(`the microphone went to ${this.name}`, true);
    PhonePanel.#audioOwner = this;
    const attempt = ++this.#audioAttempt;
    this.#setAudioState('starting');
    let audio: PageAudio;
    try {
      audio = await PageAudio.start((frame) => this.#sendBinary(frame));
    } catch (err) {
      if (attempt !== this.#audioAttempt) return;
      if (PhonePanel.#audioOwner === this) PhonePanel.#audioOwner = undefined;
      this.#setAudioState('error', `no microphone: ${(err as Error).message}`);
      return;
    }
    if (attempt !== this.#audioAttempt) {
      audio.stop(); // turned off (or taken) while the browser was asking
      return;
    }
    this.#audio = audio;
    this.send({ type: 'audio', on: true });
    this.#audioLevelsTimer = setInterval(() => this.#showPageLevels(), PAGE_LEVELS_MS);
  }

  /** Stops the page's audio; `tellServer` false when the server already let go. */
  #stopAudio(reason: string | undefined, tellServer: boolean): void {
    this.#audioAttempt++;
    if (PhonePanel.#audioOwner === this) PhonePanel.#audioOwner = undefined;
    this.#audio?.stop();
    this.#audio = undefined;
    clearInterval(this.#audioLevelsTimer);
    this.#audioLevelsTimer = undefined;
    if (tellServer) this.send({ type: 'audio', on: false });
    this.#setAudioState('off', reason);
    this.#showPageLevels();
  }

  #onAudioHeld(on: boolean, reason: string | undefined): void {
    if (on) {
      if (this.#audio !== undefined) this.#setAudioState('on');
      else this.send({ type: 'audio', on: false }); // an answer to a request since cancelled
    } else if (this.#audio !== undefined) {
      this.#stopAudio(reason, false);
    }
  }

  #setAudioState(state: AudioState, reason?: string): void {
    this.root.dataset.audio = state;
    this.#audioToggle.setAttribute('aria-pressed', String(state === 'on' || state === 'starting'));
    child(this.#audioToggle, '.audio-text').textContent = state === 'on' ? 'Using my microphone and speakers' : state === 'starting' ? 'Starting the microphone…' : 'Use my microphone and speakers';
    if (!this.#audioToggle.disabled) this.#audioToggle.title = reason ?? 'Talk and listen on this phone through this computer (one phone at a time)';
  }

  #showLevel(attribute: string, meter: string | undefined, level: Level): void {
    this.root.dataset[attribute] = level.rms.toFixed(3);
    this.root.dataset[`${attribute}Peak`] = level.peak.toFixed(3);
    if (meter !== undefined) child(this.root, `[data-meter="${meter}"] i`).style.setProperty('--level', meterFill(level).toFixed(3));
  }

  /** What the phone's microphone gives and its speaker plays (server side, whichever device). */
  #showPhoneLevels(microphone: Level, speaker: Level): void {
    this.#showLevel('phoneMic', 'microphone', microphone);
    this.#showLevel('phoneSpeaker', 'speaker', speaker);
  }

  /** What this page sends and plays (zero when it does not hold the audio). */
  #showPageLevels(): void {
    const silent = { rms: 0, peak: 0 };
    const levels = this.#audio?.levels() ?? { microphone: silent, playback: silent };
    this.#showLevel('pageMic', undefined, levels.microphone);
    this.#showLevel('pageOut', undefined, levels.playback);
  }

  pressKey(key: string): void {
    this.send({ type: 'key', key, action: 'press' });
  }

  toggleHook(): void {
    this.send({ type: 'hook', offHook: !this.#offHook });
  }

  #wireKeys(): void {
    this.root.addEventListener('click', (ev) => {
      focusPanel(this);
      const button = ev.target?.closest('button');
      if (!button || !this.root.contains(button)) return;
      if (button.dataset.key !== undefined) this.pressKey(button.dataset.key);
      else if (button.dataset.hook !== undefined) this.toggleHook();
      else if (button.dataset.audio !== undefined) this.toggleAudio();
    });
  }

  /** Where on the phone's screen a pointer is: canvas CSS pixels scaled to screen pixels. */
  #screenPoint(ev: PointerEv): { x: number; y: number } {
    const r = this.#canvas.getBoundingClientRect();
    return {
      x: Math.round(((ev.clientX - r.left) * this.#canvas.width) / r.width),
      y: Math.round(((ev.clientY - r.top) * this.#canvas.height) / r.height),
    };
  }

  #wireTouch(): void {
    const canvas = this.#canvas;
    let down = false;
    let pendingMove: { x: number; y: number } | undefined;
    canvas.addEventListener('pointerdown', (ev) => {
      focusPanel(this);
      down = true;
      canvas.setPointerCapture(ev.pointerId);
      this.send({ type: 'touch', action: 'down', ...this.#screenPoint(ev) });
    });
    canvas.addEventListener('pointermove', (ev) => {
      if (!down) return;
      // At most one move per animation frame: a drag must not flood the phone.
      if (pendingMove === undefined) {
        browser.requestAnimationFrame(() => {
          if (down && pendingMove !== undefined) this.send({ type: 'touch', action: 'move', ...pendingMove });
          pendingMove = undefined;
        });
      }
      pendingMove = this.#screenPoint(ev);
    });
    const end = (action: 'up' | 'cancel') => (ev: PointerEv) => {
      if (!down) return;
      down = false;
      pendingMove = undefined;
      this.send({ type: 'touch', action, ...this.#screenPoint(ev) });
    };
    canvas.addEventListener('pointerup', end('up'));
    canvas.addEventListener('pointercancel', end('cancel'));
  }
}

let focused: PhonePanel | undefined;

function focusPanel(panel: PhonePanel): void {
  if (focused === panel) return;
  focused?.root.classList.remove('focused');
  focused = panel;
  panel.root.classList.add('focused');
}

const KEYBOARD: Record<string, string> = {
  Enter: 'ok',
  ArrowUp: 'up',
  ArrowDown: 'down',
  ArrowLeft: 'left',
  ArrowRight: 'right',
  Escape: 'back',
  Backspace: 'back',
  F1: 'soft1',
  F2: 'soft2',
  F3: 'soft3',
  F4: 'soft4',
};

function onKeyDown(ev: KeyEv): void {
  const panel = focused;
  if (panel === undefined || ev.ctrlKey || ev.altKey || ev.metaKey) return;
  if (ev.target?.closest('input, textarea, select')) return;
  if (ev.key === ' ') {
    ev.preventDefault();
    if (!ev.repeat) panel.toggleHook();
    return;
  }
  const key = /^[0-9*#]$/.test(ev.key) ? ev.key : KEYBOARD[ev.key];
  if (key === undefined) return;
  ev.preventDefault();
  if (ev.repeat) return;
  panel.pressKey(key);
  // The key on the page moves too, so the keyboard's effect is visible.
  const button = panel.root.querySelector(`[data-key="${browser.CSS.escape(key)}"]`);
  button?.classList.add('pressed');
  setTimeout(() => button?.classList.remove('pressed'), 120);
}

async function main(): Promise<void> {
  const res = await browser.fetch('/sim/phones');
  if (!res.ok) throw new Error(`the simulator answered ${res.status}`);
  const { pbx, phones } = (await res.json()) as { pbx: string; phones: PhoneInfo[] };
  byId('pbx').textContent = `PBX: ${pbx}`;
  const host = byId('phones');
  const panels = phones.map((info) => new PhonePanel(info, host));
  if (panels[0] !== undefined) focusPanel(panels[0]);
  browser.document.addEventListener('keydown', onKeyDown);
  browser.sipdeskSim = { panels };
}

main().catch((err: unknown) => {
  byId('pbx').textContent = `cannot load the phones: ${(err as Error).message}`;
});
