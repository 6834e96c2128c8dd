#!/usr/bin/env node
/**
 * sipdesk command line.
 *   sipdesk run --config FILE [--board NAME]   run one phone on a board (the device's service runs this)
 *   sipdesk update …, sipdesk factory-reset …  signed A/B updates and reset (src/cli/update-commands.ts)
 * SIGTERM/SIGINT unregister (Expires: 0) and exit within 2 s, as systemd and the tests expect. Under systemd
 * (Type=notify) the phone says READY once its control API listens, pings the watchdog, and confirms a freshly
 * installed update slot once it is registered (or rolls back by exiting when it never gets there).
 */
import { parseArgs } from 'node:util';
import JsSIP from 'jssip';
import { loadConfigFile, ConfigError } from '../config/load.js';
import type { RunningPhone } from '../app/phone.js';
import { startPhoneSession } from '../app/phone-session.js';
import { openBoardDevices, BoardHardwareError } from '../app/board-devices.js';
import { createSdNotifier } from '../app/sd-notify.js';
import { loadBoard } from '../config/board-load.js';
import { armHealthGate } from '../update/health-gate.js';
import { SystemClock } from '../phone/clock.js';
import { updateCommand, factoryResetCommand, UPDATE_USAGE } from './update-commands.js';
import { createLogger, setLogLevel } from '../util/log.js';

const log = createLogger('cli');

const USAGE = `usage: sipdesk run --config FILE [--board NAME]
       sipdesk sim [--port N] [--phones alice,bob,carol] …   (the simulator: see sim/sim.ts --help)
       sipdesk update … | sipdesk factory-reset …

  run     run one phone, with its control API on 127.0.0.1:<api.port>
          --config, -c FILE   JSON or YAML config (see examples/)
          --board, -b NAME    board descriptor (boards/NAME.yaml); default: the config's device.board (sim)

${UPDATE_USAGE}`;

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, board: { type: 'string', short: 'b' } }, strict: true });
  if (!values.config) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = await loadConfigFile(values.config);
  setLogLevel(config.log.level);
  // JsSIP logs through the `debug` package it exposes (untyped in its .d.ts).
  const jssipDebug = (JsSIP as unknown as { debug: { enable(ns: string): void; disable(): void } }).debug;
  if (config.log.level === 'debug') jssipDebug.enable('JsSIP:*');
  else jssipDebug.disable();

  const board = await loadBoard(values.board ?? config.device.board);
  let devices;
  try {
    devices = await openBoardDevices(board, { clock: new SystemClock() });
  } catch (err) {
    if (err instanceof BoardHardwareError) {
      // Not a config error, but restarting will not grow the missing hardware either: exit 2 like one.
      process.stderr.write(`${err.message}\n(is this the right board? --board sim runs without hardware)\n`);
      return 2;
    }
    throw err;
  }
  log.info(`board ${board.name}: ${board.description}`);

  const notify = createSdNotifier();
  // After an update, the new slot must prove itself: registered within the deadline, or we exit and
  // systemd's restarts count towards the rollback to the previous slot.
  const gate = await armHealthGate({
    onDeadline: () => {
      log.error('not registered within the deadline after an update: exiting so the update rolls back');
      process.exit(1);
    },
  });
  const session = await startPhoneSession(config, devices);
  notify.ready(`control API on port ${session.current().apiPort}`);
  notify.startWatchdog();
  // Registered (as whoever is signed in, with hot desking) proves a freshly installed update good.
  const watchRegistration = (phone: RunningPhone): void => {
    const confirmWhenRegistered = (): void => {
      if (phone.sip.status().state !== 'registered') return;
      notify.status(`registered as ${phone.sip.status().aor}`);
      void gate.healthy();
    };
    phone.sip.registration.on('state', confirmWhenRegistered);
    confirmWhenRegistered();
  };
  watchRegistration(session.current());
  session.onPhone(watchRegistration);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info(`${signal}: unregistering and stopping`);
      notify.stopping();
      notify.stopWatchdog();
      gate.cancel();
      // Hard stop if anything hangs: the 2 s promise to systemd matters more than a clean close.
      setTimeout(() => process.exit(0), 1900).unref();
      session
        .stop(1500)
        .then(() => devices.close())
        .then(resolve, (err: Error) => {
          log.error(`stop failed: ${err.message}`);
          resolve();
        });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  return 0;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  try {
    switch (command) {
      case 'run':
        return await run(rest);
      case 'sim':
        // The simulator lives outside src/ (it brings a development PBX); loaded only when asked for.
        return await (await import('../../sim/sim.js')).runSimulator(rest);
      case 'update':
        return await updateCommand(rest);
      case 'factory-reset':
        return await factoryResetCommand(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`unknown command: ${command}\n${USAGE}\n`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    process.stderr.write(`sipdesk: ${(err as Error).message}\n`);
    return 1;
  }
}

// A throw that reaches here is a bug, and the process state after it cannot be trusted: log it and exit
// non-zero so systemd restarts a clean phone in 2 s (firmware/sipdesk.service). Bad input from the network
// never gets here: it is answered or dropped where it is parsed.
process.on('uncaughtException', (err) => {
  log.error(`uncaught exception: ${err.stack ?? err.message}`);
  process.exit(70);
});
process.on('unhandledRejection', (err) => {
  log.error(`unhandled rejection: ${(err as Error).stack ?? String(err)}`);
  process.exit(70);
});

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`sipdesk: ${err.message}\n`);
    process.exit(1);
  },
);
