/**
 * `sipdesk update …` and `sipdesk factory-reset`: thin command-line wrappers over src/update. Each returns
 * the process exit code; main.ts dispatches to them. Messages go to stderr (the journal on the device),
 * machine-readable output (status --json) to stdout.
 *
 * Exit codes: 0 done; 1 error; 2 usage; 3 refused or nothing to do (bundle rejected — nothing on disk
 * changed — or, for `rollback`, nothing pending).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';
import { BundleError } from '../update/bundle-format.js';
import { buildBundle } from '../update/bundle-build.js';
import { verifyBundle } from '../update/bundle-verify.js';
import { factoryReset } from '../update/factory-reset.js';
import { loadSigningKey, loadTrustedKeys } from '../update/keys.js';
import { DEFAULT_UPDATE_PATHS, type UpdatePaths } from '../update/paths.js';
import { DEFAULT_MAX_TRIES, bootCheck, confirmActiveSlot, installBundle, readUpdateStatus, rollbackPending } from '../update/slots.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_REFUSED = 3;

export const UPDATE_USAGE = `usage: sipdesk update build --key PRIVATE.pem --version X [--min-version X] [--arch ARCH] --out BUNDLE.sdu DIR
       sipdesk update verify [PATHS] BUNDLE.sdu
       sipdesk update install [PATHS] [--allow-downgrade] [--force] BUNDLE.sdu
       sipdesk update boot-check [PATHS] [--max-tries N]
       sipdesk update confirm [PATHS]
       sipdesk update rollback [PATHS]
       sipdesk update status [PATHS] [--json]
       sipdesk factory-reset --yes [--state-dir DIR] [--config-dir DIR] [--config FILE] [--keep NAME]... [--no-service]

  build        sign a bundle of DIR's tree (on the build machine; --arch: the tree's native addons'
               architecture as node names it, arm64 or arm; default this machine's)
  verify       check a bundle's signature, paths and hashes; writes nothing
  install      verify, extract into the inactive slot, mark it pending, point current at it;
               exit 0 = installed: restart the service (systemctl restart sipdesk) to run it; 3 = refused, nothing changed
  boot-check   before each service start (ExecStartPre): count a start of a pending slot, roll back after
               --max-tries (${DEFAULT_MAX_TRIES}) starts without confirm
  confirm      mark the running pending slot good (the phone does this itself once healthy)
  rollback     return to the previous slot now if the running one is pending; exit 3 when nothing is pending
  status       slots, versions, health, pending install
  factory-reset  remove the user's config and data (state folder, /etc/sipdesk except update-keys);
               keeps the slots and the update keys; stops sipdesk.service and empties the journal first
               unless --no-service

  PATHS: --root DIR (${DEFAULT_UPDATE_PATHS.root}) --state FILE (${DEFAULT_UPDATE_PATHS.stateFile})
         --keys DIR (${DEFAULT_UPDATE_PATHS.keysDir})`;

const pathOptions = {
  root: { type: 'string' },
  state: { type: 'string' },
  keys: { type: 'string' },
} as const;

function pathsFrom(values: { root?: string; state?: string; keys?: string }): UpdatePaths {
  return {
    root: values.root ?? DEFAULT_UPDATE_PATHS.root,
    stateFile: values.state ?? DEFAULT_UPDATE_PATHS.stateFile,
    keysDir: values.keys ?? DEFAULT_UPDATE_PATHS.keysDir,
  };
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

class UsageError extends Error {}

function oneBundleArg(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError('expected exactly one bundle file');
  return positionals[0]!;
}

async function build(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { key: { type: 'string' }, version: { type: 'string' }, 'min-version': { type: 'string' }, arch: { type: 'string' }, out: { type: 'string' } },
    allowPositionals: true,
  });
  if (!values.key || !values.version || !values.out || positionals.length !== 1) throw new UsageError('build needs --key, --version, --out and one folder');
  const manifest = await buildBundle({
    sourceDir: positionals[0]!,
    outFile: values.out,
    version: values.version,
    key: await loadSigningKey(values.key),
    ...(values['min-version'] ? { minVersion: values['min-version'] } : {}),
    ...(values.arch ? { arch: values.arch } : {}),
  });
  say(`built ${values.out}: sipdesk ${manifest.version} for ${manifest.arch ?? 'any architecture'}, ${manifest.files.length} entries`);
  return EXIT_OK;
}

async function verify(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: pathOptions, allowPositionals: true });
  const paths = pathsFrom(values);
  const bundle = await verifyBundle(oneBundleArg(positionals), await loadTrustedKeys(paths.keysDir));
  say(`ok: sipdesk ${bundle.manifest.version} (created ${bundle.manifest.created}), ${bundle.manifest.files.length} entries, signed by ${bundle.signedBy}`);
  return EXIT_OK;
}

async function install(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...pathOptions, 'allow-downgrade': { type: 'boolean' }, force: { type: 'boolean' } },
    allowPositionals: true,
  });
  const result = await installBundle(pathsFrom(values), oneBundleArg(positionals), {
    allowDowngrade: values['allow-downgrade'] ?? false,
    force: values.force ?? false,
  });
  say(
    result.first
      ? `installed sipdesk ${result.version} into slot ${result.slot} (first install, signed by ${result.signedBy})`
      : `installed sipdesk ${result.version} into slot ${result.slot} (was ${result.previous ?? '-'}, signed by ${result.signedBy}); ` +
          'pending its health check: restart the service to run it',
  );
  return EXIT_OK;
}

async function bootCheckCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...pathOptions, 'max-tries': { type: 'string' } } });
  const maxTries = values['max-tries'] === undefined ? DEFAULT_MAX_TRIES : Number(values['max-tries']);
  if (!Number.isInteger(maxTries) || maxTries < 1 || maxTries > 100) throw new UsageError('--max-tries must be an integer 1..100');
  const result = await bootCheck(pathsFrom(values), maxTries);
  if (result.warning) say(`boot-check: ${result.warning}`);
  switch (result.action) {
    case 'counted':
      say(`boot-check: slot ${result.active} is pending, start ${result.tries} of ${maxTries}`);
      break;
    case 'rolled-back':
      say(`boot-check: pending slot did not confirm in ${result.tries} starts; rolled back to slot ${result.active}`);
      break;
    case 'cleared':
      say(`boot-check: dropped a pending install that never became current; running slot ${result.active}`);
      break;
    case 'no-fallback':
      say(`boot-check: slot ${result.active} never confirmed, but there is no previous slot to return to`);
      break;
    case 'none':
      break;
  }
  return EXIT_OK;
}

async function confirm(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: pathOptions });
  const result = await confirmActiveSlot(pathsFrom(values));
  say(result.confirmed ? `slot ${result.slot} confirmed good` : `nothing to confirm: ${result.reason ?? ''}`);
  return EXIT_OK;
}

async function rollback(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: pathOptions });
  const slot = await rollbackPending(pathsFrom(values));
  if (slot === null) {
    say('rollback: nothing pending to roll back');
    return EXIT_REFUSED;
  }
  say(`rollback: current is slot ${slot} again`);
  return EXIT_OK;
}

async function status(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...pathOptions, json: { type: 'boolean' } } });
  const s = await readUpdateStatus(pathsFrom(values));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return EXIT_OK;
  }
  const lines = [`current: ${s.active ? `slot ${s.active}` : 'none'}`, `previous: ${s.previous ? `slot ${s.previous}` : 'none'}`];
  for (const slot of ['a', 'b'] as const) {
    const r = s.state.slots[slot];
    lines.push(`slot ${slot}: ${r ? `${r.version} ${r.health} (installed ${r.installedAt}${r.confirmedAt ? `, confirmed ${r.confirmedAt}` : ''})` : 'empty'}`);
  }
  if (s.state.pending) lines.push(`pending: slot ${s.state.pending.slot}, ${s.state.pending.tries} start(s) without confirm`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

/** `sipdesk update <sub> …`; returns the exit code. */
export async function updateCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'build':
        return await build(rest);
      case 'verify':
        return await verify(rest);
      case 'install':
        return await install(rest);
      case 'boot-check':
        return await bootCheckCommand(rest);
      case 'confirm':
        return await confirm(rest);
      case 'rollback':
        return await rollback(rest);
      case 'status':
        return await status(rest);
      default:
        say(`${sub === undefined ? 'missing' : `unknown`} update command${sub ? `: ${sub}` : ''}\n${UPDATE_USAGE}`);
        return EXIT_USAGE;
    }
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    say(`${(err as Error).message}\n${UPDATE_USAGE}`);
    return EXIT_USAGE;
  }
  if (err instanceof BundleError) {
    say(`refused: ${err.message} (nothing was changed)`);
    return EXIT_REFUSED;
  }
  say(`sipdesk: ${(err as Error).message}`);
  return EXIT_ERROR;
}

const run = promisify(execFile);

/** Under systemd as root: stop the phone first (it would write its settings back on exit) and drop its logs. */
async function quietService(): Promise<void> {
  if (process.getuid?.() !== 0 || !existsSync('/run/systemd/system')) return;
  await run('systemctl', ['stop', 'sipdesk.service']);
  // Best effort: the journal may hold numbers dialled and names from the directory.
  try {
    await run('journalctl', ['--rotate']);
    await run('journalctl', ['--vacuum-time=1s']);
  } catch (err) {
    say(`factory-reset: could not empty the journal: ${(err as Error).message}`);
  }
}

/** `sipdesk factory-reset …`; returns the exit code. */
export async function factoryResetCommand(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        yes: { type: 'boolean' },
        'state-dir': { type: 'string' },
        'config-dir': { type: 'string' },
        config: { type: 'string' },
        keep: { type: 'string', multiple: true },
        'no-service': { type: 'boolean' },
      },
    });
    if (!values.yes) throw new UsageError('factory-reset erases the account, settings and call log: add --yes');
    if (!values['no-service']) await quietService();
    const result = await factoryReset({
      stateDir: values['state-dir'] ?? '/var/lib/sipdesk',
      configDir: values['config-dir'] ?? '/etc/sipdesk',
      ...(values.config ? { configFile: values.config } : {}),
      keepInConfigDir: ['update-keys', ...(values.keep ?? [])],
    });
    for (const path of result.removed) say(`removed ${path}`);
    for (const problem of result.errors) say(`factory-reset: could not remove ${problem}`);
    if (result.errors.length > 0) return EXIT_ERROR;
    say('factory reset done: provision the phone again (config file) before starting sipdesk.service');
    return EXIT_OK;
  } catch (err) {
    return reportError(err);
  }
}
