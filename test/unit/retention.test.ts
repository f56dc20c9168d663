import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { KeyRef } from '../../src/storage/store.js';
import { pitrWindow, reportedWindow } from '../../src/pitr/window.js';

const DAY = 86_400_000_000;

function ref(table: number, k: number): KeyRef {
  return { table, h: k % 3, pk: Buffer.from([k]), sk: Buffer.alloc(0) };
}

/** Every key's visible image as of T (what a restore or an export at T reads). */
function snapshot(store: SqliteStore, table: number, asOf: number): string[] {
  return store.readRange({ table, asOf, forward: true }).items.map((i) => `${i.pk[0]}=${i.json}`);
}

test('compaction keeps every read as of T >= cutoff, however it is chunked and however the cutoff advances', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ key: fc.integer({ min: 0, max: 6 }), value: fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }) }), { minLength: 1, maxLength: 60 }),
      fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1, max: 7 }),
      (writes, cutoffs, chunk) => {
        let ts = 1000;
        const store = new SqliteStore(':memory:', () => (ts += 10));
        try {
          const t = store.createTable('a', 'r', 't', '{}')!.uid;
          const other = store.createTable('a', 'r', 'u', '{}')!.uid;
          for (const w of writes) {
            const json = w.value === null ? null : JSON.stringify({ v: w.value });
            store.mutate([], () => ({ writes: [{ ref: ref(t, w.key), json, size: json ? 5 : 0, indexDeletes: [], indexPuts: [] }], result: undefined }));
            store.mutate([], () => ({ writes: [{ ref: ref(other, w.key), json, size: json ? 5 : 0, indexDeletes: [], indexPuts: [] }], result: undefined }));
          }
          const last = ts;
          const instants = Array.from({ length: (last - 1000) / 10 + 2 }, (_, i) => 1000 + i * 10);
          const before = new Map(instants.map((i) => [i, snapshot(store, t, i)]));
          const current = snapshot(store, t, Number.MAX_SAFE_INTEGER);
          let floor = 0;
          for (const c of [...cutoffs].sort((a, b) => a - b)) {
            const cutoff = 1000 + c * 10 + 5;
            floor = cutoff;
            for (;;) if (store.compactVersions(t, cutoff, chunk).done) break;
          }
          for (const i of instants) if (i >= floor) assert.deepEqual(snapshot(store, t, i), before.get(i), `as of ${i} after compacting to ${floor}`);
          assert.deepEqual(snapshot(store, t, Number.MAX_SAFE_INTEGER), current);
          // At most one version per key below the cutoff, never a tombstone; the other table is untouched.
          const below = store.readVersions({ table: t, from: 0, to: floor, limit: 1000 });
          assert.equal(new Set(below.map((v) => v.pk[0])).size, below.length);
          assert.ok(below.every((v) => v.json !== null));
          assert.equal(store.versionStats(other).versions, writes.length);
        } finally {
          store.close();
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('the window: enable time or now minus the period, whichever is later; latest trails by the lag', () => {
  const enabledAt = 10 * DAY;
  const pitr = { enabled: true, enabledAt, recoveryPeriodInDays: 2 };
  assert.deepEqual(pitrWindow(pitr, enabledAt, 300), { earliestMicros: enabledAt, latestMicros: enabledAt });
  assert.deepEqual(pitrWindow(pitr, enabledAt + 100e6, 300), { earliestMicros: enabledAt, latestMicros: enabledAt });
  assert.deepEqual(pitrWindow(pitr, enabledAt + 1000e6, 300), { earliestMicros: enabledAt, latestMicros: enabledAt + 700e6 });
  assert.deepEqual(pitrWindow(pitr, enabledAt + 1000e6, 0), { earliestMicros: enabledAt, latestMicros: enabledAt + 1000e6 });
  assert.deepEqual(pitrWindow(pitr, enabledAt + 5 * DAY, 300), { earliestMicros: enabledAt + 3 * DAY, latestMicros: enabledAt + 5 * DAY - 300e6 });
  assert.equal(pitrWindow({ ...pitr, floorMicros: enabledAt + 4 * DAY }, enabledAt + 5 * DAY).earliestMicros, enabledAt + 4 * DAY);
  // The wire shows whole milliseconds, rounded inwards.
  assert.deepEqual(reportedWindow({ earliestMicros: 1_000_001, latestMicros: 1_999_999 }), { earliestMs: 1001, latestMs: 1999 });
  assert.deepEqual(reportedWindow({ earliestMicros: 1_000_500, latestMicros: 1_000_700 }), { earliestMs: 1001, latestMs: 1001 });
});
