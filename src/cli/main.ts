#!/usr/bin/env node
/**
 * sipdesk command line.
 *   sipdesk run --config FILE     run one phone headless (the device's service runs this)
 * SIGTERM/SIGINT unregister (Expires: 0) and exit within 2 s, as systemd and the tests expect.
 */
import { parseArgs } from 'node:util';
import JsSIP from 'jssip';
import { loadConfigFile, ConfigError } from '../config/load.js';
import { startPhone } from '../app/phone.js';
import { createLogger, setLogLevel } from '../util/log.js';

const log = createLogger('cli');

const USAGE = `usage: sipdesk run --config FILE

  run     run one phone headless, with its control API on 127.0.0.1:<api.port>
          --config, -c FILE   JSON or YAML config (see examples/)`;

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } }, strict: true });
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

  const phone = await startPhone(config);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info(`${signal}: unregistering and stopping`);
      // Hard stop if anything hangs: the 2 s promise to systemd matters more than a clean close.
      setTimeout(() => process.exit(0), 1900).unref();
      phone.stop(1500).then(resolve, (err: Error) => {
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
