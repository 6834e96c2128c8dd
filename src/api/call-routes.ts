/**
 * Call control over the local API (the simulator page, tests, remote support): every user intent of the
 * call core, plus forwarding/DND settings and the call log.
 *   GET  /api/v1/calls                          → { lines, calls, muted, offHook, dnd, forwarding, notice? }
 *   POST /api/v1/calls              {to}        → 201 { id }  (digits through the dial plan, or a SIP URI)
 *   POST /api/v1/calls/:id/answer | reject | hangup | hold | resume | mute | unmute
 *   POST /api/v1/calls/:id/dtmf     {digits}
 *   POST /api/v1/calls/:id/transfer {to} (blind) | {callId} (attended: callId is the consultation call)
 *   POST /api/v1/calls/:id/merge    {callId}    (three-way conference of the two calls)
 *   POST /api/v1/calls/:id/deflect  {to}        (send a ringing call elsewhere)
 *   POST /api/v1/calls/swap | split | redial
 *   PUT  /api/v1/forwarding         {always?|busy?|noAnswer?: target|null}
 *   PUT  /api/v1/dnd                {enabled}
 *   GET  /api/v1/calllog?category=missed|received|dialed|all&limit=N ; DELETE /api/v1/calllog ; POST /api/v1/calllog/seen
 *   GET  /api/v1/dialer                         → { digits, preview, blocked? }
 * Errors: 400 for a bad body, 404 for an unknown call, 409 for an intent the call's state does not allow.
 */
import { z } from 'zod';
import { ApiError, parseBody as parse, type ApiRequest, type Route } from './http-server.js';
import { CallError, type CallControl } from '../phone/call-control.js';
import type { CallLogStore } from '../phone/call-log.js';

const id = z.string().min(1).max(64);
const target = z.string().trim().min(1).max(256);

/** Runs an intent; the core's CallError becomes 404/409/400 with its message. */
export function act(fn: () => unknown, status = 200): { status: number; body: unknown } {
  try {
    const result = fn();
    return { status, body: result === undefined ? { ok: true } : result };
  } catch (err) {
    if (err instanceof CallError) {
      throw new ApiError(err.code === 'no-such-call' ? 404 : err.code === 'bad-target' ? 400 : 409, err.message);
    }
    throw err;
  }
}

/** The dialer (src/phone/keypad.ts), as the dialer route needs it. */
export interface DialerSource {
  view(): unknown;
}

/** `userActivity` hears every intent that stands for someone at the phone (presence leaves Away). */
export function callRoutes(calls: CallControl, log: CallLogStore, keypad: DialerSource, userActivity: () => void = () => undefined): Route[] {
  // Every intent is someone at the phone (the simulator page, a test, remote support acting for the user).
  const post = (path: string, handler: (req: ApiRequest) => { status: number; body: unknown }): Route => ({
    method: 'POST',
    path,
    handler: (req) => {
      userActivity();
      return handler(req);
    },
  });
  /** POST /api/v1/calls/:id/<action> with no body (or an empty object). */
  const onCall = (action: string, fn: (callId: string) => void): Route =>
    post(`/api/v1/calls/:id/${action}`, (req) => {
      parse(z.strictObject({}).optional(), req.body);
      return act(() => fn(req.params.id!));
    });
  return [
    { method: 'GET', path: '/api/v1/calls', handler: () => ({ status: 200, body: calls.snapshot() }) },
    post('/api/v1/calls', (req) => {
      const { to } = parse(z.strictObject({ to: target }), req.body);
      return act(() => ({ id: calls.dial(to) }), 201);
    }),
    onCall('answer', (i) => calls.answer(i)),
    onCall('reject', (i) => calls.reject(i)),
    onCall('hangup', (i) => calls.hangup(i)),
    onCall('hold', (i) => calls.hold(i)),
    onCall('resume', (i) => calls.resume(i)),
    onCall('mute', (i) => calls.mute(i, true)),
    onCall('unmute', (i) => calls.mute(i, false)),
    post('/api/v1/calls/:id/dtmf', (req) => {
      const b = parse(z.strictObject({ digits: z.string().min(1).max(32) }), req.body);
      return act(() => calls.sendDtmf(b.digits, req.params.id));
    }),
    post('/api/v1/calls/:id/transfer', (req) => {
      const b = parse(z.union([z.strictObject({ to: target }), z.strictObject({ callId: id })]), req.body);
      return act(() => ('callId' in b ? calls.transferTo(req.params.id!, b.callId) : calls.transfer(req.params.id!, b.to)));
    }),
    post('/api/v1/calls/:id/merge', (req) => {
      const b = parse(z.strictObject({ callId: id }), req.body);
      return act(() => calls.conference(req.params.id, b.callId));
    }),
    post('/api/v1/calls/:id/deflect', (req) => {
      const b = parse(z.strictObject({ to: target }), req.body);
      return act(() => calls.deflect(req.params.id!, b.to));
    }),
    post('/api/v1/calls/swap', () => act(() => calls.swap())),
    post('/api/v1/calls/split', () => act(() => calls.split())),
    post('/api/v1/calls/redial', () => {
      const last = log.lastDialed();
      if (last === undefined) throw new ApiError(409, 'nothing to redial: no dialed calls in the log');
      return act(() => ({ id: calls.redial(last.remoteUri) }));
    }),
    {
      method: 'PUT',
      path: '/api/v1/forwarding',
      handler: (req) => {
        const b = parse(z.strictObject({ always: target.nullable().optional(), busy: target.nullable().optional(), noAnswer: target.nullable().optional() }), req.body);
        return act(() => {
          for (const kind of ['always', 'busy', 'noAnswer'] as const) {
            if (b[kind] !== undefined) calls.setForwarding(kind, b[kind] ?? undefined);
          }
          return { forwarding: calls.snapshot().forwarding };
        });
      },
    },
    {
      method: 'PUT',
      path: '/api/v1/dnd',
      handler: (req) => act(() => calls.setDnd(parse(z.strictObject({ enabled: z.boolean() }), req.body).enabled)),
    },
    {
      method: 'GET',
      path: '/api/v1/calllog',
      handler: (req) => {
        const q = parse(
          z.strictObject({
            category: z.enum(['missed', 'received', 'dialed', 'all']).default('all'),
            limit: z.coerce.number().int().min(1).max(500).default(50),
          }),
          Object.fromEntries(req.query),
        );
        return { status: 200, body: { entries: log.list({ category: q.category, limit: q.limit }), unseenMissed: log.unseenMissed() } };
      },
    },
    { method: 'DELETE', path: '/api/v1/calllog', handler: () => (log.clear(), { status: 200, body: { ok: true } }) },
    post('/api/v1/calllog/seen', () => (log.markMissedSeen(), { status: 200, body: { ok: true } })),
    { method: 'GET', path: '/api/v1/dialer', handler: () => ({ status: 200, body: keypad.view() }) },
  ];
}
