/**
 * Turns the chunks of a TCP/TLS byte stream into SIP messages (RFC 3261 §7.5, §18.3) and keep-alives
 * (RFC 5626 §3.5.1). Pure and synchronous: no timers, no I/O; every decision depends only on the bytes
 * received, never on how they were split into chunks (except that limits are checked as bytes arrive).
 *
 * Rules chosen here (the socket relies on them):
 *
 * Keep-alives. Outside a message, CRLF CRLF is a ping and a lone CRLF is a pong. A CRLF that is the last
 * byte received so far is held, because the next byte decides: another CRLF makes it a ping, anything
 * else makes it a pong (and starts a message). So a ping that arrives split ("\r\n" | "\r\n") is one ping,
 * never a pong then something. A held CRLF is reported as a pong only by `flushIdle()`, which the socket
 * calls from a short timer (say 200 ms after a push that left `pending().idleCrlf` true) or when it
 * stops reading. CRLF CRLF CRLF is a ping followed by a held CRLF. A CR or LF that is not part of a CRLF
 * is not a keep-alive: it is garbage and starts a head (see resync).
 *
 * Content-Length. It is mandatory on a stream (RFC 3261 §18.3, §20.14) and is the only way to find the end
 * of the body. A message without it is not delivered: it is reported as a non-fatal error carrying its head
 * (a request gets 400 "missing Content-Length"), and the framer assumes no body follows, because that is
 * the only reading that keeps going; if a body did follow, it surfaces as garbage under the resync rule.
 * A body that has not fully arrived is simply waited for (that is normal on a stream); `pending()` tells
 * the socket what is outstanding so it can answer 400 "Incomplete message" on FIN or after an idle timeout.
 *
 * Resync. A head is everything up to the first CRLF CRLF. If it does not parse (start line not SIP, header
 * without colon, bad CSeq, bytes that are not UTF-8, …) the framer still knows where the message ends as
 * long as its Content-Length is readable: absent counts as 0 (plain garbage text such as an HTTP probe),
 * present means that many body bytes are skipped unread. Such an error is non-fatal. It is fatal — the
 * socket must close the connection, after answering if `head` is given — when the end of the message
 * cannot be known: an invalid or conflicting Content-Length, a Content-Length above `maxBodyBytes` (not
 * worth reading through), or `maxHeadBytes` bytes without a CRLF CRLF (e.g. binary junk, a megabyte header).
 * Garbage glued to the front of a valid message without a blank line in between becomes that message's
 * start line, so that message is reported as an error and skipped, not delivered. After a fatal error
 * push() ignores its input until reset().
 *
 * Memory. The head is collected in one buffer of at most `maxHeadBytes` (the limit is checked per byte, so
 * a huge header fails as soon as the limit is passed, whatever the chunk size); a body is copied into a
 * buffer of exactly its Content-Length (at most `maxBodyBytes`). Chunks are never retained.
 */
import { isUtf8 } from 'node:buffer';
import {
  contentLengthOf,
  parseHead,
  type HeadError,
  type HeadErrorStatus,
  type ParsedHead,
} from './message-head.js';

export interface StreamFramerOptions {
  /** start line + headers + the blank line; default 64 KiB */
  maxHeadBytes?: number;
  /** largest Content-Length accepted; default 1 MiB */
  maxBodyBytes?: number;
}

export interface FrameError {
  /** single line, bounded: usable as the reason phrase of the answer */
  readonly reason: string;
  /** status to answer a request with (400, 413 body too large, 505 version, 513 head too large) */
  readonly status: HeadErrorStatus;
}

export type FramerEvent =
  | {
      readonly type: 'message';
      readonly head: ParsedHead;
      /** head + body decoded as UTF-8, exactly one message: what JsSIP's ondata expects */
      readonly raw: string;
      /** the body bytes exactly as received (Content-Length counts these) */
      readonly body: Buffer;
    }
  | { readonly type: 'ping' }
  | { readonly type: 'pong' }
  | {
      readonly type: 'error';
      readonly error: FrameError;
      /** same as error.status */
      readonly status: HeadErrorStatus;
      /** the parsed head, when the start line parsed: a request can then be answered (bad-request.ts) */
      readonly head?: ParsedHead;
      /** the stream position is lost: answer if you can, then close the connection */
      readonly fatal: boolean;
    };

export interface FramerPending {
  /** bytes of a message begun but not finished (head so far, or head + body so far); 0 between messages */
  readonly bytes: number;
  /** the head of that message, when it was complete and well-formed (answer 400 "Incomplete message") */
  readonly head?: ParsedHead;
  /** a CRLF is held, waiting to become a ping or a pong (see flushIdle) */
  readonly idleCrlf: boolean;
}

export const DEFAULT_MAX_HEAD_BYTES = 64 * 1024;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
/** the head buffer starts this small and doubles; above RETAIN_LIMIT it is dropped between messages */
const INITIAL_HEAD_CAPACITY = 1024;
const RETAIN_LIMIT = 16 * 1024;

/** What the framer is in the middle of. */
type State =
  /** between messages; `crlf` counts the keep-alive bytes seen: 0 none, 1 CR, 2 CRLF, 3 CRLF CR */
  | { readonly mode: 'idle'; crlf: 0 | 1 | 2 | 3 }
  | { readonly mode: 'head' }
  | {
      readonly mode: 'body';
      readonly head: ParsedHead;
      readonly headText: string;
      readonly headBytes: number;
      readonly body: Buffer;
      filled: number;
    }
  /** the body of a message already reported as an error, read and dropped */
  | { readonly mode: 'skip'; readonly headBytes: number; readonly total: number; skipped: number }
  | { readonly mode: 'dead' };

function checkLimit(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`);
  return value;
}

export class StreamFramer {
  readonly maxHeadBytes: number;
  readonly maxBodyBytes: number;
  private state: State = { mode: 'idle', crlf: 0 };
  private headBuf: Buffer = Buffer.alloc(0);
  private headLen = 0;

  constructor(opts: StreamFramerOptions = {}) {
    // a head needs at least a start line and CRLF CRLF; below 16 bytes nothing real fits
    this.maxHeadBytes = checkLimit('maxHeadBytes', opts.maxHeadBytes, DEFAULT_MAX_HEAD_BYTES, 16);
    this.maxBodyBytes = checkLimit('maxBodyBytes', opts.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 0);
  }

  /** Feeds one chunk; returns what it completed, in stream order. Never throws. */
  push(chunk: Buffer): FramerEvent[] {
    const events: FramerEvent[] = [];
    try {
      let off = 0;
      while (off < chunk.length) {
        const s = this.state;
        if (s.mode === 'dead') break;
        else if (s.mode === 'idle') off = this.idle(s, chunk, off, events);
        else if (s.mode === 'head') off = this.collectHead(chunk, off, events);
        else if (s.mode === 'body') off = this.collectBody(s, chunk, off, events);
        else off = this.skipBody(s, chunk, off);
      }
    } catch (err) {
      // Unreachable by design; but a framer bug must cost one connection, not the process.
      this.fail(events, { reason: `framer failure: ${err instanceof Error ? err.message : String(err)}`, status: 400 });
    }
    return events;
  }

  /** Reports a held CRLF as a pong (see the keep-alive rule above). */
  flushIdle(): FramerEvent[] {
    const s = this.state;
    if (s.mode !== 'idle' || s.crlf < 2) return [];
    s.crlf = s.crlf === 3 ? 1 : 0;
    return [{ type: 'pong' }];
  }

  pending(): FramerPending {
    const s = this.state;
    switch (s.mode) {
      case 'idle':
        return { bytes: 0, idleCrlf: s.crlf >= 2 };
      case 'head':
        return { bytes: this.headLen, idleCrlf: false };
      case 'body':
        return { bytes: s.headBytes + s.filled, head: s.head, idleCrlf: false };
      case 'skip':
        // already reported (and answered): no head, but the bytes keep the socket's incomplete timer going
        return { bytes: s.headBytes + s.skipped, idleCrlf: false };
      case 'dead':
        return { bytes: 0, idleCrlf: false };
    }
  }

  /** Forgets everything, including a fatal error: the next byte is the start of a fresh stream. */
  reset(): void {
    this.state = { mode: 'idle', crlf: 0 };
    this.headLen = 0;
    this.releaseHeadBuffer();
  }

  /** Bytes allocated for buffering right now (head buffer + body buffer): for tests and diagnostics. */
  bufferedCapacity(): number {
    return this.headBuf.length + (this.state.mode === 'body' ? this.state.body.length : 0);
  }

  // --- states ---

  /** Keep-alive bytes between messages; returns at the first byte of a head, which it does not consume. */
  private idle(s: State & { mode: 'idle' }, chunk: Buffer, off: number, events: FramerEvent[]): number {
    for (; off < chunk.length; off++) {
      const b = chunk[off];
      if (s.crlf === 0) {
        if (b !== CR) return this.startHead(off, false);
        s.crlf = 1;
      } else if (s.crlf === 1) {
        // a CR not followed by LF is no keep-alive: it is the first byte of a (garbage) head
        if (b !== LF) return this.startHead(off, true);
        s.crlf = 2;
      } else if (s.crlf === 2) {
        if (b !== CR) {
          events.push({ type: 'pong' });
          return this.startHead(off, false);
        }
        s.crlf = 3;
      } else {
        if (b !== LF) {
          events.push({ type: 'pong' });
          return this.startHead(off, true);
        }
        events.push({ type: 'ping' });
        s.crlf = 0;
      }
    }
    return off;
  }

  /** Enters the head state at `off`; a CR held by the keep-alive logic is the head's first byte. */
  private startHead(off: number, withHeldCr: boolean): number {
    this.state = { mode: 'head' };
    this.headLen = 0;
    if (withHeldCr) {
      this.ensureHeadCapacity(1);
      this.headBuf[0] = CR;
      this.headLen = 1;
    }
    return off;
  }

  private collectHead(chunk: Buffer, off: number, events: FramerEvent[]): number {
    const prevLen = this.headLen;
    const take = Math.min(this.maxHeadBytes - prevLen, chunk.length - off);
    this.ensureHeadCapacity(prevLen + take);
    chunk.copy(this.headBuf, prevLen, off, off + take);
    this.headLen = prevLen + take;
    // the terminator may straddle the previous chunk: look back 3 bytes, never further (linear overall)
    const end = this.headBuf.subarray(0, this.headLen).indexOf(HEAD_END, Math.max(0, prevLen - 3));
    if (end >= 0) {
      const headBytes = end + HEAD_END.length;
      this.completeHead(headBytes, events);
      return off + (headBytes - prevLen);
    }
    if (this.headLen >= this.maxHeadBytes) {
      this.fail(events, { reason: `message head exceeds ${this.maxHeadBytes} bytes`, status: 513 }, this.partialHead());
    }
    return off + take;
  }

  private collectBody(s: State & { mode: 'body' }, chunk: Buffer, off: number, events: FramerEvent[]): number {
    const take = Math.min(s.body.length - s.filled, chunk.length - off);
    chunk.copy(s.body, s.filled, off, off + take);
    s.filled += take;
    if (s.filled === s.body.length) {
      this.state = { mode: 'idle', crlf: 0 };
      events.push({ type: 'message', head: s.head, raw: s.headText + s.body.toString('utf8'), body: s.body });
    }
    return off + take;
  }

  private skipBody(s: State & { mode: 'skip' }, chunk: Buffer, off: number): number {
    const take = Math.min(s.total - s.skipped, chunk.length - off);
    s.skipped += take;
    if (s.skipped === s.total) this.state = { mode: 'idle', crlf: 0 };
    return off + take;
  }

  // --- decisions ---

  /** The head buffer holds a complete head of `headBytes` bytes (blank line included): what follows? */
  private completeHead(headBytes: number, events: FramerEvent[]): void {
    const bytes = this.headBuf.subarray(0, headBytes);
    const headText = bytes.toString('utf8');
    const parsed = parseHead(headText);
    // checked after parsing only because it is rarer: the parse error, if any, says more
    const problem: HeadError | FrameError | undefined =
      parsed.kind === 'error'
        ? parsed
        : isUtf8(bytes)
          ? undefined
          : { reason: 'message head is not valid UTF-8', status: 400 };
    this.headLen = 0;
    this.releaseHeadBuffer();
    const head = parsed.kind === 'error' ? parsed.head : parsed;
    const length = contentLengthOf(parsed);

    if (length.kind === 'invalid') {
      this.fail(events, problem ?? { reason: length.reason, status: 400 }, head);
      return;
    }
    if (length.kind === 'value' && length.value > this.maxBodyBytes) {
      const reason = `body of ${length.value} bytes exceeds ${this.maxBodyBytes}`;
      this.fail(events, problem ?? { reason, status: 413 }, head);
      return;
    }
    const bodyBytes = length.kind === 'value' ? length.value : 0;
    if (problem || !head || length.kind === 'absent') {
      const error = problem ?? { reason: 'missing Content-Length', status: 400 };
      events.push(errorEvent(error, head, false));
      this.state = bodyBytes > 0 ? { mode: 'skip', headBytes, total: bodyBytes, skipped: 0 } : { mode: 'idle', crlf: 0 };
      return;
    }
    if (bodyBytes === 0) {
      this.state = { mode: 'idle', crlf: 0 };
      events.push({ type: 'message', head, raw: headText, body: Buffer.alloc(0) });
      return;
    }
    this.state = { mode: 'body', head, headText, headBytes, body: Buffer.allocUnsafe(bodyBytes), filled: 0 };
  }

  /**
   * The start line and the complete header lines of a head that grew too large, so that a request can
   * still be answered 513: up to the last CRLF that is not followed by a continuation line.
   */
  private partialHead(): ParsedHead | undefined {
    const buf = this.headBuf.subarray(0, this.headLen);
    let p = buf.lastIndexOf(CRLF, buf.length - 3);
    while (p > 0) {
      const next = buf[p + 2];
      if (next !== 0x20 && next !== 0x09) break;
      p = buf.lastIndexOf(CRLF, p - 1);
    }
    if (p <= 0) return undefined;
    const parsed = parseHead(buf.subarray(0, p).toString('utf8'));
    return parsed.kind === 'error' ? parsed.head : parsed;
  }

  private fail(events: FramerEvent[], error: FrameError, head?: ParsedHead): void {
    events.push(errorEvent(error, head, true));
    this.state = { mode: 'dead' };
    this.headLen = 0;
    this.releaseHeadBuffer();
  }

  private ensureHeadCapacity(needed: number): void {
    if (needed <= this.headBuf.length) return;
    const capacity = Math.min(this.maxHeadBytes, Math.max(needed, INITIAL_HEAD_CAPACITY, this.headBuf.length * 2));
    const grown = Buffer.allocUnsafe(capacity);
    this.headBuf.copy(grown, 0, 0, this.headLen);
    this.headBuf = grown;
  }

  private releaseHeadBuffer(): void {
    if (this.headBuf.length > RETAIN_LIMIT) this.headBuf = Buffer.alloc(0);
  }
}

function errorEvent(error: FrameError, head: ParsedHead | undefined, fatal: boolean): FramerEvent {
  const plain: FrameError = { reason: error.reason, status: error.status };
  return head ? { type: 'error', error: plain, status: plain.status, head, fatal } : { type: 'error', error: plain, status: plain.status, fatal };
}
