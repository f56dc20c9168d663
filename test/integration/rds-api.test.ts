/**
 * The RDS API's edges against real databases: DescribeExportTasks pages (Marker past page one, MaxRecords
 * 20..100) and filters by name, CancelExportTask while IN_PROGRESS (parts already written stay; no export_info),
 * DeleteDBClusterSnapshot, sources registered through --rds-config, STRATA_RDS_INSTANCES / STRATA_RDS_CLUSTERS, a
 * PostgreSQL URL naming no database (every database), and the bare `database` ExportOnly form on PostgreSQL.
 */
import {
  CancelExportTaskCommand, CreateDBClusterSnapshotCommand, DeleteDBClusterSnapshotCommand, DescribeDBClusterSnapshotsCommand, DescribeDBClustersCommand,
  DescribeDBInstancesCommand, DescribeExportTasksCommand, StartExportTaskCommand, type RDSClient,
} from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { downloadParts, freshPgDatabase, MYSQL_URL, mysqlUrl, needs, PG_URL, removeTemp } from '../helpers/databases.js';
import { listKeys } from '../helpers/exports.js';
import { clusterArn, clusterSnapshotArn, compareRows, expectFault, KMS, ROLE, waitExport, waitSnapshot, startRdsServer, stopServer } from '../helpers/rds.js';
import { removeDir, tempDir, type StrataProcess } from '../helpers/strata-process.js';

const A = 'strata_rds_api_a';
const B = 'strata_rds_api_b';
const BUCKET = 'rds-api';

/** The PostgreSQL server's URL without a database (the whole server). */
function serverUrl(): string {
  const u = new URL(PG_URL!);
  u.pathname = '';
  return u.toString().replace(/\/$/, '');
}

describe('RDS API: pages, filters, cancel, cluster snapshots, ways to register sources', { skip: needs(PG_URL, 'PostgreSQL') || needs(MYSQL_URL, 'MariaDB') }, () => {
  let strata: StrataProcess;
  let client: RDSClient;
  let bucket: S3Client;
  let a: pg.Client;
  let b: pg.Client;
  let configDir: string;

  before(async () => {
    const fa = await freshPgDatabase(A);
    const fb = await freshPgDatabase(B);
    a = fa.client;
    b = fb.client;
    await a.query(`CREATE SCHEMA app; CREATE TABLE app.items (id integer PRIMARY KEY, v text);
      INSERT INTO app.items SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 40000) g;
      CREATE TABLE public.small (id integer PRIMARY KEY, v text); INSERT INTO public.small VALUES (1, 'one'), (2, 'two');
      CREATE UNLOGGED TABLE public.scratch (id integer);`);
    await b.query(`CREATE TABLE public.other (id integer PRIMARY KEY, v text); INSERT INTO public.other VALUES (10, 'ten');`);
    configDir = tempDir('strata-rds-config-');
    const config = join(configDir, 'rds.json');
    writeFileSync(config, JSON.stringify({ instances: { 'file-pg': fa.url }, clusters: { 'file-maria': mysqlUrl() } }));
    ({ strata, client, bucket } = await startRdsServer(['--rds-config', config, '--rds-partition-mb', '0.1', '--rds-embedded', 'false'], BUCKET, {
      env: {
        STRATA_RDS_INSTANCES: `env-pg=${fa.url},env-maria=${mysqlUrl()}`,
        STRATA_RDS_CLUSTERS: `env-pg-live=${fa.url},pg-server=${serverUrl()}`,
        // Every chunk waits: an export of app.items lasts a few seconds, long enough to cancel it half way.
        STRATA_TEST_RDS_CHUNK_DELAY_MS: '150',
      },
    }));
  });

  after(async () => {
    await stopServer(strata);
    if (configDir) removeDir(configDir);
    await a?.end();
    await b?.end();
  });

  test('--rds-config FILE and STRATA_RDS_INSTANCES / STRATA_RDS_CLUSTERS register sources', async () => {
    const inst = (await client.send(new DescribeDBInstancesCommand({}))).DBInstances!;
    assert.deepEqual(inst.map((i) => [i.DBInstanceIdentifier, i.Engine]), [['env-maria', 'mariadb'], ['env-pg', 'postgres'], ['file-pg', 'postgres']]);
    assert.equal(inst.find((i) => i.DBInstanceIdentifier === 'file-pg')!.DBName, A);
    const clusters = (await client.send(new DescribeDBClustersCommand({}))).DBClusters!;
    assert.deepEqual(clusters.map((c) => [c.DBClusterIdentifier, c.Engine]), [['env-pg-live', 'aurora-postgresql'], ['file-maria', 'aurora-mysql'], ['pg-server', 'aurora-postgresql']]);
  });

  test('a PostgreSQL URL without a database covers every database; ExportOnly `database` picks one whole', async () => {
    await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'multi-db', SourceArn: clusterArn('pg-server'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS, ExportOnly: [A, `${B}.public.other`] }));
    const done = await waitExport(client, 'multi-db', 120_000);
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    const folders = new Set((await listKeys(bucket, BUCKET, 'multi-db/')).map((k) => k.key.split('/').slice(1, 3).join('/')).filter((f) => f.includes('/')));
    assert.deepEqual([...folders].sort(), [`${A}/app.items`, `${A}/public.small`, `${B}/public.other`]);
    // Only the skipped tables inside the ExportOnly selection are reported, not those of the server's other databases.
    const warning = JSON.parse(done.WarningMessage!) as { skippedTables: { target: string; reason: string }[] };
    assert.deepEqual(warning.skippedTables, [{ target: `${A}.public.scratch`, reason: 'UNLOGGED_TABLE' }]);
    assert.deepEqual((await listKeys(bucket, BUCKET, 'multi-db/export_tables_info_')).map((k) => k.key), ['multi-db/export_tables_info_multi-db_from_1_to_4.json']);
    const other = await downloadParts(bucket, BUCKET, `multi-db/${B}/public.other/`);
    try {
      await compareRows(other.files, [{ name: 'id', kind: 'int' }, { name: 'v', kind: 'text' }], [['10', 'ten']], 'other');
    } finally {
      removeTemp(other.dir);
    }
  });

  test('CancelExportTask while IN_PROGRESS: CANCELED, parts already written stay, no export_info', async () => {
    await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'cancel-mid', SourceArn: clusterArn('env-pg-live'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS }));
    const until = Date.now() + 60_000;
    let parts: string[] = [];
    for (;;) {
      const t = (await client.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: 'cancel-mid' }))).ExportTasks![0]!;
      assert.ok(t.Status === 'STARTING' || t.Status === 'IN_PROGRESS', `the export ended before it could be canceled: ${t.Status}`);
      parts = (await listKeys(bucket, BUCKET, 'cancel-mid/')).map((k) => k.key).filter((k) => k.endsWith('.parquet'));
      if (t.Status === 'IN_PROGRESS' && parts.length > 0) break;
      assert.ok(Date.now() < until);
      await new Promise((r) => setTimeout(r, 50));
    }
    const canceling = await client.send(new CancelExportTaskCommand({ ExportTaskIdentifier: 'cancel-mid' }));
    assert.equal(canceling.Status, 'CANCELING');
    assert.ok(canceling.PercentProgress! < 100);
    const done = await waitExport(client, 'cancel-mid');
    assert.equal(done.Status, 'CANCELED');
    assert.ok(done.TaskEndTime instanceof Date);
    const left = (await listKeys(bucket, BUCKET, 'cancel-mid/')).map((k) => k.key);
    for (const p of parts) assert.ok(left.includes(p), `${p} was removed`);
    assert.ok(!left.some((k) => k.includes('export_info_')), 'no export_info for a canceled export');
    assert.ok(!left.some((k) => k.includes('export_tables_info_')), 'no tables info for a canceled export');
  });

  test('DescribeExportTasks: Marker pages past page one, MaxRecords 20..100, filters by identifier and source ARN', async () => {
    // Cheap tasks: a bucket that does not exist fails each at once.
    for (let i = 0; i < 23; i++) {
      await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: `page-${String(i).padStart(2, '0')}`, SourceArn: clusterArn('file-maria'), S3BucketName: 'no-such-bucket', IamRoleArn: ROLE, KmsKeyId: KMS }));
    }
    for (let i = 0; i < 23; i++) await waitExport(client, `page-${String(i).padStart(2, '0')}`);
    const all = (await client.send(new DescribeExportTasksCommand({}))).ExportTasks!.map((t) => t.ExportTaskIdentifier!);
    assert.ok(all.length >= 25, `${all.length} tasks`);
    const first = await client.send(new DescribeExportTasksCommand({ MaxRecords: 20 }));
    assert.equal(first.ExportTasks!.length, 20);
    assert.ok(first.Marker, 'a Marker after a full page');
    const second = await client.send(new DescribeExportTasksCommand({ MaxRecords: 20, Marker: first.Marker }));
    assert.equal(second.ExportTasks!.length, all.length - 20);
    assert.equal(second.Marker, undefined);
    assert.deepEqual([...first.ExportTasks!, ...second.ExportTasks!].map((t) => t.ExportTaskIdentifier), all);
    await expectFault(client.send(new DescribeExportTasksCommand({ MaxRecords: 19 })), 'InvalidParameterValue', 400, /MaxRecords/);
    await expectFault(client.send(new DescribeExportTasksCommand({ MaxRecords: 101 })), 'InvalidParameterValue', 400, /MaxRecords/);
    await expectFault(client.send(new DescribeExportTasksCommand({ Marker: 'not-a-marker' })), 'InvalidParameterValue', 400);

    const byId = (await client.send(new DescribeExportTasksCommand({ Filters: [{ Name: 'export-task-identifier', Values: ['page-03', 'page-07', 'nope'] }] }))).ExportTasks!;
    assert.deepEqual(byId.map((t) => t.ExportTaskIdentifier), ['page-03', 'page-07']);
    const bySource = (await client.send(new DescribeExportTasksCommand({ Filters: [{ Name: 'source-arn', Values: [clusterArn('file-maria')] }] }))).ExportTasks!;
    assert.equal(bySource.length, 23);
    assert.ok(bySource.every((t) => t.SourceArn === clusterArn('file-maria')));
    const both = (await client.send(new DescribeExportTasksCommand({ Filters: [{ Name: 'source-arn', Values: [clusterArn('env-pg-live')] }, { Name: 'status', Values: ['canceled'] }] }))).ExportTasks!;
    assert.deepEqual(both.map((t) => t.ExportTaskIdentifier), ['cancel-mid']);
  });

  test('DeleteDBClusterSnapshot', async () => {
    await client.send(new CreateDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'Gone-Soon', DBClusterIdentifier: 'env-pg-live' }));
    await expectFault(client.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'gone-soon' })), 'InvalidDBClusterSnapshotStateFault', 400);
    assert.equal((await waitSnapshot(client, 'gone-soon', true, 120_000)).Status, 'available');
    const deleted = await client.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'gone-soon' }));
    assert.equal(deleted.DBClusterSnapshot!.Status, 'deleted');
    assert.equal(deleted.DBClusterSnapshot!.DBClusterSnapshotIdentifier, 'gone-soon');
    await expectFault(client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'gone-soon' })), 'DBClusterSnapshotNotFoundFault', 404);
    await expectFault(client.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'gone-soon' })), 'DBClusterSnapshotNotFoundFault', 404);
    await expectFault(
      client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'from-deleted', SourceArn: clusterSnapshotArn('gone-soon'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS })),
      'DBClusterSnapshotNotFoundFault', 404,
    );
  });
});
