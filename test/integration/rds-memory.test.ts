/**
 * Bounded memory (design invariant 5), measured rather than assumed: PostgreSQL tables of about 130 and 520 MB,
 * generated server-side, are exported live one after the other, and the Strata server process's peak resident set
 * (VmHWM in /proc/<pid>/status, the kernel's high-water mark over the process's life) may grow only by a small
 * fraction of the extra data, under an absolute bound. The rows come back through DuckDB only as a count and a
 * checksum, so the test itself stays small.
 */
import { StartExportTaskCommand } from '@aws-sdk/client-rds';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { downloadParts, duckQuery, freshPgDatabase, needs, parquetList, PG_URL, removeTemp } from '../helpers/databases.js';
import { s3 } from '../helpers/exports.js';
import { clusterArn, KMS, rds, ROLE, waitExport } from '../helpers/rds.js';
import { removeDir, startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

const DB = 'strata_rds_memory';
const BUCKET = 'rds-memory';
const ROWS = 1_200_000;
const MEDIUM_ROWS = 300_000;
const MB = 1024 * 1024;

/** Peak resident set size of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'VmHWM in /proc/<pid>/status');
  return Number(m[1]) * 1024;
}

describe('RDS export: memory stays bounded', { skip: needs(PG_URL, 'PostgreSQL') }, () => {
  let strata: StrataProcess;
  let db: pg.Client;
  let tableBytes = 0;
  let mediumBytes = 0;

  before(async () => {
    const fresh = await freshPgDatabase(DB);
    db = fresh.client;
    // About 420 bytes a row; values distinct per row (no dictionary shortcut), cheap to compress.
    for (const [table, rows] of [['wide', ROWS], ['medium', MEDIUM_ROWS]] as const) {
      await db.query(`CREATE TABLE public.${table} (id bigint PRIMARY KEY, a text, b text);
        INSERT INTO public.${table} SELECT g, lpad(g::text, 200, 'x'), lpad(md5(g::text), 200, 'y') FROM generate_series(1, ${rows}) g;
        ANALYZE public.${table};`);
    }
    tableBytes = Number((await db.query("SELECT pg_table_size('public.wide') AS n")).rows[0].n);
    mediumBytes = Number((await db.query("SELECT pg_table_size('public.medium') AS n")).rows[0].n);
    strata = await startStrataProcess(['--rds-cluster', `pg-memory=${fresh.url}`, '--rds-embedded', 'false']);
    await s3(strata.url).send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  after(async () => {
    await strata?.stop();
    if (strata) removeDir(strata.dataDir);
    await db?.query('DROP TABLE IF EXISTS public.wide, public.medium').catch(() => undefined);
    await db?.end();
  });

  test(`a live export of a ${ROWS.toLocaleString('en')}-row table keeps the server's peak RSS constant in the table size`, async () => {
    assert.ok(tableBytes > 450 * MB && mediumBytes < tableBytes / 2, `tables of ${Math.round(mediumBytes / MB)} and ${Math.round(tableBytes / MB)} MB`);
    const client = rds(strata.url);
    const pid = strata.child.pid!;
    const exportTable = async (id: string, table: string): Promise<number> => {
      const t0 = Date.now();
      await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: id, SourceArn: clusterArn('pg-memory'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS, ExportOnly: [`${DB}.public.${table}`] }));
      const done = await waitExport(client, id, 120_000);
      assert.equal(done.Status, 'COMPLETE', done.FailureCause);
      return (Date.now() - t0) / 1000;
    };
    const startPeak = peakRss(pid);
    // A table a third the size first, twice: the peak of the machinery itself (Node, V8, the encoder threads and
    // their WASM, row groups, chunks and upload buffers), which must not grow with the table. Twice because the
    // first export leaves the allocators short of their settled size: measured peaks 387, 417, 418 MB for three
    // medium exports, then 435 and 439 MB for two of 390 MB. With one warm-up the creep (up to 67 MB on CI) was
    // measured as if it came from the table.
    await exportTable('memory-medium', 'medium');
    await exportTable('memory-medium-again', 'medium');
    const mediumPeak = peakRss(pid);
    const seconds = await exportTable('memory', 'wide');
    const peak = peakRss(pid);
    const mb = (n: number): number => Math.round(n / MB);
    console.log(`# tables ${mb(mediumBytes)} MB then ${mb(tableBytes)} MB (${ROWS} rows, ${seconds.toFixed(1)} s); peak RSS ${mb(startPeak)} MB at start, ${mb(mediumPeak)} MB, then ${mb(peak)} MB`);
    // Constant in the table size: 4x the data may add only a small fraction of the difference to the peak.
    assert.ok(peak - mediumPeak < (tableBytes - mediumBytes) * 0.25, `peak RSS grew by ${mb(peak - mediumPeak)} MB for ${mb(tableBytes - mediumBytes)} MB more data`);
    // And the machinery's own peak has a bound, whatever the table: 436-467 MB measured here (and 452 on CI),
    // so the bound leaves room for the machine's variance without letting a table-sized buffer through.
    assert.ok(peak < 576 * MB, `peak RSS ${mb(peak)} MB`);

    const parts = await downloadParts(s3(strata.url), BUCKET, `memory/${DB}/public.wide/`);
    try {
      const [[count, sum]] = (await duckQuery(`SELECT count(*), CAST(sum(id) AS VARCHAR) FROM read_parquet(${parquetList(parts.files)})`)) as [[unknown, unknown]];
      assert.equal(Number(count), ROWS);
      assert.equal(String(sum), String((BigInt(ROWS) * BigInt(ROWS + 1)) / 2n));
    } finally {
      removeTemp(parts.dir);
    }
  });
});
