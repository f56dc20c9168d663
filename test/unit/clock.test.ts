import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Clock } from '../../src/pitr/clock.js';

/** Runs fn with Date.now reading the given wall clock (which tests move backwards and forwards). */
function withWallClock<T>(wall: { ms: number }, fn: () => T): T {
  const real = Date.now;
  Date.now = () => wall.ms;
  try {
    return fn();
  } finally {
    Date.now = real;
  }
}

test('commit timestamps stay strictly increasing when the wall clock steps back', () => {
  const wall = { ms: 1_700_000_000_000 };
  withWallClock(wall, () => {
    const clock = new Clock();
    const a = clock.commitTs();
    const b = clock.commitTs(); // same wall millisecond: still later
    wall.ms -= 60_000; // NTP steps the clock back a minute
    const c = clock.commitTs();
    const nowAfterStep = clock.nowMicros();
    wall.ms += 120_000;
    const d = clock.commitTs();
    assert.ok(a < b && b < c && c < d, `${a} ${b} ${c} ${d}`);
    assert.equal(c, b + 1);
    assert.ok(nowAfterStep >= c, 'now never reads before the last commit');
    assert.equal(d, wall.ms * 1000);
  });
});

test('a restarted clock continues after the last committed timestamp, and time travel only moves forward', () => {
  const wall = { ms: 1_700_000_000_000 };
  withWallClock(wall, () => {
    const lastCommitted = wall.ms * 1000 + 5_000_000; // written by a process whose clock ran 5 s ahead
    const clock = new Clock(lastCommitted);
    assert.equal(clock.commitTs(), lastCommitted + 1);
    clock.advance(3600);
    assert.equal(clock.offsetSeconds(), 3600);
    assert.equal(clock.commitTs(), (wall.ms + 3_600_000) * 1000);
    assert.throws(() => clock.advance(-1), /only moves forward/);
    const restarted = new Clock(clock.commitTs());
    restarted.setOffsetSeconds(clock.offsetSeconds());
    assert.ok(restarted.commitTs() > clock.nowMicros() - 1);
  });
});
