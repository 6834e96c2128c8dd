/**
 * The phone's keys, touch screen and hook switch, driven remotely (the simulator's page, tests, remote
 * support). Events take the same path as the board's drivers: through the screens, so a key does what it
 * does on the device (a digit dials on the idle screen, types into a search field, or sends DTMF in a call).
 *
 *   POST /api/v1/input  {hook: "off"|"on"}
 *                       {key: <key name>, action?: "press"|"down"|"up"}   press = down then up
 *                       {key: "dial"|"back"|"clear"|"+"}                 the dialer's own keys
 *                       {touch: {x, y, action: "tap"|"down"|"move"|"up"}}  tap = down then up
 *
 * Key names are the UI's (src/ui/core/keys.ts): 0-9 * #, soft1…, line1…, up down left right ok back,
 * volumeUp volumeDown speaker headset mute hold transfer conference redial dnd message. An unknown name is
 * a 400 that lists them; a touch outside the screen is accepted and ignored, like a real panel's edge.
 */
import { z } from 'zod';
import { parseBody as parse, type Route } from './http-server.js';
import { act } from './call-routes.js';
import { KEY_CODES, isKeyCode } from '../ui/core/keys.js';
import type { HalInputEvent } from '../hal/hal-types.js';

/** What the input route needs of the phone. */
export interface InputTarget {
  /** Keys, touches and hook events into the screens (and the call core, for the hook). */
  input(event: HalInputEvent): void;
  /** The dialer's own keys, which have no key on the keypad (the dial softkey does them). */
  dialerKey(key: 'dial' | 'back' | 'clear' | '+'): unknown;
}

const coordinate = z.number().int().min(-100_000).max(100_000);

const inputBody = z.union([
  z.strictObject({ hook: z.enum(['off', 'on']) }),
  z.strictObject({ key: z.enum(['dial', 'back', 'clear', '+']), action: z.literal('press').default('press') }),
  z.strictObject({
    key: z.string().refine(isKeyCode, `unknown key; known keys: ${KEY_CODES.join(' ')}`),
    action: z.enum(['press', 'down', 'up']).default('press'),
  }),
  z.strictObject({ touch: z.strictObject({ x: coordinate, y: coordinate, action: z.enum(['tap', 'down', 'move', 'up']).default('tap') }) }),
]);

export function inputRoutes(target: InputTarget): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/v1/input',
      handler: (req) => {
        const b = parse(inputBody, req.body);
        if ('hook' in b) return act(() => target.input({ type: 'hook', offHook: b.hook === 'off' }));
        if ('touch' in b) {
          const { x, y, action } = b.touch;
          return act(() => {
            if (action === 'tap') {
              target.input({ type: 'pointer', x, y, action: 'down' });
              target.input({ type: 'pointer', x, y, action: 'up' });
            } else target.input({ type: 'pointer', x, y, action });
            return { ok: true };
          });
        }
        const { key, action } = b;
        if (key === 'dial' || key === 'back' || key === 'clear' || key === '+') return act(() => target.dialerKey(key));
        return act(() => {
          if (action !== 'up') target.input({ type: 'key', code: key, down: true });
          if (action !== 'down') target.input({ type: 'key', code: key, down: false });
          return { ok: true };
        });
      },
    },
  ];
}
