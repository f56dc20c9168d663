/**
 * `npm run bench:rds`: exports a 1,000,000-row PostgreSQL table to S3 as Parquet through Strata (StartExportTask
 * from a live cluster, and CreateDBSnapshot + StartExportTask from the snapshot), against `COPY ... TO` a local
 * file plus gzip measured in the same run, and prints rows/s, MB/s (of the table's heap size) and the ratio.
 *
 *   STRATA_BENCH_PG_URL (default STRATA_TEST_PG_URL, else postgres://strata:strata@127.0.0.1:5432/postgres)
 *   RDS_BENCH_ROWS (default 1000000), RDS_BENCH_PARTITION_MB (default 32)
 *   RDS_BENCH_PHASES (default live,snapshot): which Strata runs to time, in order (`live` may repeat)
 *   RDS_BENCH_CPU_PROF=DIR: run the Strata server under `node --cpu-prof` (profiles land in DIR on exit)
 *
 * Besides wall time it prints the CPU seconds the Strata process (all its threads, and its main thread) used in
 * each phase, read from /proc: on a shared machine those figures move much less than wall time.
 */
import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand, DescribeExportTasksCommand, RDSClient, StartExportTaskCommand } from '@aws-sdk/client-rds';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLauncherNodeFlags } from '../src/cli/launcher-flags.js';
import pg from 'pg';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PG_URL = process.env.STRATA_BENCH_PG_URL ?? process.env.STRATA_TEST_PG_URL ?? 'postgres://strata:strata@127.0.0.1:5432/postgres';
const ROWS = Number(process.env.RDS_BENCH_ROWS ?? 1_000_000);
const PARTITION_MB = process.env.RDS_BENCH_PARTITION_MB ?? '32';
const PHASES = (process.env.RDS_BENCH_PHASES ?? 'live,snapshot').split(',');
const CPU_PROF = process.env.RDS_BENCH_CPU_PROF;
const DB = 'strata_bench_rds';
const creds = { accessKeyId: 'test', secretAccessKey: 'test' };

function dbUrl(name: string): string {
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function load(): Promise<{ client: pg.Client; heapBytes: number }> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const client = new pg.Client({ connectionString: dbUrl(DB) });
  await client.connect();
  const t0 = performance.now();
  await client.query(`CREATE TABLE events (id bigint PRIMARY KEY, user_id integer NOT NULL, kind text NOT NULL, amount numeric(12,2), ok boolean,
    score double precision, created_at timestamptz NOT NULL, payload jsonb)`);
  await client.query(`INSERT INTO events SELECT g, g % 100000, (ARRAY['view','click','buy','refund'])[1 + g % 4], round((g % 100000) / 7.0, 2), g % 3 = 0,
    g * 0.001, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', jsonb_build_object('sku', 'SKU-' || (g % 5000), 'n', g % 10)
    FROM generate_series(1, ${ROWS}) g`);
  await client.query('VACUUM ANALYZE events');
  const heapBytes = Number((await client.query("SELECT pg_relation_size('events') AS n")).rows[0].n);
  console.log(`loaded ${ROWS} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s; heap ${(heapBytes / 1e6).toFixed(1)} MB`);
  return { client, heapBytes };
}

async function baseline(client: pg.Client): Promise<{ copyMs: number; gzipMs: number; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-copy-'));
  execFileSync('chmod', ['777', dir]);
  const file = join(dir, 'events.csv');
  const t0 = performance.now();
  await client.query(`COPY events TO '${file}' WITH (FORMAT csv)`);
  const t1 = performance.now();
  execFileSync('gzip', ['-6', file]);
  const t2 = performance.now();
  const bytes = statSync(`${file}.gz`).size;
  rmSync(dir, { recursive: true, force: true });
  return { copyMs: t1 - t0, gzipMs: t2 - t1, bytes };
}

async function startStrata(dataDir: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const prof = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [];
  const bin = join(ROOT, 'bin/strata.js');
  const child = spawn(process.execPath, [...readLauncherNodeFlags(bin), ...prof, bin, 'serve', '--port', '0', '--data-dir', dataDir, '--rds-cluster', `bench=${dbUrl(DB)}`,
    '--rds-instance', `bench-db=${dbUrl(DB)}`, '--rds-partition-mb', PARTITION_MB, '--rds-embedded', 'false'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((res, rej) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) res(m[1]!);
    });
    child.once('exit', (c) => rej(new Error(`strata exited ${c}: ${out}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { url, pid: child.pid!, stop: () => (child.kill('SIGTERM'), exited) };
}

/** CPU seconds (user + system) the process (every thread) and its main thread have used so far. */
function cpuSeconds(pid: number): { all: number; main: number } {
  const read = (path: string): number => {
    const fields = readFileSync(path, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  return { all: read(`/proc/${pid}/stat`), main: read(`/proc/${pid}/task/${pid}/stat`) };
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function waitTask(rds: RDSClient, id: string): Promise<{ ms: number; gb: number }> {
  const t0 = performance.now();
  for (;;) {
    const t = (await rds.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: id }))).ExportTasks![0]!;
    if (t.Status === 'COMPLETE') return { ms: performance.now() - t0, gb: t.TotalExtractedDataInGB! };
    if (t.Status === 'FAILED' || t.Status === 'CANCELED') throw new Error(`${id}: ${t.Status} ${t.FailureCause}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const { client, heapBytes } = await load();
  const base = await baseline(client);
  const baseMs = base.copyMs + base.gzipMs;
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-bench-rds-'));
  const strata = await startStrata(dataDir);
  const rds = new RDSClient({ endpoint: strata.url, region: 'us-east-1', credentials: creds });
  const s3 = new S3Client({ endpoint: strata.url, region: 'us-east-1', credentials: creds, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  const common = { S3BucketName: 'bench', IamRoleArn: 'arn:aws:iam::000000000000:role/ExportRole', KmsKeyId: 'alias/bench' };
  const results: { name: string; ms: number; cpu: number; main: number }[] = [];
  const timed = async (name: string, run: () => Promise<void>): Promise<void> => {
    const c0 = cpuSeconds(strata.pid);
    const t0 = performance.now();
    await run();
    const c1 = cpuSeconds(strata.pid);
    results.push({ name, ms: performance.now() - t0, cpu: c1.all - c0.all, main: c1.main - c0.main });
  };
  /** Bytes of the Parquet files an export wrote. */
  const parquetBytes = async (prefix: string): Promise<number> => {
    let n = 0;
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'bench', Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key!.endsWith('.parquet')) n += o.Size!;
      token = page.NextContinuationToken;
    } while (token);
    return n;
  };
  let liveParquet = 0;
  try {
    for (const [i, phase] of PHASES.entries()) {
      if (phase !== 'live') continue;
      await timed('strata: StartExportTask from the live cluster', async () => {
        await rds.send(new StartExportTaskCommand({ ExportTaskIdentifier: `live-${i}`, SourceArn: 'arn:aws:rds:us-east-1:000000000000:cluster:bench', ...common }));
        await waitTask(rds, `live-${i}`);
      });
      liveParquet = await parquetBytes(`live-${i}/`);
    }
    if (PHASES.includes('snapshot')) {
      await timed('strata: CreateDBSnapshot (to Parquet on disk)', async () => {
        await rds.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'snap', DBInstanceIdentifier: 'bench-db' }));
        for (;;) {
          const s = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'snap' }))).DBSnapshots![0]!;
          if (s.Status === 'available') break;
          if (s.Status !== 'creating') throw new Error(`snapshot ${s.Status}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      });
      await timed('strata: StartExportTask from the snapshot', async () => {
        await rds.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'from-snap', SourceArn: 'arn:aws:rds:us-east-1:000000000000:snapshot:snap', ...common }));
        await waitTask(rds, 'from-snap');
      });
      const [snap, exp] = results.slice(-2);
      results.push({ name: 'strata: snapshot + export', ms: snap!.ms + exp!.ms, cpu: snap!.cpu + exp!.cpu, main: snap!.main + exp!.main });
    }
    const rss = peakRssMb(strata.pid);

    const mb = heapBytes / 1e6;
    const line = (name: string, ms: number, cpu?: { cpu: number; main: number }): string =>
      `${name.padEnd(46)} ${(ms / 1000).toFixed(2).padStart(6)} s ${Math.round(ROWS / (ms / 1000)).toLocaleString('en-US').padStart(10)} rows/s ${(mb / (ms / 1000)).toFixed(1).padStart(6)} MB/s  ratio ${(ms / baseMs).toFixed(2)}x` +
      (cpu === undefined ? '' : `  cpu ${cpu.cpu.toFixed(2)} s (main thread ${cpu.main.toFixed(2)} s)`);
    console.log(`\nPostgreSQL table: ${ROWS.toLocaleString('en-US')} rows, ${mb.toFixed(1)} MB heap; Strata partitions of ${PARTITION_MB} MB; MB/s = heap MB / wall time\n`);
    console.log(line('baseline: COPY TO file + gzip -6', baseMs), `(COPY ${(base.copyMs / 1000).toFixed(2)} s + gzip ${(base.gzipMs / 1000).toFixed(2)} s, ${(base.bytes / 1e6).toFixed(1)} MB)`);
    for (const r of results) console.log(line(r.name, r.ms, r));
    if (liveParquet) console.log(`\nParquet written by a live export: ${(liveParquet / 1e6).toFixed(1)} MB (GZIP)`);
    console.log(`\nstrata peak RSS: ${rss.toFixed(0)} MB (ratio = Strata time / baseline time, lower is better; cpu = CPU seconds of the Strata process: all threads, and the main one)`);
  } finally {
    await strata.stop();
    await client.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
