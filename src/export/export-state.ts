import type { ExportFormat, ExportType } from './format/names.js';
import type { ManifestFileEntry } from './format/manifest.js';

export type ExportStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
export type ExportViewType = 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';

/**
 * One unit of parallel work, written to one data file: for a full export a contiguous range of partition
 * hashes [lo, hi); for an incremental one a sub-window of commit times [lo, hi) in microseconds (the file
 * holds the keys whose last write in the export's window falls in it).
 */
export interface SegmentState {
  lo: number;
  hi: number;
  /** The data file's name, chosen and saved before it is written: a redo after a crash overwrites the same
   * object instead of leaving a second, unlisted copy (the incremental data folder is shared). */
  name?: string;
  /** Incremental exports: bytes of the changes written to the file (what the export bills). */
  changeBytes?: number;
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
  /** Incremental exports: true once `segments` holds the plan by commit time, made from the changes when
   * the export first runs (an export saved before that plan existed is planned again). */
  planned?: boolean;
  /** Hash of the request parameters, for ClientToken idempotency. */
  requestHash: string;
  /** Who asked, so the runner writes with the caller's identity. */
  accessKeyId: string;
}

export function isUnfinished(state: ExportState): boolean {
  return state.ExportStatus === 'IN_PROGRESS';
}
