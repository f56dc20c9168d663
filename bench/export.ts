/**
 * Export benchmark (issue 4 item 8, issue 5 item 4):
 *
 *   npm run bench:export                       # 1,000,000 items; BENCH_EXPORT_ITEMS=100000 for a quick run
 *   npm run bench:export -- --help
 *
 * 1. A loader process builds a durable data directory (a big table and a small one, ~1 KB items, PITR on).
 * 2. The measured server runs as a child process (`strata serve`, on disk, fsync on) on that directory.
 * 3. Full export of the big table in each format (the database file read into the page cache first):
 *    seconds from ExportTableToPointInTime to DescribeExport COMPLETED, the uncompressed size of what was
 *    written (every data file streamed back and gunzipped), MB/s, the server's peak RSS during the export
 *    (VmHWM reset just before), its CPU time and disk reads, and the CPU the rest of the machine used.
 * 4. The machine's own limit, measured in the same run: gzip (Node's zlib, level 6 as the exporter)
 *    over exactly those decompressed bytes on one core; with two cores the ideal is twice that.
 * 5. Incremental: 1,000 updates to each table between two clock readings, then INCREMENTAL_EXPORT of that
 *    window on each; the cost should follow the changes, so the two times should be close.
 */
import {
  DescribeExportCommand, DynamoDBClient, ExportTableToPointInTimeCommand, UpdateItemCommand, type ExportDescription,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { constants as zc, createGunzip, gzipSync } from 'node:zlib';
import { adminRequest } from '../src/pitr/admin-client.js';
import { approxItemBytes, benchItem, itemKey } from './export-items.js';
import { cpuSeconds, diskIo, machineBusySeconds, peakRss, resetPeakRss, ROOT, rss, runNode, startServer, waitIdle, type Child } from './export-proc.js';

const USAGE = `usage: npm run bench:export -- [options]     (every option also an environment variable)

  --items N        BENCH_EXPORT_ITEMS      items of the big table (default 1000000)
  --small N        BENCH_EXPORT_SMALL      items of the small table for the incremental comparison (default 10000)
  --changes N      BENCH_EXPORT_CHANGES    updates in the incremental window, per table (default 1000)
  --formats LIST   BENCH_EXPORT_FORMATS    DYNAMODB_JSON,ION (default both)
  --phases LIST    BENCH_EXPORT_PHASES     full,incremental (default both)
  --repeat N       BENCH_EXPORT_REPEAT     incremental exports per table; the median is reported (default 5)
  --no-baseline    BENCH_EXPORT_BASELINE=0 skip reading the data files back and the gzip baseline (timing only)
  --no-warm        BENCH_EXPORT_WARM=0     do not read the database file into the page cache before each full export
  --segment-mb N   BENCH_EXPORT_SEGMENT_MB the server's --export-segment-mb (default: the server's, 128)
  --data DIR       BENCH_EXPORT_DATA       data directory to build once and reuse (kept; loaded only if new)
  --profile DIR    BENCH_EXPORT_PROFILE    run the server under node --cpu-prof, profiles to DIR
  --results DIR    BENCH_RESULTS           where the JSON results go (default bench/results)
`;

interface Options {
  items: number;
  small: number;
  changes: number;
  formats: Array<'DYNAMODB_JSON' | 'ION'>;
  phases: Array<'full' | 'incremental'>;
  repeat: number;
  baseline: boolean;
  warm: boolean;
  segmentMb?: number;
  data?: string;
  profile?: string;
  results: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      items: { type: 'string' }, small: { type: 'string' }, changes: { type: 'string' }, formats: { type: 'string' }, phases: { type: 'string' },
      repeat: { type: 'string' }, 'no-baseline': { type: 'boolean' }, 'no-warm': { type: 'boolean' }, 'segment-mb': { type: 'string' }, data: { type: 'string' }, profile: { type: 'string' }, results: { type: 'string' }, help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const env = process.env;
  const num = (v: string | undefined, e: string | undefined, def: number, what: string): number => {
    const n = Number(v ?? e ?? def);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer`);
    return n;
  };
  const list = <T extends string>(v: string, allowed: readonly T[], what: string): T[] => {
    const out = v.split(',').map((s) => s.trim()).filter(Boolean);
    for (const x of out) if (!allowed.includes(x as T)) throw new Error(`unknown ${what} "${x}"`);
    return out as T[];
  };
  const o: Options = {
    items: num(values.items, env.BENCH_EXPORT_ITEMS, 1_000_000, '--items'),
    small: num(values.small, env.BENCH_EXPORT_SMALL, 10_000, '--small'),
    changes: num(values.changes, env.BENCH_EXPORT_CHANGES, 1000, '--changes'),
    formats: list(values.formats ?? env.BENCH_EXPORT_FORMATS ?? 'DYNAMODB_JSON,ION', ['DYNAMODB_JSON', 'ION'] as const, 'format'),
    phases: list(values.phases ?? env.BENCH_EXPORT_PHASES ?? 'full,incremental', ['full', 'incremental'] as const, 'phase'),
    repeat: num(values.repeat, env.BENCH_EXPORT_REPEAT, 5, '--repeat'),
    baseline: !values['no-baseline'] && env.BENCH_EXPORT_BASELINE !== '0',
    warm: !values['no-warm'] && env.BENCH_EXPORT_WARM !== '0',
    segmentMb: (values['segment-mb'] ?? env.BENCH_EXPORT_SEGMENT_MB) === undefined ? undefined : num(values['segment-mb'], env.BENCH_EXPORT_SEGMENT_MB, 128, '--segment-mb'),
    data: values.data ?? env.BENCH_EXPORT_DATA,
    profile: values.profile ?? env.BENCH_EXPORT_PROFILE,
    results: values.results ?? env.BENCH_RESULTS ?? join(ROOT, 'bench/results'),
  };
  if (o.changes > Math.min(o.items, o.small)) throw new Error('--changes must not exceed either table size');
  return o;
}

const BIG = 'bench_big';
const SMALL = 'bench_small';
const BUCKET = 'bench-export';
const ACCOUNT = '000000000000';
const CREDS = { accessKeyId: 'test', secretAccessKey: 'test' };
const MB = 1e6;
const tableArn = (t: string): string => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${t}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Builds the data directory (or reuses one built for the same sizes). */
async function prepareData(o: Options): Promise<{ dir: string; temporary: boolean; loadSeconds: number | null; loaded: Record<string, { items: number; seconds: number }> | null }> {
  const dir = o.data ?? mkdtempSync(join(tmpdir(), 'strata-bench-export-'));
  const marker = join(dir, 'bench-export.json');
  const want = { [BIG]: o.items, [SMALL]: o.small };
  if (existsSync(marker)) {
    const have = JSON.parse(readFileSync(marker, 'utf8')) as { tables: Record<string, number> };
    if (JSON.stringify(have.tables) === JSON.stringify(want)) return { dir, temporary: false, loadSeconds: null, loaded: null };
    throw new Error(`${dir} holds a benchmark table set of other sizes (${JSON.stringify(have.tables)}); use another --data directory`);
  }
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw new Error(`${dir} is not empty and was not built by this benchmark`);
  console.log(`loading ${o.items.toLocaleString('en-US')} + ${o.small.toLocaleString('en-US')} items into ${dir} (loader process, public operations without HTTP) ...`);
  const started = performance.now();
  const out = await runNode([join(ROOT, 'dist/bench/export-load.js'), dir, `${BIG}=${o.items}`, `${SMALL}=${o.small}`]);
  const loadSeconds = (performance.now() - started) / 1000;
  const loaded = JSON.parse(out.trim().split('\n').pop()!) as Record<string, { items: number; seconds: number }>;
  writeFileSync(marker, JSON.stringify({ tables: want }));
  return { dir, temporary: o.data === undefined, loadSeconds, loaded };
}

/** Size and page size of the SQLite file (the page size is a big-endian u16 at offset 16 of its header; 1 means 65536). */
function databaseFile(dir: string): { bytes: number; pageSize: number } {
  const path = join(dir, 'strata.db');
  const header = Buffer.alloc(18);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 18, 0);
  } finally {
    closeSync(fd);
  }
  const p = header.readUInt16BE(16);
  return { bytes: statSync(path).size, pageSize: p === 1 ? 65536 : p };
}

/**
 * Reads the database file once (into the OS page cache), so each format's export starts with the same
 * cache; the time is the cold read's. (On this VM the kernel pages out cold file pages within a minute or
 * two, so without it the second format would read the table from the disk and the first would not.)
 */
function warmDatabase(dir: string): { bytes: number; seconds: number } {
  const t0 = performance.now();
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  let bytes = 0;
  for (const name of ['strata.db', 'strata.db-wal']) {
    if (!existsSync(join(dir, name))) continue;
    const fd = openSync(join(dir, name), 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) bytes += n;
    } finally {
      closeSync(fd);
    }
  }
  return { bytes, seconds: (performance.now() - t0) / 1000 };
}

interface Watch {
  seconds: number;
  cpuSeconds: number;
  /** CPU seconds other processes on the machine used meanwhile (colleagues' tests, the benchmark itself). */
  otherCpuSeconds: number;
  peakRssBytes: number | null;
  peakRssSampledBytes: number;
  rssBeforeBytes: number | null;
  /** What the server read from and wrote to the disk meanwhile (page-cache hits are not reads). */
  diskReadBytes: number;
  diskWriteBytes: number;
  description: ExportDescription;
}

/** Starts an export and waits for it, measuring the server meanwhile. */
async function timedExport(server: Child, ddb: DynamoDBClient, input: ConstructorParameters<typeof ExportTableToPointInTimeCommand>[0], pollMs: number): Promise<Watch> {
  await waitIdle(server.pid);
  const reset = resetPeakRss(server.pid);
  const rssBefore = rss(server.pid) ?? null;
  const cpu0 = cpuSeconds(server.pid);
  const io0 = diskIo(server.pid);
  const busy0 = machineBusySeconds();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const started = await ddb.send(new ExportTableToPointInTimeCommand(input));
  const arn = started.ExportDescription!.ExportArn!;
  let sampled = 0;
  let d: ExportDescription;
  for (;;) {
    sampled = Math.max(sampled, rss(server.pid) ?? 0);
    d = (await ddb.send(new DescribeExportCommand({ ExportArn: arn }))).ExportDescription!;
    if (d.ExportStatus !== 'IN_PROGRESS') break;
    await sleep(pollMs);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(server.pid) - cpu0;
  const io1 = diskIo(server.pid);
  const self = process.cpuUsage(self0);
  const other = machineBusySeconds() - busy0 - cpu - (self.user + self.system) / 1e6;
  if (d.ExportStatus !== 'COMPLETED') throw new Error(`export ${arn} ${d.ExportStatus}: ${d.FailureCode} ${d.FailureMessage}`);
  return {
    seconds, cpuSeconds: cpu, otherCpuSeconds: Math.max(0, other), peakRssBytes: reset ? (peakRss(server.pid) ?? null) : null,
    peakRssSampledBytes: sampled, rssBeforeBytes: rssBefore, diskReadBytes: io1.read - io0.read, diskWriteBytes: io1.write - io0.write, description: d,
  };
}

async function getText(s3: S3Client, key: string): Promise<string> {
  const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return r.Body!.transformToString('utf8');
}

/** Streams every data file of an export back, gunzipped: their sizes, line count, and (optionally) the bytes. */
async function readBack(s3: S3Client, manifestSummaryKey: string, keep: boolean): Promise<{ files: number; compressed: number; uncompressed: number; lines: number; chunks: Buffer[] }> {
  const summary = JSON.parse(await getText(s3, manifestSummaryKey)) as { manifestFilesS3Key: string };
  const files = (await getText(s3, summary.manifestFilesS3Key)).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { dataFileS3Key: string });
  let compressed = 0;
  let uncompressed = 0;
  let lines = 0;
  const chunks: Buffer[] = [];
  for (const f of files) {
    const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: f.dataFileS3Key }));
    compressed += r.ContentLength ?? 0;
    const gunzip = (r.Body as Readable).pipe(createGunzip({ chunkSize: 1024 * 1024 }));
    for await (const c of gunzip as AsyncIterable<Buffer>) {
      uncompressed += c.length;
      for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
      if (keep) chunks.push(c);
    }
  }
  return { files: files.length, compressed, uncompressed, lines, chunks };
}

/**
 * Single-stream gzip over the bytes, level 6 (DataFileWriter's), on this thread: one core's limit. Timed by
 * the CPU time this process used (nothing else runs in it meanwhile), which other processes on a shared
 * machine disturb far less than the wall clock; the wall time is kept too.
 */
function gzipLimit(chunks: Buffer[]): { seconds: number; wallSeconds: number; bytes: number; compressed: number } {
  const all = Buffer.concat(chunks);
  chunks.length = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = gzipSync(all, { level: 6, chunkSize: 1024 * 1024, strategy: zc.Z_DEFAULT_STRATEGY });
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { seconds: (cpu.user + cpu.system) / 1e6, wallSeconds, bytes: all.length, compressed: out.length };
}

interface FullResult {
  format: string;
  items: number;
  files: number;
  seconds: number;
  uncompressedBytes: number;
  compressedBytes: number;
  mbPerSecond: number;
  serverCpuSeconds: number;
  coresUsed: number;
  otherCpuSeconds: number;
  peakRssBytes: number | null;
  peakRssSampledBytes: number;
  rssBeforeBytes: number | null;
  diskReadBytes: number;
  diskWriteBytes: number;
  /** The database read into the page cache just before (null with --no-warm): bytes and seconds. */
  warmed: { bytes: number; seconds: number } | null;
  /** Uncompressed MB per second of server CPU: what two dedicated cores would give if the work spread evenly. */
  mbPerCpuSecond: number;
  /** CPU seconds of the single-stream gzip (and its wall time, for reference). */
  gzipOneCoreSeconds: number;
  gzipOneCoreWallSeconds: number;
  gzipOneCoreMbPerSecond: number;
  gzipTwoCoreIdealMbPerSecond: number;
  ratioToTwoCores: number;
  ratioToOneCore: number;
}

async function fullExport(server: Child, ddb: DynamoDBClient, s3: S3Client, format: 'DYNAMODB_JSON' | 'ION', items: number, o: Options, dir: string): Promise<FullResult> {
  const baseline = o.baseline;
  const warmed = o.warm ? warmDatabase(dir) : null;
  console.log(`full export, ${format} ...${warmed ? ` (database read into the page cache first: ${(warmed.bytes / MB).toFixed(0)} MB in ${warmed.seconds.toFixed(1)} s)` : ''}`);
  const w = await timedExport(server, ddb, { TableArn: tableArn(BIG), S3Bucket: BUCKET, S3Prefix: `full-${format.toLowerCase()}`, ExportFormat: format }, 50);
  if (w.description.ItemCount !== items) throw new Error(`export has ${w.description.ItemCount} items, expected ${items}`);
  const back = baseline ? await readBack(s3, w.description.ExportManifest!, true) : { files: 0, compressed: NaN, uncompressed: NaN, lines: items, chunks: [] };
  if (back.lines !== items) throw new Error(`data files hold ${back.lines} lines, expected ${items}`);
  const g = baseline ? gzipLimit(back.chunks) : { seconds: NaN, wallSeconds: NaN, bytes: NaN, compressed: NaN };
  const mbps = back.uncompressed / MB / w.seconds;
  const gz = g.bytes / MB / g.seconds;
  return {
    format, items, files: back.files, seconds: w.seconds, uncompressedBytes: back.uncompressed, compressedBytes: back.compressed,
    mbPerSecond: mbps, serverCpuSeconds: w.cpuSeconds, coresUsed: w.cpuSeconds / w.seconds, otherCpuSeconds: w.otherCpuSeconds,
    peakRssBytes: w.peakRssBytes, peakRssSampledBytes: w.peakRssSampledBytes, rssBeforeBytes: w.rssBeforeBytes,
    diskReadBytes: w.diskReadBytes, diskWriteBytes: w.diskWriteBytes, warmed, mbPerCpuSecond: back.uncompressed / MB / w.cpuSeconds,
    gzipOneCoreSeconds: g.seconds, gzipOneCoreWallSeconds: g.wallSeconds, gzipOneCoreMbPerSecond: gz, gzipTwoCoreIdealMbPerSecond: 2 * gz,
    ratioToTwoCores: mbps / (2 * gz), ratioToOneCore: mbps / gz,
  };
}

interface IncrementalResult {
  table: string;
  tableItems: number;
  changes: number;
  /** Each run: seconds from the call to COMPLETED as the client saw it. */
  runs: number[];
  medianSeconds: number;
  /** EndTime - StartTime of each run, as the server recorded it (millisecond resolution). */
  serverMillis: number[];
  /** Server CPU seconds and bytes read from the disk, each run. */
  cpuSeconds: number[];
  diskReadBytes: number[];
  /** Data files each run wrote (lines of manifest-files.json) and the server's peak RSS (VmHWM, reset before). */
  files: number[];
  peakRssBytes: number[];
}

async function updateMany(ddb: DynamoDBClient, table: string, count: number, n: number): Promise<void> {
  // n distinct keys spread over the table (a stride coprime with the size), 16 in flight.
  let stride = Math.max(1, Math.floor(count / n)) | 1;
  while (gcd(stride, count) !== 1) stride += 2;
  const keys = Array.from({ length: n }, (_, j) => (j * stride + 7) % count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const i = keys[next++]!;
      const v = benchItem(i, 1);
      await ddb.send(new UpdateItemCommand({
        TableName: table, Key: { pk: { S: itemKey(i) } },
        UpdateExpression: 'SET price = :p, meta.#r = :r, body = :b',
        ExpressionAttributeNames: { '#r': 'rank' },
        ExpressionAttributeValues: { ':p': v.price!, ':r': v.meta!.M!.rank!, ':b': v.body! },
      }));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

async function clockMicros(url: string): Promise<number> {
  const r = await adminRequest(url, 'GET', '/_strata/clock', undefined, { ...CREDS, region: 'us-east-1' });
  if (r.status !== 200) throw new Error(`clock: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.nowMicros as number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function incrementalExports(server: Child, ddb: DynamoDBClient, s3: S3Client, o: Options): Promise<IncrementalResult[]> {
  console.log(`incremental: ${o.changes} updates to each table ...`);
  const t0 = await clockMicros(server.url);
  await updateMany(ddb, SMALL, o.small, o.changes);
  await updateMany(ddb, BIG, o.items, o.changes);
  const t1 = await clockMicros(server.url);
  const results: IncrementalResult[] = [
    { table: SMALL, tableItems: o.small, changes: o.changes, runs: [], medianSeconds: 0, serverMillis: [], cpuSeconds: [], diskReadBytes: [], files: [], peakRssBytes: [] },
    { table: BIG, tableItems: o.items, changes: o.changes, runs: [], medianSeconds: 0, serverMillis: [], cpuSeconds: [], diskReadBytes: [], files: [], peakRssBytes: [] },
  ];
  for (let rep = 0; rep < o.repeat; rep++) {
    // Alternate the order, so neither table always runs first (warm caches, the other's leftovers).
    for (const r of rep % 2 === 0 ? results : [...results].reverse()) {
      const w = await timedExport(server, ddb, {
        TableArn: tableArn(r.table), S3Bucket: BUCKET, S3Prefix: `incr-${r.table}-${rep}`, ExportType: 'INCREMENTAL_EXPORT',
        IncrementalExportSpecification: { ExportFromTime: new Date(t0 / 1000), ExportToTime: new Date(t1 / 1000), ExportViewType: 'NEW_AND_OLD_IMAGES' },
      }, 5);
      if (w.description.ItemCount !== o.changes) throw new Error(`incremental export of ${r.table} has ${w.description.ItemCount} records, expected ${o.changes}`);
      r.runs.push(w.seconds);
      r.serverMillis.push(w.description.EndTime!.getTime() - w.description.StartTime!.getTime());
      r.cpuSeconds.push(w.cpuSeconds);
      r.diskReadBytes.push(w.diskReadBytes);
      const summary = JSON.parse(await getText(s3, w.description.ExportManifest!)) as { manifestFilesS3Key: string };
      r.files.push((await getText(s3, summary.manifestFilesS3Key)).split('\n').filter(Boolean).length);
      r.peakRssBytes.push(w.peakRssBytes ?? w.peakRssSampledBytes);
    }
  }
  for (const r of results) r.medianSeconds = median(r.runs);
  return results;
}

const fmtMB = (b: number | null): string => (b === null ? 'n/a' : `${(b / MB).toFixed(0)} MB`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, j) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ') + (j === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : '')).join('\n');
}

async function main(): Promise<void> {
  const o = options();
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', memoryBytes: totalmem(), node: process.version, loadavg: readFileSync('/proc/loadavg', 'utf8').trim() };
  const sample = benchItem(1);
  console.log(`export benchmark: ${o.items.toLocaleString('en-US')} items of ~${approxItemBytes(sample)} bytes; ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.node}`);
  const data = await prepareData(o);
  const db = databaseFile(data.dir);
  console.log(`data: ${data.dir}/strata.db, ${(db.bytes / MB).toFixed(0)} MB in ${db.pageSize / 1024} KiB pages`);
  const nodeArgs: string[] = [];
  if (o.profile) {
    mkdirSync(o.profile, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${o.profile}`);
  }
  const segment = o.segmentMb === undefined ? [] : ['--export-segment-mb', String(o.segmentMb)];
  const server = await startServer(['--port', '0', '--data-dir', data.dir, '--incremental-min-period', '0', ...segment], nodeArgs);
  const ddb = new DynamoDBClient({ endpoint: server.url, region: 'us-east-1', credentials: CREDS, maxAttempts: 3 });
  const s3 = new S3Client({ endpoint: server.url, region: 'us-east-1', credentials: CREDS, forcePathStyle: true, maxAttempts: 3 });
  const full: FullResult[] = [];
  let incremental: IncrementalResult[] = [];
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((e: Error) => {
      if (e.name !== 'BucketAlreadyOwnedByYou') throw e;
    });
    if (o.phases.includes('full')) for (const f of o.formats) full.push(await fullExport(server, ddb, s3, f, o.items, o, data.dir));
    if (o.phases.includes('incremental')) incremental = await incrementalExports(server, ddb, s3, o);
  } finally {
    ddb.destroy();
    s3.destroy();
    await server.stop();
    if (data.temporary) rmSync(data.dir, { recursive: true, force: true });
  }

  console.log('');
  if (data.loadSeconds !== null) {
    const rate = (o.items + o.small) / data.loadSeconds;
    console.log(`load: ${(o.items + o.small).toLocaleString('en-US')} items in ${data.loadSeconds.toFixed(1)} s (${Math.round(rate).toLocaleString('en-US')} items/s, loader process, BatchWriteItem without HTTP)\n`);
  }
  if (full.length > 0) {
    console.log(`Full export of ${o.items.toLocaleString('en-US')} items (server: strata serve on disk, a child process; MB = 10^6 bytes of uncompressed output)`);
    console.log(table([
      ['format', 'seconds', 'out MB', 'gz MB', 'MB/s', 'gzip 1 core MB/s', 'ratio to 2 cores', 'ratio to 1 core', 'peak RSS', 'RSS before'],
      ...full.map((r) => [
        r.format, r.seconds.toFixed(2), (r.uncompressedBytes / MB).toFixed(0), (r.compressedBytes / MB).toFixed(0), r.mbPerSecond.toFixed(1),
        r.gzipOneCoreMbPerSecond.toFixed(1), r.ratioToTwoCores.toFixed(2), r.ratioToOneCore.toFixed(2), fmtMB(r.peakRssBytes ?? r.peakRssSampledBytes), fmtMB(r.rssBeforeBytes),
      ]),
    ]));
    console.log('  MB/s: uncompressed output (every data file read back and gunzipped) / seconds from the request to COMPLETED.');
    console.log('  gzip 1 core: Node zlib gzip, level 6 as the exporter, over the same bytes, one stream on one core (bytes per CPU second).');
    console.log('  ratio to 2 cores = MB/s / (2 x gzip 1 core), the ideal with both cores (goal >= 0.50). Peak RSS: the server\'s VmHWM,');
    console.log('  reset just before the export (goal < 300 MB).\n');
    console.log(table([
      ['format', 'server CPU s', 'cores used', 'other procs CPU s', 'MB per CPU s', 'CPU-bound ratio', 'disk read MB', 'disk write MB'],
      ...full.map((r) => [
        r.format, r.serverCpuSeconds.toFixed(1), r.coresUsed.toFixed(2), r.otherCpuSeconds.toFixed(1), r.mbPerCpuSecond.toFixed(1),
        (r.mbPerCpuSecond / r.gzipOneCoreMbPerSecond).toFixed(2), (r.diskReadBytes / MB).toFixed(0), (r.diskWriteBytes / MB).toFixed(0),
      ]),
    ]));
    console.log('  server CPU: every thread of the server process (gzip runs on libuv\'s pool); other procs: the rest of the machine meanwhile.');
    console.log('  CPU-bound ratio = (MB per server CPU second) / gzip 1 core: the ratio to 2 cores the export would reach with both cores');
    console.log('  to itself and no waiting. Disk: bytes the server read from / wrote to the block device (page-cache hits are not reads).');
    if (o.warm) console.log('  Before each export the database file was read once into the page cache (--no-warm: start cold).');
    console.log('');
  }
  if (incremental.length > 0) {
    const [a, b] = incremental as [IncrementalResult, IncrementalResult];
    console.log(`Incremental export of ${o.changes.toLocaleString('en-US')} changes (NEW_AND_OLD_IMAGES, DYNAMODB_JSON; median of ${o.repeat})`);
    console.log(table([
      ['table items', 'median s', 'runs (s)', 'server ms (EndTime - StartTime)', 'server CPU s (median)', 'disk read MB (median)', 'files', 'peak RSS (max)'],
      ...incremental.map((r) => [
        r.tableItems.toLocaleString('en-US'), r.medianSeconds.toFixed(3), r.runs.map((x) => x.toFixed(3)).join(' '), r.serverMillis.join(' '),
        median(r.cpuSeconds).toFixed(2), (median(r.diskReadBytes) / MB).toFixed(1), [...new Set(r.files)].join(' '), fmtMB(Math.max(...r.peakRssBytes)),
      ]),
    ]));
    console.log(`  ratio ${b.tableItems.toLocaleString('en-US')} / ${a.tableItems.toLocaleString('en-US')} items: ${(b.medianSeconds / a.medianSeconds).toFixed(2)} (close to 1: the cost follows the changes)\n`);
  }
  mkdirSync(o.results, { recursive: true });
  const file = join(o.results, `export-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, options: o, itemBytes: approxItemBytes(sample), database: db, load: data.loaded, loadSeconds: data.loadSeconds, full, incremental }, null, 2));
  console.log(`results: ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
