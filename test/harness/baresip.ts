// baresip as "the phone at the other end" of interop tests: registers a user at the test Kamailio over TCP,
// auto-answers calls, sends a WAV file as its audio and discards what it receives. Driven over ctrl_tcp
// (netstring-framed JSON commands; it streams call/register events back). Ports come from freePort.
// Stop baresip before Kamailio: on SIGTERM it unregisters first (and waits for the answer).
import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { freeConsecutivePorts, freePort } from './ports.js';
import { startProcess, stripAnsi, tail, type ExitInfo, type ManagedProcess } from './process.js';

export interface BaresipOptions {
  /** The test's workdir; baresip's config goes into `<workdir>/baresip-<user>/`. */
  workdir: string;
  /** SIP user at the registrar (password "secret" unless `password`). */
  user: string;
  password?: string;
  /** 'host:port' of the registrar (also the outbound proxy, over TCP). */
  registrar: string;
  /**
   * 8 kHz mono 16-bit WAV sent as audio in calls; default: a 440 Hz tone of TONE_SECONDS written into the folder.
   * baresip 1.0's aufile source ends the call ("end of file") when the file ends: make it last the call.
   */
  sourceWav?: string;
  /** Extra account parameters, default ';answermode=auto;audio_codecs=PCMU'. */
  accountParams?: string;
  /** Extra modules to load, e.g. ['g722.so', 'srtp.so', 'sndfile.so'] (from /usr/lib/baresip/modules). */
  modules?: readonly string[];
  /** Extra config lines, e.g. 'snd_path /tmp/x' for sndfile's recordings. */
  extraConfig?: readonly string[];
  /** audio_srate (default 8000; 16000 for G.722). */
  sampleRate?: number;
  /** Lines of baresip's contacts file, e.g. '"Alice" <sip:alice@127.0.0.1>;presence=p2p' (a presence watcher). */
  contacts?: readonly string[];
  /** Wait for the registration to succeed before resolving (default true). */
  waitRegistered?: boolean;
  startTimeoutMs?: number;
}

/** A ctrl_tcp reply: {response: true, ok, data, token}; `data` is the command's text output, ANSI codes stripped. */
export interface CtrlReply {
  response: true;
  ok: boolean;
  data: string;
  token?: string;
}

/** A ctrl_tcp event, e.g. {event: true, class: 'call', type: 'CALL_ESTABLISHED', peeruri, id, param, ...}. */
export interface CtrlEvent {
  event: true;
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  id?: string;
  param?: string;
  [key: string]: unknown;
}

export interface BaresipCtrl {
  /** Sends a command (e.g. 'dial', 'sip:alice@127.0.0.1') and resolves with baresip's reply. */
  command(command: string, params?: string, timeoutMs?: number): Promise<CtrlReply>;
  /** Every event, as it arrives ('event' with a CtrlEvent). */
  readonly events: EventEmitter;
  /** All events received so far. */
  history(): readonly CtrlEvent[];
  /**
   * The first event of `type` (and matching `filter`) among those received from index `since` on
   * (default: from the first one), waiting up to timeoutMs for it to arrive.
   */
  waitForEvent(type: string, timeoutMs?: number, since?: number, filter?: (e: CtrlEvent) => boolean): Promise<CtrlEvent>;
  close(): void;
}

export interface Baresip {
  readonly user: string;
  readonly aor: string;
  readonly sipPort: number;
  readonly rtpPorts: string;
  readonly ctrlPort: number;
  readonly dir: string;
  readonly process: ManagedProcess;
  readonly ctrl: BaresipCtrl;
  /** SIGTERM (it unregisters first), SIGKILL after timeoutMs. */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  kill9(): Promise<ExitInfo>;
}

/** Length of the default source WAV: baresip hangs up when its aufile source reaches the end of the file. */
export const TONE_SECONDS = 120;

/** Writes a 16-bit mono PCM WAV with a sine tone (default: 1 s of 440 Hz at 8 kHz). */
export function writeToneWav(path: string, options: { seconds?: number; hz?: number; rate?: number; amplitude?: number } = {}): void {
  const rate = options.rate ?? 8000;
  const hz = options.hz ?? 440;
  const samples = Math.round((options.seconds ?? 1) * rate);
  const amplitude = options.amplitude ?? 0.5;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * amplitude * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

function baresipConfig(o: {
  name: string;
  sipPort: number;
  rtpPorts: string;
  ctrlPort: number;
  sourceWav: string;
  modules: readonly string[];
  extraConfig: readonly string[];
  sampleRate: number;
}): string {
  return `# generated by test/harness/baresip.ts
poll_method\t\tepoll
sip_listen\t\t127.0.0.1:${o.sipPort}
call_local_timeout\t120
call_max_calls\t\t4
audio_player\t\taubridge,${o.name}-play
audio_source\t\taufile,${o.sourceWav}
audio_alert\t\taubridge,${o.name}-alert
audio_srate\t\t${o.sampleRate}
audio_channels\t\t1
rtp_ports\t\t${o.rtpPorts}
rtp_stats\t\tyes
net_interface\t\t127.0.0.1
module_path\t\t/usr/lib/baresip/modules
module\t\t\tg711.so
module\t\t\taufile.so
module\t\t\taubridge.so
module\t\t\trtcpsummary.so
${o.modules.map((m) => `module\t\t\t${m}\n`).join('')}module_app\t\taccount.so
module_app\t\tcontact.so
module_app\t\tpresence.so
module_app\t\tmenu.so
module_app\t\tctrl_tcp.so
ctrl_tcp_listen\t\t127.0.0.1:${o.ctrlPort}
${o.extraConfig.join('\n')}
`;
}

/** Connects to ctrl_tcp, retrying until it accepts or the deadline passes. */
async function connectCtrl(port: number, proc: ManagedProcess, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const socket = await new Promise<Socket | undefined>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (socket !== undefined) return socket;
    if (!proc.running || Date.now() > deadline) {
      throw new Error(`baresip: ctrl_tcp on port ${port} not reachable (log ${proc.logFile ?? '-'}):\n${tail(proc.output(), 40)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function makeCtrl(socket: Socket): BaresipCtrl {
  const events = new EventEmitter();
  const history: CtrlEvent[] = [];
  const pending = new Map<string, (reply: CtrlReply) => void>();
  let nextToken = 1;
  let buffer = Buffer.alloc(0);

  const handle = (json: string): void => {
    let msg: unknown;
    try {
      msg = JSON.parse(json);
    } catch {
      return;
    }
    if (!isObject(msg)) return;
    if (msg.event === true && typeof msg.type === 'string') {
      const e = msg as CtrlEvent;
      history.push(e);
      events.emit('event', e);
    } else if (msg.response === true) {
      const reply: CtrlReply = {
        response: true,
        ok: msg.ok === true,
        data: typeof msg.data === 'string' ? stripAnsi(msg.data) : '',
        token: typeof msg.token === 'string' ? msg.token : undefined,
      };
      const waiter = reply.token !== undefined ? pending.get(reply.token) : undefined;
      if (waiter !== undefined && reply.token !== undefined) {
        pending.delete(reply.token);
        waiter(reply);
      }
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    // netstring: <decimal length>:<payload>,
    for (;;) {
      const colon = buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(buffer.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(length)) {
        buffer = Buffer.alloc(0);
        return;
      }
      if (buffer.length < colon + 1 + length + 1) return;
      handle(buffer.subarray(colon + 1, colon + 1 + length).toString('utf8'));
      buffer = buffer.subarray(colon + 1 + length + 1);
    }
  });
  socket.on('error', () => undefined);

  return {
    events,
    history: () => history,
    command: (command, params = '', timeoutMs = 3000) =>
      new Promise<CtrlReply>((resolve, reject) => {
        const token = `t${nextToken++}`;
        const timer = setTimeout(() => {
          pending.delete(token);
          reject(new Error(`baresip ctrl: no reply to '${command} ${params}' within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(token, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        const payload = Buffer.from(JSON.stringify({ command, params, token }), 'utf8');
        socket.write(Buffer.concat([Buffer.from(`${payload.length}:`, 'ascii'), payload, Buffer.from(',', 'ascii')]));
      }),
    waitForEvent: (type, timeoutMs = 5000, since = 0, filter = () => true) =>
      new Promise<CtrlEvent>((resolve, reject) => {
        const matches = (e: CtrlEvent): boolean => e.type === type && filter(e);
        const earlier = history.slice(since).find(matches);
        if (earlier !== undefined) {
          resolve(earlier);
          return;
        }
        const onEvent = (e: CtrlEvent): void => {
          if (!matches(e)) return;
          clearTimeout(timer);
          events.off('event', onEvent);
          resolve(e);
        };
        const timer = setTimeout(() => {
          events.off('event', onEvent);
          const seen = history.map((e) => e.type).join(', ');
          reject(new Error(`baresip ctrl: no ${type} event within ${timeoutMs} ms (events so far: ${seen})`));
        }, timeoutMs);
        events.on('event', onEvent);
      }),
    close: () => {
      socket.destroy();
    },
  };
}

export async function startBaresip(options: BaresipOptions): Promise<Baresip> {
  const { user, registrar } = options;
  if (!/^[A-Za-z0-9._-]+$/.test(user)) throw new Error(`startBaresip: bad user ${JSON.stringify(user)}`);
  const host = registrar.replace(/:\d+$/, '');
  const dir = join(options.workdir, `baresip-${user}`);
  mkdirSync(dir, { recursive: true });
  const timeoutMs = options.startTimeoutMs ?? 10000;

  const sipPort = await freeConsecutivePorts(2); // baresip also binds sipPort+1 (TLS)
  const rtpBase = await freeConsecutivePorts(4);
  const rtpPorts = `${rtpBase}-${rtpBase + 3}`;
  const ctrlPort = await freePort();
  let sourceWav = options.sourceWav;
  if (sourceWav === undefined) {
    sourceWav = join(dir, 'tone.wav');
    writeToneWav(sourceWav, { seconds: TONE_SECONDS });
  }

  writeFileSync(join(dir, 'config'), baresipConfig({
    name: user, sipPort, rtpPorts, ctrlPort, sourceWav,
    modules: options.modules ?? [], extraConfig: options.extraConfig ?? [], sampleRate: options.sampleRate ?? 8000,
  }));
  const params = options.accountParams ?? ';answermode=auto;audio_codecs=PCMU';
  const password = options.password ?? 'secret';
  writeFileSync(join(dir, 'accounts'),
    `<sip:${user}@${host};transport=tcp>;auth_pass=${password};outbound="sip:${registrar};transport=tcp";regint=600${params}\n`);
  writeFileSync(join(dir, 'contacts'), (options.contacts ?? []).map((c) => `${c}\n`).join(''));

  const proc = startProcess({ name: `baresip-${user}`, command: 'baresip', args: ['-f', dir], cwd: dir, logFile: join(dir, 'baresip.log') });
  let ctrl: BaresipCtrl;
  try {
    ctrl = makeCtrl(await connectCtrl(ctrlPort, proc, timeoutMs));
    if (options.waitRegistered !== false) {
      // e.g. "bob@127.0.0.1: {0/TCP/v4} 200 OK (kamailio (5.6.3 (x86_64/linux))) [1 binding]"
      await proc.waitFor(/\{\d+\/TCP\/v4\} 200 OK/, timeoutMs);
    }
  } catch (err) {
    await proc.kill9();
    throw err;
  }

  return {
    user,
    aor: `sip:${user}@${host}`,
    sipPort,
    rtpPorts,
    ctrlPort,
    dir,
    process: proc,
    ctrl,
    stop: async (stopTimeoutMs = 3000) => {
      const info = await proc.stop(stopTimeoutMs);
      ctrl.close();
      return info;
    },
    kill9: async () => {
      const info = await proc.kill9();
      ctrl.close();
      return info;
    },
  };
}
