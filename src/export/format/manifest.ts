/**
 * Export manifests, byte for byte as AWS writes them (spec sections 2 and 3).
 *
 * - manifest-files.json: JSON Lines, keys `itemCount, md5Checksum, etag, dataFileS3Key`, every line
 *   (the last one too) ends in "\n".
 * - manifest-summary.json: compact JSON, fixed key order, absent values as null, times as
 *   `YYYY-MM-DDTHH:MM:SS.mmmZ`, no trailing newline. Full exports: version 2020-06-30 and no
 *   exportType/outputView keys. Incremental exports: version 2023-08-01, exportFromTime/exportToTime
 *   instead of exportTime, then outputView and exportType.
 * - *.md5: base64(MD5(exact bytes of the json file)), 24 bytes, no newline.
 */
import { createHash } from 'node:crypto';
import type { ExportViewType } from './ddb-json.js';
import type { ExportFormat } from './names.js';

export const FULL_SUMMARY_VERSION = '2020-06-30';
export const INCREMENTAL_SUMMARY_VERSION = '2023-08-01';

/** Billed size AWS reports for incremental exports: the 10 MB (decimal) minimum charge. */
export const INCREMENTAL_MIN_BILLED_BYTES = 10_000_000;

/** Summary value of s3SseAlgorithm (the export API's enum, not S3's header value). */
export type SummarySseAlgorithm = 'AES256' | 'KMS';

export interface ManifestFileEntry {
  itemCount: number;
  md5Checksum: string;
  etag: string;
  dataFileS3Key: string;
}

/** base64(MD5(bytes)): the content of a `.md5` file. */
export function md5Base64(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

/** A time as AWS writes it in summaries: UTC, exactly 3 fractional digits. Numbers are epoch ms. */
export function summaryTime(t: Date | number): string {
  const d = typeof t === 'number' ? new Date(t) : t;
  if (Number.isNaN(d.getTime())) throw new Error('invalid time');
  return d.toISOString();
}

/** One manifest-files.json line, "\n" included. */
export function manifestFilesLine(e: ManifestFileEntry): string {
  return (
    JSON.stringify({ itemCount: e.itemCount, md5Checksum: e.md5Checksum, etag: e.etag, dataFileS3Key: e.dataFileS3Key }) + '\n'
  );
}

/** Whole manifest-files.json text (empty string for no files). */
export function manifestFilesJson(entries: Iterable<ManifestFileEntry>): string {
  let s = '';
  for (const e of entries) s += manifestFilesLine(e);
  return s;
}

interface SummaryCommon {
  exportArn: string;
  startTime: Date | number;
  endTime: Date | number;
  tableArn: string;
  tableId: string;
  s3Bucket: string;
  /** The prefix exactly as requested; null when none. */
  s3Prefix: string | null;
  /** AES256 when the request named none. */
  s3SseAlgorithm: SummarySseAlgorithm;
  s3SseKmsKeyId: string | null;
  /** Full key of manifest-files.json, prefix included. */
  manifestFilesS3Key: string;
  billedSizeBytes: number;
  /** Sum of the manifest-files itemCounts. */
  itemCount: number;
  outputFormat: ExportFormat;
}

export interface FullSummaryInput extends SummaryCommon {
  exportTime: Date | number;
}

export interface IncrementalSummaryInput extends SummaryCommon {
  exportFromTime: Date | number;
  exportToTime: Date | number;
  outputView: ExportViewType;
}

/** manifest-summary.json of a full export (no trailing newline). */
export function fullManifestSummary(s: FullSummaryInput): string {
  return JSON.stringify({
    version: FULL_SUMMARY_VERSION,
    exportArn: s.exportArn,
    startTime: summaryTime(s.startTime),
    endTime: summaryTime(s.endTime),
    tableArn: s.tableArn,
    tableId: s.tableId,
    exportTime: summaryTime(s.exportTime),
    s3Bucket: s.s3Bucket,
    s3Prefix: s.s3Prefix ?? null,
    s3SseAlgorithm: s.s3SseAlgorithm,
    s3SseKmsKeyId: s.s3SseKmsKeyId ?? null,
    manifestFilesS3Key: s.manifestFilesS3Key,
    billedSizeBytes: s.billedSizeBytes,
    itemCount: s.itemCount,
    outputFormat: s.outputFormat,
  });
}

/** manifest-summary.json of an incremental export (no trailing newline). */
export function incrementalManifestSummary(s: IncrementalSummaryInput): string {
  return JSON.stringify({
    version: INCREMENTAL_SUMMARY_VERSION,
    exportArn: s.exportArn,
    startTime: summaryTime(s.startTime),
    endTime: summaryTime(s.endTime),
    tableArn: s.tableArn,
    tableId: s.tableId,
    exportFromTime: summaryTime(s.exportFromTime),
    exportToTime: summaryTime(s.exportToTime),
    s3Bucket: s.s3Bucket,
    s3Prefix: s.s3Prefix ?? null,
    s3SseAlgorithm: s.s3SseAlgorithm,
    s3SseKmsKeyId: s.s3SseKmsKeyId ?? null,
    manifestFilesS3Key: s.manifestFilesS3Key,
    billedSizeBytes: s.billedSizeBytes,
    itemCount: s.itemCount,
    outputFormat: s.outputFormat,
    outputView: s.outputView,
    exportType: 'INCREMENTAL_EXPORT',
  });
}

/** Key order of each summary kind, for checking files read back. */
export const FULL_SUMMARY_KEYS = [
  'version', 'exportArn', 'startTime', 'endTime', 'tableArn', 'tableId', 'exportTime', 's3Bucket', 's3Prefix',
  's3SseAlgorithm', 's3SseKmsKeyId', 'manifestFilesS3Key', 'billedSizeBytes', 'itemCount', 'outputFormat',
] as const;

export const INCREMENTAL_SUMMARY_KEYS = [
  'version', 'exportArn', 'startTime', 'endTime', 'tableArn', 'tableId', 'exportFromTime', 'exportToTime', 's3Bucket',
  's3Prefix', 's3SseAlgorithm', 's3SseKmsKeyId', 'manifestFilesS3Key', 'billedSizeBytes', 'itemCount', 'outputFormat',
  'outputView', 'exportType',
] as const;

export const MANIFEST_FILE_KEYS = ['itemCount', 'md5Checksum', 'etag', 'dataFileS3Key'] as const;
