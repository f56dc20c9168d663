/**
 * Reads an export back from S3 and checks it against the format spec (used by `strata verify`):
 * manifest-summary.json and its .md5, manifest-files.json and its .md5, `_started`, then every data
 * file, streamed: its MD5 (md5Checksum) and multipart etag (recomputed, see multipart-etag.ts), its gzip framing, every line parsed (DynamoDB
 * JSON or Ion, full or incremental record), line counts against the manifest, and the summary's total.
 *
 * Nothing is held whole in memory except the two manifests; data files are read line by line.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { AttributeValue, Item } from '../../dynamodb/types.js';
import { GZIP_HEADER, onePartEtag } from './data-file.js';
import { candidatePartSizes, MAX_CANDIDATES, MultipartEtagHasher, parseMultipartEtag } from './multipart-etag.js';
import type { ExportViewType } from './ddb-json.js';
import { ionRecordFromLine, type ExportRecord } from './ion.js';
import {
  FULL_SUMMARY_KEYS,
  FULL_SUMMARY_VERSION,
  INCREMENTAL_SUMMARY_KEYS,
  INCREMENTAL_SUMMARY_VERSION,
  MANIFEST_FILE_KEYS,
  md5Base64,
} from './manifest.js';
import type { ExportFormat, ExportType } from './names.js';

export interface VerifyProblem {
  /** Stable machine-readable code, e.g. `Md5Mismatch`, `ItemCountMismatch`, `BadRecord`. */
  code: string;
  message: string;
  /** The S3 key concerned, when there is one. */
  key?: string;
}

export interface VerifiedDataFile {
  key: string;
  /** itemCount the manifest claims. */
  manifestItemCount: number;
  /** Lines actually found. */
  itemCount: number;
  compressedBytes: number;
  uncompressedBytes: number;
  md5Checksum: string;
  etag: string;
  ok: boolean;
}

export interface VerifyReport {
  /** True when no problem was found (warnings do not count). */
  ok: boolean;
  bucket: string;
  /** The export directory checked, `<prefix>/AWSDynamoDB/<ExportId>` (no trailing slash). */
  exportPrefix: string;
  exportArn: string | null;
  exportType: ExportType | null;
  outputFormat: ExportFormat | null;
  outputView: ExportViewType | null;
  /** itemCount in manifest-summary.json. */
  summaryItemCount: number | null;
  /** Records actually found in all data files. */
  itemCount: number;
  dataFiles: VerifiedDataFile[];
  problems: VerifyProblem[];
  /** Deviations that AWS itself has been seen to produce, or that do not break readers. */
  warnings: VerifyProblem[];
}

export interface VerifyOptions {
  /** Most problems reported per data file before its remaining line errors are only counted (default 20). */
  maxLineProblemsPerFile?: number;
}

const DATA_NAME = /^[a-z2-7]{26}\.(json|ion)\.gz$/;

class Missing extends Error {}

function errName(e: unknown): string {
  return e && typeof e === 'object' && 'name' in e ? String((e as { name: unknown }).name) : 'Error';
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function getBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!res.Body) return Buffer.alloc(0);
    return Buffer.from(await res.Body.transformToByteArray());
  } catch (e) {
    if (errName(e) === 'NoSuchKey' || errName(e) === 'NotFound') throw new Missing(key);
    throw e;
  }
}

async function exists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if (errName(e) === 'NotFound' || errName(e) === 'NoSuchKey') return false;
    throw e;
  }
}

// ------------------------------------------------------------------------------------- value checks

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks one DynamoDB wire value; returns a description of the first fault, or null. */
export function checkAttributeValue(v: unknown, path: string, depth = 1): string | null {
  if (depth > 33) return `${path}: nested too deeply`;
  if (!isObject(v)) return `${path}: not an AttributeValue object`;
  const keys = Object.keys(v);
  if (keys.length !== 1) return `${path}: AttributeValue must have exactly one type, has ${keys.length}`;
  const t = keys[0]!;
  const x = v[t];
  const strArray = (pred: (s: string) => boolean, what: string): string | null => {
    if (!Array.isArray(x) || x.length === 0) return `${path}: ${t} must be a non-empty array`;
    for (const e of x) if (typeof e !== 'string' || !pred(e)) return `${path}: ${t} element is not ${what}`;
    if (new Set(x).size !== x.length) return `${path}: ${t} has duplicate elements`;
    return null;
  };
  switch (t) {
    case 'S':
      return typeof x === 'string' ? null : `${path}: S must be a string`;
    case 'N':
      return typeof x === 'string' && NUMBER.test(x) ? null : `${path}: N is not a DynamoDB number text: ${JSON.stringify(x)}`;
    case 'B':
      return typeof x === 'string' && BASE64.test(x) ? null : `${path}: B is not base64`;
    case 'BOOL':
      return typeof x === 'boolean' ? null : `${path}: BOOL must be a boolean`;
    case 'NULL':
      return x === true ? null : `${path}: NULL must be true`;
    case 'SS':
      return strArray(() => true, 'a string');
    case 'NS':
      return strArray((s) => NUMBER.test(s), 'a number text');
    case 'BS':
      return strArray((s) => BASE64.test(s), 'base64');
    case 'L':
      if (!Array.isArray(x)) return `${path}: L must be an array`;
      for (let i = 0; i < x.length; i++) {
        const p = checkAttributeValue(x[i], `${path}[${i}]`, depth + 1);
        if (p) return p;
      }
      return null;
    case 'M':
      return checkItem(x, path, depth + 1);
    default:
      return `${path}: unknown type ${t}`;
  }
}

/** Checks a map of attribute name to wire value. */
export function checkItem(v: unknown, path: string, depth = 1): string | null {
  if (!isObject(v)) return `${path}: must be an object`;
  for (const k of Object.keys(v)) {
    const p = checkAttributeValue(v[k], `${path}.${k}`, depth);
    if (p) return p;
  }
  return null;
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Checks one parsed record (JSON or Ion) for the export kind; returns a description or null.
 * Full: exactly `Item`. Incremental: `Metadata, Keys[, OldImage][, NewImage]` in that order, per view.
 */
export function checkRecord(rec: unknown, exportType: ExportType, view: ExportViewType | null): string | null {
  if (!isObject(rec)) return 'record is not an object';
  const keys = Object.keys(rec);
  if (exportType === 'FULL_EXPORT') {
    if (keys.length !== 1 || keys[0] !== 'Item') return `full-export record must be {"Item":...}, has keys ${keys.join(',')}`;
    const p = checkItem(rec.Item, 'Item');
    if (p) return p;
    if (Object.keys(rec.Item as object).length === 0) return 'Item has no attributes';
    return null;
  }
  const order = ['Metadata', 'Keys', 'OldImage', 'NewImage'];
  let last = -1;
  for (const k of keys) {
    const i = order.indexOf(k);
    if (i < 0) return `unexpected record key ${k}`;
    if (i <= last) return `record keys out of order: ${keys.join(',')}`;
    last = i;
  }
  if (!keys.includes('Metadata') || !keys.includes('Keys')) return 'incremental record needs Metadata and Keys';
  const md = rec.Metadata;
  if (!isObject(md) || Object.keys(md).length !== 1 || !isObject(md.WriteTimestampMicros)) {
    return 'Metadata must be {"WriteTimestampMicros":{"N":"..."}}';
  }
  const ts = md.WriteTimestampMicros;
  if (Object.keys(ts).length !== 1 || typeof ts.N !== 'string' || !/^(0|[1-9]\d*)$/.test(ts.N)) {
    return 'WriteTimestampMicros must be {"N":"<epoch microseconds>"}';
  }
  for (const k of ['Keys', 'OldImage', 'NewImage']) {
    if (k in rec) {
      const p = checkItem(rec[k], k);
      if (p) return p;
    }
  }
  const recKeys = rec.Keys as Item;
  if (Object.keys(recKeys).length === 0 || Object.keys(recKeys).length > 2) return 'Keys must hold the 1 or 2 primary key attributes';
  for (const img of ['OldImage', 'NewImage'] as const) {
    const image = rec[img] as Item | undefined;
    if (!image) continue;
    for (const k of Object.keys(recKeys)) {
      if (!sameValue(image[k], recKeys[k])) return `${img}.${k} does not match Keys.${k}`;
    }
  }
  if (view === 'NEW_IMAGE' && 'OldImage' in rec) return 'NEW_IMAGE export has an OldImage';
  if (view === 'NEW_AND_OLD_IMAGES' && !('OldImage' in rec) && !('NewImage' in rec)) {
    return 'NEW_AND_OLD_IMAGES record has neither OldImage nor NewImage';
  }
  return null;
}

/** Parses one data-file line (without its "\n") in the given format. */
export function parseDataLine(line: string, format: ExportFormat): ExportRecord {
  if (format === 'ION') return ionRecordFromLine(line);
  return JSON.parse(line) as ExportRecord;
}

// ------------------------------------------------------------------------------------------- export

function checkKeyOrder(obj: Record<string, unknown>, expected: readonly string[], what: string, key: string, problems: VerifyProblem[]): void {
  const got = Object.keys(obj);
  if (got.length !== expected.length || got.some((k, i) => k !== expected[i])) {
    problems.push({ code: 'BadKeyOrder', key, message: `${what} keys are [${got.join(', ')}], expected [${expected.join(', ')}]` });
  }
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Verifies the export whose directory is `exportPrefix` (`<prefix>/AWSDynamoDB/<ExportId>`, a trailing
 * slash is allowed) in `bucket`.
 */
export async function verifyExport(client: S3Client, bucket: string, exportPrefix: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const dir = exportPrefix.replace(/\/+$/, '');
  const maxLineProblems = options.maxLineProblemsPerFile ?? 20;
  const report: VerifyReport = {
    ok: false,
    bucket,
    exportPrefix: dir,
    exportArn: null,
    exportType: null,
    outputFormat: null,
    outputView: null,
    summaryItemCount: null,
    itemCount: 0,
    dataFiles: [],
    problems: [],
    warnings: [],
  };
  const problems = report.problems;
  const warnings = report.warnings;
  const finish = (): VerifyReport => {
    report.ok = problems.length === 0;
    return report;
  };
  const exportId = dir.slice(dir.lastIndexOf('/') + 1);
  const awsDir = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  if (!/^\d{14}-[0-9a-f]{8}$/.test(exportId) || !/(^|\/)AWSDynamoDB$/.test(awsDir)) {
    warnings.push({ code: 'UnusualExportPrefix', message: `export directory ${dir} is not of the form <prefix>/AWSDynamoDB/<ExportId>` });
  }

  const read = async (key: string): Promise<Buffer | null> => {
    try {
      return await getBytes(client, bucket, key);
    } catch (e) {
      if (e instanceof Missing) problems.push({ code: 'MissingObject', key, message: `${key} does not exist` });
      else problems.push({ code: 'S3Error', key, message: `reading ${key}: ${errName(e)}: ${errMessage(e)}` });
      return null;
    }
  };
  const checkMd5File = async (jsonKey: string, bytes: Buffer, md5Key: string): Promise<void> => {
    const md5 = await read(md5Key);
    if (md5 === null) return;
    const want = md5Base64(bytes);
    if (md5.toString('utf8') !== want) {
      problems.push({ code: 'Md5Mismatch', key: md5Key, message: `${md5Key} holds ${JSON.stringify(md5.toString('utf8'))}, MD5 of ${jsonKey} is ${want}` });
    }
  };

  // ---- manifest-summary.json
  const summaryKey = `${dir}/manifest-summary.json`;
  const summaryBytes = await read(summaryKey);
  if (summaryBytes === null) return finish();
  await checkMd5File(summaryKey, summaryBytes, `${dir}/manifest-summary.md5`);
  let summary: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(summaryBytes.toString('utf8'));
    if (!isObject(parsed)) throw new Error('not a JSON object');
    summary = parsed;
  } catch (e) {
    problems.push({ code: 'BadSummary', key: summaryKey, message: `manifest-summary.json is not valid JSON: ${errMessage(e)}` });
    return finish();
  }
  if (summaryBytes.toString('utf8').endsWith('\n')) {
    warnings.push({ code: 'TrailingNewline', key: summaryKey, message: 'manifest-summary.json ends in a newline (AWS writes none)' });
  }
  if (summary.version === FULL_SUMMARY_VERSION) {
    report.exportType = 'FULL_EXPORT';
    checkKeyOrder(summary, FULL_SUMMARY_KEYS, 'manifest-summary.json', summaryKey, problems);
  } else if (summary.version === INCREMENTAL_SUMMARY_VERSION) {
    report.exportType = 'INCREMENTAL_EXPORT';
    checkKeyOrder(summary, INCREMENTAL_SUMMARY_KEYS, 'manifest-summary.json', summaryKey, problems);
    if (summary.exportType !== 'INCREMENTAL_EXPORT') {
      problems.push({ code: 'BadSummary', key: summaryKey, message: `exportType is ${JSON.stringify(summary.exportType)}, expected "INCREMENTAL_EXPORT"` });
    }
    if (summary.outputView === 'NEW_IMAGE' || summary.outputView === 'NEW_AND_OLD_IMAGES') report.outputView = summary.outputView;
    else problems.push({ code: 'BadSummary', key: summaryKey, message: `outputView is ${JSON.stringify(summary.outputView)}` });
  } else {
    problems.push({ code: 'BadSummary', key: summaryKey, message: `unknown summary version ${JSON.stringify(summary.version)}` });
    return finish();
  }
  if (summary.outputFormat === 'DYNAMODB_JSON' || summary.outputFormat === 'ION') report.outputFormat = summary.outputFormat;
  else {
    problems.push({ code: 'BadSummary', key: summaryKey, message: `outputFormat is ${JSON.stringify(summary.outputFormat)}` });
    return finish();
  }
  if (typeof summary.exportArn === 'string') {
    report.exportArn = summary.exportArn;
    if (!summary.exportArn.endsWith(`/export/${exportId}`)) {
      problems.push({ code: 'BadSummary', key: summaryKey, message: `exportArn ${summary.exportArn} does not end in /export/${exportId}` });
    }
    if (typeof summary.tableArn !== 'string' || !summary.exportArn.startsWith(`${summary.tableArn}/export/`)) {
      problems.push({ code: 'BadSummary', key: summaryKey, message: 'exportArn is not under tableArn' });
    }
  } else problems.push({ code: 'BadSummary', key: summaryKey, message: 'exportArn is missing' });
  const timeKeys = report.exportType === 'FULL_EXPORT' ? ['startTime', 'endTime', 'exportTime'] : ['startTime', 'endTime', 'exportFromTime', 'exportToTime'];
  for (const k of timeKeys) {
    if (typeof summary[k] !== 'string' || !TIME.test(summary[k] as string)) {
      problems.push({ code: 'BadSummary', key: summaryKey, message: `${k} is not a YYYY-MM-DDTHH:MM:SS.mmmZ time: ${JSON.stringify(summary[k])}` });
    }
  }
  if (summary.s3Bucket !== bucket) {
    warnings.push({ code: 'BucketDiffers', key: summaryKey, message: `s3Bucket is ${JSON.stringify(summary.s3Bucket)}, read from ${bucket}` });
  }
  if (typeof summary.itemCount === 'number' && Number.isInteger(summary.itemCount)) report.summaryItemCount = summary.itemCount;
  else problems.push({ code: 'BadSummary', key: summaryKey, message: 'itemCount is not an integer' });
  const expectedFilesKey = `${dir}/manifest-files.json`;
  if (summary.manifestFilesS3Key !== expectedFilesKey) {
    problems.push({ code: 'BadSummary', key: summaryKey, message: `manifestFilesS3Key is ${JSON.stringify(summary.manifestFilesS3Key)}, expected ${JSON.stringify(expectedFilesKey)}` });
  }

  // ---- _started
  try {
    if (!(await exists(client, bucket, `${dir}/_started`))) {
      problems.push({ code: 'MissingObject', key: `${dir}/_started`, message: `${dir}/_started does not exist` });
    }
  } catch (e) {
    problems.push({ code: 'S3Error', key: `${dir}/_started`, message: `checking _started: ${errName(e)}: ${errMessage(e)}` });
  }

  // ---- manifest-files.json
  const filesBytes = await read(expectedFilesKey);
  if (filesBytes === null) return finish();
  await checkMd5File(expectedFilesKey, filesBytes, `${dir}/manifest-files.md5`);
  const filesText = filesBytes.toString('utf8');
  if (filesText.length > 0 && !filesText.endsWith('\n')) {
    problems.push({ code: 'BadManifestFiles', key: expectedFilesKey, message: 'manifest-files.json does not end in "\\n"' });
  }
  const entries: Array<{ itemCount: number; md5Checksum: string; etag: string; dataFileS3Key: string }> = [];
  const dataDir = report.exportType === 'FULL_EXPORT' ? `${dir}/data/` : `${awsDir === '' ? '' : `${awsDir}/`}data/`;
  const ext = report.outputFormat === 'ION' ? '.ion.gz' : '.json.gz';
  const seen = new Set<string>();
  const lines = filesText.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const where = `manifest-files.json line ${i + 1}`;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch (err) {
      problems.push({ code: 'BadManifestFiles', key: expectedFilesKey, message: `${where}: not JSON: ${errMessage(err)}` });
      return;
    }
    if (!isObject(e)) {
      problems.push({ code: 'BadManifestFiles', key: expectedFilesKey, message: `${where}: not an object` });
      return;
    }
    checkKeyOrder(e, MANIFEST_FILE_KEYS, where, expectedFilesKey, problems);
    const { itemCount, md5Checksum, etag, dataFileS3Key } = e;
    if (typeof itemCount !== 'number' || !Number.isInteger(itemCount) || itemCount < 0 || typeof md5Checksum !== 'string' || typeof etag !== 'string' || typeof dataFileS3Key !== 'string') {
      problems.push({ code: 'BadManifestFiles', key: expectedFilesKey, message: `${where}: wrong value types` });
      return;
    }
    if (seen.has(dataFileS3Key)) problems.push({ code: 'BadManifestFiles', key: expectedFilesKey, message: `${where}: ${dataFileS3Key} listed twice` });
    seen.add(dataFileS3Key);
    if (!dataFileS3Key.startsWith(dataDir)) {
      problems.push({ code: 'BadDataFileKey', key: dataFileS3Key, message: `${where}: data file key is not under ${dataDir}` });
    } else {
      const name = dataFileS3Key.slice(dataDir.length);
      if (!DATA_NAME.test(name) || !name.endsWith(ext)) {
        warnings.push({ code: 'UnusualDataFileName', key: dataFileS3Key, message: `${where}: data file name ${name} is not <26 base32 chars>${ext}` });
      }
    }
    entries.push({ itemCount, md5Checksum, etag, dataFileS3Key });
  });

  // ---- data files
  let listedTotal = 0;
  for (const entry of entries) {
    listedTotal += entry.itemCount;
    const f = await verifyDataFile(client, bucket, entry, report.exportType, report.outputFormat, report.outputView, maxLineProblems, problems, warnings);
    report.dataFiles.push(f);
    report.itemCount += f.itemCount;
  }
  if (report.summaryItemCount !== null && listedTotal !== report.summaryItemCount) {
    problems.push({ code: 'ItemCountMismatch', key: summaryKey, message: `summary itemCount ${report.summaryItemCount} != sum of manifest-files itemCounts ${listedTotal}` });
  }

  // ---- unlisted data files (full exports only: incremental data folders are shared)
  if (report.exportType === 'FULL_EXPORT') {
    try {
      let token: string | undefined;
      do {
        const res = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: dataDir, ContinuationToken: token }));
        for (const o of res.Contents ?? []) {
          if (o.Key && !seen.has(o.Key)) warnings.push({ code: 'UnlistedDataFile', key: o.Key, message: `${o.Key} is in the data folder but not in manifest-files.json` });
        }
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      warnings.push({ code: 'S3Error', message: `listing ${dataDir}: ${errName(e)}: ${errMessage(e)}` });
    }
  }
  return finish();
}

/** Part 1's length when the endpoint reports parts (AWS S3: HeadObject PartNumber=1 with PartsCount); else undefined. */
async function firstPartSize(client: S3Client, bucket: string, key: string, parts: number): Promise<number | undefined> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: 1 }));
    return head.PartsCount === parts ? head.ContentLength : undefined;
  } catch {
    return undefined;
  }
}

async function verifyDataFile(
  client: S3Client,
  bucket: string,
  entry: { itemCount: number; md5Checksum: string; etag: string; dataFileS3Key: string },
  exportType: ExportType,
  format: ExportFormat,
  view: ExportViewType | null,
  maxLineProblems: number,
  problems: VerifyProblem[],
  warnings: VerifyProblem[],
): Promise<VerifiedDataFile> {
  const key = entry.dataFileS3Key;
  const before = problems.length;
  const out: VerifiedDataFile = {
    key,
    manifestItemCount: entry.itemCount,
    itemCount: 0,
    compressedBytes: 0,
    uncompressedBytes: 0,
    md5Checksum: '',
    etag: '',
    ok: false,
  };
  let body: Readable;
  let size: number | undefined;
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!(res.Body instanceof Readable)) throw new Error('GetObject returned no stream body');
    body = res.Body;
    size = res.ContentLength;
  } catch (e) {
    const missing = errName(e) === 'NoSuchKey';
    problems.push({ code: missing ? 'MissingObject' : 'S3Error', key, message: missing ? `${key} does not exist` : `reading ${key}: ${errName(e)}: ${errMessage(e)}` });
    return out;
  }

  const hash = createHash('md5');
  // Data files bigger than one part are multipart objects with an ETag "<md5 of part md5s>-N".
  const multipart = parseMultipartEtag(entry.etag);
  let partSizes: number[] = [];
  if (multipart && multipart.parts > 1 && size !== undefined) {
    partSizes = candidatePartSizes(size, multipart.parts, await firstPartSize(client, bucket, key, multipart.parts));
  }
  const partHasher = new MultipartEtagHasher(partSizes.length <= MAX_CANDIDATES ? partSizes : []);
  let header = Buffer.alloc(0);
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      partHasher.update(chunk);
      out.compressedBytes += chunk.length;
      if (header.length < 10) header = Buffer.concat([header, chunk.subarray(0, 10 - header.length)]);
      cb(null, chunk);
    },
  });
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let lineProblems = 0;
  const onLine = (line: string): void => {
    out.itemCount++;
    let problem: string | null;
    try {
      problem = checkRecord(parseDataLine(line, format), exportType, view);
    } catch (e) {
      problem = `cannot parse: ${errMessage(e)}`;
    }
    if (problem) {
      lineProblems++;
      if (lineProblems <= maxLineProblems) problems.push({ code: 'BadRecord', key, message: `line ${out.itemCount}: ${problem}` });
    }
  };
  const lineSplitter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      out.uncompressedBytes += chunk.length;
      const text = partial + decoder.write(chunk);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        onLine(text.slice(start, nl));
        start = nl + 1;
      }
      partial = text.slice(start);
      cb();
    },
    flush(cb) {
      partial += decoder.end();
      if (partial.length > 0) {
        problems.push({ code: 'BadRecord', key, message: 'last line does not end in "\\n"' });
        onLine(partial);
      }
      cb();
    },
  });
  try {
    await pipeline(body, tap, createGunzip(), lineSplitter);
  } catch (e) {
    problems.push({ code: 'BadGzip', key, message: `cannot decompress ${key}: ${errMessage(e)}` });
  }
  if (lineProblems > maxLineProblems) {
    problems.push({ code: 'BadRecord', key, message: `${lineProblems - maxLineProblems} more bad lines not listed` });
  }
  const md5 = hash.digest();
  out.md5Checksum = md5.toString('base64');
  out.etag = onePartEtag(md5);
  if (out.md5Checksum !== entry.md5Checksum) {
    problems.push({ code: 'Md5Mismatch', key, message: `md5Checksum in manifest is ${entry.md5Checksum}, object MD5 is ${out.md5Checksum}` });
  }
  if (multipart && multipart.parts > 1) {
    const found = partHasher.etags();
    if (found.includes(entry.etag)) out.etag = entry.etag;
    else if (partSizes.length > MAX_CANDIDATES) {
      warnings.push({ code: 'EtagNotChecked', key, message: `etag ${entry.etag}: too many possible part sizes for ${size} bytes in ${multipart.parts} parts to recompute it (md5Checksum was checked)` });
      out.etag = entry.etag;
    } else {
      out.etag = found[0] ?? out.etag;
      const tried = partSizes.map((p) => `${p / 1024 / 1024} MiB`).join(', ') || 'none fits';
      problems.push({ code: 'EtagMismatch', key, message: `etag in manifest is ${entry.etag}; the object's ${size ?? '?'} bytes in ${multipart.parts} parts of ${tried} give ${found.join(', ') || 'no such ETag'}` });
    }
  } else if (out.etag !== entry.etag) {
    problems.push({ code: 'EtagMismatch', key, message: `etag in manifest is ${entry.etag}, expected ${out.etag} (one-part multipart ETag of the object)` });
  }
  if (out.itemCount !== entry.itemCount) {
    problems.push({ code: 'ItemCountMismatch', key, message: `manifest itemCount ${entry.itemCount}, file has ${out.itemCount} lines` });
  }
  if (header.length === 10 && !header.subarray(0, 9).equals(GZIP_HEADER.subarray(0, 9))) {
    warnings.push({ code: 'UnusualGzipHeader', key, message: `gzip header ${header.toString('hex')} differs from AWS's ${GZIP_HEADER.toString('hex')}` });
  } else if (header.length === 10 && header[9] !== 0xff && header[9] !== 0x00) {
    warnings.push({ code: 'UnusualGzipHeader', key, message: `gzip OS byte is 0x${header[9]!.toString(16)}, AWS writes 0xff (0x00 in 2020)` });
  }
  out.ok = problems.length === before;
  return out;
}
