/**
 * The embedded default source (PGlite, no database server): `database-1` is there out of the box with a demo
 * schema; snapshot it and export it, and raw Query-protocol requests get AWS's XML envelopes.
 */
import { CreateDBSnapshotCommand, DescribeDBInstancesCommand, StartExportTaskCommand, type RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, DeleteObjectsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { duckQuery, downloadParts, parquetList, removeTemp } from '../helpers/databases.js';
import { s3 } from '../helpers/exports.js';
import { KMS, rds, ROLE, snapshotArn, waitExport, waitSnapshot } from '../helpers/rds.js';
import { Sha256 } from '../../src/pitr/admin-client.js';
import { removeDir, startStrataProcess, TEST_CREDENTIALS, type StrataProcess } from '../helpers/strata-process.js';

let strata: StrataProcess;
let client: RDSClient;
let bucket: S3Client;

async function signedPost(url: string, body: string, service = 'rds'): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials: TEST_CREDENTIALS, sha256: Sha256 });
  const req = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/',
    headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
  });
  const res = await fetch(url, { method: 'POST', headers: req.headers as Record<string, string>, body });
  return { status: res.status, text: await res.text() };
}

describe('RDS: the embedded PostgreSQL (PGlite) and the Query protocol', () => {
  before(async () => {
    // Parquet encoded on the main thread here (STRATA_RDS_ENCODERS=0); the other RDS suites use the encoder threads.
    strata = await startStrataProcess([], { env: { STRATA_RDS_ENCODERS: '0' } });
    client = rds(strata.url);
    bucket = s3(strata.url);
    await bucket.send(new CreateBucketCommand({ Bucket: 'demo' }));
  });
  after(async () => {
    await strata?.stop();
    if (strata) removeDir(strata.dataDir);
  });

  test('database-1 is snapshotted and exported with no database server', async () => {
    const inst = (await client.send(new DescribeDBInstancesCommand({}))).DBInstances!;
    assert.deepEqual(inst.map((i) => [i.DBInstanceIdentifier, i.Engine]), [['database-1', 'postgres']]);
    await client.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: 'demo-snap', DBInstanceIdentifier: 'database-1' }));
    assert.equal((await waitSnapshot(client, 'demo-snap')).Status, 'available');
    await client.send(new StartExportTaskCommand({ ExportTaskIdentifier: 'demo-export', SourceArn: snapshotArn('demo-snap'), S3BucketName: 'demo', IamRoleArn: ROLE, KmsKeyId: KMS, ExportOnly: ['postgres.shop.orders'] }));
    const done = await waitExport(client, 'demo-export');
    assert.equal(done.Status, 'COMPLETE', done.FailureCause);
    const parts = await downloadParts(bucket, 'demo', 'demo-export/postgres/shop.orders/1/');
    try {
      const [[count, total, tags]] = (await duckQuery(`SELECT count(*), CAST(sum(CAST(total AS DECIMAL(18,2))) AS VARCHAR), min(tags) FROM read_parquet(${parquetList(parts.files)})`)) as [[unknown, unknown, unknown]];
      assert.equal(Number(count), 5000);
      assert.match(String(total), /^\d+\.\d{2}$/);
      assert.equal(tags, '{web,promo}');
    } finally {
      removeTemp(parts.dir);
    }
  });

  test('the Query protocol: XML error envelope, unknown actions, wrong service scope; S3 POSTs are left to S3', async () => {
    const missing = await signedPost(strata.url, 'Action=DescribeDBSnapshots&Version=2014-10-31&DBSnapshotIdentifier=nope');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="http:\/\/rds.amazonaws.com\/doc\/2014-10-31\/"><Error><Type>Sender<\/Type><Code>DBSnapshotNotFound<\/Code><Message>DBSnapshot nope not found.<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
    const unknown = await signedPost(strata.url, 'Action=RebootDBInstance&Version=2014-10-31');
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /<Code>InvalidAction<\/Code>/);
    const version = await signedPost(strata.url, 'Action=DescribeDBInstances&Version=2013-01-01');
    assert.match(version.text, /<Code>NoSuchVersion<\/Code>/);
    const ok = await signedPost(strata.url, 'Action=DescribeExportTasks&Version=2014-10-31');
    assert.equal(ok.status, 200);
    assert.match(ok.text, /^<\?xml[^>]*>\n<DescribeExportTasksResponse xmlns="http:\/\/rds.amazonaws.com\/doc\/2014-10-31\/"><DescribeExportTasksResult><ExportTasks><ExportTask>/);
    assert.match(ok.text, /<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DescribeExportTasksResponse>$/);
    const unsigned = await fetch(strata.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeDBInstances&Version=2014-10-31' });
    assert.equal(unsigned.status, 403);
    assert.match(await unsigned.text(), /<Code>MissingAuthenticationToken<\/Code>/);
    // S3 multi-object delete (a POST with ?delete) still reaches the S3 store.
    await bucket.send(new PutObjectCommand({ Bucket: 'demo', Key: 'x', Body: 'y' }));
    const del = await bucket.send(new DeleteObjectsCommand({ Bucket: 'demo', Delete: { Objects: [{ Key: 'x' }] } }));
    assert.deepEqual(del.Deleted?.map((d) => d.Key), ['x']);
  });
});
