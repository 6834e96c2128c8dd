/**
 * One TCP or TLS connection carrying SIP: frames the byte stream into messages, answers bad requests
 * itself, and guards against a peer that starts a message and never finishes it.
 *
 * Bad input never reaches JsSIP (whose parser silently drops what it cannot read and never answers):
 * - a request whose head is malformed, too large, or rejected by `vet` gets a stateless error response
 *   (400/413/501/505/513) on this connection, when it carries enough (Via, From, To, Call-ID, CSeq) to
 *   address one;
 * - a fatal framing error (the stream position is lost) closes the connection after that answer;
 * - a message not complete within `incompleteTimeoutMs` of its first byte (a deadline, not an idle timer, so
 *   a peer trickling one byte at a time cannot hold a buffer forever), or cut short by the peer's FIN, is
 *   answered 400 "Incomplete message" and discarded;
 * - a peer that does not read what we send (answers pile up in Node's write buffer) is cut off once more
 *   than MAX_UNREAD_BYTES wait for it.
 * An inbound peer that half-closes (FIN) after its request still gets the answer: we stop reading but keep
 * the connection writable for up to HALF_CLOSED_ANSWER_MS (RFC 3261 Timer J).
 */
import type { Socket } from 'node:net';
import { StreamFramer, type FramerEvent } from './stream-framer.js';
import { buildErrorResponse } from './bad-request.js';
import type { ParsedHead } from './message-head.js';
import { createLogger } from '../util/log.js';

const log = createLogger('sip-conn');

/** How long a lone CRLF may wait for a second one before it counts as a pong. */
const CRLF_SETTLE_MS = 200;
/** How long a connection closed for bad input waits for the peer to close its side. */
const LINGER_MS = 2000;
/** A peer with this much of our output unread is not reading: the connection is closed. */
const MAX_UNREAD_BYTES = 256 * 1024;
/** How long an inbound connection stays writable after the peer's FIN, for answers still due. */
const HALF_CLOSED_ANSWER_MS = 32_000;

export interface VetResult {
  status: 400 | 413 | 416 | 420 | 501 | 505 | 513;
  reason: string;
}

export interface ConnectionHandlers {
  /** A complete, well-formed message (raw text exactly as received). */
  onMessage(conn: SipConnection, raw: string, head: ParsedHead): void;
  /** A single CRLF outside a message: the answer to our keep-alive ping (RFC 5626 §4.4.1). */
  onPong(conn: SipConnection): void;
  onClose(conn: SipConnection, error: Error | undefined): void;
  /** Extra checks a request must pass before JsSIP sees it; returns the error response to send. */
  vet?: (raw: string, head: ParsedHead) => VetResult | undefined;
}

export interface ConnectionLimits {
  maxHeadBytes: number;
  maxBodyBytes: number;
  incompleteTimeoutMs: number;
  serverHeader: string;
}

export class SipConnection {
  private readonly framer: StreamFramer;
  private incompleteTimer: NodeJS.Timeout | undefined;
  private crlfTimer: NodeJS.Timeout | undefined;
  /** No more reading or writing (fatal error, our close, or the peer's FIN on the flow). */
  private closed = false;
  /** The peer sent FIN: nothing more to read, but answers may still be written (inbound only). */
  private readEnded = false;
  private closeError: Error | undefined;

  constructor(
    readonly socket: Socket,
    readonly inbound: boolean,
    private readonly handlers: ConnectionHandlers,
    private readonly limits: ConnectionLimits,
  ) {
    this.framer = new StreamFramer({ maxHeadBytes: limits.maxHeadBytes, maxBodyBytes: limits.maxBodyBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => {
      this.closeError = err;
      log.debug(`${this.describe()} error: ${err.message}`);
    });
    socket.on('close', () => this.onClosed());
  }

  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  describe(): string {
    return `${this.inbound ? 'in' : 'out'} ${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  write(data: string): boolean {
    if (!this.isOpen) return false;
    if (this.socket.writableLength > MAX_UNREAD_BYTES) {
      log.warn(`${this.describe()} does not read what we send (${this.socket.writableLength} bytes waiting): closing`);
      this.close(new Error('peer does not read'));
      return false;
    }
    this.socket.write(data);
    return true;
  }

  close(error?: Error): void {
    if (error) this.closeError = error;
    this.clearTimers();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.readEnded) return; // lingering after an error: input is dropped
    let events;
    try {
      events = this.framer.push(chunk);
    } catch (err) {
      // The framer promises never to throw; if it ever does, the stream position is unknown.
      log.error(`${this.describe()} framer failure: ${(err as Error).message}`);
      this.close(err as Error);
      return;
    }
    this.process(events);
    if (!this.isOpen) return;
    // A message (or error) completed in this chunk: what is pending now is a new message, with its own deadline.
    const completed = events.some((ev) => ev.type === 'message' || ev.type === 'error');
    if (this.framer.pending().idleCrlf) {
      // A CRLF is held until the next byte says ping or pong (stream-framer.ts). For the keep-alive it
      // already proves the flow alive; the framer gets a moment to see a second CRLF before we settle it.
      this.handlers.onPong(this);
      this.armCrlfTimer();
    }
    this.armIncompleteTimer(completed);
  }

  private process(events: FramerEvent[]): void {
    for (const ev of events) {
      if (!this.isOpen) return;
      switch (ev.type) {
        case 'message':
          this.deliver(ev.raw, ev.head);
          break;
        case 'ping':
          this.write('\r\n'); // RFC 5626 §3.5.1: answer a double-CRLF ping with a single CRLF pong
          break;
        case 'pong':
          this.handlers.onPong(this);
          break;
        case 'error':
          log.warn(`${this.describe()} bad message: ${ev.error.reason}${ev.fatal ? ' (closing connection)' : ''}`);
          if (ev.head) this.answer(ev.head, ev.status, ev.error.reason);
          if (ev.fatal) {
            this.lingeringClose();
            return;
          }
          break;
      }
    }
  }

  private armCrlfTimer(): void {
    if (this.crlfTimer) clearTimeout(this.crlfTimer);
    this.crlfTimer = setTimeout(() => {
      this.crlfTimer = undefined;
      if (this.isOpen) this.process(this.framer.flushIdle());
    }, CRLF_SETTLE_MS);
    this.crlfTimer.unref();
  }

  private deliver(raw: string, head: ParsedHead): void {
    if (head.kind === 'request' && this.handlers.vet) {
      const verdict = this.handlers.vet(raw, head);
      if (verdict) {
        log.warn(`${this.describe()} ${head.method} refused: ${verdict.status} ${verdict.reason}`);
        this.answer(head, verdict.status, verdict.reason);
        return;
      }
    }
    try {
      this.handlers.onMessage(this, raw, head);
    } catch (err) {
      // A bug above us must not take the connection (or the phone) down with it.
      log.error(`${this.describe()} message handler failed: ${(err as Error).stack ?? String(err)}`);
    }
  }

  private answer(head: ParsedHead, status: number, reason: string): void {
    if (head.kind !== 'request' || head.method === 'ACK') return;
    const response = buildErrorResponse(head, status, reason, { serverHeader: this.limits.serverHeader });
    if (response) this.write(response);
  }

  /** Answers and discards a request whose body never completed. */
  private abandonIncomplete(why: string): void {
    const pending = this.framer.pending();
    if (pending.bytes === 0) return;
    log.warn(`${this.describe()} incomplete message (${pending.bytes} bytes): ${why}`);
    if (pending.head) this.answer(pending.head, 400, 'Incomplete message');
    this.framer.reset();
  }

  /** Starts the deadline when a message begins; a message that completes clears or restarts it. */
  private armIncompleteTimer(newMessage: boolean): void {
    if (this.framer.pending().bytes === 0 || newMessage) this.clearIncompleteTimer();
    if (this.framer.pending().bytes === 0) return;
    if (this.incompleteTimer) return; // the deadline runs from the message's first byte
    this.incompleteTimer = setTimeout(() => {
      // Timers run before the event loop polls for I/O: on a busy phone the rest of the message may be
      // waiting unread in the kernel. Judge only after this turn's reads (setImmediate runs after the poll).
      setImmediate(() => {
        this.incompleteTimer = undefined;
        if (this.closed || this.framer.pending().bytes === 0) return;
        this.abandonIncomplete(`not complete within ${this.limits.incompleteTimeoutMs} ms`);
        // The stream position is lost: whatever comes next cannot be trusted to start a message.
        this.lingeringClose();
      });
    }, this.limits.incompleteTimeoutMs);
    this.incompleteTimer.unref();
  }

  /**
   * Closes after an error without losing our answer: end() sends it and a FIN, and the socket lingers
   * (input ignored) until the peer closes too, or LINGER_MS passes. Destroying at once could reset the
   * connection while the peer is still sending, and a reset may discard the answer at the peer.
   */
  private lingeringClose(): void {
    this.clearTimers();
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private clearIncompleteTimer(): void {
    if (this.incompleteTimer) clearTimeout(this.incompleteTimer);
    this.incompleteTimer = undefined;
  }

  private clearTimers(): void {
    this.clearIncompleteTimer();
    if (this.crlfTimer) clearTimeout(this.crlfTimer);
    this.crlfTimer = undefined;
  }

  private onEnd(): void {
    if (this.closed) return;
    this.abandonIncomplete('peer closed its side');
    this.clearTimers();
    if (this.inbound) {
      // The request before the FIN may still be answered (JsSIP replies asynchronously).
      this.readEnded = true;
      setTimeout(() => this.socket.end(), HALF_CLOSED_ANSWER_MS).unref();
      return;
    }
    this.closed = true;
    this.socket.end();
  }

  private closedReported = false;

  private onClosed(): void {
    this.clearTimers();
    this.closed = true;
    if (this.closedReported) return;
    this.closedReported = true;
    this.handlers.onClose(this, this.closeError);
  }
}
