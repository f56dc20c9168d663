import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { IndexPosition, IndexRead, KeyRef, Position, RangeRead } from '../../src/storage/store.js';

function ref(table: number, k: { h: number; pk: number; sk: number }): KeyRef {
  // Keys of different lengths and a 0xff byte, so hex boundaries and byte order both matter.
  return { table, h: k.h, pk: Buffer.from(k.pk === 3 ? [0xff, 1] : [k.pk]), sk: k.sk === 0 ? Buffer.alloc(0) : Buffer.from([k.sk, 0]) };
}

/** Every page of a read, following `last` (readImages) or the last item's key (readRange). */
function pagesOf(store: SqliteStore, read: RangeRead, lean: boolean): { json: string; size: number }[][] {
  const pages: { json: string; size: number }[][] = [];
  let after: Position | undefined;
  for (let n = 0; n < 200; n++) {
    if (lean) {
      const page = store.readImages({ ...read, after });
      pages.push(page.items);
      assert.equal(page.last !== undefined, page.truncated, 'last is set exactly when the page is truncated');
      if (!page.truncated) return pages;
      after = page.last;
    } else {
      const page = store.readRange({ ...read, after });
      pages.push(page.items.map((i) => ({ json: i.json!, size: i.size })));
      const last = page.items[page.items.length - 1];
      if (!page.truncated || !last) return pages;
      after = { h: last.h, pk: last.pk, sk: last.sk };
    }
  }
  throw new Error('the read did not end');
}

test('readImages pages exactly as readRange does: newest images only, tombstones hidden, as of T, both directions', () => {
  const key = fc.record({ h: fc.integer({ min: 0, max: 2 }), pk: fc.integer({ min: 0, max: 3 }), sk: fc.integer({ min: 0, max: 3 }) });
  fc.assert(
    fc.property(
      fc.array(fc.record({ key, value: fc.option(fc.integer({ min: 0, max: 99 }), { nil: null }) }), { minLength: 1, maxLength: 50 }),
      fc.record({
        asOf: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        maxBytes: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        forward: fc.boolean(),
        partition: fc.option(key, { nil: undefined }),
        hashRange: fc.option(fc.constantFrom<[number, number]>([0, 1], [1, 3], [0, 3]), { nil: undefined }),
      }),
      (writes, q) => {
        let ts = 1000;
        const store = new SqliteStore(':memory:', () => (ts += 10));
        try {
          const t = store.createTable('a', 'r', 't', '{}')!.uid;
          const other = store.createTable('a', 'r', 'u', '{}')!.uid;
          for (const w of writes) {
            const json = w.value === null ? null : JSON.stringify({ v: w.value });
            const size = json ? 3 + (w.value ?? 0) % 7 : 0;
            store.mutate([], () => ({ writes: [{ ref: ref(t, w.key), json, size, indexDeletes: [], indexPuts: [] }], result: undefined }));
            store.mutate([], () => ({ writes: [{ ref: ref(other, w.key), json: '{"other":1}', size: 1, indexDeletes: [], indexPuts: [] }], result: undefined }));
          }
          const read: RangeRead = {
            table: t, forward: q.forward, limit: q.limit, maxBytes: q.maxBytes,
            asOf: q.asOf === undefined ? undefined : 1000 + q.asOf * 10,
          };
          if (q.partition) {
            const r = ref(t, q.partition);
            read.partition = { h: r.h, pk: r.pk, low: { value: Buffer.from([1]), inclusive: true } };
          } else if (q.hashRange) {
            read.hashRange = q.hashRange;
            read.forward = true; // a scan reads forward only
          }
          assert.deepEqual(pagesOf(store, read, true), pagesOf(store, read, false));
        } finally {
          store.close();
        }
      },
    ),
    { numRuns: 400 },
  );
});

/** Every page of an index read, following `last` (readIndexImages) or the last entry's keys (readIndex). */
function indexPagesOf(store: SqliteStore, read: IndexRead, lean: boolean): { json: string; size: number }[][] {
  const pages: { json: string; size: number }[][] = [];
  let after: IndexPosition | undefined;
  for (let n = 0; n < 200; n++) {
    if (lean) {
      const page = store.readIndexImages({ ...read, after });
      pages.push(page.items);
      assert.equal(page.last !== undefined, page.truncated, 'last is set exactly when the page is truncated');
      if (!page.truncated) return pages;
      after = page.last;
    } else {
      const page = store.readIndex({ ...read, after });
      pages.push(page.items.map((i) => ({ json: i.json, size: i.size })));
      const last = page.items[page.items.length - 1];
      if (!page.truncated || !last) return pages;
      after = { ih: last.ih, ipk: last.ipk, isk: last.isk, pk: last.pk, sk: last.sk };
    }
  }
  throw new Error('the read did not end');
}

test('readIndexImages pages exactly as readIndex does, in both directions, by partition and by hash range', () => {
  const byte = (n: number): Buffer => (n === 0 ? Buffer.alloc(0) : n === 3 ? Buffer.from([0xff, 1]) : Buffer.from([n]));
  const entry = fc.record({ ih: fc.integer({ min: 0, max: 2 }), ipk: fc.integer({ min: 0, max: 3 }), isk: fc.integer({ min: 0, max: 3 }), pk: fc.integer({ min: 0, max: 3 }), sk: fc.integer({ min: 0, max: 3 }), v: fc.integer({ min: 0, max: 99 }) });
  fc.assert(
    fc.property(
      fc.array(entry, { minLength: 1, maxLength: 40 }),
      fc.record({
        limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        maxBytes: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        forward: fc.boolean(),
        partition: fc.option(fc.record({ ih: fc.integer({ min: 0, max: 2 }), ipk: fc.integer({ min: 0, max: 3 }) }), { nil: undefined }),
        hashRange: fc.option(fc.constantFrom<[number, number]>([0, 1], [1, 3], [0, 3]), { nil: undefined }),
      }),
      (entries, q) => {
        const store = new SqliteStore(':memory:', () => 1000);
        try {
          const t = store.createTable('a', 'r', 't', '{}')!.uid;
          const put = (index: string) => store.putIndexEntries(t, entries.map((e) => ({
            index, ih: e.ih, ipk: byte(e.ipk), isk: byte(e.isk), h: 1, pk: byte(e.pk), sk: byte(e.sk), json: JSON.stringify({ v: e.v, index }), size: 3 + (e.v % 7),
          })));
          put('g');
          put('other');
          const read: IndexRead = { table: t, index: 'g', forward: q.forward, limit: q.limit, maxBytes: q.maxBytes };
          if (q.partition) read.partition = { ih: q.partition.ih, ipk: byte(q.partition.ipk), high: { value: Buffer.from([2]), inclusive: true } };
          else {
            read.hashRange = q.hashRange;
            read.forward = true;
          }
          assert.deepEqual(indexPagesOf(store, read, true), indexPagesOf(store, read, false));
        } finally {
          store.close();
        }
      },
    ),
    { numRuns: 400 },
  );
});
