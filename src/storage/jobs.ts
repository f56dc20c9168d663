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
}

export interface JobStore {
  putJob(job: StoredJob): void;
  getJob(kind: string, id: string): StoredJob | undefined;
  /** Jobs of one kind for an account and region, ordered by id descending, after `before` when given. */
  listJobs(kind: string, account: string, region: string, opts: { owner?: string; before?: string; limit: number; since?: number }): StoredJob[];
  /** Jobs of one kind in any of the given states' JSON (for restart recovery). */
  unfinishedJobs(kind: string, isUnfinished: (state: string) => boolean): StoredJob[];
  deleteJobsOlderThan(kind: string, createdBefore: number): number;
}
