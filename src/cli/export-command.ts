import { DescribeExportCommand, DynamoDBClient, ExportTableToPointInTimeCommand, type ExportDescription } from '@aws-sdk/client-dynamodb';
import { parseArgs } from 'node:util';
import { adminRequest, credentialsFromEnv } from '../pitr/admin-client.js';
import { PROGRESS_PATH } from '../export/export-progress-handler.js';

export const EXPORT_USAGE = `usage: strata export --table-arn ARN --s3-bucket BUCKET [options]

  --endpoint-url URL        Strata's endpoint (default: $STRATA_ENDPOINT or http://127.0.0.1:4566)
  --s3-prefix PREFIX        key prefix in the bucket
  --export-format F         DYNAMODB_JSON (default) or ION
  --export-time SECONDS     snapshot time, epoch seconds (default: now)
  --export-type T           FULL_EXPORT (default) or INCREMENTAL_EXPORT
  --from SECONDS --to SECONDS --view-type V   incremental period and NEW_IMAGE | NEW_AND_OLD_IMAGES
  --s3-bucket-owner ACCOUNT --s3-sse-algorithm AES256|KMS --s3-sse-kms-key-id KEY
  --client-token TOKEN      idempotency token: rerunning with the same token (within 8 hours) returns
                            the same export instead of starting another (default: a new UUID)
  --wait                    show a progress bar until the export ends; exit 1 if it FAILED
Credentials and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION / AWS_DEFAULT_REGION.`;

export function defaultEndpoint(): string {
  return process.env.STRATA_ENDPOINT ?? 'http://127.0.0.1:4566';
}

export async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      'endpoint-url': { type: 'string' }, 'table-arn': { type: 'string' }, 's3-bucket': { type: 'string' }, 's3-prefix': { type: 'string' },
      'export-format': { type: 'string' }, 'export-time': { type: 'string' }, 'export-type': { type: 'string' }, from: { type: 'string' },
      to: { type: 'string' }, 'view-type': { type: 'string' }, 's3-bucket-owner': { type: 'string' }, 's3-sse-algorithm': { type: 'string' },
      's3-sse-kms-key-id': { type: 'string' }, 'client-token': { type: 'string' }, wait: { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  if (values.help || !values['table-arn'] || !values['s3-bucket']) {
    console.log(EXPORT_USAGE);
    return values.help ? 0 : 2;
  }
  const endpoint = values['endpoint-url'] ?? defaultEndpoint();
  const creds = credentialsFromEnv();
  const client = new DynamoDBClient({ endpoint, region: creds.region, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey } });
  const seconds = (v: string | undefined) => (v === undefined ? undefined : new Date(Number(v) * 1000));
  try {
    const incremental = values['export-type'] === 'INCREMENTAL_EXPORT';
    const res = await client.send(new ExportTableToPointInTimeCommand({
      TableArn: values['table-arn'],
      S3Bucket: values['s3-bucket'],
      S3Prefix: values['s3-prefix'],
      ExportFormat: values['export-format'] as 'DYNAMODB_JSON' | 'ION' | undefined,
      ExportTime: seconds(values['export-time']),
      ExportType: values['export-type'] as 'FULL_EXPORT' | 'INCREMENTAL_EXPORT' | undefined,
      IncrementalExportSpecification: incremental
        ? { ExportFromTime: seconds(values.from), ExportToTime: seconds(values.to), ExportViewType: values['view-type'] as 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES' | undefined }
        : undefined,
      S3BucketOwner: values['s3-bucket-owner'],
      S3SseAlgorithm: values['s3-sse-algorithm'] as 'AES256' | 'KMS' | undefined,
      S3SseKmsKeyId: values['s3-sse-kms-key-id'],
      // Left out, the SDK fills in a fresh UUID (the member is an idempotency token).
      ClientToken: values['client-token'],
    }));
    const started = res.ExportDescription!;
    if (!values.wait) {
      console.log(JSON.stringify({ ExportDescription: started }, null, 2));
      return 0;
    }
    console.log(`export ${started.ExportArn}`);
    const final = await waitWithProgress(client, endpoint, started.ExportArn!);
    console.log(`${final.ExportStatus}: ${final.ItemCount ?? 0} items` + (final.ExportManifest ? `, manifest s3://${final.S3Bucket}/${final.ExportManifest}` : ''));
    if (final.ExportStatus !== 'COMPLETED') {
      console.error(`${final.FailureCode}: ${final.FailureMessage}`);
      return 1;
    }
    return 0;
  } catch (e) {
    const err = e as Error;
    console.error(`An error occurred (${err.name}): ${err.message}`);
    return 1;
  } finally {
    client.destroy();
  }
}

/** Polls progress and redraws one line: a bar on a terminal, a line per 10% otherwise. */
async function waitWithProgress(client: DynamoDBClient, endpoint: string, arn: string): Promise<ExportDescription> {
  const tty = process.stdout.isTTY === true;
  let lastTenth = -1;
  for (;;) {
    const d = (await client.send(new DescribeExportCommand({ ExportArn: arn }))).ExportDescription!;
    const p = await adminRequest(endpoint, 'GET', `${PROGRESS_PATH}?ExportArn=${encodeURIComponent(arn)}`);
    const done = Number(p.body.ItemsExported ?? 0);
    const expected = Math.max(1, Number(p.body.ItemsExpected ?? 0));
    const fraction = d.ExportStatus === 'IN_PROGRESS' ? Math.min(1, done / expected) : 1;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stdout.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(fraction * 100)}%  ${done} items`);
    } else if (Math.floor(fraction * 10) > lastTenth) {
      lastTenth = Math.floor(fraction * 10);
      console.log(`progress ${lastTenth * 10}% (${done} items)`);
    }
    if (d.ExportStatus !== 'IN_PROGRESS') {
      if (tty) process.stdout.write('\n');
      return d;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
