import {
  DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand, DescribeExportTasksCommand, RDSClient, type DBSnapshot, type ExportTask,
} from '@aws-sdk/client-rds';
import assert from 'node:assert/strict';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3 } from './exports.js';
import { removeDir, startStrataProcess, TEST_CREDENTIALS, type StrataProcess } from './strata-process.js';
import { duckQuery, parquetList } from './databases.js';
import type { ColumnKindName } from './rds-kinds.js';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/ExportRole`;
export const KMS = `arn:aws:kms:${REGION}:${ACCOUNT}:key/abcd0000-7fca-4128-82f2-aabbccddeeff`;
export const snapshotArn = (id: string): string => `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:${id}`;
export const clusterSnapshotArn = (id: string): string => `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:${id}`;
export const clusterArn = (id: string): string => `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:${id}`;

export function rds(url: string): RDSClient {
  return new RDSClient({ endpoint: url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

export async function waitSnapshot(client: RDSClient, id: string, cluster = false, timeoutMs = 60_000): Promise<DBSnapshot & { Status?: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = cluster
      ? (await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }))).DBClusterSnapshots![0]!
      : (await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots![0]!;
    if (s.Status !== 'creating') return s as DBSnapshot;
    if (Date.now() > until) throw new Error(`snapshot ${id} still creating`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitExport(client: RDSClient, id: string, timeoutMs = 90_000): Promise<ExportTask> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const t = (await client.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: id }))).ExportTasks![0]!;
    if (['COMPLETE', 'FAILED', 'CANCELED'].includes(t.Status!)) return t;
    if (Date.now() > until) throw new Error(`export ${id} still ${t.Status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function expectFault(p: Promise<unknown>, code: string, status: number, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { Code?: string; $metadata?: { httpStatusCode?: number }; $fault?: string }) => {
    assert.equal(e.Code ?? e.name, code, `${e.name}: ${e.message}`);
    assert.equal(e.$metadata?.httpStatusCode, status, `${code} status`);
    assert.equal(e.$fault, 'client');
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** A column as the test compares it: its name and how it should land in Parquet. */
export interface ColumnCheck {
  name: string;
  kind: ColumnKindName;
}

function norm(kind: ColumnKindName, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v);
  switch (kind) {
    case 'int':
      return BigInt(s).toString();
    case 'float32':
    case 'float64': {
      const t = s.toLowerCase();
      const n = /^-?inf(inity)?$/.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : Number(s);
      return String(kind === 'float32' ? Math.fround(n) : n);
    }
    case 'bin':
      return s.toUpperCase();
    default:
      return s;
  }
}

/** DuckDB's rendering of each column, in the comparable form `norm` expects. */
export function duckSelect(cols: ColumnCheck[]): string {
  return cols
    .map((c) => {
      const q = `"${c.name.replace(/"/g, '""')}"`;
      if (c.kind === 'bin') return `hex(${q})`;
      if (c.kind === 'ts') return `CAST(epoch_us(${q}) AS VARCHAR)`;
      return `CAST(${q} AS VARCHAR)`;
    })
    .join(', ');
}

/** Reads the parts with DuckDB and compares them, row by row (ordered by the first column), with `expected`. */
export async function compareRows(files: string[], cols: ColumnCheck[], expected: (string | null)[][], label: string): Promise<void> {
  const actual = files.length === 0 ? [] : await duckQuery(`SELECT ${duckSelect(cols)} FROM read_parquet(${parquetList(files)}) ORDER BY "${cols[0]!.name}"`);
  assert.equal(actual.length, expected.length, `${label}: row count`);
  for (let r = 0; r < expected.length; r++) {
    for (let i = 0; i < cols.length; i++) {
      const a = norm(cols[i]!.kind, actual[r]![i]);
      const e = norm(cols[i]!.kind, expected[r]![i]);
      if (a !== e) assert.fail(`${label}: row ${r} column ${cols[i]!.name}: exported ${JSON.stringify(a)?.slice(0, 200)} != source ${JSON.stringify(e)?.slice(0, 200)}`);
    }
  }
}

/** Physical type, logical annotation and codec of each column of a Parquet file. */
export async function parquetColumns(file: string): Promise<Map<string, { type: string; logical: string; converted: string; compression: string }>> {
  const schema = await duckQuery(`SELECT name, type, CAST(logical_type AS VARCHAR), converted_type FROM parquet_schema('${file}')`);
  const meta = await duckQuery(`SELECT path_in_schema, compression FROM parquet_metadata('${file}')`);
  const codec = new Map(meta.map((m) => [String(m[0]), String(m[1])]));
  return new Map(schema.filter((s) => s[1] !== null).map((s) => [String(s[0]), { type: String(s[1]), logical: String(s[2] ?? ''), converted: String(s[3] ?? ''), compression: codec.get(String(s[0])) ?? '' }]));
}

/** A `strata serve` for RDS tests, with its RDS and S3 clients and the destination bucket created. */
export interface RdsServer {
  strata: StrataProcess;
  client: RDSClient;
  bucket: S3Client;
}

export async function startRdsServer(args: string[], bucketName: string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<RdsServer> {
  const strata = await startStrataProcess(args, opts);
  const bucket = s3(strata.url);
  await bucket.send(new CreateBucketCommand({ Bucket: bucketName }));
  return { strata, client: rds(strata.url), bucket };
}

/** Stops a server (if it started) and removes its data directory. */
export async function stopServer(strata: StrataProcess | undefined): Promise<void> {
  if (!strata) return;
  await strata.stop();
  removeDir(strata.dataDir);
}
