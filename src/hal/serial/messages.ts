/**
 * The messages of the serial controller protocol (PROTOCOL.md §Messages) and their payloads. Decoding is
 * strict about lengths (a payload of the wrong size is a bad frame, answered NAK) and never throws.
 */
import type { Frame } from './framing.js';

export const PROTOCOL_VERSION = 1;

export const MSG = {
  hello: 0x01,
  versionQuery: 0x02,
  version: 0x03,
  key: 0x10,
  ledSet: 0x20,
  ping: 0x30,
  pong: 0x31,
  ack: 0x40,
  nak: 0x41,
  reset: 0x50,
} as const;

/** Why a controller (re)started, in HELLO. */
export const HELLO_REASONS = ['power-on', 'reset command', 'watchdog', 'brown-out'] as const;

export const NAK_REASON = { unknownType: 1, badPayload: 2, busy: 3 } as const;

export type LedMode = 'off' | 'on' | 'blink';
const LED_MODES: readonly LedMode[] = ['off', 'on', 'blink'];

export const MAX_MODEL_BYTES = 16;
export const MAX_PING_BYTES = 8;

export type Message =
  | { type: 'hello'; protocol: number; reason: number }
  | { type: 'versionQuery' }
  | {
      type: 'version';
      protocol: number;
      firmware: readonly [number, number, number];
      keys: number;
      leds: number;
      model: string;
    }
  | { type: 'key'; keyId: number; down: boolean }
  | { type: 'ledSet'; ledId: number; mode: LedMode; onMs: number; offMs: number }
  | { type: 'ping'; data: Uint8Array }
  | { type: 'pong'; data: Uint8Array }
  | { type: 'ack'; seq: number }
  | { type: 'nak'; seq: number; reason: number }
  | { type: 'reset' };

export type DecodeResult = { ok: true; message: Message } | { ok: false; nak: number; problem: string };

const u16 = (n: number): [number, number] => [(n >> 8) & 0xff, n & 0xff];
const clampU16 = (n: number): number => Math.max(0, Math.min(0xffff, Math.round(n)));

/** A message as a frame with the given sequence number. */
export function toFrame(message: Message, seq: number): Frame {
  const frame = (type: number, bytes: readonly number[] | Uint8Array = []): Frame => ({
    type,
    seq: seq & 0xff,
    payload: Uint8Array.from(bytes),
  });
  switch (message.type) {
    case 'hello':
      return frame(MSG.hello, [message.protocol, message.reason]);
    case 'versionQuery':
      return frame(MSG.versionQuery);
    case 'version': {
      const model = Buffer.from(message.model, 'ascii').subarray(0, MAX_MODEL_BYTES);
      return frame(MSG.version, [message.protocol, ...message.firmware, message.keys, message.leds, ...model]);
    }
    case 'key':
      return frame(MSG.key, [message.keyId, message.down ? 1 : 0]);
    case 'ledSet': {
      const blink = message.mode === 'blink';
      return frame(MSG.ledSet, [
        message.ledId,
        LED_MODES.indexOf(message.mode),
        ...u16(blink ? clampU16(message.onMs) : 0),
        ...u16(blink ? clampU16(message.offMs) : 0),
      ]);
    }
    case 'ping':
      return frame(MSG.ping, message.data.subarray(0, MAX_PING_BYTES));
    case 'pong':
      return frame(MSG.pong, message.data.subarray(0, MAX_PING_BYTES));
    case 'ack':
      return frame(MSG.ack, [message.seq]);
    case 'nak':
      return frame(MSG.nak, [message.seq, message.reason]);
    case 'reset':
      return frame(MSG.reset);
  }
}

/** The message a (CRC-valid) frame carries, or why it is refused. */
export function fromFrame(frame: Frame): DecodeResult {
  const p = frame.payload;
  const bad = (problem: string): DecodeResult => ({ ok: false, nak: NAK_REASON.badPayload, problem });
  const ok = (message: Message): DecodeResult => ({ ok: true, message });
  const exactly = (n: number) => p.length === n;
  switch (frame.type) {
    case MSG.hello:
      return exactly(2) ? ok({ type: 'hello', protocol: p[0]!, reason: p[1]! }) : bad('HELLO needs 2 bytes');
    case MSG.versionQuery:
      return exactly(0) ? ok({ type: 'versionQuery' }) : bad('VERSION_QUERY has no payload');
    case MSG.version: {
      if (p.length < 6 || p.length > 6 + MAX_MODEL_BYTES) return bad('VERSION needs 6..22 bytes');
      const model = Buffer.from(p.subarray(6)).toString('latin1');
      if (!/^[\x20-\x7e]*$/.test(model)) return bad('VERSION model is not printable ASCII');
      return ok({ type: 'version', protocol: p[0]!, firmware: [p[1]!, p[2]!, p[3]!], keys: p[4]!, leds: p[5]!, model });
    }
    case MSG.key:
      if (!exactly(2) || p[1]! > 1) return bad('KEY needs a key id and 0/1');
      return ok({ type: 'key', keyId: p[0]!, down: p[1] === 1 });
    case MSG.ledSet: {
      const mode = LED_MODES[p[1] ?? 0xff];
      if (!exactly(6) || mode === undefined) return bad('LED_SET needs led id, mode 0..2, on ms, off ms');
      return ok({ type: 'ledSet', ledId: p[0]!, mode, onMs: (p[2]! << 8) | p[3]!, offMs: (p[4]! << 8) | p[5]! });
    }
    case MSG.ping:
    case MSG.pong: {
      if (p.length > MAX_PING_BYTES) return bad('PING/PONG carry at most 8 bytes');
      return ok({ type: frame.type === MSG.ping ? 'ping' : 'pong', data: Uint8Array.from(p) });
    }
    case MSG.ack:
      return exactly(1) ? ok({ type: 'ack', seq: p[0]! }) : bad('ACK needs 1 byte');
    case MSG.nak:
      return exactly(2) ? ok({ type: 'nak', seq: p[0]!, reason: p[1]! }) : bad('NAK needs 2 bytes');
    case MSG.reset:
      return exactly(0) ? ok({ type: 'reset' }) : bad('RESET has no payload');
    default:
      return { ok: false, nak: NAK_REASON.unknownType, problem: `unknown message type 0x${frame.type.toString(16)}` };
  }
}
