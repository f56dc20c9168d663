/**
 * Names and S3 keys of a DynamoDB export, exactly as AWS lays them out
 * (spec: shared/spec/dynamodb-export-format.md, sections 1, 4.1 and 6).
 *
 *   full:        <prefix>/AWSDynamoDB/<ExportId>/data/<name>.json.gz
 *   incremental: <prefix>/AWSDynamoDB/data/<name>.json.gz   (shared folder, no ExportId)
 *   both:        <prefix>/AWSDynamoDB/<ExportId>/{_started, manifest-files.json, manifest-files.md5,
 *                                                 manifest-summary.json, manifest-summary.md5}
 *
 * Prefix rules (Strata's decision; AWS behaviour for a trailing `/` is unconfirmed): no prefix (null,
 * undefined or '') means keys start with `AWSDynamoDB/` (no leading slash). Trailing slashes of a
 * prefix are dropped before joining, so `exports/` and `exports` both give `exports/AWSDynamoDB/...`
 * and no key ever contains `//` at the join. A prefix made only of slashes counts as no prefix. The
 * manifest summary still reports `s3Prefix` exactly as the request sent it.
 */
import { randomBytes } from 'node:crypto';

export type ExportFormat = 'DYNAMODB_JSON' | 'ION';
export type ExportType = 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lowercase, without padding. */
export function base32Lower(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** File extension of a data file for an export format. */
export function dataFileExtension(format: ExportFormat): '.json.gz' | '.ion.gz' {
  return format === 'ION' ? '.ion.gz' : '.json.gz';
}

/**
 * A data file name: base32 of 16 random bytes (26 chars of [a-z2-7]) plus `.json.gz` / `.ion.gz`.
 * `random` may be given (16 bytes) for deterministic tests.
 */
export function dataFileName(format: ExportFormat, random?: Uint8Array): string {
  const bytes = random ?? randomBytes(16);
  if (bytes.length !== 16) throw new Error('dataFileName needs 16 random bytes');
  return base32Lower(bytes) + dataFileExtension(format);
}

/**
 * ExportId `<14-digit zero-padded epoch ms of StartTime>-<8 lowercase hex>`, e.g. `01768385930622-efd1a093`.
 * `suffix` (8 lowercase hex chars) may be given for deterministic tests.
 */
export function makeExportId(startTime: Date | number, suffix?: string): string {
  const ms = typeof startTime === 'number' ? startTime : startTime.getTime();
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`invalid export start time: ${ms}`);
  const tail = suffix ?? randomBytes(4).toString('hex');
  if (!/^[0-9a-f]{8}$/.test(tail)) throw new Error(`invalid export id suffix: ${tail}`);
  return `${String(ms).padStart(14, '0')}-${tail}`;
}

/** True for a well-formed ExportId. */
export function isExportId(id: string): boolean {
  return /^\d{14}-[0-9a-f]{8}$/.test(id);
}

/** `arn:<partition>:dynamodb:<region>:<account>:table/<TableName>/export/<ExportId>`. */
export function makeExportArn(region: string, account: string, tableName: string, exportId: string, partition = 'aws'): string {
  return `arn:${partition}:dynamodb:${region}:${account}:table/${tableName}/export/${exportId}`;
}

/** `arn:<partition>:dynamodb:<region>:<account>:table/<TableName>`. */
export function makeTableArn(region: string, account: string, tableName: string, partition = 'aws'): string {
  return `arn:${partition}:dynamodb:${region}:${account}:table/${tableName}`;
}

export interface ParsedExportArn {
  partition: string;
  region: string;
  account: string;
  tableName: string;
  exportId: string;
  tableArn: string;
}

/** Parses an ExportArn; null when it is not one. */
export function parseExportArn(arn: string): ParsedExportArn | null {
  const m = /^arn:([^:]+):dynamodb:([^:]+):([^:]+):table\/([^/]+)\/export\/([^/]+)$/.exec(arn);
  if (!m) return null;
  const [, partition, region, account, tableName, exportId] = m as unknown as [string, string, string, string, string, string];
  return { partition, region, account, tableName, exportId, tableArn: `arn:${partition}:dynamodb:${region}:${account}:table/${tableName}` };
}

/** The prefix as used in keys: '' for none, else the prefix without trailing slashes. */
export function normalizePrefix(s3Prefix: string | null | undefined): string {
  if (s3Prefix === null || s3Prefix === undefined) return '';
  return s3Prefix.replace(/\/+$/, '');
}

function join(prefix: string | null | undefined, rest: string): string {
  const p = normalizePrefix(prefix);
  return p === '' ? rest : `${p}/${rest}`;
}

/** All keys of one export (data file keys come from {@link dataFileKey}). */
export interface ExportKeys {
  /** `<prefix>/AWSDynamoDB/<ExportId>` (no trailing slash). */
  exportDir: string;
  started: string;
  manifestFiles: string;
  manifestFilesMd5: string;
  manifestSummary: string;
  manifestSummaryMd5: string;
  /** Folder the data files go to, with a trailing slash. */
  dataDir: string;
}

export function exportKeys(s3Prefix: string | null | undefined, exportId: string, exportType: ExportType = 'FULL_EXPORT'): ExportKeys {
  const exportDir = join(s3Prefix, `AWSDynamoDB/${exportId}`);
  return {
    exportDir,
    started: `${exportDir}/_started`,
    manifestFiles: `${exportDir}/manifest-files.json`,
    manifestFilesMd5: `${exportDir}/manifest-files.md5`,
    manifestSummary: `${exportDir}/manifest-summary.json`,
    manifestSummaryMd5: `${exportDir}/manifest-summary.md5`,
    dataDir: exportType === 'INCREMENTAL_EXPORT' ? join(s3Prefix, 'AWSDynamoDB/data/') : `${exportDir}/data/`,
  };
}

/** Full S3 key of a data file: full exports under the export's folder, incremental under the shared `AWSDynamoDB/data/`. */
export function dataFileKey(s3Prefix: string | null | undefined, exportId: string, exportType: ExportType, fileName: string): string {
  return exportKeys(s3Prefix, exportId, exportType).dataDir + fileName;
}
