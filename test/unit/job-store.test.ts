import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteJobStore } from '../../src/storage/sqlite/sqlite-job-store.js';
import type { StoredJob } from '../../src/storage/jobs.js';

const job = (id: string, over: Partial<StoredJob> = {}): StoredJob => ({
  kind: 'export', id, account: '111111111111', region: 'us-east-1', owner: 'table', createdAt: 1000, state: '{}', ...over,
});

describe('SqliteJobStore', () => {
  it('finds the jobs of a token from its index, per account and region, newest first, not before `since`', () => {
    const store = new SqliteJobStore(new Database(':memory:'));
    store.putJob(job('a1', { token: 'tok' }));
    store.putJob(job('a2', { token: 'tok', createdAt: 2000 }));
    store.putJob(job('a3', { token: 'other' }));
    store.putJob(job('a4'));
    store.putJob(job('b1', { token: 'tok', account: '222222222222' }));
    store.putJob(job('c1', { token: 'tok', region: 'eu-west-1' }));
    store.putJob(job('d1', { token: 'tok', kind: 'rds-export' }));
    assert.deepEqual(store.jobsByToken('export', '111111111111', 'us-east-1', 'tok', 0).map((j) => j.id), ['a2', 'a1']);
    assert.deepEqual(store.jobsByToken('export', '111111111111', 'us-east-1', 'tok', 1500).map((j) => j.id), ['a2']);
    assert.deepEqual(store.jobsByToken('export', '111111111111', 'us-east-1', 'nope', 0), []);
    assert.equal(store.jobsByToken('export', '111111111111', 'us-east-1', 'tok', 0)[0]!.token, 'tok');
    assert.equal(store.getJob('export', 'a4')!.token, undefined);
  });

  it('looks tokens up through the index, not a scan of the jobs', () => {
    const db = new Database(':memory:');
    new SqliteJobStore(db);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM jobs WHERE kind = ? AND account = ? AND region = ? AND token = ? AND created_at >= ? ORDER BY id DESC").all('e', 'a', 'r', 't', 0) as Array<{ detail: string }>;
    assert.match(plan.map((p) => p.detail).join('\n'), /USING INDEX jobs_by_token/);
  });

  it('adds the status and token columns to a file written before them, filled from the JSON states', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE jobs (kind TEXT NOT NULL, id TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, owner TEXT NOT NULL,
      created_at INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (kind, id));`);
    const insert = db.prepare('INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?)');
    insert.run('export', 'e1', '111111111111', 'us-east-1', 'table', 1000, JSON.stringify({ ExportStatus: 'COMPLETED', ClientToken: 'old-token' }));
    insert.run('rds-export', 'r1', '111111111111', 'us-east-1', 'cluster', 1000, JSON.stringify({ Status: 'COMPLETE' }));
    const store = new SqliteJobStore(db);
    assert.deepEqual(store.jobsByToken('export', '111111111111', 'us-east-1', 'old-token', 0).map((j) => j.id), ['e1']);
    assert.equal(store.getJob('export', 'e1')!.status, 'COMPLETED');
    assert.equal(store.getJob('rds-export', 'r1')!.token, undefined);
    // Opening it again changes nothing.
    new SqliteJobStore(db);
    assert.equal(store.jobsByToken('export', '111111111111', 'us-east-1', 'old-token', 0).length, 1);
  });
});
