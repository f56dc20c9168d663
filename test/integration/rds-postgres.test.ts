/**
 * RDS export tasks against a real PostgreSQL: every mapped type, NULLs, unicode, large rows, several
 * schemas, a table split into ctid partitions, ExportOnly, snapshots that hold while the source changes,
 * live cluster exports, cancellation and every StartExportTask fault. Each exported Parquet file is read
 * back with DuckDB and compared, row by row, with the source as of the snapshot. Then PercentProgress and
 * TotalExtractedDataInGB as a client polling DescribeExportTasks sees them during exports that take a few seconds,
 * and the layout of a Parquet file of several row groups.
 */
import {
  CancelExportTaskCommand, CreateDBSnapshotCommand, DeleteDBSnapshotCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand, DescribeExportTasksCommand, StartExportTaskCommand, type ExportTask, type RDSClient,
} from '@aws-sdk/client-rds';
import { CreateBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { readStruct, type TStruct } from '../../src/rds/parquet-gzip.js';
import { downloadParts, duckQuery, freshPgDatabase, needs, PG_URL, removeTemp } from '../helpers/databases.js';
import { getBytes, listKeys, s3 } from '../helpers/exports.js';
import {
  clusterArn, compareRows, expectFault, KMS, parquetColumns, rds, ROLE, snapshotArn, waitExport, waitSnapshot, type ColumnCheck,
  startRdsServer, stopServer,
} from '../helpers/rds.js';
import { removeDir, startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

const DB = 'strata_rds_pg';
const BUCKET = 'rds-pg-exports';

/** Every type of the AWS PostgreSQL mapping table; `kind` is how the test compares the exported value. */
const EVERYTHING: [string, string, ColumnCheck['kind'], string, string][] = [
  // name, SQL type, compare as, Parquet physical type, logical (substring; '' = none)
  ['id', 'bigserial PRIMARY KEY', 'int', 'INT64', ''],
  ['i2', 'smallint', 'int', 'INT32', 'IntType('],
  ['i4', 'integer', 'int', 'INT32', ''],
  ['i8', 'bigint', 'int', 'INT64', ''],
  ['s4', 'serial', 'int', 'INT32', ''],
  ['r4', 'real', 'float32', 'FLOAT', ''],
  ['f8', 'double precision', 'float64', 'DOUBLE', ''],
  ['num', 'numeric(20,4)', 'text', 'BYTE_ARRAY', 'String'],
  ['numu', 'numeric', 'text', 'BYTE_ARRAY', 'String'],
  ['mon', 'money', 'text', 'BYTE_ARRAY', 'String'],
  ['flag', 'boolean', 'text', 'BOOLEAN', ''],
  ['raw', 'bytea', 'bin', 'BYTE_ARRAY', ''],
  ['ch', 'char(5)', 'text', 'BYTE_ARRAY', 'String'],
  ['vc', 'varchar(40)', 'text', 'BYTE_ARRAY', 'String'],
  ['txt', 'text', 'text', 'BYTE_ARRAY', 'String'],
  ['nm', 'name', 'text', 'BYTE_ARRAY', 'String'],
  ['bits', 'bit(4)', 'text', 'BYTE_ARRAY', 'String'],
  ['vbits', 'bit varying(8)', 'text', 'BYTE_ARRAY', 'String'],
  ['doc', 'xml', 'text', 'BYTE_ARRAY', 'String'],
  ['tsv', 'tsvector', 'text', 'BYTE_ARRAY', 'String'],
  ['d', 'date', 'text', 'BYTE_ARRAY', 'String'],
  ['t', 'time', 'text', 'BYTE_ARRAY', 'String'],
  ['ttz', 'time with time zone', 'text', 'BYTE_ARRAY', 'String'],
  ['ts', 'timestamp', 'text', 'BYTE_ARRAY', 'String'],
  ['tstz', 'timestamptz', 'text', 'BYTE_ARRAY', 'String'],
  ['iv', 'interval', 'text', 'BYTE_ARRAY', 'String'],
  ['pt', 'point', 'text', 'BYTE_ARRAY', 'String'],
  ['bx', 'box', 'text', 'BYTE_ARRAY', 'String'],
  ['circ', 'circle', 'text', 'BYTE_ARRAY', 'String'],
  ['ln', 'line', 'text', 'BYTE_ARRAY', 'String'],
  ['seg', 'lseg', 'text', 'BYTE_ARRAY', 'String'],
  ['pth', 'path', 'text', 'BYTE_ARRAY', 'String'],
  ['poly', 'polygon', 'text', 'BYTE_ARRAY', 'String'],
  ['js', 'json', 'text', 'BYTE_ARRAY', 'String'],
  ['jsb', 'jsonb', 'text', 'BYTE_ARRAY', 'String'],
  ['net', 'cidr', 'text', 'BYTE_ARRAY', 'String'],
  ['host', 'inet', 'text', 'BYTE_ARRAY', 'String'],
  ['mac', 'macaddr', 'text', 'BYTE_ARRAY', 'String'],
  ['uid', 'uuid', 'text', 'BYTE_ARRAY', 'String'],
  ['ints', 'integer[]', 'text', 'BYTE_ARRAY', 'String'],
  ['texts', 'text[]', 'text', 'BYTE_ARRAY', 'String'],
  ['rng', 'int4range', 'text', 'BYTE_ARRAY', 'String'],
  ['mood', 'sales.mood', 'text', 'BYTE_ARRAY', 'String'],
  ['pos', 'sales.posint', 'text', 'BYTE_ARRAY', 'String'],
  ['pair', 'sales.pair', 'text', 'BYTE_ARRAY', 'String'],
  ['lsn', 'pg_lsn', 'text', 'BYTE_ARRAY', 'String'],
];

const ROW = (i: number): string => `(
  ${i}, ${i % 3 === 0 ? -32768 : 123}, ${-2147483648 + i}, ${i === 2 ? '9223372036854775807' : -i * 1000000007}, DEFAULT, ${i === 3 ? "'NaN'" : i === 4 ? "'-Infinity'" : `${i}.25`}, ${i === 5 ? "'Infinity'" : `${i} * 0.1`},
  ${i}23456789.0123, '${i}e-20', ${i}234.56, ${i % 2 === 0}, decode('00ff${(i % 256).toString(16).padStart(2, '0')}', 'hex'),
  'ab', 'héllo wörld ${i} ✓', E'line\\nnext "quoted" \\\\ 日本語 😀 ${i}', 'nm${i}', B'1010', B'101', '<a b="${i}">x &amp; y</a>', to_tsvector('simple', 'the quick fox ${i}'),
  DATE '2024-02-29' + ${i}, TIME '13:45:10.123456', TIME WITH TIME ZONE '04:05:06.789-08', TIMESTAMP '1999-12-31 23:59:59.999999' + ${i} * INTERVAL '1 day',
  TIMESTAMPTZ '2024-03-10 02:30:00+05:30' + ${i} * INTERVAL '1 hour', INTERVAL '1 year 2 mons 3 days 04:05:06.7',
  POINT(${i}, -2.5), BOX(POINT(0,0), POINT(${i},1)), CIRCLE(POINT(1,1), ${i}), LINE '{1,-1,${i}}', LSEG '[(0,0),(${i},1)]', PATH '[(0,0),(1,${i}),(2,0)]', POLYGON '((0,0),(1,${i}),(2,0))',
  '{"a": ${i}, "b": [1, "two", null], "ü": "😀"}', '{"z": ${i}, "a": {"nested": true}}', '10.${i}.0.0/16', '192.168.${i}.1/24', '08:00:2b:01:02:${(i % 100).toString().padStart(2, '0')}',
  md5('${i}')::uuid, ARRAY[${i}, NULL, 3], ARRAY['a b', 'c,d', 'é"${i}'], int4range(${i}, ${i + 10}), '${['sad', 'ok', 'happy'][i % 3]}', ${i + 1}, ROW(${i}, 'x y'), '16/B374D8${(i % 100).toString().padStart(2, '0')}'
)`;

const BIG_ROWS = 6000;

let strata: StrataProcess;
let client: RDSClient;
let bucket: S3Client;
let db: pg.Client;

async function sourceRows(table: string, cols: ColumnCheck[]): Promise<(string | null)[][]> {
  const select = cols.map((c) => (c.kind === 'bin' ? `upper(encode("${c.name}", 'hex'))` : `"${c.name}"::text`)).join(', ');
  return (await db.query({ text: `SELECT ${select} FROM ${table} AS src ORDER BY src."${cols[0]!.name}"`, rowMode: 'array' })).rows as (string | null)[][];
}

const everythingCols: ColumnCheck[] = EVERYTHING.map(([name, , kind]) => ({ name, kind }));
const bigCols: ColumnCheck[] = [{ name: 'id', kind: 'int' }, { name: 'payload', kind: 'text' }, { name: 'blob', kind: 'bin' }];
const peopleCols: ColumnCheck[] = [{ name: 'id', kind: 'int' }, { name: 'name', kind: 'text' }, { name: 'born', kind: 'text' }];
const largeCols: ColumnCheck[] = [{ name: 'id', kind: 'int' }, { name: 'body', kind: 'text' }, { name: 'data', kind: 'bin' }];

const TABLES = {
  'sales.everything': everythingCols,
  'sales.big': bigCols,
  'hr.people': peopleCols,
  'public.large': largeCols,
} as const;

async function snapshotOfSource(): Promise<Record<string, (string | null)[][]>> {
  const out: Record<string, (string | null)[][]> = {};
  for (const [t, cols] of Object.entries(TABLES)) out[t] = await sourceRows(t, [...cols]);
  return out;
}

/** Changes every table, so a snapshot that did not hold would show it. */
async function modifySource(tag: string): Promise<void> {
  await db.query(`UPDATE sales.everything SET txt = 'changed ${tag}', i4 = 0`);
  await db.query('DELETE FROM sales.big WHERE id % 3 = 0');
  await db.query(`INSERT INTO sales.big (payload) VALUES ('added ${tag}')`);
  await db.query(`UPDATE hr.people SET name = name || ' ${tag}'`);
  await db.query(`INSERT INTO hr.people (name, born) VALUES ('new ${tag}', '2000-01-01')`);
  await db.query('DELETE FROM public.large WHERE id = 1');
}

async function exportedTable(base: string, folder: string): Promise<{ dir: string; files: string[]; keys: string[] }> {
  return downloadParts(bucket, BUCKET, `${base}/${folder}/`);
}

describe('RDS export tasks: PostgreSQL', { skip: needs(PG_URL, 'PostgreSQL') }, () => {
  let pgUrl: string;
  before(async () => {
    const fresh = await freshPgDatabase(DB);
    db = fresh.client;
    pgUrl = fresh.url;
    await db.query(`
      CREATE SCHEMA sales; CREATE SCHEMA hr;
      CREATE TYPE sales.mood AS ENUM ('sad', 'ok', 'happy');
      CREATE DOMAIN sales.posint AS integer CHECK (VALUE > 0);
      CREATE TYPE sales.pair AS (a integer, b text);
      CREATE TABLE sales.everything (${EVERYTHING.map(([n, t]) => `"${n}" ${t}`).join(', ')}, legacy oid);
      CREATE TABLE sales.big (id serial PRIMARY KEY, payload text, blob bytea);
      CREATE TABLE hr.people (id serial PRIMARY KEY, name text NOT NULL, born date);
      CREATE TABLE public.large (id integer PRIMARY KEY, body text, data bytea);
      CREATE UNLOGGED TABLE public.scratch (id integer);
      CREATE TABLE public."odd cols" ("a b" integer);
      CREATE VIEW hr.people_view AS SELECT * FROM hr.people;`);
    await db.query(`INSERT INTO sales.everything VALUES ${[1, 2, 3, 4, 5, 6].map(ROW).join(', ')}`);
    await db.query(`INSERT INTO sales.everything (id) VALUES (7)`); // every other column NULL
    await db.query(`INSERT INTO sales.big (payload, blob) SELECT repeat(md5(g::text), 6) || ' ✓ ' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END FROM generate_series(1, ${BIG_ROWS}) g`);
    await db.query("INSERT INTO hr.people (name, born) VALUES ('Zoë', '1985-06-01'), ('Łukasz', NULL), ('李雷', '2001-09-11')");
    await db.query("INSERT INTO public.large VALUES (1, repeat('é', 800000), decode(repeat('ab', 1000000), 'hex')), (2, repeat('x', 1500000), NULL)");
    ({ strata, client, bucket } = await startRdsServer(['--rds-instance', `pg-one=${pgUrl}`, '--rds-cluster', `pg-live=${pgUrl}`, '--rds-partition-mb', '0.25', '--rds-embedded', 'false'], BUCKET, { env: { STRATA_TEST_RDS_CHUNK_DELAY_MS: '20' } }));
  });

  after(async () => {
    await stopServer(strata);
    await db?.end();
  });

  test('DescribeDBInstances and DescribeDBClusters show the registered databases with ARNs', async () => {
    const inst = (await client.send(new DescribeDBInstancesCommand({}))).DBInstances!;
    assert.deepEqual(inst.map((i) => i.DBInstanceIdentifier), ['pg-one']);
    assert.equal(inst[0]!.Engine, 'postgres');
    assert.match(inst[0]!.EngineVersion!, /^\d+\.\d+/);
    assert.equal(inst[0]!.DBInstanceArn, 'arn:aws:rds:us-east-1:000000000000:db:pg-one');
    assert.equal(inst[0]!.DBName, DB);
    const cl = (await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'pg-live' }))).DBClusters!;
    assert.equal(cl[0]!.DBClusterArn, 'arn:aws:rds:us-east-1:000000000000:cluster:pg-live');
    assert.equal(cl[0]!.Engine, 'aurora-postgresql');
    await expectFault(client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' })), 'DBInstanceNotFound', 404);
  });

  test('a snapshot holds while the source changes; its export matches the source as of the snapshot, type by type', async () => {
    const before = await snapshotOfSource();
    const bigPages = Number((await db.query("SELECT pg_relation_size('sales.big') / current_setting('block_size')::int AS n")).rows[0].n);
    const created = await client.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'Snap-1', DBInstanceIdentifier: 'pg-one', Tags: [{ Key: 'team', Value: 'data' }] }));
    assert.equal(created.DBSnapshot!.Status, 'creating');
    assert.equal(created.DBSnapshot!.DBSnapshotIdentifier, 'snap-1');
    await modifySource('after-snap-1');
    const snap = await waitSnapshot(client, 'snap-1');
    assert.equal(snap.Status, 'available');
    assert.equal(snap.PercentProgress, 100);
    assert.equal(snap.SnapshotType, 'manual');
    assert.ok(snap.AllocatedStorage! >= 1);
    assert.ok(snap.SnapshotCreateTime instanceof Date);
    assert.deepEqual(snap.TagList, [{ Key: 'team', Value: 'data' }]);
    assert.equal(snap.DBSnapshotArn, snapshotArn('snap-1'));

    const started = await client.send(new StartExportTaskCommand({
      ExportTaskIdentifier: 'pg-full', SourceArn: snapshotArn('snap-1'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS, S3Prefix: 'exports/pg',
    }));
    assert.equal(started.Status, 'STARTING');
    assert.equal(started.PercentProgress, 0);
    assert.equal(started.TotalExtractedDataInGB, 0);
    assert.equal(started.SourceType, 'SNAPSHOT');
    assert.equal(started.TaskStartTime, undefined);
    assert.deepEqual(started.SnapshotTime, snap.SnapshotCreateTime);
    const done = await waitExport(client, 'pg-full');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    assert.equal(done.PercentProgress, 100);
    assert.ok(done.TaskStartTime! <= done.TaskEndTime!);
    assert.equal(done.S3Prefix, 'exports/pg');
    const warning = JSON.parse(done.WarningMessage!) as { skippedTables: { target: string; reason: string }[] };
    assert.deepEqual(warning.skippedTables.map((s) => s.target).sort(), [`${DB}.public.odd cols`, `${DB}.public.scratch`]);

    const base = 'exports/pg/pg-full';
    for (const [table, cols] of Object.entries(TABLES)) {
      const parts = await exportedTable(base, `${DB}/${table}`);
      try {
        assert.ok(parts.files.length >= 1, table);
        for (const k of parts.keys) assert.match(k, new RegExp(`^${base}/${DB}/${table.replace('.', '\\.')}/1/part-\\d{5}-[0-9a-f-]{36}-c000\\.gz\\.parquet$`));
        // Split for parallel reading (or not split): one batch folder, closed by its _SUCCESS marker.
        const all = (await listKeys(bucket, BUCKET, `${base}/${DB}/${table}/`)).map((k) => k.key);
        assert.deepEqual(all.filter((k) => !k.endsWith('.parquet')), [`${base}/${DB}/${table}/1/_SUCCESS`]);
        await compareRows(parts.files, [...cols], before[table]!, table);
      } finally {
        removeTemp(parts.dir);
      }
    }
    // The Parquet schema follows AWS's mapping, GZIP-compressed; oid columns are not exported.
    const parts = await exportedTable(base, `${DB}/sales.everything`);
    try {
      const schema = await parquetColumns(parts.files[0]!);
      assert.ok(!schema.has('legacy'), 'oid column is not exported');
      for (const [name, , , physical, logical] of EVERYTHING) {
        const c = schema.get(name)!;
        assert.equal(c.type, physical, `${name} physical type`);
        if (logical) assert.ok(c.logical.includes(logical), `${name} logical ${c.logical}`);
        else assert.ok(!c.logical.includes('String'), `${name} has no STRING annotation`);
        assert.equal(c.compression, 'GZIP', name);
      }
    } finally {
      removeTemp(parts.dir);
    }
    // SSE-KMS with the task's key, through the S3 sink.
    const anyPart = (await listKeys(bucket, BUCKET, `${base}/${DB}/`))[0]!;
    const head = await bucket.send(new HeadObjectCommand({ Bucket: BUCKET, Key: anyPart.key }));
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, KMS);

    // A large table is split into ctid partitions, one part each.
    const bigKeys = (await listKeys(bucket, BUCKET, `${base}/${DB}/sales.big/1/`)).map((k) => k.key).filter((k) => k.endsWith('.parquet'));
    assert.ok(bigKeys.length >= 3, `sales.big parts: ${bigKeys.length}`);

    const info = JSON.parse((await getBytes(bucket, BUCKET, `${base}/export_info_pg-full.json`)).toString()) as Record<string, unknown>;
    assert.equal(info.exportTaskIdentifier, 'pg-full');
    assert.equal(info.status, 'COMPLETE');
    assert.equal(info.percentProgress, 100);
    assert.equal(info.sourceArn, snapshotArn('snap-1'));
    assert.equal(info.s3Bucket, BUCKET);
    assert.equal(info.kmsKeyId, KMS);
    assert.equal(info.iamRoleArn, ROLE);
    assert.equal(typeof info.totalExportedDataInGB, 'number');
    const infoKeys = (await listKeys(bucket, BUCKET, `${base}/export_tables_info_`)).map((k) => k.key);
    assert.deepEqual(infoKeys, [`${base}/export_tables_info_pg-full_from_1_to_6.json`]);
    const tables = JSON.parse((await getBytes(bucket, BUCKET, infoKeys[0]!)).toString()) as { perTableStatus: Record<string, unknown>[] };
    const byTarget = new Map(tables.perTableStatus.map((t) => [t.target as string, t]));
    const big = byTarget.get(`${DB}.sales.big`) as { status: string; tableStatistics: { partitioningInfo: { numberOfPartitions: number; constraintType: string } } };
    assert.equal(big.status, 'COMPLETE');
    assert.equal(big.tableStatistics.partitioningInfo.constraintType, 'CTID');
    assert.equal(big.tableStatistics.partitioningInfo.numberOfPartitions, bigKeys.length);
    // The ctid bounds are the page range read, in AWS's form: (0,1) to (last page,1).
    const ctid = (big.tableStatistics.partitioningInfo as unknown as { partitionColumns: { columnName: string; min: string; max: string }[] }).partitionColumns[0]!;
    assert.equal(ctid.columnName, 'ctid');
    assert.equal(ctid.min, '(0,1)');
    const lastPage = Number(/^\((\d+),1\)$/.exec(ctid.max)![1]);
    assert.ok(lastPage >= bigPages - 1 && lastPage <= bigPages + 1, `ctid max ${ctid.max} for ${bigPages} pages`);
    const everything = byTarget.get(`${DB}.sales.everything`) as { schemaMetadata: { originalTypeMappings: { columnName: string; originalType: string; expectedExportedType: string }[] } };
    const mapping = new Map(everything.schemaMetadata.originalTypeMappings.map((m) => [m.columnName, m]));
    assert.equal(mapping.get('tstz')!.originalType, 'timestamp with time zone');
    assert.equal(mapping.get('tstz')!.expectedExportedType, 'binary (UTF8)');
    assert.equal(mapping.get('i8')!.expectedExportedType, 'int64');
    assert.equal(mapping.get('mood')!.originalType, 'USER-DEFINED');
    assert.ok(byTarget.has(`${DB}.public.scratch`), 'skipped table listed');
  });

  test('ExportOnly picks schemas and tables; entries that match nothing are reported in WarningMessage', async () => {
    await client.send(new StartExportTaskCommand({
      ExportTaskIdentifier: 'pg-only', SourceArn: snapshotArn('snap-1'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: 'alias/exports',
      ExportOnly: [`${DB}.hr`, `${DB}.sales.big`, `${DB}.nosuch`],
    }));
    const done = await waitExport(client, 'pg-only');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    assert.deepEqual(done.ExportOnly, [`${DB}.hr`, `${DB}.sales.big`, `${DB}.nosuch`]);
    assert.match(done.WarningMessage!, /nosuch/);
    const folders = new Set((await listKeys(bucket, BUCKET, 'pg-only/')).map((k) => k.key.split('/').slice(1, 3).join('/')).filter((f) => f.startsWith(DB)));
    assert.deepEqual([...folders].sort(), [`${DB}/hr.people`, `${DB}/sales.big`]);
  });

  test('a live cluster export reads one consistent transaction (SourceType CLUSTER)', async () => {
    const before = await snapshotOfSource();
    const started = await client.send(new StartExportTaskCommand({
      ExportTaskIdentifier: 'pg-live', SourceArn: clusterArn('pg-live'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS,
    }));
    assert.equal(started.SourceType, 'CLUSTER');
    assert.ok(started.SnapshotTime instanceof Date);
    await modifySource('after-live');
    const done = await waitExport(client, 'pg-live');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    for (const [table, cols] of Object.entries(TABLES)) {
      const parts = await exportedTable('pg-live', `${DB}/${table}`);
      try {
        await compareRows(parts.files, [...cols], before[table]!, `live ${table}`);
      } finally {
        removeTemp(parts.dir);
      }
    }
    const byType = (await client.send(new DescribeExportTasksCommand({ SourceType: 'CLUSTER' }))).ExportTasks!;
    assert.deepEqual(byType.map((t) => t.ExportTaskIdentifier), ['pg-live']);
  });

  // Cancel right after the start (often still STARTING); rds-api.test.ts cancels one seen IN_PROGRESS.
  test('CancelExportTask right after StartExportTask: CANCELING, then CANCELED; a finished task cannot be canceled', async () => {
    await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'pg-cancel', SourceArn: clusterArn('pg-live'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS }));
    const canceling = await client.send(new CancelExportTaskCommand({ ExportTaskIdentifier: 'pg-cancel' }));
    assert.equal(canceling.Status, 'CANCELING');
    const done = await waitExport(client, 'pg-cancel');
    assert.equal(done.Status, 'CANCELED');
    assert.ok(done.TaskEndTime instanceof Date);
    assert.equal((await client.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: 'pg-cancel' }))).ExportTasks![0]!.Status, 'CANCELED');
    await expectFault(client.send(new CancelExportTaskCommand({ ExportTaskIdentifier: 'pg-cancel' })), 'InvalidExportTaskStateFault', 400, /completed/);
    await expectFault(client.send(new CancelExportTaskCommand({ ExportTaskIdentifier: 'no-such-task' })), 'ExportTaskNotFound', 404);
  });

  test('StartExportTask faults, raised where AWS raises them, with its codes and statuses', async () => {
    const ok = { SourceArn: snapshotArn('snap-1'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS };
    const start = (over: Record<string, unknown>) => client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'faulty', ...ok, ...over } as never));
    await expectFault(start({ SourceArn: snapshotArn('missing') }), 'DBSnapshotNotFound', 404, /Could not find snapshot with name missing/);
    await expectFault(start({ SourceArn: 'arn:aws:rds:us-east-1:000000000000:cluster-snapshot:missing' }), 'DBClusterSnapshotNotFoundFault', 404);
    await expectFault(start({ SourceArn: clusterArn('missing') }), 'DBClusterNotFoundFault', 404);
    await expectFault(start({ SourceArn: 'arn:aws:rds:eu-west-1:000000000000:snapshot:snap-1' }), 'DBSnapshotNotFound', 404);
    await expectFault(start({ ExportTaskIdentifier: 'pg-full' }), 'ExportTaskAlreadyExists', 400, /The export task with the ID pg-full already exists/);
    await expectFault(start({ ExportTaskIdentifier: 'bad--id' }), 'InvalidParameterValue', 400, /not a valid identifier/);
    await expectFault(start({ ExportTaskIdentifier: `a${'b'.repeat(60)}` }), 'InvalidParameterValue', 400);
    await expectFault(start({ S3BucketName: 'Not_A_Bucket' }), 'InvalidS3BucketFault', 400);
    await expectFault(start({ IamRoleArn: 'arn:aws:iam::111122223333:role/ExportRole' }), 'IamRoleNotFound', 404);
    await expectFault(start({ IamRoleArn: 'ExportRole' }), 'IamRoleNotFound', 404);
    await expectFault(start({ IamRoleArn: 'arn:aws:iam::000000000000:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS' }), 'IamRoleMissingPermissions', 400);
    await expectFault(start({ KmsKeyId: 'arn:aws:kms:eu-west-1:000000000000:key/abcd0000-7fca-4128-82f2-aabbccddeeff' }), 'KMSKeyNotAccessibleFault', 400);
    await expectFault(start({ KmsKeyId: 'not a key' }), 'KMSKeyNotAccessibleFault', 400);
    await expectFault(start({ ExportOnly: [`${DB}.sales.big.extra`] }), 'InvalidExportOnly', 400);
    await expectFault(start({ ExportOnly: ['my-db'] }), 'InvalidExportOnly', 400);
    // A snapshot still being created is not a valid source.
    await client.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'snap-busy', DBInstanceIdentifier: 'pg-one' }));
    await expectFault(start({ SourceArn: snapshotArn('snap-busy') }), 'InvalidExportSourceState', 400, /creating/);
    await expectFault(client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'snap-busy' })), 'InvalidDBSnapshotState', 400);
    await waitSnapshot(client, 'snap-busy');
    // Nothing was recorded by the refused calls.
    const ids = (await client.send(new DescribeExportTasksCommand({}))).ExportTasks!.map((t) => t.ExportTaskIdentifier);
    assert.ok(!ids.includes('faulty'));
    // A bucket that does not exist fails the task asynchronously, with AWS's cause.
    await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'no-bucket', ...ok, S3BucketName: 'no-such-bucket' }));
    const failed = await waitExport(client, 'no-bucket');
    assert.equal(failed.Status, 'FAILED');
    assert.equal(failed.FailureCause, "The S3 bucket no-such-bucket isn't valid. Either it isn't located in the current AWS Region or it doesn't exist. Review your S3 bucket name and retry the export.");
  });

  test('DescribeExportTasks filters; snapshots are described and deleted', async () => {
    const complete = (await client.send(new DescribeExportTasksCommand({ Filters: [{ Name: 'status', Values: ['complete'] }] }))).ExportTasks!;
    assert.deepEqual(complete.map((t) => t.ExportTaskIdentifier).sort(), ['pg-full', 'pg-live', 'pg-only']);
    const bySource = (await client.send(new DescribeExportTasksCommand({ SourceArn: snapshotArn('snap-1') }))).ExportTasks!;
    assert.ok(bySource.every((t) => t.SourceArn === snapshotArn('snap-1')) && bySource.length >= 2);
    const byBucket = (await client.send(new DescribeExportTasksCommand({ Filters: [{ Name: 's3-bucket', Values: ['no-such-bucket'] }] }))).ExportTasks!;
    assert.deepEqual(byBucket.map((t) => t.ExportTaskIdentifier), ['no-bucket']);
    assert.deepEqual((await client.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: 'unknown' }))).ExportTasks, []);
    const page = await client.send(new DescribeExportTasksCommand({ MaxRecords: 20 }));
    assert.ok(page.ExportTasks!.length <= 20 && page.Marker === undefined);
    await expectFault(client.send(new DescribeExportTasksCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })), 'InvalidParameterValue', 400);

    const snaps = (await client.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'pg-one' }))).DBSnapshots!;
    assert.deepEqual(snaps.map((s) => s.DBSnapshotIdentifier), ['snap-1', 'snap-busy']);
    const deleted = await client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'snap-busy' }));
    assert.equal(deleted.DBSnapshot!.Status, 'deleted');
    await expectFault(client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'snap-busy' })), 'DBSnapshotNotFound', 404);
    await expectFault(client.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'snap-1', DBInstanceIdentifier: 'pg-one' })), 'DBSnapshotAlreadyExists', 400);
    await expectFault(client.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'x', DBInstanceIdentifier: 'nope' })), 'DBInstanceNotFound', 404);
  });
});

/**
 * PercentProgress during an export, seen the way a client sees it: DescribeExportTasks polled while the task runs.
 * A table of a few MB is cut into many 0.5 MB ctid partitions (snapshot files), and STRATA_TEST_RDS_CHUNK_DELAY_MS
 * slows every chunk (and every snapshot file uploaded), so each export takes a few seconds.
 */
describe('RDS export progress: PercentProgress moves while an export runs', { skip: needs(PG_URL, 'PostgreSQL') }, () => {
  const PROGRESS_DB = 'strata_rds_progress';
  const PROGRESS_BUCKET = 'rds-progress';
  const ROWS = 100_000;
  let progressStrata: StrataProcess;
  let rdsClient: RDSClient;
  let s3Client: S3Client;
  let source: pg.Client;

  before(async () => {
    const fresh = await freshPgDatabase(PROGRESS_DB);
    source = fresh.client;
    await source.query(`CREATE TABLE public.events (id bigint PRIMARY KEY, kind text NOT NULL, amount numeric(12,2), at timestamptz NOT NULL);
      INSERT INTO public.events SELECT g, (ARRAY['view','click','buy'])[1 + g % 3], g / 7.0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
      FROM generate_series(1, ${ROWS}) g;
      ANALYZE public.events;`);
    progressStrata = await startStrataProcess(
      ['--rds-instance', `pg-progress=${fresh.url}`, '--rds-cluster', `pg-progress-live=${fresh.url}`, '--rds-partition-mb', '0.5', '--rds-embedded', 'false'],
      { env: { STRATA_TEST_RDS_CHUNK_DELAY_MS: '100' } },
    );
    rdsClient = rds(progressStrata.url);
    s3Client = s3(progressStrata.url);
    await s3Client.send(new CreateBucketCommand({ Bucket: PROGRESS_BUCKET }));
  });

  after(async () => {
    await progressStrata?.stop();
    if (progressStrata) removeDir(progressStrata.dataDir);
    await source?.end();
  });

  /** Polls the task until it ends; every (Status, PercentProgress, TotalExtractedDataInGB) seen on the way. */
  async function watch(id: string): Promise<{ done: ExportTask; seen: { status: string; percent: number; gb: number }[] }> {
    const seen: { status: string; percent: number; gb: number }[] = [];
    const until = Date.now() + 60_000;
    for (;;) {
      const t = (await rdsClient.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: id }))).ExportTasks![0]!;
      seen.push({ status: t.Status!, percent: t.PercentProgress!, gb: t.TotalExtractedDataInGB! });
      if (['COMPLETE', 'FAILED', 'CANCELED'].includes(t.Status!)) return { done: t, seen };
      assert.ok(Date.now() < until, `${id} still ${t.Status}`);
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  /** Progress only moves forward, takes at least two values strictly between 0 and 100, and is 100 at the end. */
  function checkProgress(label: string, seen: { status: string; percent: number; gb: number }[]): void {
    const percents = seen.map((s) => s.percent);
    for (let i = 1; i < percents.length; i++) assert.ok(percents[i]! >= percents[i - 1]!, `${label}: progress went back: ${percents.join(' ')}`);
    const between = new Set(seen.filter((s) => s.status === 'IN_PROGRESS' && s.percent > 0 && s.percent < 100).map((s) => s.percent));
    assert.ok(between.size >= 2, `${label}: PercentProgress values seen while IN_PROGRESS: ${[...new Set(percents)].join(' ')}`);
    assert.equal(seen.at(-1)!.percent, 100);
    assert.ok(seen.slice(0, -1).every((s) => s.status !== 'COMPLETE' && s.percent < 100), `${label}: 100 only once COMPLETE`);
  }

  /** TotalExtractedDataInGB is the whole GB of the data exported, the figure export_info and the tables info give. */
  async function checkExtracted(id: string, done: ExportTask, seen: { gb: number }[]): Promise<void> {
    const info = JSON.parse((await getBytes(s3Client, PROGRESS_BUCKET, `${id}/export_info_${id}.json`)).toString()) as { totalExportedDataInGB: number };
    const tablesKey = (await listKeys(s3Client, PROGRESS_BUCKET, `${id}/export_tables_info_`))[0]!.key;
    const tables = JSON.parse((await getBytes(s3Client, PROGRESS_BUCKET, tablesKey)).toString()) as { perTableStatus: { sizeGB?: number }[] };
    const sum = tables.perTableStatus.reduce((n, t) => n + (t.sizeGB ?? 0), 0);
    assert.ok(info.totalExportedDataInGB > 0 && Math.abs(info.totalExportedDataInGB - sum) < 1e-9, `${info.totalExportedDataInGB} vs ${sum}`);
    // About 3 MB of values: well under a GB, so every figure along the way is 0 too.
    assert.ok(info.totalExportedDataInGB * 1024 > 1 && info.totalExportedDataInGB * 1024 < 10, `${info.totalExportedDataInGB * 1024} MB`);
    assert.equal(done.TotalExtractedDataInGB, Math.floor(info.totalExportedDataInGB));
    assert.ok(seen.every((s) => s.gb === 0));
  }

  test('a live cluster export reports progress as its partitions are read', async () => {
    await rdsClient.send(new StartExportTaskCommand({
      ExportTaskIdentifier: 'progress-live', SourceArn: clusterArn('pg-progress-live'), S3BucketName: PROGRESS_BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS,
    }));
    const { done, seen } = await watch('progress-live');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    checkProgress('live', seen);
    await checkExtracted('progress-live', done, seen);
  });

  test('a snapshot shows progress while it is created, and its export while the files are uploaded', async () => {
    await rdsClient.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'progress-snap', DBInstanceIdentifier: 'pg-progress' }));
    const snapshotPercents = new Set<number>();
    for (;;) {
      const s = (await rdsClient.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'progress-snap' }))).DBSnapshots![0]!;
      if (s.Status !== 'creating') {
        assert.equal(s.Status, 'available');
        assert.equal(s.PercentProgress, 100);
        break;
      }
      snapshotPercents.add(s.PercentProgress!);
      await new Promise((r) => setTimeout(r, 40));
    }
    assert.ok([...snapshotPercents].some((p) => p > 0 && p < 100), `snapshot PercentProgress seen: ${[...snapshotPercents].join(' ')}`);

    await rdsClient.send(new StartExportTaskCommand({
      ExportTaskIdentifier: 'progress-snap', SourceArn: snapshotArn('progress-snap'), S3BucketName: PROGRESS_BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS,
    }));
    const { done, seen } = await watch('progress-snap');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    checkProgress('snapshot export', seen);
    await checkExtracted('progress-snap', done, seen);
  });
});

/**
 * A Parquet file of several row groups (128K rows each): pages are GZIP-compressed after parquet-wasm wrote them
 * (parquet-gzip.ts), which moves every page; the footer's offsets and sizes and the offset index must follow.
 */
describe('RDS export: a Parquet file of several row groups', { skip: needs(PG_URL, 'PostgreSQL') }, () => {
  const RG_DB = 'strata_rds_rowgroups';
  const RG_BUCKET = 'rds-rowgroups';
  const RG_ROWS = 200_000;
  let rgStrata: StrataProcess;
  let source: pg.Client;

  before(async () => {
    const fresh = await freshPgDatabase(RG_DB);
    source = fresh.client;
    await source.query(`CREATE TABLE public.facts (id bigint PRIMARY KEY, n integer, label text, f double precision);
      INSERT INTO public.facts SELECT g, CASE WHEN g % 11 = 0 THEN NULL ELSE g % 1000 END, 'label ' || (g % 7), g / 3.0 FROM generate_series(1, ${RG_ROWS}) g;`);
    rgStrata = await startStrataProcess(['--rds-cluster', `pg-rowgroups=${fresh.url}`, '--rds-embedded', 'false']);
    await s3(rgStrata.url).send(new CreateBucketCommand({ Bucket: RG_BUCKET }));
  });

  after(async () => {
    await rgStrata?.stop();
    if (rgStrata) removeDir(rgStrata.dataDir);
    await source?.end();
  });

  test('reads back whole, with GZIP chunks, consistent footer offsets and an offset index that points at its pages', async () => {
    const client = rds(rgStrata.url);
    await client.send(new StartExportTaskCommand({
      ExportTaskIdentifier: 'rowgroups', SourceArn: clusterArn('pg-rowgroups'), S3BucketName: RG_BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS,
    }));
    const done = await waitExport(client, 'rowgroups');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    const parts = await downloadParts(s3(rgStrata.url), RG_BUCKET, `rowgroups/${RG_DB}/public.facts/`);
    try {
      assert.equal(parts.files.length, 1);
      const file = parts.files[0]!;
      const cols: ColumnCheck[] = [{ name: 'id', kind: 'int' }, { name: 'n', kind: 'int' }, { name: 'label', kind: 'text' }, { name: 'f', kind: 'float64' }];
      const expected = (await source.query({ text: 'SELECT id::text, n::text, label, f::text FROM public.facts AS src ORDER BY src.id', rowMode: 'array' })).rows as (string | null)[][];
      await compareRows(parts.files, cols, expected, 'facts');

      const chunks = await duckQuery(`SELECT row_group_id, compression, data_page_offset, dictionary_page_offset, total_compressed_size FROM parquet_metadata('${file}') ORDER BY 1, data_page_offset`);
      assert.ok(new Set(chunks.map((c) => c[0])).size >= 2, 'several row groups');
      assert.ok(chunks.every((c) => c[1] === 'GZIP'));
      const bytes = readFileSync(file);
      // Column chunks follow one another from byte 4 with no gap or overlap.
      let at = 4;
      for (const [, , dataPage, dictPage, size] of chunks) {
        const first = dictPage !== null && Number(dictPage) > 0 ? Math.min(Number(dictPage), Number(dataPage)) : Number(dataPage);
        assert.equal(first, at);
        at += Number(size);
      }
      // Every page the offset index lists starts with a page header whose sizes add up to the listed size.
      const footerLen = bytes.readUInt32LE(bytes.length - 8);
      const meta = readStruct(bytes.subarray(bytes.length - 8 - footerLen, bytes.length - 8)).struct;
      const get = (s: TStruct, id: number): unknown => s.find((f) => f.id === id)?.value;
      let pages = 0;
      for (const rg of (get(meta, 4) as { items: TStruct[] }).items) {
        for (const cc of (get(rg, 1) as { items: TStruct[] }).items) {
          const off = Number(get(cc, 4) as bigint);
          const index = readStruct(bytes.subarray(off, off + (get(cc, 5) as number))).struct;
          for (const loc of (get(index, 1) as { items: TStruct[] }).items) {
            const pageAt = Number(get(loc, 1) as bigint);
            const header = readStruct(bytes, pageAt);
            assert.equal(header.end - pageAt + (get(header.struct, 3) as number), get(loc, 2), `page at ${pageAt}`);
            pages++;
          }
        }
      }
      assert.ok(pages >= 8, `${pages} pages`);
    } finally {
      removeTemp(parts.dir);
    }
  });
});
