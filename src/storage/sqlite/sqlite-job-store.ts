import type Database from 'better-sqlite3';
import type { JobStore, StoredJob } from '../jobs.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS jobs_by_account ON jobs (kind, account, region, id);
`;

type Row = { kind: string; id: string; account: string; region: string; owner: string; created_at: number; state: string };

function toJob(r: Row): StoredJob {
  return { kind: r.kind, id: r.id, account: r.account, region: r.region, owner: r.owner, createdAt: r.created_at, state: r.state };
}

export class SqliteJobStore implements JobStore {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  putJob(job: StoredJob): void {
    this.db
      .prepare('INSERT OR REPLACE INTO jobs(kind, id, account, region, owner, created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(job.kind, job.id, job.account, job.region, job.owner, job.createdAt, job.state);
  }

  getJob(kind: string, id: string): StoredJob | undefined {
    const r = this.db.prepare('SELECT * FROM jobs WHERE kind = ? AND id = ?').get(kind, id) as Row | undefined;
    return r ? toJob(r) : undefined;
  }

  listJobs(kind: string, account: string, region: string, opts: { owner?: string; before?: string; limit: number; since?: number }): StoredJob[] {
    const where = ['kind = ?', 'account = ?', 'region = ?'];
    const args: unknown[] = [kind, account, region];
    if (opts.owner !== undefined) { where.push('owner = ?'); args.push(opts.owner); }
    if (opts.before !== undefined) { where.push('id < ?'); args.push(opts.before); }
    if (opts.since !== undefined) { where.push('created_at >= ?'); args.push(opts.since); }
    args.push(opts.limit);
    const rows = this.db.prepare(`SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...args) as Row[];
    return rows.map(toJob);
  }

  unfinishedJobs(kind: string, isUnfinished: (state: string) => boolean): StoredJob[] {
    const rows = this.db.prepare('SELECT * FROM jobs WHERE kind = ?').all(kind) as Row[];
    return rows.filter((r) => isUnfinished(r.state)).map(toJob);
  }

  deleteJobsOlderThan(kind: string, createdBefore: number): number {
    return this.db.prepare('DELETE FROM jobs WHERE kind = ? AND created_at < ?').run(kind, createdBefore).changes;
  }
}
