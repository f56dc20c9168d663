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
  status TEXT,
  PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS jobs_by_account ON jobs (kind, account, region, id);
`;

// After the status and token columns exist (databases written before them get them added and back-filled).
const COLUMN_INDEXES = `CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (kind, account, region, status);
CREATE INDEX IF NOT EXISTS jobs_by_token ON jobs (kind, account, region, token, id);`;

type Row = { kind: string; id: string; account: string; region: string; owner: string; created_at: number; state: string; status: string | null; token: string | null };

function toJob(r: Row): StoredJob {
  const job: StoredJob = { kind: r.kind, id: r.id, account: r.account, region: r.region, owner: r.owner, createdAt: r.created_at, state: r.state };
  if (r.status !== null) job.status = r.status;
  if (r.token !== null) job.token = r.token;
  return job;
}

export class SqliteJobStore implements JobStore {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    const columns = db.prepare('PRAGMA table_info(jobs)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'status')) {
      // A data directory from before the column. DynamoDB exports, the one kind counted by status, keep
      // it in their JSON state as ExportStatus; other kinds leave the column empty, as they write it.
      db.exec(`ALTER TABLE jobs ADD COLUMN status TEXT;
        UPDATE jobs SET status = json_extract(state, '$.ExportStatus');`);
    }
    if (!columns.some((c) => c.name === 'token')) {
      // Likewise for the token: DynamoDB exports, the one kind with a token, keep it as ClientToken.
      db.exec(`ALTER TABLE jobs ADD COLUMN token TEXT;
        UPDATE jobs SET token = json_extract(state, '$.ClientToken');`);
    }
    db.exec(COLUMN_INDEXES);
  }

  putJob(job: StoredJob): void {
    this.db
      .prepare('INSERT OR REPLACE INTO jobs(kind, id, account, region, owner, created_at, state, status, token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(job.kind, job.id, job.account, job.region, job.owner, job.createdAt, job.state, job.status ?? null, job.token ?? null);
  }

  jobsByToken(kind: string, account: string, region: string, token: string, since: number): StoredJob[] {
    const rows = this.db
      .prepare('SELECT * FROM jobs WHERE kind = ? AND account = ? AND region = ? AND token = ? AND created_at >= ? ORDER BY id DESC')
      .all(kind, account, region, token, since) as Row[];
    return rows.map(toJob);
  }

  countJobs(kind: string, account: string, region: string, status: string): number {
    const r = this.db.prepare('SELECT COUNT(*) AS n FROM jobs WHERE kind = ? AND account = ? AND region = ? AND status = ?').get(kind, account, region, status) as { n: number };
    return r.n;
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
