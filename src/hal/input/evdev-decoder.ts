/**
 * Turns raw evdev events into phone input events. The kernel groups events into frames ended by
 * SYN_REPORT; a frame is emitted only when complete, so a touch position and its BTN_TOUCH arrive together.
 * SYN_DROPPED means the kernel's buffer overflowed and events were lost: the rest of that frame is
 * meaningless, so everything up to the next SYN_REPORT is discarded, and keys and touches we believe held
 * are released (a lost release would otherwise leave a key stuck down or a volume key repeating forever).
 */
import type { HalInputEvent } from '../hal-types.js';
import {
  ABS_MT_POSITION_X,
  ABS_MT_POSITION_Y,
  ABS_MT_SLOT,
  ABS_MT_TRACKING_ID,
  ABS_X,
  ABS_Y,
  BTN_TOUCH,
  EV_ABS,
  EV_KEY,
  EV_SW,
  EV_SYN,
  SYN_DROPPED,
  SYN_REPORT,
  resolveInputCode,
  type InputCode,
} from './linux-codes.js';
import type { RawInputEvent } from './input-event.js';
import { isRepeatableKey } from './repeatable-keys.js';
import { createTouchScaler, type DisplaySize, type TouchCalibration, type TouchScaler } from './touch-scaler.js';

/** The keymap used when the descriptor gives none: a phone keypad, arrows, volume and mute. */
export const DEFAULT_EVDEV_KEYMAP: Readonly<Record<string, string>> = {
  KEY_0: '0', KEY_1: '1', KEY_2: '2', KEY_3: '3', KEY_4: '4', KEY_5: '5', KEY_6: '6', KEY_7: '7', KEY_8: '8', KEY_9: '9',
  KEY_NUMERIC_0: '0', KEY_NUMERIC_1: '1', KEY_NUMERIC_2: '2', KEY_NUMERIC_3: '3', KEY_NUMERIC_4: '4',
  KEY_NUMERIC_5: '5', KEY_NUMERIC_6: '6', KEY_NUMERIC_7: '7', KEY_NUMERIC_8: '8', KEY_NUMERIC_9: '9',
  KEY_NUMERIC_STAR: '*', KEY_NUMERIC_POUND: '#', KEY_KPASTERISK: '*',
  KEY_F1: 'soft1', KEY_F2: 'soft2', KEY_F3: 'soft3', KEY_F4: 'soft4',
  KEY_UP: 'up', KEY_DOWN: 'down', KEY_LEFT: 'left', KEY_RIGHT: 'right',
  KEY_ENTER: 'ok', KEY_OK: 'ok', KEY_SELECT: 'ok', KEY_BACK: 'back', KEY_ESC: 'back',
  KEY_VOLUMEUP: 'volumeUp', KEY_VOLUMEDOWN: 'volumeDown', KEY_MUTE: 'mute', KEY_MICMUTE: 'mute',
  KEY_VOICEMAIL: 'message', KEY_AGAIN: 'redial',
};

export interface EvdevDecoderOptions {
  /** `touch` devices report a pointer from their ABS axes and BTN_TOUCH; `keys` devices only keys. */
  readonly kind: 'keys' | 'touch';
  /** Linux key/switch name or number → phone key code; replaces DEFAULT_EVDEV_KEYMAP when given. */
  readonly keymap?: Readonly<Record<string, string>>;
  /** The key or switch that is the hook switch: pressed/set = off hook. */
  readonly hookKey?: string;
  readonly touch?: TouchCalibration;
  readonly display?: DisplaySize;
}

const codeKey = (type: number, code: number) => `${type}:${code}`;

export class EvdevDecoder {
  readonly #keymap = new Map<string, string>();
  readonly #hook: InputCode | undefined;
  readonly #touch: TouchScaler | undefined;
  /** Phone key codes held down, by evdev type:code, as reported in emitted frames. */
  #held = new Map<string, string>();
  /** The held set as the current, not yet complete frame changes it; adopted at SYN_REPORT. */
  #frameHeld: Map<string, string> | undefined;
  #frame: HalInputEvent[] = [];
  #dropping = false;

  // Touch state: raw position of slot 0, contact as BTN_TOUCH or the MT tracking id says, and what we reported.
  #rawX = 0;
  #rawY = 0;
  #slot = 0;
  #btnTouch: boolean | undefined;
  #mtTouch = false;
  #pointerDown = false;
  #lastPointer = { x: 0, y: 0 };

  constructor(private readonly options: EvdevDecoderOptions) {
    for (const [name, phoneCode] of Object.entries(options.keymap ?? DEFAULT_EVDEV_KEYMAP)) {
      if (typeof phoneCode !== 'string' || phoneCode === '') throw new Error(`keymap entry '${name}' must map to a key code`);
      const { type, code } = resolveInputCode(name);
      this.#keymap.set(codeKey(type, code), phoneCode);
    }
    this.#hook = options.hookKey === undefined ? undefined : resolveInputCode(options.hookKey);
    if (options.kind === 'touch') {
      if (!options.display) throw new Error('a touch input needs the display size');
      this.#touch = createTouchScaler(options.touch, options.display);
    }
  }

  /** Feeds one raw event; returns the phone events it completes (non-empty only at SYN_REPORT/SYN_DROPPED). */
  push(event: RawInputEvent): HalInputEvent[] {
    if (event.type === EV_SYN) return this.#sync(event.code);
    if (this.#dropping) return [];
    if (event.type === EV_KEY) this.#key(event.code, event.value);
    else if (event.type === EV_SW) this.#switch(event.code, event.value);
    else if (event.type === EV_ABS && this.#touch) this.#abs(event.code, event.value);
    return [];
  }

  #sync(code: number): HalInputEvent[] {
    if (code === SYN_DROPPED) {
      this.#dropping = true;
      this.#frame = [];
      this.#frameHeld = undefined;
      return this.releaseAll();
    }
    if (code !== SYN_REPORT) return [];
    if (this.#dropping) {
      this.#dropping = false;
      return [];
    }
    const out = this.#frame;
    this.#frame = [];
    if (this.#frameHeld) this.#held = this.#frameHeld;
    this.#frameHeld = undefined;
    if (this.#touch) this.#pointerFrame(out, this.#touch);
    return out;
  }

  #key(code: number, value: number): void {
    if (this.#touch && code === BTN_TOUCH) {
      if (value !== 2) this.#btnTouch = value !== 0;
      return;
    }
    if (this.#hook?.type === EV_KEY && this.#hook.code === code) {
      // Autorepeat of a held hook key says nothing new.
      if (value !== 2) this.#frame.push({ type: 'hook', offHook: value === 1 });
      return;
    }
    const id = codeKey(EV_KEY, code);
    const phoneCode = this.#keymap.get(id);
    if (phoneCode === undefined) return;
    const held = this.#working();
    if (value === 1) {
      held.set(id, phoneCode);
      this.#frame.push({ type: 'key', code: phoneCode, down: true });
    } else if (value === 0) {
      // Not held: we already released it after SYN_DROPPED.
      if (held.delete(id)) this.#frame.push({ type: 'key', code: phoneCode, down: false });
    } else if (value === 2 && held.has(id) && isRepeatableKey(phoneCode)) {
      this.#frame.push({ type: 'key', code: phoneCode, down: true });
    }
  }

  #switch(code: number, value: number): void {
    if (this.#hook?.type === EV_SW && this.#hook.code === code) {
      this.#frame.push({ type: 'hook', offHook: value !== 0 });
      return;
    }
    const id = codeKey(EV_SW, code);
    const phoneCode = this.#keymap.get(id);
    if (phoneCode === undefined) return;
    const down = value !== 0;
    const held = this.#working();
    if (down === held.has(id)) return;
    if (down) held.set(id, phoneCode);
    else held.delete(id);
    this.#frame.push({ type: 'key', code: phoneCode, down });
  }

  #working(): Map<string, string> {
    return (this.#frameHeld ??= new Map(this.#held));
  }

  #abs(code: number, value: number): void {
    if (code === ABS_X) this.#rawX = value;
    else if (code === ABS_Y) this.#rawY = value;
    else if (code === ABS_MT_SLOT) this.#slot = value;
    // Only the first contact drives the pointer; the UI has no multi-touch gestures.
    else if (this.#slot !== 0) return;
    else if (code === ABS_MT_POSITION_X) this.#rawX = value;
    else if (code === ABS_MT_POSITION_Y) this.#rawY = value;
    else if (code === ABS_MT_TRACKING_ID) this.#mtTouch = value >= 0;
  }

  #pointerFrame(out: HalInputEvent[], scale: TouchScaler): void {
    // Controllers that report BTN_TOUCH are believed; pure MT-protocol-B ones signal contact by tracking id.
    const touching = this.#btnTouch ?? this.#mtTouch;
    const at = scale(this.#rawX, this.#rawY);
    if (touching && !this.#pointerDown) {
      this.#pointerDown = true;
      out.push({ type: 'pointer', ...at, action: 'down' });
    } else if (touching && (at.x !== this.#lastPointer.x || at.y !== this.#lastPointer.y)) {
      out.push({ type: 'pointer', ...at, action: 'move' });
    } else if (!touching && this.#pointerDown) {
      this.#pointerDown = false;
      out.push({ type: 'pointer', ...at, action: 'up' });
    }
    this.#lastPointer = at;
  }

  /** Releases every key and touch believed held (after lost events, or when the device goes away). */
  releaseAll(): HalInputEvent[] {
    const out: HalInputEvent[] = [];
    for (const phoneCode of this.#held.values()) out.push({ type: 'key', code: phoneCode, down: false });
    this.#held.clear();
    this.#frameHeld = undefined;
    if (this.#pointerDown) {
      out.push({ type: 'pointer', ...this.#lastPointer, action: 'cancel' });
      this.#pointerDown = false;
    }
    // The contact state is unknown now. The kernel resends BTN_TOUCH only on change, so a finger still down
    // is ignored until it lifts and touches again: better than a drag the user never made.
    this.#btnTouch = this.#btnTouch === undefined ? undefined : false;
    this.#mtTouch = false;
    return out;
  }
}
