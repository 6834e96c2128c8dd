/**
 * Call control over the local API (the simulator page, tests, remote support): every user intent of the
 * call core as a POST with a small JSON body, plus forwarding/DND settings and the call log.
 *   GET  /api/v1/calls                         → { lines, calls, muted, offHook, dnd, forwarding, notice? }
 *   POST /api/v1/calls            {target}     → 201 { id }   (dial: digits through the dial plan, or a SIP URI)
 *   POST /api/v1/calls/answer|reject|hangup|hold|resume   {id?}
 *   POST /api/v1/calls/swap | split | redial
 *   POST /api/v1/calls/mute       {on?}
 *   POST /api/v1/calls/dtmf       {digits, id?}
 *   POST /api/v1/calls/transfer   {id, target} (blind) | {id, to} (attended, to = the consultation call)
 *   POST /api/v1/calls/conference {ids?: [a, b]}
 *   POST /api/v1/calls/deflect    {id, target}
 *   PUT  /api/v1/settings/forwarding {always?|busy?|noAnswer?: string|null}
 *   PUT  /api/v1/settings/dnd     {enabled}
 *   GET  /api/v1/calllog?category=missed|received|dialed|all&limit=N ; DELETE /api/v1/calllog ; POST /api/v1/calllog/seen
 *   POST /api/v1/input            {hook: "off"|"on"}   (keys and touch come with the UI)
 * Errors: 400 for a bad body, 404 for an unknown call, 409 for an intent the call's state does not allow.
 */
import { z } from 'zod';
import { ApiError, type ApiRequest, type Route } from './http-server.js';
import { CallError, type CallControl } from '../phone/call-control.js';
import type { CallLogStore } from '../phone/call-log.js';

const id = z.string().min(1).max(64);
const optionalId = z.strictObject({ id: id.optional() }).optional();
const target = z.string().trim().min(1).max(256);

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ApiError(400, `bad request body: ${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid'}`);
}

/** Runs an intent; the core's CallError becomes 404/409/400 with its message. */
function act(fn: () => unknown): { status: number; body: unknown } {
  try {
    const result = fn();
    return { status: 200, body: result === undefined ? { ok: true } : result };
  } catch (err) {
    if (err instanceof CallError) {
      const status = err.code === 'no-such-call' ? 404 : err.code === 'bad-target' ? 400 : 409;
      throw new ApiError(status, err.message);
    }
    throw err;
  }
}

export function callRoutes(calls: CallControl, log: CallLogStore): Route[] {
  const post = (path: string, handler: (req: ApiRequest) => { status: number; body: unknown }): Route => ({ method: 'POST', path, handler });
  const simple = (path: string, fn: (callId: string | undefined) => void): Route =>
    post(path, (req) => act(() => fn(parse(optionalId, req.body)?.id)));
  return [
    { method: 'GET', path: '/api/v1/calls', handler: () => ({ status: 200, body: calls.snapshot() }) },
    post('/api/v1/calls', (req) => {
      const { target: t } = parse(z.strictObject({ target }), req.body);
      const r = act(() => ({ id: calls.dial(t) }));
      return { status: 201, body: r.body };
    }),
    simple('/api/v1/calls/answer', (i) => calls.answer(i)),
    simple('/api/v1/calls/reject', (i) => calls.reject(i)),
    simple('/api/v1/calls/hangup', (i) => calls.hangup(i)),
    simple('/api/v1/calls/hold', (i) => calls.hold(i)),
    simple('/api/v1/calls/resume', (i) => calls.resume(i)),
    post('/api/v1/calls/swap', () => act(() => calls.swap())),
    post('/api/v1/calls/split', () => act(() => calls.split())),
    post('/api/v1/calls/redial', () => {
      const last = log.lastDialed();
      if (last === undefined) throw new ApiError(409, 'nothing to redial: no dialed calls in the log');
      return act(() => ({ id: calls.redial(last.remoteUri) }));
    }),
    post('/api/v1/calls/mute', (req) => act(() => calls.mute(parse(z.strictObject({ on: z.boolean().optional() }).optional(), req.body)?.on))),
    post('/api/v1/calls/dtmf', (req) => {
      const b = parse(z.strictObject({ digits: z.string().min(1).max(32), id: id.optional() }), req.body);
      return act(() => calls.sendDtmf(b.digits, b.id));
    }),
    post('/api/v1/calls/transfer', (req) => {
      const b = parse(z.union([z.strictObject({ id, target }), z.strictObject({ id, to: id })]), req.body);
      return act(() => ('to' in b ? calls.transferTo(b.id, b.to) : calls.transfer(b.id, b.target)));
    }),
    post('/api/v1/calls/conference', (req) => {
      const b = parse(z.strictObject({ ids: z.tuple([id, id]).optional() }).optional(), req.body);
      return act(() => calls.conference(b?.ids?.[0], b?.ids?.[1]));
    }),
    post('/api/v1/calls/deflect', (req) => {
      const b = parse(z.strictObject({ id, target }), req.body);
      return act(() => calls.deflect(b.id, b.target));
    }),
    {
      method: 'PUT',
      path: '/api/v1/settings/forwarding',
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
      path: '/api/v1/settings/dnd',
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
    post('/api/v1/input', (req) => {
      const b = parse(z.strictObject({ hook: z.enum(['off', 'on']) }), req.body);
      return act(() => calls.hook(b.hook === 'off'));
    }),
  ];
}
