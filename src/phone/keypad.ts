/**
 * What the dial keys mean at this moment, as on any desk phone: during a connected call they send DTMF;
 * otherwise they collect a number (DigitCollector: inter-digit timeout, # to send, immediate and emergency
 * patterns) and the complete number is dialed. The UI, the hardware keypad and the API all press keys here.
 */
import type { Clock } from './clock.js';
import type { CallControl } from './call-control.js';
import type { DialPlan } from './dial-plan.js';
import { DigitCollector } from './digit-collector.js';

export interface DialerView {
  /** The digits typed so far, and what they normalize to (the dialer screen's preview). */
  readonly digits: string;
  readonly preview: string;
  /** The last collection that ended without a call, and why (e.g. locked). */
  readonly blocked?: string;
}

export class Keypad {
  readonly #calls: CallControl;
  readonly #collector: DigitCollector;
  #blocked: string | undefined;
  #onChange: (() => void) | undefined;

  constructor(o: { calls: CallControl; plan: DialPlan; clock: Clock; onChange?: () => void }) {
    this.#calls = o.calls;
    this.#onChange = o.onChange;
    this.#collector = new DigitCollector({ plan: o.plan, clock: o.clock });
    this.#collector.onEvent((e) => {
      if (e.type === 'dial') {
        try {
          this.#calls.dial(e.digits);
        } catch (err) {
          this.#blocked = (err as Error).message;
        }
      } else this.#blocked = `${e.digits}: the phone is locked (only emergency numbers dial)`;
      this.#collector.clear();
      this.#onChange?.();
    });
  }

  view(): DialerView {
    return { digits: this.#collector.digits, preview: this.#collector.preview, ...(this.#blocked ? { blocked: this.#blocked } : {}) };
  }

  setLocked(locked: boolean): void {
    this.#collector.setLocked(locked);
  }

  /**
   * One key press: '0'-'9', '*', '#', '+', 'dial' (send now), 'back' (delete a digit), 'clear'.
   * Returns false for a key that means nothing now.
   */
  press(key: string): boolean {
    const talking = this.#calls.snapshot().calls.find((c) => c.state === 'connected' && !c.held);
    if (talking !== undefined && /^[0-9*#]$/.test(key)) {
      this.#calls.sendDtmf(key, talking.id);
      return true;
    }
    this.#blocked = undefined;
    let taken: boolean;
    if (key === 'dial') taken = this.#collector.send();
    else if (key === 'back') taken = this.#collector.backspace();
    else if (key === 'clear') {
      this.#collector.clear();
      taken = true;
    } else taken = this.#collector.press(key);
    this.#onChange?.();
    return taken;
  }
}
