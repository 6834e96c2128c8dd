// A real call core on a recording signaling port and fake time: what UI flow tests (and any test that
// needs calls without a network) drive. The network's side is played by calling the core's signal* methods.
import { CallControl } from '../../src/phone/call-control.js';
import type { CallAudio, CallSignaling } from '../../src/phone/call-ports.js';
import { FakeClock } from '../../src/phone/clock.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import { Keypad } from '../../src/phone/keypad.js';
import { callsSchema, type CallsConfig } from '../../src/config/calls-schema.js';
import { dialPlanSchema } from '../../src/config/dial-plan-schema.js';

/** One signaling call as the core made it: method name and arguments. */
export type SignalingOp = [string, ...unknown[]];

const SIGNALING_METHODS = ['dial', 'answer', 'reject', 'redirect', 'hangup', 'hold', 'resume', 'sendDtmf', 'transfer', 'transferReplacing', 'acceptRefer', 'rejectRefer'] as const;

export interface CallRig {
  readonly clock: FakeClock;
  readonly calls: CallControl;
  readonly keypad: Keypad;
  /** Everything the core asked the network to do, in order. */
  readonly ops: SignalingOp[];
  /** The ops of one method since the last take, removed from `ops`. */
  take(method: string): SignalingOp[];
}

export function callRig(opts: { calls?: Partial<CallsConfig> | Record<string, unknown>; emergency?: string[]; start?: number } = {}): CallRig {
  const ops: SignalingOp[] = [];
  const signaling = Object.fromEntries(SIGNALING_METHODS.map((m) => [m, (...args: unknown[]) => void ops.push([m, ...args])])) as unknown as CallSignaling;
  const audio: CallAudio = { play: () => undefined, setMuted: () => undefined, setAudible: () => undefined, setConference: () => undefined };
  const clock = new FakeClock(opts.start ?? 0);
  const plan = compileDialPlan(dialPlanSchema.parse({ interDigitTimeoutS: 4, ...(opts.emergency ? { emergency: opts.emergency } : {}) }));
  const calls = new CallControl({
    config: callsSchema.parse(opts.calls ?? {}),
    signaling,
    audio,
    clock,
    ownAor: 'sip:alice@example.com',
    dialPlan: { toTarget: (input) => plan.toTarget(input, 'example.com') },
  });
  const keypad = new Keypad({ calls, plan, clock });
  return {
    clock,
    calls,
    keypad,
    ops,
    take(method) {
      const out = ops.filter((o) => o[0] === method);
      for (const o of out) ops.splice(ops.indexOf(o), 1);
      return out;
    },
  };
}
