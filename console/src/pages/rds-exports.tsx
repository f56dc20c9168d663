import { CancelExportTaskCommand, DescribeExportTasksCommand, StartExportTaskCommand, type ExportTask } from '@aws-sdk/client-rds';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { useMemo, useState } from 'preact/hooks';
import { errorOf, errorText, isAuthError, type Api } from '../aws.js';
import { fmtBytes, fmtTime, zoneLabel } from '../format.js';
import { useApp, useAsync } from '../hooks.js';
import { href, navigate, parseRoute } from '../router.js';
import { Alert, Breakable, Button, DataTable, Empty, ErrorAlert, Field, KV, Loading, Modal, Mono, Page, Panel, Progress, Radio, Status } from '../ui.js';
import { parseS3Url, S3Browser } from './s3-browser.js';

const ACTIVE = new Set(['STARTING', 'IN_PROGRESS', 'CANCELING']);

/** "arn:aws:rds:REGION:ACCOUNT:snapshot:NAME" → "NAME" (snapshot, cluster-snapshot or cluster). */
function sourceName(arn: string | undefined): string {
  if (!arn) return '—';
  const parts = arn.split(':');
  return parts.slice(6).join(':') || arn;
}

function sourceKind(arn: string | undefined): string {
  const k = arn?.split(':')[5];
  return k === 'snapshot' ? 'DB snapshot' : k === 'cluster-snapshot' ? 'DB cluster snapshot' : k === 'cluster' ? 'DB cluster' : k ?? '—';
}

function TaskProgress({ t }: { t: ExportTask }) {
  if (t.Status === 'COMPLETE') return <Progress percent={100} />;
  if (!ACTIVE.has(t.Status ?? '')) return <span class="muted">—</span>;
  return <Progress percent={t.PercentProgress ?? 0} />;
}

const PAGE_SIZE = 20;

export function RdsExportsPage() {
  const [markers, setMarkers] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState(0);
  const q = useAsync(
    (api) => api.rds.send(new DescribeExportTasksCommand({ MaxRecords: PAGE_SIZE, Marker: markers[page] })),
    [page, markers[page]],
    (r) => ((r.ExportTasks ?? []).some((t) => ACTIVE.has(t.Status ?? '')) ? 1000 : undefined),
  );
  const tasks = [...(q.data?.ExportTasks ?? [])].sort((a, b) => (b.TaskStartTime?.getTime() ?? 0) - (a.TaskStartTime?.getTime() ?? 0));
  return (
    <Page
      title="Exports in Amazon S3"
      actions={
        <>
          <Button onClick={q.reload}>Refresh</Button>
          <a class="btn primary" href={href(['rds', 'snapshots'])}>
            Export a snapshot
          </a>
        </>
      }
    >
      <Panel
        title="Export tasks"
        actions={
          <div class="pager">
            <Button onClick={() => setPage(page - 1)} disabled={page === 0}>
              ‹ Previous
            </Button>
            <span class="page-no">Page {page + 1}</span>
            <Button
              onClick={() => {
                if (!q.data?.Marker) return;
                setMarkers([...markers.slice(0, page + 1), q.data.Marker]);
                setPage(page + 1);
              }}
              disabled={!q.data?.Marker}
            >
              Next ›
            </Button>
          </div>
        }
      >
        <ErrorAlert error={q.error} title="Could not list export tasks" />
        {!q.data && q.loading && <Loading what="export tasks" />}
        {q.data && tasks.length === 0 && <Empty>No export tasks. Export a DB snapshot or cluster from the Snapshots or Databases page.</Empty>}
        {q.data && tasks.length > 0 && (
          <DataTable label="Export tasks" id="rds-export-tasks">
            <thead>
              <tr>
                <th>Export identifier</th>
                <th>Source</th>
                <th>Status</th>
                <th class="progress-col">Progress</th>
                <th>S3 destination</th>
                <th>Started ({zoneLabel()})</th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((t) => (
                <tr key={t.ExportTaskIdentifier} data-task={t.ExportTaskIdentifier}>
                  <td>
                    <a href={href(['rds', 'exports', t.ExportTaskIdentifier!])}>{t.ExportTaskIdentifier}</a>
                  </td>
                  <td>
                    <span class="nowrap-stack">
                      <span class="mono">{sourceName(t.SourceArn)}</span>
                      <span class="muted">{sourceKind(t.SourceArn)}</span>
                    </span>
                  </td>
                  <td data-col="status">
                    <Status value={t.Status} />
                  </td>
                  <td class="progress-col">
                    <TaskProgress t={t} />
                  </td>
                  <td class="mono">
                    <Breakable text={`s3://${t.S3Bucket}/${t.S3Prefix ? t.S3Prefix + '/' : ''}${t.ExportTaskIdentifier}/`} />
                  </td>
                  <td class="nowrap">{fmtTime(t.TaskStartTime, false)}</td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        )}
      </Panel>
    </Page>
  );
}

type RdsField = 'identifier' | 'destination' | 'role' | 'kms' | 'tables' | 'source';

function rdsFieldOf(name: string, message: string): RdsField | undefined {
  const m = message.toLowerCase();
  if (name === 'ExportTaskAlreadyExists' || name === 'ExportTaskAlreadyExistsFault' || m.includes('exporttaskidentifier') || m.includes('export task identifier')) return 'identifier';
  if (name.startsWith('IamRole') || m.includes('iamrole') || m.includes('iam role')) return 'role';
  if (name.startsWith('KMSKey') || name.startsWith('InvalidKMSKey') || m.includes('kms')) return 'kms';
  if (name.startsWith('InvalidS3Bucket') || m.includes('s3bucket') || m.includes('s3 bucket') || m.includes('bucket')) return 'destination';
  if (m.includes('exportonly')) return 'tables';
  if (name.includes('Snapshot') || name.includes('Cluster') || m.includes('sourcearn')) return 'source';
  return undefined;
}

export function RdsExportFormPage(props: { source?: string }) {
  const { api, signOut } = useApp();
  const defaultId = useMemo(() => `${sourceName(props.source).replace(/[^a-zA-Z0-9-]/g, '-').replace(/^-+|-+$/g, '') || 'export'}-${Date.now().toString(36)}`.slice(0, 60), [props.source]);
  const [identifier, setIdentifier] = useState(defaultId);
  const [scope, setScope] = useState<'all' | 'partial'>('all');
  const [only, setOnly] = useState('');
  const [dest, setDest] = useState('');
  const [role, setRole] = useState('');
  const [kms, setKms] = useState('');
  const [browse, setBrowse] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<RdsField, string>>>({});
  const [formError, setFormError] = useState<{ name: string; message: string } | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    const errs: Partial<Record<RdsField, string>> = {};
    if (!props.source) errs.source = 'Choose a snapshot or cluster to export (from the Snapshots or Databases page).';
    if (!identifier.trim()) errs.identifier = 'Enter an export identifier.';
    const target = parseS3Url(dest);
    if (!dest.trim()) errs.destination = 'Enter the destination as s3://bucket/prefix, or choose Browse S3.';
    else if (!target) errs.destination = 'Use the s3://bucket/prefix format (the prefix is optional).';
    if (!role.trim()) errs.role = 'Enter the ARN of the IAM role that writes to the bucket.';
    if (!kms.trim()) errs.kms = 'Enter the ARN of the AWS KMS key that encrypts the exported data.';
    const exportOnly = only.split(/[\s,]+/).filter(Boolean);
    if (scope === 'partial' && exportOnly.length === 0) errs.tables = 'Enter at least one database, schema or table identifier.';
    setErrors(errs);
    setFormError(undefined);
    if (Object.keys(errs).length || !target) return;
    setBusy(true);
    try {
      const r = await api.rds.send(
        new StartExportTaskCommand({
          ExportTaskIdentifier: identifier.trim(),
          SourceArn: props.source,
          S3BucketName: target.bucket,
          S3Prefix: target.prefix || undefined,
          IamRoleArn: role.trim(),
          KmsKeyId: kms.trim(),
          ExportOnly: scope === 'partial' ? exportOnly : undefined,
        }),
      );
      navigate(href(['rds', 'exports', r.ExportTaskIdentifier ?? identifier.trim()]));
    } catch (err) {
      if (isAuthError(err)) return signOut('The server did not accept these credentials. Sign in again.');
      const x = errorOf(err);
      const f = rdsFieldOf(x.name, x.message);
      if (f) setErrors({ [f]: `${x.name}: ${x.message}` });
      else setFormError(x);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title="Export to Amazon S3" crumbs={[['Exports in Amazon S3', href(['rds', 'exports'])]]}>
      <form onSubmit={submit} noValidate id="rds-export-form" class="form">
        {formError && (
          <Alert kind="error" title="The export could not be started">
            <code class="err-name">{formError.name}</code> {formError.message}
          </Alert>
        )}
        <Panel title="Export settings">
          <Field id="source" label="Source" error={errors.source}>
            <div class="readonly mono" id="source">
              {props.source ? `${sourceKind(props.source)}: ${sourceName(props.source)}` : 'None chosen'}
            </div>
          </Field>
          <Field id="exportId" label="Export identifier" hint="Unique in this account and Region: letters, digits and hyphens, starting with a letter." error={errors.identifier}>
            <input id="exportId" value={identifier} onInput={(e) => setIdentifier(e.currentTarget.value)} spellcheck={false} />
          </Field>
          <fieldset class="field" data-field="scope">
            <legend>Exported data</legend>
            <div class="choices">
              <Radio name="scope" value="all" checked={scope === 'all'} onChange={() => setScope('all')} label="All" desc="Every database, schema and table." id="scope-all" />
              <Radio name="scope" value="partial" checked={scope === 'partial'} onChange={() => setScope('partial')} label="Partial" desc="Only the identifiers you list." id="scope-partial" />
            </div>
            {scope === 'partial' && (
              <Field id="exportOnly" label="Identifiers" hint="database, database.schema or database.schema.table (PostgreSQL); database or database.table (MySQL), separated by spaces or commas." error={errors.tables}>
                <input id="exportOnly" value={only} onInput={(e) => setOnly(e.currentTarget.value)} spellcheck={false} />
              </Field>
            )}
          </fieldset>
        </Panel>
        <Panel title="S3 destination">
          <Field id="destination" label="S3 bucket and prefix" hint="s3://bucket/prefix – the export is written under prefix/<export identifier>/." error={errors.destination}>
            <div class="input-row">
              <input id="destination" placeholder="s3://bucket/prefix" value={dest} onInput={(e) => setDest(e.currentTarget.value)} spellcheck={false} />
              <Button onClick={() => setBrowse(true)}>Browse S3</Button>
            </div>
          </Field>
        </Panel>
        <Panel title="Security">
          <Field id="iamRole" label="IAM role ARN" hint="The role the export writes to the bucket with." error={errors.role}>
            <input id="iamRole" placeholder="arn:aws:iam::123456789012:role/rds-s3-export" value={role} onInput={(e) => setRole(e.currentTarget.value)} spellcheck={false} />
          </Field>
          <Field id="kmsKey" label="AWS KMS key ARN" hint="Encrypts the exported data." error={errors.kms}>
            <input id="kmsKey" placeholder="arn:aws:kms:us-east-1:123456789012:key/…" value={kms} onInput={(e) => setKms(e.currentTarget.value)} spellcheck={false} />
          </Field>
        </Panel>
        <div class="form-actions">
          <a class="btn" href={href(['rds', 'exports'])}>
            Cancel
          </a>
          <Button type="submit" variant="primary" busy={busy} id="start-rds-export">
            Export to Amazon S3
          </Button>
        </div>
      </form>
      {browse && (
        <S3Browser
          onClose={() => setBrowse(false)}
          onChoose={(b, p) => {
            setDest(`s3://${b}${p ? '/' + p : ''}`);
            setBrowse(false);
          }}
        />
      )}
    </Page>
  );
}

async function taskFiles(api: Api, t: ExportTask): Promise<Array<{ key: string; size: number; url: string }>> {
  const prefix = `${t.S3Prefix ? t.S3Prefix.replace(/\/+$/, '') + '/' : ''}${t.ExportTaskIdentifier}/`;
  const out: Array<{ key: string; size: number; url: string }> = [];
  let token: string | undefined;
  for (let i = 0; i < 5; i++) {
    const r = await api.s3.send(new ListObjectsV2Command({ Bucket: t.S3Bucket!, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0, url: '' });
    token = r.NextContinuationToken;
    if (!token) break;
  }
  await Promise.all(out.map(async (f) => (f.url = await api.presign(t.S3Bucket!, f.key))));
  return out;
}

export function RdsExportDetailPage(props: { id: string }) {
  const { api, signOut } = useApp();
  const q = useAsync(
    async (a) => {
      const r = await a.rds.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: props.id }));
      const t = r.ExportTasks?.[0];
      if (!t) throw Object.assign(new Error(`The export task ${props.id} was not found.`), { name: 'ExportTaskNotFound' });
      return t;
    },
    [props.id],
    (t) => (ACTIVE.has(t.Status ?? '') ? 1000 : undefined),
  );
  const t = q.data;
  const files = useAsync(async (a) => (t?.Status === 'COMPLETE' ? taskFiles(a, t) : undefined), [t?.Status]);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [cancelError, setCancelError] = useState<string | undefined>();
  void parseRoute;

  async function cancel(): Promise<void> {
    setBusy(true);
    setCancelError(undefined);
    try {
      await api.rds.send(new CancelExportTaskCommand({ ExportTaskIdentifier: props.id }));
      setConfirm(false);
      q.reload();
    } catch (e) {
      if (isAuthError(e)) return signOut('The server did not accept these credentials. Sign in again.');
      setCancelError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const crumbs: Array<[string, string]> = [['Exports in Amazon S3', href(['rds', 'exports'])]];
  if (!t) {
    return (
      <Page title={props.id} crumbs={crumbs}>
        {q.loading ? <Loading what="export task" /> : <ErrorAlert error={q.error} title="Could not load this export task" />}
      </Page>
    );
  }
  const canCancel = t.Status === 'STARTING' || t.Status === 'IN_PROGRESS';
  return (
    <Page
      title={props.id}
      crumbs={crumbs}
      actions={
        <>
          <Button onClick={q.reload}>Refresh</Button>
          <Button variant="danger" disabled={!canCancel} onClick={() => setConfirm(true)} id="cancel-export">
            Cancel export
          </Button>
        </>
      }
    >
      {cancelError && <Alert kind="error">{cancelError}</Alert>}
      {t.Status === 'FAILED' && (
        <Alert kind="error" title="Export failed">
          {t.FailureCause ?? 'No cause given.'}
        </Alert>
      )}
      {(t.Status === 'CANCELED' || t.Status === 'CANCELING') && (
        <Alert kind="warning" title={t.Status === 'CANCELED' ? 'Export canceled' : 'Canceling'}>
          {t.Status === 'CANCELED' ? 'The export was canceled. Files it had already written stay in the bucket; remove them there if you do not need them.' : 'The export is stopping.'}
        </Alert>
      )}
      {t.WarningMessage && <Alert kind="warning" title="Warning">{t.WarningMessage}</Alert>}
      {ACTIVE.has(t.Status ?? '') && (
        <Panel title="Progress" id="progress">
          <Progress percent={t.PercentProgress ?? 0} />
        </Panel>
      )}
      <Panel title="Export details" id="details">
        <KV
          items={[
            ['Export identifier', <Mono>{t.ExportTaskIdentifier}</Mono>],
            ['Status', <Status value={t.Status} />],
            ['Progress', `${t.PercentProgress ?? 0}%`],
            ['Source', <Mono>{t.SourceArn}</Mono>],
            ['Source type', t.SourceType ?? sourceKind(t.SourceArn)],
            ['Snapshot time', fmtTime(t.SnapshotTime)],
            ['Start time', fmtTime(t.TaskStartTime)],
            ['End time', fmtTime(t.TaskEndTime)],
            ['Exported data', t.ExportOnly?.length ? t.ExportOnly.join(', ') : 'All'],
            ['S3 destination', <Mono>{`s3://${t.S3Bucket}/${t.S3Prefix ? t.S3Prefix + '/' : ''}${t.ExportTaskIdentifier}/`}</Mono>],
            ['IAM role', <Mono>{t.IamRoleArn}</Mono>],
            ['KMS key', <Mono>{t.KmsKeyId}</Mono>],
            ['Data extracted', t.TotalExtractedDataInGB === undefined ? '—' : `${t.TotalExtractedDataInGB} GB`],
            t.FailureCause !== undefined && ['Failure cause', t.FailureCause],
          ]}
        />
      </Panel>
      {t.Status === 'COMPLETE' && (
        <Panel title="Exported files" id="files">
          <ErrorAlert error={files.error} title="Could not list the exported files" />
          {!files.data && files.loading && <Loading what="files" />}
          {files.data && files.data.length === 0 && <Empty>No files under this export's folder.</Empty>}
          {files.data && files.data.length > 0 && (
            <DataTable label="Exported files" id="exported-files">
              <thead>
                <tr>
                  <th>S3 key</th>
                  <th class="num">Size</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {files.data.map((f) => (
                  <tr key={f.key}>
                    <td class="arn mono">
                      <Breakable text={f.key} />
                    </td>
                    <td class="num nowrap">{fmtBytes(f.size)}</td>
                    <td class="row-actions">
                      <a class="btn small" href={f.url} download={f.key.slice(f.key.lastIndexOf('/') + 1)}>
                        Download
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </DataTable>
          )}
        </Panel>
      )}
      {confirm && (
        <Modal
          title={`Cancel export ${props.id}?`}
          onClose={() => setConfirm(false)}
          footer={
            <>
              <Button onClick={() => setConfirm(false)}>Keep running</Button>
              <Button variant="danger" busy={busy} onClick={() => void cancel()} id="cancel-confirm">
                Cancel export
              </Button>
            </>
          }
        >
          <p>The export stops and cannot be resumed. Files it has already written stay in the bucket.</p>
        </Modal>
      )}
    </Page>
  );
}
