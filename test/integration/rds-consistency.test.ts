/**
 * Snapshots that hold against DDL, and how table structure lands in batch folders (spec 3.3), against a real
 * PostgreSQL and a real MariaDB. TRUNCATE and table-rewriting ALTERs are not MVCC-safe: a snapshot taken before
 * them reads an empty or rewritten table unless it locked the tables first. So: CreateDBSnapshot (or a live
 * cluster export), then TRUNCATE / ALTER TABLE ... ADD COLUMN ... DEFAULT <volatile> / DROP TABLE / CREATE TABLE
 * from other connections, issued without waiting (they wait for the snapshot's locks), and the export must hold
 * exactly the rows as of the snapshot, read back by DuckDB.
 */
import { CreateDBClusterSnapshotCommand, CreateDBSnapshotCommand, StartExportTaskCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { downloadParts, duckQuery, freshMysqlDatabases, freshPgDatabase, MYSQL_URL, mysqlUrl, needs, parquetList, PG_URL, removeTemp } from '../helpers/databases.js';
import { getBytes, listKeys } from '../helpers/exports.js';
import { clusterArn, clusterSnapshotArn, compareRows, KMS, ROLE, snapshotArn, waitExport, waitSnapshot, type ColumnCheck, startRdsServer, stopServer } from '../helpers/rds.js';
import type { StrataProcess } from '../helpers/strata-process.js';

const ROWS = 20_000;
const cols: ColumnCheck[] = [{ name: 'id', kind: 'int' }, { name: 'v', kind: 'text' }];

interface TableInfo {
  target: string;
  tableStatistics?: { partitioningInfo: { numberOfPartitions: number; numberOfCompletedPartitions: number; constraintType?: string } };
}

async function tablesInfo(bucket: S3Client, name: string, base: string): Promise<Map<string, TableInfo>> {
  const key = (await listKeys(bucket, name, `${base}/export_tables_info_`))[0]!.key;
  const parsed = JSON.parse((await getBytes(bucket, name, key)).toString()) as { perTableStatus: TableInfo[] };
  return new Map(parsed.perTableStatus.map((t) => [t.target, t]));
}

/** Every key under a table folder, relative to it. */
async function tableKeys(bucket: S3Client, name: string, folder: string): Promise<string[]> {
  return (await listKeys(bucket, name, `${folder}/`)).map((k) => k.key.slice(folder.length + 1)).sort();
}

async function checkTable(bucket: S3Client, name: string, folder: string, expected: (string | null)[][], label: string, columns = cols): Promise<void> {
  const parts = await downloadParts(bucket, name, `${folder}/`);
  try {
    await compareRows(parts.files, columns, expected, label);
  } finally {
    removeTemp(parts.dir);
  }
}

describe('RDS snapshots hold against DDL: PostgreSQL', { skip: needs(PG_URL, 'PostgreSQL') }, () => {
  const DB = 'strata_rds_ddl';
  const BUCKET = 'rds-ddl-pg';
  let strata: StrataProcess;
  let client: RDSClient;
  let bucket: S3Client;
  let db: pg.Client;
  let url: string;

  async function rows(table: string): Promise<(string | null)[][]> {
    return (await db.query({ text: `SELECT src.id::text, src.v FROM ${table} AS src ORDER BY src.id`, rowMode: 'array' })).rows as (string | null)[][];
  }

  /** A statement on a connection of its own, not awaited: it may wait for the snapshot's locks. */
  function elsewhere(sql: string): Promise<void> {
    const c = new pg.Client({ connectionString: url });
    return c.connect().then(() => c.query(sql)).then(() => undefined).finally(() => c.end());
  }

  async function fill(tables: string[]): Promise<void> {
    for (const t of tables) {
      await db.query(`DROP TABLE IF EXISTS ${t} CASCADE; CREATE TABLE ${t} (id integer PRIMARY KEY, v text);
        INSERT INTO ${t} SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, ${ROWS}) g;`);
    }
  }

  before(async () => {
    const fresh = await freshPgDatabase(DB);
    db = fresh.client;
    url = fresh.url;
    ({ strata, client, bucket } = await startRdsServer(['--rds-instance', `ddl-pg=${url}`, '--rds-cluster', `ddl-pg-live=${url}`, '--rds-partition-mb', '0.25', '--rds-embedded', 'false'], BUCKET, // Slow chunks: the copy lasts a few seconds, well after the DDL below is issued.
      { env: { STRATA_TEST_RDS_CHUNK_DELAY_MS: '20' } }));
  });

  after(async () => {
    await stopServer(strata);
    await db?.end();
  });

  test('TRUNCATE, a rewriting ALTER, DROP and CREATE TABLE after CreateDBSnapshot: the export holds the rows as of the snapshot', async () => {
    await fill(['public.t_trunc', 'public.t_alter', 'public.t_drop', 'public.t_plain']);
    const expected = { t_trunc: await rows('public.t_trunc'), t_alter: await rows('public.t_alter'), t_drop: await rows('public.t_drop'), t_plain: await rows('public.t_plain') };
    const created = await client.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'ddl-snap', DBInstanceIdentifier: 'ddl-pg' }));
    assert.equal(created.DBSnapshot!.Status, 'creating');
    let ddlDone = 0;
    const ddl = [
      elsewhere('TRUNCATE public.t_trunc'),
      elsewhere('ALTER TABLE public.t_alter ADD COLUMN extra double precision DEFAULT random()'),
      elsewhere('DROP TABLE public.t_drop'),
      elsewhere('CREATE TABLE public.t_new AS SELECT g AS id, g::text AS v FROM generate_series(1, 10) g'),
      elsewhere('UPDATE public.t_plain SET v = \'changed\''),
    ].map((p) => p.then(() => void ddlDone++));
    const snap = await waitSnapshot(client, 'ddl-snap');
    assert.equal(snap.Status, 'available');
    await Promise.all(ddl);
    assert.equal(ddlDone, 5);
    // The DDL went through once the snapshot was done.
    assert.equal(Number((await db.query('SELECT count(*) FROM public.t_trunc')).rows[0].count), 0);

    await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'ddl-export', SourceArn: snapshotArn('ddl-snap'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS }));
    const done = await waitExport(client, 'ddl-export');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    for (const [t, rowsThen] of Object.entries(expected)) await checkTable(bucket, BUCKET, `ddl-export/${DB}/public.${t}`, rowsThen, t);
    const info = await tablesInfo(bucket, BUCKET, 'ddl-export');
    assert.deepEqual([...info.keys()].sort(), ['t_alter', 't_drop', 't_plain', 't_trunc'].map((t) => `${DB}.public.${t}`));
    const parts = await downloadParts(bucket, BUCKET, `ddl-export/${DB}/public.t_alter/`);
    try {
      const names = (await duckQuery(`SELECT name FROM parquet_schema(${parquetList(parts.files.slice(0, 1))})`)).map((r) => r[0]);
      assert.ok(!names.includes('extra'), 'the column added after the snapshot is not exported');
    } finally {
      removeTemp(parts.dir);
    }
  });

  test('a live cluster export holds against TRUNCATE issued right after StartExportTask', async () => {
    await fill(['public.live_trunc']);
    const expected = await rows('public.live_trunc');
    await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'ddl-live', SourceArn: clusterArn('ddl-pg-live'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS, ExportOnly: [`${DB}.public.live_trunc`] }));
    const truncated = elsewhere('TRUNCATE public.live_trunc');
    const done = await waitExport(client, 'ddl-live');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    await truncated;
    await checkTable(bucket, BUCKET, `ddl-live/${DB}/public.live_trunc`, expected, 'live_trunc');
  });

  test('inheritance children are exported once (ONLY); a partitioned table has a batch folder per partition', async () => {
    await db.query(`
      DROP TABLE IF EXISTS public.inh_parent CASCADE; DROP TABLE IF EXISTS public.events CASCADE;
      CREATE TABLE public.inh_parent (id integer, v text);
      CREATE TABLE public.inh_child (extra integer) INHERITS (public.inh_parent);
      INSERT INTO public.inh_parent SELECT g, 'parent ' || g FROM generate_series(1, 50) g;
      INSERT INTO public.inh_child SELECT g, 'child ' || g, g FROM generate_series(101, 130) g;
      CREATE TABLE public.events (id integer, at date, v text) PARTITION BY RANGE (at);
      CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
      INSERT INTO public.events SELECT g, date '2024-01-01' + (g % 700), repeat(md5(g::text), 2) FROM generate_series(1, 3000) g;`);
    await client.send(new StartExportTaskCommand({
      ExportTaskIdentifier: 'structure', SourceArn: clusterArn('ddl-pg-live'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS,
      ExportOnly: [`${DB}.public.inh_parent`, `${DB}.public.inh_child`, `${DB}.public.events`],
    }));
    const done = await waitExport(client, 'structure');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    await checkTable(bucket, BUCKET, `structure/${DB}/public.inh_parent`, (await db.query({ text: 'SELECT src.id::text, src.v FROM ONLY public.inh_parent AS src ORDER BY src.id', rowMode: 'array' })).rows, 'inh_parent');
    await checkTable(bucket, BUCKET, `structure/${DB}/public.inh_child`, await rows('public.inh_child'), 'inh_child');

    // events: one batch folder per partition (2024, 2025; 2026 is empty and writes nothing), no folder of its own rows.
    const keys = await tableKeys(bucket, BUCKET, `structure/${DB}/public.events`);
    assert.deepEqual(keys.filter((k) => !k.endsWith('.parquet')), ['1/_SUCCESS', '2/_SUCCESS']);
    for (const k of keys.filter((x) => x.endsWith('.parquet'))) assert.match(k, /^[12]\/part-00000-[0-9a-f-]{36}-c000\.gz\.parquet$/);
    await checkTable(bucket, BUCKET, `structure/${DB}/public.events`, await rows('public.events'), 'events');
    const batch1 = await downloadParts(bucket, BUCKET, `structure/${DB}/public.events/1/`);
    try {
      await compareRows(batch1.files, cols, await rows('public.events_2024'), 'events batch 1 = events_2024');
    } finally {
      removeTemp(batch1.dir);
    }
    const info = await tablesInfo(bucket, BUCKET, 'structure');
    assert.equal(info.get(`${DB}.public.events`)!.tableStatistics!.partitioningInfo.numberOfPartitions, 3);
    assert.equal(info.get(`${DB}.public.events`)!.tableStatistics!.partitioningInfo.constraintType, undefined);
    assert.ok(!info.has(`${DB}.public.events_2024`), 'partitions are exported under their table');
  });
});

describe('RDS snapshots hold against DDL: MySQL/MariaDB', { skip: needs(MYSQL_URL, 'MariaDB') }, () => {
  const DB = 'strata_rds_ddl';
  const BUCKET = 'rds-ddl-mysql';
  let strata: StrataProcess;
  let client: RDSClient;
  let bucket: S3Client;
  let db: mysql.Connection;

  async function rows(table: string): Promise<(string | null)[][]> {
    const [r] = await db.query({ sql: `SELECT CAST(id AS CHAR), v FROM ${DB}.${table} ORDER BY id`, rowsAsArray: true });
    return (r as unknown[][]).map((x) => x.map((v) => (v === null ? null : String(v))));
  }

  function elsewhere(sql: string): Promise<void> {
    return mysql.createConnection({ uri: mysqlUrl(DB) }).then(async (c) => {
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    });
  }

  before(async () => {
    db = await freshMysqlDatabases([DB]);
    for (const t of ['m_trunc', 'm_alter', 'm_drop', 'm_plain']) {
      await db.query(`CREATE TABLE ${DB}.${t} (id int PRIMARY KEY, v varchar(200)) ENGINE=InnoDB`);
      for (let b = 0; b < 4; b++) {
        await db.query(`INSERT INTO ${DB}.${t} VALUES ${Array.from({ length: 2500 }, (_, j) => `(${b * 2500 + j + 1}, '${t} row ${b * 2500 + j + 1} ${'x'.repeat(60)}')`).join(', ')}`);
      }
    }
    await db.query(`CREATE TABLE ${DB}.m_parts (id int PRIMARY KEY, v varchar(200)) ENGINE=InnoDB
      PARTITION BY RANGE (id) (PARTITION p_low VALUES LESS THAN (100), PARTITION p_empty VALUES LESS THAN (200), PARTITION p_high VALUES LESS THAN MAXVALUE)`);
    // Zero dates need a permissive sql_mode to get in at all.
    await db.query(`SET SESSION sql_mode = ''; CREATE TABLE ${DB}.m_zero (id int PRIMARY KEY, at datetime, d date) ENGINE=InnoDB;
      INSERT INTO ${DB}.m_zero VALUES (1, '0000-00-00 00:00:00', '0000-00-00'), (2, '2024-05-06 07:08:09', '2024-05-06'), (3, '0000-00-00 00:00:00', NULL)`);
    await db.query(`INSERT INTO ${DB}.m_parts VALUES ${Array.from({ length: 60 }, (_, j) => `(${j < 30 ? j + 1 : 300 + j}, 'part ${j}')`).join(', ')}`);
    ({ strata, client, bucket } = await startRdsServer(['--rds-cluster', `ddl-maria=${mysqlUrl(DB)}`, '--rds-partition-mb', '0.25', '--rds-embedded', 'false'], BUCKET, { env: { STRATA_TEST_RDS_CHUNK_DELAY_MS: '20' } }));
  });

  after(async () => {
    await stopServer(strata);
    await db?.end();
  });

  test('TRUNCATE, ALTER, DROP and CREATE TABLE after CreateDBClusterSnapshot: the export holds the rows as of the snapshot', async () => {
    const expected = { m_trunc: await rows('m_trunc'), m_alter: await rows('m_alter'), m_drop: await rows('m_drop'), m_plain: await rows('m_plain') };
    await client.send(new CreateDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'ddl-maria-snap', DBClusterIdentifier: 'ddl-maria' }));
    const ddl = [
      elsewhere(`TRUNCATE TABLE ${DB}.m_trunc`),
      elsewhere(`ALTER TABLE ${DB}.m_alter ADD COLUMN extra double DEFAULT (RAND())`),
      elsewhere(`DROP TABLE ${DB}.m_drop`),
      elsewhere(`CREATE TABLE ${DB}.m_new (id int PRIMARY KEY, v varchar(10)) ENGINE=InnoDB`),
      elsewhere(`UPDATE ${DB}.m_plain SET v = 'changed'`),
    ];
    const snap = await waitSnapshot(client, 'ddl-maria-snap', true);
    assert.equal(snap.Status, 'available');
    await Promise.all(ddl);
    await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'ddl-maria-export', SourceArn: clusterSnapshotArn('ddl-maria-snap'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS }));
    const done = await waitExport(client, 'ddl-maria-export');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    for (const [t, rowsThen] of Object.entries(expected)) await checkTable(bucket, BUCKET, `ddl-maria-export/${DB}/${DB}.${t}`, rowsThen, t);
    const info = await tablesInfo(bucket, BUCKET, 'ddl-maria-export');
    assert.ok(!info.has(`${DB}.m_new`), 'a table created after the snapshot is not in it');
    assert.ok(info.has(`${DB}.m_drop`));

    // Read sequentially (one reader): every file is a batch folder of its own, part-00000 in each.
    const keys = await tableKeys(bucket, BUCKET, `ddl-maria-export/${DB}/${DB}.m_trunc`);
    const batches = keys.filter((k) => k.endsWith('/_SUCCESS')).map((k) => Number(k.split('/')[0])).sort((a, b) => a - b);
    assert.ok(batches.length >= 2, `batches: ${keys.join(' ')}`);
    assert.deepEqual(batches, Array.from({ length: batches.length }, (_, i) => i + 1));
    for (const k of keys.filter((x) => x.endsWith('.parquet'))) assert.match(k, /^\d+\/part-00000-[0-9a-f-]{36}-c000\.gz\.parquet$/);
    assert.equal(info.get(`${DB}.m_trunc`)!.tableStatistics!.partitioningInfo.numberOfPartitions, batches.length);

    // A partitioned table: a batch per partition that holds rows.
    const partKeys = await tableKeys(bucket, BUCKET, `ddl-maria-export/${DB}/${DB}.m_parts`);
    assert.deepEqual(partKeys.filter((k) => !k.endsWith('.parquet')), ['1/_SUCCESS', '2/_SUCCESS']);
    const low = await downloadParts(bucket, BUCKET, `ddl-maria-export/${DB}/${DB}.m_parts/1/`);
    try {
      const [r] = await db.query({ sql: `SELECT CAST(id AS CHAR), v FROM ${DB}.m_parts PARTITION (p_low) ORDER BY id`, rowsAsArray: true });
      await compareRows(low.files, cols, r as (string | null)[][], 'm_parts batch 1 = p_low');
    } finally {
      removeTemp(low.dir);
    }
    await checkTable(bucket, BUCKET, `ddl-maria-export/${DB}/${DB}.m_parts`, await rows('m_parts'), 'm_parts');
  });

  test('zero dates become NULL and WarningMessage says so, per table', async () => {
    await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'zero-dates', SourceArn: clusterArn('ddl-maria'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS, ExportOnly: [`${DB}.m_zero`, `${DB}.m_parts`] }));
    const done = await waitExport(client, 'zero-dates');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    const warning = JSON.parse(done.WarningMessage!) as { general: { reason: string; target: string; count: number }[] };
    assert.deepEqual(warning.general, [{ reason: 'ZERO_DATES_EXPORTED_AS_NULL', target: `${DB}.m_zero`, count: 2 }]);
    const parts = await downloadParts(bucket, BUCKET, `zero-dates/${DB}/${DB}.m_zero/`);
    try {
      const got = await duckQuery(`SELECT id, CAST(epoch_us("at") AS VARCHAR), d FROM read_parquet(${parquetList(parts.files)}) ORDER BY id`);
      assert.deepEqual(got, [[1, null, '0000-00-00'], [2, String(Date.UTC(2024, 4, 6, 7, 8, 9) * 1000), '2024-05-06'], [3, null, null]]);
    } finally {
      removeTemp(parts.dir);
    }
  });
});
