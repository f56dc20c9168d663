/** Records of snapshots and export tasks (JSON in the job store) and the ARNs that name them. */
import type { JobStore } from '../storage/jobs.js';
import type { Engine, SkippedTable } from './types.js';

export const DB_SNAPSHOT_JOB = 'rds-db-snapshot';
export const CLUSTER_SNAPSHOT_JOB = 'rds-cluster-snapshot';
export const EXPORT_TASK_JOB = 'rds-export-task';

export type SnapshotKind = 'db' | 'cluster';
export type SnapshotStatus = 'creating' | 'available' | 'failed' | 'deleted';

export interface SnapshotState {
  kind: SnapshotKind;
  identifier: string;
  /** DB instance or DB cluster identifier. */
  sourceId: string;
  /** Directory name under the snapshot root. */
  uid: string;
  status: SnapshotStatus;
  /** When the consistent snapshot was taken (ms). */
  createTime: number;
  engine: Engine;
  engineVersion: string;
  port: number;
  masterUsername: string;
  sourceCreateTime: number;
  percentProgress: number;
  /** Bytes of table data in the snapshot (values, uncompressed) and on disk. */
  dataBytes: number;
  fileBytes: number;
  estimatedBytes: number;
  tags: { Key: string; Value: string }[];
  failure?: string;
}

export type ExportStatus = 'STARTING' | 'IN_PROGRESS' | 'COMPLETE' | 'FAILED' | 'CANCELING' | 'CANCELED';

export interface ExportTaskState {
  ExportTaskIdentifier: string;
  SourceArn: string;
  ExportOnly?: string[];
  SnapshotTime: number;
  TaskStartTime?: number;
  TaskEndTime?: number;
  S3Bucket: string;
  S3Prefix: string;
  IamRoleArn: string;
  KmsKeyId: string;
  Status: ExportStatus;
  PercentProgress: number;
  TotalExtractedDataInGB: number;
  FailureCause?: string;
  WarningMessage?: string;
  SourceType: 'SNAPSHOT' | 'CLUSTER';
  /** Internal: where the data comes from and who asked. */
  source: { type: 'snapshot' | 'cluster-snapshot' | 'cluster'; id: string; uid?: string };
  engine: Engine;
  accessKeyId: string;
  createdAt: number;
  extractedBytes: number;
  skipped?: SkippedTable[];
}

export function jobId(account: string, region: string, identifier: string): string {
  return `${account}:${region}:${identifier}`;
}

export function loadJob<T>(jobs: JobStore, kind: string, account: string, region: string, identifier: string): T | undefined {
  const j = jobs.getJob(kind, jobId(account, region, identifier));
  return j ? (JSON.parse(j.state) as T) : undefined;
}

export function saveJob(jobs: JobStore, kind: string, account: string, region: string, identifier: string, owner: string, createdAt: number, state: unknown): void {
  jobs.putJob({ id: jobId(account, region, identifier), kind, account, region, owner, createdAt, state: JSON.stringify(state) });
}

export function listJobStates<T>(jobs: JobStore, kind: string, account: string, region: string): T[] {
  return jobs.listJobs(kind, account, region, { limit: 1_000_000 }).map((j) => JSON.parse(j.state) as T);
}

export function instanceArn(region: string, account: string, id: string): string {
  return `arn:aws:rds:${region}:${account}:db:${id}`;
}
export function clusterArn(region: string, account: string, id: string): string {
  return `arn:aws:rds:${region}:${account}:cluster:${id}`;
}
export function snapshotArn(region: string, account: string, kind: SnapshotKind, id: string): string {
  return `arn:aws:rds:${region}:${account}:${kind === 'db' ? 'snapshot' : 'cluster-snapshot'}:${id}`;
}

export interface RdsArn {
  region: string;
  account: string;
  resourceType: string;
  /** Everything after the resource type (automated snapshot names contain a colon). */
  name: string;
}

/** Splits at most 6 times on ':' (as moto's split_arn), so `snapshot:rds:name-2019-...` keeps its colon. */
export function parseRdsArn(arn: string): RdsArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'rds') return undefined;
  return { region: parts[3]!, account: parts[4]!, resourceType: parts[5]!, name: parts.slice(6).join(':') };
}
