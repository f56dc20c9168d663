import type { ExportFormat, ExportType } from './format/names.js';
import type { ManifestFileEntry } from './format/manifest.js';

export type ExportStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
export type ExportViewType = 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';

/** One unit of parallel work: a contiguous range of partition hashes, written to one data file. */
export interface SegmentState {
  lo: number;
  hi: number;
  /** Set once the segment's data file is fully uploaded: the manifest line for it. */
  file?: ManifestFileEntry;
}

/** Everything Strata keeps about one export, persisted as JSON in the job store. */
export interface ExportState {
  ExportArn: string;
  ExportId: string;
  ExportStatus: ExportStatus;
  /** Milliseconds since the epoch. */
  StartTime: number;
  EndTime?: number;
  ExportManifest?: string;
  TableArn: string;
  TableId: string;
  TableName: string;
  /** Full exports: the snapshot time, milliseconds (what AWS reports). */
  ExportTime?: number;
  ClientToken: string;
  S3Bucket: string;
  S3BucketOwner?: string;
  S3Prefix?: string;
  S3SseAlgorithm: 'AES256' | 'KMS';
  S3SseKmsKeyId?: string;
  FailureCode?: string;
  FailureMessage?: string;
  ExportFormat: ExportFormat;
  BilledSizeBytes?: number;
  ItemCount?: number;
  /** What the export is; ExportType is echoed only when the request named it, as AWS does. */
  kind: ExportType;
  exportTypeRequested: boolean;
  IncrementalExportSpecification?: { ExportFromTime: number; ExportToTime: number; ExportViewType: ExportViewType };
  /** The table's store uid and the exact instants in microseconds. Every bound is exclusive above:
   * a full export holds the writes with ts < snapshotMicros, an incremental one those in [from, to), so a
   * full export at T0 plus incremental exports [T0, T1), [T1, T2)... is exactly the full export at Tn. */
  tableUid: number;
  snapshotMicros?: number;
  fromMicros?: number;
  toMicros?: number;
  /** Table size and item count when the export started (full exports bill on the size; progress uses the count). */
  tableSizeBytes: number;
  tableItemCount: number;
  segments: SegmentState[];
  /** Hash of the request parameters, for ClientToken idempotency. */
  requestHash: string;
  /** Who asked, so the runner writes with the caller's identity. */
  accessKeyId: string;
}

export function isUnfinished(state: ExportState): boolean {
  return state.ExportStatus === 'IN_PROGRESS';
}
