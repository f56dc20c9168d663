import {
  CreateTableCommand, DescribeExportCommand, DynamoDBClient, ExportTableToPointInTimeCommand, PutItemCommand, QueryCommand, UpdateContinuousBackupsCommand,
  type ExportDescription,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { gunzipSync } from 'node:zlib';
import { startStrata } from '../app.js';
import { resolveConfig } from '../config.js';
import { verifyExport } from '../export/format/verify.js';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * The README's first command: an in-memory Strata; a table loaded through the real AWS SDK; PITR on;
 * an export to the embedded S3 store of the table as it was before a later write; the export verified.
 */
export async function runDemo(): Promise<void> {
  const strata = await startStrata({ ...resolveConfig({ port: '0' }), inMemory: true });
  console.log(`Strata started at ${strata.url} (in memory)`);
  const client = new DynamoDBClient({ endpoint: strata.url, region: 'us-east-1', credentials: CREDENTIALS });
  const doc = DynamoDBDocumentClient.from(client);
  const s3 = new S3Client({ endpoint: strata.url, region: 'us-east-1', credentials: CREDENTIALS, forcePathStyle: true });
  try {
    const created = await client.send(new CreateTableCommand({
      TableName: 'Music',
      KeySchema: [{ AttributeName: 'Artist', KeyType: 'HASH' }, { AttributeName: 'SongTitle', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'Artist', AttributeType: 'S' }, { AttributeName: 'SongTitle', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    const tableArn = created.TableDescription!.TableArn!;
    await client.send(new UpdateContinuousBackupsCommand({ TableName: 'Music', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    console.log(`created table Music with point-in-time recovery on (${tableArn})`);
    const artists = ['No One You Know', 'Acme Band', 'The Strata Trio'];
    for (let batch = 0; batch < 40; batch++) {
      const items = Array.from({ length: 25 }, (_, i) => {
        const n = batch * 25 + i;
        return { Artist: artists[n % 3]!, SongTitle: `Song ${String(n).padStart(4, '0')}`, Year: 1990 + (n % 30), Plays: n * 7, Tags: new Set(['demo']) };
      });
      await doc.send(new BatchWriteCommand({ RequestItems: { Music: items.map((Item) => ({ PutRequest: { Item } })) } }));
    }
    console.log('wrote 1000 items with BatchWriteItem (every write is a version)');
    const q = await client.send(new QueryCommand({
      TableName: 'Music', KeyConditionExpression: 'Artist = :a AND begins_with(SongTitle, :p)',
      ExpressionAttributeValues: { ':a': { S: 'Acme Band' }, ':p': { S: 'Song 000' } },
    }));
    console.log(`Query Artist = "Acme Band", SongTitle begins_with "Song 000": ${q.Count} items`);
    const snapshot = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await client.send(new PutItemCommand({ TableName: 'Music', Item: { Artist: { S: 'Late Arrival' }, SongTitle: { S: 'Written After The Export Time' } } }));
    console.log(`wrote one more item after ${snapshot.toISOString()}; the export below is as of that instant, so it will not contain it`);

    await s3.send(new CreateBucketCommand({ Bucket: 'demo-exports' }));
    const started = await client.send(new ExportTableToPointInTimeCommand({ TableArn: tableArn, S3Bucket: 'demo-exports', S3Prefix: 'music', ExportTime: snapshot }));
    console.log(`ExportTableToPointInTime -> ${started.ExportDescription!.ExportStatus} ${started.ExportDescription!.ExportArn}`);
    const done = await waitForExport(client, started.ExportDescription!.ExportArn!);
    console.log(`DescribeExport -> ${done.ExportStatus}: ${done.ItemCount} items, manifest s3://demo-exports/${done.ExportManifest}`);
    if (done.ExportStatus !== 'COMPLETED') throw new Error(`${done.FailureCode}: ${done.FailureMessage}`);
    const summary = await text(s3, 'demo-exports', done.ExportManifest!);
    console.log(`manifest-summary.json: ${summary}`);
    const files = (await text(s3, 'demo-exports', (JSON.parse(summary) as { manifestFilesS3Key: string }).manifestFilesS3Key)).trim().split('\n');
    const entries = files.map((l) => JSON.parse(l) as { dataFileS3Key: string; itemCount: number });
    const first = entries.find((e) => e.itemCount > 0)!;
    const gz = await bytes(s3, 'demo-exports', first.dataFileS3Key);
    console.log(`${files.length} data files (${entries.map((e) => e.itemCount).join(' + ')} items; a partition range with no keys gets an empty file, as on AWS)`);
    console.log(`first line of ${first.dataFileS3Key}:\n  ${gunzipSync(gz).toString('utf8').split('\n')[0]}`);
    const exportDir = done.ExportManifest!.replace(/\/manifest-summary\.json$/, '');
    const report = await verifyExport(s3, 'demo-exports', exportDir);
    console.log(`strata verify s3://demo-exports/${exportDir}/ -> ${report.ok ? 'OK' : 'FAILED'}: ${report.itemCount} items in ${report.dataFiles.length} files, checksums match`);
    if (!report.ok) throw new Error(report.problems.map((p) => p.message).join('; '));
  } finally {
    client.destroy();
    s3.destroy();
    await strata.close();
  }
  console.log('demo finished');
}

async function waitForExport(client: DynamoDBClient, arn: string): Promise<ExportDescription> {
  for (;;) {
    const d = (await client.send(new DescribeExportCommand({ ExportArn: arn }))).ExportDescription!;
    if (d.ExportStatus !== 'IN_PROGRESS') return d;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function bytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function text(s3: S3Client, bucket: string, key: string): Promise<string> {
  return (await bytes(s3, bucket, key)).toString('utf8');
}
