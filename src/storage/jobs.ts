/**
 * Background job records (exports, RDS export tasks): a JSON state per job, addressed by id, listed
 * per account and region, newest first. Kept apart from the item Store so job kinds can evolve alone.
 */
export interface StoredJob {
  id: string;
  kind: string;
  account: string;
  region: string;
  /** What the job belongs to (a table ARN, a source ARN): the filter ListExports offers. */
  owner: string;
  /** Milliseconds since the epoch, for ordering and retention. */
  createdAt: number;
  state: string;
  /** The job's status (e.g. IN_PROGRESS), kept beside the JSON so it can be counted from an index. */
  status?: string;
  /** The caller's idempotency token (an export's ClientToken), kept beside the JSON so it can be looked up from an index. */
  token?: string;
}

export interface JobStore {
  putJob(job: StoredJob): void;
  getJob(kind: string, id: string): StoredJob | undefined;
  /** Jobs of one kind for an account and region, ordered by id descending, after `before` when given. */
  listJobs(kind: string, account: string, region: string, opts: { owner?: string; before?: string; limit: number; since?: number }): StoredJob[];
  /** Jobs of one kind for an account and region carrying `token`, created at or after `since`, newest first (an index query). */
  jobsByToken(kind: string, account: string, region: string, token: string, since: number): StoredJob[];
  /** How many jobs of one kind an account and region have in `status` (an index query, no state parsed). */
  countJobs(kind: string, account: string, region: string, status: string): number;
  /** Jobs of one kind in any of the given states' JSON (for restart recovery). */
  unfinishedJobs(kind: string, isUnfinished: (state: string) => boolean): StoredJob[];
  deleteJobsOlderThan(kind: string, createdBefore: number): number;
}
