/**
 * Frames of the serial key/LED controller protocol (PROTOCOL.md): SOF 0x7E, then — byte-stuffed — LEN,
 * TYPE, SEQ, LEN payload bytes and a big-endian CRC-16/CCITT-FALSE over LEN..payload.
 *
 * Stuffing (HDLC style: 0x7E → 7D 5E, 0x7D → 7D 5D) means 0x7E only ever starts a frame, so the decoder
 * resynchronises on the next 0x7E after any damage, and a frame cut short is detected as soon as the next
 * frame starts. The decoder is pure and streaming: any chunking of the same bytes gives the same frames;
 * it never throws and counts what it rejects.
 */
import { crc16CcittFalse } from './crc16.js';

export const SOF = 0x7e;
const ESC = 0x7d;
const ESC_XOR = 0x20;
/** Largest payload: every message fits in 32 bytes; anything longer is corruption. */
export const MAX_PAYLOAD = 32;
/** LEN, TYPE, SEQ before the payload; CRC after it. */
const HEADER = 3;
const CRC_BYTES = 2;

export interface Frame {
  type: number;
  seq: number;
  payload: Uint8Array;
}

export interface DecoderStats {
  frames: number;
  /** Bytes skipped while looking for a SOF (line noise, a frame's tail after damage). */
  garbageBytes: number;
  badCrc: number;
  /** A frame interrupted by the next SOF before it was complete. */
  truncated: number;
  /** LEN above MAX_PAYLOAD. */
  oversized: number;
  /** 0x7D followed by something other than 5E/5D. */
  badEscape: number;
}

export class FrameTooLargeError extends Error {
  constructor(length: number) {
    super(`payload of ${length} bytes exceeds the protocol maximum of ${MAX_PAYLOAD}`);
    this.name = 'FrameTooLargeError';
  }
}

/** The bytes of one frame on the wire. Throws FrameTooLargeError for payloads over MAX_PAYLOAD (a bug). */
export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.payload.length > MAX_PAYLOAD) throw new FrameTooLargeError(frame.payload.length);
  const body = new Uint8Array(HEADER + frame.payload.length + CRC_BYTES);
  body[0] = frame.payload.length;
  body[1] = frame.type & 0xff;
  body[2] = frame.seq & 0xff;
  body.set(frame.payload, HEADER);
  const crc = crc16CcittFalse(body.subarray(0, HEADER + frame.payload.length));
  body[body.length - 2] = crc >> 8;
  body[body.length - 1] = crc & 0xff;
  const out: number[] = [SOF];
  for (const b of body) {
    if (b === SOF || b === ESC) out.push(ESC, b ^ ESC_XOR);
    else out.push(b);
  }
  return Uint8Array.from(out);
}

type State = 'hunt' | 'body';

export class FrameDecoder {
  readonly stats: DecoderStats = { frames: 0, garbageBytes: 0, badCrc: 0, truncated: 0, oversized: 0, badEscape: 0 };
  #state: State = 'hunt';
  readonly #body = new Uint8Array(HEADER + MAX_PAYLOAD + CRC_BYTES);
  #length = 0;
  #escaped = false;

  /** Feeds received bytes; returns the complete, CRC-valid frames they finish. Never throws. */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    for (const byte of chunk) {
      if (byte === SOF) {
        if (this.#state === 'body' && (this.#length > 0 || this.#escaped)) this.stats.truncated++;
        this.#startFrame();
        continue;
      }
      if (this.#state === 'hunt') {
        this.stats.garbageBytes++;
        continue;
      }
      let b = byte;
      if (this.#escaped) {
        this.#escaped = false;
        b = byte ^ ESC_XOR;
        if (b !== SOF && b !== ESC) {
          this.stats.badEscape++;
          this.#hunt();
          continue;
        }
      } else if (byte === ESC) {
        this.#escaped = true;
        continue;
      }
      this.#body[this.#length++] = b;
      if (this.#length === 1 && b > MAX_PAYLOAD) {
        this.stats.oversized++;
        this.#hunt();
        continue;
      }
      const payloadLength = this.#body[0]!;
      if (this.#length === HEADER + payloadLength + CRC_BYTES) {
        const frame = this.#finish(payloadLength);
        if (frame) frames.push(frame);
        this.#hunt();
      }
    }
    return frames;
  }

  /** Forgets a partial frame (after the port was reopened). */
  reset(): void {
    this.#hunt();
  }

  #startFrame(): void {
    this.#state = 'body';
    this.#length = 0;
    this.#escaped = false;
  }

  #hunt(): void {
    this.#state = 'hunt';
    this.#length = 0;
    this.#escaped = false;
  }

  #finish(payloadLength: number): Frame | undefined {
    const covered = HEADER + payloadLength;
    const expected = (this.#body[covered]! << 8) | this.#body[covered + 1]!;
    if (crc16CcittFalse(this.#body.subarray(0, covered)) !== expected) {
      this.stats.badCrc++;
      return undefined;
    }
    this.stats.frames++;
    return { type: this.#body[1]!, seq: this.#body[2]!, payload: this.#body.slice(HEADER, covered) };
  }
}
