import { S3Client } from '@aws-sdk/client-s3';
import { parseArgs } from 'node:util';
import { verifyExport } from '../export/format/verify.js';
import { credentialsFromEnv } from '../pitr/admin-client.js';
import { defaultEndpoint } from './export-command.js';

export const VERIFY_USAGE = `usage: strata verify s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID/ [--endpoint-url URL] [--json]

Checks an export against its manifests: every data file's MD5 and ETag, its item count, each line's
format (DynamoDB JSON or Ion, full or incremental), and the summary's totals. Works against any S3
endpoint (default: $STRATA_ENDPOINT or http://127.0.0.1:4566); credentials from the AWS_* variables.
Exit status 0 when the export is sound, 1 when a problem was found.`;

export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, strict: true, allowPositionals: true,
    options: { 'endpoint-url': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  const target = positionals[0];
  const m = target ? /^s3:\/\/([^/]+)\/(.+?)\/?$/.exec(target) : null;
  if (values.help || !m) {
    console.log(VERIFY_USAGE);
    return values.help ? 0 : 2;
  }
  const creds = credentialsFromEnv();
  const client = new S3Client({
    endpoint: values['endpoint-url'] ?? defaultEndpoint(), region: creds.region, forcePathStyle: true,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
  });
  try {
    const report = await verifyExport(client, m[1]!, m[2]!);
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`${report.ok ? 'OK' : 'FAILED'}  s3://${report.bucket}/${report.exportPrefix}/`);
      console.log(`  ${report.exportType ?? '?'} ${report.outputFormat ?? '?'}, ${report.dataFiles.length} data files, ${report.itemCount} items (summary says ${report.summaryItemCount ?? '?'})`);
      for (const p of report.problems) console.log(`  problem ${p.code}: ${p.message}${p.key ? ` (${p.key})` : ''}`);
      for (const w of report.warnings) console.log(`  warning ${w.code}: ${w.message}`);
    }
    return report.ok ? 0 : 1;
  } finally {
    client.destroy();
  }
}
