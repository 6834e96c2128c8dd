/**
 * The phone's face: the screens (src/ui/screens) drawn from the phone's state and their intents mapped onto
 * the call core and the keypad. Until the hardware issue brings the board's fbdev display, the screen is an
 * in-memory PNG display: `GET /api/v1/screen.png` shows it (simulator, tests, remote support).
 */
import type { PhoneConfig } from '../config/schema.js';
import type { CallControl } from '../phone/call-control.js';
import type { Keypad } from '../phone/keypad.js';
import type { Clock } from '../phone/clock.js';
import type { CallLogStore } from '../phone/call-log.js';
import type { PresenceModel } from '../phone/presence.js';
import type { Colleagues } from '../phone/colleagues.js';
import { Ui, PngDisplay, themeByName, type Theme } from '../ui/index.js';
import { PhoneShell, setupScreenFonts } from '../ui/screens/shell.js';
import type { PhoneIntent, PhoneView, RegistrationView } from '../ui/screens/phone-view.js';
import { createLogger } from '../util/log.js';

const log = createLogger('ui');

export interface PhoneUi {
  /** The screen as it is now, as PNG. */
  screenPng(): Buffer;
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
}

export function wireUi(s: UiSources): PhoneUi {
  const fonts = setupScreenFonts();
  if (!fonts.korean && s.config.ui.locale === 'ko') log.warn('no Korean font found (Debian package fonts-nanum): Korean text will not render');
  const theme: Theme = themeByName(s.config.ui.theme);
  const display = new PngDisplay(800, 480);
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
      return display.toPng();
    },
    refresh,
    stop() {
      s.clock.clearTimer(timer);
      ui.stop();
    },
  };
}
