import { ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { useState } from 'preact/hooks';
import { fmtTime } from '../format.js';
import { useAsync } from '../hooks.js';
import { Button, DataTable, Empty, ErrorAlert, Loading, Modal } from '../ui.js';

/** "Browse S3": the embedded store's buckets of the signed-in account, then folders inside one. */
export function S3Browser(props: { onChoose: (bucket: string, prefix: string) => void; onClose: () => void }) {
  const [bucket, setBucket] = useState<string | undefined>();
  const [prefix, setPrefix] = useState('');
  const q = useAsync(
    async (api) => {
      if (!bucket) {
        const r = await api.s3.send(new ListBucketsCommand({}));
        return { buckets: (r.Buckets ?? []).map((b) => ({ name: b.Name!, created: b.CreationDate })), folders: [] as string[] };
      }
      const r = await api.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', MaxKeys: 200 }));
      return { buckets: [], folders: (r.CommonPrefixes ?? []).map((p) => p.Prefix!).filter(Boolean) };
    },
    [bucket ?? '', prefix],
  );
  const here = bucket ? `s3://${bucket}/${prefix}` : 'Buckets';
  const up = (): void => {
    if (!prefix) {
      setBucket(undefined);
      return;
    }
    const parts = prefix.replace(/\/$/, '').split('/');
    parts.pop();
    setPrefix(parts.length ? parts.join('/') + '/' : '');
  };
  return (
    <Modal
      title="Choose an S3 destination"
      onClose={props.onClose}
      footer={
        <>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button variant="primary" disabled={!bucket} onClick={() => bucket && props.onChoose(bucket, prefix.replace(/\/$/, ''))} id="s3-choose">
            Choose
          </Button>
        </>
      }
    >
      <div class="browser-path">
        {bucket && (
          <Button variant="link" onClick={up}>
            ‹ Up
          </Button>
        )}
        <span class="mono">{here}</span>
      </div>
      <ErrorAlert error={q.error} title="Could not list" />
      {!q.data && q.loading && <Loading />}
      {q.data && !bucket && (q.data.buckets.length === 0 ? <Empty>No buckets in this account yet.</Empty> : (
        <DataTable label="Buckets">
          <thead>
            <tr>
              <th>Bucket</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {q.data.buckets.map((b) => (
              <tr key={b.name}>
                <td>
                  <Button variant="link" onClick={() => { setBucket(b.name); setPrefix(''); }} data-bucket={b.name}>
                    {b.name}
                  </Button>
                </td>
                <td class="nowrap">{fmtTime(b.created)}</td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      ))}
      {q.data && bucket && (q.data.folders.length === 0 ? <Empty>No folders here. Choose this location, or type a new prefix in the form.</Empty> : (
        <ul class="folder-list">
          {q.data.folders.map((f) => (
            <li key={f}>
              <Button variant="link" onClick={() => setPrefix(f)}>
                📁 {f.slice(prefix.length)}
              </Button>
            </li>
          ))}
        </ul>
      ))}
    </Modal>
  );
}

/** Splits "s3://bucket/prefix" (the prefix optional, without its trailing "/"). */
export function parseS3Url(v: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([^/\s]+)(?:\/(.*))?$/.exec(v.trim());
  if (!m) return undefined;
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/\/+$/, '') };
}

/** The bucket-name rule the APIs apply (ExportTableToPointInTime's S3Bucket pattern). */
export function bucketNameError(b: string): string | undefined {
  if (b.length < 3 || b.length > 63) return 'A bucket name has 3 to 63 characters.';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(b)) return 'A bucket name uses lowercase letters, digits, dots and hyphens, and starts and ends with a letter or digit.';
  return undefined;
}
