import {
  BatchWriteItemCommand, CreateTableCommand, ExportTableToPointInTimeCommand, UpdateContinuousBackupsCommand, type AttributeValue, type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { admin, nowMs } from '../helpers/admin.js';
import { awsEnv, dynamo } from '../helpers/clients.js';
import { listKeys, readExport, s3, waitForExport } from '../helpers/exports.js';
import { BIN, removeDir, startStrataProcess, tempDir } from '../helpers/strata-process.js';

const run = promisify(execFile);
const arn = (t: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${t}`;
type Item = Record<string, AttributeValue>;

async function putAll(client: DynamoDBClient, table: string, ids: number[], item: (i: number) => Item): Promise<void> {
  const batches: Item[][] = [];
  for (let i = 0; i < ids.length; i += 25) batches.push(ids.slice(i, i + 25).map(item));
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(batches.slice(i, i + 8).map((b) => client.send(new BatchWriteItemCommand({ RequestItems: { [table]: b.map((Item) => ({ PutRequest: { Item } })) } }))));
  }
}

async function progress(url: string, exportArn: string): Promise<{ ExportStatus: string; SegmentsDone: number; SegmentsTotal: number }> {
  return (await admin(url, 'GET', `/_strata/exports/progress?ExportArn=${encodeURIComponent(exportArn)}`)) as never;
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/**
 * An incremental export of ~12 MB of changes at 1 MB a file, killed mid-way by `kill` (how: the caller's),
 * then restarted: it must complete with exactly the right records, and the shared data folder must hold
 * exactly the files its manifest lists. Returns the export's progress at the kill.
 */
async function crashAndResume(kill: (url: string, exportArn: string) => Promise<void>, env: NodeJS.ProcessEnv = {}): Promise<{ SegmentsDone: number; SegmentsTotal: number }> {
  const dataDir = tempDir();
  // 1 MB of changes per file: the ~12 MB of changes below make a dozen files, so the kill lands between them.
  const args = ['--export-segment-mb', '1', '--incremental-min-period', '0'];
  let strata = await startStrataProcess(args, { dataDir, env });
  let client = dynamo(strata.url);
  let bucket = s3(strata.url);
  try {
    await bucket.send(new CreateBucketCommand({ Bucket: 'icrash' }));
    await client.send(new CreateTableCommand({
      TableName: 'inc_crash', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST',
    }));
    await client.send(new UpdateContinuousBackupsCommand({ TableName: 'inc_crash', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    // Before the window: 1,000 items that the window overwrites (their OldImage) and 500 it never touches.
    await putAll(client, 'inc_crash', range(1500), (i) => ({ id: { S: `item-${i < 1000 ? i : 20000 + i}` }, v: { S: 'before' } }));
    const from = await nowMs(strata.url);
    const body = 'x'.repeat(1000);
    await putAll(client, 'inc_crash', range(12000), (i) => ({ id: { S: `item-${i}` }, body: { S: body }, n: { N: String(i) } }));
    const to = await nowMs(strata.url);
    const r = await client.send(new ExportTableToPointInTimeCommand({
      TableArn: arn('inc_crash'), S3Bucket: 'icrash', S3Prefix: 'ip', ExportType: 'INCREMENTAL_EXPORT',
      IncrementalExportSpecification: { ExportFromTime: new Date(from), ExportToTime: new Date(to), ExportViewType: 'NEW_AND_OLD_IMAGES' },
    }));
    const exportArn = r.ExportDescription!.ExportArn!;
    await kill(strata.url, exportArn);
    await strata.stop('SIGKILL');
    client.destroy();
    bucket.destroy();
    strata = await startStrataProcess(args, { dataDir });
    client = dynamo(strata.url);
    bucket = s3(strata.url);
    const p = await progress(strata.url, exportArn);
    assert.equal(p.ExportStatus, 'IN_PROGRESS', 'the kill landed mid-export');
    assert.ok(p.SegmentsTotal >= 10 && p.SegmentsTotal <= 20, `files planned from ~12 MB of changes at 1 MB each, not from the table: ${p.SegmentsTotal}`);
    const d = await waitForExport(client, exportArn, 120_000);
    assert.equal(d.ExportStatus, 'COMPLETED', d.FailureMessage);
    assert.equal(d.ItemCount, 12000);
    const out = await readExport(bucket, 'icrash', d.ExportManifest!);
    assert.equal(out.files.length, p.SegmentsTotal, 'the plan saved before the crash is the one completed');
    const recs = out.lines.map((l) => JSON.parse(l) as { Keys: Item; OldImage?: Item; NewImage?: Item });
    assert.equal(recs.length, 12000);
    assert.equal(new Set(recs.map((x) => x.Keys.id!.S)).size, 12000, 'no record twice, none missing');
    for (const x of recs) {
      const i = Number(x.Keys.id!.S!.slice(5));
      assert.equal(x.NewImage?.n?.N, String(i));
      assert.deepEqual(x.OldImage, i < 1000 ? { id: { S: `item-${i}` }, v: { S: 'before' } } : undefined);
    }
    // The shared folder holds exactly this export's listed files: none written twice under another name.
    const inFolder = (await listKeys(bucket, 'icrash', 'ip/AWSDynamoDB/data/')).map((o) => o.key).sort();
    assert.deepEqual(inFolder, out.files.map((f) => f.dataFileS3Key).sort());
    const v = await run(process.execPath, [BIN, 'verify', `s3://icrash/ip/AWSDynamoDB/${exportArn.split('/').pop()}/`, '--endpoint-url', strata.url], { env: awsEnv() });
    assert.match(v.stdout, /^OK/);
    assert.match(v.stdout, /12000 items/);
    return p;
  } finally {
    client.destroy();
    bucket.destroy();
    await strata.stop();
    removeDir(dataDir);
  }
}

test('kill -9 mid-incremental-export: it resumes from its finished files and completes with exactly the right records', async () => {
  let done = 0;
  await crashAndResume(async (url, exportArn) => {
    let p = await progress(url, exportArn);
    for (let i = 0; i < 4000 && p.SegmentsDone < 2 && p.ExportStatus === 'IN_PROGRESS'; i++) {
      await new Promise((res) => setTimeout(res, 2));
      p = await progress(url, exportArn);
    }
    assert.equal(p.ExportStatus, 'IN_PROGRESS', 'the kill must land mid-export for this test to mean anything');
    done = p.SegmentsDone;
  });
  assert.ok(done >= 1, 'finished files were recorded one by one before the kill');
});

test('killed right after a file is uploaded but before it is recorded: the redo replaces that object, no second copy in the shared folder', async () => {
  await crashAndResume(async (url) => {
    // The server kills itself after its third upload; wait for it to be gone.
    for (let i = 0; i < 2000; i++) {
      try {
        await fetch(url);
      } catch {
        return;
      }
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error('the server did not kill itself');
  }, { STRATA_TEST_EXPORT_KILL_AFTER_FILES: '3' });
});
