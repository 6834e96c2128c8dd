/**
 * Composition root of one phone: config in, running SIP stack, media engine, call core, call log and
 * control API out. Everything is built here and nowhere else, so the simulator can run several phones in
 * one process the same way (each engine is picked through its own pcConfig, see media-engine.ts).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PhoneConfig } from '../config/schema.js';
import { createSipStack, SIPDESK_VERSION, type SipStack } from '../sip/sip-stack.js';
import { JsSipCallSignaling, type CallingUa } from '../sip/call-signaling.js';
import { MediaEngine } from '../media/media-engine.js';
import { createPhoneMediaStream } from '../media/media-stream.js';
import { LocalSoundPlayer, loadRingtone } from '../media/local-sound.js';
import type { PcmFrame } from '../media/types.js';
import { CallControl } from '../phone/call-control.js';
import { SystemClock } from '../phone/clock.js';
import { compileDialPlan } from '../phone/dial-plan.js';
import { Keypad } from '../phone/keypad.js';
import { IdleReset } from '../phone/idle-reset.js';
import { InMemoryCallLog, callLogEntryFor, type CallLogStore } from '../phone/call-log.js';
import { openSqliteCallLog } from '../store/sqlite-call-log.js';
import { loadUserSettings, saveUserSettings, withUserSettings } from '../store/settings-file.js';
import { ApiServer } from '../api/http-server.js';
import { statusRoutes } from '../api/routes.js';
import { callRoutes } from '../api/call-routes.js';
import { presenceRoutes } from '../api/presence-routes.js';
import { colleagueRoutes } from '../api/colleague-routes.js';
import { directoryRoutes } from '../api/directory-routes.js';
import { wireDirectory } from './directory-wiring.js';
import { wireUi, type HotDeskSignIn, type PhoneUi } from './ui-wiring.js';
import { inputRoutes } from '../api/input-routes.js';
import { wireHardware, type BoardDrivers } from './hardware-wiring.js';
import { phoneLamps, type Lamp } from '../phone/lamps.js';
import { SHELL_LINE_KEYS } from '../ui/screens/shell.js';
import type { Display } from '../ui/index.js';
import type { BoardAudio } from '../config/board-schema.js';
import type { AudioDevice } from '../media/audio/audio-port.js';
import { wireColleagues, type PhoneColleagues } from './colleagues-wiring.js';
import { wirePresence, type PhonePresence } from './presence-wiring.js';
import { phoneAudioDevice } from './audio-device.js';
import { PhoneCallAudio } from './call-audio.js';
import { createLogger } from '../util/log.js';

const log = createLogger('phone');

export interface RunningPhone {
  readonly sip: SipStack;
  readonly engine: MediaEngine;
  readonly calls: CallControl;
  readonly callLog: CallLogStore;
  readonly presence: PhonePresence;
  readonly colleagues: PhoneColleagues;
  readonly apiPort: number;
  /** The screen and its input (keys, touch, hook) — what the simulator's page drives. */
  readonly ui: PhoneUi;
  /** The lamps the phone's state lights now (message, mute, dnd, speaker, line1…). */
  lamps(): Record<string, Lamp>;
  /** Called with all lamps whenever one changes; returns the unsubscribe function. */
  onLamps(listener: (lamps: Record<string, Lamp>) => void): () => void;
  /** Unregisters (at most unregisterTimeoutMs) and releases every port. */
  stop(unregisterTimeoutMs?: number): Promise<void>;
}

/** systemd's StateDirectory= when run as the service, else the user's XDG state folder. */
export function dataDirOf(config: PhoneConfig): string {
  return config.storage.dataDir ?? process.env.STATE_DIRECTORY ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'sipdesk');
}

function openCallLog(path: string): CallLogStore {
  try {
    const store = openSqliteCallLog(path);
    if (store.recovered) log.warn(`call log: ${store.recovered.reason}; old file kept as ${store.recovered.movedTo}`);
    return store;
  } catch (err) {
    // No writable flash must not mean no phone: calls work, the log lives until restart.
    log.error(`call log: cannot open ${path} (${(err as Error).message}); keeping it in memory`);
    return new InMemoryCallLog();
  }
}

async function ringtoneOf(config: PhoneConfig): Promise<PcmFrame | undefined> {
  if (config.audio.ringtone === undefined) return undefined;
  try {
    return await loadRingtone(config.audio.ringtone, 16000);
  } catch (err) {
    log.warn(`audio.ringtone: ${(err as Error).message}; using the built-in ring`);
    return undefined;
  }
}

/** Hardware the board provides (the app builds these from the board descriptor); absent = headless. */
export interface PhoneDevices extends BoardDrivers {
  readonly display?: Display;
  /** Line keys with lamps beside the screen or on the keypad (for the LED names line1…lineN). */
  readonly lineKeys?: number;
  /** What the board has: a touch screen (on-screen keyboard) and whether it is a kiosk (hotline only). */
  readonly features?: { readonly touch: boolean; readonly kiosk: boolean };
  readonly boardName?: string;
  /** The board's sound device, used when `audio.device` is `board` (the default). */
  readonly boardAudio?: BoardAudio;
  /** A sound device that wins over config and board (the simulator's page: the browser's microphone and speakers). */
  readonly audio?: AudioDevice;
}

export interface PhoneSessionHooks {
  /** Hot desking: the sign-in screen and Settings → Account's sign-out (src/app/phone-session.ts). */
  readonly signIn?: HotDeskSignIn;
}

export async function startPhone(config: PhoneConfig, devices: PhoneDevices = {}, hooks: PhoneSessionHooks = {}): Promise<RunningPhone> {
  const dataDir = dataDirOf(config);
  const sip = await createSipStack(config);
  const domain = config.account.aor.replace(/^sips?:/i, '').split('@')[1]!.split(/[;?]/)[0]!;

  const mixer = phoneAudioDevice(config, devices);
  const engine = new MediaEngine({ media: config.media, audioDevice: mixer, localAddress: sip.contactHost });
  const uninstall = engine.install(globalThis);
  const sounds = new LocalSoundPlayer({ device: mixer.deviceFor('local-sound') });
  const signaling = new JsSipCallSignaling(sip.ua as unknown as CallingUa, {
    mediaStream: createPhoneMediaStream,
    pcConfig: engine.pcConfig,
    dtmf: config.media.dtmf,
  });
  signaling.on('session', (_id, session) => engine.attachSession(session as Parameters<MediaEngine['attachSession']>[0]));
  const pcIdOf = (id: string): string | undefined => (signaling.session(id)?.connection as { id?: string } | undefined)?.id;
  const audio = new PhoneCallAudio({ engine, sounds, pcIdOf, tonePlan: config.media.tonePlan, volumeDb: config.audio.ringVolumeDb, ...(await ringtoneOf(config).then((r) => (r ? { ringtone: r } : {}))) });

  const plan = compileDialPlan(config.dialPlan);
  const settingsPath = join(dataDir, 'settings.json');
  const saved = loadUserSettings(settingsPath);
  const callsConfig = withUserSettings(config.calls, saved);
  const clock = new SystemClock();
  const calls = new CallControl({
    config: callsConfig,
    signaling,
    audio,
    clock,
    dialPlan: { toTarget: (input) => plan.toTarget(input, domain) },
    ownAor: config.account.aor,
  });

  // Network → core.
  signaling.on('incoming', (id, info) => calls.signalIncoming(id, { ...info, remote: { ...info.remote, ...(info.remote.number ? { number: plan.displayNumber(info.remote.number) } : {}) } }));
  signaling.on('progress', (id, p) => calls.signalProgress(id, p));
  signaling.on('connected', (id) => calls.signalConnected(id));
  signaling.on('ended', (id, info) => calls.signalEnded(id, info));
  signaling.on('remoteHold', (id, held) => calls.signalRemoteHold(id, held));
  signaling.on('reofferFailed', (id, hold) => calls.signalHoldFailed(id, hold));
  signaling.on('refer', (id, referId, target) => calls.signalRefer(id, referId, target));
  signaling.on('transferProgress', (id, status, reason) => calls.signalTransferProgress(id, status, reason));
  signaling.on('dtmf', (id, digit) => calls.signalDtmf(id, digit));
  engine.on('dtmf', (e) => {
    const id = calls.snapshot().calls.find((c) => pcIdOf(c.id) === e.pc.id)?.id;
    if (id !== undefined) calls.signalDtmf(id, e.digit);
  });

  const callLog = openCallLog(join(dataDir, 'calllog.db'));
  calls.onCallEnded((finished) => {
    try {
      callLog.add(callLogEntryFor(finished));
    } catch (err) {
      // A full or failing disk loses one log entry, never the call or the phone.
      log.error(`call log: cannot record ${finished.id}: ${(err as Error).message}`);
    }
  });
  // The user's settings follow the call core (DND, forwarding) and the screens (theme, language).
  let display = saved.display ?? {};
  let lastSettings = JSON.stringify(saved);
  const saveSettings = (): void => {
    const snap = calls.snapshot();
    const settings = { dnd: snap.dnd, forwarding: { ...snap.forwarding }, display };
    const text = JSON.stringify(settings);
    if (text === lastSettings) return;
    lastSettings = text;
    try {
      saveUserSettings(settingsPath, settings);
    } catch (err) {
      log.error(`cannot save settings to ${settingsPath}: ${(err as Error).message}`);
    }
  };
  calls.onChange(saveSettings);

  // The dialer's digits are on the screen: the keypad redraws it (set once the screen exists, below).
  let redrawScreen = (): void => undefined;
  const keypad = new Keypad({ calls, plan, clock, onChange: () => redrawScreen() });
  const presence = wirePresence(config, sip, calls, clock);
  const idle = new IdleReset({
    clock,
    afterS: config.calls.idleResetS,
    onReset: () => {
      log.info('idle: reset for the next visitor');
      keypad.press('clear');
      calls.clearNotice();
    },
  });
  calls.onChange((snap) => idle.setInCall(snap.calls.length > 0));
  const userActivity = (): void => {
    presence.activity();
    idle.activity();
  };
  const colleagues = wireColleagues(config, sip);
  const directory = wireDirectory(config, dataDir, plan, clock);

  const screen = wireUi({
    config: { ...config, ui: { ...config.ui, ...display } },
    onDisplayChange: (chosen) => {
      display = chosen;
      saveSettings();
    },
    ...(devices.features ? { board: { touch: devices.features.touch, kiosk: devices.features.kiosk } } : {}),
    ...(config.ui.adminPin ? { adminPin: config.ui.adminPin } : {}),
    ...(config.ui.lockPin ? { lockPin: config.ui.lockPin } : {}),
    ...(config.ui.kioskLabel ? { kioskLabel: config.ui.kioskLabel } : {}),
    ...(config.ui.brand ? { brand: config.ui.brand } : {}),
    adminFacts: () => [
      ['Firmware', `sipdesk ${SIPDESK_VERSION}`],
      ['Board', devices.boardName ?? config.device.board],
      ['Device', `urn:uuid:${sip.instanceId}`],
      ['Contact', sip.status().contact ?? ''],
      ['Control API', `http://${config.api.host}:${config.api.port}`],
      ['Data', dataDir],
    ],
    registration: () => sip.status(),
    calls,
    keypad,
    presence: presence.model,
    colleagues: colleagues.model,
    callLog,
    clock,
    ...(devices.display ? { display: devices.display } : {}),
    ...(config.colleagues.voicemail.number ? { voicemailNumber: config.colleagues.voicemail.number } : {}),
    onActivity: userActivity,
    directory,
    setPresence: (state) => presence.setManual(state),
    setPresenceNote: (note) => presence.setNote(note),
    ...(hooks.signIn ? { signIn: hooks.signIn } : {}),
  });
  // The screen follows the phone: any change of calls, presence, colleagues or registration redraws it.
  calls.onChange(() => screen.refresh());
  presence.model.onChange(() => screen.refresh());
  colleagues.model.onChange(() => screen.refresh());
  sip.registration.on('state', () => screen.refresh());
  redrawScreen = () => screen.refresh();

  // Lamps follow the same changes; listeners (LED drivers, the simulator's page) hear only real changes.
  const lampListeners = new Set<(lamps: Record<string, Lamp>) => void>();
  const lampsNow = (): Record<string, Lamp> =>
    phoneLamps({ calls: calls.snapshot(), colleagues: colleagues.model.snapshot(), lineKeys: devices.lineKeys ?? SHELL_LINE_KEYS });
  let lastLamps = JSON.stringify(lampsNow());
  const updateLamps = (): void => {
    const lamps = lampsNow();
    const text = JSON.stringify(lamps);
    if (text === lastLamps) return;
    lastLamps = text;
    for (const l of lampListeners) l(lamps);
  };
  calls.onChange(updateLamps);
  colleagues.model.onChange(updateLamps);
  const onLamps = (listener: (lamps: Record<string, Lamp>) => void): (() => void) => {
    lampListeners.add(listener);
    return () => lampListeners.delete(listener);
  };
  const hardware = wireHardware(devices, { input: (event) => screen.input(event), lamps: lampsNow, onLamps });

  const api = new ApiServer([
    ...statusRoutes({
      registration: () => sip.status(),
      calls: () => [...calls.snapshot().calls],
      messages: () => colleagues.model.snapshot().messages,
      lamps: () => colleagues.model.snapshot().contacts.filter((c) => c.lamp !== undefined).map((c) => ({ name: c.name, uri: c.uri, lamp: c.lamp })),
    }),
    ...callRoutes(calls, callLog, keypad, userActivity),
    ...inputRoutes({
      // The hook goes straight to the call core, so a refused hook (no line free) answers 409 with the reason.
      input: (event) => (event.type === 'hook' ? (userActivity(), calls.hook(event.offHook)) : screen.input(event)),
      dialerKey: (key) => (userActivity(), { taken: keypad.press(key), dialer: keypad.view() }),
    }),
    ...presenceRoutes(presence),
    ...colleagueRoutes(colleagues.model, calls, {
      pickup: config.colleagues.pickup,
      ...(config.colleagues.voicemail.number ? { voicemailNumber: config.colleagues.voicemail.number } : {}),
    }),
    ...directoryRoutes(directory),
    { method: 'GET', path: '/api/v1/screen.png', handler: () => ({ status: 200, body: screen.screenPng(), contentType: 'image/png' }) },
  ]);
  let apiPort: number;
  try {
    apiPort = await api.listen(config.api.port, config.api.host);
  } catch (err) {
    colleagues.stop();
    directory.close();
    idle.stop();
    hardware.stop();
    screen.stop();
    presence.model.shutdown();
    await sip.socket.close();
    uninstall();
    callLog.close();
    throw new Error(`control API cannot listen on ${config.api.host}:${config.api.port}: ${(err as Error).message}`);
  }
  sip.registration.on('state', (s: { state: string; reason?: string }) =>
    log.info(`registration ${s.state}${s.reason ? ` (${s.reason})` : ''}`),
  );
  log.info(`${config.account.aor}: instance urn:uuid:${sip.instanceId}, contact ${sip.status().contact}, api http://${config.api.host}:${apiPort}, data ${dataDir}`);
  sip.start();

  let stopping: Promise<void> | undefined;
  return {
    sip,
    engine,
    calls,
    callLog,
    presence,
    colleagues,
    apiPort,
    ui: screen,
    lamps: lampsNow,
    onLamps,
    stop(unregisterTimeoutMs = 1500) {
      stopping ??= (async () => {
        for (const c of calls.snapshot().calls) signaling.hangup(c.id);
        colleagues.stop();
        directory.close();
        idle.stop();
        hardware.stop();
        screen.stop();
        // Sign-out: our presence leaves the server before the registration does (RFC 3903 removal).
        await presence.shutdown(Math.min(1000, unregisterTimeoutMs));
        await sip.stop(unregisterTimeoutMs);
        await api.close();
        await sounds.stop();
        uninstall();
        // JsSIP may still end a transaction of a call after this (its timers run up to 32 s): nobody listens
        // any more, so a stopped phone neither redraws nor writes to its closed call log.
        signaling.removeAllListeners();
        callLog.close();
      })();
      return stopping;
    },
  };
}
