import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planIncrementalFiles } from '../../src/export/incremental-plan.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

/** A store holding `groups` writes (each of `size` keys committed at one timestamp, 10 µs apart from 1000 on), planned over [from, to). */
async function plan(groups: number[], from: number, to: number, bytesPerVersion: number, bytesPerFile: number, hop?: number) {
  let ts = 990;
  const store = new SqliteStore(':memory:', () => (ts += 10));
  try {
    const t = store.createTable('a', 'r', 't', '{}')!.uid;
    let k = 0;
    const stamps: number[] = [];
    for (const size of groups) {
      const writes = Array.from({ length: size }, () => {
        const n = k++;
        return { ref: { table: t, h: n % 7, pk: Buffer.from(String(n)), sk: Buffer.alloc(0) }, json: '{}', size: 2, indexDeletes: [], indexPuts: [] };
      });
      const { ts: at } = store.mutate([], () => ({ writes, result: undefined }));
      for (let i = 0; i < size; i++) stamps.push(at);
    }
    const idx = { count: (f: number, x: number, l: number) => store.countVersions(t, f, x, l), tsAt: (f: number, x: number, o: number) => store.versionTsAt(t, f, x, o) };
    const segments = await planIncrementalFiles(idx, from, to, bytesPerVersion, bytesPerFile, hop);
    return { segments, inWindow: stamps.filter((s) => s >= from && s < to) };
  } finally {
    store.close();
  }
}

test('incremental plan: contiguous commit-time files covering [from, to), as many as the changes need (at least 4), balanced, groups never split', async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 80 }),
    fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 1200 }),
    fc.integer({ min: 1, max: 50 }), fc.integer({ min: 10, max: 2000 }), fc.constantFrom(undefined, 3, 8),
    async (groups, a, len, bytesPerVersion, bytesPerFile, hop) => {
      const from = 1000 + a * 5;
      const to = from + len;
      const { segments, inWindow } = await plan(groups, from, to, bytesPerVersion, bytesPerFile, hop);
      const n = Math.min(4096, Math.max(4, Math.ceil((inWindow.length * bytesPerVersion) / bytesPerFile)));
      assert.equal(segments.length, n, 'the number of files follows the changes');
      assert.equal(segments[0]!.lo, from);
      assert.equal(segments[segments.length - 1]!.hi, to);
      for (let i = 0; i < segments.length; i++) {
        assert.ok(segments[i]!.lo <= segments[i]!.hi);
        if (i > 0) assert.equal(segments[i]!.lo, segments[i - 1]!.hi, 'contiguous: every version in exactly one file');
      }
      // Exact cuts (no hops): every file but the last holds at most its share, and none is skipped while versions remain.
      if (hop === undefined) {
        const share = Math.ceil(inWindow.length / n);
        const counts = segments.map((s) => inWindow.filter((t) => t >= s.lo && t < s.hi).length);
        counts.slice(0, -1).forEach((c, i) => assert.ok(c <= share || groups.some((g) => g > share), `file ${i}: ${c} versions, share ${share}`));
        assert.equal(counts.reduce((x, y) => x + y, 0), inWindow.length);
      }
    },
  ), { numRuns: 150 });
});

test('incremental plan: 10,000 changes at 1 KB and 1 MB a file make 10 files of about 1,000 versions each', async () => {
  const { segments, inWindow } = await plan(Array.from({ length: 10_000 }, () => 1), 1000, 1000 + 10 * 10_000, 1000, 1_000_000, 512);
  assert.equal(inWindow.length, 10_000);
  assert.equal(segments.length, 10);
  const counts = segments.map((s) => inWindow.filter((t) => t >= s.lo && t < s.hi).length);
  assert.ok(counts.every((c) => c >= 900 && c <= 1100), counts.join(' '));
});
