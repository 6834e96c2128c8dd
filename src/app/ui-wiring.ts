/**
 * The phone's face: the screens (src/ui/screens) drawn from the phone's state onto the board's display, input
 * from the board's drivers (or the control API) into the screens, and their intents mapped onto the call
 * core and the keypad. `GET /api/v1/screen.png` shows whatever display is in use (tests, remote support).
 */
import type { PhoneConfig } from '../config/schema.js';
import type { CallControl } from '../phone/call-control.js';
import type { Keypad } from '../phone/keypad.js';
import type { Clock } from '../phone/clock.js';
import type { CallLogStore } from '../phone/call-log.js';
import type { PresenceModel } from '../phone/presence.js';
import type { Colleagues } from '../phone/colleagues.js';
import { Ui, PngDisplay, encodePng, themeByName, type Display, type Theme } from '../ui/index.js';
import type { HalInputEvent } from '../hal/hal-types.js';
import { PhoneShell, setupScreenFonts } from '../ui/screens/shell.js';
import type { PhoneIntent, PhoneView, RegistrationView } from '../ui/screens/phone-view.js';
import { createLogger } from '../util/log.js';

const log = createLogger('ui');

export interface PhoneUi {
  /** The screen as it is now, as PNG. */
  screenPng(): Buffer;
  /** Keys and touches from drivers or the API; hook events go to the call core. Bad events are ignored. */
  input(event: HalInputEvent): void;
  /** Rebuilds the screen from the phone's state (after anything changed). */
  refresh(): void;
  stop(): void;
}

export interface UiSources {
  readonly config: PhoneConfig;
  readonly registration: () => RegistrationView;
  readonly calls: CallControl;
  readonly keypad: Keypad;
  readonly presence: PresenceModel;
  readonly colleagues: Colleagues;
  readonly callLog: CallLogStore;
  readonly clock: Clock;
  /** The board's display; default an in-memory 800 × 480 one (headless). */
  readonly display?: Display;
  readonly voicemailNumber?: string;
  /** A key, touch or hook from the user (presence's idle timer, kiosk reset, backlight). */
  readonly onActivity?: () => void;
}

export function wireUi(s: UiSources): PhoneUi {
  const fonts = setupScreenFonts();
  if (!fonts.korean && s.config.ui.locale === 'ko') log.warn('no Korean font found (Debian package fonts-nanum): Korean text will not render');
  const theme: Theme = themeByName(s.config.ui.theme);
  const display = s.display ?? new PngDisplay(800, 480);
  const ui = new Ui({ display, theme });

  const view = (): PhoneView => ({
    registration: s.registration(),
    calls: s.calls.snapshot(),
    presence: s.presence.current(),
    colleagues: s.colleagues.snapshot(),
    dialer: s.keypad.view(),
    now: s.clock.now(),
    locale: s.config.ui.locale,
    theme,
    ...(s.config.ui.timeZone ? { timeZone: s.config.ui.timeZone } : {}),
    missedCalls: s.callLog.unseenMissed(),
  });

  const act = (intent: PhoneIntent): void => {
    try {
      switch (intent.type) {
        case 'answer': s.calls.answer(intent.callId); break;
        case 'reject': s.calls.reject(intent.callId); break;
        case 'hangup': s.calls.hangup(intent.callId); break;
        case 'hold': s.calls.hold(intent.callId); break;
        case 'resume': s.calls.resume(intent.callId); break;
        case 'mute': s.calls.mute(intent.callId, intent.on); break;
        case 'swap': s.calls.swap(); break;
        case 'conference': s.calls.conference(); break;
        case 'redial': {
          const last = s.callLog.lastDialed();
          if (last) s.calls.redial(last.remoteUri);
          break;
        }
        case 'dialer': s.keypad.press(intent.key); break;
        case 'dnd': s.calls.setDnd(intent.on); break;
        case 'hook': s.calls.hook(intent.offHook); break;
        case 'voicemail':
          if (s.voicemailNumber === undefined) log.info('message key: no voicemail number configured (colleagues.voicemail.number)');
          else s.calls.dial(s.voicemailNumber);
          break;
        // Forward and transfer need a target screen, line keys a line or contact action, and the other
        // screens are the UI issue's next step: said in the log, not silently dropped.
        default: log.info(`${intent.type}: not on this firmware's screens yet`);
      }
    } catch (err) {
      log.info(`${intent.type}: ${(err as Error).message}`);
    }
    refresh();
  };
  const shell = new PhoneShell(ui, act);
  const refresh = (): void => {
    shell.show(view());
  };
  refresh();
  // The clock (and a call's timer) move on their own: once a second while a call is up, else each minute.
  let timer = s.clock.setTimer(1000, function tick() {
    refresh();
    const inCall = s.calls.snapshot().calls.some((c) => c.state === 'connected');
    timer = s.clock.setTimer(inCall ? 1000 : 60_000 - (s.clock.now() % 60_000), tick);
  });
  return {
    screenPng() {
      ui.renderNow();
      return encodePng(ui.renderer.pixels.read({ x: 0, y: 0, w: display.width, h: display.height }));
    },
    input(event) {
      s.onActivity?.();
      if (event.type === 'hook') return act({ type: 'hook', offHook: event.offHook });
      // Processed at once (not on the router's next tick): the caller — a test, the API — reads the result.
      if (ui.input.push(event)) ui.input.drain();
    },
    refresh,
    stop() {
      s.clock.clearTimer(timer);
      ui.stop();
    },
  };
}
