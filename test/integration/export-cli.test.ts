import { BatchWriteItemCommand, CreateTableCommand, DescribeExportCommand, ExportTableToPointInTimeCommand, ListExportsCommand, PutItemCommand, UpdateContinuousBackupsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { advance } from '../helpers/admin.js';
import { awsEnv, dynamo } from '../helpers/clients.js';
import { getBytes, listKeys, readExport, s3, waitForExport } from '../helpers/exports.js';
import { BIN, startStrataProcess, type StrataProcess } from '../helpers/strata-process.js';

const run = promisify(execFile);
let strata: StrataProcess;
let client: DynamoDBClient;
let bucket: S3Client;
const arn = 'arn:aws:dynamodb:us-east-1:000000000000:table/cli_table';

before(async () => {
  strata = await startStrataProcess(['--in-memory']);
  client = dynamo(strata.url);
  bucket = s3(strata.url);
  await bucket.send(new CreateBucketCommand({ Bucket: 'cli-exports' }));
  await client.send(new CreateTableCommand({
    TableName: 'cli_table', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
  }));
  await client.send(new UpdateContinuousBackupsCommand({ TableName: 'cli_table', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  for (let i = 0; i < 50; i++) await client.send(new PutItemCommand({ TableName: 'cli_table', Item: { id: { S: `i${i}` } } }));
});

after(async () => {
  client.destroy();
  bucket.destroy();
  await strata.stop();
});

test('strata export --wait shows progress and ends with the manifest; strata verify checks it', async () => {
  const r = await run(process.execPath, [BIN, 'export', '--endpoint-url', strata.url, '--table-arn', arn, '--s3-bucket', 'cli-exports', '--s3-prefix', 'cli', '--export-format', 'ION', '--wait'], { env: awsEnv() });
  assert.match(r.stdout, /^export arn:aws:dynamodb:us-east-1:000000000000:table\/cli_table\/export\/\d{14}-[0-9a-f]{8}$/m);
  assert.match(r.stdout, /progress 100% \(50 items\)/);
  const m = /COMPLETED: 50 items, manifest s3:\/\/cli-exports\/(cli\/AWSDynamoDB\/[^/]+)\/manifest-summary\.json/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const v = await run(process.execPath, [BIN, 'verify', `s3://cli-exports/${m[1]}/`, '--endpoint-url', strata.url, '--json'], { env: awsEnv() });
  const report = JSON.parse(v.stdout) as { ok: boolean; itemCount: number; outputFormat: string };
  assert.deepEqual([report.ok, report.itemCount, report.outputFormat], [true, 50, 'ION']);
  // A failed export makes the command fail, with AWS's failure code.
  const failed = await run(process.execPath, [BIN, 'export', '--endpoint-url', strata.url, '--table-arn', arn, '--s3-bucket', 'missing-bucket', '--wait'], { env: awsEnv() }).then(
    () => assert.fail('expected a non-zero exit'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /S3NoSuchBucket: .*The specified bucket does not exist/);
});

test('strata export --client-token: a rerun returns the same export, other parameters conflict', async () => {
  const args = ['export', '--endpoint-url', strata.url, '--table-arn', arn, '--s3-bucket', 'cli-exports', '--s3-prefix', 'token', '--client-token', 'cli-token-1'];
  const started = async (extra: string[] = []) => JSON.parse((await run(process.execPath, [BIN, ...args, ...extra], { env: awsEnv() })).stdout) as { ExportDescription: { ExportArn: string; ClientToken: string } };
  const a = await started();
  assert.equal(a.ExportDescription.ClientToken, 'cli-token-1');
  const b = await started();
  assert.equal(b.ExportDescription.ExportArn, a.ExportDescription.ExportArn);
  const conflict = await run(process.execPath, [BIN, ...args, '--export-format', 'ION'], { env: awsEnv() }).then(
    () => assert.fail('expected a non-zero exit'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /An error occurred \(ExportConflictException\): Export conflict: Duplicate request detected with conflicting parameters/);
  // Without the flag every run is a new export.
  const plain = ['export', '--endpoint-url', strata.url, '--table-arn', arn, '--s3-bucket', 'cli-exports', '--s3-prefix', 'token'];
  const x = JSON.parse((await run(process.execPath, [BIN, ...plain], { env: awsEnv() })).stdout) as { ExportDescription: { ExportArn: string } };
  const y = JSON.parse((await run(process.execPath, [BIN, ...plain], { env: awsEnv() })).stdout) as { ExportDescription: { ExportArn: string } };
  assert.notEqual(x.ExportDescription.ExportArn, y.ExportDescription.ExportArn);
  for (const e of [a, x, y]) assert.equal((await waitForExport(client, e.ExportDescription.ExportArn)).ExportStatus, 'COMPLETED');
});

test('strata verify finds a corrupted data file', async () => {
  const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: 'cli-exports', S3Prefix: 'tamper' }));
  const d = await waitForExport(client, r.ExportDescription!.ExportArn!);
  const dir = d.ExportManifest!.replace(/\/manifest-summary\.json$/, '');
  const data = (await listKeys(bucket, 'cli-exports', `${dir}/data/`)).find((k) => k.size > 20)!;
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  await bucket.send(new PutObjectCommand({ Bucket: 'cli-exports', Key: data.key, Body: Buffer.from('not the bytes the manifest describes') }));
  const v = await run(process.execPath, [BIN, 'verify', `s3://cli-exports/${dir}/`, '--endpoint-url', strata.url], { env: awsEnv() }).then(
    () => assert.fail('verify should fail'),
    (e: { code: number; stdout: string }) => e,
  );
  assert.equal(v.code, 1);
  assert.match(v.stdout, /^FAILED/);
  assert.match(v.stdout, /problem /);
});

test('SSE-KMS and the bucket owner reach the bucket', async () => {
  const r = await client.send(new ExportTableToPointInTimeCommand({
    TableArn: arn, S3Bucket: 'cli-exports', S3Prefix: 'kms', S3SseAlgorithm: 'KMS', S3SseKmsKeyId: 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab', S3BucketOwner: '000000000000',
  }));
  const d = await waitForExport(client, r.ExportDescription!.ExportArn!);
  assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
  assert.equal(d.S3SseAlgorithm, 'KMS');
  assert.equal(d.S3SseKmsKeyId, 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  assert.equal(d.S3BucketOwner, undefined, 'AWS does not echo the owner of a same-account bucket');
  const keys = await listKeys(bucket, 'cli-exports', 'kms/');
  assert.ok(keys.length >= 8);
  for (const k of keys) {
    const head = await bucket.send(new HeadObjectCommand({ Bucket: 'cli-exports', Key: k.key }));
    assert.equal(head.ServerSideEncryption, 'aws:kms', k.key);
    assert.equal(head.SSEKMSKeyId, 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  }
});

test('export metadata is kept for 90 days, then forgotten (the objects stay)', async () => {
  const before = await client.send(new ListExportsCommand({ TableArn: arn }));
  assert.ok(before.ExportSummaries!.length >= 3);
  const some = before.ExportSummaries![0]!.ExportArn!;
  await advance(strata.url, 89 * 24 * 3600);
  assert.equal((await client.send(new ListExportsCommand({ TableArn: arn }))).ExportSummaries!.length, before.ExportSummaries!.length);
  await advance(strata.url, 2 * 24 * 3600);
  assert.deepEqual((await client.send(new ListExportsCommand({ TableArn: arn }))).ExportSummaries, []);
  await assert.rejects(client.send(new DescribeExportCommand({ ExportArn: some })), (e: Error) => e.name === 'ExportNotFoundException');
  assert.ok((await listKeys(bucket, 'cli-exports', 'cli/')).length > 0, 'DynamoDB never deletes what it wrote');
});

test('--incremental-min-period: bad values refuse to start; a short minimum is enforced and reported in seconds', async () => {
  for (const bad of ['-1', 'abc']) {
    const r = await run(process.execPath, [BIN, 'serve', '--in-memory', '--port', '0', `--incremental-min-period=${bad}`], { env: awsEnv(), timeout: 20_000 }).then(
      () => assert.fail('the server should refuse the flag'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`--incremental-min-period \\(STRATA_INCREMENTAL_MIN_PERIOD\\) must be a non-negative number, not "${bad}"`));
  }
  const short = await startStrataProcess(['--in-memory', '--incremental-min-period', '30']);
  const c = dynamo(short.url);
  const b = s3(short.url);
  try {
    await b.send(new CreateBucketCommand({ Bucket: 'incr' }));
    await c.send(new CreateTableCommand({
      TableName: 'short_min', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    await c.send(new UpdateContinuousBackupsCommand({ TableName: 'short_min', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    const from = (await advance(short.url, 1)) + 1;
    await c.send(new PutItemCommand({ TableName: 'short_min', Item: { id: { S: 'x' } } }));
    const to = (await advance(short.url, 120)) - 60_000;
    const tArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/short_min';
    const incremental = (ExportFromTime: number, ExportToTime: number) => new ExportTableToPointInTimeCommand({
      TableArn: tArn, S3Bucket: 'incr', ExportType: 'INCREMENTAL_EXPORT', IncrementalExportSpecification: { ExportFromTime: new Date(ExportFromTime), ExportToTime: new Date(ExportToTime) },
    });
    await assert.rejects(c.send(incremental(from, from + 10_000)), (e: Error) => {
      assert.equal(e.name, 'InvalidExportTimeException');
      assert.equal(e.message, 'Difference between export period from time and export period to time is less than 30 seconds');
      return true;
    });
    const r = await c.send(incremental(from, to));
    const d0 = r.ExportDescription!;
    // AWS starts incremental exports on a whole second (spec 2.3, 6).
    assert.equal(d0.StartTime!.getTime() % 1000, 0);
    assert.match(d0.ExportArn!, /\/export\/\d{11}000-[0-9a-f]{8}$/);
    assert.equal(Number(d0.ExportArn!.split('/').pop()!.slice(0, 14)), d0.StartTime!.getTime());
    const d = await waitForExport(c, d0.ExportArn!);
    assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
    assert.equal(d.ItemCount, 1);
    const dir = d.ExportManifest!.replace(/\/manifest-summary\.json$/, '');
    const v = await run(process.execPath, [BIN, 'verify', `s3://incr/${dir}/`, '--endpoint-url', short.url, '--json'], { env: awsEnv() });
    const report = JSON.parse(v.stdout) as { ok: boolean; exportType: string };
    assert.deepEqual([report.ok, report.exportType], [true, 'INCREMENTAL_EXPORT']);
  } finally {
    c.destroy();
    b.destroy();
    await short.stop();
  }
});

test('strata verify accepts a data file uploaded in several parts (multipart ETag) and still catches a wrong one', async () => {
  // Random base64 hardly compresses: ~14 MB of it makes a data file over the sink's 8 MiB part size. One
  // partition key puts every item in the same data file (files split the partition-hash space).
  const name = 'big_rows';
  await client.send(new CreateTableCommand({
    TableName: name, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }, { AttributeName: 'n', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'n', AttributeType: 'N' }], BillingMode: 'PAY_PER_REQUEST',
  }));
  await client.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  const batches = [];
  for (let i = 0; i < 3500; i += 25) {
    batches.push(Array.from({ length: 25 }, (_, k) => ({ PutRequest: { Item: { id: { S: 'one' }, n: { N: String(i + k) }, blob: { S: randomBytes(3000).toString('base64') } } } })));
  }
  for (let i = 0; i < batches.length; i += 4) {
    await Promise.all(batches.slice(i, i + 4).map((b) => client.send(new BatchWriteItemCommand({ RequestItems: { [name]: b } }))));
  }
  const r = await client.send(new ExportTableToPointInTimeCommand({ TableArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`, S3Bucket: 'cli-exports', S3Prefix: 'big' }));
  const d = await waitForExport(client, r.ExportDescription!.ExportArn!);
  assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
  const out = await readExport(bucket, 'cli-exports', d.ExportManifest!);
  const big = out.files.find((f) => out.raw.get(f.dataFileS3Key)!.length > 8 * 1024 * 1024);
  assert.ok(big, `a data file over 8 MiB (sizes: ${out.files.map((f) => out.raw.get(f.dataFileS3Key)!.length).join(', ')})`);
  assert.match(big.etag, /^[0-9a-f]{32}-[2-9]$/, 'S3 gave it a multipart ETag of several parts');
  const dir = d.ExportManifest!.replace(/\/manifest-summary\.json$/, '');
  const verify = (args: string[] = []) => run(process.execPath, [BIN, 'verify', `s3://cli-exports/${dir}/`, '--endpoint-url', strata.url, '--json', ...args], { env: awsEnv() })
    .then((v) => ({ code: 0, stdout: v.stdout }), (e: { code: number; stdout: string }) => e);
  const ok = await verify();
  const report = JSON.parse(ok.stdout) as { ok: boolean; itemCount: number; problems: unknown[] };
  assert.deepEqual([ok.code, report.ok, report.itemCount, report.problems], [0, true, 3500, []]);
  // The same file with a manifest etag that is wrong in one digit (md5Checksum and the .md5 left right):
  // only the recomputed ETag can notice.
  const filesKey = `${dir}/manifest-files.json`;
  const filesText = (await getBytes(bucket, 'cli-exports', filesKey)).toString('utf8');
  const wrongEtag = `${big.etag[0] === '0' ? '1' : '0'}${big.etag.slice(1)}`;
  const tampered = filesText.replace(big.etag, wrongEtag);
  await bucket.send(new PutObjectCommand({ Bucket: 'cli-exports', Key: filesKey, Body: tampered }));
  await bucket.send(new PutObjectCommand({ Bucket: 'cli-exports', Key: `${dir}/manifest-files.md5`, Body: createHash('md5').update(tampered).digest('base64') }));
  const bad = await verify();
  const badReport = JSON.parse(bad.stdout) as { ok: boolean; problems: Array<{ code: string; key?: string }> };
  assert.equal(bad.code, 1);
  assert.deepEqual(badReport.problems.map((p) => [p.code, p.key]), [['EtagMismatch', big.dataFileS3Key]]);
  // And a data file whose bytes changed fails on its checksums.
  await bucket.send(new PutObjectCommand({ Bucket: 'cli-exports', Key: filesKey, Body: filesText }));
  await bucket.send(new PutObjectCommand({ Bucket: 'cli-exports', Key: `${dir}/manifest-files.md5`, Body: createHash('md5').update(filesText).digest('base64') }));
  const gz = Buffer.from(out.raw.get(big.dataFileS3Key)!);
  gz[gz.length >> 1] = gz[gz.length >> 1]! ^ 0xff;
  await bucket.send(new PutObjectCommand({ Bucket: 'cli-exports', Key: big.dataFileS3Key, Body: gz }));
  const corrupt = await verify();
  const codes = (JSON.parse(corrupt.stdout) as { problems: Array<{ code: string }> }).problems.map((p) => p.code);
  assert.equal(corrupt.code, 1);
  assert.ok(codes.includes('Md5Mismatch') && codes.includes('EtagMismatch'), codes.join(','));
});
