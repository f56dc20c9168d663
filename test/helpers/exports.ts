import { DescribeExportCommand, type DynamoDBClient, type ExportDescription } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { TEST_CREDENTIALS } from './strata-process.js';

export function s3(url: string, creds: { accessKeyId: string; secretAccessKey: string } = TEST_CREDENTIALS, region = 'us-east-1'): S3Client {
  return new S3Client({ endpoint: url, region, forcePathStyle: true, credentials: creds, maxAttempts: 1 });
}

/** Polls DescribeExport until the export leaves IN_PROGRESS. */
export async function waitForExport(client: DynamoDBClient, arn: string, timeoutMs = 60_000): Promise<ExportDescription> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = (await client.send(new DescribeExportCommand({ ExportArn: arn }))).ExportDescription!;
    if (d.ExportStatus !== 'IN_PROGRESS') return d;
    if (Date.now() > until) throw new Error(`export ${arn} still IN_PROGRESS after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function getBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<Array<{ key: string; size: number; etag: string }>> {
  const out: Array<{ key: string; size: number; etag: string }> = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size!, etag: o.ETag! });
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

export interface ManifestLine {
  itemCount: number;
  md5Checksum: string;
  etag: string;
  dataFileS3Key: string;
}

/** Reads an export's manifests and every data file's lines, decompressed. */
export async function readExport(client: S3Client, bucket: string, manifestSummaryKey: string): Promise<{ summary: Record<string, unknown>; files: ManifestLine[]; lines: string[]; raw: Map<string, Buffer> }> {
  const summary = JSON.parse((await getBytes(client, bucket, manifestSummaryKey)).toString('utf8')) as Record<string, unknown>;
  const filesText = (await getBytes(client, bucket, summary.manifestFilesS3Key as string)).toString('utf8');
  const files = filesText.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ManifestLine);
  const lines: string[] = [];
  const raw = new Map<string, Buffer>();
  for (const f of files) {
    const gz = await getBytes(client, bucket, f.dataFileS3Key);
    raw.set(f.dataFileS3Key, gz);
    const text = gunzipSync(gz).toString('utf8');
    for (const l of text.split('\n')) if (l) lines.push(l);
  }
  return { summary, files, lines, raw };
}
