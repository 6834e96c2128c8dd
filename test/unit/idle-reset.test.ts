import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/phone/clock.js';
import { IdleReset } from '../../src/phone/idle-reset.js';

test('kiosk idle reset: fires after the idle time with no call; activity and calls hold it off; 0 = never', () => {
  const clock = new FakeClock();
  let resets = 0;
  const idle = new IdleReset({ clock, afterS: 60, onReset: () => resets++ });
  clock.advance(59_000);
  idle.activity();
  clock.advance(59_000);
  assert.equal(resets, 0, 'activity restarted the idle time');
  idle.setInCall(true);
  clock.advance(600_000);
  assert.equal(resets, 0, 'never during a call');
  idle.setInCall(false);
  clock.advance(60_000);
  assert.equal(resets, 1, 'once, 60 s after the call ended');
  clock.advance(600_000);
  assert.equal(resets, 1, 'and not again until someone comes back');
  idle.stop();
  assert.equal(clock.pending, 0);

  const never = new IdleReset({ clock, afterS: 0, onReset: () => resets++ });
  clock.advance(10_000_000);
  assert.equal(resets, 1);
  never.stop();
});
