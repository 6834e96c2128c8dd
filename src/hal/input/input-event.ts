/**
 * `struct input_event` as read from /dev/input/eventN: a timeval, then type u16, code u16, value s32, in the
 * machine's byte order. The timeval is two longs, so the struct is 24 bytes on 64-bit systems and 16 on
 * classic 32-bit ARM (armhf) with 32-bit time_t — but 24 again on 32-bit systems built with 64-bit time_t
 * (newer glibc and kernels), which is why the size is an option and only its default follows process.arch.
 */

export interface RawInputEvent {
  /** Kernel timestamp in microseconds (monotonic or realtime, as the device is configured). */
  readonly timeUs: number;
  readonly type: number;
  readonly code: number;
  readonly value: number;
}

export type InputEventSize = 16 | 24;

const THIRTY_TWO_BIT_ARCHES = new Set(['arm', 'ia32', 'mips', 'mipsel', 'ppc', 's390']);

/** The usual struct size for a Node architecture name (process.arch): 16 on 32-bit ones, 24 otherwise. */
export function defaultInputEventSize(arch: string = process.arch): InputEventSize {
  return THIRTY_TWO_BIT_ARCHES.has(arch) ? 16 : 24;
}

/** Encodes one event (for tests and recorded fixtures); little-endian, as on every board sipdesk runs on. */
export function encodeInputEvent(event: RawInputEvent, size: InputEventSize = 24): Buffer {
  const buf = Buffer.alloc(size);
  const sec = Math.floor(event.timeUs / 1e6);
  const usec = event.timeUs - sec * 1e6;
  const timeBytes = size - 8;
  if (timeBytes === 16) {
    buf.writeBigInt64LE(BigInt(sec), 0);
    buf.writeBigInt64LE(BigInt(usec), 8);
  } else {
    buf.writeInt32LE(sec, 0);
    buf.writeInt32LE(usec, 4);
  }
  buf.writeUInt16LE(event.type, timeBytes);
  buf.writeUInt16LE(event.code, timeBytes + 2);
  buf.writeInt32LE(event.value, timeBytes + 4);
  return buf;
}

/**
 * Cuts a byte stream into events. A read from an evdev node always returns whole events, but a FIFO, a
 * pipe from a recording or a stream's chunking need not, so a partial event is kept until the rest arrives.
 */
export class InputEventParser {
  #pending: Buffer = Buffer.alloc(0);

  constructor(readonly eventSize: InputEventSize = defaultInputEventSize()) {
    if (eventSize !== 16 && eventSize !== 24) throw new Error(`input_event size must be 16 or 24, not ${String(eventSize)}`);
  }

  /** Bytes held back because they are the start of an incomplete event. */
  get pendingBytes(): number {
    return this.#pending.length;
  }

  push(chunk: Buffer): RawInputEvent[] {
    const data = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const size = this.eventSize;
    const whole = data.length - (data.length % size);
    const events: RawInputEvent[] = [];
    for (let off = 0; off < whole; off += size) events.push(this.#decode(data, off));
    // Copy: the caller may reuse its read buffer for the next chunk.
    this.#pending = Buffer.from(data.subarray(whole));
    return events;
  }

  #decode(buf: Buffer, off: number): RawInputEvent {
    const timeBytes = this.eventSize - 8;
    let timeUs: number;
    if (timeBytes === 16) {
      timeUs = Number(buf.readBigInt64LE(off)) * 1e6 + Number(buf.readBigInt64LE(off + 8));
    } else {
      timeUs = buf.readInt32LE(off) * 1e6 + buf.readInt32LE(off + 4);
    }
    return {
      timeUs,
      type: buf.readUInt16LE(off + timeBytes),
      code: buf.readUInt16LE(off + timeBytes + 2),
      value: buf.readInt32LE(off + timeBytes + 4),
    };
  }
}
