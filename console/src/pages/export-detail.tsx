import { DescribeExportCommand, type ExportDescription } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { useState } from 'preact/hooks';
import type { Api } from '../aws.js';
import { exportIdOf, fmtBytes, fmtCount, fmtTime, tableNameOf } from '../format.js';
import { useAsync } from '../hooks.js';
import { href, parseRoute } from '../router.js';
import { Alert, Breakable, Button, DataTable, ErrorAlert, KV, Loading, Mono, Page, Panel, Progress, Status } from '../ui.js';
import { FORMAT_LABEL, TYPE_LABEL } from './exports.js';

interface ExportProgress {
  ExportStatus: string;
  ItemsExported: number;
  ItemsExpected: number;
  SegmentsDone: number;
  SegmentsTotal: number;
}

export interface ExportedFile {
  key: string;
  kind: string;
  size?: number;
  items?: number;
  url?: string;
}

/** Files listed before "Show all" (an export of a big table has many data files). */
const FILES_SHOWN = 12;

const SSE_LABEL: Record<string, string> = { AES256: 'Amazon S3 key (SSE-S3)', KMS: 'AWS KMS key (SSE-KMS)' };
const VIEW_LABEL: Record<string, string> = { NEW_IMAGE: 'New images', NEW_AND_OLD_IMAGES: 'New and old images' };

/** Why an export failed, in words, by its FailureCode. */
function explain(d: ExportDescription): string {
  const where = `s3://${d.S3Bucket}${d.S3Prefix ? '/' + d.S3Prefix : ''}`;
  switch (d.FailureCode) {
    case 'S3NoSuchBucket':
      return `The destination bucket ${d.S3Bucket} does not exist${d.S3BucketOwner ? ` in account ${d.S3BucketOwner}` : ''}, so nothing could be written to ${where}. Create the bucket (or pick an existing one with Browse S3) and export again.`;
    case 'S3AccessDenied':
      return `Strata was not allowed to write to ${where}: the bucket belongs to another account that does not allow this one, or its owner is not the expected bucket owner.`;
    default:
      return 'The export stopped before its manifests were written. Files already written to the bucket are incomplete; export again.';
  }
}

async function getText(api: Api, bucket: string, key: string): Promise<string> {
  const r = await api.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return r.Body!.transformToString();
}

/** The export's objects: everything under its folder plus the data files its manifest names (incremental ones live in AWSDynamoDB/data/). */
export async function exportedFiles(api: Api, d: ExportDescription): Promise<ExportedFile[]> {
  const bucket = d.S3Bucket!;
  const manifest = d.ExportManifest!;
  const dir = manifest.slice(0, manifest.lastIndexOf('/') + 1);
  const listed = new Map<string, number>();
  let token: string | undefined;
  for (let i = 0; i < 20; i++) {
    const r = await api.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: dir, ContinuationToken: token }));
    for (const o of r.Contents ?? []) listed.set(o.Key!, o.Size ?? 0);
    token = r.NextContinuationToken;
    if (!token) break;
  }
  const summary = JSON.parse(await getText(api, bucket, manifest)) as { manifestFilesS3Key?: string };
  const data: Array<{ dataFileS3Key: string; itemCount: number }> = [];
  if (summary.manifestFilesS3Key) {
    for (const line of (await getText(api, bucket, summary.manifestFilesS3Key)).split('\n')) {
      if (line.trim()) data.push(JSON.parse(line) as { dataFileS3Key: string; itemCount: number });
    }
  }
  const files: ExportedFile[] = [];
  const kindOf = (k: string): string => {
    const n = k.slice(k.lastIndexOf('/') + 1);
    if (n === 'manifest-summary.json') return 'Manifest summary';
    if (n === 'manifest-files.json') return 'Manifest of data files';
    if (n.endsWith('.md5')) return 'Checksum';
    if (n === '_started') return 'Marker';
    return 'Data file';
  };
  for (const [key, size] of listed) if (!data.some((f) => f.dataFileS3Key === key)) files.push({ key, kind: kindOf(key), size });
  const rank = ['Manifest summary', 'Manifest of data files', 'Checksum', 'Marker', 'Data file'];
  files.sort((a, b) => rank.indexOf(a.kind) - rank.indexOf(b.kind) || a.key.localeCompare(b.key));
  for (const f of data.slice(0, 500)) {
    let size = listed.get(f.dataFileS3Key);
    if (size === undefined) size = (await api.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: f.dataFileS3Key })).catch(() => undefined))?.ContentLength;
    files.push({ key: f.dataFileS3Key, kind: 'Data file', size, items: f.itemCount });
  }
  await Promise.all(files.map(async (f) => (f.url = await api.presign(bucket, f.key))));
  return files;
}

export function ExportDetailPage(props: { arn: string }) {
  const justStarted = parseRoute(location.hash).query.get('started') === '1';
  const q = useAsync(
    async (api) => {
      const d = (await api.ddb.send(new DescribeExportCommand({ ExportArn: props.arn }))).ExportDescription!;
      let progress: ExportProgress | undefined;
      if (d.ExportStatus === 'IN_PROGRESS') {
        progress = await api.strata<ExportProgress>('GET', `/_strata/exports/progress?ExportArn=${encodeURIComponent(props.arn)}`).catch(() => undefined);
      }
      return { d, progress };
    },
    [props.arn],
    (x) => (x.d.ExportStatus === 'IN_PROGRESS' ? 700 : undefined),
  );
  const d = q.data?.d;
  const files = useAsync(async (api) => (d && d.ExportStatus === 'COMPLETED' && d.ExportManifest ? exportedFiles(api, d) : undefined), [d?.ExportStatus, d?.ExportManifest]);
  const [showAll, setShowAll] = useState(false);

  const title = exportIdOf(props.arn);
  const crumbs: Array<[string, string]> = [['Exports to S3', href(['dynamodb', 'exports'])]];
  if (!d) {
    return (
      <Page title={title} crumbs={crumbs}>
        {q.loading ? <Loading what="export" /> : <ErrorAlert error={q.error} title="Could not load this export" />}
      </Page>
    );
  }
  const p = q.data?.progress;
  const pct = p ? (p.ItemsExpected > 0 ? (100 * p.ItemsExported) / p.ItemsExpected : p.SegmentsTotal > 0 ? (100 * p.SegmentsDone) / p.SegmentsTotal : 0) : 0;
  const inc = d.IncrementalExportSpecification;
  const type = d.ExportType ?? 'FULL_EXPORT';
  return (
    <Page title={title} crumbs={crumbs} actions={<Button onClick={q.reload}>Refresh</Button>}>
      {justStarted && d.ExportStatus === 'IN_PROGRESS' && <Alert kind="info">The export of {tableNameOf(d.TableArn)} has started. This page follows it until it completes.</Alert>}
      {d.ExportStatus === 'COMPLETED' && <Alert kind="success">Export completed: {fmtCount(d.ItemCount)} items written to s3://{d.S3Bucket}{d.S3Prefix ? '/' + d.S3Prefix : ''}.</Alert>}
      {d.ExportStatus === 'FAILED' && (
        <Alert kind="error" title={`Export failed: ${d.FailureCode ?? 'UNKNOWN'}`}>
          <p class="failure-message">{d.FailureMessage}</p>
          <p>{explain(d)}</p>
          <a class="btn small" href={href(['dynamodb', 'exports', 'new'], { table: tableNameOf(d.TableArn) })}>
            Export again
          </a>
        </Alert>
      )}
      {d.ExportStatus === 'IN_PROGRESS' && (
        <Panel title="Progress" id="progress">
          <Progress percent={pct} label={p ? `${Math.floor(pct)}% – ${fmtCount(p.ItemsExported)} of ${fmtCount(p.ItemsExpected)} items, ${p.SegmentsDone} of ${p.SegmentsTotal} files` : 'Starting…'} />
        </Panel>
      )}
      <Panel title="Export details" id="details">
        <KV
          items={[
            ['Export ARN', <Mono>{d.ExportArn}</Mono>],
            ['Status', <Status value={d.ExportStatus} />],
            ['Source table', <a href={href(['dynamodb', 'tables', tableNameOf(d.TableArn)])}>{tableNameOf(d.TableArn)}</a>],
            ['Table ARN', <Mono>{d.TableArn}</Mono>],
            ['Table ID', <Mono>{d.TableId}</Mono>],
            ['Export type', TYPE_LABEL[type]],
            type === 'FULL_EXPORT' && ['Export time', fmtTime(d.ExportTime)],
            inc && ['Export period from', fmtTime(inc.ExportFromTime)],
            inc && ['Export period to', fmtTime(inc.ExportToTime)],
            inc && ['Export view type', VIEW_LABEL[inc.ExportViewType ?? ''] ?? inc.ExportViewType],
            ['Export format', FORMAT_LABEL[d.ExportFormat ?? ''] ?? d.ExportFormat],
            ['Start time', fmtTime(d.StartTime)],
            ['End time', fmtTime(d.EndTime)],
            ['Item count', d.ItemCount === undefined ? '—' : fmtCount(d.ItemCount)],
            ['Billed size', d.BilledSizeBytes === undefined ? '—' : fmtBytes(d.BilledSizeBytes)],
            ['Destination S3 bucket', <Mono>{`s3://${d.S3Bucket}${d.S3Prefix ? '/' + d.S3Prefix : ''}`}</Mono>],
            ['S3 bucket owner', d.S3BucketOwner ?? 'This account'],
            ['Encryption', SSE_LABEL[d.S3SseAlgorithm ?? 'AES256'] ?? d.S3SseAlgorithm],
            d.S3SseKmsKeyId !== undefined && ['KMS key', <Mono>{d.S3SseKmsKeyId}</Mono>],
            ['Export manifest', d.ExportManifest ? <Mono>{d.ExportManifest}</Mono> : '—'],
            ['Client token', <Mono>{d.ClientToken}</Mono>],
            d.FailureCode !== undefined && ['Failure code', <Mono>{d.FailureCode}</Mono>],
            d.FailureMessage !== undefined && ['Failure message', d.FailureMessage],
          ]}
        />
      </Panel>
      {d.ExportStatus === 'COMPLETED' && (
        <Panel
          title={`Exported files${files.data ? ` (${files.data.length})` : ''}`}
          id="files"
          actions={files.data && files.data.length > FILES_SHOWN && <Button onClick={() => setShowAll(!showAll)} id="show-all-files">{showAll ? `Show the first ${FILES_SHOWN}` : `Show all ${files.data.length}`}</Button>}
        >
          <ErrorAlert error={files.error} title="Could not read the exported files" />
          {!files.data && files.loading && <Loading what="files" />}
          {files.data && (
            <DataTable label="Exported files" id="exported-files">
              <thead>
                <tr>
                  <th>S3 key</th>
                  <th>Kind</th>
                  <th class="num">Items</th>
                  <th class="num">Size</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {(showAll ? files.data : files.data.slice(0, FILES_SHOWN)).map((f) => (
                  <tr key={f.key} data-key={f.key}>
                    <td class="arn mono">
                      <Breakable text={f.key} />
                    </td>
                    <td class="nowrap">{f.kind}</td>
                    <td class="num">{f.items === undefined ? '' : fmtCount(f.items)}</td>
                    <td class="num nowrap">{fmtBytes(f.size)}</td>
                    <td class="row-actions">
                      {f.url && (
                        <a class="btn small" href={f.url} download={f.key.slice(f.key.lastIndexOf('/') + 1)}>
                          Download
                        </a>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </DataTable>
          )}
        </Panel>
      )}
    </Page>
  );
}
