import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

describe('SqliteStore storage layout', () => {
  it('refuses a file written with the previous layout (items inside the version log) with the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-layout-'));
    try {
      const path = join(dir, 'strata.db');
      const old = new Database(path);
      old.exec(`CREATE TABLE versions (t INTEGER NOT NULL, h INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, ts INTEGER NOT NULL,
        item TEXT, size INTEGER NOT NULL, PRIMARY KEY (t, h, pk, sk, ts)) WITHOUT ROWID;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
      old.close();
      assert.throws(() => new SqliteStore(path, () => 1), /written with storage layout 1; this build reads layout 2 only/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second store on a data directory that is open, and opens it once the first is closed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-layout-'));
    try {
      const path = join(dir, 'strata.db');
      const a = new SqliteStore(path, () => 1);
      assert.throws(() => new SqliteStore(path, () => 1), /strata\.db is in use: another Strata server has this data directory open/);
      assert.equal(a.createTable('acct', 'us-east-1', 't', '{}')?.name, 't', 'the first store still works');
      a.close();
      const b = new SqliteStore(path, () => 1);
      assert.equal(b.getTable('acct', 'us-east-1', 't')?.name, 't');
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reopens a file of its own layout, keeping images and versions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-layout-'));
    try {
      const path = join(dir, 'strata.db');
      let ts = 100;
      const a = new SqliteStore(path, () => (ts += 10));
      const t = a.createTable('acct', 'us-east-1', 't', '{}')!;
      const ref = { table: t.uid, h: 7, pk: Buffer.from('k'), sk: Buffer.alloc(0) };
      a.mutate([ref], () => ({ writes: [{ ref, json: '{"k":{"S":"k"}}', size: 2, indexDeletes: [], indexPuts: [] }], result: undefined }));
      a.mutate([ref], () => ({ writes: [{ ref, json: null, size: 0, indexDeletes: [], indexPuts: [] }], result: undefined }));
      a.close();
      const b = new SqliteStore(path, () => (ts += 10));
      assert.equal(b.getItem(ref), undefined);
      assert.equal(b.getItem(ref, 110)?.json, '{"k":{"S":"k"}}');
      assert.equal(b.getVersion(ref, 1000)?.json, null);
      assert.deepEqual(b.versionStats(t.uid), { versions: 2, bytes: 15 + 1 + 16 + 1 + 16 });
      // Retention drops the old image with its version (the trigger), the tombstone with it.
      b.compactVersions(t.uid, 1000, 10);
      assert.deepEqual(b.versionStats(t.uid), { versions: 0, bytes: 0 });
      assert.equal(b.db.prepare('SELECT count(*) FROM images').pluck().get(), 0);
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps index entries\' images in images, dropping one when its entry is replaced or deleted', () => {
    let ts = 100;
    const store = new SqliteStore(':memory:', () => (ts += 10));
    const t = store.createTable('acct', 'us-east-1', 't', '{}')!;
    const ref = { table: t.uid, h: 7, pk: Buffer.from('k'), sk: Buffer.alloc(0) };
    const entry = (json: string) => ({ index: 'g', ih: 3, ipk: Buffer.from('x'), isk: Buffer.alloc(0), json, size: 1 });
    const images = (): unknown => store.db.prepare('SELECT count(*) FROM images').pluck().get();
    store.mutate([ref], () => ({ writes: [{ ref, json: '{"a":1}', size: 1, indexDeletes: [], indexPuts: [entry('{"g":1}')] }], result: undefined }));
    store.mutate([ref], () => ({ writes: [{ ref, json: '{"a":2}', size: 1, indexDeletes: [], indexPuts: [entry('{"g":2}')] }], result: undefined }));
    assert.equal(images(), 3); // two versions, one index entry
    assert.deepEqual(store.readIndex({ table: t.uid, index: 'g', forward: true }).items.map((i) => i.json), ['{"g":2}']);
    store.putIndexEntries(t.uid, [{ ...entry('{"g":3}'), h: 7, pk: ref.pk, sk: ref.sk }]);
    assert.equal(images(), 3);
    store.dropIndex(t.uid, 'g');
    assert.equal(images(), 2);
    store.close();
  });
});
