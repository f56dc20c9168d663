/**
 * RDS export tasks against a real MariaDB (MySQL protocol): every type of AWS's MySQL mapping, NULLs, unicode,
 * large rows, several databases, ExportOnly `database.table`, a cluster snapshot that holds while the source
 * changes, and the `aws rds` CLI and boto3 used as a user would.
 */
import { CreateDBClusterSnapshotCommand, DescribeDBClusterSnapshotsCommand, DescribeDBInstancesCommand, StartExportTaskCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type mysql from 'mysql2/promise';
import { awsCli, python } from '../helpers/clients.js';
import { downloadParts, freshMysqlDatabases, MYSQL_URL, mysqlUrl, needs, removeTemp } from '../helpers/databases.js';
import { getBytes, listKeys } from '../helpers/exports.js';
import {
  clusterArn, clusterSnapshotArn, compareRows, expectFault, KMS, parquetColumns, ROLE, startRdsServer, stopServer, waitExport, waitSnapshot, type ColumnCheck,
} from '../helpers/rds.js';
import type { StrataProcess } from '../helpers/strata-process.js';

const SHOP = 'strata_rds_shop';
const CRM = 'strata_rds_crm';
const BUCKET = 'rds-mysql-exports';

/** name, SQL type, compare as, Parquet physical type, logical (substring; '' = none). */
const TYPES: [string, string, ColumnCheck['kind'], string, string][] = [
  ['id', 'int AUTO_INCREMENT PRIMARY KEY', 'int', 'INT32', ''],
  ['ti', 'tinyint', 'int', 'INT32', ''],
  ['tiu', 'tinyint unsigned', 'int', 'INT32', 'IntType('],
  ['si', 'smallint', 'int', 'INT32', ''],
  ['siu', 'smallint unsigned', 'int', 'INT32', ''],
  ['mi', 'mediumint', 'int', 'INT32', ''],
  ['miu', 'mediumint unsigned', 'int', 'INT64', ''],
  ['i', 'int', 'int', 'INT32', ''],
  ['iu', 'int unsigned', 'int', 'INT64', ''],
  ['bi', 'bigint', 'int', 'INT64', ''],
  ['biu', 'bigint unsigned', 'dec', 'FIXED_LEN_BYTE_ARRAY', 'DecimalType(scale=0, precision=20)'],
  ['d9', 'decimal(9,2)', 'dec', 'INT32', 'DecimalType(scale=2, precision=9)'],
  ['d18', 'decimal(18,4)', 'dec', 'INT64', 'DecimalType(scale=4, precision=18)'],
  ['d30', 'decimal(30,10)', 'dec', 'FIXED_LEN_BYTE_ARRAY', 'DecimalType(scale=10, precision=30)'],
  ['d50', 'decimal(50,5)', 'text', 'BYTE_ARRAY', 'String'],
  ['f', 'float', 'float64', 'DOUBLE', ''],
  ['db', 'double', 'float64', 'DOUBLE', ''],
  ['bt', 'bit(10)', 'bin', 'BYTE_ARRAY', ''],
  ['bn', 'binary(4)', 'bin', 'BYTE_ARRAY', ''],
  ['vb', 'varbinary(10)', 'bin', 'BYTE_ARRAY', ''],
  ['tb', 'tinyblob', 'bin', 'BYTE_ARRAY', ''],
  ['bl', 'blob', 'bin', 'BYTE_ARRAY', ''],
  ['mb', 'mediumblob', 'bin', 'BYTE_ARRAY', ''],
  ['lb', 'longblob', 'bin', 'BYTE_ARRAY', ''],
  ['ch', 'char(10)', 'bin', 'BYTE_ARRAY', ''],
  ['vc', 'varchar(50)', 'text', 'BYTE_ARRAY', 'String'],
  ['tt', 'tinytext', 'text', 'BYTE_ARRAY', 'String'],
  ['tx', 'text', 'text', 'BYTE_ARRAY', 'String'],
  ['mt', 'mediumtext', 'text', 'BYTE_ARRAY', 'String'],
  ['lt', 'longtext', 'text', 'BYTE_ARRAY', 'String'],
  ['en', "enum('red','green','blue')", 'text', 'BYTE_ARRAY', 'String'],
  ['st', "set('a','b','c')", 'text', 'BYTE_ARRAY', 'String'],
  ['js', 'json', 'text', 'BYTE_ARRAY', 'String'],
  ['dt', 'date', 'text', 'BYTE_ARRAY', 'String'],
  ['tm', 'time(3)', 'text', 'BYTE_ARRAY', 'String'],
  ['dtm', 'datetime(6)', 'ts', 'INT64', 'TimestampType(isAdjustedToUTC=1'],
  ['tsp', 'timestamp(6) NULL', 'ts', 'INT64', 'TimestampType(isAdjustedToUTC=1'],
  ['yr', 'year', 'int', 'INT32', ''],
  ['g', 'geometry', 'bin', 'BYTE_ARRAY', ''],
  ['pt', 'point', 'bin', 'BYTE_ARRAY', ''],
  ['ls', 'linestring', 'bin', 'BYTE_ARRAY', ''],
  ['pg', 'polygon', 'bin', 'BYTE_ARRAY', ''],
  ['mp', 'multipoint', 'bin', 'BYTE_ARRAY', ''],
  ['mls', 'multilinestring', 'bin', 'BYTE_ARRAY', ''],
  ['mpg', 'multipolygon', 'bin', 'BYTE_ARRAY', ''],
  ['gc', 'geometrycollection', 'bin', 'BYTE_ARRAY', ''],
];

const row = (i: number): string => `(
  NULL, ${i % 2 ? -128 : 127}, 255, -32768, 65535, -8388608, 16777215, ${-2147483648 + i}, 4294967295, ${i === 1 ? '-9223372036854775808' : 9223372036854775807n - BigInt(i)},
  ${i === 1 ? '18446744073709551615' : i}, ${i}234567.89, -${i}2345678901234.5678, ${i}2345678901234567890.0123456789, ${i}234567890123456789012345678901234567890123.12345,
  ${i}.5, ${i === 2 ? '1.7976931348623157e308' : `-${i}.000001`}, b'1010101010', x'00ff10${i}0', x'0102', x'ff', x'00${i}${i}', REPEAT(x'ab', 1000), x'', 'ab${i}',
  'héllo wörld ${i} ✓', '日本語 ${i}', 'emoji 😀 ${i} "q" \\\\ back', REPEAT('m', 300), 'long ${i}', '${['red', 'green', 'blue'][i % 3]}', 'a,c',
  '{"k": [1, 2, {"x": ${i}}], "u": "ü"}', '2024-02-29', '13:45:10.123', '1969-07-20 20:17:40.${String(i).padStart(6, '0')}', '2038-01-19 03:14:0${i}.5',
  ${2000 + i}, ST_GeomFromText('POINT(${i} 2)'), POINT(${i}, -1), ST_GeomFromText('LINESTRING(0 0, ${i} 1)'), ST_GeomFromText('POLYGON((0 0, ${i} 0, 0 1, 0 0))'),
  ST_GeomFromText('MULTIPOINT(1 1, ${i} 2)'), ST_GeomFromText('MULTILINESTRING((0 0, 1 ${i}))'), ST_GeomFromText('MULTIPOLYGON(((0 0, ${i} 0, 0 1, 0 0)))'),
  ST_GeomFromText('GEOMETRYCOLLECTION(POINT(${i} 1))')
)`;

const typesCols: ColumnCheck[] = TYPES.map(([name, , kind]) => ({ name, kind }));
const ordersCols: ColumnCheck[] = [{ name: 'id', kind: 'int' }, { name: 'customer', kind: 'text' }, { name: 'total', kind: 'dec' }, { name: 'placed', kind: 'ts' }];
const notesCols: ColumnCheck[] = [{ name: 'id', kind: 'int' }, { name: 'body', kind: 'text' }, { name: 'attachment', kind: 'bin' }];

let strata: StrataProcess;
let client: RDSClient;
let bucket: S3Client;
let db: mysql.Connection;

function expr(c: ColumnCheck): string {
  const q = `\`${c.name}\``;
  switch (c.kind) {
    case 'bin':
      return `HEX(CAST(${q} AS BINARY))`;
    case 'ts':
      return `CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', ${q}) AS CHAR)`;
    case 'int':
    case 'dec':
    case 'float64':
      return `CAST(${q} AS CHAR)`;
    default:
      return q;
  }
}

async function sourceRows(table: string, cols: ColumnCheck[]): Promise<(string | null)[][]> {
  const [rows] = await db.query({ sql: `SELECT ${cols.map(expr).join(', ')} FROM ${table} ORDER BY \`${cols[0]!.name}\``, rowsAsArray: true });
  return (rows as unknown[][]).map((r) => r.map((v) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v))));
}

const TABLES: Record<string, ColumnCheck[]> = { [`${SHOP}.all_types`]: typesCols, [`${SHOP}.orders`]: ordersCols, [`${CRM}.notes`]: notesCols };

async function sourceNow(): Promise<Record<string, (string | null)[][]>> {
  const out: Record<string, (string | null)[][]> = {};
  for (const [t, cols] of Object.entries(TABLES)) out[t] = await sourceRows(t, cols);
  return out;
}

describe('RDS export tasks: MySQL/MariaDB', { skip: needs(MYSQL_URL, 'MariaDB') }, () => {
  before(async () => {
    db = await freshMysqlDatabases([SHOP, CRM]);
    await db.query(`CREATE TABLE ${SHOP}.all_types (${TYPES.map(([n, t]) => `\`${n}\` ${t}`).join(', ')}) ENGINE=InnoDB`);
    await db.query(`INSERT INTO ${SHOP}.all_types VALUES ${[1, 2, 3].map(row).join(', ')}`);
    await db.query(`INSERT INTO ${SHOP}.all_types (id) VALUES (NULL)`);
    await db.query(`CREATE TABLE ${SHOP}.orders (id bigint PRIMARY KEY, customer varchar(100), total decimal(10,2), placed datetime(3)) ENGINE=InnoDB`);
    for (let b = 0; b < 4; b++) {
      const values = Array.from({ length: 5000 }, (_, j) => b * 5000 + j).map((k) => `(${k + 1}, 'cust ${k % 97} ✓', ${(k * 3.17).toFixed(2)}, DATE_ADD('2024-01-01', INTERVAL ${k * 37} MINUTE))`);
      await db.query(`INSERT INTO ${SHOP}.orders VALUES ${values.join(', ')}`);
    }
    await db.query(`CREATE TABLE ${CRM}.notes (id int PRIMARY KEY, body longtext, attachment longblob) ENGINE=InnoDB`);
    await db.query(`INSERT INTO ${CRM}.notes VALUES (1, REPEAT('ß', 700000), REPEAT(x'c0ffee', 400000)), (2, 'short', NULL), (3, NULL, x'00')`);
    ({ strata, client, bucket } = await startRdsServer(['--rds-instance', `maria-one=${mysqlUrl(SHOP)}`, '--rds-cluster', `maria-live=${mysqlUrl()}`, '--rds-partition-mb', '0.05', '--rds-embedded', 'false'], BUCKET, { env: { STRATA_TEST_RDS_CHUNK_DELAY_MS: '20' } }));
  });

  after(async () => {
    await stopServer(strata);
    await db?.end();
  });

  test('the engine is detected (mariadb) and the instance database comes from the URL', async () => {
    const inst = (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'maria-one' }))).DBInstances![0]!;
    assert.equal(inst.Engine, 'mariadb');
    assert.equal(inst.DBName, SHOP);
  });

  test('a cluster snapshot holds while the source changes; aws rds start-export-task / describe-export-tasks as a user runs them', async () => {
    const before = await sourceNow();
    const created = await awsCli(strata.url, ['rds', 'create-db-cluster-snapshot', '--db-cluster-snapshot-identifier', 'maria-snap', '--db-cluster-identifier', 'maria-live']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((JSON.parse(created.stdout) as { DBClusterSnapshot: { Status: string } }).DBClusterSnapshot.Status, 'creating');
    await db.query(`UPDATE ${SHOP}.all_types SET vc = 'changed', i = 0`);
    await db.query(`DELETE FROM ${SHOP}.orders WHERE id % 2 = 0`);
    await db.query(`INSERT INTO ${CRM}.notes VALUES (4, 'new', NULL)`);
    const snap = await waitSnapshot(client, 'maria-snap', true);
    assert.equal(snap.Status, 'available');
    const listed = (await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'maria-live' }))).DBClusterSnapshots!;
    assert.equal(listed[0]!.DBClusterSnapshotArn, clusterSnapshotArn('maria-snap'));
    assert.equal(listed[0]!.Engine, 'aurora-mysql');

    const started = await awsCli(strata.url, [
      'rds', 'start-export-task', '--export-task-identifier', 'maria-export', '--source-arn', clusterSnapshotArn('maria-snap'),
      '--s3-bucket-name', BUCKET, '--iam-role-arn', ROLE, '--kms-key-id', KMS, '--s3-prefix', 'mysql', '--export-only', SHOP, `${CRM}.notes`,
    ]);
    assert.equal(started.code, 0, started.stderr);
    const task = JSON.parse(started.stdout) as Record<string, unknown>;
    assert.equal(task.Status, 'STARTING');
    assert.deepEqual(task.ExportOnly, [SHOP, `${CRM}.notes`]);
    assert.equal(task.SourceType, 'SNAPSHOT');
    await waitExport(client, 'maria-export');
    const described = await awsCli(strata.url, ['rds', 'describe-export-tasks', '--export-task-identifier', 'maria-export']);
    assert.equal(described.code, 0, described.stderr);
    const t = (JSON.parse(described.stdout) as { ExportTasks: Record<string, unknown>[] }).ExportTasks[0]!;
    assert.equal(t.Status, 'COMPLETE', String(t.FailureCause));
    assert.equal(t.PercentProgress, 100);
    assert.equal(t.S3Prefix, 'mysql');

    for (const [table, cols] of Object.entries(TABLES)) {
      const [dbName, name] = table.split('.');
      const parts = await downloadParts(bucket, BUCKET, `mysql/maria-export/${dbName}/${dbName}.${name}/`);
      try {
        assert.ok(parts.files.length >= 1, table);
        await compareRows(parts.files, cols, before[table]!, table);
      } finally {
        removeTemp(parts.dir);
      }
    }
    // orders is larger than --rds-partition-mb and read sequentially: several batch folders, a file and a _SUCCESS in each.
    const orderKeys = (await listKeys(bucket, BUCKET, `mysql/maria-export/${SHOP}/${SHOP}.orders/`)).map((k) => k.key.split('/').slice(-2).join('/'));
    assert.ok(orderKeys.filter((k) => k.endsWith('/_SUCCESS')).length >= 2, orderKeys.join(' '));
    for (const k of orderKeys) assert.match(k, /^\d+\/(part-00000-[0-9a-f-]{36}-c000\.gz\.parquet|_SUCCESS)$/);
    const parts = await downloadParts(bucket, BUCKET, `mysql/maria-export/${SHOP}/${SHOP}.all_types/1/`);
    try {
      const schema = await parquetColumns(parts.files[0]!);
      for (const [name, , , physical, logical] of TYPES) {
        const c = schema.get(name)!;
        assert.equal(c.type, physical, `${name} physical type`);
        if (logical) assert.ok(c.logical.includes(logical), `${name} logical ${c.logical}`);
        else assert.ok(!c.logical.includes('String') && !c.logical.includes('Decimal'), `${name}: no annotation, got ${c.logical}`);
        assert.equal(c.compression, 'GZIP');
      }
      assert.equal(schema.get('dtm')!.converted, 'TIMESTAMP_MICROS');
    } finally {
      removeTemp(parts.dir);
    }
    const info = (await listKeys(bucket, BUCKET, 'mysql/maria-export/export_tables_info_')).map((k) => k.key);
    const tables = JSON.parse((await getBytes(bucket, BUCKET, info[0]!)).toString()) as { perTableStatus: { target: string }[] };
    assert.deepEqual(tables.perTableStatus.map((x) => x.target).sort(), [`${CRM}.notes`, `${SHOP}.all_types`, `${SHOP}.orders`]);
  });

  test('ExportOnly database.schema.table is not a MySQL form; boto3 sees the same faults and shapes', async () => {
    await expectFault(
      client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'bad-only', SourceArn: clusterSnapshotArn('maria-snap'), S3BucketName: BUCKET, IamRoleArn: ROLE, KmsKeyId: KMS, ExportOnly: [`${SHOP}.x.y`] })),
      'InvalidExportOnly', 400,
    );
    const script = `
import boto3, os, time, json
c = boto3.client('rds', endpoint_url=os.environ['STRATA_URL'], region_name='us-east-1')
try:
    c.start_export_task(ExportTaskIdentifier='boto-export', SourceArn='${clusterSnapshotArn('nope')}', S3BucketName='${BUCKET}', IamRoleArn='${ROLE}', KmsKeyId='${KMS}')
except c.exceptions.DBClusterSnapshotNotFoundFault as e:
    print('fault', e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Type'])
t = c.start_export_task(ExportTaskIdentifier='boto-export', SourceArn='${clusterArn('maria-live')}', S3BucketName='${BUCKET}', IamRoleArn='${ROLE}', KmsKeyId='${KMS}', ExportOnly=['${CRM}'])
print('started', t['Status'], t['SourceType'])
while True:
    d = c.describe_export_tasks(ExportTaskIdentifier='boto-export')['ExportTasks'][0]
    if d['Status'] in ('COMPLETE', 'FAILED', 'CANCELED'): break
    time.sleep(0.1)
print('done', d['Status'], d['PercentProgress'])
pages = list(c.get_paginator('describe_export_tasks').paginate(Filters=[{'Name': 'status', 'Values': ['complete']}]))
print('listed', sorted(t['ExportTaskIdentifier'] for p in pages for t in p['ExportTasks']))
`;
    const r = await python(strata.url, script);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'fault DBClusterSnapshotNotFoundFault 404 Sender');
    assert.equal(lines[1], 'started STARTING CLUSTER');
    assert.equal(lines[2], 'done COMPLETE 100');
    assert.equal(lines[3], "listed ['boto-export', 'maria-export']");
    const keys = (await listKeys(bucket, BUCKET, 'boto-export/')).map((k) => k.key);
    assert.ok(keys.some((k) => k.startsWith(`boto-export/${CRM}/${CRM}.notes/1/part-00000-`)));
    assert.ok(!keys.some((k) => k.includes(SHOP)));
  });
});
