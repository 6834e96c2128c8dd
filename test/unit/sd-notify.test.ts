import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createSdNotifier, watchdogPingIntervalMs } from '../../src/app/sd-notify.js';

// A stand-in for systemd's notify socket: a unix datagram socket that prints each datagram as a JSON line.
const LISTENER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("bound"), flush=True)
s.settimeout(20)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

async function listen(path: string): Promise<{ next: () => Promise<string>; child: ChildProcessWithoutNullStreams }> {
  const child = spawn('python3', ['-c', LISTENER, path]);
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const text = JSON.parse(line) as string;
    const waiter = waiters.shift();
    if (waiter) waiter(text);
    else lines.push(text);
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const queued = lines.shift();
      if (queued !== undefined) return resolve(queued);
      const timer = setTimeout(() => reject(new Error('no datagram within 5 s')), 5000);
      waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  assert.equal(await next(), 'bound');
  return { next, child };
}

test('sd_notify through libsystemd reaches a real unix datagram socket named by NOTIFY_SOCKET', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sipdesk-notify-')), 'notify.sock');
  const { next, child } = await listen(path);
  const saved = process.env.NOTIFY_SOCKET;
  process.env.NOTIFY_SOCKET = path;
  try {
    const notifier = createSdNotifier({ env: { NOTIFY_SOCKET: path } });
    assert.equal(notifier.enabled, true);
    notifier.ready('registered as sip:alice@example.com');
    assert.equal(await next(), 'READY=1\nSTATUS=registered as sip:alice@example.com');
    notifier.watchdog();
    assert.equal(await next(), 'WATCHDOG=1');
    notifier.status('line 1\nWATCHDOG=trigger');
    assert.equal(await next(), 'STATUS=line 1 WATCHDOG=trigger', 'a newline cannot smuggle in another assignment');
    notifier.stopping();
    assert.equal(await next(), 'STOPPING=1');
  } finally {
    if (saved === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = saved;
    child.kill();
  }
});

test('without NOTIFY_SOCKET every call is a no-op', () => {
  const sent: string[] = [];
  const notifier = createSdNotifier({ env: { WATCHDOG_USEC: '30000000' }, send: (s) => (sent.push(s), true) });
  assert.equal(notifier.enabled, false);
  assert.equal(notifier.watchdogIntervalMs, null);
  notifier.ready();
  notifier.watchdog();
  notifier.startWatchdog();
  notifier.stopping();
  notifier.stopWatchdog();
  assert.deepEqual(sent, []);
});

test('watchdog interval is half of WATCHDOG_USEC, only for our pid; startWatchdog pings until stopped', async () => {
  assert.equal(watchdogPingIntervalMs({ WATCHDOG_USEC: '30000000' }), 15_000);
  assert.equal(watchdogPingIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(process.pid) }), 15_000);
  assert.equal(watchdogPingIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1' }, 4242), null);
  assert.equal(watchdogPingIntervalMs({ WATCHDOG_USEC: 'soon' }), null);
  assert.equal(watchdogPingIntervalMs({ WATCHDOG_USEC: '0' }), null);
  assert.equal(watchdogPingIntervalMs({}), null);

  const sent: string[] = [];
  const notifier = createSdNotifier({ env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '20000' }, send: (s) => (sent.push(s), true) });
  assert.equal(notifier.watchdogIntervalMs, 10);
  notifier.startWatchdog();
  // A keep-alive handle of our own: the watchdog timer is unref'd and must not hold the process open.
  await new Promise((r) => setTimeout(r, 200));
  notifier.stopWatchdog();
  const pings = sent.length;
  assert.ok(pings >= 2, `expected several pings, got ${pings}`);
  assert.ok(sent.every((s) => s === 'WATCHDOG=1'));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(sent.length, pings, 'no pings after stopWatchdog');
});
