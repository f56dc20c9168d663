import { DescribeContinuousBackupsCommand, DescribeTableCommand, ExportTableToPointInTimeCommand, type ExportTableToPointInTimeCommandInput } from '@aws-sdk/client-dynamodb';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { errorOf, isAuthError } from '../aws.js';
import { accountOf, fmtTime, fromLocalInput, toLocalInput, zoneLabel } from '../format.js';
import { useApp, useAsync } from '../hooks.js';
import { href, navigate } from '../router.js';
import { Alert, Button, ErrorAlert, Field, Loading, Page, Panel, Radio } from '../ui.js';
import { parseS3Url, S3Browser } from './s3-browser.js';
import { listTableNames } from './tables.js';

type FieldName = 'table' | 'destination' | 'owner' | 'exportTime' | 'incFrom' | 'incTo' | 'kms';

export function clientToken(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) {
    try {
      return c.randomUUID();
    } catch {
      // not a secure context
    }
  }
  return `console-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/**
 * Puts an API error next to the field it is about (the operation's own validation is the only rule set;
 * the form checks nothing but that required fields are filled in).
 */
function fieldOf(name: string, message: string, type: string): FieldName | undefined {
  const m = message.toLowerCase();
  if (name === 'PointInTimeRecoveryUnavailableException' || name === 'TableNotFoundException' || name === 'AccessDeniedException' || m.includes('tablearn') || m.includes('table arn')) return 'table';
  if (m.includes('s3bucketowner')) return 'owner';
  if (m.includes('s3ssekmskeyid') || m.includes('kms')) return 'kms';
  if (m.includes('s3bucket') || m.includes('s3prefix')) return 'destination';
  if (name === 'InvalidExportTimeException' || m.includes('exporttime') || m.includes('export period') || m.includes('exportfromtime') || m.includes('exporttotime')) {
    if (type === 'FULL_EXPORT') return 'exportTime';
    if (m.includes('to time cannot') || m.includes('exporttotime')) return 'incTo';
    return 'incFrom';
  }
  return undefined;
}

export function ExportFormPage(props: { table?: string }) {
  const { api, signOut } = useApp();
  const tables = useAsync((a) => listTableNames(a), []);
  const [table, setTable] = useState(props.table ?? '');
  const [dest, setDest] = useState('');
  const [ownerMode, setOwnerMode] = useState<'self' | 'other'>('self');
  const [owner, setOwner] = useState('');
  const [type, setType] = useState<'FULL_EXPORT' | 'INCREMENTAL_EXPORT'>('FULL_EXPORT');
  const [timeMode, setTimeMode] = useState<'now' | 'pit'>('now');
  const [exportTime, setExportTime] = useState('');
  const [incFrom, setIncFrom] = useState('');
  const [incTo, setIncTo] = useState('');
  const [view, setView] = useState<'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE'>('NEW_AND_OLD_IMAGES');
  const [format, setFormat] = useState<'DYNAMODB_JSON' | 'ION'>('DYNAMODB_JSON');
  const [sse, setSse] = useState<'AES256' | 'KMS'>('AES256');
  const [kms, setKms] = useState('');
  const [browse, setBrowse] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [formError, setFormError] = useState<{ name: string; message: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const token = useMemo(clientToken, []);

  useEffect(() => {
    if (!table && tables.data?.length) setTable(tables.data[0]!);
  }, [tables.data]);

  // The selected table's restorable window, and Strata's "now" (its clock can run ahead of the browser's).
  const win = useAsync(
    async (a) => {
      if (!table) return undefined;
      const [t, b, now] = await Promise.all([
        a.ddb.send(new DescribeTableCommand({ TableName: table })),
        a.ddb.send(new DescribeContinuousBackupsCommand({ TableName: table })),
        a.serverNow(),
      ]);
      const p = b.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
      return {
        arn: t.Table!.TableArn!,
        enabled: p?.PointInTimeRecoveryStatus === 'ENABLED',
        earliest: p?.EarliestRestorableDateTime?.getTime(),
        latest: p?.LatestRestorableDateTime?.getTime(),
        now,
      };
    },
    [table],
  );
  const w = win.data;

  // Defaults that lie inside the window: whole seconds, the earliest rounded up.
  useEffect(() => {
    if (!w || !w.enabled || w.earliest === undefined) return;
    const earliestS = Math.ceil(w.earliest / 1000) * 1000;
    const nowS = Math.floor(w.now / 1000) * 1000;
    setExportTime(toLocalInput(Math.max(earliestS, nowS)));
    setIncTo(toLocalInput(nowS));
    setIncFrom(toLocalInput(Math.min(nowS, Math.max(earliestS, nowS - 3600_000))));
  }, [w?.arn, w?.earliest, w?.now]);

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    const errs: Partial<Record<FieldName, string>> = {};
    if (!table) errs.table = 'Choose a source table.';
    const target = parseS3Url(dest);
    if (!dest.trim()) errs.destination = 'Enter the destination as s3://bucket/prefix, or choose Browse S3.';
    else if (!target) errs.destination = 'Use the s3://bucket/prefix format (the prefix is optional).';
    if (ownerMode === 'other' && !owner.trim()) errs.owner = 'Enter the 12-digit account ID that owns the bucket.';
    let exportTimeMs: number | undefined;
    let fromMs: number | undefined;
    let toMs: number | undefined;
    if (type === 'FULL_EXPORT' && timeMode === 'pit') {
      exportTimeMs = fromLocalInput(exportTime);
      if (exportTimeMs === undefined) errs.exportTime = 'Enter a date and time.';
    }
    if (type === 'INCREMENTAL_EXPORT') {
      fromMs = fromLocalInput(incFrom);
      toMs = fromLocalInput(incTo);
      if (fromMs === undefined) errs.incFrom = 'Enter the start of the export period.';
      if (toMs === undefined) errs.incTo = 'Enter the end of the export period.';
    }
    if (sse === 'KMS' && !kms.trim()) errs.kms = 'Enter the ARN, ID or alias of the AWS KMS key.';
    setErrors(errs);
    setFormError(undefined);
    if (Object.keys(errs).length || !target || !w) return;

    const input: ExportTableToPointInTimeCommandInput = {
      TableArn: w.arn,
      S3Bucket: target.bucket,
      S3Prefix: target.prefix || undefined,
      S3BucketOwner: ownerMode === 'other' ? owner.trim() : undefined,
      ExportFormat: format,
      ExportType: type,
      S3SseAlgorithm: sse,
      S3SseKmsKeyId: sse === 'KMS' ? kms.trim() : undefined,
      ClientToken: token,
    };
    if (type === 'FULL_EXPORT' && exportTimeMs !== undefined) input.ExportTime = new Date(exportTimeMs);
    if (type === 'INCREMENTAL_EXPORT') {
      input.IncrementalExportSpecification = { ExportFromTime: new Date(fromMs!), ExportToTime: new Date(toMs!), ExportViewType: view };
    }
    setBusy(true);
    try {
      const r = await api.ddb.send(new ExportTableToPointInTimeCommand(input));
      navigate(href(['dynamodb', 'exports', r.ExportDescription!.ExportArn!], { started: '1' }));
    } catch (err) {
      if (isAuthError(err)) return signOut('The server did not accept these credentials. Sign in again.');
      const x = errorOf(err);
      const f = fieldOf(x.name, x.message, type);
      if (f) setErrors({ [f]: x.message });
      else setFormError(x);
    } finally {
      setBusy(false);
    }
  }

  const myAccount = accountOf(w?.arn);
  const windowText =
    w && w.enabled && w.earliest !== undefined
      ? `Restorable window: from ${fmtTime(w.earliest)} (earliest restorable time) to ${fmtTime(w.latest)} (latest). Exports may use any time from the earliest up to now, ${fmtTime(w.now)}.`
      : undefined;
  const minInput = w?.earliest !== undefined ? toLocalInput(Math.ceil(w.earliest / 1000) * 1000) : undefined;
  const maxInput = w ? toLocalInput(w.now) : undefined;

  return (
    <Page title="Export to S3" crumbs={[['Exports to S3', href(['dynamodb', 'exports'])]]}>
      <form onSubmit={submit} noValidate id="export-form" class="form">
        {formError && (
          <Alert kind="error" title="The export could not be started">
            <code class="err-name">{formError.name}</code> {formError.message}
          </Alert>
        )}
        <Panel title="Source and destination">
          <Field id="table" label="Source table" error={errors.table} hint={w && !w.enabled ? undefined : 'Exports read the table as of a point in time; writes are never blocked.'}>
            {tables.data ? (
              <select id="table" value={table} onChange={(e) => setTable(e.currentTarget.value)}>
                {tables.data.length === 0 && <option value="">No tables</option>}
                {tables.data.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            ) : (
              <Loading what="tables" />
            )}
          </Field>
          <ErrorAlert error={tables.error ?? win.error} />
          {w && !w.enabled && (
            <Alert kind="warning" title="Point-in-time recovery is off for this table">
              Exports need it. <a href={href(['dynamodb', 'tables', table])}>Enable it on the table's page</a>, then come back.
            </Alert>
          )}
          <Field id="destination" label="Destination S3 bucket" hint="s3://bucket/prefix – the prefix is an optional folder that keeps the bucket organised." error={errors.destination}>
            <div class="input-row">
              <input id="destination" placeholder="s3://bucket/prefix" value={dest} onInput={(e) => setDest(e.currentTarget.value)} spellcheck={false} />
              <Button onClick={() => setBrowse(true)} id="browse-s3">
                Browse S3
              </Button>
            </div>
          </Field>
          <fieldset class="field" data-field="owner">
            <legend>Bucket owner</legend>
            <div class="choices">
              <Radio name="owner" value="self" checked={ownerMode === 'self'} onChange={() => setOwnerMode('self')} label="This AWS account" desc={myAccount ? `Account ${myAccount}` : undefined} id="owner-self" />
              <Radio name="owner" value="other" checked={ownerMode === 'other'} onChange={() => setOwnerMode('other')} label="A different AWS account" desc="Cross-account export: the bucket's owner must allow it." id="owner-other" />
            </div>
            {ownerMode === 'other' && (
              <Field id="bucketOwner" label="Bucket owner account ID" error={errors.owner}>
                <input id="bucketOwner" inputMode="numeric" placeholder="123456789012" value={owner} onInput={(e) => setOwner(e.currentTarget.value)} />
              </Field>
            )}
            {ownerMode === 'self' && errors.owner && <div class="field-error" role="alert">{errors.owner}</div>}
          </fieldset>
        </Panel>

        <Panel title="Export settings">
          <fieldset class="field" data-field="type">
            <legend>Export type</legend>
            <div class="choices">
              <Radio name="type" value="FULL_EXPORT" checked={type === 'FULL_EXPORT'} onChange={() => setType('FULL_EXPORT')} label="Full export" desc="The whole table as it was at one point in time." id="type-full" />
              <Radio name="type" value="INCREMENTAL_EXPORT" checked={type === 'INCREMENTAL_EXPORT'} onChange={() => setType('INCREMENTAL_EXPORT')} label="Incremental export" desc="The final state of each item changed during a period." id="type-incremental" />
            </div>
          </fieldset>
          {windowText && (
            <p class="window" id="restorable-window">
              {windowText}
            </p>
          )}
          {type === 'FULL_EXPORT' && (
            <fieldset class="field" data-field="time">
              <legend>Export from</legend>
              <div class="choices">
                <Radio name="timeMode" value="now" checked={timeMode === 'now'} onChange={() => setTimeMode('now')} label="Current time" desc="The table as it is when the export starts." id="time-now" />
                <Radio name="timeMode" value="pit" checked={timeMode === 'pit'} onChange={() => setTimeMode('pit')} label="A point in time" desc="Any time in the restorable window." id="time-pit" />
              </div>
              {timeMode === 'pit' && (
                <Field id="exportTime" label={`Export time (${zoneLabel()})`} error={errors.exportTime}>
                  <input id="exportTime" type="datetime-local" step={1} min={minInput} max={maxInput} value={exportTime} onInput={(e) => setExportTime(e.currentTarget.value)} />
                </Field>
              )}
            </fieldset>
          )}
          {type === 'INCREMENTAL_EXPORT' && (
            <>
              <div class="two-col">
                <Field id="incFrom" label={`Export period from (${zoneLabel()})`} error={errors.incFrom}>
                  <input id="incFrom" type="datetime-local" step={1} min={minInput} max={maxInput} value={incFrom} onInput={(e) => setIncFrom(e.currentTarget.value)} />
                </Field>
                <Field id="incTo" label={`Export period to (${zoneLabel()})`} error={errors.incTo}>
                  <input id="incTo" type="datetime-local" step={1} min={minInput} max={maxInput} value={incTo} onInput={(e) => setIncTo(e.currentTarget.value)} />
                </Field>
              </div>
              <p class="hint">The period is at least 15 minutes and at most 24 hours, inside the restorable window.</p>
              <fieldset class="field" data-field="view">
                <legend>Export view type</legend>
                <div class="choices">
                  <Radio name="view" value="NEW_AND_OLD_IMAGES" checked={view === 'NEW_AND_OLD_IMAGES'} onChange={() => setView('NEW_AND_OLD_IMAGES')} label="New and old images" desc="Each changed item as it was before and after the period." id="view-both" />
                  <Radio name="view" value="NEW_IMAGE" checked={view === 'NEW_IMAGE'} onChange={() => setView('NEW_IMAGE')} label="New images only" desc="Each changed item as it was at the end of the period." id="view-new" />
                </div>
              </fieldset>
            </>
          )}
          <fieldset class="field" data-field="format">
            <legend>Exported file format</legend>
            <div class="choices">
              <Radio name="format" value="DYNAMODB_JSON" checked={format === 'DYNAMODB_JSON'} onChange={() => setFormat('DYNAMODB_JSON')} label="DynamoDB JSON" id="format-json" />
              <Radio name="format" value="ION" checked={format === 'ION'} onChange={() => setFormat('ION')} label="Amazon Ion" id="format-ion" />
            </div>
          </fieldset>
          <fieldset class="field" data-field="encryption">
            <legend>Encryption key type</legend>
            <div class="choices">
              <Radio name="sse" value="AES256" checked={sse === 'AES256'} onChange={() => setSse('AES256')} label="Amazon S3 key (SSE-S3)" id="sse-s3" />
              <Radio name="sse" value="KMS" checked={sse === 'KMS'} onChange={() => setSse('KMS')} label="AWS KMS key (SSE-KMS)" desc="The key must be in the destination bucket's Region." id="sse-kms" />
            </div>
            {sse === 'KMS' && (
              <Field id="kmsKey" label="AWS KMS key ARN, ID or alias" error={errors.kms}>
                <input id="kmsKey" placeholder="arn:aws:kms:us-east-1:123456789012:key/…" value={kms} onInput={(e) => setKms(e.currentTarget.value)} spellcheck={false} />
              </Field>
            )}
          </fieldset>
        </Panel>
        <div class="form-actions">
          <a class="btn" href={href(['dynamodb', 'exports'])}>
            Cancel
          </a>
          <Button type="submit" variant="primary" busy={busy} id="start-export">
            Export
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
